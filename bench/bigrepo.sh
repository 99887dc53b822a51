#!/usr/bin/env bash
# Benchmark of `git-batch status` on one big repository (a monorepo in the fleet) against
# `git status` on the same repository, with and without git's untracked cache.
#
# Usage: bench/bigrepo.sh [SOURCE]
#
#   SOURCE  a folder whose files make up the repository's tree (e.g. a checkout of a real crate);
#           copied as many times as needed to reach TARGET tracked files. Without it, the files
#           tracked at HEAD by this repository (git archive HEAD) are used.
#
# Environment:
#   TARGET=N           tracked files wanted, at least (default 77000)
#   RUNS=N             timed runs per contender (default 9)
#   GIT_BATCH_BIN=PATH use this binary instead of building `cargo build --release --locked`
#   KEEP=PATH          build the repositories in PATH (must be empty or missing) and keep them
#
# Two copies of one repository are built: `plain` (no untracked cache) and `cached` (git's
# untracked cache enabled in its config and written into its index by one `git status`). Each has
# one tracked file modified and one untracked file, and a settled stat cache. Timed, interleaved
# round-robin, wall time:
#   (a) git-batch -t . status            in plain        (b) git status --porcelain=v2   in plain
#   (c) git-batch -t . status            in cached       (d) git status --porcelain=v2   in cached
# and prints medians and minimums of the wall time, the median cpu time, and the ratios:
# git-batch must never be slower than `git status` on the same repository; the aim is git with
# its untracked cache.
# Needs bash, git, python3 and coreutils.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="$(cd "$here/.." && pwd)"

target="${TARGET:-77000}"
runs="${RUNS:-9}"
keep="${KEEP:-}"
source_dir="${1:-}"

die() {
    printf 'bench/bigrepo.sh: %s\n' "$*" >&2
    exit 2
}
note() {
    printf '%s\n' "$*" >&2
}

[[ "$target" =~ ^[1-9][0-9]*$ ]] || die "TARGET must be a positive integer, not '$target'"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$runs'"
if [[ -n "$source_dir" ]]; then
    [[ -d "$source_dir" ]] || die "SOURCE '$source_dir' is not a folder"
    source_dir="$(cd "$source_dir" && pwd)"
fi
command -v git >/dev/null || die "git is not on PATH"
command -v python3 >/dev/null || die "python3 is not on PATH"

# shellcheck source=bench/common.sh
source "$here/common.sh"
find_binary "$crate"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/git-batch-bigrepo.XXXXXX")"
cleanup() {
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n "$keep" ]]; then
    [[ "$keep" == /* ]] || keep="$PWD/$keep"
    if [[ -e "$keep" && -n "$(ls -A -- "$keep")" ]]; then
        die "KEEP=$keep is not empty; refusing to touch it"
    fi
    mkdir -p -- "$keep"
    base="$keep"
else
    base="$tmp"
fi

# The one copy of the source tree, without any repository inside it.
seed="$tmp/seed"
mkdir -p "$seed"
if [[ -n "$source_dir" ]]; then
    (cd "$source_dir" && tar --exclude=.git -cf - .) | (cd "$seed" && tar -xf -)
else
    git -C "$crate" archive --format=tar HEAD | (cd "$seed" && tar -xf -)
fi
# Ignore files of the source would hide files of later copies in ways that change with the
# source; the repository's own .gitignore below is the one that counts.
find "$seed" -name .gitignore -type f -delete
per_copy="$(find "$seed" -type f | wc -l)"
((per_copy > 0)) || die "the source has no files"
copies=$(((target + per_copy - 1) / per_copy))

seal_environment "$tmp"
cat >>"$HOME/.gitconfig" <<'EOF'
[gc]
	auto = 0
EOF

plain="$base/plain"
started="$(date +%s.%N)"
git init -q --template= -b main "$plain"
printf 'target/\n*.log\nbuild/\n' >"$plain/.gitignore"
for ((i = 1; i <= copies; i++)); do
    printf -v name 'copy-%03d' "$i"
    cp -a "$seed" "$plain/$name"
done
# Ignored output, as a build would leave it: skipped by every contender.
mkdir -p "$plain/target/debug"
for ((i = 1; i <= 200; i++)); do
    printf 'object\n' >"$plain/target/debug/out-$i.o"
done
git -C "$plain" add -A
git -C "$plain" commit -q -m "A big repository"
tracked="$(git -C "$plain" ls-files | wc -l)"
# Old modification times, so that an index written afterwards is newer than every file and no
# entry is "racily clean" and re-read by a contender.
find "$plain" -path "$plain/.git" -prune -o -exec touch -h -d @1600000000 {} +
first="$(git -C "$plain" ls-files -- copy-001 | sed -n 1p)"
printf 'A local edit.\n' >>"$plain/$first"
printf 'scratch\n' >"$plain/notes.txt"
git -C "$plain" update-index -q --refresh >/dev/null 2>&1 || true

cached="$base/cached"
cp -a "$plain" "$cached"
git -C "$cached" config core.untrackedCache true
git -C "$cached" update-index --untracked-cache
git -C "$cached" update-index -q --refresh >/dev/null 2>&1 || true
# The first status fills the cache and writes it into the index.
git -C "$cached" status --porcelain >/dev/null
git -C "$cached" status --porcelain >/dev/null
sync
finished="$(date +%s.%N)"

note "git-batch: $bin ($("$bin" --version))"
note "git: $(git --version); cpus: $(nproc 2>/dev/null || echo '?'); runs: $runs"
note "source: ${source_dir:-git archive HEAD of $crate} ($per_copy files) x $copies copies"
note "repository: $tracked tracked files, one modified, one untracked, built in $(
    awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.1f s", b - a }'
): $plain (and $cached with the untracked cache)"
note "load average before timing: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

# Each contender must see the same change: one modified, one untracked.
for repo in "$plain" "$cached"; do
    got="$(git -C "$repo" status --porcelain | sort | tr '\n' ' ')"
    [[ "$got" == " M $first ?? notes.txt " ]] || die "unexpected git status in $repo: $got"
    json="$(cd "$repo" && "$bin" -t . status --format json)" || true
    python3 - "$json" <<'EOF' || die "git-batch does not see one modified and one untracked in $repo"
import json, sys
repo = json.loads(sys.argv[1])["repos"][0]
assert (repo["unstaged"], repo["untracked"], repo["staged"]) == (1, 1, 0), repo
EOF
done

python3 - "$runs" "$bin" "$plain" "$cached" <<'EOF'
import os, statistics, subprocess, sys, time

runs, binary, plain, cached = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
contenders = [
    ("(a) git-batch -t . status", plain, [binary, "-t", ".", "status"]),
    ("(b) git status", plain, ["git", "status", "--porcelain=v2", "--branch"]),
    ("(c) git-batch -t . status, cache", cached, [binary, "-t", ".", "status"]),
    ("(d) git status, untracked cache", cached, ["git", "status", "--porcelain=v2", "--branch"]),
]
samples = {label: [] for label, _, _ in contenders}
cpu = {label: [] for label, _, _ in contenders}


def run(cwd, argv):
    """Wall time and cpu time (user + system of the process and its threads) of one run."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


for label, cwd, argv in contenders:  # warm-up
    run(cwd, argv)
for _ in range(runs):
    for label, cwd, argv in contenders:
        wall, used = run(cwd, argv)
        samples[label].append(wall)
        cpu[label].append(used)
med = {label: statistics.median(values) for label, values in samples.items()}
# On a shared machine the wall time of a single-threaded contender depends on how many threads
# the others run; the cpu time says what each costs.
print(f"{'contender':<38} {'median':>9} {'min':>9} {'cpu':>9}")
for label, values in samples.items():
    print(f"{label:<38} {med[label] * 1000:>7.0f} ms {min(values) * 1000:>6.0f} ms "
          f"{statistics.median(cpu[label]) * 1000:>6.0f} ms")
a, b = med["(a) git-batch -t . status"], med["(b) git status"]
d = med["(d) git status, untracked cache"]
print()
print(f"git status / git-batch (same repository, no cache): {b / a:.2f}x "
      f"({'PASS' if a <= b else 'MISS'}: never slower than git status)")
print(f"git status with untracked cache / git-batch:        {d / a:.2f}x "
      f"({'PASS' if a <= d else 'MISS'}: the aim)")
EOF

if [[ -n "$keep" ]]; then
    printf '\nkept: %s and %s\n' "$plain" "$cached"
fi
