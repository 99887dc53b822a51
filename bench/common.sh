#!/usr/bin/env bash
# Shared by the benchmark scripts: the template repository every fleet is copied from.
# Sourced, not run; the sourcing script provides `die`.

# make_template DIR: a repository with 20 small committed files in DIR/template/work, pushed to
# its bare remote DIR/template/remote.git with the upstream set, packed, its files dated in the
# past. Sets tpl, tpl_work, tpl_remote and tpl_config (the text of its .git/config).
make_template() {
    tpl="$1/template"
    tpl_work="$tpl/work"
    tpl_remote="$tpl/remote.git"
    git init -q --template= -b main "$tpl_work"
    git init -q --bare --template= -b main "$tpl_remote"
    printf '# A project\n\nOne of many.\n' >"$tpl_work/README.md"
    printf 'MIT License\n\nCopyright (c) 2024 Bench\n' >"$tpl_work/LICENSE"
    printf 'target/\n*.log\n' >"$tpl_work/.gitignore"
    printf '[package]\nname = "project"\nversion = "0.1.0"\n' >"$tpl_work/Cargo.toml"
    printf 'all:\n\ttrue\n' >"$tpl_work/Makefile"
    mkdir -p "$tpl_work/src/util" "$tpl_work/docs" "$tpl_work/tests"
    for n in 01 02 03 04 05 06 07; do
        printf 'pub fn f%s() -> u32 {\n    %s\n}\n' "$n" "$((10#$n))" >"$tpl_work/src/mod$n.rs"
    done
    for n in 1 2 3; do
        printf 'pub fn helper%s() {}\n' "$n" >"$tpl_work/src/util/helper$n.rs"
    done
    for n in 1 2 3; do
        printf '# Chapter %s\n\nText.\n' "$n" >"$tpl_work/docs/chapter$n.md"
    done
    for n in 1 2; do
        printf '#[test]\nfn t%s() {}\n' "$n" >"$tpl_work/tests/t$n.rs"
    done
    git -C "$tpl_work" add -A
    git -C "$tpl_work" commit -q -m "Initial commit"
    tracked="$(git -C "$tpl_work" ls-files | wc -l)"
    [[ "$tracked" -eq 20 ]] || die "the template tracks $tracked files, expected 20"
    git -C "$tpl_work" remote add origin "$tpl_remote"
    git -C "$tpl_work" push -q -u origin main
    # Packed, as most real repositories are; it also halves the files each copy has to create.
    git -C "$tpl_work" gc -q --prune=now
    git -C "$tpl_remote" gc -q --prune=now
    # Old modification times, kept by `cp -a`: an index written after copying is then newer than
    # every file, so no entry is "racily clean" and re-read by every contender.
    find "$tpl_work" -path "$tpl_work/.git" -prune -o -exec touch -h -d @1600000000 {} +
    tpl_config="$(<"$tpl_work/.git/config")"
}

# find_binary CRATE: sets `bin` to GIT_BATCH_BIN, or builds `cargo build --release --locked` in
# CRATE (before the environment is sealed: cargo needs the real HOME) and says from which commit.
# An absolute path either way.
find_binary() {
    local crate="$1" built_from changed
    if [[ -n "${GIT_BATCH_BIN:-}" ]]; then
        bin="$GIT_BATCH_BIN"
    else
        printf 'building: cargo build --release --locked\n' >&2
        (cd "$crate" && cargo build --release --locked --quiet)
        bin="${CARGO_TARGET_DIR:-$crate/target}/release/git-batch"
        if built_from="$(git -C "$crate" rev-parse --short HEAD 2>/dev/null)"; then
            changed="$(git -C "$crate" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null)"
            if [[ -n "$changed" ]]; then
                built_from+=" with uncommitted changes"
            fi
            printf 'built from commit %s\n' "$built_from" >&2
        fi
    fi
    [[ -x "$bin" ]] || die "no executable git-batch at '$bin'"
    bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
}

# seal_environment DIR: a git environment that no setting of the machine's user leaks into:
# every GIT_* variable unset, HOME (with git-batch's state folder) in DIR/home, fixed identities
# and dates, the C locale, no colour. Writes $HOME/.gitconfig with only a user and the default
# branch; a script may append to it.
seal_environment() {
    local var
    while IFS= read -r var; do
        unset "$var"
    done < <(env | sed -n 's/^\(GIT_[A-Za-z0-9_]*\)=.*/\1/p')
    mkdir -p "$1/home/.config" "$1/home/.local/state"
    export HOME="$1/home"
    export XDG_CONFIG_HOME="$HOME/.config"
    # git-batch keeps its run journal and root locks here.
    export XDG_STATE_HOME="$HOME/.local/state"
    export GIT_CONFIG_NOSYSTEM=1
    export GIT_CONFIG_GLOBAL="$HOME/.gitconfig"
    export GIT_TERMINAL_PROMPT=0
    export GIT_AUTHOR_NAME="Bench Author" GIT_AUTHOR_EMAIL="author@example.com"
    export GIT_COMMITTER_NAME="Bench Committer" GIT_COMMITTER_EMAIL="committer@example.com"
    # Fixed dates, in git's raw format (seconds and zone; 2024-01-01T00:00:00Z): git-batch makes
    # its commits in process only with a date in that format, and leaves the commit to
    # `git commit` (one process a repository) for any other. An ISO date here made every bench
    # measure that fallback, not the in-process commit users get.
    export GIT_AUTHOR_DATE="1704067200 +0000" GIT_COMMITTER_DATE="1704067200 +0000"
    export LC_ALL=C TZ=UTC
    unset NO_COLOR CLICOLOR CLICOLOR_FORCE
    # GNU parallel's own settings and its once-per-user citation notice stay out of the figures.
    unset PARALLEL PARALLEL_SHELL
    mkdir -p "$HOME/.parallel"
    : >"$HOME/.parallel/will-cite"
    printf '[user]\n\tname = Bench Author\n\temail = author@example.com\n' >"$HOME/.gitconfig"
    printf '[init]\n\tdefaultBranch = main\n' >>"$HOME/.gitconfig"
}

# pick_fanout: sets `fanout` to "parallel" when GNU parallel is there (installing it with apt-get
# when it is missing and can be), else "xargs", and says which.
pick_fanout() {
    if ! command -v parallel >/dev/null && command -v apt-get >/dev/null; then
        printf 'GNU parallel is missing; trying: apt-get install -y parallel\n' >&2
        apt-get install -y -q parallel >/dev/null 2>&1 ||
            printf 'apt-get install parallel failed; xargs -P 8 stands in for it\n' >&2
    fi
    # moreutils ships a different `parallel`; only GNU parallel takes a loop as people write it.
    if command -v parallel >/dev/null && parallel --version 2>/dev/null | grep -q 'GNU parallel'
    then
        fanout="parallel"
        printf 'parallel: %s\n' "$(parallel --version 2>/dev/null | head -n 1)" >&2
    else
        fanout="xargs"
        printf 'parallel: GNU parallel unavailable; xargs -P 8 -n 1 stands in for it\n' >&2
    fi
}

# The fleet builders below need `shards` (how many copies run at once), the template (above)
# and `die`.

# build_shard FLEET SIZE DIRTY_EVERY K: the repositories numbered K, K + shards, ... up to SIZE,
# in FLEET/pristine, each remote URL naming the copy in FLEET/work that the contenders push to.
build_shard() {
    local fleet="$1" size="$2" dirty_every="$3" first="$4" i name work remote
    for ((i = first; i <= size; i += shards)); do
        printf -v name 'repo-%04d' "$i"
        work="$fleet/pristine/repos/$name"
        remote="$fleet/pristine/remotes/$name.git"
        cp -a "$tpl_work" "$work"
        cp -a "$tpl_remote" "$remote"
        printf '%s\n' "${tpl_config//"$tpl_remote"/"$fleet/work/remotes/$name.git"}" \
            >"$work/.git/config"
        if ((dirty_every > 0 && i % dirty_every == 0)); then
            printf 'A local edit.\n' >>"$work/README.md"
            printf 'scratch\n' >"$work/notes.txt"
        fi
    done
}

# build_fleet FLEET SIZE DIRTY_EVERY: the pristine fleet in FLEET/pristine/{repos,remotes}.
build_fleet() {
    local fleet="$1" size="$2" dirty_every="$3" k pids=()
    mkdir -p "$fleet/pristine/repos" "$fleet/pristine/remotes"
    for ((k = 1; k <= shards; k++)); do
        build_shard "$fleet" "$size" "$dirty_every" "$k" &
        pids+=("$!")
    done
    for k in "${pids[@]}"; do
        wait "$k" || die "building the fleet of $size repositories failed"
    done
}

# reset_fleet FLEET: FLEET/work becomes a fresh copy of FLEET/pristine (repositories and bare
# remotes): the spent copy is moved aside into FLEET/spent (deleted with the script's temporary
# folder at exit), then `cp -a pristine work`, in as many shards as there are CPUs. Moved, not
# deleted: on an ext4 without a journal (this project's VMs) the inode allocator skips every inode
# freed in the last 30 s (up to 3 min while its table block is dirty), scanning past each one for
# every file created, so a run timed just after deleting a fleet of tens of thousands of files
# pays for that deletion: 2.1 s instead of 0.30 s for git-batch on 100 repositories, 3.0 s
# instead of 1.2 s for the sed loop. A user's fleet was not just deleted; BENCH_DELETE_SPENT=1
# deletes the spent copy anyway, as this function did before. The
# copies have new inodes and change times, which makes every entry of every index look modified;
# a refresh puts the stat caches back as a user's earlier `git status` left them, so that no
# contender pays for re-reading every file. Then the new files are written out, so that
# write-back does not run during the timed run. Run by lib.py (exported), untimed.
reset_fleet() {
    local fleet="$1" part
    if [[ -d "$fleet/work" ]]; then
        if [[ -n "${BENCH_DELETE_SPENT:-}" ]]; then
            find "$fleet/work" -mindepth 2 -maxdepth 2 -print0 |
                xargs -0 -r -n 64 -P "$shards" rm -rf --
            rm -rf -- "$fleet/work"
        else
            mkdir -p -- "$fleet/spent"
            mv -- "$fleet/work" "$(mktemp -d "$fleet/spent/XXXXXX")/work"
        fi
    fi
    for part in repos remotes; do
        mkdir -p -- "$fleet/work/$part"
        find "$fleet/pristine/$part" -mindepth 1 -maxdepth 1 -print0 |
            xargs -0 -r -n 64 -P "$shards" cp -a -t "$fleet/work/$part" --
    done
    find "$fleet/work/repos" -mindepth 1 -maxdepth 1 -type d -print0 |
        xargs -0 -r -n 32 -P "$shards" sh -c \
            'for d; do git -C "$d" update-index -q --refresh >/dev/null 2>&1 || true; done' sh
    sync
}

# declare_mit: makes the template (make_template's) declare MIT in every place it can be
# declared: an SPDX line atop each source file and `license` in Cargo.toml, committed, pushed,
# packed and dated in the past like the rest of the template. Sets base_head to that commit.
declare_mit() {
    local file
    for file in "$tpl_work"/src/*.rs "$tpl_work"/src/util/*.rs; do
        { printf '// SPDX-License-Identifier: MIT\n'; cat "$file"; } >"$file.new"
        mv "$file.new" "$file"
    done
    printf 'license = "MIT"\n' >>"$tpl_work/Cargo.toml"
    git -C "$tpl_work" commit -q -am "Declare the MIT license"
    git -C "$tpl_work" push -q
    git -C "$tpl_work" gc -q --prune=now
    find "$tpl_work" -path "$tpl_work/.git" -prune -o -exec touch -h -d @1600000000 {} +
    base_head="$(git -C "$tpl_work" rev-parse HEAD)"
}

# relicense_template DIR: the template of the relicensing benches: make_template's in DIR with the
# whole MIT text as LICENSE and MIT declared everywhere (declare_mit), and DIR/APACHE-2.0.txt,
# the Apache text a shell loop copies in: what git-batch writes (the bundled SPDX text with the
# copyright line carried over), so that every contender leaves the same LICENSE. Needs `bin`.
relicense_template() {
    make_template "$1"
    cat >"$tpl_work/LICENSE" <<'TEXT'
MIT License

Copyright (c) 2024 Bench

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
TEXT
    declare_mit
    cp -a "$tpl_work" "$1/scratch"
    "$bin" -C "$1/scratch" -t . -q license-update --old MIT --new Apache-2.0 --no-commit >/dev/null
    cp "$1/scratch/LICENSE" "$1/APACHE-2.0.txt"
    rm -rf "$1/scratch"
}
