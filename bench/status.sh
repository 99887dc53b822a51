#!/usr/bin/env bash
# Benchmark of `git-batch status` against the ways people read a fleet's state without it.
#
# Usage: bench/status.sh [SIZE...]            (default sizes: 100 500 1000)
#
# Environment:
#   RUNS=N             timed runs per contender and fleet size (default 7)
#   GIT_BATCH_BIN=PATH use this binary instead of building `cargo build --release --locked`
#   RESULTS=FILE       also write every timed sample there (JSON lines), for a closer look
#   KEEP=PATH          build the largest fleet in PATH and keep it after the run (the repositories
#                      are in PATH/repos, their bare remotes in PATH/remotes), for profiling;
#                      PATH must be empty, missing, or a fleet an earlier run kept there
#
# For each size it builds a fleet of real repositories (20 small files committed, a bare remote on
# disk with the branch pushed and its upstream set, every fifth repository dirty: one modified
# tracked file and one untracked file), warms the index stat caches and every contender once,
# then times, interleaved round-robin:
#   (a) git-batch status                      (human output to /dev/null)
#   (b) git-batch status --format json
#   (c) a serial loop of `git status --porcelain=v2 --branch`
#   (d) find -name .git | xargs -P 8 git status --porcelain=v2 --branch
#   (e) git-batch list
# and prints medians, minimums, the ratios and the goals of the benchmark with PASS/MISS.
# Needs bash, git, python3 (standard library) and coreutils; /usr/bin/time is optional.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="$(cd "$here/.." && pwd)"
lib="$here/lib.py"

runs="${RUNS:-7}"
keep="${KEEP:-}"
if [[ $# -gt 0 ]]; then
    sizes=("$@")
else
    sizes=(100 500 1000)
fi

die() {
    printf 'bench/status.sh: %s\n' "$*" >&2
    exit 2
}
note() {
    printf '%s\n' "$*" >&2
}

[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$runs'"
for size in "${sizes[@]}"; do
    [[ "$size" =~ ^[1-9][0-9]*$ ]] || die "a fleet size must be a positive integer, not '$size'"
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

# --- the kept fleet's folder ---------------------------------------------------------------------
marker_name=".git-batch-bench-fleet"
if [[ -n "$keep" ]]; then
    [[ "$keep" == /* ]] || keep="$PWD/$keep"
    if [[ -e "$keep" ]]; then
        [[ -d "$keep" ]] || die "KEEP=$keep exists and is not a folder"
        if [[ -e "$keep/$marker_name" ]]; then
            rm -rf -- "$keep/repos" "$keep/remotes" "$keep/$marker_name"
        elif [[ -n "$(ls -A -- "$keep")" ]]; then
            die "KEEP=$keep is not empty and was not made by this script; refusing to touch it"
        fi
    fi
    mkdir -p -- "$keep"
fi

# --- a sealed git environment in a temporary folder, removed at exit ----------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/git-batch-bench.XXXXXX")"
cleanup() {
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

seal_environment "$tmp"
cat >>"$HOME/.gitconfig" <<'EOF'
[gc]
	auto = 0
[advice]
	detachedHead = false
EOF

# --- one template repository and its bare remote ------------------------------------------------
make_template "$tmp"

# Creating files dominates building a fleet, so it runs in as many shards as there are CPUs.
shards="$(nproc 2>/dev/null || echo 2)"

# build_shard BASE SIZE K: the repositories numbered K, K + shards, ... up to SIZE.
build_shard() {
    local base="$1" size="$2" first="$3" i name work remote
    for ((i = first; i <= size; i += shards)); do
        printf -v name 'repo-%04d' "$i"
        work="$base/repos/$name"
        remote="$base/remotes/$name.git"
        cp -a "$tpl_work" "$work"
        cp -a "$tpl_remote" "$remote"
        printf '%s\n' "${tpl_config//"$tpl_remote"/"$remote"}" >"$work/.git/config"
        if ((i % 5 == 0)); then
            printf 'A local edit.\n' >>"$work/README.md"
            printf 'scratch\n' >"$work/notes.txt"
        fi
        # Refreshes the index's stat cache (the copy has new inodes and change times), so that
        # every contender sees the same settled state instead of re-reading file contents.
        git -C "$work" update-index -q --refresh >/dev/null 2>&1 || true
    done
}

# build_fleet BASE SIZE: repositories in BASE/repos, bare remotes in BASE/remotes.
build_fleet() {
    local base="$1" size="$2" k pids=()
    mkdir -p "$base/repos" "$base/remotes"
    for ((k = 1; k <= shards; k++)); do
        build_shard "$base" "$size" "$k" &
        pids+=("$!")
    done
    for k in "${pids[@]}"; do
        wait "$k" || die "building the fleet of $size repositories failed"
    done
}

results="$tmp/results.jsonl"
: >"$results"
fleet_of_largest=""

note "git-batch: $bin ($("$bin" --version))"
note "git: $(git --version); cpus: $(nproc 2>/dev/null || echo '?'); runs: $runs"

for size in "${sizes[@]}"; do
    if [[ -n "$keep" && "$size" -eq "$largest" && -z "$fleet_of_largest" ]]; then
        base="$keep"
    else
        base="$tmp/fleet-$size"
    fi
    if [[ -d "$base/repos" ]]; then
        die "two fleets of $size repositories asked for; give each size once"
    fi
    started="$(date +%s.%N)"
    build_fleet "$base" "$size"
    # Writes the new files out now, so that write-back does not run during the timed runs.
    sync
    finished="$(date +%s.%N)"
    if [[ "$base" == "$keep" ]]; then
        printf 'a fleet of %s repositories kept by bench/status.sh\n' "$size" >"$keep/$marker_name"
    fi
    if [[ "$size" -eq "$largest" ]]; then
        fleet_of_largest="$base/repos"
    fi
    dirty=$((size / 5))
    note ""
    note "fleet of $size repositories ($dirty dirty) built and warmed in $(
        awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.1f s", b - a }'
    ): $base/repos"
    # Other work on the machine shows up in every figure; the load average says how much there was.
    note "load average before timing: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

    (
        cd "$base/repos"
        # shellcheck disable=SC2016 # the scripts are for the child shells, unexpanded here
        python3 "$lib" bench --size "$size" --runs "$runs" --dirty "$dirty" --results "$results" -- \
            status "$bin" status :: \
            status-json "$bin" status --format json :: \
            serial bash -c 'for d in */; do git -C "$d" status --porcelain=v2 --branch; done' :: \
            xargs bash -c 'find . -maxdepth 2 -name .git -print0 |
                xargs -0 -n1 -P 8 sh -c '\''git -C "${0%/.git}" status --porcelain=v2 --branch'\''' :: \
            list "$bin" list
    )
done

# --- peak memory of git-batch status on the largest fleet ----------------------------------------
rss_kb=0
rss_source=""
if [[ -x /usr/bin/time ]] && /usr/bin/time -f %M -o "$tmp/rss-probe" true 2>/dev/null; then
    for _ in 1 2 3; do
        (cd "$fleet_of_largest" && /usr/bin/time -f %M -o "$tmp/rss" "$bin" status >/dev/null)
        kb="$(tail -n 1 "$tmp/rss")"
        if [[ "$kb" =~ ^[0-9]+$ ]] && ((kb > rss_kb)); then
            rss_kb="$kb"
        fi
    done
    rss_source="/usr/bin/time -f %M, max of 3"
else
    # No GNU time: the max RSS that wait4() reported for the timed runs of (a). It counts the
    # spawning Python process's image before exec, so it is an upper bound.
    rss_kb="$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(max(max(r["maxrss_kb"]) for r in rows if r["label"] == "status" and r["size"] == int(sys.argv[2])))
' "$results" "$largest")"
    rss_source="upper bound from wait4() (includes the spawning python3); no /usr/bin/time -f"
fi

if [[ -n "${RESULTS:-}" ]]; then
    cp -- "$results" "$RESULTS"
fi

python3 "$lib" report --results "$results" --rss-kb "$rss_kb" --rss-size "$largest" \
    --rss-source "$rss_source"

if [[ -n "$keep" ]]; then
    printf '\nkept: a fleet of %s repositories in %s/repos (remotes in %s/remotes)\n' \
        "$largest" "$keep" "$keep"
    printf 'try:  %s -C %s/repos status\n' "$bin" "$keep"
fi
