#!/usr/bin/env bash
# Packs a built git-batch into the release archive the GitHub Action and `cargo binstall`
# download, and writes the release's SHA256SUMS. The release workflow
# (.github/workflows/release.yml) calls it; the tests run it for real.
#
#   scripts/pack-release.sh TARGET VERSION   -> $DIST/git-batch-VERSION-TARGET.tar.gz
#   scripts/pack-release.sh --sums           -> $DIST/SHA256SUMS, one line per archive in $DIST
#
# The archive holds one folder, git-batch-VERSION-TARGET/, with the binary, the man pages
# (man/git-batch.1, man/git-batch-COMMAND.1), the completions (completions/git-batch.bash,
# completions/_git-batch for zsh, completions/git-batch.fish), README.md and CHANGELOG.md.
# The man pages and completions are written by the binary itself, so it must run on the
# machine that packs it (each job of the workflow packs what it built).
#
# Environment:
#   DIST     where archives and SHA256SUMS go (default: dist/ at the repository's top)
#   BINARY   the git-batch to pack (default: target/TARGET/release/git-batch)

set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="${DIST:-$top/dist}"
mkdir -p "$dist"
dist="$(cd "$dist" && pwd)"

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$@"
    else
        shasum -a 256 "$@"
    fi
}

if [[ "${1:-}" == --sums ]]; then
    cd "$dist"
    shopt -s nullglob
    archives=(git-batch-*.tar.gz)
    [[ ${#archives[@]} -gt 0 ]] || { echo "pack-release: no archive in $dist" >&2; exit 2; }
    sha256 "${archives[@]}" >SHA256SUMS.tmp
    mv SHA256SUMS.tmp SHA256SUMS
    cat SHA256SUMS
    exit 0
fi

[[ $# -eq 2 ]] || { echo "usage: $0 TARGET VERSION | $0 --sums" >&2; exit 2; }
target="$1"
version="${2#v}"
case "$target$version" in
    */* | *' '*) echo "pack-release: bad target or version: $target $version" >&2; exit 2 ;;
esac
binary="${BINARY:-$top/target/$target/release/git-batch}"
[[ -x "$binary" ]] || { echo "pack-release: no git-batch at $binary" >&2; exit 2; }
said="$("$binary" --version)"
[[ "$said" == "git-batch $version" ]] ||
    { echo "pack-release: $binary says '$said', not git-batch $version" >&2; exit 2; }

name="git-batch-$version-$target"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
folder="$work/$name"
mkdir -p "$folder/man" "$folder/completions"
cp "$binary" "$folder/git-batch"
chmod 755 "$folder/git-batch"
"$binary" manpages "$folder/man" >/dev/null
"$binary" completions bash >"$folder/completions/git-batch.bash"
"$binary" completions zsh >"$folder/completions/_git-batch"
"$binary" completions fish >"$folder/completions/git-batch.fish"
cp "$top/README.md" "$top/CHANGELOG.md" "$folder/"
# The same bytes for the same input: sorted names, no owner, the commit's time when known.
mtime="${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)}"
if tar --version 2>/dev/null | grep -q GNU; then
    tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" \
        -cf - "$name" | gzip -n -9 >"$dist/$name.tar.gz.tmp"
else
    tar -C "$work" -cf - "$name" | gzip -n -9 >"$dist/$name.tar.gz.tmp"
fi
mv "$dist/$name.tar.gz.tmp" "$dist/$name.tar.gz"
echo "$dist/$name.tar.gz"
