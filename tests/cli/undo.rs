//! `undo`, `runs` and `@failed` after real `sync` runs: uncommitted work comes back byte for
//! byte (staged as it was, untracked files untracked, modes and odd names kept), a repository
//! that moved is skipped, a pushed sync is reverted only with `--push` and never by force, a
//! dry run changes nothing, and `-t @failed` finishes what failed.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use crate::fixture::{Fleet, repo};
use crate::observe::{FolderImage, UserState};

fn outcome(document: &Value, name: &str) -> String {
    repo(document, name)["outcome"]
        .as_str()
        .expect("an outcome")
        .to_owned()
}

fn message(document: &Value, name: &str) -> String {
    repo(document, name)["message"]
        .as_str()
        .expect("a message")
        .to_owned()
}

fn chmod(fleet: &Fleet, name: &str, file: &str, mode: u32) {
    let path = fleet.path(name).join(file);
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A repository holding every kind of uncommitted work git knows: staged, unstaged, staged and
/// then changed again, deletions both ways, a mode change, binary files, untracked files with
/// spaces, non-ASCII letters and a newline in their names, an executable and a symbolic link.
pub fn every_kind_of_work(fleet: &Fleet, name: &str) {
    let dir = fleet.path(name);
    fleet.add_repo(name);
    for file in ["tracked.txt", "script.sh", "doomed.txt", "gone-staged.txt"] {
        fleet.write(name, file, &format!("{file}\n"));
    }
    fs::write(dir.join("bin.dat"), [0u8, 1, 2, 0xff, 0xfe, b'\n', 0]).expect("write bin.dat");
    fleet.git(&dir, &["add", "."]);
    fleet.git(&dir, &["commit", "-q", "-m", "files"]);
    fleet.git(&dir, &["push", "-q"]);

    fleet.write(name, "staged new.txt", "staged\n");
    fleet.write(name, "tracked.txt", "staged version\n");
    fleet.write(name, "tool.sh", "#!/bin/sh\necho tool\n");
    chmod(fleet, name, "tool.sh", 0o755);
    fleet.git(&dir, &["add", "staged new.txt", "tracked.txt", "tool.sh"]);
    fleet.git(&dir, &["rm", "-q", "gone-staged.txt"]);
    fleet.write(name, "tracked.txt", "staged version, then edited\n");
    fleet.make_dirty(name);
    chmod(fleet, name, "script.sh", 0o755);
    fs::remove_file(dir.join("doomed.txt")).expect("delete doomed.txt");
    fs::write(dir.join("bin.dat"), [0u8, 0, 0x80, 0xc3, 0x28, 7]).expect("rewrite bin.dat");
    fs::write(dir.join("blob.bin"), (0..=255u8).collect::<Vec<u8>>()).expect("write blob.bin");
    fleet.write(name, "ünïcødé ✓.txt", "unicode\n");
    fleet.write(name, "new\nline.txt", "a newline in the name\n");
    fleet.write(name, "dir with space/inner file.txt", "nested\n");
    fleet.write(name, "run.sh", "#!/bin/sh\n");
    chmod(fleet, name, "run.sh", 0o755);
    std::os::unix::fs::symlink("tracked.txt", dir.join("link")).expect("symlink");
}

#[test]
fn undo_after_sync_restores_uncommitted_work_byte_for_byte() {
    let fleet = Fleet::new();
    every_kind_of_work(&fleet, "work");
    fleet.add_repo("clean");
    let before = UserState::of(&fleet, "work");
    let status = |fleet: &Fleet| {
        fleet.git(
            &fleet.path("work"),
            &["--no-optional-locks", "status", "--porcelain=v2"],
        )
    };
    let status_before = status(&fleet);
    assert!(
        status_before.contains(".M N... 100644 100644 100755"),
        "{status_before}"
    );
    let remote = fleet.remote_head("work");

    let sync = fleet.json_exit(&["sync", "--no-push", "-m", "wip"], 0);
    assert_eq!(outcome(&sync, "work"), "changed");
    assert!(!UserState::of(&fleet, "work").is_dirty(), "all committed");

    // A dry run says what it would do and changes nothing.
    let image = FolderImage::of(&fleet.base);
    let dry = fleet.json_exit(&["undo", "-n"], 0);
    assert_eq!(dry["dry_run"], true);
    assert!(message(&dry, "work").starts_with("would move main back to "));
    assert_eq!(
        image.changes(&FolderImage::of(&fleet.base)),
        Vec::<std::path::PathBuf>::new()
    );

    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undo, "work"), "changed", "{undo:#}");
    assert_eq!(
        undo["summary"]["total"], 1,
        "only the repository the run changed"
    );
    assert_eq!(UserState::of(&fleet, "work"), before);
    assert_eq!(status(&fleet), status_before);
    assert_eq!(fleet.remote_head("work"), remote);
    assert!(
        fleet.batch_refs("work").is_empty(),
        "the run's refs are gone"
    );
}

#[test]
fn runs_lists_each_run_and_what_undid_it() {
    let fleet = Fleet::new();
    fleet.add_repo("a");
    fleet.make_dirty("a");
    let sync = fleet.json_exit(&["sync", "--no-push"], 0);
    let undo = fleet.json_exit(&["undo"], 0);
    let (sync_id, undo_id) = (&sync["run_id"], &undo["run_id"]);
    assert!(sync_id.is_string() && undo_id.is_string() && sync_id != undo_id);

    let runs = fleet.json(&["runs"]);
    assert_eq!(runs["command"], "runs");
    assert_eq!(runs["root"], fleet.root.to_str().expect("UTF-8"));
    let listed = runs["runs"].as_array().expect("a runs array");
    assert_eq!(listed.len(), 2, "{runs:#}");
    assert_eq!(
        (&listed[0]["run_id"], &listed[0]["command"]),
        (sync_id, &Value::from("sync"))
    );
    assert_eq!(listed[0]["undone_by"], *undo_id);
    assert_eq!(listed[0]["changed"], 1);
    assert_eq!(
        (&listed[1]["run_id"], &listed[1]["command"]),
        (undo_id, &Value::from("undo"))
    );
    assert_eq!(listed[1]["undoes"], *sync_id);

    let human = fleet
        .cmd()
        .args(["--color", "never", "runs"])
        .output()
        .expect("run");
    let text = String::from_utf8(human.stdout).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let (sync_id, undo_id) = (sync_id.as_str().expect("id"), undo_id.as_str().expect("id"));
    assert!(
        lines[0].starts_with(sync_id) && lines[0].contains(" sync "),
        "{text}"
    );
    assert!(lines[0].contains(&format!("undone by {undo_id}")), "{text}");
    assert!(
        lines[1].starts_with(undo_id) && lines[1].contains(" undo "),
        "{text}"
    );

    // Nothing left to undo on this root, and no such run.
    let again = fleet.cmd().arg("undo").output().expect("run");
    assert_eq!(again.status.code(), Some(2));
    let unknown = fleet.cmd().args(["undo", "20000101T000000Z-0000"]).output();
    let unknown = unknown.expect("run");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no run `20000101T000000Z-0000`"));
}

#[test]
fn undo_skips_a_repository_that_moved_and_restores_the_others() {
    let fleet = Fleet::new();
    for name in ["still", "moved"] {
        fleet.add_repo(name);
        fleet.make_dirty(name);
        fleet.add_untracked(name);
    }
    let still_before = UserState::of(&fleet, "still");
    fleet.json_exit(&["sync", "--no-push"], 0);
    let synced = fleet.head("moved");
    fleet.commit_file(
        "moved",
        "later.txt",
        "later\n",
        "a commit made after the run",
    );
    let moved = UserState::of(&fleet, "moved");

    let undo = fleet.json_exit(&["undo"], 0);

    assert_eq!(outcome(&undo, "still"), "changed");
    assert_eq!(UserState::of(&fleet, "still"), still_before);
    assert_eq!(outcome(&undo, "moved"), "skipped");
    assert!(message(&undo, "moved").contains("HEAD moved"), "{undo:#}");
    assert_eq!(
        UserState::of(&fleet, "moved"),
        moved,
        "left exactly as it was"
    );
    assert_eq!(
        fleet
            .git(&fleet.path("moved"), &["rev-parse", "HEAD^"])
            .trim(),
        synced
    );
}

#[test]
fn a_pushed_sync_is_undone_only_with_push_by_a_revert_never_by_force() {
    let fleet = Fleet::new();
    fleet.add_repo("pushed");
    let original = fleet.head("pushed");
    fleet.make_dirty("pushed");
    fleet.add_untracked("pushed");
    fleet.json_exit(&["sync"], 0);
    let synced = fleet.remote_head("pushed");
    assert_ne!(synced, original);

    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undo, "pushed"), "skipped");
    assert!(message(&undo, "pushed").contains("--push"), "{undo:#}");
    assert_eq!(fleet.head("pushed"), synced);
    assert_eq!(fleet.remote_head("pushed"), synced);

    let undo = fleet.json_exit(&["undo", "--push"], 0);
    assert_eq!(outcome(&undo, "pushed"), "changed", "{undo:#}");
    let remote = fleet.remote_head("pushed");
    let bare = fleet.remote_path("pushed");
    assert_eq!(fleet.head("pushed"), remote, "the revert was pushed");
    // A new commit on top: the pushed one is still in the remote's history.
    assert_eq!(fleet.git(&bare, &["rev-parse", "main^"]).trim(), synced);
    let tree = |rev: &str| fleet.git(&bare, &["rev-parse", &format!("{rev}^{{tree}}")]);
    assert_eq!(
        tree("main"),
        tree(&original),
        "the revert takes the change back"
    );
    assert!(!UserState::of(&fleet, "pushed").is_dirty());
}

/// `undo --push` pushed its revert, but git refused to move the branch here (a ref lock left by
/// a killed git): once the lock is gone, the next `undo --push` brings that revert in, and does
/// not try a second revert that the remote would refuse.
#[test]
fn a_revert_pushed_but_not_brought_in_is_brought_in_by_the_next_undo() {
    let fleet = Fleet::new();
    fleet.add_repo("locked");
    let original = fleet.head("locked");
    fleet.make_dirty("locked");
    fleet.json_exit(&["sync"], 0);
    let synced = fleet.remote_head("locked");
    let lock = fleet.path("locked").join(".git/refs/heads/main.lock");
    fs::write(&lock, "").expect("leave a ref lock");

    let undo = fleet.json_exit(&["undo", "--push"], 1);
    assert_eq!(outcome(&undo, "locked"), "failed", "{undo:#}");
    let revert = fleet.remote_head("locked");
    assert_ne!(revert, synced, "the revert was pushed");
    assert!(
        message(&undo, "locked").contains("git merge --ff-only"),
        "{undo:#}"
    );
    assert_eq!(fleet.head("locked"), synced, "the branch did not move");

    fs::remove_file(&lock).expect("remove the lock");
    let plain = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&plain, "locked"), "skipped", "{plain:#}");
    assert!(
        message(&plain, "locked").contains("reverted on the remote already"),
        "{plain:#}"
    );
    let dry = fleet.json_exit(&["undo", "--push", "-n"], 0);
    assert!(
        message(&dry, "locked").contains("would bring in"),
        "{dry:#}"
    );
    assert_eq!(fleet.head("locked"), synced, "a dry run changes nothing");
    let undo = fleet.json_exit(&["undo", "--push"], 0);
    assert_eq!(outcome(&undo, "locked"), "changed", "{undo:#}");
    assert!(message(&undo, "locked").contains("brought in"), "{undo:#}");
    assert_eq!(fleet.head("locked"), revert);
    assert_eq!(fleet.remote_head("locked"), revert, "no second revert");
    let tree = |rev: &str| {
        fleet.git(
            &fleet.path("locked"),
            &["rev-parse", &format!("{rev}^{{tree}}")],
        )
    };
    assert_eq!(tree("HEAD"), tree(&original), "the change is taken back");
    assert!(!UserState::of(&fleet, "locked").is_dirty(), "files updated");
}

#[test]
fn undo_after_a_pull_takes_the_upstream_changes_back_out() {
    let fleet = Fleet::new();
    for name in ["rebased", "fast-forwarded"] {
        fleet.add_repo(name);
        fleet.advance_remote(name, "theirs.txt", "theirs\n");
    }
    fleet.make_dirty("rebased");
    fleet.add_untracked("rebased");
    let before = [
        UserState::of(&fleet, "rebased"),
        UserState::of(&fleet, "fast-forwarded"),
    ];
    let sync = fleet.json_exit(&["sync", "--pull", "--no-push"], 0);
    assert_eq!(outcome(&sync, "rebased"), "changed");
    assert_eq!(outcome(&sync, "fast-forwarded"), "changed");

    fleet.json_exit(&["undo"], 0);
    assert_eq!(UserState::of(&fleet, "rebased"), before[0]);
    assert_eq!(UserState::of(&fleet, "fast-forwarded"), before[1]);
}

#[test]
fn undo_honours_the_target_spec() {
    let fleet = Fleet::new();
    for name in ["a", "b"] {
        fleet.add_repo(name);
        fleet.make_dirty(name);
    }
    let a_before = UserState::of(&fleet, "a");
    fleet.json_exit(&["sync", "--no-push"], 0);
    let b_synced = UserState::of(&fleet, "b");

    let undo = fleet.json_exit(&["-t", "a", "undo"], 0);
    assert_eq!(undo["summary"]["total"], 1, "{undo:#}");
    assert_eq!(UserState::of(&fleet, "a"), a_before);
    assert_eq!(UserState::of(&fleet, "b"), b_synced, "b was not asked for");
}

#[test]
fn failed_names_the_repositories_that_failed_and_a_pull_finishes_them() {
    let fleet = Fleet::new();
    for name in ["ok-1", "ok-2", "behind-1", "behind-2"] {
        fleet.add_repo(name);
        fleet.make_dirty(name);
    }
    for name in ["behind-1", "behind-2"] {
        fleet.advance_remote(name, "theirs.txt", "theirs\n");
    }
    let worktree = UserState::of(&fleet, "behind-1").files;
    fleet.json_exit(&["sync"], 1);
    assert_eq!(UserState::of(&fleet, "behind-1").files, worktree);
    assert_eq!(fleet.list(&["-t", "@failed"]), ["behind-1", "behind-2"]);

    let finish = fleet.json_exit(&["sync", "--pull", "-t", "@failed"], 0);
    assert_eq!(finish["summary"]["total"], 2, "{finish:#}");
    for name in ["behind-1", "behind-2"] {
        assert_eq!(outcome(&finish, name), "changed");
        assert_eq!(fleet.remote_head(name), fleet.head(name));
        let readme = fleet.git(&fleet.remote_path(name), &["show", "main:README.md"]);
        assert!(readme.contains("an unstaged change"), "{readme}");
    }
    let none = fleet
        .cmd()
        .args(["-t", "@failed", "list"])
        .output()
        .expect("run");
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no failures"));
}

#[test]
fn runs_aligns_its_columns_whatever_the_command_names() {
    let fleet = Fleet::new();
    fleet.add_repo("a");
    fleet.make_dirty("a");
    fleet.json_exit(&["sync", "--no-push"], 0);
    let template = fleet.root.join("ci.yml");
    std::fs::write(&template, "on: push\n").expect("write the template");
    let template = template.to_str().expect("UTF-8");
    fleet.json_exit(
        &[
            "file-replace",
            "--pattern",
            "ci.yml",
            "--replacement",
            template,
            "--create",
        ],
        0,
    );

    let human = fleet
        .cmd()
        .args(["--color", "never", "runs"])
        .output()
        .expect("run");
    let text = String::from_utf8(human.stdout).expect("UTF-8");
    let columns: Vec<usize> = text
        .lines()
        .map(|line| line.find(" changed,").expect("a changed count"))
        .collect();
    assert_eq!(columns.len(), 2, "{text}");
    assert_eq!(
        columns[0], columns[1],
        "the counts start in one column:\n{text}"
    );
}

#[test]
fn a_repository_and_its_worktree_in_one_run_each_keep_their_own_backup() {
    let fleet = Fleet::new();
    fleet.add_repo("main");
    fleet.add_worktree("main", "feature");
    // Two different HEADs: the worktree moves on first.
    fleet.commit_file("feature", "feature.txt", "feature\n", "work on the feature");
    fleet.make_dirty("main");
    fleet.add_untracked("main");
    fleet.make_dirty("feature");
    fleet.stage("feature");
    let before = (
        UserState::of(&fleet, "main"),
        UserState::of(&fleet, "feature"),
    );

    let run = fleet.json_exit(&["sync", "--no-push"], 0);
    assert_eq!(outcome(&run, "main"), "changed", "{run:#}");
    assert_eq!(outcome(&run, "feature"), "changed", "{run:#}");
    let refs = fleet.git(
        &fleet.path("main"),
        &["for-each-ref", "--format=%(refname)"],
    );
    assert_eq!(refs.matches("refs/git-batch/backup/").count(), 2, "{refs}");

    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undo, "main"), "changed", "{undo:#}");
    assert_eq!(outcome(&undo, "feature"), "changed", "{undo:#}");
    assert_eq!(
        (
            UserState::of(&fleet, "main"),
            UserState::of(&fleet, "feature")
        ),
        before
    );
    let refs = fleet.git(&fleet.path("main"), &["for-each-ref", "refs/git-batch/"]);
    assert!(refs.trim().is_empty(), "the run's refs are gone: {refs}");
}
