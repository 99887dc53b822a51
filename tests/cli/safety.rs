//! What every writing command (`sync`, the content operations, `undo`) shares: a push refused
//! because the remote moved on is told in the same words, each command adding its own remedy,
//! and a repository in a state no command writes in (a locked index, an operation in progress,
//! no commit yet, a detached HEAD) is skipped with the same reason by each.

use std::fs;

use serde_json::Value;

use crate::fixture::{Fleet, repo};
use crate::observe::UserState;

/// The words every command uses for a push refused as not a fast-forward.
const REJECTED: &str = "push rejected: the remote has commits this repository lacks";

fn outcome_and_message(document: &Value, name: &str) -> (String, String) {
    let entry = repo(document, name);
    (
        entry["outcome"].as_str().expect("an outcome").to_owned(),
        entry["message"].as_str().expect("a message").to_owned(),
    )
}

/// A repository with `ci.yml` committed and pushed, and the replacement outside it.
fn replaceable(fleet: &Fleet, name: &str) -> String {
    fleet.add_repo(name);
    fleet.commit_file(name, "ci.yml", "old\n", "add ci.yml");
    fleet.git(&fleet.path(name), &["push", "-q"]);
    let replacement = fleet.base.join("ci.yml");
    fs::write(&replacement, "new\n").expect("write the replacement");
    replacement.to_str().expect("UTF-8").to_owned()
}

#[test]
fn undo_push_refused_because_the_remote_moved_on_says_rejected_as_sync_does() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    fleet.make_dirty("app");
    fleet.json_exit(&["sync"], 0);
    let synced = fleet.head("app");
    let remote = fleet.advance_remote("app", "elsewhere.txt", "from elsewhere\n");
    let before = UserState::of(&fleet, "app");

    let undo = fleet.json_exit(&["undo", "--push"], 1);

    let (outcome, message) = outcome_and_message(&undo, "app");
    assert_eq!(outcome, "failed", "{undo:#}");
    assert!(message.starts_with(REJECTED), "{message}");
    let short = &synced[..7];
    assert!(
        message.contains(&format!("the revert of {short} was not pushed")),
        "{message}"
    );
    assert!(
        message.contains(&format!("`git revert {short}`")),
        "{message}"
    );
    assert_eq!(fleet.remote_head("app"), remote, "never forced");
    assert_eq!(UserState::of(&fleet, "app"), before, "nothing changed here");

    // sync, refused the same way, says it in the same words before its own remedy.
    fleet.make_dirty("app");
    let sync = fleet.json_exit(&["sync"], 1);
    let (_, said) = outcome_and_message(&sync, "app");
    assert!(
        said.starts_with(&format!(
            "{REJECTED}; rerun with --pull to rebase onto them"
        )),
        "{said}"
    );
}

#[test]
fn a_content_operation_s_push_refused_says_so_with_its_own_remedy() {
    let fleet = Fleet::new();
    let replacement = replaceable(&fleet, "app");
    let remote = fleet.advance_remote("app", "elsewhere.txt", "from elsewhere\n");

    let run = fleet.json_exit(
        &[
            "file-replace",
            "--pattern",
            "ci.yml",
            "--replacement",
            &replacement,
            "--push",
        ],
        1,
    );

    let (outcome, message) = outcome_and_message(&run, "app");
    assert_eq!(outcome, "failed", "{run:#}");
    assert_eq!(
        message,
        format!(
            "committed 1 file, but {REJECTED}; `git batch sync --pull` rebases and pushes it; \
             the commit stays local (undo takes it back)"
        )
    );
    assert_eq!(fleet.remote_head("app"), remote, "never forced");
}

/// The reason every writing command gives for each unsafe state, word for word.
const LOCKED: &str = "index.lock present: another git process is running here, or one crashed \
                      (remove the lock once no git runs)";
const CHERRY_PICKING: &str = "cherry-picking in progress: finish or abort it first";
const NO_COMMIT: &str = "no commit yet: make the first commit by hand";
const DETACHED: &str = "detached HEAD: check out a branch first";

/// A real `git cherry-pick` that stops on a conflict in `c.txt`.
fn start_conflicting_cherry_pick(fleet: &Fleet, name: &str) {
    let path = fleet.path(name);
    fleet.commit_file(name, "c.txt", "base\n", "base");
    fleet.git(&path, &["checkout", "-q", "-b", "side"]);
    fleet.commit_file(name, "c.txt", "side\n", "side");
    fleet.git(&path, &["checkout", "-q", "main"]);
    fleet.commit_file(name, "c.txt", "main\n", "main");
    let picked = fleet.git_output(&path, &["cherry-pick", "side"]);
    assert!(!picked.status.success(), "the cherry-pick should conflict");
    assert!(path.join(".git/CHERRY_PICK_HEAD").is_file());
}

/// Asserts that `name` was skipped in `document` with `reason` (a detached HEAD may add a hint
/// of the command's own after the shared words).
fn assert_skipped(document: &Value, name: &str, reason: &str, command: &str) {
    let (outcome, message) = outcome_and_message(document, name);
    assert_eq!(outcome, "skipped", "{command} {name}: {message}");
    if reason == DETACHED {
        assert!(message.starts_with(reason), "{command} {name}: {message}");
    } else {
        assert_eq!(message, reason, "{command} {name}");
    }
}

#[test]
fn sync_and_the_content_operations_skip_an_unsafe_repository_in_the_same_words() {
    let fleet = Fleet::new();
    let mut replacement = String::new();
    for name in ["locked", "cherry-picking", "detached"] {
        replacement = replaceable(&fleet, name);
        fleet.make_dirty(name);
    }
    fleet.lock_index("locked");
    start_conflicting_cherry_pick(&fleet, "cherry-picking");
    fleet.detach("detached");
    fleet.add_unborn("unborn");
    fleet.add_untracked("unborn");
    let cases = [
        ("locked", LOCKED),
        ("cherry-picking", CHERRY_PICKING),
        ("detached", DETACHED),
        ("unborn", NO_COMMIT),
    ];

    let sync = fleet.json_exit(&["sync"], 0);
    let replace = fleet.json_exit(
        &[
            "file-replace",
            "--pattern",
            "ci.yml",
            "--replacement",
            &replacement,
            "--create",
        ],
        0,
    );

    for (name, reason) in cases {
        assert_skipped(&sync, name, reason, "sync");
        assert_skipped(&replace, name, reason, "file-replace");
    }
    // Only a commit needs a branch: --no-commit changes the files of a detached HEAD.
    let (_, hint) = outcome_and_message(&replace, "detached");
    assert!(hint.contains("--no-commit"), "{hint}");
}

#[test]
fn undo_skips_an_unsafe_repository_in_the_same_words_and_takes_nothing_back() {
    let fleet = Fleet::new();
    let cases = [
        ("locked", LOCKED),
        ("cherry-picking", CHERRY_PICKING),
        ("detached", DETACHED),
        ("unborn", NO_COMMIT),
    ];
    for (name, _) in cases {
        fleet.add_repo(name);
        fleet.make_dirty(name);
    }
    fleet.json_exit(&["sync", "--no-push"], 0);
    let commits: Vec<String> = cases.iter().map(|(name, _)| fleet.head(name)).collect();
    fleet.lock_index("locked");
    start_conflicting_cherry_pick(&fleet, "cherry-picking");
    fleet.detach("detached");
    // HEAD on a branch with no commit yet (as `git checkout --orphan` leaves it).
    fleet.git(
        &fleet.path("unborn"),
        &["symbolic-ref", "HEAD", "refs/heads/fresh"],
    );

    let undo = fleet.json_exit(&["undo"], 0);

    for (name, reason) in cases {
        assert_skipped(&undo, name, reason, "undo");
    }
    let (_, detached) = outcome_and_message(&undo, "detached");
    assert!(detached.contains("the run worked on main"), "{detached}");
    for ((name, _), commit) in cases.iter().zip(&commits) {
        let main = fleet.git(&fleet.path(name), &["rev-parse", "refs/heads/main"]);
        let expected = if *name == "cherry-picking" {
            // The conflicting cherry-pick's set-up committed on top of the run's commit.
            fleet.git(&fleet.path(name), &["rev-parse", "HEAD"])
        } else {
            format!("{commit}\n")
        };
        assert_eq!(main, expected, "{name}: the run's commit is still there");
    }
}

#[test]
fn a_content_run_without_a_commit_on_a_detached_head_is_still_undone() {
    let fleet = Fleet::new();
    let replacement = replaceable(&fleet, "app");
    fleet.detach("app");
    let before = UserState::of(&fleet, "app");
    let run = fleet.json_exit(
        &[
            "file-replace",
            "--pattern",
            "ci.yml",
            "--replacement",
            &replacement,
            "--no-commit",
        ],
        0,
    );
    assert_eq!(outcome_and_message(&run, "app").0, "changed", "{run:#}");

    // A detached HEAD stops undo only when the run worked on a branch.
    let undo = fleet.json_exit(&["undo"], 0);

    assert_eq!(outcome_and_message(&undo, "app").0, "changed", "{undo:#}");
    assert_eq!(UserState::of(&fleet, "app"), before);
}
