#!/usr/bin/env bash
# Runs git-batch's whole test suite on a fresh machine: checks that the tools the tests drive
# are present, then runs the unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "scripts/test.sh: '$1' is needed by the tests but is not on PATH: $2" >&2
        exit 1
    fi
}
need cargo "install Rust from https://rustup.rs"
need git "install git (the tests drive the real git program)"

cargo test --locked --all-targets "$@"
