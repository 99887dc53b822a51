//! The journal's writes failing during a run: a record that cannot be finished after the work
//! was done exits 1 with the reason (2 says nothing was touched), and a progress log that
//! cannot be written is said at once, once for the run, naming the file.

use crate::fixture::Fleet;

/// A `pre-commit` hook in `name` that, while the run commits, puts a folder where the run's
/// progress log and the temporary file of its final record go: both writes then fail.
fn break_the_journal_mid_run(fleet: &Fleet, name: &str) {
    let runs = fleet.home.join(".local/state/git-batch/runs");
    let runs = runs.display();
    fleet.hook(
        name,
        "pre-commit",
        &format!(
            "for record in '{runs}'/*.json; do\n\
             id=$(basename \"$record\" .json)\n\
             mkdir -p \"{runs}/.$id.json.tmp\"\n\
             rm -f \"{runs}/$id.progress.jsonl\"\n\
             mkdir -p \"{runs}/$id.progress.jsonl\"\n\
             done"
        ),
    );
}

#[test]
fn a_record_lost_after_the_work_exits_1_and_a_lost_progress_log_is_said_once() {
    let fleet = Fleet::new();
    for name in ["a", "b", "c"] {
        fleet.add_repo(name);
        fleet.make_dirty(name);
        break_the_journal_mid_run(&fleet, name);
    }

    let output = fleet
        .cmd()
        .args(["-j", "1", "sync", "-m", "work", "--no-push"])
        .output()
        .expect("run git-batch");
    let stderr = String::from_utf8_lossy(&output.stderr);

    // Work was done (the first repository committed): not the "nothing was touched" code.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_ne!(
        fleet.head("a"),
        fleet
            .git(&fleet.path("a"), &["rev-parse", "origin/main"])
            .trim(),
        "the first repository was committed"
    );
    assert!(
        stderr.contains("the run's work is done, but its record could not be finished")
            && stderr.contains(".json.tmp"),
        "the reason, naming the file: {stderr}"
    );
    let said = stderr.matches("if run ").count();
    assert_eq!(said, 1, "the lost progress log is said once: {stderr}");
    assert!(
        stderr.contains(".progress.jsonl") && stderr.contains("cannot tell what it did"),
        "{stderr}"
    );
}
