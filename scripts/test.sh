#!/usr/bin/env bash
# Runs git-batch's whole test suite on a fresh machine: checks that the tools the tests drive
# are present, installs pre-commit (from PyPI, into a virtual environment under target/) for the
# test that runs git-batch's hooks through it, then runs the unit and integration tests.
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
need python3 "install Python 3 (pre-commit, which the hook tests drive, is a Python program)"
need bash "the hook and Action scripts are bash scripts"

# pre-commit, pinned, in a virtual environment of its own: nothing is installed system-wide.
pre_commit_version="4.7.0"
venv="target/test-tools/venv"
if [[ ! -x "$venv/bin/pre-commit" ]] ||
    [[ "$("$venv/bin/pre-commit" --version 2>/dev/null)" != "pre-commit $pre_commit_version" ]]; then
    echo "scripts/test.sh: installing pre-commit $pre_commit_version into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv" || {
        echo "scripts/test.sh: python3 -m venv failed (on Debian/Ubuntu: apt-get install" \
            "python3-venv)" >&2
        exit 1
    }
    "$venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit==$pre_commit_version"
fi
export GIT_BATCH_TEST_PRE_COMMIT="$PWD/$venv/bin/pre-commit"

cargo test --locked --all-targets "$@"
