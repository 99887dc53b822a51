//! `sync` and `license-update` under interruption and contention: Ctrl-C in the middle of a run
//! leaves every repository either fully done or untouched, and a rerun finishes the rest; a
//! second run on the same root waits briefly, then refuses with a message naming the first.

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixture::Fleet;
use crate::signals::{self, Stderr, ctrl_c};

/// A `pre-commit` hook body that, in the repositories named, leaves a mark in `marks` and then
/// holds the commit until `release` exists (at most 20 s), so a test can act while the run is
/// in the middle of those repositories.
pub(crate) fn holding_hook(names: &[&str], marks: &Path, release: &Path) -> String {
    format!(
        "name=$(basename \"$PWD\")\ncase \" {} \" in *\" $name \"*)\n\
         touch '{marks}'/\"$name\"\ni=0\n\
         while [ ! -e '{release}' ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done;;\nesac",
        names.join(" "),
        marks = marks.display(),
        release = release.display()
    )
}

/// Waits (at most 20 s) until `count` marks are in `marks`.
pub(crate) fn wait_for_marks(marks: &Path, count: usize) {
    let start = Instant::now();
    while fs::read_dir(marks).map_or(0, Iterator::count) < count {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the hooks never ran"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends Ctrl-C (SIGINT) to `child`, waits until git-batch says it heard it, then lets the
/// held hooks go on. Returns its stderr, still being read.
fn ctrl_c_then_release(child: &mut Child, release: &Path) -> Stderr {
    let stderr = Stderr::watch(child);
    ctrl_c(child, &stderr, signals::FIRST);
    fs::write(release, "").expect("release the hooks");
    stderr
}

/// Waits (at most 30 s) for `child` and returns its exit code, stdout and stderr; past that it
/// is killed and the test fails.
pub(crate) fn finish(child: Child) -> (Option<i32>, String, String) {
    let pid = child.id().to_string();
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    let Ok(output) = result.recv_timeout(Duration::from_secs(30)) else {
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
        panic!("git-batch did not finish within 30 s");
    };
    let output = output.expect("wait for git-batch");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn spawn_sync(fleet: &Fleet, args: &[&str]) -> Child {
    fleet
        .batch_in(&fleet.root)
        .args(["--format", "json", "sync"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn git-batch")
}

/// Where a repository of the interrupted fleet ended up.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// One commit on top of the original, on the remote, nothing left uncommitted.
    Synced,
    /// The original commit, nothing pushed, the change still uncommitted.
    Untouched,
}

fn end_of(fleet: &Fleet, name: &str, original: &str) -> End {
    // Synced or not, the user's change is in the working tree.
    let readme = fs::read_to_string(fleet.path(name).join("README.md")).expect("README.md");
    assert!(
        readme.ends_with("an unstaged change\n"),
        "{name} lost its change"
    );
    let status = fleet.git(
        &fleet.path(name),
        &[
            "--no-optional-locks",
            "status",
            "--porcelain=v2",
            "--branch",
        ],
    );
    let head = status
        .lines()
        .find_map(|line| line.strip_prefix("# branch.oid "))
        .expect("a HEAD")
        .to_owned();
    let changes: Vec<&str> = status.lines().filter(|l| !l.starts_with('#')).collect();
    let remote = fleet.remote_head(name);
    if head == original && remote == original && changes.len() == 1 {
        assert!(changes[0].starts_with("1 .M ") && changes[0].ends_with(" README.md"));
        return End::Untouched;
    }
    let parent = fleet.git(&fleet.path(name), &["rev-parse", "HEAD^"]);
    assert!(
        changes.is_empty() && remote == head && parent.trim() == original,
        "{name} is half done: HEAD {head}, remote {remote}, status {status}"
    );
    End::Synced
}

#[test]
fn ctrl_c_in_a_150_repository_sync_leaves_each_synced_or_untouched_and_a_rerun_finishes() {
    let fleet = Fleet::new();
    let names: Vec<String> = (0..150).map(|i| format!("repo-{i:03}")).collect();
    let (marks, release) = (fleet.base.join("marks"), fleet.base.join("release"));
    fs::create_dir(&marks).expect("mkdir marks");
    fleet.add_repo(&names[0]);
    // The two workers will be holding repo-040 and repo-041 when Ctrl-C comes.
    let hook = holding_hook(&["repo-040", "repo-041"], &marks, &release);
    fleet.hook(&names[0], "pre-commit", &hook);
    fleet.add_copies(&names[0], &names[1..]);
    let original = fleet.head(&names[0]);
    for name in &names {
        fleet.make_dirty(name);
    }

    let mut child = spawn_sync(&fleet, &["-j2"]);
    wait_for_marks(&marks, 2);
    let watched = ctrl_c_then_release(&mut child, &release);
    let (code, stdout, _) = finish(child);
    let stderr = watched.text();
    assert_eq!(code, Some(130), "stderr: {stderr}");
    let document: Value = serde_json::from_str(&stdout).expect("the JSON document");
    assert_eq!(document["interrupted"], true);

    let ends: Vec<End> = names.iter().map(|n| end_of(&fleet, n, &original)).collect();
    let synced = ends.iter().filter(|e| **e == End::Synced).count();
    // Everything before the two held repositories was done, the two in flight were finished,
    // and the run stopped there (give or take the time the handler took).
    assert!(ends[..42].iter().all(|end| *end == End::Synced), "{ends:?}");
    assert!(
        (42..100).contains(&synced),
        "{synced} synced: the run was not stopped"
    );
    assert_eq!(ends[149], End::Untouched);
    assert_eq!(
        document["summary"]["changed"], synced,
        "every synced one reported"
    );
    assert_eq!(document["summary"]["total"], synced, "{stdout}");

    let (code, stdout, stderr) = finish(spawn_sync(&fleet, &[]));
    assert_eq!(code, Some(0), "stdout {stdout} stderr {stderr}");
    let rerun: Value = serde_json::from_str(&stdout).expect("the JSON document");
    assert_eq!(rerun["summary"]["changed"], 150 - synced);
    assert_eq!(rerun["summary"]["unchanged"], synced);
    for name in &names {
        assert_eq!(end_of(&fleet, name, &original), End::Synced, "{name}");
    }
}

#[test]
fn a_second_run_on_the_same_root_waits_then_refuses_and_the_first_completes() {
    let fleet = Fleet::new();
    let (marks, release) = (fleet.base.join("marks"), fleet.base.join("release"));
    fs::create_dir(&marks).expect("mkdir marks");
    for name in ["a", "b"] {
        fleet.add_repo(name);
        fleet.make_dirty(name);
    }
    fleet.hook("a", "pre-commit", &holding_hook(&["a"], &marks, &release));

    let first = spawn_sync(&fleet, &["-j1"]);
    let pid = first.id();
    wait_for_marks(&marks, 1);
    let start = Instant::now();
    let second = fleet.cmd().arg("sync").output().expect("run git-batch");
    let waited = start.elapsed();
    fs::write(&release, "").expect("release the hook");

    assert_eq!(second.status.code(), Some(2), "{second:?}");
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(
        message.contains(&format!(
            "another git-batch run is working on {} (pid {pid})",
            fleet.root.display()
        )),
        "{message}"
    );
    assert!(
        waited >= Duration::from_secs(2),
        "it did not wait: {waited:?}"
    );
    assert!(second.stdout.is_empty(), "it did nothing");

    let (code, stdout, stderr) = finish(first);
    assert_eq!(code, Some(0), "stderr: {stderr}");
    let document: Value = serde_json::from_str(&stdout).expect("the JSON document");
    assert_eq!(document["summary"]["changed"], 2, "{document:#}");
    for name in ["a", "b"] {
        assert_eq!(fleet.remote_head(name), fleet.head(name));
    }
    let runs = fleet.json(&["runs"]);
    assert_eq!(runs["runs"].as_array().map(Vec::len), Some(1), "{runs:#}");
}

#[test]
fn a_run_killed_outright_can_still_be_undone_from_its_progress_log() {
    let fleet = Fleet::new();
    let names = ["a", "b", "c"];
    for name in names {
        fleet.add_repo(name);
        fleet.make_dirty(name);
    }
    let original: Vec<String> = names.iter().map(|name| fleet.head(name)).collect();
    let marks = fleet.base.join("marks");
    fs::create_dir(&marks).expect("mkdir marks");
    let release = fleet.base.join("release");
    // `c` holds its commit until released; `a` and `b` finish first (-j1, name order).
    let hook = holding_hook(&["c"], &marks, &release);
    for name in names {
        fleet.hook(name, "pre-commit", &hook);
    }
    let child = spawn_sync(&fleet, &["-j1", "--no-push"]);
    wait_for_marks(&marks, 1);
    // No chance to clean up: the run's record is never completed.
    let _ = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status();
    let (code, _, _) = finish(child);
    assert_eq!(code, None, "killed by a signal");
    fs::write(&release, "").expect("release the hook");
    // The hook of `c` may still finish its commit after the kill; what the run recorded as done
    // (`a`, `b`) must come back.
    let undo = fleet.json(&["-t", "a,b", "undo"]);
    assert_eq!(undo["summary"]["changed"], 2, "{undo:#}");
    for (name, head) in names.iter().zip(&original).take(2) {
        assert_eq!(&fleet.head(name), head, "{name} is back where it was");
        let status = fleet.porcelain(name);
        assert!(status.unstaged > 0, "{name}'s change is uncommitted again");
    }
}

/// Where a repository of an interrupted license-update ended up: relicensed in one commit, or
/// untouched; never half written.
fn relicensed(fleet: &Fleet, name: &str, original: &str) -> bool {
    let dir = fleet.path(name);
    let status = fleet.git(&dir, &["--no-optional-locks", "status", "--porcelain"]);
    assert!(status.is_empty(), "{name} has leftovers: {status}");
    let declared = fs::read_to_string(dir.join("a.rs")).expect("a.rs");
    let license = fs::read_to_string(dir.join("LICENSE")).expect("LICENSE");
    if fleet.head(name) == original {
        assert_eq!(declared, "// SPDX-License-Identifier: MIT\n", "{name}");
        assert!(license.starts_with("MIT License"), "{name}");
        return false;
    }
    let parent = fleet.git(&dir, &["rev-parse", "HEAD^"]);
    assert_eq!(parent.trim(), original, "{name}: one commit on top");
    assert_eq!(
        declared, "// SPDX-License-Identifier: Apache-2.0\n",
        "{name}"
    );
    assert!(license.starts_with("Apache License"), "{name}");
    true
}

#[test]
fn ctrl_c_in_a_license_update_leaves_each_repository_relicensed_or_untouched() {
    let fleet = Fleet::new();
    let names: Vec<String> = (0..60).map(|i| format!("repo-{i:03}")).collect();
    let (marks, release) = (fleet.base.join("marks"), fleet.base.join("release"));
    fs::create_dir(&marks).expect("mkdir marks");
    crate::license::repo_with(
        &fleet,
        &names[0],
        &[
            ("LICENSE", crate::license::MIT_LICENSE.as_bytes()),
            ("a.rs", b"// SPDX-License-Identifier: MIT\n"),
        ],
    );
    let hook = holding_hook(&["repo-020", "repo-021"], &marks, &release);
    fleet.hook(&names[0], "pre-commit", &hook);
    fleet.add_copies(&names[0], &names[1..]);
    let original = fleet.head(&names[0]);

    let spawn = || {
        fleet
            .batch_in(&fleet.root)
            .args(["--format", "json", "-j2", "license-update", "--old", "MIT"])
            .args(["--new", "Apache-2.0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn git-batch")
    };
    let mut child = spawn();
    wait_for_marks(&marks, 2);
    let watched = ctrl_c_then_release(&mut child, &release);
    let (code, stdout, _) = finish(child);
    let stderr = watched.text();
    assert_eq!(code, Some(130), "stderr: {stderr}");
    let document: Value = serde_json::from_str(&stdout).expect("the JSON document");
    assert_eq!(document["interrupted"], true);
    let done: Vec<bool> = names
        .iter()
        .map(|name| relicensed(&fleet, name, &original))
        .collect();
    let count = done.iter().filter(|d| **d).count();
    assert!(done[..22].iter().all(|d| *d), "{done:?}");
    assert!(
        (22..45).contains(&count),
        "{count} relicensed: the run was not stopped"
    );
    assert!(!done[59]);
    assert_eq!(document["summary"]["changed"], count);

    let (code, stdout, _) = finish(spawn());
    assert_eq!(code, Some(0), "{stdout}");
    for name in &names {
        assert!(relicensed(&fleet, name, &original), "{name}");
    }
}

#[test]
fn two_runs_reaching_one_repository_from_two_roots_never_work_on_it_at_once() {
    let fleet = Fleet::new();
    let (marks, release) = (fleet.base.join("marks"), fleet.base.join("release"));
    fs::create_dir(&marks).expect("mkdir marks");
    for name in ["a", "b"] {
        fleet.add_repo(name);
        fleet.make_dirty(name);
    }
    // The first run holds `a` in its push (no index.lock then: the second run's plan sees a
    // repository with a commit to push, as it would in real life).
    fleet.hook("a", "pre-push", &holding_hook(&["a"], &marks, &release));
    let first = spawn_sync(&fleet, &["-j1"]);
    let pid = first.id();
    wait_for_marks(&marks, 1);

    // The same repositories, from the folder above the root.
    let second = fleet
        .cmd_in(&fleet.base)
        .args(["--format", "json", "--depth", "3", "sync"])
        .output()
        .expect("run git-batch");
    fs::write(&release, "").expect("release the hook");
    let document: Value = serde_json::from_slice(&second.stdout).expect("the JSON document");
    let a = crate::fixture::repo(&document, "root/a");
    assert_eq!(a["outcome"], "skipped", "{document:#}");
    let message = a["message"].as_str().expect("a message");
    assert!(
        message.contains(&format!(
            "another git-batch run is working here (pid {pid})"
        )),
        "{message}"
    );
    assert_eq!(
        crate::fixture::repo(&document, "root/b")["outcome"],
        "changed"
    );

    let (code, stdout, stderr) = finish(first);
    assert_eq!(code, Some(0), "stdout {stdout} stderr {stderr}");
    let first: Value = serde_json::from_str(&stdout).expect("the JSON document");
    assert_eq!(crate::fixture::repo(&first, "a")["outcome"], "changed");
    for name in ["a", "b"] {
        assert_eq!(fleet.remote_head(name), fleet.head(name), "{name}");
        assert!(fleet.porcelain(name).unstaged == 0, "{name}");
        assert!(!fleet.path(name).join(".git/git-batch.lock").exists());
    }
}
