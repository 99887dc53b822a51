#!/usr/bin/env bash
# Runs git-batch's whole test suite on a fresh machine: checks that the tools the tests drive
# are present, installs pre-commit (from PyPI, into a virtual environment under target/) for the
# test that runs git-batch's hooks through it, installs OpenSSH's server (Debian's
# openssh-server, with apt-get) for the tests that run git-batch against a real ssh server, and
# tmux for the tests of watch's full-screen view, then runs the unit and integration tests.
# GIT_BATCH_TEST_SKIP_SSH=1 skips the ssh tests on purpose.
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

# OpenSSH's server for tests/cli/ssh.rs (each test starts its own, as the current user, on a
# free port of 127.0.0.1), and tmux for tests/cli/watch_view.rs (watch's full-screen view, driven
# in a tmux server of the test's own). Installed with apt-get when missing; without apt-get the
# run stops here, saying why, rather than let those tests fail one by one (the view's tests
# skip, saying so, without tmux).
sshd="${GIT_BATCH_TEST_SSHD:-/usr/sbin/sshd}"
packages=()
if [[ -n "${GIT_BATCH_TEST_SKIP_SSH:-}" ]]; then
    echo "scripts/test.sh: GIT_BATCH_TEST_SKIP_SSH is set: the ssh tests are skipped" >&2
elif [[ ! -x "$sshd" ]] || ! command -v ssh-keygen >/dev/null 2>&1 ||
    ! command -v script >/dev/null 2>&1; then
    packages+=(openssh-server bsdutils)
fi
if ! command -v tmux >/dev/null 2>&1; then
    packages+=(tmux)
fi
if [[ ${#packages[@]} -gt 0 ]]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "scripts/test.sh: the tests need ${packages[*]} (OpenSSH's server at $sshd," \
            "ssh-keygen and script for the ssh tests; tmux for watch's view), and apt-get is" \
            "not there to install them: install them by hand, or set GIT_BATCH_TEST_SKIP_SSH=1" \
            "to skip the ssh tests" >&2
        exit 1
    fi
    sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        if ! sudo -n true 2>/dev/null; then
            echo "scripts/test.sh: the tests need ${packages[*]}; installing them takes root" \
                "(apt-get install ${packages[*]}) and sudo cannot run without a password" \
                "here: install them, or set GIT_BATCH_TEST_SKIP_SSH=1 to skip the ssh tests" >&2
            exit 1
        fi
        sudo=(sudo -n)
    fi
    echo "scripts/test.sh: installing ${packages[*]} with apt-get (the ssh tests run their own" \
        "server, the system's ssh service is not needed)" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! "${sudo[@]}" apt-get install -y -q "${packages[@]}" >/dev/null; then
        "${sudo[@]}" apt-get update -q >/dev/null
        "${sudo[@]}" apt-get install -y -q "${packages[@]}" >/dev/null
    fi
fi

# The tests spend most of their time waiting for what they start (git, hooks, sshd, the forge
# server, cargo), not computing: run twice as many at once as there are cores (at least 4).
# RUST_TEST_THREADS, when set, wins (1 runs them one at a time).
if [[ -z "${RUST_TEST_THREADS:-}" ]]; then
    cores="$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
    export RUST_TEST_THREADS=$((cores * 2 > 4 ? cores * 2 : 4))
fi

cargo test --locked --all-targets "$@"
