#!/usr/bin/env bash
# The GitHub Action's step (action.yml): installs git-batch unless it is on PATH, clones the
# fleet, runs one git-batch command with --format json, and turns the report into the step's
# outputs, the report in the log (as git-batch's human output says it), a Markdown summary and
# an error annotation per repository that failed or, in a check, would change (naming its files)
# or could not be checked.
#
# Every input arrives in the environment (INPUT_*, mapped in action.yml), never as script text:
#   INPUT_COMMAND       the git-batch command (license-update, file-replace, sync, check, …)
#   INPUT_ARGS          its arguments, one string split as a shell would (quotes, backslashes),
#                       never evaluated: no variables, globs or command substitution
#   INPUT_TARGETS       -t SPEC (default @all-repos)
#   INPUT_SHARD         --shard K/N (empty: every repository)
#   INPUT_REPOSITORIES  owner/name or URL, one a line, cloned into the root first
#   INPUT_BASE_URL      what owner/name is joined to (default https://github.com)
#   INPUT_TOKEN         a token for https clones and pushes, and for the forge's API as
#                       GIT_BATCH_TOKEN (kept out of argv and logs)
#   INPUT_ROOT          the folder of the fleet (default: $RUNNER_TEMP/git-batch-fleet when
#                       repositories are cloned, else the workspace)
#   INPUT_INSTALL       auto (git-batch from PATH, else the action's release for this runner,
#                       checksum verified, else built from the action's source; the default),
#                       release (the release or fail) or source (always built from source)
# And GitHub's own: GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ACTION_PATH, RUNNER_TEMP,
# GITHUB_WORKSPACE, GITHUB_SERVER_URL (or GITHUB_API_URL), GITHUB_ACTION_REPOSITORY; and
# GIT_BATCH_RELEASE_BASE_URL to download releases from elsewhere (a mirror; the tests).
# Outputs: changed, unchanged, skipped, failed (counts), report (the JSON document's path) and
# prs (the URLs of the change requests the run opened, found or read, as a JSON list).
# Exit: git-batch's own exit code (non-zero fails the step).

set -euo pipefail

die() {
    printf '::error title=git-batch::%s\n' "$(escape_data "$*")"
    exit 2
}

# Workflow-command escaping (https://github.com/actions/toolkit, command.ts): data escapes %,
# CR and LF; property values also : and ,.
escape_data() {
    local s="$1"
    s="${s//'%'/%25}"
    s="${s//$'\r'/%0D}"
    s="${s//$'\n'/%0A}"
    printf '%s' "$s"
}

: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: this script runs as a GitHub Actions step}"
: "${GITHUB_STEP_SUMMARY:?GITHUB_STEP_SUMMARY is not set: this script runs as a GitHub Actions step}"
command_name="${INPUT_COMMAND:-}"
[[ -n "$command_name" ]] || die "the command input is required (e.g. license-update)"
case "$command_name" in
    -* | *[!a-z-]*) die "command must be a git-batch command such as license-update, not '$command_name'" ;;
esac
temp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
action_path="${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"

# --- git-batch itself ---------------------------------------------------------------------------
# auto: a git-batch on PATH, else this action's release for the runner (checksum verified), else
# a build from the action's source; release and source force one. The release is the one of the
# action's own version (its Cargo.toml), from its repository on this server (GitHub Enterprise
# included): $GITHUB_SERVER_URL/$GITHUB_ACTION_REPOSITORY/releases/download/vVERSION/, or
# GIT_BATCH_RELEASE_BASE_URL/vVERSION/ when set (a mirror; the tests' local server). A checksum
# that does not match is an error, never a reason to build instead.
install="${INPUT_INSTALL:-auto}"
case "$install" in
    auto | release | source) ;;
    *) die "install must be auto, release or source, not '$install'" ;;
esac
bin_dir="$HOME/.cargo/bin"

# The Rust target whose release archive runs here.
release_target() {
    local arch os
    arch="$(uname -m)"
    case "$arch" in
        x86_64 | amd64) arch=x86_64 ;;
        aarch64 | arm64) arch=aarch64 ;;
        *) return 1 ;;
    esac
    case "$(uname -s)" in
        Linux) os=unknown-linux-musl ;;
        Darwin) os=apple-darwin ;;
        *) return 1 ;;
    esac
    printf '%s-%s' "$arch" "$os"
}

# Downloads the release into $bin_dir. Returns 1 (with the reason in $why) when there is no
# release to take; dies when there is one that does not match its checksum.
install_release() {
    local version target base name dir http
    version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -1)"
    [[ -n "$version" ]] || { why="no version in $action_path/Cargo.toml"; return 1; }
    target="$(release_target)" || { why="no release is built for $(uname -s) $(uname -m)"; return 1; }
    if [[ -n "${GIT_BATCH_RELEASE_BASE_URL:-}" ]]; then
        base="${GIT_BATCH_RELEASE_BASE_URL%/}"
    else
        local server="${GITHUB_SERVER_URL:-}"
        if [[ -z "$server" && -n "${GITHUB_API_URL:-}" ]]; then
            # https://api.github.com -> https://github.com; https://HOST/api/v3 -> https://HOST
            server="${GITHUB_API_URL%/api/v3}"
            server="${server/:\/\/api.github.com/://github.com}"
        fi
        server="${server:-https://github.com}"
        local repository="${GIT_BATCH_ACTION_REPOSITORY:-${GITHUB_ACTION_REPOSITORY:-}}"
        if [[ -z "$repository" && "$action_path" == */_actions/*/*/* ]]; then
            # A runner checks actions out into _actions/OWNER/NAME/REF.
            repository="${action_path#*/_actions/}"
            repository="${repository%/*}"
        fi
        [[ "$repository" == */* ]] || { why="the action's repository is unknown"; return 1; }
        base="${server%/}/$repository/releases/download"
    fi
    name="git-batch-$version-$target"
    command -v curl >/dev/null 2>&1 || { why="curl is not installed"; return 1; }
    dir="$(mktemp -d "$temp/git-batch-release.XXXXXX")"
    echo "Downloading $base/v$version/$name.tar.gz"
    http="$(curl -sSL --retry 2 --connect-timeout 10 -o "$dir/SHA256SUMS" -w '%{http_code}' \
        "$base/v$version/SHA256SUMS" 2>"$dir/error")" || true
    if [[ "$http" != 200 ]]; then
        why="no SHA256SUMS at $base/v$version/ (HTTP ${http:-error}: $(head -c 300 "$dir/error"))"
        rm -rf "$dir"
        return 1
    fi
    http="$(curl -sSL --retry 2 --connect-timeout 10 -o "$dir/$name.tar.gz" -w '%{http_code}' \
        "$base/v$version/$name.tar.gz" 2>"$dir/error")" || true
    if [[ "$http" != 200 ]]; then
        why="no release asset $name.tar.gz at $base/v$version/ (HTTP ${http:-error}: $(head -c 300 "$dir/error"))"
        rm -rf "$dir"
        return 1
    fi
    local expected actual
    expected="$(awk -v file="$name.tar.gz" '$2 == file || $2 == "*" file { print $1; exit }' "$dir/SHA256SUMS")"
    if command -v sha256sum >/dev/null 2>&1; then
        actual="$(sha256sum "$dir/$name.tar.gz" | cut -d' ' -f1)"
    else
        actual="$(shasum -a 256 "$dir/$name.tar.gz" | cut -d' ' -f1)"
    fi
    if [[ -z "$expected" ]]; then
        rm -rf "$dir"
        die "$name.tar.gz is not listed in $base/v$version/SHA256SUMS: refusing to install it"
    fi
    if [[ "$expected" != "$actual" ]]; then
        rm -rf "$dir"
        die "checksum mismatch for $base/v$version/$name.tar.gz: SHA256SUMS says $expected, the download is $actual; nothing installed"
    fi
    tar -xzf "$dir/$name.tar.gz" -C "$dir" || die "cannot unpack $name.tar.gz"
    [[ -f "$dir/$name/git-batch" ]] || die "$name.tar.gz holds no $name/git-batch"
    mkdir -p "$bin_dir" || die "cannot create $bin_dir"
    install -m 755 "$dir/$name/git-batch" "$bin_dir/git-batch.new" &&
        mv -f "$bin_dir/git-batch.new" "$bin_dir/git-batch" || die "cannot install into $bin_dir"
    rm -rf "$dir"
    echo "Installed git-batch $version ($target, sha256 $actual) into $bin_dir"
}

install_source() {
    command -v cargo >/dev/null 2>&1 ||
        die "building git-batch needs cargo (actions/checkout's runners have it; else add a Rust toolchain step)"
    if [[ -n "${GIT_BATCH_ACTION_DECIDE_ONLY:-}" ]]; then
        # For the tests: the decision is made and said; the build itself is tested elsewhere.
        echo "git-batch: would build from $action_path (GIT_BATCH_ACTION_DECIDE_ONLY)"
        exit 0
    fi
    echo "::group::Install git-batch from $action_path"
    cargo install --locked --root "$HOME/.cargo" --path "$action_path"
    echo "::endgroup::"
}

if [[ "$install" == auto ]] && command -v git-batch >/dev/null 2>&1; then
    echo "git-batch: using $(command -v git-batch)"
elif [[ "$install" == source ]]; then
    install_source
    export PATH="$bin_dir:$PATH"
else
    now() { local t="${EPOCHREALTIME:-$(date +%s)}"; printf '%s' "${t/,/.}"; }
    started="$(now)"
    echo "::group::Install git-batch from the action's release"
    why=""
    if install_release; then
        echo "::endgroup::"
        echo "git-batch: installed from the release in $(awk -v a="$started" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')s"
    else
        echo "::endgroup::"
        [[ "$install" == auto ]] || die "install: release, but $why"
        echo "git-batch: $why; building it from source instead"
        install_source
    fi
    export PATH="$bin_dir:$PATH"
fi
echo "git-batch: $(git-batch --version)"

# --- the token: in a git configuration file of its own, never on a command line -----------------
base_url="${INPUT_BASE_URL:-https://github.com}"
if [[ -n "${INPUT_TOKEN:-}" ]]; then
    header="$(printf 'x-access-token:%s' "$INPUT_TOKEN" | base64 | tr -d '\n')"
    echo "::add-mask::$header"
    credentials="$temp/git-batch-credentials.gitconfig"
    : >"$credentials"
    chmod 600 "$credentials"
    # The user's own configuration (identity, safe.directory) still applies.
    if [[ -n "${GIT_CONFIG_GLOBAL:-}" ]]; then
        git config --file "$credentials" include.path "$GIT_CONFIG_GLOBAL"
    elif [[ -f "$HOME/.gitconfig" ]]; then
        git config --file "$credentials" include.path "$HOME/.gitconfig"
    fi
    case "$base_url" in
        https://*) scope="${base_url%/}/" ;;
        *) scope="https://github.com/" ;;
    esac
    git config --file "$credentials" "http.$scope.extraheader" "AUTHORIZATION: basic $header"
    export GIT_CONFIG_GLOBAL="$credentials"
    # The same token for the forge's API (`--pr`, `prs`, `clone --org`): git-batch reads it
    # from the environment and sends it to the API only, never to a log or a command line.
    export GIT_BATCH_TOKEN="$INPUT_TOKEN"
fi
# Commits need an identity; a runner has none.
if ! git config user.name >/dev/null 2>&1; then
    export GIT_AUTHOR_NAME="github-actions[bot]" GIT_COMMITTER_NAME="github-actions[bot]"
fi
if ! git config user.email >/dev/null 2>&1; then
    export GIT_AUTHOR_EMAIL="41898282+github-actions[bot]@users.noreply.github.com"
    export GIT_COMMITTER_EMAIL="41898282+github-actions[bot]@users.noreply.github.com"
fi

# --- the fleet -----------------------------------------------------------------------------------
repositories="${INPUT_REPOSITORIES:-}"
if [[ -n "${INPUT_ROOT:-}" ]]; then
    root="$INPUT_ROOT"
elif [[ -n "${repositories//[[:space:]]/}" ]]; then
    root="$temp/git-batch-fleet"
else
    root="${GITHUB_WORKSPACE:-$PWD}"
fi
if [[ -n "${repositories//[[:space:]]/}" ]]; then
    list="$temp/git-batch-repositories.txt"
    printf '%s\n' "$repositories" >"$list"
    echo "::group::Clone the fleet into $root"
    clone_status=0
    git-batch -C "$root" --color never clone --list "$list" --base-url "$base_url" ||
        clone_status=$?
    echo "::endgroup::"
    if [[ "$clone_status" -ne 0 ]]; then
        die "cloning the fleet failed (exit $clone_status); see the log above"
    fi
fi

# --- the command ---------------------------------------------------------------------------------
# Split like a shell, without evaluating anything (Python's shlex, in POSIX mode).
args=()
if [[ -n "${INPUT_ARGS:-}" ]]; then
    split="$(python3 -c 'import shlex, sys
try:
    words = shlex.split(sys.argv[1], comments=False, posix=True)
except ValueError as err:
    sys.exit(f"args: {err}")
sys.stdout.write("".join(w + "\0" for w in words))' "$INPUT_ARGS" | base64 | tr -d '\n')" ||
        die "the args input cannot be split: ${INPUT_ARGS}"
    mapfile -d '' args < <(printf '%s' "$split" | base64 -d)
fi
global=(-C "$root" --color never --format json)
if [[ -n "${INPUT_TARGETS:-}" ]]; then
    global+=(-t "$INPUT_TARGETS")
fi
if [[ -n "${INPUT_SHARD:-}" ]]; then
    global+=(--shard "$INPUT_SHARD")
fi
report="$temp/git-batch-report.json"
echo "::group::git batch $command_name ${args[*]}"
status=0
git-batch "${global[@]}" "$command_name" "${args[@]}" >"$report" || status=$?

# --- the report in the log (its group), outputs, summary, annotations ----------------------------
# git-batch wrote the JSON document (the report output, unchanged); the log gets it as a person
# reads it, and the run page one error annotation per repository that failed or, in a check
# (`check`, `--check`), that would change or could not be checked.
python3 - "$report" "$status" "$command_name" "${args[@]}" <<'PYTHON'
import json
import os
import re
import secrets
import sys

report_path, status, command = sys.argv[1], int(sys.argv[2]), sys.argv[3]
words = sys.argv[4:]
own_words = words[: words.index("--")] if "--" in words else words
check = command == "check" or "--check" in own_words


def data(text):
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def prop(text):
    return data(text).replace(":", "%3A").replace(",", "%2C")


def cell(text):
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def shown(text):
    """Text for the log: control characters other than newline and tab made visible."""
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", str(text))


def indented(text, prefix="  "):
    return "".join(f"{prefix}{line}\n" for line in shown(text).splitlines())


def files_of(repo):
    """The paths a repository's entry names: `files`, a list for every command that writes."""
    return [str(f) for f in repo.get("files") or []]


def change_request(repo):
    """A repository's change request (`--pr`, `prs`), if its entry has one with a URL."""
    pr = repo.get("pr")
    return pr if isinstance(pr, dict) and isinstance(pr.get("url"), str) and pr["url"] else None


def change_request_urls(document):
    """The URLs of the document's change requests, in its (name) order."""
    if not isinstance(document, dict):
        return []
    return [change_request(repo)["url"] for repo in document.get("repos", []) if change_request(repo)]


def link(pr):
    """A Markdown link to a change request: [#12](URL) and its state."""
    url = pr["url"].replace(")", "%29").replace(" ", "%20")
    text = f"#{pr['number']}" if isinstance(pr.get("number"), int) else "change request"
    state = f" {pr['state']}" if isinstance(pr.get("state"), str) else ""
    return f"[{text}]({url}){cell(state)}"


def plural(n, one, many):
    return one if n == 1 else many


def counts(document):
    """The summary's counts in the command's words, as git-batch's human summary says them."""
    s = document["summary"]
    rest = f"{s['skipped']} skipped, {s['failed']} failed"
    if check:
        return f"{s['changed']} drifted, {s['unchanged']} in line, {rest}"
    if command in ("status", "list"):
        return f"{s['changed'] + s['unchanged']} read, {rest}"
    if command == "exec":
        ran = [repo.get("exit_code") for repo in document["repos"] if "exit_code" in repo]
        codes = sorted(set(ran), key=lambda code: (code != 0, code is None, code or 0))
        said = [f"{ran.count(code)} exited {code}" if code is not None
                else f"{ran.count(code)} without exit code" for code in codes]
        others = sum(1 for repo in document["repos"]
                     if repo["outcome"] == "failed" and "exit_code" not in repo)
        return (f"{len(ran)} ran" + (f": {', '.join(said)}" if said else "")
                + f"; {s['skipped']} skipped" + (f", {others} failed" if others else ""))
    if document.get("dry_run"):
        return f"{s['changed']} would change, {s['unchanged']} unchanged, {rest}"
    return f"{s['changed']} changed, {s['unchanged']} unchanged, {rest}"


def human(document):
    """The report as git-batch's human output says it: a line per repository, the summary and,
    for a check, the verdict."""
    repos = document["repos"]
    out = [f"{command}: {len(repos)} {plural(len(repos), 'repository', 'repositories')} under "
           f"{document.get('root')}{', check' if check else ''}\n"]
    for repo in repos:
        name, outcome, message = shown(repo["name"]), repo["outcome"], repo.get("message") or ""
        first, _, rest = shown(message).partition("\n")
        if outcome == "changed":
            line = f"{'✗' if check else '✓'} {name}" + (f": {first}" if first else "")
        elif outcome == "unchanged":
            line = f"= {name}" + (f": {first}" if first else "")
        elif outcome == "skipped":
            line = f"– {name}: skipped" + (f", {first}" if first else "")
        else:
            line = f"✗ {name}: {outcome}" + (f": {first}" if first else "")
        out.append(line + "\n")
        if rest:
            out.append(indented(rest, "    "))
        files = files_of(repo)
        if files:
            out.append(f"  {plural(len(files), 'file', 'files')}: {shown(', '.join(files))}\n")
        for mention in repo.get("mentions") or []:
            out.append(f"  mentioned at {shown(mention.get('path'))}:{mention.get('line')}, left "
                       f"alone: {shown(mention.get('text'))}\n")
        if "exit_code" in repo:
            out.append(f"  exit code {repo['exit_code']}\n")
        for stream in ("stdout", "stderr"):
            if repo.get(stream):
                out.append(f"  {stream}:\n" + indented(repo[stream], "    "))
    s = document["summary"]
    out.append(f"{counts(document)}, {s['total']} total in {s['duration_ms'] / 1000:.2f}s\n")
    if check:
        drifted = [shown(r["name"]) for r in repos if r["outcome"] == "changed"]
        undecided = [shown(r["name"]) for r in repos if r["outcome"] == "skipped"]
        if not drifted and not undecided:
            out.append("✓ no repository would change\n")
        if drifted:
            out.append(f"✗ {len(drifted)} {plural(len(drifted), 'repository', 'repositories')} "
                       f"would change: {', '.join(drifted)}\n")
        if undecided:
            out.append(f"✗ {len(undecided)} {plural(len(undecided), 'repository', 'repositories')} "
                       f"could not be checked (skipped): {', '.join(undecided)}\n")
    for note in document.get("notes", []):
        out.append(f"note: {shown(note)}\n")
    return "".join(out)


try:
    with open(report_path, encoding="utf-8") as f:
        document = json.load(f)
except (OSError, ValueError):
    document = None

per_repository = isinstance(document, dict) and "repos" in document and "summary" in document
if document is not None:
    # Messages come from git and from the repositories: no line of theirs may be taken for a
    # workflow command while they are shown.
    token = secrets.token_hex(16)
    print(f"::stop-commands::{token}")
    # A document without repositories (`runs`) is shown as it is.
    print(human(document) if per_repository else json.dumps(document, indent=2) + "\n", end="")
    print(f"::{token}::")
print("::endgroup::", flush=True)
if document is not None and not per_repository:
    with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
        out.write(f"report={report_path}\n")
    sys.exit(0)

with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
    if document is None:
        for key in ("changed", "unchanged", "skipped", "failed"):
            out.write(f"{key}=0\n")
    else:
        for key in ("changed", "unchanged", "skipped", "failed"):
            out.write(f"{key}={document['summary'][key]}\n")
    out.write(f"prs={json.dumps(change_request_urls(document))}\n")
    out.write(f"report={report_path}\n")

with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
    if document is None:
        summary.write(f"### git batch {cell(command)}\n\ngit-batch exited with {status} and "
                      "printed no report; see the step's log.\n")
        print(f"::error title=git-batch::{data(f'git batch {command} exited with {status} and printed no report')}")
        sys.exit(0)
    s = document["summary"]
    mode = " (check)" if document.get("dry_run") else ""
    summary.write(f"### git batch {cell(command)}{mode}\n\n")
    summary.write(f"{s['changed']} changed, {s['unchanged']} unchanged, {s['skipped']} skipped, "
                  f"{s['failed']} failed, {s['total']} total in {s['duration_ms'] / 1000:.2f}s"
                  + (f", run `{document['run_id']}`" if document.get("run_id") else "") + "\n\n")
    for note in document.get("notes", []):
        summary.write(f"> {cell(note)}\n\n")
    # A run with change requests links each one in a column of its own.
    linked = any(change_request(repo) for repo in document["repos"])
    if linked:
        summary.write("| repository | outcome | change request | message | files |\n"
                      "| --- | --- | --- | --- | --- |\n")
    else:
        summary.write("| repository | outcome | message | files |\n| --- | --- | --- | --- |\n")
    for repo in document["repos"]:
        files = ", ".join(files_of(repo))
        pr = change_request(repo)
        column = (f" {link(pr) if pr else ''} |") if linked else ""
        summary.write(f"| {cell(repo['name'])} | {cell(repo['outcome'])} |{column} "
                      f"{cell(repo['message'])} | {cell(files)} |\n")

for repo in document["repos"]:
    name, outcome, message = repo["name"], repo["outcome"], repo.get("message") or ""
    if outcome == "failed":
        title = f"git batch {command}: {name} failed"
    elif check and outcome == "changed":
        title = f"git batch {command}: {name} would change"
    elif check and outcome == "skipped":
        title = f"git batch {command}: {name} could not be checked"
    else:
        continue
    files = files_of(repo)
    if files:
        message += f"\n{plural(len(files), 'file', 'files')}: {', '.join(files)}"
    print(f"::error title={prop(title)}::{data(message)}")
PYTHON

if [[ "$status" -ne 0 ]]; then
    echo "git batch $command_name exited with $status" >&2
fi
exit "$status"
