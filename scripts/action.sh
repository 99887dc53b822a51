#!/usr/bin/env bash
# The GitHub Action's step (action.yml): installs git-batch unless it is on PATH, clones the
# fleet, runs one git-batch command with --format json, and turns the report into the step's
# outputs, a Markdown summary and an error annotation per failed repository.
#
# Every input arrives in the environment (INPUT_*, mapped in action.yml), never as script text:
#   INPUT_COMMAND       the git-batch command (license-update, file-replace, sync, check, …)
#   INPUT_ARGS          its arguments, one string split as a shell would (quotes, backslashes),
#                       never evaluated: no variables, globs or command substitution
#   INPUT_TARGETS       -t SPEC (default @all-repos)
#   INPUT_SHARD         --shard K/N (empty: every repository)
#   INPUT_REPOSITORIES  owner/name or URL, one a line, cloned into the root first
#   INPUT_BASE_URL      what owner/name is joined to (default https://github.com)
#   INPUT_TOKEN         a token for https clones and pushes (kept out of argv and logs)
#   INPUT_ROOT          the folder of the fleet (default: $RUNNER_TEMP/git-batch-fleet when
#                       repositories are cloned, else the workspace)
#   INPUT_INSTALL       auto (git-batch from PATH, else built from the action's source; the
#                       default) or source (always built from the action's source)
# And GitHub's own: GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ACTION_PATH, RUNNER_TEMP,
# GITHUB_WORKSPACE.
# Outputs: changed, unchanged, skipped, failed (counts) and report (the JSON document's path).
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
install="${INPUT_INSTALL:-auto}"
case "$install" in
    auto | source) ;;
    *) die "install must be auto or source, not '$install'" ;;
esac
if [[ "$install" == source ]] || ! command -v git-batch >/dev/null 2>&1; then
    command -v cargo >/dev/null 2>&1 ||
        die "building git-batch needs cargo (actions/checkout's runners have it; else add a Rust toolchain step)"
    echo "::group::Install git-batch from $action_path"
    cargo install --locked --root "$HOME/.cargo" --path "$action_path"
    echo "::endgroup::"
    export PATH="$HOME/.cargo/bin:$PATH"
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
echo "::endgroup::"

# --- outputs, summary, annotations ---------------------------------------------------------------
python3 - "$report" "$status" "$command_name" <<'PYTHON'
import json
import os
import sys

report_path, status, command = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def data(text):
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def prop(text):
    return data(text).replace(":", "%3A").replace(",", "%2C")


def cell(text):
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


try:
    with open(report_path, encoding="utf-8") as f:
        document = json.load(f)
except (OSError, ValueError):
    document = None

with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
    if document is None:
        for key in ("changed", "unchanged", "skipped", "failed"):
            out.write(f"{key}=0\n")
    else:
        for key in ("changed", "unchanged", "skipped", "failed"):
            out.write(f"{key}={document['summary'][key]}\n")
    out.write(f"report={report_path}\n")

with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
    if document is None:
        summary.write(f"### git batch {cell(command)}\n\ngit-batch exited with {status} and "
                      "printed no report; see the step's log.\n")
        print(f"::error title=git-batch::{data(f'git batch {command} exited with {status} and printed no report')}")
        sys.exit(0)
    s = document["summary"]
    check = " (check)" if document.get("dry_run") else ""
    summary.write(f"### git batch {cell(command)}{check}\n\n")
    summary.write(f"{s['changed']} changed, {s['unchanged']} unchanged, {s['skipped']} skipped, "
                  f"{s['failed']} failed, {s['total']} total in {s['duration_ms'] / 1000:.2f}s"
                  + (f", run `{document['run_id']}`" if document.get("run_id") else "") + "\n\n")
    for note in document.get("notes", []):
        summary.write(f"> {cell(note)}\n\n")
    summary.write("| repository | outcome | message | files |\n| --- | --- | --- | --- |\n")
    for repo in document["repos"]:
        files = ", ".join(repo.get("files") or [])
        summary.write(f"| {cell(repo['name'])} | {cell(repo['outcome'])} | "
                      f"{cell(repo['message'])} | {cell(files)} |\n")

for repo in document["repos"]:
    if repo["outcome"] == "failed":
        title = prop(f"git batch {command}: {repo['name']} failed")
        print(f"::error title={title}::{data(repo['message'])}")
PYTHON

if [[ "$status" -ne 0 ]]; then
    echo "git batch $command_name exited with $status" >&2
fi
exit "$status"
