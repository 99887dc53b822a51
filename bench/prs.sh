#!/usr/bin/env bash
# Benchmark of change requests: a fleet relicensed as one pull request per repository against the
# local forge server of the test suite (GitHub's REST dialect; git through `git http-backend`),
# by git-batch (`license-update --branch relicense --pr`) and by a `parallel -j 8` loop of
# `git switch -c` / commit / push / `curl` POST, then `git batch prs` over the pull requests.
# The work is in tests/cli/bench_prs.rs (an ignored test, built in release here).
#
# Usage: bench/prs.sh [SIZE]      (default 100)
# Environment: RUNS=N timed runs per contender (default 3); BENCH_ARGS="--per-host 8" adds
# arguments to git-batch's run; GIT_BATCH_BIN=PATH times that build of git-batch instead (an
# older one, for a comparison).
# Besides wall times it prints each contender's processor time (with what it started) and the
# same with the server's added: on a quiet machine the wall-time ratio stays under the latter's.
# Goals: (a) at least 2x faster than (b), at most 3 API requests per repository; prs under 2 s.
# Needs cargo, git, GNU parallel and curl.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
command -v parallel >/dev/null || { echo "bench/prs.sh: needs GNU parallel" >&2; exit 2; }
command -v curl >/dev/null || { echo "bench/prs.sh: needs curl" >&2; exit 2; }
BENCH_SIZE="${1:-100}" RUNS="${RUNS:-3}" \
    cargo test --release --locked --test cli bench_prs -- --ignored --nocapture --test-threads 1
