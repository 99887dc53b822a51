#!/usr/bin/env bash
# Benchmark of `git-batch license-update` against the `find | parallel sed -i` loop people write
# for a relicensing, and of `license-update --check` on a fleet that needs nothing.
#
# Usage: bench/license.sh [SIZE...]           (default sizes: 100 500)
#
# Environment:
#   RUNS=N             timed runs per contender and fleet (default 5)
#   CHECK_SIZE=N       repositories in the already-relicensed fleet that (c) checks (default 500;
#                      0 leaves it out)
#   GIT_BATCH_BIN=PATH use this binary instead of building `cargo build --release --locked`
#   TMPDIR=DIR         where the fleets are built (default /dev/shm when it is writable, else
#                      /tmp). TMPDIR=/tmp measures the ordinary disk; see below for what
#                      disturbs it on this project's VMs.
#
# Each repository: the 20 files of bench/common.sh's template, with the MIT license's full text
# in LICENSE (and a copyright line), `// SPDX-License-Identifier: MIT` heading its ten Rust
# sources and `license = "MIT"` in Cargo.toml, committed and pushed. Before every run, warm-ups
# included, the fleet is put back from a pristine copy (untimed). Timed, interleaved:
#   (a) git-batch license-update --old MIT --new Apache-2.0         (a commit per repository)
#   (b) the sed loop, under GNU parallel -j 8 (xargs -P 8 when that is missing): per repository
#         grep -rlZ 'SPDX-License-Identifier: MIT' | xargs -0 sed -i 's/…: MIT$/…: Apache-2.0/'
#         sed -i 's/^license = "MIT"$/license = "Apache-2.0"/' Cargo.toml
#         cp APACHE-2.0.txt LICENSE && git commit -qam MESSAGE
#       (APACHE-2.0.txt is the LICENSE git-batch writes, so both leave the same bytes)
#   (c) git-batch license-update --check on CHECK_SIZE repositories already under Apache-2.0.
# After one untimed run of (a) and (b) it checks the work: one new commit per repository with
# the message, a clean work tree, LICENSE holding the Apache license, no MIT declaration left.
# (b) is the cheap version of the job: it does not check what LICENSE held before overwriting it,
# matches `MIT` only at the end of a line, keeps no copyright line and skips nothing dirty.
# Goals: (a) at least 3x faster than (b) (issue 14); (c) on 500 repositories under 1 s.
#
# Why this script once found 1.41x on ext4 at 100 repositories where a measurement from outside
# found 2.9x (and 2.2x at 500): the sealed environment (bench/common.sh) set GIT_AUTHOR_DATE and
# GIT_COMMITTER_DATE as ISO dates ("2024-01-01T00:00:00Z"). git-batch makes its commit in
# process only when it can write the date exactly as git would, which it does for git's raw
# format ("SECONDS +HHMM"); for any other it leaves the commit to `git commit`. So every run of
# (a) here started one `git commit` per repository, paying git's start-up and its object and
# index writes on the disk just as the loop does, while outside the script (no date in the
# environment) git-batch committed in process with no git process at all. The loop (b) is the
# same in both. Measured: with the ISO dates, 100 repositories on ext4 started 100 git processes
# (strace -f -e execve) and took 15.7 s under strace; with raw dates, none, 3.1 s. The dates are
# now in the raw format.
#
# Where the time goes on ext4 (TMPDIR=/tmp): this VM's root is ext4 without a journal (no entry
# in /proc/fs/jbd2), and there the inode allocator skips every inode freed in the last 30 s (up
# to 3 minutes while its inode table block is dirty), reading the inode table for each one,
# for every file created (`perf record`: recently_deleted, find_get_block_common,
# ext4_get_group_desc, find_inode_bit). A run timed just after deleting a fleet paid for the
# deletion: over half of git-batch's samples, 2.1 s instead of 0.30 s on 100 repositories, and
# each reset made the next run slower. So the reset moves the spent fleet aside (common.sh's
# reset_fleet) and deletes nothing until the script ends; leave a few minutes between two runs
# of a script. A run still pays for the files it frees itself, per file created: git-batch
# creates 22 a repository (counted with strace: a temporary file for each of the 12 rewritten
# files, renamed over it so that a reader never sees half a file; the commit's 16 objects as one
# pack and its index, where they were 16 loose objects in up to 15 new folders; 8 lock files:
# the index, the branch, HEAD, packed-refs twice, the run's two refs, the repository's run lock;
# and 3 folders for the run's refs), the loop 33 (11 sed -i temporary files, the same 16 objects
# loose, 6 lock files) plus its seven processes. Neither contender fsyncs (git's default,
# core.fsync unset, is followed).
# Needs bash, git, python3 (standard library), coreutils and findutils.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="$(cd "$here/.." && pwd)"
lib="$here/lib.py"
runs="${RUNS:-5}"
check_size="${CHECK_SIZE:-500}"
message="chore: change license from MIT to Apache-2.0"
if [[ $# -gt 0 ]]; then
    sizes=("$@")
else
    sizes=(100 500)
fi

die() {
    printf 'bench/license.sh: %s\n' "$*" >&2
    exit 2
}
note() {
    printf '%s\n' "$*" >&2
}

[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$runs'"
[[ "$check_size" =~ ^[0-9]+$ ]] || die "CHECK_SIZE must be a whole number, not '$check_size'"
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
tmp="$(mktemp -d "${TMPDIR:-/tmp}/git-batch-bench-license.XXXXXX")"
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

# The per-repository body of the sed loop, as a script (its argument: the repository's .git).
cat >"$tmp/relicense-one.sh" <<EOF
cd "\$(dirname "\$1")" || exit 1
grep -rlZ --exclude-dir=.git 'SPDX-License-Identifier: MIT' . |
    xargs -0 -r sed -i 's/SPDX-License-Identifier: MIT\$/SPDX-License-Identifier: Apache-2.0/'
sed -i 's/^license = "MIT"\$/license = "Apache-2.0"/' Cargo.toml
cp "$tmp/APACHE-2.0.txt" LICENSE
git commit -qam "$message"
EOF
if [[ "$fanout" == "parallel" ]]; then
    sed_label="sed-parallel"
    sed_loop="find . -maxdepth 2 -name .git | parallel -j 8 sh '$tmp/relicense-one.sh' {}"
else
    sed_label="sed-xargs"
    sed_loop="find . -maxdepth 2 -name .git | xargs -P 8 -n 1 sh '$tmp/relicense-one.sh'"
fi
results="$tmp/results.jsonl"
: >"$results"
note "git-batch: $bin_source ($("$bin" --version)), run from a copy"
note "git: $(git --version); cpus: $(nproc 2>/dev/null || echo '?'); runs: $runs"
note "(b) sed loop: $sed_loop"

for size in "${sizes[@]}"; do
    fleet="$tmp/fleet-$size"
    build_fleet "$fleet" "$size" 0
    reset_fleet "$fleet"
    note ""
    note "fleet of $size repositories: $fleet/pristine"
    (
        cd "$fleet"
        python3 "$lib" bench --size "$size" --runs "$runs" --dirty 0 --results "$results" \
            --reset "reset_fleet '$fleet'" \
            --verify "python3 '$lib' verify-license --repos '$fleet/work/repos' \
                --base $base_head --message '$message'" -- \
            "license" "$bin" license-update -C work/repos --old MIT --new Apache-2.0 :: \
            "$sed_label" bash -c "cd work/repos && $sed_loop"
    )
done

if ((check_size > 0)); then
    # A fleet that is already relicensed: the template, relicensed by git-batch itself.
    "$bin" -C "$tpl_work" -t . -q license-update --old MIT --new Apache-2.0 >/dev/null
    fleet="$tmp/check-$check_size"
    build_fleet "$fleet" "$check_size" 0
    reset_fleet "$fleet"
    note ""
    note "already relicensed fleet of $check_size repositories: $fleet/pristine"
    (
        cd "$fleet"
        python3 "$lib" bench --size "$check_size" --runs "$runs" --dirty 0 \
            --results "$results" -- \
            "check" "$bin" license-update -C work/repos --old MIT --new Apache-2.0 --check
    )
fi

python3 "$lib" license-report --results "$results"
