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
