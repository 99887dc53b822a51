//! `undo` and runs that did not finish: a run cut short, before or after its commit, is restored
//! from its refs and puts back what it wrote, and a repository another run still holds is left
//! alone until that run lets go.

use serde_json::Value;

use crate::fixture::Fleet;
use crate::observe::UserState;
use crate::undo_safety::{message, outcome, replacement, repo_with_unrelated_work};

/// Rewrites `name`'s entry in the record of `run_id` as a run cut short leaves it: started,
/// with no outcome after.
fn cut_short(fleet: &Fleet, run_id: &str, name: &str) {
    fleet.cut_short_record(Some(run_id), name, "unchanged", |entry| {
        for field in ["head_after", "commit", "index_tree"] {
            entry.insert(field.into(), Value::Null);
        }
        entry.remove("files");
    });
}

#[test]
fn a_run_cut_short_is_restored_from_its_refs() {
    let fleet = Fleet::new();
    for name in ["committed", "staged-only"] {
        crate::undo::every_kind_of_work(&fleet, name);
    }
    let before = [
        UserState::of(&fleet, "committed"),
        UserState::of(&fleet, "staged-only"),
    ];
    let sync = fleet.json_exit(&["sync", "--no-push"], 0);
    let id = sync["run_id"].as_str().expect("a run id");
    // Killed before the commit of one: HEAD as it was, the index as `git add -A` left it.
    let dir = fleet.path("staged-only");
    fleet.git(&dir, &["reset", "-q", "--soft", "HEAD^"]);
    cut_short(&fleet, id, "committed");
    cut_short(&fleet, id, "staged-only");

    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undo, "committed"), "changed", "{undo:#}");
    assert_eq!(outcome(&undo, "staged-only"), "changed", "{undo:#}");
    assert_eq!(UserState::of(&fleet, "committed"), before[0]);
    assert_eq!(UserState::of(&fleet, "staged-only"), before[1]);
}

#[test]
fn a_content_run_cut_short_after_its_commit_is_restored_from_its_refs() {
    let fleet = Fleet::new();
    repo_with_unrelated_work(&fleet, "app");
    let before = UserState::of(&fleet, "app");
    let new = replacement(&fleet);
    let run = fleet.json_exit(
        &[
            "file-replace",
            "--pattern",
            "ci.yml",
            "--replacement",
            new.to_str().expect("UTF-8"),
        ],
        0,
    );
    let id = run["run_id"].as_str().expect("a run id");
    cut_short(&fleet, id, "app");
    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undo, "app"), "changed", "{undo:#}");
    assert_eq!(UserState::of(&fleet, "app"), before);
}

/// Killed between its commit and writing the index back (the branch moved, the index still as
/// before the run, which is also what `git commit` leaves when stopped at that point): the run's
/// files staged as they were before it are not the user's staging, and undo takes the run back.
#[test]
fn a_content_run_cut_short_before_its_index_was_written_is_restored() {
    let fleet = Fleet::new();
    repo_with_unrelated_work(&fleet, "app");
    let before = UserState::of(&fleet, "app");
    let new = replacement(&fleet);
    let new = new.to_str().expect("UTF-8");
    let run = fleet.json_exit(
        &["file-replace", "--pattern", "ci.yml", "--replacement", new],
        0,
    );
    let id = run["run_id"].as_str().expect("a run id");
    fleet.git(
        &fleet.path("app"),
        &["reset", "-q", "HEAD^", "--", "ci.yml"],
    );
    cut_short_keeping_files(&fleet, id, "app");
    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undo, "app"), "changed", "{undo:#}");
    assert_eq!(UserState::of(&fleet, "app"), before);
}

#[test]
fn a_content_run_cut_short_before_its_commit_puts_back_what_it_wrote() {
    let fleet = Fleet::new();
    for name in ["no-commit", "before-commit"] {
        repo_with_unrelated_work(&fleet, name);
        fleet.write(name, "second.yml", "second\n");
        fleet.git(&fleet.path(name), &["add", "second.yml"]);
        fleet.git(
            &fleet.path(name),
            &["commit", "-q", "-m", "second", "second.yml"],
        );
    }
    let before = [
        UserState::of(&fleet, "no-commit"),
        UserState::of(&fleet, "before-commit"),
    ];
    let new = replacement(&fleet);
    let new = new.to_str().expect("UTF-8");
    let base = ["file-replace", "--pattern", "*.yml", "--replacement", new];
    let mut args = vec!["-t", "no-commit"];
    args.extend(base);
    args.push("--no-commit");
    let loose = fleet.json_exit(&args, 0);
    let mut args = vec!["-t", "before-commit"];
    args.extend(base);
    let committed = fleet.json_exit(&args, 0);
    // Killed before the commit: HEAD where it was, the files written in the working tree.
    let dir = fleet.path("before-commit");
    fleet.git(&dir, &["reset", "-q", "--soft", "HEAD^"]);
    fleet.git(&dir, &["reset", "-q", "HEAD", "--", "ci.yml", "second.yml"]);
    for (document, name) in [(&loose, "no-commit"), (&committed, "before-commit")] {
        let id = document["run_id"].as_str().expect("a run id");
        cut_short_keeping_files(&fleet, id, name);
        // One file was never written, and an atomic write was cut short.
        fleet.write(name, "second.yml", "second\n");
        fleet.write(name, ".git-batch-Ab12Cd", "name: ci\n");
    }
    let runs = [&loose, &committed].map(|run| run["run_id"].as_str().expect("an id"));
    for ((state, name), id) in before.iter().zip(["no-commit", "before-commit"]).zip(runs) {
        let undo = fleet.json_exit(&["undo", id], 0);
        assert_eq!(outcome(&undo, name), "changed", "{undo:#}");
        assert_eq!(&UserState::of(&fleet, name), state, "{name}");
    }
}

/// As [`cut_short`], keeping the files the run was about to write (as the run records them
/// before its first write).
fn cut_short_keeping_files(fleet: &Fleet, run_id: &str, name: &str) {
    fleet.cut_short_record(Some(run_id), name, "failed", |entry| {
        for field in ["head_after", "commit"] {
            entry.insert(field.into(), Value::Null);
        }
    });
}

#[test]
fn undo_leaves_a_repository_alone_while_another_run_holds_it() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    fleet.make_dirty("app");
    let before = UserState::of(&fleet, "app");
    fleet.json_exit(&["sync", "--no-push"], 0);
    let synced = UserState::of(&fleet, "app");
    // Another run's lock on the repository (as a run from another root would hold it).
    let lock = fleet.path("app").join(".git/git-batch.lock");
    // `-o`: flock itself holds the lock, not the command it runs, so killing it lets go.
    let mut holder = std::process::Command::new("flock")
        .arg("-o")
        .arg(&lock)
        .args(["sleep", "30"])
        .spawn()
        .expect("run flock");
    let held = std::time::Instant::now();
    while !lock.exists() && held.elapsed() < std::time::Duration::from_secs(5) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    let undo = fleet.json_exit(&["undo"], 0);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(outcome(&undo, "app"), "skipped", "{undo:#}");
    assert!(
        message(&undo, "app").contains("another git-batch run"),
        "{undo:#}"
    );
    assert_eq!(UserState::of(&fleet, "app"), synced, "left alone");

    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undo, "app"), "changed", "{undo:#}");
    assert_eq!(UserState::of(&fleet, "app"), before);
}
