//! `sync` when something goes wrong or moves midway through a run: a conflicting pull, a commit
//! refused by a hook and a commit past the timeout leave the repository and its staging area as
//! they were, a commit the user makes while the run is busy elsewhere is its "before" and
//! survives undo, and the push sends the run's own commit, not one made after it.

use serde_json::Value;

use crate::fixture::{Fleet, repo};
use crate::observe::UserState;
use crate::sync::{make_all_kinds_dirty, outcome_and_message, show};

#[test]
fn a_conflicting_pull_aborts_and_leaves_the_repository_exactly_as_it_was() {
    let fleet = Fleet::new();
    fleet.add_repo("conflict");
    fleet.commit_file("conflict", "shared.txt", "base\n", "add shared.txt");
    fleet.git(&fleet.path("conflict"), &["push", "-q"]);
    let remote = fleet.advance_remote("conflict", "shared.txt", "theirs\n");
    // Staged one way and changed again on top (`MM`), plus staged, unstaged and untracked work.
    fleet.write("conflict", "shared.txt", "mine, staged\n");
    fleet.git(&fleet.path("conflict"), &["add", "shared.txt"]);
    fleet.write("conflict", "shared.txt", "mine, staged, then edited\n");
    make_all_kinds_dirty(&fleet, "conflict");
    let before = UserState::of(&fleet, "conflict");

    let document = fleet.json_exit(&["sync", "--pull"], 1);

    let (outcome, message) = outcome_and_message(&document, "conflict");
    assert_eq!(outcome, "failed");
    assert!(message.contains("conflict"), "{message}");
    assert!(message.contains("as it was before the run"), "{message}");
    // Said once, with the file named: not git's "could not apply …" twice over.
    assert!(message.contains("a conflict in shared.txt"), "{message}");
    assert_eq!(
        message.to_lowercase().matches("could not apply").count(),
        1,
        "{message}"
    );
    assert!(
        message.contains("could not apply ") && message.contains("\"chore: batch update\""),
        "the run's commit is named: {message}"
    );
    assert_eq!(UserState::of(&fleet, "conflict"), before);
    let git_dir = fleet.path("conflict").join(".git");
    assert!(!git_dir.join("rebase-merge").exists() && !git_dir.join("rebase-apply").exists());
    assert_eq!(fleet.remote_head("conflict"), remote);
}

#[test]
fn a_commit_refused_by_a_hook_fails_with_its_message_and_restores_the_staging_area() {
    let fleet = Fleet::new();
    fleet.add_repo("guarded");
    fleet.add_repo("open");
    make_all_kinds_dirty(&fleet, "guarded");
    fleet.write("guarded", "staged.txt", "staged, then edited\n");
    fleet.make_dirty("open");
    fleet.hook(
        "guarded",
        "pre-commit",
        "echo 'commits here need a ticket number' >&2\nexit 1",
    );
    let remote = fleet.remote_head("guarded");
    let before = UserState::of(&fleet, "guarded");
    let porcelain = |fleet: &Fleet| {
        fleet.git(
            &fleet.path("guarded"),
            &["--no-optional-locks", "status", "--porcelain=v2"],
        )
    };
    let status_before = porcelain(&fleet);

    let document = fleet.json_exit(&["sync"], 1);

    let (outcome, message) = outcome_and_message(&document, "guarded");
    assert_eq!(outcome, "failed");
    assert!(message.contains("commit refused"), "{message}");
    assert!(message.contains("ticket number"), "{message}");
    assert_eq!(porcelain(&fleet), status_before);
    assert_eq!(UserState::of(&fleet, "guarded"), before);
    assert_eq!(fleet.remote_head("guarded"), remote);
    assert_eq!(outcome_and_message(&document, "open").0, "changed");
}

/// The commit HEAD's first parent names in `name`.
fn parent(fleet: &Fleet, name: &str) -> String {
    fleet
        .git(&fleet.path(name), &["rev-parse", "HEAD^"])
        .trim()
        .to_owned()
}

#[test]
fn a_commit_made_while_the_run_is_busy_elsewhere_is_its_before_and_survives_undo() {
    use crate::concurrency::{finish, holding_hook, wait_for_marks};
    let fleet = Fleet::new();
    for name in ["a", "b"] {
        fleet.add_repo(name);
        fleet.make_dirty(name);
    }
    let (marks, release) = (fleet.base.join("marks"), fleet.base.join("release"));
    std::fs::create_dir(&marks).expect("mkdir marks");
    fleet.hook("a", "pre-commit", &holding_hook(&["a"], &marks, &release));
    let child = fleet
        .batch_in(&fleet.root)
        .args(["--format", "json", "-j1", "sync", "--no-push"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn git-batch");
    // `b` was planned; while `a`'s hook holds the run, its user commits a file by hand.
    wait_for_marks(&marks, 1);
    fleet.commit_file("b", "mine.txt", "mine\n", "my own commit");
    let mine = fleet.head("b");
    std::fs::write(&release, "").expect("release the hook");
    let (code, stdout, stderr) = finish(child);
    assert_eq!(code, Some(0), "stderr: {stderr}");
    let document: Value = serde_json::from_str(&stdout).expect("the JSON document");

    assert_eq!(
        repo(&document, "b")["head_before"],
        mine.as_str(),
        "{document:#}"
    );
    assert_eq!(
        parent(&fleet, "b"),
        mine,
        "the run's commit is on top of mine"
    );
    fleet.json_exit(&["undo"], 0);
    assert_eq!(
        fleet.head("b"),
        mine,
        "undo keeps the commit made meanwhile"
    );
    let tracked = fleet.git(&fleet.path("b"), &["ls-files", "--", "mine.txt"]);
    assert_eq!(tracked.trim(), "mine.txt");
    let status = fleet.porcelain("b");
    assert_eq!((status.staged, status.unstaged), (0, 1), "{status:?}");
}

#[test]
fn a_commit_past_the_timeout_is_stopped_and_the_staging_area_is_still_restored() {
    let fleet = Fleet::new();
    fleet.add_repo("slow");
    make_all_kinds_dirty(&fleet, "slow");
    // A file staged at one version with another in the working tree.
    fleet.write("slow", "staged.txt", "staged, then edited\n");
    fleet.hook("slow", "pre-commit", "sleep 30");
    let before = UserState::of(&fleet, "slow");
    let start = std::time::Instant::now();

    let document = fleet.json_exit(&["sync", "--timeout", "2", "--no-push"], 1);

    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    let (outcome, message) = outcome_and_message(&document, "slow");
    assert_eq!(outcome, "failed");
    assert!(message.contains("timed out"), "{message}");
    assert!(message.contains("uncommitted, as before"), "{message}");
    assert!(!fleet.path("slow").join(".git/index.lock").exists());
    assert_eq!(UserState::of(&fleet, "slow"), before);
}

#[test]
fn the_push_sends_the_runs_own_commit_not_one_made_after_it() {
    let fleet = Fleet::new();
    fleet.add_repo("a");
    fleet.make_dirty("a");
    // Someone commits right after the run's commit, before its push (here: a post-commit hook).
    fleet.hook(
        "a",
        "post-commit",
        "git update-ref HEAD \"$(git commit-tree 'HEAD^{tree}' -p HEAD -m 'made meanwhile')\"",
    );

    let document = fleet.json_exit(&["sync"], 0);

    let commit = repo(&document, "a")["commit"]
        .as_str()
        .expect("the run's commit")
        .to_owned();
    assert_eq!(fleet.remote_head("a"), commit, "{document:#}");
    assert_eq!(show(&fleet, "a", "%s", "HEAD"), "made meanwhile");
    assert_eq!(parent(&fleet, "a"), commit);
}
