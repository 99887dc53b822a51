//! What people see of the commands that write (sync, undo, clone, file-replace, runs) and how
//! the human report words a run: a mark per outcome, the reason for `unchanged` on its line,
//! `-q` as the README promises it, and a summary in the command's own words (what exec's command
//! did, what a read or a check found). Pinned by insta snapshots, redacted as in `output`.

use std::path::Path;

use crate::fixture::Fleet;
use crate::output::snapshot;

/// A fleet with one repository per outcome of `sync`: `dirty` changes, `idle` is unchanged,
/// `detached` is skipped, and `hooked`'s pre-commit hook refuses the commit.
fn sync_fleet() -> Fleet {
    let fleet = Fleet::new();
    for name in ["detached", "dirty", "hooked", "idle"] {
        fleet.add_repo(name);
    }
    fleet.make_dirty("dirty");
    fleet.detach("detached");
    fleet.make_dirty("hooked");
    fleet.hook("hooked", "pre-commit", "echo 'lint failed' >&2; exit 1");
    fleet
}

/// Runs `git-batch ARGS` with colour off and returns its exit code and stdout.
fn human(fleet: &Fleet, args: &[&str]) -> (Option<i32>, String) {
    let output = fleet
        .cmd()
        .args(["--color", "never"])
        .args(args)
        .output()
        .expect("run");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    (output.status.code(), stdout)
}

/// The line that starts with `prefix`, whole.
fn line_of<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    stdout
        .lines()
        .find(|line| line.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{stdout}"))
}

#[test]
fn each_outcome_has_its_own_mark_and_unchanged_says_why() {
    let fleet = sync_fleet();
    let (code, stdout) = human(&fleet, &["-j1", "sync", "--no-push", "-m", "wip"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(line_of(&stdout, "✓ dirty: committed").ends_with("(2/4)"));
    // Nothing to do is not a success mark, and says why without -v.
    assert_eq!(line_of(&stdout, "= idle"), "= idle: clean (4/4)");
    assert!(line_of(&stdout, "– detached: skipped, detached HEAD").ends_with("(1/4)"));
    assert!(line_of(&stdout, "✗ hooked: ").contains("lint failed"));
    assert!(!stdout.contains("✓ idle"), "{stdout}");

    // With the push on, nothing to commit and nothing to push is `up to date`.
    let (_, stdout) = human(&fleet, &["-t", "idle", "sync", "-n"]);
    assert_eq!(line_of(&stdout, "= idle"), "= idle: up to date (1/1)");
}

#[test]
fn quiet_prints_each_failure_once_and_the_summary_only() {
    let fleet = sync_fleet();
    let (code, stdout) = human(&fleet, &["-q", "-j1", "sync", "--no-push", "-n"]);
    assert_eq!(code, Some(0), "{stdout}");
    // No failure: the summary, and nothing else (the skipped repository does not show).
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.starts_with("2 would change, 1 unchanged, 1 skipped, 0 failed, 4 total in "),
        "{stdout}"
    );

    let (code, stdout) = human(&fleet, &["-q", "-j1", "sync", "--no-push", "-m", "wip"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert_eq!(stdout.matches("hooked").count(), 1, "{stdout}");
    assert!(!stdout.contains("detached"), "{stdout}");
    assert!(!stdout.contains("dirty"), "{stdout}");
    assert!(
        stdout.contains("1 changed, 1 unchanged, 1 skipped, 1 failed, 4 total in "),
        "{stdout}"
    );
}

#[test]
fn exec_says_how_its_command_exited_not_what_changed() {
    let fleet = Fleet::new();
    for name in ["a", "b", "c"] {
        fleet.add_repo_without_remote(name);
    }
    let script = r#"case "$PWD" in */b) exit 3;; esac"#;
    let (code, stdout) = human(&fleet, &["exec", "--", "sh", "-c", script]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("\n3 ran: 2 exited 0, 1 exited 3; 0 skipped, 3 total in "),
        "{stdout}"
    );
    assert!(!stdout.contains("changed"), "{stdout}");
}

#[test]
fn reads_and_checks_say_what_they_found() {
    let fleet = Fleet::new();
    fleet.add_repo("api");
    fleet.add_repo("docs");
    fleet.commit_file("api", "ci.yml", "old\n", "ci");
    fleet.git(&fleet.path("api"), &["push", "-q"]);
    let (code, stdout) = human(&fleet, &["status"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("\n2 read, 0 skipped, 0 failed, 2 total in "),
        "{stdout}"
    );

    let template = fleet.base.join("ci.yml");
    std::fs::write(&template, "new\n").expect("write");
    let template = template.to_str().expect("UTF-8");
    let check = [
        "file-replace",
        "--pattern",
        "ci.yml",
        "--replacement",
        template,
        "--check",
    ];
    let (code, stdout) = human(&fleet, &check);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("\n1 drifted, 1 in line, 0 skipped, 0 failed, 2 total in "),
        "{stdout}"
    );
}

#[test]
fn quiet_status_keeps_the_table_header() {
    let fleet = Fleet::new();
    fleet.add_repo("clean");
    fleet.add_repo("dirty");
    fleet.make_dirty("dirty");
    let (code, stdout) = human(&fleet, &["status", "-q"]);
    assert_eq!(code, Some(0), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("repository  branch"), "{stdout}");
    assert!(lines[1].starts_with("dirty "), "{stdout}");
    assert!(!stdout.contains("clean  "), "{stdout}");
}

#[test]
fn sync_undo_and_runs_output() {
    let fleet = sync_fleet();
    let sync = ["-j1", "--color", "never", "sync", "-m", "docs: sync"];
    let with = |extra: &[&'static str]| -> Vec<&str> {
        let mut all = sync.to_vec();
        all.extend_from_slice(extra);
        all
    };
    snapshot(&fleet, "sync_dry_run_human", &with(&["-n"]));
    // Not pushed, so that undo can take the commit back.
    snapshot(&fleet, "sync_human", &with(&["--no-push"]));
    snapshot(&fleet, "runs_human", &["--color", "never", "runs"]);
    snapshot(&fleet, "undo_human", &["-j1", "--color", "never", "undo"]);
    let mut quiet = with(&["--no-push"]);
    quiet.insert(0, "-q");
    snapshot(&fleet, "sync_quiet_human", &quiet);
}

#[test]
fn clone_output() {
    let fleet = Fleet::new();
    for name in ["api", "web"] {
        crate::clone::bare_remote(&fleet, &format!("team/{name}.git"));
    }
    fleet.add_repo("present");
    let base_url = fleet.remotes.to_str().expect("UTF-8").to_owned();
    snapshot(
        &fleet,
        "clone_human",
        &[
            "-j1",
            "--color",
            "never",
            "clone",
            "--base-url",
            &base_url,
            "team/api",
            "team/present",
            "team/web",
            "team/missing",
        ],
    );
}

#[test]
fn file_replace_output() {
    let fleet = Fleet::new();
    let template = fleet.base.join("ci.yml");
    std::fs::write(&template, "new\n").expect("write");
    let template = template.to_str().expect("UTF-8");
    for (name, content) in [
        ("api", Some("old\n")),
        ("docs", Some("new\n")),
        ("web", None),
    ] {
        fleet.add_repo(name);
        if let Some(content) = content {
            fleet.commit_file(name, "ci.yml", content, "ci");
            fleet.git(&fleet.path(name), &["push", "-q"]);
        }
    }
    fleet.add_repo("detached");
    fleet.commit_file("detached", "ci.yml", "old\n", "ci");
    fleet.detach("detached");
    let replace = [
        "file-replace",
        "--pattern",
        "ci.yml",
        "--replacement",
        template,
    ];
    let with = |extra: &[&'static str]| -> Vec<&str> {
        let mut all = vec!["-j1", "--color", "never"];
        all.extend_from_slice(extra);
        all.extend_from_slice(&replace);
        all
    };
    snapshot(&fleet, "file_replace_dry_run_human", &with(&["-n"]));
    snapshot(&fleet, "file_replace_human", &with(&[]));
    assert!(Path::new(&fleet.path("api").join("ci.yml")).exists());
}

#[test]
fn a_conflict_is_counted_on_its_own_and_named() {
    let fleet = Fleet::new();
    fleet.add_repo("merging");
    fleet.start_conflicting_merge("merging");
    fleet.add_repo("popped");
    fleet.stash_pop_conflict("popped");
    let (code, stdout) = human(&fleet, &["status"]);
    assert_eq!(code, Some(0), "{stdout}");
    let merging: Vec<&str> = line_of(&stdout, "merging ").split_whitespace().collect();
    assert!(
        merging.contains(&"!1") && !merging.contains(&"~1"),
        "{stdout}"
    );
    assert_eq!(merging.last(), Some(&"merging"), "{stdout}");
    let popped: Vec<&str> = line_of(&stdout, "popped ").split_whitespace().collect();
    assert!(
        popped.contains(&"!1") && !popped.contains(&"~1"),
        "{stdout}"
    );
    assert_eq!(popped.last(), Some(&"conflicted"), "{stdout}");

    let document = fleet.json(&["status"]);
    let popped = crate::fixture::repo(&document, "popped");
    assert_eq!(
        (&popped["conflicted"], &popped["unstaged"], &popped["state"]),
        (&1.into(), &0.into(), &"conflicted".into()),
        "{popped}"
    );

    // sync would take the conflict markers for a resolution: it leaves the repository alone.
    let (_, stdout) = human(&fleet, &["-t", "popped", "sync", "-n"]);
    assert!(
        stdout.contains("– popped: skipped, 1 path with unresolved conflicts"),
        "{stdout}"
    );
}

#[test]
fn undo_and_clone_say_what_they_did_not_what_changed() {
    let fleet = Fleet::new();
    fleet.add_repo("dirty");
    fleet.make_dirty("dirty");
    let (code, stdout) = human(&fleet, &["sync", "--no-push", "-m", "wip"]);
    assert_eq!(code, Some(0), "{stdout}");
    let (code, stdout) = human(&fleet, &["undo", "-n"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("\n1 would be undone, 0 unchanged, 0 skipped, 0 failed, 1 total in "),
        "{stdout}"
    );
    let (code, stdout) = human(&fleet, &["undo"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("\n1 undone, 0 unchanged, 0 skipped, 0 failed, 1 total in "),
        "{stdout}"
    );
    assert!(!stdout.contains(" changed, "), "{stdout}");

    let clones = Fleet::new();
    crate::clone::bare_remote(&clones, "team/api.git");
    clones.add_repo("present");
    let base_url = clones.remotes.to_str().expect("UTF-8").to_owned();
    let clone = ["clone", "--base-url", &base_url, "team/api", "team/present"];
    let mut dry_run = clone.to_vec();
    dry_run.insert(1, "-n");
    let (code, stdout) = human(&clones, &dry_run);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("\n1 would be cloned, 1 already there, 0 skipped, 0 failed, 2 total in "),
        "{stdout}"
    );
    let (code, stdout) = human(&clones, &clone);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("\n1 cloned, 1 already there, 0 skipped, 0 failed, 2 total in "),
        "{stdout}"
    );
}
