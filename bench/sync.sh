#!/usr/bin/env bash
# Benchmark of `git-batch sync` against the `sync_repos.sh` loop people run without it.
#
# Usage: bench/sync.sh [SIZE...]              (default sizes: 100 500)
#
# Environment:
#   RUNS=N             timed runs per contender and fleet (default 5)
#   CLEAN_SIZE=N       repositories in the all-clean fleet of (d) (default 100; 0 leaves it out)
#   GIT_BATCH_BIN=PATH use this binary instead of building `cargo build --release --locked`
#   RESULTS=FILE       also write every timed sample there (JSON lines), for a closer look
#   TMPDIR=DIR         where the fleets are built (default /tmp). A file system where creating
#                      and deleting files is slow makes the untimed resets slow and the figures
#                      noisy; TMPDIR=/dev/shm (tmpfs) steadies them. git fsyncs nothing by
#                      default, so either way the contenders make the same calls; only what
#                      the file system charges for each differs
#   KEEP=PATH          build the largest fleet in PATH and keep it after the run, for profiling:
#                      PATH/pristine is the fleet as built, PATH/work the copy the contenders
#                      change (PATH/work/repos, remotes in PATH/work/remotes); put it back with
#                      `rm -rf PATH/work && cp -a PATH/pristine PATH/work` (then
#                      `git update-index -q --refresh` in each repository). PATH must be empty,
#                      missing, or a fleet an earlier run kept there
#
# For each size it builds a PRISTINE fleet once: real repositories (20 small files committed, a
# bare remote on disk with the branch pushed and its upstream set), every fifth repository dirty
# (one modified tracked file, one new untracked file). Before every run, warm-ups included, the
# fleet the contenders work on is put back from that copy, repositories and remotes alike
# (rm -rf work && cp -a pristine work, then the index stat caches are refreshed, as any earlier
# `git status` would have left them) — untimed, so every run does the same work. Then it times,
# interleaved round-robin:
#   (a) git-batch sync -m "chore: batch update"                (human output to /dev/null)
#   (b) the sync_repos.sh loop, serial:
#         for d in $(find . -maxdepth 2 -name .git); do (cd "$(dirname "$d")" && git add -A &&
#           if ! git diff --cached --quiet; then git commit -qm "chore: batch update"; fi &&
#           git push -q); done
#   (c) the same per-repository body under GNU parallel -j 8 (installed with apt-get when
#       missing; when that fails too, under xargs -P 8 -n 1, and labelled so)
# and, on a fleet of CLEAN_SIZE clean, up-to-date repositories (nothing to commit or push):
#   (d) git-batch sync, and for reference the loop, serial and under -j 8.
# After one untimed run of each contender it checks that the work really happened: every dirty
# repository has exactly one new commit, with the message, on its bare remote, and a clean work
# tree; every other repository and remote is untouched. It prints medians, minimums, the ratios
# (b)/(a) and (c)/(a), and the goals (>= 3x faster than the -j 8 loop; 100 clean repositories in
# under 0.1 s) with PASS/MISS.
# Needs bash, git, python3 (standard library), coreutils and findutils.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="$(cd "$here/.." && pwd)"
lib="$here/lib.py"

runs="${RUNS:-5}"
clean_size="${CLEAN_SIZE:-100}"
keep="${KEEP:-}"
message="chore: batch update"
if [[ $# -gt 0 ]]; then
    sizes=("$@")
else
    sizes=(100 500)
fi

die() {
    printf 'bench/sync.sh: %s\n' "$*" >&2
    exit 2
}
note() {
    printf '%s\n' "$*" >&2
}

[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$runs'"
[[ "$clean_size" =~ ^[0-9]+$ ]] || die "CLEAN_SIZE must be a whole number, not '$clean_size'"
for size in "${sizes[@]}"; do
    [[ "$size" =~ ^[1-9][0-9]*$ ]] || die "a fleet size must be a positive integer, not '$size'"
done
seen=" "
for size in "${sizes[@]}"; do
    [[ "$seen" != *" $size "* ]] || die "fleet size $size given twice; give each size once"
    seen+="$size "
done
command -v git >/dev/null || die "git is not on PATH"
command -v python3 >/dev/null || die "python3 is not on PATH"

largest=0
for size in "${sizes[@]}"; do
    if ((size > largest)); then
        largest="$size"
    fi
done

# --- the binary ----------------------------------------------------------------------------------
# shellcheck source=bench/common.sh
source "$here/common.sh"
find_binary "$crate"

# --- how the loop runs in parallel: GNU parallel as people use it, else xargs -P 8 -------------
pick_fanout

# --- the kept fleet's folder ---------------------------------------------------------------------
marker_name=".git-batch-bench-sync-fleet"
if [[ -n "$keep" ]]; then
    [[ "$keep" == /* ]] || keep="$PWD/$keep"
    if [[ -e "$keep" ]]; then
        [[ -d "$keep" ]] || die "KEEP=$keep exists and is not a folder"
        if [[ -e "$keep/$marker_name" ]]; then
            rm -rf -- "$keep/pristine" "$keep/work" "$keep/$marker_name"
        elif [[ -n "$(ls -A -- "$keep")" ]]; then
            die "KEEP=$keep is not empty and was not made by this script; refusing to touch it"
        fi
    fi
    mkdir -p -- "$keep"
fi

# --- a sealed git environment in a temporary folder, removed at exit ----------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/git-batch-bench-sync.XXXXXX")"
cleanup() {
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The binary is copied, so that a build running meanwhile cannot swap it in the middle.
mkdir -p "$tmp/bin"
cp -- "$bin" "$tmp/bin/git-batch"
bin_source="$bin"
bin="$tmp/bin/git-batch"

seal_environment "$tmp"

# --- one template repository and its bare remote ------------------------------------------------
make_template "$tmp"
base_head="$(git -C "$tpl_work" rev-parse HEAD)"

# Creating files dominates building a fleet, so it runs in as many shards as there are CPUs.
shards="$(nproc 2>/dev/null || echo 2)"
export -f reset_fleet
export shards

# The per-repository body of sync_repos.sh, as people write it.
body='git add -A && if ! git diff --cached --quiet; then git commit -qm "'"$message"'"; fi'
body+=' && git push -q'
# shellcheck disable=SC2016 # expanded by the child shell
serial_loop='for d in $(find . -maxdepth 2 -name .git); do'
serial_loop+=' (cd "$(dirname "$d")" && '"$body"'); done'
if [[ "$fanout" == "parallel" ]]; then
    fanout_label="loop-parallel"
    fanout_loop='find . -maxdepth 2 -name .git | parallel -j 8 '\''cd {//} && '"$body"\'
else
    fanout_label="loop-xargs"
    # shellcheck disable=SC2016 # expanded by the child shell
    fanout_loop='find . -maxdepth 2 -name .git | xargs -P 8 -n 1 sh -c '
    fanout_loop+=\''cd "$(dirname "$0")" && '"$body"\'
fi

results="$tmp/results.jsonl"
: >"$results"

note "git-batch: $bin_source ($("$bin" --version)), run from a copy"
note "git: $(git --version); cpus: $(nproc 2>/dev/null || echo '?'); runs: $runs"
note "(b) serial loop: $serial_loop"
note "(c) -j 8 loop:   $fanout_loop"

# bench_fleet KIND SIZE DIRTY_EVERY LABEL_PREFIX: builds, then times the contenders on, one fleet.
bench_fleet() {
    local kind="$1" size="$2" dirty_every="$3" prefix="$4" fleet started finished dirty
    if [[ -n "$keep" && "$kind" == dirty && "$size" -eq "$largest" ]]; then
        fleet="$keep"
    else
        fleet="$tmp/$kind-$size"
    fi
    started="$(date +%s.%N)"
    build_fleet "$fleet" "$size" "$dirty_every"
    sync
    finished="$(date +%s.%N)"
    if [[ "$fleet" == "$keep" ]]; then
        printf 'a fleet of %s repositories kept by bench/sync.sh\n' "$size" >"$keep/$marker_name"
    fi
    dirty=0
    if ((dirty_every > 0)); then
        dirty=$((size / dirty_every))
    fi
    note ""
    note "pristine fleet of $size repositories ($dirty dirty) built in $(
        awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.1f s", b - a }'
    ): $fleet/pristine"
    started="$(date +%s.%N)"
    reset_fleet "$fleet"
    finished="$(date +%s.%N)"
    note "one reset, untimed, before every run (rm -rf work, cp -a pristine work, index refresh," \
        "sync): $(awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.1f s", b - a }')"
    note "load average before timing: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
    (
        # The folder is made anew by every reset, so each child shell enters it itself.
        cd "$fleet"
        python3 "$lib" bench --size "$size" --runs "$runs" --dirty "$dirty" --results "$results" \
            --reset "reset_fleet '$fleet'" \
            --verify "python3 '$lib' verify-sync --repos '$fleet/work/repos' \
                --remotes '$fleet/work/remotes' --base $base_head --dirty-every $dirty_every \
                --message '$message'" -- \
            "${prefix}sync" "$bin" sync -C work/repos -m "$message" :: \
            "${prefix}loop-serial" bash -c "cd work/repos && $serial_loop" :: \
            "${prefix}$fanout_label" bash -c "cd work/repos && $fanout_loop"
    )
}

for size in "${sizes[@]}"; do
    bench_fleet dirty "$size" 5 ""
done
if ((clean_size > 0)); then
    bench_fleet clean "$clean_size" 0 "clean-"
fi

if [[ -n "${RESULTS:-}" ]]; then
    cp -- "$results" "$RESULTS"
fi

python3 "$lib" sync-report --results "$results"

if [[ -n "$keep" ]]; then
    printf '\nkept: a fleet of %s repositories in %s/pristine (as built)' "$largest" "$keep"
    printf ' and %s/work (after the last run)\n' "$keep"
    printf 'try:  rm -rf %s/work && cp -a %s/pristine %s/work && %s sync -C %s/work/repos\n' \
        "$keep" "$keep" "$keep" "$bin_source" "$keep"
fi
