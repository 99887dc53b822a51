//! `undo` never takes more than the run did: the user's other staged work survives the undo of
//! a content operation and a revert on the remote, intent-to-add files come back as such, a
//! damaged record stops undo instead of being passed over, every path the tool recommends after
//! a rejected push stays undoable, nothing is removed through a symbolic link, and the
//! bookkeeping (undone in steps, already undone, no-op undos, empty runs) is right. Runs that
//! did not finish are in `undo_cut_short`, which shares the helpers here.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use serde_json::Value;

use crate::fixture::{Fleet, repo};
use crate::observe::UserState;

pub fn outcome(document: &Value, name: &str) -> String {
    repo(document, name)["outcome"]
        .as_str()
        .expect("an outcome")
        .to_owned()
}

pub fn message(document: &Value, name: &str) -> String {
    repo(document, name)["message"]
        .as_str()
        .expect("a message")
        .to_owned()
}

/// A repository with committed `ci.yml`, `a.txt`, `b.txt`, and in it every kind of work the
/// undo of a content operation must leave alone: `a.txt` staged at v2 with v3 in the working
/// tree, a staged new file, a staged deletion, an intent-to-add file, an untracked file.
pub fn repo_with_unrelated_work(fleet: &Fleet, name: &str) {
    let dir = fleet.add_repo(name);
    fleet.write(name, "ci.yml", "old\n");
    fleet.write(name, "a.txt", "a v1\n");
    fleet.write(name, "b.txt", "b\n");
    fleet.git(&dir, &["add", "."]);
    fleet.git(&dir, &["commit", "-q", "-m", "files"]);
    fleet.git(&dir, &["push", "-q"]);
    fleet.write(name, "a.txt", "a v2\n");
    fleet.write(name, "new.txt", "staged new\n");
    fleet.git(&dir, &["add", "a.txt", "new.txt"]);
    fleet.git(&dir, &["rm", "-q", "b.txt"]);
    fleet.write(name, "a.txt", "a v3\n");
    fleet.write(name, "later.txt", "intent to add\n");
    fleet.git(&dir, &["add", "-N", "later.txt"]);
    fleet.add_untracked(name);
}

pub fn replacement(fleet: &Fleet) -> PathBuf {
    let path = fleet.base.join("replacement.yml");
    fs::write(&path, "name: ci\n").expect("write the replacement");
    path
}

#[test]
fn undo_of_a_committed_content_run_touches_only_the_runs_paths() {
    let fleet = Fleet::new();
    repo_with_unrelated_work(&fleet, "app");
    let dir = fleet.path("app");
    let before = UserState::of(&fleet, "app");
    let status = fleet.git(&dir, &["status", "--porcelain"]);
    assert_eq!(
        status, "MM a.txt\nD  b.txt\n A later.txt\nA  new.txt\n?? untracked.txt\n",
        "the work undo must keep"
    );
    let new = replacement(&fleet);
    let new = new.to_str().expect("UTF-8");
    let run = fleet.json_exit(
        &["file-replace", "--pattern", "ci.yml", "--replacement", new],
        0,
    );
    assert_eq!(outcome(&run, "app"), "changed", "{run:#}");
    assert_ne!(fleet.head("app"), before.head.clone().expect("a HEAD"));
    let refs = fleet.batch_refs("app");

    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undo, "app"), "changed", "{undo:#}");
    assert_eq!(
        UserState::of(&fleet, "app"),
        before,
        "HEAD, every index entry (a.txt staged at v2, new.txt staged, b.txt deleted, later.txt \
         intent-to-add) and every byte as before"
    );
    assert!(
        fleet.batch_refs("app").is_empty(),
        "the run's refs are gone"
    );
    // The run kept the staging area as it found it, as sync does.
    assert!(
        refs.iter().any(|r| r.starts_with("refs/git-batch/index/")),
        "{refs:?}"
    );
}

#[test]
fn a_damaged_record_stops_undo_and_says_what_can_still_be_done() {
    let fleet = Fleet::new();
    for name in ["first", "second"] {
        fleet.add_repo(name);
        fleet.make_dirty(name);
    }
    let first = fleet.json_exit(&["-t", "first", "sync", "--no-push"], 0);
    let second = fleet.json_exit(&["-t", "second", "sync", "--no-push"], 0);
    let second_id = second["run_id"].as_str().expect("a run id").to_owned();
    assert_ne!(first["run_id"], second["run_id"]);
    let file = fleet
        .journal_files()
        .into_iter()
        .find(|path| path.ends_with(format!("{second_id}.json")))
        .expect("the second run's record");
    let text = fs::read(&file).expect("read the record");
    fs::write(&file, &text[..text.len() / 2]).expect("truncate the record");
    let heads = (fleet.head("first"), fleet.head("second"));

    let stderr = |args: &[&str]| {
        let output = fleet.cmd().args(args).output().expect("run");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let bare = stderr(&["undo"]);
    for needle in [
        "damaged",
        file.to_str().expect("UTF-8"),
        &format!("refs/git-batch/backup/{second_id}"),
        &format!("refs/git-batch/index/{second_id}"),
    ] {
        assert!(bare.contains(needle), "{needle} in: {bare}");
    }
    assert_eq!(
        (fleet.head("first"), fleet.head("second")),
        heads,
        "the run before the damaged one is not taken back in its place"
    );
    let named = stderr(&["undo", &second_id]);
    assert!(named.contains("damaged"), "{named}");
    assert!(!named.contains("no run"), "{named}");
    let failed = stderr(&["-t", "@failed", "list"]);
    assert!(failed.contains("damaged"), "{failed}");
    let runs = fleet.cmd().arg("runs").output().expect("run");
    let warned = String::from_utf8_lossy(&runs.stderr);
    assert!(
        warned.contains(&second_id) && warned.contains("damaged"),
        "{warned}"
    );
}

#[test]
fn a_run_undone_in_two_steps_is_undone_and_is_not_undone_again() {
    let fleet = Fleet::new();
    for name in ["a", "b"] {
        fleet.add_repo(name);
        fleet.make_dirty(name);
    }
    let sync = fleet.json_exit(&["sync"], 0);
    let sync_id = sync["run_id"].as_str().expect("a run id").to_owned();
    // b's remote refuses the revert once.
    let hook = fleet.remote_path("b").join("hooks/pre-receive");
    fs::write(&hook, "#!/bin/sh\necho refused >&2\nexit 1\n").expect("write the hook");
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).expect("chmod");
    let partial = fleet.json_exit(&["undo", "--push"], 1);
    assert_eq!(outcome(&partial, "a"), "changed", "{partial:#}");
    assert_eq!(outcome(&partial, "b"), "failed", "{partial:#}");
    fs::remove_file(&hook).expect("remove the hook");

    let rest = fleet.json_exit(&["-t", "@failed", "undo", "--push"], 0);
    assert_eq!(rest["summary"]["total"], 1, "{rest:#}");
    assert_eq!(outcome(&rest, "b"), "changed", "{rest:#}");
    let runs = fleet.json(&["runs"]);
    let listed = runs["runs"].as_array().expect("runs");
    let record = listed
        .iter()
        .find(|run| run["run_id"] == sync_id.as_str())
        .expect("the sync run");
    assert_eq!(record["undone_by"], rest["run_id"], "{runs:#}");

    // Nothing is left to undo, and the run itself is refused by name.
    let files = fleet.journal_files().len();
    let bare = fleet.cmd().arg("undo").output().expect("run");
    assert_eq!(bare.status.code(), Some(2), "{bare:?}");
    assert!(
        String::from_utf8_lossy(&bare.stderr).contains("nothing to undo"),
        "{bare:?}"
    );
    let again = fleet.cmd().args(["undo", &sync_id]).output().expect("run");
    assert_eq!(again.status.code(), Some(2));
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(
        said.contains(&format!(
            "already undone by run {}",
            rest["run_id"].as_str().expect("id")
        )),
        "{said}"
    );
    assert_eq!(
        fleet.journal_files().len(),
        files,
        "no record for a refused undo"
    );
}

#[test]
fn an_undo_that_changes_nothing_leaves_no_record() {
    let fleet = Fleet::new();
    fleet.add_repo("moved");
    fleet.make_dirty("moved");
    fleet.json_exit(&["sync", "--no-push"], 0);
    fleet.commit_file("moved", "later.txt", "later\n", "a commit after the run");
    let files = fleet.journal_files().len();
    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undo, "moved"), "skipped", "{undo:#}");
    assert_eq!(
        fleet.journal_files().len(),
        files,
        "a skipped undo adds no run to the journal"
    );
}

#[test]
fn bare_undo_passes_over_a_run_that_changed_nothing_and_says_which_it_undid() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    fleet.make_dirty("app");
    let before = UserState::of(&fleet, "app");
    let sync = fleet.json_exit(&["sync", "--no-push"], 0);
    let sync_id = sync["run_id"].as_str().expect("a run id");
    // A content run that finds nothing to change still leaves a record (a pattern that matches
    // no file anywhere exits 1, as `git add` does).
    let new = replacement(&fleet);
    let nothing = fleet.json_exit(
        &[
            "file-replace",
            "--pattern",
            "no-such-file.yml",
            "--replacement",
            new.to_str().expect("UTF-8"),
        ],
        1,
    );
    assert_eq!(outcome(&nothing, "app"), "unchanged", "{nothing:#}");

    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undo, "app"), "changed", "{undo:#}");
    assert_eq!(UserState::of(&fleet, "app"), before);
    let human = fleet
        .cmd()
        .args(["--color", "never", "undo", "-n", sync_id])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&human.stderr).into_owned()
        + &String::from_utf8_lossy(&human.stdout);
    assert!(text.contains(sync_id), "{text}");
}

#[test]
fn intent_to_add_files_come_back_intent_to_add_after_a_sync_is_undone() {
    let fleet = Fleet::new();
    let dir = fleet.add_repo("app");
    fleet.make_dirty("app");
    fleet.write("app", "later.txt", "intent to add\n");
    fleet.git(&dir, &["add", "-N", "later.txt"]);
    let before = UserState::of(&fleet, "app");
    fleet.json_exit(&["sync", "--no-push"], 0);
    assert!(!UserState::of(&fleet, "app").is_dirty());
    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undo, "app"), "changed", "{undo:#}");
    assert_eq!(UserState::of(&fleet, "app"), before);
}

#[test]
fn undo_push_reverts_only_the_runs_paths_beside_unrelated_staged_work() {
    let fleet = Fleet::new();
    let dir = fleet.add_repo("app");
    fleet.commit_file("app", "other.txt", "other v1\n", "other");
    fleet.git(&dir, &["push", "-q"]);
    let original = fleet.head("app");
    fleet.make_dirty("app");
    fleet.json_exit(&["sync"], 0);
    let synced = fleet.remote_head("app");
    // Work the user stages after the run, on other paths.
    fleet.write("app", "other.txt", "other v2\n");
    fleet.write("app", "fresh.txt", "fresh\n");
    fleet.git(&dir, &["add", "other.txt", "fresh.txt"]);
    fleet.write("app", "other.txt", "other v3\n");
    let staged = |fleet: &Fleet| {
        fleet.git(
            &fleet.path("app"),
            &["ls-files", "--stage", "other.txt", "fresh.txt"],
        )
    };
    let staged_before = staged(&fleet);

    let dry = fleet.json_exit(&["undo", "-n", "--push"], 0);
    assert_eq!(outcome(&dry, "app"), "changed", "{dry:#}");
    assert!(message(&dry, "app").starts_with("would revert"), "{dry:#}");
    let undo = fleet.json_exit(&["undo", "--push"], 0);
    assert_eq!(outcome(&undo, "app"), "changed", "{undo:#}");

    let bare = fleet.remote_path("app");
    let tree = |rev: &str| fleet.git(&bare, &["rev-parse", &format!("{rev}^{{tree}}")]);
    assert_eq!(
        tree("main"),
        tree(&original),
        "the revert takes the change back"
    );
    assert_eq!(fleet.git(&bare, &["rev-parse", "main^"]).trim(), synced);
    assert_eq!(fleet.head("app"), fleet.remote_head("app"));
    assert_eq!(
        staged(&fleet),
        staged_before,
        "the staged work is as it was"
    );
    let status = fleet.git(&dir, &["status", "--porcelain"]);
    assert_eq!(status, "A  fresh.txt\nMM other.txt\n");
    assert_eq!(
        fs::read_to_string(dir.join("README.md")).expect("README"),
        "# app\n",
        "the reverted file is back in the working tree"
    );
}

#[test]
fn undo_push_skips_up_front_when_a_reverted_path_holds_uncommitted_work() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    fleet.make_dirty("app");
    fleet.json_exit(&["sync"], 0);
    let synced = fleet.remote_head("app");
    fleet.make_dirty("app");
    let state = UserState::of(&fleet, "app");
    let dry = fleet.json_exit(&["undo", "-n", "--push"], 0);
    let undo = fleet.json_exit(&["undo", "--push"], 0);
    for document in [&dry, &undo] {
        assert_eq!(outcome(document, "app"), "skipped", "{document:#}");
        assert!(
            message(document, "app").contains("README.md"),
            "{document:#}"
        );
    }
    assert_eq!(
        message(&dry, "app"),
        message(&undo, "app"),
        "the dry run predicts"
    );
    assert_eq!(UserState::of(&fleet, "app"), state);
    assert_eq!(fleet.remote_head("app"), synced);
}

#[test]
fn a_rejected_push_then_the_recommended_pull_stays_undoable() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    fleet.make_dirty("app");
    let theirs = fleet.advance_remote("app", "theirs.txt", "theirs\n");
    let first = fleet.json_exit(&["sync"], 1);
    assert!(message(&first, "app").contains("--pull"), "{first:#}");
    let second = fleet.json_exit(&["sync", "--pull", "-t", "@failed"], 0);
    assert_eq!(outcome(&second, "app"), "changed", "{second:#}");

    let refused = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&refused, "app"), "skipped", "{refused:#}");
    assert!(
        message(&refused, "app").contains("undo --push"),
        "{refused:#}"
    );
    let undo = fleet.json_exit(&["undo", "--push"], 0);
    assert_eq!(outcome(&undo, "app"), "changed", "{undo:#}");
    let bare = fleet.remote_path("app");
    let tree = |rev: &str| fleet.git(&bare, &["rev-parse", &format!("{rev}^{{tree}}")]);
    assert_eq!(
        tree("main"),
        tree(&theirs),
        "only the run's own change is taken back"
    );
    assert_eq!(fleet.head("app"), fleet.remote_head("app"));

    // Both runs are settled: nothing is left for a bare undo.
    let runs = fleet.json(&["runs"]);
    for run in runs["runs"].as_array().expect("runs").iter().take(2) {
        assert!(run["undone_by"].is_string(), "{runs:#}");
    }
    let again = fleet.cmd().arg("undo").output().expect("run");
    assert_eq!(again.status.code(), Some(2), "{again:?}");
}

#[test]
fn the_first_run_of_a_rejected_push_and_pull_is_undoable_by_its_own_id() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    fleet.make_dirty("app");
    let theirs = fleet.advance_remote("app", "theirs.txt", "theirs\n");
    let first = fleet.json_exit(&["sync"], 1);
    let first_id = first["run_id"].as_str().expect("a run id");
    fleet.json_exit(&["sync", "--pull", "-t", "@failed"], 0);

    let refused = fleet.json_exit(&["undo", first_id], 0);
    assert_eq!(outcome(&refused, "app"), "skipped", "{refused:#}");
    assert!(
        message(&refused, "app").contains(&format!("undo --push {first_id}")),
        "{refused:#}"
    );
    let undo = fleet.json_exit(&["undo", "--push", first_id], 0);
    assert_eq!(outcome(&undo, "app"), "changed", "{undo:#}");
    let bare = fleet.remote_path("app");
    let tree = |rev: &str| fleet.git(&bare, &["rev-parse", &format!("{rev}^{{tree}}")]);
    assert_eq!(tree("main"), tree(&theirs));
    // The pull run only carried that commit: it is settled too.
    let again = fleet.cmd().arg("undo").output().expect("run");
    assert_eq!(again.status.code(), Some(2), "{again:?}");
}

#[test]
fn undo_of_a_created_file_removes_it_and_its_new_folders_and_keeps_the_rest() {
    let fleet = Fleet::new();
    repo_with_unrelated_work(&fleet, "app");
    let dir = fleet.path("app");
    let before = UserState::of(&fleet, "app");
    let new = replacement(&fleet);
    let run = fleet.json_exit(
        &[
            "file-replace",
            "--pattern",
            ".github/workflows/ci.yml",
            "--replacement",
            new.to_str().expect("UTF-8"),
            "--create",
        ],
        0,
    );
    assert_eq!(outcome(&run, "app"), "changed", "{run:#}");
    assert!(dir.join(".github/workflows/ci.yml").exists());
    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undo, "app"), "changed", "{undo:#}");
    assert_eq!(UserState::of(&fleet, "app"), before);
    assert!(
        !dir.join(".github").exists(),
        "the folders it made are gone"
    );
}

#[test]
fn undo_never_removes_a_file_through_a_symbolic_link() {
    let fleet = Fleet::new();
    let dir = fleet.add_repo("app");
    let new = replacement(&fleet);
    fleet.json_exit(
        &[
            "file-replace",
            "--pattern",
            ".github/workflows/ci.yml",
            "--replacement",
            new.to_str().expect("UTF-8"),
            "--create",
        ],
        0,
    );
    // The folder is swapped for a link to one outside holding the same bytes.
    let outside = fleet.base.join("outside");
    fs::rename(dir.join(".github"), &outside).expect("move the folder out");
    std::os::unix::fs::symlink(&outside, dir.join(".github")).expect("symlink");
    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undo, "app"), "skipped", "{undo:#}");
    assert!(message(&undo, "app").contains("symbolic link"), "{undo:#}");
    assert!(
        outside.join("workflows/ci.yml").exists(),
        "nothing removed outside"
    );
}
