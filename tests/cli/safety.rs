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
