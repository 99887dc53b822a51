#!/usr/bin/env bash
# Benchmark of `git-batch watch` on a large fleet, against the ways people follow a fleet
# without it (`watch -n 2 git batch status`, a loop of `git status` every 2 s).
#
# Usage: bench/watch.sh [SIZE]                 (default 1000 repositories)
#
# Environment:
#   CHANGES=N          file writes timed for the latency (default 50)
#   IDLE=SECS          idle time whose CPU is measured (default 60)
#   GIT_BATCH_BIN=PATH use this binary instead of building `cargo build --release --locked`
#
# Builds a fleet as bench/status.sh does (20 committed files, a bare remote, every fifth
# repository dirty), then prints, each measured on the running `watch --format jsonl` process:
#   start-up: from the start to the first line of every repository (median of 3), against
#             `git-batch status` on the same fleet (median of 3);
#   latency:  from writing a new file in one repository (a different one each time) to its
#             line on stdout: median and 95th percentile over CHANGES writes;
#   idle CPU: utime + stime (/proc/PID/stat) used in IDLE seconds with nothing changing;
#   peak RSS: VmHWM of the process at the end (/proc/PID/status);
#   the usual way: CPU (of the children, getrusage) of one `git-batch status` and of one serial
#             loop of `git status --porcelain=v2 --branch` over the fleet, times 30: what
#             `watch -n 2` spends in a minute.
# Needs bash, git, python3 and coreutils; Linux (/proc).

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="$(cd "$here/.." && pwd)"
size="${1:-1000}"

die() {
    printf 'bench/watch.sh: %s\n' "$*" >&2
    exit 2
}

[[ "$size" =~ ^[1-9][0-9]*$ ]] || die "a fleet size must be a positive integer, not '$size'"
[[ -r /proc/self/stat ]] || die "needs Linux's /proc"

# shellcheck source=bench/common.sh
source "$here/common.sh"
find_binary "$crate"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/git-batch-bench-watch.XXXXXX")"
cleanup() {
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

seal_environment "$tmp"
printf '[gc]\n\tauto = 0\n' >>"$HOME/.gitconfig"
make_template "$tmp"

shards="$(nproc 2>/dev/null || echo 2)"
build_shard() {
    local base="$1" first="$2" i name work remote
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
        git -C "$work" update-index -q --refresh >/dev/null 2>&1 || true
    done
}
base="$tmp/fleet"
mkdir -p "$base/repos" "$base/remotes"
pids=()
for ((k = 1; k <= shards; k++)); do
    build_shard "$base" "$k" &
    pids+=("$!")
done
for pid in "${pids[@]}"; do
    wait "$pid" || die "building the fleet failed"
done
sync

printf 'git-batch: %s (%s)\n' "$bin" "$("$bin" --version)" >&2
printf 'fleet: %s repositories; cpus: %s; load average: %s\n' "$size" "$(nproc)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
cd "$base/repos"
python3 "$here/watch.py" --bin "$bin" --size "$size" \
    --changes "${CHANGES:-50}" --idle "${IDLE:-60}"
