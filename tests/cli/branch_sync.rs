//! `sync --branch NAME`: the working tree's changes committed on a new branch NAME made from
//! HEAD and checked out, pushed with its upstream set; the branch it was on stays where it was,
//! here and on the remote.

use crate::branch_edit::{all_refs, assert_fsck_clean, remote_ref};
use crate::fixture::{Fleet, repo};
use crate::license::outcome;
use crate::observe::UserState;

#[test]
fn sync_branch_commits_on_a_new_checked_out_branch_and_pushes_it() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    fleet.add_repo("clean");
    fleet.make_dirty("app");
    fleet.write("app", "new.txt", "new\n");
    let dir = fleet.path("app");
    let main_before = fleet.head("app");

    let run = fleet.json_exit(&["sync", "-m", "feat: x", "--branch", "feature"], 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run}");
    assert_eq!(outcome(&run, "clean"), "unchanged", "{run}");
    let entry = repo(&run, "app");
    assert_eq!(entry["branch"], "feature");
    let message = entry["message"].as_str().expect("a message");
    assert!(
        message.contains("checked out a new branch feature (was main)"),
        "{message}"
    );

    let state = UserState::of(&fleet, "app");
    assert_eq!(state.branch.as_deref(), Some("refs/heads/feature"));
    assert!(!state.is_dirty(), "everything committed");
    let commit = fleet.head("app");
    assert_eq!(entry["commit"], commit.as_str());
    assert_eq!(
        fleet.git(&dir, &["rev-parse", "HEAD^"]).trim(),
        main_before,
        "made from HEAD"
    );
    assert_eq!(
        remote_ref(&fleet, "app", "refs/heads/feature").as_deref(),
        Some(commit.as_str())
    );
    assert_eq!(
        fleet.remote_head("app"),
        main_before,
        "main untouched there"
    );
    assert_eq!(
        fleet.git(&dir, &["rev-parse", "main"]).trim(),
        main_before,
        "and here"
    );
    assert_eq!(
        fleet
            .git(&dir, &["rev-parse", "--abbrev-ref", "feature@{upstream}"])
            .trim(),
        "origin/feature"
    );
    assert_fsck_clean(&fleet, "app");
}

#[test]
fn sync_branch_dry_run_writes_nothing() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    fleet.make_dirty("app");
    let refs = all_refs(&fleet, "app");
    let state = UserState::of(&fleet, "app");
    let run = fleet.json_exit(&["-n", "sync", "--branch", "feature", "--pr"], 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run}");
    let message = repo(&run, "app")["message"].as_str().expect("a message");
    assert!(
        message.contains("would commit") && message.contains("new branch feature"),
        "{message}"
    );
    assert!(message.contains("would open a pull request"), "{message}");
    assert_eq!(all_refs(&fleet, "app"), refs);
    assert_eq!(UserState::of(&fleet, "app"), state);
}

#[test]
fn sync_branch_refuses_a_name_that_exists() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    fleet.git(&fleet.path("app"), &["branch", "feature"]);
    fleet.make_dirty("app");
    let state = UserState::of(&fleet, "app");
    let run = fleet.json_exit(&["sync", "--branch", "feature"], 0);
    assert_eq!(outcome(&run, "app"), "skipped", "{run}");
    let message = repo(&run, "app")["message"].as_str().expect("a message");
    assert!(message.contains("exists here already"), "{message}");
    assert_eq!(UserState::of(&fleet, "app"), state);
}

#[test]
fn a_refused_commit_puts_the_checkout_back_on_the_old_branch() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    fleet.make_dirty("app");
    fleet.write("app", "new.txt", "new\n");
    fleet.hook("app", "pre-commit", "exit 1");
    let state = UserState::of(&fleet, "app");
    let refs = all_refs(&fleet, "app");
    let run = fleet.json_exit(&["sync", "--branch", "feature"], 1);
    assert_eq!(outcome(&run, "app"), "failed", "{run}");
    let message = repo(&run, "app")["message"].as_str().expect("a message");
    assert!(message.contains("back on main"), "{message}");
    assert_eq!(UserState::of(&fleet, "app"), state);
    let (local, remote) = all_refs(&fleet, "app");
    assert!(!local.contains("refs/heads/feature"), "{local}");
    assert_eq!(remote, refs.1);
}
