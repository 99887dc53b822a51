//! Clean-up that fails for real (git refusing to put a repository back, through a hook), and
//! repositories a `-w` selection cannot read: each is reported as failed, naming both errors
//! and what the user must do, never as a repository that is back as it was.

use serde_json::Value;

use crate::fixture::{Fleet, repo};

fn outcome_and_message(document: &Value, name: &str) -> (String, String) {
    let entry = repo(document, name);
    (
        entry["outcome"].as_str().expect("an outcome").to_owned(),
        entry["message"].as_str().expect("a message").to_owned(),
    )
}

/// A `reference-transaction` hook that refuses any update of a branch while a rebase is in
/// progress: what `git rebase --abort` must do to put the branch back, so the abort fails.
const REFUSE_ABORT: &str = r#"[ "$1" = prepared ] || exit 0
[ -d "$(git rev-parse --git-dir)/rebase-merge" ] || exit 0
if grep -q ' refs/heads/'; then echo 'branches are frozen during a rebase' >&2; exit 1; fi
exit 0"#;

#[test]
fn a_failed_rebase_abort_is_reported_with_what_to_do_and_the_repository_left_alone() {
    let fleet = Fleet::new();
    fleet.add_repo("stuck");
    fleet.commit_file("stuck", "shared.txt", "base\n", "add shared.txt");
    fleet.git(&fleet.path("stuck"), &["push", "-q"]);
    fleet.advance_remote("stuck", "shared.txt", "theirs\n");
    fleet.write("stuck", "shared.txt", "mine\n");
    fleet.hook("stuck", "reference-transaction", REFUSE_ABORT);

    let document = fleet.json_exit(&["sync", "--pull"], 1);

    let (outcome, message) = outcome_and_message(&document, "stuck");
    assert_eq!(outcome, "failed");
    assert!(message.contains("stopped on a conflict"), "{message}");
    assert!(message.contains("`git rebase --abort` failed"), "{message}");
    assert!(message.contains("frozen during a rebase"), "{message}");
    assert!(message.contains("mid-rebase"), "{message}");
    assert!(message.contains("by hand"), "{message}");
    assert!(message.contains("git batch undo"), "{message}");
    assert!(!message.contains("as it was"), "{message}");
    // Really mid-rebase, as the message says; aborting by hand then works.
    let git_dir = fleet.path("stuck").join(".git");
    assert!(git_dir.join("rebase-merge").is_dir());
    std::fs::remove_file(git_dir.join("hooks/reference-transaction")).expect("drop the hook");
    fleet.git(&fleet.path("stuck"), &["rebase", "--abort"]);
}

#[test]
fn a_created_file_left_staged_after_a_refused_commit_is_reported_with_the_command_to_unstage_it() {
    let fleet = Fleet::new();
    fleet.add_repo("guarded");
    // The hook refuses the commit and leaves the index locked (a folder git cannot unlink in
    // its place), so the `git reset` that takes the new file out of the index fails.
    fleet.hook(
        "guarded",
        "pre-commit",
        r#"echo 'commits here need a ticket number' >&2
lock="$(git rev-parse --git-dir)/index.lock"
rm -f "$lock"; mkdir "$lock"
exit 1"#,
    );
    let new = fleet.base.join("ci.yml");
    std::fs::write(&new, "on: push\n").expect("write the replacement");

    let document = fleet.json_exit(
        &[
            "file-replace",
            "--pattern",
            "ci.yml",
            "--replacement",
            new.to_str().expect("UTF-8"),
            "--create",
        ],
        1,
    );

    let (outcome, message) = outcome_and_message(&document, "guarded");
    assert_eq!(outcome, "failed");
    assert!(message.contains("ticket number"), "{message}");
    assert!(message.contains("index.lock"), "{message}");
    assert!(message.contains("ci.yml is still staged"), "{message}");
    assert!(message.contains("`git reset -q -- ci.yml`"), "{message}");
    assert!(!message.contains("as they were"), "{message}");
    // As the message says: put back on disk, still staged as new.
    assert!(!fleet.path("guarded").join("ci.yml").exists());
    let staged = fleet.git(
        &fleet.path("guarded"),
        &["--no-optional-locks", "diff", "--cached", "--name-only"],
    );
    assert_eq!(staged, "ci.yml\n");
}

#[test]
fn a_repository_where_cannot_read_is_reported_failed_never_left_out_or_worked_on() {
    let fleet = Fleet::new();
    for name in ["good", "broken"] {
        fleet.add_repo(name);
        fleet.make_dirty(name);
    }
    // An index git cannot read: neither git-batch nor git can tell whether it is dirty.
    std::fs::write(fleet.path("broken").join(".git/index"), "not an index")
        .expect("break the index");
    let head = fleet.head("broken");

    let listed = fleet.json_exit(&["-w", "dirty", "list"], 1);
    assert_eq!(outcome_and_message(&listed, "good").0, "unchanged");
    let (outcome, message) = outcome_and_message(&listed, "broken");
    assert_eq!(outcome, "failed");
    assert!(message.contains("--where"), "{message}");
    assert!(message.contains("index"), "{message}");

    // A script reading the names gets only the ones known to match; stderr names the other.
    let output = fleet
        .cmd()
        .args(["-w", "dirty", "list"])
        .output()
        .expect("run git-batch");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "good\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken failed"), "{stderr}");

    let synced = fleet.json_exit(&["-w", "dirty", "sync", "--no-push"], 1);
    assert_eq!(outcome_and_message(&synced, "good").0, "changed");
    let (outcome, message) = outcome_and_message(&synced, "broken");
    assert_eq!(outcome, "failed");
    assert!(message.contains("--where"), "{message}");
    assert_eq!(fleet.head("broken"), head, "not worked on");
}

#[test]
fn an_undo_stopped_after_moving_the_branch_says_so_and_how_to_finish() {
    let fleet = Fleet::new();
    fleet.add_repo("work");
    fleet.make_dirty("work");
    fleet.stage("work");
    fleet.add_untracked("work");
    let before = crate::observe::UserState::of(&fleet, "work");
    let head = fleet.head("work");
    let sync = fleet.json_exit(&["sync", "--no-push"], 0);
    assert_eq!(outcome_and_message(&sync, "work").0, "changed");
    // Once undo has moved the branch back, the index is locked: the staging area cannot be
    // read back.
    fleet.hook(
        "work",
        "reference-transaction",
        r#"[ "$1" = committed ] || exit 0
if grep -q ' refs/heads/'; then : > "$(git rev-parse --git-dir)/index.lock"; fi
exit 0"#,
    );

    let undo = fleet.json_exit(&["undo"], 1);

    let (outcome, message) = outcome_and_message(&undo, "work");
    assert_eq!(outcome, "failed");
    let short = &head[..7];
    assert!(
        message.contains(&format!("main is back at {short}")),
        "{message}"
    );
    assert!(
        message.contains("restoring the staging area failed"),
        "{message}"
    );
    assert!(message.contains("index.lock"), "{message}");
    assert_eq!(fleet.head("work"), head);
    // The command it prints finishes the undo.
    let command = message
        .split('`')
        .find(|part| part.starts_with("git read-tree "))
        .expect("a git read-tree command");
    let dir = fleet.path("work");
    std::fs::remove_file(dir.join(".git/index.lock")).expect("unlock the index");
    std::fs::remove_file(dir.join(".git/hooks/reference-transaction")).expect("drop the hook");
    let args: Vec<&str> = command.split(' ').skip(1).collect();
    fleet.git(&dir, &args);
    assert_eq!(crate::observe::UserState::of(&fleet, "work"), before);
}

#[test]
fn an_undo_whose_refs_cannot_be_removed_says_so_and_how() {
    let fleet = Fleet::new();
    fleet.add_repo("work");
    fleet.make_dirty("work");
    let head = fleet.head("work");
    let sync = fleet.json_exit(&["sync", "--no-push"], 0);
    assert_eq!(outcome_and_message(&sync, "work").0, "changed");
    fleet.hook(
        "work",
        "reference-transaction",
        r#"[ "$1" = prepared ] || exit 0
if grep -q ' refs/git-batch/'; then echo 'these refs are kept' >&2; exit 1; fi
exit 0"#,
    );

    let undo = fleet.json_exit(&["undo"], 0);

    // The repository is back; the refs left behind are named, with the command that removes them.
    let (outcome, message) = outcome_and_message(&undo, "work");
    assert_eq!(outcome, "changed");
    assert_eq!(fleet.head("work"), head);
    assert!(message.contains("removing the run's refs"), "{message}");
    assert!(message.contains("these refs are kept"), "{message}");
    assert!(
        message.contains("`git update-ref -d refs/git-batch/backup/"),
        "{message}"
    );
    assert!(
        message.contains("`git update-ref -d refs/git-batch/index/"),
        "{message}"
    );
}

#[test]
fn a_staging_area_sync_cannot_restore_is_reported_with_the_command_that_restores_it() {
    let fleet = Fleet::new();
    fleet.add_repo("guarded");
    fleet.make_dirty("guarded");
    fleet.stage("guarded");
    fleet.add_untracked("guarded");
    let before = crate::observe::UserState::of(&fleet, "guarded");
    // The hook refuses the commit and leaves the index locked, so `git read-tree` fails.
    fleet.hook(
        "guarded",
        "pre-commit",
        r#"echo 'commits here need a ticket number' >&2
lock="$(git rev-parse --git-dir)/index.lock"
rm -f "$lock"; mkdir "$lock"
exit 1"#,
    );

    let document = fleet.json_exit(&["sync", "--no-push"], 1);

    let (outcome, message) = outcome_and_message(&document, "guarded");
    assert_eq!(outcome, "failed");
    assert!(message.contains("ticket number"), "{message}");
    assert!(
        message.contains("restoring the staging area also failed"),
        "{message}"
    );
    assert!(message.contains("` restores it"), "{message}");
    let command = message
        .split('`')
        .find(|part| part.starts_with("git read-tree "))
        .expect("a git read-tree command");
    // The printed command puts the staging area back once the lock is gone.
    let dir = fleet.path("guarded");
    std::fs::remove_dir(dir.join(".git/index.lock")).expect("unlock the index");
    let args: Vec<&str> = command.split(' ').skip(1).collect();
    fleet.git(&dir, &args);
    assert_eq!(crate::observe::UserState::of(&fleet, "guarded"), before);
}

#[test]
fn an_undo_of_a_pull_stopped_before_the_branch_moved_back_prints_the_commands_that_finish_it() {
    let fleet = Fleet::new();
    fleet.add_repo("rebased");
    fleet.advance_remote("rebased", "theirs.txt", "theirs\n");
    fleet.make_dirty("rebased");
    fleet.add_untracked("rebased");
    let before = crate::observe::UserState::of(&fleet, "rebased");
    let head = fleet.head("rebased");
    let sync = fleet.json_exit(&["sync", "--pull", "--no-push"], 0);
    assert_eq!(outcome_and_message(&sync, "rebased").0, "changed");
    // Undo takes the upstream's changes out (`reset --keep`, a first branch update), then moves
    // the branch back (a second): the hook refuses the second.
    fleet.hook(
        "rebased",
        "reference-transaction",
        r#"[ "$1" = prepared ] || exit 0
grep -q ' refs/heads/' || exit 0
count="$(git rev-parse --git-dir)/moves"
n=$(($(cat "$count" 2>/dev/null || echo 0) + 1)); echo "$n" > "$count"
if [ "$n" -ge 2 ]; then echo 'no second move' >&2; exit 1; fi
exit 0"#,
    );

    let undo = fleet.json_exit(&["undo"], 1);

    let (outcome, message) = outcome_and_message(&undo, "rebased");
    assert_eq!(outcome, "failed");
    assert!(message.contains("taken back out"), "{message}");
    assert!(message.contains("no second move"), "{message}");
    assert!(!message.contains("HEAD moved"), "{message}");
    assert!(
        message.contains(&format!("`git reset --soft {head}`")),
        "{message}"
    );
    // The printed commands, in order, finish the undo.
    let dir = fleet.path("rebased");
    std::fs::remove_file(dir.join(".git/hooks/reference-transaction")).expect("drop the hook");
    for command in message.split('`').filter(|part| part.starts_with("git ")) {
        let args: Vec<&str> = command.split(' ').skip(1).collect();
        fleet.git(&dir, &args);
    }
    let _ = std::fs::remove_file(dir.join(".git/moves"));
    assert_eq!(crate::observe::UserState::of(&fleet, "rebased"), before);
}
