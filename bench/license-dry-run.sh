#!/usr/bin/env bash
# Benchmark of `git-batch license-update --old MIT --new Apache-2.0 -n` (a dry run: every
# repository read, every license file recognised, nothing written) on a fleet whose LICENSE files
# are real ones, against a baseline binary: the license text recogniser must not make it more
# than 20 % slower.
#
# Usage: bench/license-dry-run.sh
#
# Environment:
#   SIZE=N              repositories in the fleet (default 500)
#   RUNS=N              timed runs per binary, interleaved (default 9); one untimed warm-up each
#   GIT_BATCH_BIN=PATH  the binary measured (default: `cargo build --release --locked` here)
#   BASELINE_BIN=PATH   the binary compared against (default: none, the candidate alone)
#   ONLY=FILE           use only this file of tests/data/licenses as every LICENSE (say
#                       tokio-rs__tokio__LICENSE, which the old recogniser knew too, to compare
#                       the same work; by default a baseline that does not recognise a file
#                       skips that repository, and says how many it would change)
#   TMPDIR=DIR          where the fleet is built (default /dev/shm when it is writable)
#
# Each repository: the 20 files of bench/common.sh's template, `// SPDX-License-Identifier: MIT`
# heading its ten Rust sources, `license = "MIT"` in Cargo.toml, and as LICENSE one of the real
# MIT license files of tests/data/licenses (titles, copyright lines, wrapping as projects ship
# them), in turn. Prints each run's wall time, the medians and the ratio candidate / baseline.
# Needs bash, git, coreutils, findutils and awk.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="$(cd "$here/.." && pwd)"
size="${SIZE:-500}"
runs="${RUNS:-9}"

die() {
    printf 'bench/license-dry-run.sh: %s\n' "$*" >&2
    exit 2
}
note() {
    printf '%s\n' "$*" >&2
}

[[ "$size" =~ ^[1-9][0-9]*$ ]] || die "SIZE must be a positive integer, not '$size'"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$runs'"
command -v git >/dev/null || die "git is not on PATH"

# shellcheck source=bench/common.sh
source "$here/common.sh"
find_binary "$crate"
baseline="${BASELINE_BIN:-}"
if [[ -n "$baseline" ]]; then
    [[ -x "$baseline" ]] || die "no executable baseline at '$baseline'"
    baseline="$(cd "$(dirname "$baseline")" && pwd)/$(basename "$baseline")"
fi

# The real MIT license files of the corpus, by their SOURCES.md line.
corpus="$crate/tests/data/licenses"
mapfile -t licenses < <(awk -F'|' '$6 ~ /^ MIT $/ { gsub(/[ `]/, "", $2); print $2 }' \
    "$corpus/SOURCES.md")
((${#licenses[@]} > 0)) || die "no MIT files listed in $corpus/SOURCES.md"
if [[ -n "${ONLY:-}" ]]; then
    [[ -f "$corpus/$ONLY" ]] || die "no file '$ONLY' in $corpus"
    licenses=("$ONLY")
fi

if [[ -z "${TMPDIR:-}" && -d /dev/shm && -w /dev/shm ]]; then
    TMPDIR=/dev/shm
fi
tmp="$(mktemp -d "${TMPDIR:-/tmp}/git-batch-bench-dry-run.XXXXXX")"
cleanup() {
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$tmp/bin" "$tmp/licenses"
cp -- "$bin" "$tmp/bin/git-batch"
[[ -z "$baseline" ]] || cp -- "$baseline" "$tmp/bin/baseline"
for file in "${licenses[@]}"; do
    cp -- "$corpus/$file" "$tmp/licenses/$file"
done
seal_environment "$tmp"

make_template "$tmp"
declare_mit

shards="$(nproc 2>/dev/null || echo 2)"
fleet="$tmp/fleet"
note "building $size repositories in $fleet"
build_fleet "$fleet" "$size" 0
# Repository i gets the (i mod n)-th real MIT file as its LICENSE, committed.
find "$fleet/pristine/repos" -mindepth 1 -maxdepth 1 -type d | sort | awk '{ print NR - 1, $0 }' |
    xargs -P "$shards" -n 2 sh -c '
        set -e
        n=$(ls "$1" | wc -l)
        file=$(ls "$1" | sed -n "$(( $2 % n + 1 ))p")
        cp "$1/$file" "$3/LICENSE"
        git -C "$3" commit -q -am "LICENSE from $file"
        find "$3" -path "$3/.git" -prune -o -exec touch -h -d @1600000000 {} +
        git -C "$3" update-index -q --refresh >/dev/null 2>&1 || true
    ' sh "$tmp/licenses"
export -f reset_fleet
reset_fleet "$fleet"
repos="$fleet/work/repos"

note "candidate: $bin ($("$tmp/bin/git-batch" --version))"
[[ -z "$baseline" ]] || note "baseline:  $baseline ($("$tmp/bin/baseline" --version))"
note "git: $(git --version); cpus: $(nproc 2>/dev/null || echo '?'); runs: $runs"
command=(license-update -C "$repos" --old MIT --new Apache-2.0 -n)
note "command: git-batch ${command[*]}"

# time_one BINARY: wall seconds of one run; the run must exit 0 and would change every repository.
time_one() {
    local start end out
    start="$(date +%s.%N)"
    out="$("$1" -q --format json "${command[@]}")" || die "$1 ${command[*]} failed"
    end="$(date +%s.%N)"
    local changed
    changed="$(grep -o '"outcome": *"changed"' <<<"$out" | wc -l)"
    [[ "$changed" -eq "$size" ]] ||
        note "  ($(basename "$1"): $changed of $size repositories would change)"
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
}

contenders=(git-batch)
[[ -z "$baseline" ]] || contenders+=(baseline)
for name in "${contenders[@]}"; do
    time_one "$tmp/bin/$name" >/dev/null # warm-up
done
declare -A times
for ((run = 1; run <= runs; run++)); do
    line="run $run:"
    for name in "${contenders[@]}"; do
        t="$(time_one "$tmp/bin/$name")"
        times[$name]+="$t "
        line+=" $name ${t}s"
    done
    note "$line"
done

median() {
    tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END {
        if (NR % 2) { print v[(NR + 1) / 2] } else { printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }
    }'
}
candidate="$(median "${times[git-batch]}")"
printf 'license-update -n on %s repositories, median of %s runs\n' "$size" "$runs"
printf '  candidate %s s\n' "$candidate"
if [[ -n "$baseline" ]]; then
    base="$(median "${times[baseline]}")"
    ratio="$(awk -v c="$candidate" -v b="$base" 'BEGIN { printf "%.3f", c / b }')"
    printf '  baseline  %s s\n' "$base"
    printf '  ratio     %s (goal: at most 1.20)\n' "$ratio"
    awk -v r="$ratio" 'BEGIN { exit !(r <= 1.20) }' || {
        printf '  SLOWER than the baseline by more than 20 %%\n'
        exit 1
    }
fi
