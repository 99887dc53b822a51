//! What the Action's log and outputs say after a run: a check's report and its error
//! annotations (a drifted repository, one that could not be checked), a sync reported like any
//! other command, and a document without repositories shown as it is.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::action::{clone, mit_remote, remote_with, run_step};
use crate::fixture::Fleet;

#[test]
fn a_check_shows_its_report_in_the_log_and_annotates_each_drifted_repository() {
    let fleet = Fleet::new();
    mit_remote(&fleet, "api");
    mit_remote(&fleet, "web");
    // A file name that needs escaping in an annotation.
    let web = fleet.scratch.join("web");
    fs::write(web.join("100% MIT.rs"), "// SPDX-License-Identifier: MIT\n").expect("write");
    fleet.git(&web, &["add", "-A"]);
    fleet.git(&web, &["commit", "-q", "-m", "second"]);
    fleet.git(&web, &["push", "-q", "origin", "main"]);
    // A repository that declares no license: nothing to do, no annotation.
    remote_with(&fleet, "notes", &[("README", "notes\n")]);

    let mut with = BTreeMap::new();
    with.insert("command".to_owned(), "license-update".to_owned());
    with.insert(
        "args".to_owned(),
        "--old MIT --new Apache-2.0 --check".to_owned(),
    );
    with.insert(
        "repositories".to_owned(),
        "my-org/api\nmy-org/web\nmy-org/notes".to_owned(),
    );
    with.insert("base-url".to_owned(), fleet.remotes.display().to_string());
    let run = run_step(&fleet, "check", &with);
    let stdout = run.stdout();
    assert_eq!(run.output.status.code(), Some(1), "{stdout}");

    // The report, inside the command's group, with workflow commands stopped around it.
    let group = stdout
        .split("::group::git batch license-update")
        .nth(1)
        .and_then(|rest| rest.split("::endgroup::").next())
        .expect("the command's group");
    let token = group
        .lines()
        .find_map(|line| line.strip_prefix("::stop-commands::"))
        .expect("workflow commands stopped around the report");
    assert!(group.contains(&format!("\n::{token}::\n")), "{group}");
    for line in [
        "✗ api: would change LICENSE and lib.rs\n",
        "  files: LICENSE, lib.rs\n",
        "= notes: declares no MIT\n",
        "  files: 100% MIT.rs, LICENSE, lib.rs\n",
        "2 drifted, 1 in line, 0 skipped, 0 failed, 3 total in ",
        "✗ 2 repositories would change: api, web\n",
    ] {
        assert!(group.contains(line), "{line:?} not in the log:\n{group}");
    }

    // One annotation per drifted repository, after the group, naming its files.
    let after = stdout
        .split("::endgroup::")
        .last()
        .expect("after the group");
    let annotations: Vec<&str> = after
        .lines()
        .filter(|line| line.starts_with("::error "))
        .collect();
    assert_eq!(
        annotations,
        [
            "::error title=git batch license-update%3A api would change::\
             would change LICENSE and lib.rs%0Afiles: LICENSE, lib.rs",
            "::error title=git batch license-update%3A web would change::\
             would change 100%25 MIT.rs, LICENSE and lib.rs%0Afiles: 100%25 MIT.rs, LICENSE, lib.rs",
        ],
        "{stdout}"
    );

    // The report output is git-batch's JSON document, as before.
    let document: Value =
        serde_json::from_str(&fs::read_to_string(&run.outputs["report"]).expect("the report"))
            .expect("a JSON document");
    assert_eq!(document["summary"]["changed"], 2);
    assert_eq!(document["repos"][2]["files"][0], "100% MIT.rs");
}

#[test]
fn a_sync_through_the_action_reports_like_any_other_command() {
    let fleet = Fleet::new();
    let bare = mit_remote(&fleet, "api");
    let work = fleet.root.join("api");
    clone(&fleet, &bare, &work);
    fs::write(work.join("notes.md"), "notes\n").expect("write");
    let mut with = BTreeMap::new();
    with.insert("command".to_owned(), "sync".to_owned());
    with.insert("args".to_owned(), "-m 'docs: notes'".to_owned());
    with.insert("root".to_owned(), fleet.root.display().to_string());
    let run = run_step(&fleet, "sync", &with);
    let stdout = run.stdout();
    assert_eq!(
        run.output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&run.output.stderr)
    );
    assert_eq!(run.outputs["changed"], "1");
    assert!(run.summary.contains("| api | changed |"), "{}", run.summary);
    // The summary's files column names what the commit changed, as for the content operations.
    assert!(run.summary.contains(" | notes.md |\n"), "{}", run.summary);
    assert!(stdout.contains("\n✓ api: committed"), "{stdout}");
    assert!(!stdout.contains("::error"), "{stdout}");
    let subject = fleet.git(&bare, &["log", "-1", "--format=%s", "main"]);
    assert_eq!(subject, "docs: notes\n");
}

#[test]
fn a_check_annotates_a_repository_it_could_not_check() {
    let fleet = Fleet::new();
    let bare = mit_remote(&fleet, "api");
    let work = fleet.root.join("api");
    clone(&fleet, &bare, &work);
    // A license file git-batch cannot read as any license: it skips the repository.
    fs::write(work.join("LICENSE"), "Ask before use.\n").expect("write");
    fleet.git(&work, &["commit", "-q", "-am", "own terms"]);
    let mut with = BTreeMap::new();
    with.insert("command".to_owned(), "license-update".to_owned());
    with.insert(
        "args".to_owned(),
        "--old MIT --new Apache-2.0 --check".to_owned(),
    );
    with.insert("root".to_owned(), fleet.root.display().to_string());
    let run = run_step(&fleet, "locked", &with);
    let stdout = run.stdout();
    assert_eq!(run.output.status.code(), Some(1), "{stdout}");
    assert_eq!(run.outputs["skipped"], "1", "{stdout}");
    assert!(
        stdout.contains("✗ 1 repository could not be checked (skipped): api\n"),
        "{stdout}"
    );
    let annotations: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("::error "))
        .collect();
    assert_eq!(annotations.len(), 1, "{stdout}");
    assert!(
        annotations[0]
            .starts_with("::error title=git batch license-update%3A api could not be checked::"),
        "{stdout}"
    );
    assert!(annotations[0].contains("LICENSE"), "{stdout}");
}

#[test]
fn a_report_without_repositories_is_shown_as_it_is() {
    let fleet = Fleet::new();
    fs::create_dir_all(&fleet.root).expect("mkdir");
    let mut with = BTreeMap::new();
    with.insert("command".to_owned(), "runs".to_owned());
    with.insert("root".to_owned(), fleet.root.display().to_string());
    let run = run_step(&fleet, "runs", &with);
    let stdout = run.stdout();
    assert_eq!(
        run.output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&run.output.stderr)
    );
    assert!(stdout.contains("\"command\": \"runs\""), "{stdout}");
    assert!(Path::new(&run.outputs["report"]).is_file());
}
