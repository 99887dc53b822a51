//! `undo` of a run cut short after its commit: the commit may have reached the remote before the
//! run was killed, or its `git push` may have finished after, with the record still saying only
//! "started". Only the remote can say, so undo asks it: a commit the remote holds is reverted
//! there (`--push`), never dropped locally where the next pull would bring it back.

use serde_json::Value;

use crate::fixture::Fleet;
use crate::undo_safety::{message, outcome};

/// Rewrites the record of `run_id` as a kill during `name`'s push leaves it: the repository
/// started, nothing after, the run unfinished.
fn killed_while_pushing(fleet: &Fleet, run_id: &str, name: &str) {
    fleet.cut_short_record(Some(run_id), name, "unchanged", |entry| {
        for field in ["head_after", "commit"] {
            entry.insert(field.into(), Value::Null);
        }
        entry.insert("pushed".into(), Value::Bool(false));
    });
}

/// Puts the remote-tracking ref of `name` back one commit, as a `git push` killed before it
/// could update it leaves it.
fn tracking_ref_behind(fleet: &Fleet, name: &str) {
    let dir = fleet.path(name);
    let upstream = fleet.git(&dir, &["rev-parse", "--symbolic-full-name", "@{u}"]);
    fleet.git(&dir, &["update-ref", upstream.trim(), "HEAD^"]);
}

#[test]
fn a_commit_the_remote_holds_is_reverted_there_not_dropped_here() {
    let fleet = Fleet::new();
    for name in ["pushed", "orphan-push", "never-pushed"] {
        fleet.add_repo(name);
        fleet.make_dirty(name);
    }
    let sync = fleet.json_exit(&["sync"], 0);
    let id = sync["run_id"].as_str().expect("a run id").to_owned();
    // The push of "never-pushed" never ran: neither the remote nor the tracking ref has it.
    let remote = fleet.remote_path("never-pushed");
    fleet.git(&remote, &["update-ref", "refs/heads/main", "main^"]);
    tracking_ref_behind(&fleet, "never-pushed");
    // The push of "orphan-push" landed after the kill: only the remote has it.
    tracking_ref_behind(&fleet, "orphan-push");
    let run_commit = |name: &str| fleet.head(name);
    let commits = ["pushed", "orphan-push", "never-pushed"].map(run_commit);
    for name in ["pushed", "orphan-push", "never-pushed"] {
        killed_while_pushing(&fleet, &id, name);
    }

    let undo = fleet.json_exit(&["undo"], 0);
    for (name, commit) in [("pushed", &commits[0]), ("orphan-push", &commits[1])] {
        assert_eq!(outcome(&undo, name), "skipped", "{name}: {undo:#}");
        assert!(
            message(&undo, name).contains("is on the remote")
                && message(&undo, name).contains("undo --push"),
            "{name}: {undo:#}"
        );
        assert_eq!(
            &fleet.head(name),
            commit,
            "{name} keeps the published commit"
        );
    }
    assert_eq!(outcome(&undo, "never-pushed"), "changed", "{undo:#}");
    assert_ne!(fleet.head("never-pushed"), commits[2]);

    let revert = fleet.json_exit(&["undo", "--push", &id], 0);
    for (name, commit) in [("pushed", &commits[0]), ("orphan-push", &commits[1])] {
        assert_eq!(outcome(&revert, name), "changed", "{name}: {revert:#}");
        let remote = fleet.remote_path(name);
        let parent = fleet
            .git(&remote, &["rev-parse", "main^"])
            .trim()
            .to_owned();
        assert_eq!(
            &parent, commit,
            "{name}: the revert goes on top of the run's commit"
        );
        let diff = fleet.git_output(&remote, &["diff", "--quiet", "main^^", "main"]);
        assert!(
            diff.status.success(),
            "{name}: the revert takes the change back"
        );
    }
}

#[test]
fn a_remote_that_cannot_say_leaves_the_repository_for_later() {
    let fleet = Fleet::new();
    fleet.add_repo("unreachable");
    fleet.make_dirty("unreachable");
    let sync = fleet.json_exit(&["sync"], 0);
    let id = sync["run_id"].as_str().expect("a run id").to_owned();
    let commit = fleet.head("unreachable");
    tracking_ref_behind(&fleet, "unreachable");
    killed_while_pushing(&fleet, &id, "unreachable");
    let dir = fleet.path("unreachable");
    let gone = fleet.base.join("moved-away.git");
    fleet.git(
        &dir,
        &["remote", "set-url", "origin", &gone.to_string_lossy()],
    );

    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undo, "unreachable"), "skipped", "{undo:#}");
    let said = message(&undo, "unreachable");
    assert!(
        said.contains("cannot say whether the commit reached it") && said.contains("undo again"),
        "{said}"
    );
    assert_eq!(
        fleet.head("unreachable"),
        commit,
        "nothing taken back blindly"
    );
}
