//! `runs prune`: old runs are forgotten with their refs in each repository (a linked worktree's
//! `<run-id>@<worktree>` refs included), a repository no longer there is reported, `-n` removes
//! nothing, `undo` of a pruned run says it was pruned, and the latest run and runs that did not
//! finish are kept, with the reason.

use std::fs;

use serde_json::Value;

use crate::fixture::Fleet;

/// `sync --no-push` after making each of `names` dirty; returns the run's id.
fn sync_run(fleet: &Fleet, names: &[&str]) -> String {
    for name in names {
        fleet.make_dirty(name);
    }
    let document = fleet.json_exit(&["sync", "--no-push"], 0);
    document["run_id"].as_str().expect("a run id").to_owned()
}

/// git-batch's refs in the repository `name` (and the worktrees sharing them).
fn batch_refs(fleet: &Fleet, name: &str) -> Vec<String> {
    fleet
        .git(
            &fleet.path(name),
            &["for-each-ref", "--format=%(refname)", "refs/git-batch/"],
        )
        .lines()
        .map(str::to_owned)
        .collect()
}

fn ids(document: &Value, key: &str) -> Vec<String> {
    document[key]
        .as_array()
        .unwrap_or_else(|| panic!("a {key} list: {document:#}"))
        .iter()
        .map(|run| run["run_id"].as_str().expect("a run id").to_owned())
        .collect()
}

fn record(fleet: &Fleet, run_id: &str) -> std::path::PathBuf {
    fleet
        .home
        .join(".local/state/git-batch/runs")
        .join(format!("{run_id}.json"))
}

#[test]
fn keep_forgets_older_runs_and_their_refs_worktrees_included_and_undo_says_pruned() {
    let fleet = Fleet::new();
    fleet.add_repo("main");
    fleet.add_worktree("main", "feature");
    fleet.add_repo("gone");
    let first = sync_run(&fleet, &["main", "feature", "gone"]);
    let second = sync_run(&fleet, &["main"]);
    let refs_before = batch_refs(&fleet, "main");
    assert_eq!(refs_before.len(), 6, "{refs_before:?}");
    assert!(
        refs_before
            .iter()
            .any(|name| name.ends_with(&format!("{first}@feature"))),
        "{refs_before:?}"
    );
    fs::remove_dir_all(fleet.path("gone")).expect("remove a repository");

    let dry = fleet.json_exit(&["runs", "prune", "--keep", "1", "-n"], 0);
    assert_eq!(dry["dry_run"], true, "{dry:#}");
    assert_eq!(ids(&dry, "pruned"), [first.as_str()], "{dry:#}");
    assert_eq!(dry["pruned"][0]["refs"], 4, "{dry:#}");
    assert_eq!(
        batch_refs(&fleet, "main"),
        refs_before,
        "a dry run deletes nothing"
    );
    assert!(
        record(&fleet, &first).is_file(),
        "a dry run keeps the record"
    );

    let done = fleet.json_exit(&["runs", "prune", "--keep", "1"], 0);
    assert_eq!(ids(&done, "pruned"), [first.as_str()], "{done:#}");
    assert_eq!(done["pruned"][0]["refs"], 4, "{done:#}");
    let gone = fleet.path("gone");
    assert_eq!(done["missing"], serde_json::json!([gone]), "{done:#}");
    let left = batch_refs(&fleet, "main");
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.iter().all(|name| name.ends_with(&second)), "{left:?}");
    assert!(!record(&fleet, &first).exists(), "the record is gone");
    let runs = fleet.json_exit(&["runs"], 0);
    assert_eq!(ids(&runs, "runs"), [second.as_str()], "{runs:#}");

    let undo = fleet
        .cmd()
        .args(["undo", &first])
        .output()
        .expect("run git-batch");
    let said = String::from_utf8_lossy(&undo.stderr);
    assert_eq!(undo.status.code(), Some(2), "{said}");
    assert!(
        said.contains(&format!("run {first} was pruned")),
        "undo says the run was pruned: {said}"
    );
}

#[test]
fn older_than_keeps_the_latest_run_and_runs_that_did_not_finish_saying_why() {
    let fleet = Fleet::new();
    fleet.add_repo("repo");
    let first = sync_run(&fleet, &["repo"]);
    let killed = sync_run(&fleet, &["repo"]);
    let latest = sync_run(&fleet, &["repo"]);
    // As a run killed outright leaves it: a record that never says the run finished.
    let path = record(&fleet, &killed);
    let mut unfinished: Value =
        serde_json::from_str(&fs::read_to_string(&path).expect("read a record")).expect("JSON");
    unfinished["finished"] = Value::Null;
    fs::write(&path, unfinished.to_string()).expect("write a record");

    let recent = fleet.json_exit(&["runs", "prune", "--older-than", "30d"], 0);
    assert_eq!(ids(&recent, "pruned"), Vec::<String>::new(), "{recent:#}");

    let output = fleet
        .cmd()
        .args(["runs", "prune", "--older-than", "0s"])
        .output()
        .expect("run git-batch");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains(&format!("pruned {first}")), "{text}");
    assert!(
        text.contains(&format!("kept {killed}")) && text.contains("did not finish"),
        "{text}"
    );
    assert!(
        text.contains(&format!("kept {latest}")) && text.contains("the latest run is kept"),
        "{text}"
    );
    assert!(text.contains("1 run pruned, 2 kept"), "{text}");
    assert!(record(&fleet, &killed).is_file() && record(&fleet, &latest).is_file());
    assert!(!record(&fleet, &first).exists());

    // Asked by the numbers, the latest goes too; the unfinished run still stays.
    let all = fleet.json_exit(&["runs", "prune", "--keep", "0"], 0);
    assert_eq!(ids(&all, "pruned"), [latest], "{all:#}");
    assert_eq!(ids(&all, "kept"), [killed], "{all:#}");
    assert!(
        batch_refs(&fleet, "repo")
            .iter()
            .all(|name| name.contains(&ids(&all, "kept")[0]))
    );

    fleet.cmd().args(["runs", "prune"]).assert().code(2);
}

#[test]
fn once_every_run_is_pruned_undo_and_failed_say_so_and_an_unknown_id_may_be_either() {
    let fleet = Fleet::new();
    fleet.add_repo("repo");
    sync_run(&fleet, &["repo"]);
    fleet.json_exit(&["runs", "prune", "--keep", "0"], 0);

    for args in [&["undo"][..], &["-t", "@failed", "status"][..]] {
        let output = fleet.cmd().args(args).output().expect("run git-batch");
        let said = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {said}");
        assert!(
            said.contains("every run recorded was pruned"),
            "{args:?}: {said}"
        );
    }
    let output = fleet
        .cmd()
        .args(["undo", "20000101T000000Z-0000"])
        .output()
        .expect("run git-batch");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("pruned or never made"), "{said}");
}

#[test]
fn a_repository_whose_refs_cannot_be_deleted_fails_the_prune_and_keeps_its_run() {
    let fleet = Fleet::new();
    fleet.add_repo("locked");
    fleet.add_repo("fine");
    let first = sync_run(&fleet, &["locked", "fine"]);
    sync_run(&fleet, &["fine"]);
    // Another git holding the run's ref: the deletion cannot take its lock.
    let held = fleet
        .path("locked")
        .join(format!(".git/refs/git-batch/backup/{first}.lock"));
    fs::write(&held, "").expect("hold a ref's lock");

    let output = fleet
        .cmd()
        .args(["--format", "json", "runs", "prune", "--keep", "1"])
        .output()
        .expect("run git-batch");
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{said}");
    let document: Value = serde_json::from_slice(&output.stdout).expect("a JSON document");
    assert_eq!(
        ids(&document, "pruned"),
        Vec::<String>::new(),
        "{document:#}"
    );
    assert_eq!(ids(&document, "kept"), [first.as_str()], "{document:#}");
    assert_eq!(
        document["failed"][0]["path"],
        serde_json::json!(fleet.path("locked")),
        "{document:#}"
    );
    assert!(said.contains("locked"), "{said}");
    assert!(record(&fleet, &first).is_file(), "kept for a later prune");

    fs::remove_file(&held).expect("let go of the lock");
    let again = fleet.json_exit(&["runs", "prune", "--keep", "1"], 0);
    assert_eq!(ids(&again, "pruned"), [first.as_str()], "{again:#}");
    assert!(batch_refs(&fleet, "locked").is_empty());
}

#[test]
fn runs_lists_each_run_with_every_field_of_its_json_document() {
    let fleet = Fleet::new();
    fleet.add_repo("dirty");
    fleet.add_repo("clean");
    let run_id = sync_run(&fleet, &["dirty"]);
    fleet.cmd().args(["undo", &run_id]).assert().success();

    let document = fleet.json_exit(&["runs"], 0);
    let keys = |value: &Value| -> Vec<String> {
        let mut keys: Vec<String> = value
            .as_object()
            .unwrap_or_else(|| panic!("an object: {value:#}"))
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&document), ["command", "root", "runs"], "{document:#}");
    assert_eq!(document["command"], "runs");
    let runs = document["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2, "the sync and its undo: {document:#}");
    let (sync, undo) = (&runs[0], &runs[1]);
    assert_eq!(
        keys(sync),
        [
            "changed",
            "command",
            "failed",
            "finished",
            "run_id",
            "skipped",
            "started",
            "total",
            "unchanged",
            "undoes",
            "undone_by",
            "unfinished",
        ],
        "{sync:#}"
    );
    assert_eq!(sync["run_id"], run_id.as_str());
    assert_eq!(sync["command"], "sync");
    assert_eq!(
        (&sync["changed"], &sync["unchanged"]),
        (&1.into(), &1.into())
    );
    assert_eq!((&sync["skipped"], &sync["failed"]), (&0.into(), &0.into()));
    assert_eq!(sync["total"], 2);
    assert_eq!(sync["unfinished"], 0);
    assert!(sync["finished"].is_string(), "{sync:#}");
    assert_eq!(sync["undoes"], Value::Null);
    assert_eq!(sync["undone_by"], undo["run_id"]);
    assert_eq!(undo["command"], "undo");
    assert_eq!(undo["undoes"], run_id.as_str());
    assert_eq!(undo["undone_by"], Value::Null);
}
