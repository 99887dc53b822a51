#!/usr/bin/env bash
# Benchmark of `git-batch license-update --branch` (the change committed on a branch in the object
# store, pushed) against the loop people write for it: per repository `git switch -c`, the edit,
# a commit and `git push -u`, under GNU parallel -j 8 (xargs -P 8 when that is missing).
#
# Usage: bench/branch.sh [SIZE...]            (default size: 100)
#
# Environment:
#   RUNS=N             timed runs per contender and fleet (default 5)
#   GIT_BATCH_BIN=PATH use this binary instead of building `cargo build --release --locked`
#   TMPDIR=DIR         where the fleets are built (default /dev/shm when it is writable)
#
# The fleet is bench/license.sh's (bench/common.sh's template declaring MIT, committed and pushed
# to a bare remote on the same disk). Before every run the fleet and its remotes are put back
# from a pristine copy (untimed). Timed, interleaved:
#   (a) git-batch license-update --old MIT --new Apache-2.0 --branch relicense
#   (b) per repository: git switch -c relicense; the sed edits and the LICENSE copy of
#       bench/license.sh's loop; git commit -qam MESSAGE; git push -q -u origin relicense
# After the untimed warm-up run of each, every remote must hold `relicense` one commit above
# `main`, with the Apache license. (b) does the job only in a clean repository: it switches the
# working tree, so a dirty one would carry its work onto the branch, or refuse.
# Goal (issue 12): (a) at least 2x faster than (b).

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="$(cd "$here/.." && pwd)"
lib="$here/lib.py"
runs="${RUNS:-5}"
message="chore: change license from MIT to Apache-2.0"
if [[ $# -gt 0 ]]; then
    sizes=("$@")
else
    sizes=(100)
fi

die() {
    printf 'bench/branch.sh: %s\n' "$*" >&2
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

# --- the binary ----------------------------------------------------------------------------------
# shellcheck source=bench/common.sh
source "$here/common.sh"
find_binary "$crate"

pick_fanout

if [[ -z "${TMPDIR:-}" && -d /dev/shm && -w /dev/shm ]]; then
    TMPDIR=/dev/shm
fi
note "fleets in ${TMPDIR:-/tmp}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/git-batch-bench-branch.XXXXXX")"
cleanup() {
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$tmp/bin"
cp -- "$bin" "$tmp/bin/git-batch"
bin_source="$bin"
bin="$tmp/bin/git-batch"
seal_environment "$tmp"

# --- the template: bench/common.sh's, declaring MIT everywhere it can be declared ---------------
relicense_template "$tmp"

shards="$(nproc 2>/dev/null || echo 2)"
export -f reset_fleet
export shards

# The per-repository body of the loop, as a script (its argument: the repository's .git).
cat >"$tmp/branch-one.sh" <<SCRIPT
cd "\$(dirname "\$1")" || exit 1
git switch -q -c relicense
grep -rlZ --exclude-dir=.git 'SPDX-License-Identifier: MIT' . |
    xargs -0 -r sed -i 's/SPDX-License-Identifier: MIT\$/SPDX-License-Identifier: Apache-2.0/'
sed -i 's/^license = "MIT"\$/license = "Apache-2.0"/' Cargo.toml
cp "$tmp/APACHE-2.0.txt" LICENSE
git commit -qam "$message"
git push -q -u origin relicense 2>/dev/null
SCRIPT
if [[ "$fanout" == "parallel" ]]; then
    loop_label="switch-parallel"
    loop="find . -maxdepth 2 -name .git | parallel -j 8 sh '$tmp/branch-one.sh' {}"
else
    loop_label="switch-xargs"
    loop="find . -maxdepth 2 -name .git | xargs -P 8 -n 1 sh '$tmp/branch-one.sh'"
fi
# The check after each warm-up run (run from the fleet's folder).
cat >"$tmp/verify.sh" <<SCRIPT
for remote in work/remotes/*.git; do
    [ "\$(git -C "\$remote" rev-parse relicense^)" = "$base_head" ] ||
        { echo "\$remote: relicense is not one commit above main" >&2; exit 1; }
    git -C "\$remote" show relicense:LICENSE | grep -q 'Apache License' ||
        { echo "\$remote: LICENSE is not the Apache license" >&2; exit 1; }
done
SCRIPT
results="$tmp/results.jsonl"
: >"$results"
note "git-batch: $bin_source ($("$bin" --version)), run from a copy"
note "git: $(git --version); cpus: $(nproc 2>/dev/null || echo '?'); runs: $runs"
note "(b) loop: $loop"

for size in "${sizes[@]}"; do
    fleet="$tmp/fleet-$size"
    build_fleet "$fleet" "$size" 0
    reset_fleet "$fleet"
    note ""
    note "fleet of $size repositories: $fleet/pristine"
    (
        cd "$fleet"
        python3 "$lib" bench --size "$size" --runs "$runs" --dirty 0 --results "$results" \
            --reset "reset_fleet '$fleet'" --verify "bash '$tmp/verify.sh'" -- \
            "branch" "$bin" license-update -C work/repos --old MIT --new Apache-2.0 \
            --branch relicense :: \
            "$loop_label" bash -c "cd work/repos && $loop"
    )
done

python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
table = {(r["size"], r["label"]): statistics.median(r["wall_s"]) for r in rows}
for size in sorted({r["size"] for r in rows}):
    a = table.get((size, "branch"))
    b = table.get((size, "switch-parallel")) or table.get((size, "switch-xargs"))
    if a and b:
        verdict = "PASS" if b / a >= 2 else "MISS"
        print(f"{size} repos: --branch {a:.3f} s, switch/commit/push loop {b:.3f} s: "
              f"{b / a:.2f}x  (goal >= 2x) {verdict}")
PY
