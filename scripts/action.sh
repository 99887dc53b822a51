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
    summary.write("| repository | outcome | message | files |\n| --- | --- | --- | --- |\n")
    for repo in document["repos"]:
        files = ", ".join(files_of(repo))
        summary.write(f"| {cell(repo['name'])} | {cell(repo['outcome'])} | "
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
