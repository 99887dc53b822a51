//! `undo` of a `--branch` run: the branch it made goes, on the remote and here; a branch it moved
//! goes back to where it was, only while the remote still has the run's commit; `sync --branch`
//! puts the checkout back with the changes uncommitted. The base branch is never touched.

use std::fs;

use crate::branch_edit::{SOURCE_MIT, assert_fsck_clean, mit_repo, relicense, remote_ref};
use crate::fixture::{Fleet, repo};
use crate::license::outcome;
use crate::observe::UserState;

fn local_ref(fleet: &Fleet, name: &str, reference: &str) -> Option<String> {
    let out = fleet.git_output(
        &fleet.path(name),
        &["rev-parse", "-q", "--verify", reference],
    );
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[test]
fn undo_deletes_the_branch_it_made_there_and_here_and_leaves_the_base() {
    let fleet = Fleet::new();
    mit_repo(&fleet, "app");
    fleet.write("app", "src/main.rs", "// work in progress\n");
    let state = UserState::of(&fleet, "app");
    let main = fleet.remote_head("app");
    let run = relicense(&fleet, &["--branch", "relicense"], 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run}");
    assert!(remote_ref(&fleet, "app", "refs/heads/relicense").is_some());

    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "changed", "{undone}");
    let message = repo(&undone, "app")["message"].as_str().expect("a message");
    assert!(message.contains("deleted relicense on origin"), "{message}");
    assert_eq!(remote_ref(&fleet, "app", "refs/heads/relicense"), None);
    assert_eq!(local_ref(&fleet, "app", "refs/heads/relicense"), None);
    assert_eq!(fleet.remote_head("app"), main);
    assert_eq!(
        local_ref(&fleet, "app", "refs/heads/main").as_deref(),
        Some(main.as_str())
    );
    assert_eq!(UserState::of(&fleet, "app"), state);
    assert_fsck_clean(&fleet, "app");
}

/// Someone else's commit on the branch, pushed from a second clone; returns it.
fn push_to_branch(fleet: &Fleet, name: &str, branch: &str, file: &str) -> String {
    let other = fleet.scratch.join(format!("{name}-{file}"));
    fleet.git(
        &fleet.base,
        &[
            "clone",
            "-q",
            "-b",
            branch,
            fleet.remote_path(name).to_str().expect("UTF-8"),
            other.to_str().expect("UTF-8"),
        ],
    );
    fs::write(other.join(file), SOURCE_MIT).expect("write");
    fleet.git(&other, &["add", file]);
    fleet.git(&other, &["commit", "-q", "-m", "more"]);
    fleet.git(&other, &["push", "-q", "origin", branch]);
    remote_ref(fleet, name, &format!("refs/heads/{branch}")).expect("pushed")
}

#[test]
fn undo_of_a_rerun_puts_both_tips_back_and_never_over_a_newer_push() {
    let fleet = Fleet::new();
    mit_repo(&fleet, "app");
    relicense(&fleet, &["--branch", "relicense"], 0);
    let mine = local_ref(&fleet, "app", "refs/heads/relicense").expect("made");
    let theirs = push_to_branch(&fleet, "app", "relicense", "extra.rs");
    let run = relicense(&fleet, &["--branch", "relicense"], 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run}");

    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "changed", "{undone}");
    assert_eq!(
        remote_ref(&fleet, "app", "refs/heads/relicense").as_deref(),
        Some(theirs.as_str()),
        "the remote branch is back at the tip the run built on"
    );
    assert_eq!(
        local_ref(&fleet, "app", "refs/heads/relicense").as_deref(),
        Some(mine.as_str()),
        "the local branch is back where the run found it"
    );

    // The first run's branch, pushed to since: left alone, there and here.
    let newer = push_to_branch(&fleet, "app", "relicense", "later.rs");
    let undone = fleet.json_exit(&["undo"], 0);
    let message = repo(&undone, "app")["message"].as_str().expect("a message");
    assert_eq!(outcome(&undone, "app"), "skipped", "{undone}");
    assert!(message.contains("no longer the run's commit"), "{message}");
    assert_eq!(
        remote_ref(&fleet, "app", "refs/heads/relicense").as_deref(),
        Some(newer.as_str())
    );
    assert_eq!(
        local_ref(&fleet, "app", "refs/heads/relicense").as_deref(),
        Some(mine.as_str())
    );
}

#[test]
fn undo_of_sync_branch_puts_the_checkout_back_with_the_changes_uncommitted() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    fleet.make_dirty("app");
    fleet.write("app", "staged.txt", "staged\n");
    fleet.git(&fleet.path("app"), &["add", "staged.txt"]);
    fleet.write("app", "new.txt", "untracked\n");
    let state = UserState::of(&fleet, "app");
    let main = fleet.remote_head("app");
    let run = fleet.json_exit(&["sync", "--branch", "feature"], 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run}");

    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "changed", "{undone}");
    assert_eq!(UserState::of(&fleet, "app"), state, "as before the run");
    assert_eq!(remote_ref(&fleet, "app", "refs/heads/feature"), None);
    assert_eq!(local_ref(&fleet, "app", "refs/heads/feature"), None);
    assert_eq!(fleet.remote_head("app"), main);
    let config = fleet.git_output(&fleet.path("app"), &["config", "branch.feature.remote"]);
    assert!(
        !config.status.success(),
        "the upstream setting went with the branch"
    );
    assert_fsck_clean(&fleet, "app");
}

/// Rewrites `name`'s entry in the last run's record as a run cut short after its push leaves
/// it: started, its branch's commit not recorded yet.
fn cut_short(fleet: &Fleet, name: &str) {
    fleet.cut_short_record(None, name, "failed", |entry| {
        entry.insert("commit".into(), serde_json::Value::Null);
        entry["change_branch"]["commit"] = serde_json::Value::Null;
        entry["change_branch"]["pushed"] = false.into();
    });
}

#[test]
fn a_branch_run_cut_short_is_undone_from_the_branch_reflog() {
    let fleet = Fleet::new();
    mit_repo(&fleet, "app");
    let run = relicense(&fleet, &["--branch", "relicense"], 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run}");
    cut_short(&fleet, "app");

    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "changed", "{undone}");
    assert_eq!(remote_ref(&fleet, "app", "refs/heads/relicense"), None);
    assert_eq!(local_ref(&fleet, "app", "refs/heads/relicense"), None);
}

#[test]
fn a_refused_push_keeps_the_branch_local_and_undo_takes_it_back() {
    use std::os::unix::fs::PermissionsExt;
    let fleet = Fleet::new();
    mit_repo(&fleet, "app");
    let hook = fleet.remote_path("app").join("hooks/pre-receive");
    fs::write(
        &hook,
        "#!/bin/sh\necho 'branches are reviewed here' >&2\nexit 1\n",
    )
    .expect("hook");
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).expect("chmod");
    let run = relicense(&fleet, &["--branch", "relicense"], 1);
    assert_eq!(outcome(&run, "app"), "failed", "{run}");
    let message = repo(&run, "app")["message"].as_str().expect("a message");
    assert!(message.contains("the push failed"), "{message}");
    assert!(message.contains("the branch stays local"), "{message}");
    let made = local_ref(&fleet, "app", "refs/heads/relicense").expect("made here");
    assert_eq!(remote_ref(&fleet, "app", "refs/heads/relicense"), None);

    let would = fleet.json_exit(&["-n", "undo"], 0);
    let said = repo(&would, "app")["message"].as_str().expect("a message");
    assert_eq!(said, "would delete the local branch relicense", "{would}");
    assert_eq!(
        local_ref(&fleet, "app", "refs/heads/relicense").as_deref(),
        Some(made.as_str())
    );

    fs::remove_file(&hook).expect("remove the hook");
    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "changed", "{undone}");
    assert_eq!(local_ref(&fleet, "app", "refs/heads/relicense"), None);
    assert_eq!(remote_ref(&fleet, "app", "refs/heads/relicense"), None);
}
