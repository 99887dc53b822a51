//! Ctrl-C: the first SIGINT stops handing out repositories, lets the one in flight finish,
//! prints the summary and exits 130, leaving the rest alone.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixture::Fleet;
use crate::signals::{self, Stderr, ctrl_c};

const REPOS: usize = 20;

/// A fleet of twenty repositories and a folder where each run of the command leaves a mark.
fn fleet() -> (Fleet, std::path::PathBuf) {
    let fleet = Fleet::new();
    for i in 0..REPOS {
        fleet.add_unborn(&format!("repo-{i:02}"));
    }
    let marks = fleet.base.join("marks");
    fs::create_dir(&marks).expect("mkdir");
    (fleet, marks)
}

/// Starts `exec -j1` of a command that marks its repository, then sleeps 0.3 s.
fn start(fleet: &Fleet, marks: &Path, format: &str) -> Child {
    let script = format!(
        "touch '{}'/\"$(basename \"$PWD\")\"; sleep 0.3",
        marks.display()
    );
    fleet
        .batch_in(&fleet.root)
        .args(["exec", "-j1", "--color", "never", "--format", format])
        .args(["--", "sh", "-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn git-batch")
}

fn marked(marks: &Path) -> usize {
    fs::read_dir(marks).expect("read marks").count()
}

/// Waits until the first repository has started (the Ctrl-C handler is installed before any
/// repository is handed out), then sends SIGINT as a terminal's Ctrl-C would and waits until
/// git-batch says it heard it. Returns its stderr, still being read.
fn interrupt(child: &mut Child, marks: &Path) -> Stderr {
    let stderr = Stderr::watch(child);
    let start = Instant::now();
    while marked(marks) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    ctrl_c(child, &stderr, signals::FIRST);
    stderr
}

/// Waits for the child (at most 20 s) and returns its exit code, stdout and stderr.
fn finish(mut child: Child, stderr: Stderr) -> (Option<i32>, String, String) {
    let (done, result) = std::sync::mpsc::channel();
    let mut stdout_pipe = child.stdout.take().expect("stdout");
    let pid = child.id().to_string();
    std::thread::spawn(move || {
        let mut stdout = String::new();
        let read = stdout_pipe.read_to_string(&mut stdout).map(|_| stdout);
        let _ = done.send((child.wait(), read));
    });
    let Ok((status, stdout)) = result.recv_timeout(Duration::from_secs(20)) else {
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
        panic!("git-batch did not stop after SIGINT");
    };
    let status = status.expect("wait");
    (status.code(), stdout.expect("read stdout"), stderr.text())
}

#[test]
fn ctrl_c_stops_handing_out_repositories_and_exits_130_after_the_summary() {
    let (fleet, marks) = fleet();
    let mut child = start(&fleet, &marks, "json");
    let watched = interrupt(&mut child, &marks);
    let (code, stdout, stderr) = finish(child, watched);
    assert_eq!(code, Some(130), "stderr: {stderr}");
    let document: Value = serde_json::from_str(&stdout).expect("the JSON document");
    assert_eq!(document["interrupted"], true);
    let total = document["summary"]["total"].as_u64().expect("a total");
    let ran = marked(&marks);
    assert!(
        total >= 1 && (total as usize) < REPOS,
        "{total} of {REPOS} reported"
    );
    assert_eq!(
        ran, total as usize,
        "every repository started was finished and reported"
    );
    assert_eq!(
        document["summary"]["changed"], total,
        "the one in flight finished"
    );
}

#[test]
fn ctrl_c_prints_the_human_summary() {
    let (fleet, marks) = fleet();
    let mut child = start(&fleet, &marks, "human");
    let watched = interrupt(&mut child, &marks);
    let (code, stdout, stderr) = finish(child, watched);
    assert_eq!(code, Some(130), "stderr: {stderr}");
    let summary = stdout
        .lines()
        .find(|line| line.contains(" total in "))
        .unwrap_or_else(|| panic!("no summary in:\n{stdout}"));
    // `… 0 failed, N total in 0.61s`
    let total: usize = summary
        .rsplit(", ")
        .next()
        .and_then(|last| last.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no total in `{summary}`"));
    assert!(total < REPOS, "{summary}");
    assert_eq!(marked(&marks), total, "{summary}");
    assert!(stdout.contains("interrupted"), "{stdout}");
}

#[test]
fn a_second_ctrl_c_stops_the_commands_in_flight() {
    let (fleet, marks) = fleet();
    let script = format!(
        "touch '{}'/\"$(basename \"$PWD\")\"; sleep 30",
        marks.display()
    );
    let mut child = fleet
        .batch_in(&fleet.root)
        .args(["exec", "-j1", "--format", "json", "--", "sh", "-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn git-batch");
    let start = Instant::now();
    let watched = interrupt(&mut child, &marks);
    ctrl_c(&child, &watched, signals::SECOND);
    let (code, stdout, stderr) = finish(child, watched);
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "the command was not stopped"
    );
    assert_eq!(code, Some(130), "stderr: {stderr}");
    let document: Value = serde_json::from_str(&stdout).expect("the JSON document");
    assert_eq!(document["summary"]["total"], 1, "{document:#}");
    let stopped = &document["repos"][0];
    assert_eq!(stopped["outcome"], "failed", "{stopped}");
    assert_eq!(marked(&marks), 1);
}

/// `kill -9` of git-batch in the middle of a run over dirty repositories.
mod kill {
    use std::collections::BTreeMap;
    use std::fs;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    use serde_json::Value;

    use crate::fixture::Fleet;
    use crate::observe::UserState;

    const REPOS: usize = 30;

    /// How many rounds each kill test makes (`GIT_BATCH_KILL_ROUNDS`, 2 by default).
    fn rounds() -> usize {
        std::env::var("GIT_BATCH_KILL_ROUNDS")
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(2)
    }

    /// A number in `0..bound` that differs from one call to the next.
    fn random_below(bound: u64, round: usize) -> u64 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::from(d.subsec_nanos()));
        let mixed = (nanos ^ (round as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .wrapping_mul(0xff51_afd7_ed55_8ccd);
        (mixed >> 17) % bound
    }

    /// Thirty repositories, each with a committed LICENSE and `a.rs` (MIT, left clean so that
    /// `license-update` may change them), and every kind of the user's work elsewhere: a new
    /// file staged, a change staged with another on top (`MM`), a change not staged, untracked
    /// files and an untracked folder. Every commit waits in a slow `pre-commit` hook.
    fn dirty_fleet() -> (Fleet, Vec<String>) {
        let fleet = Fleet::new();
        let names: Vec<String> = (0..REPOS).map(|i| format!("repo-{i:02}")).collect();
        let first = &names[0];
        crate::license::repo_with(
            &fleet,
            first,
            &[
                ("LICENSE", crate::license::MIT_LICENSE.as_bytes()),
                ("a.rs", b"// SPDX-License-Identifier: MIT\n"),
                ("mm.txt", b"one\n"),
                ("notes/todo.txt", b"first\n"),
            ],
        );
        fleet.hook(first, "pre-commit", "sleep 0.3");
        fleet.add_copies(first, &names[1..]);
        for name in &names {
            let dir = fleet.path(name);
            fleet.write(name, "staged.txt", &format!("staged in {name}\n"));
            fleet.write(name, "mm.txt", "one\ntwo (staged)\n");
            fleet.git(&dir, &["add", "staged.txt", "mm.txt"]);
            fleet.write(name, "mm.txt", "one\ntwo (staged)\nthree (not staged)\n");
            fleet.write(name, "notes/todo.txt", "first\nsecond (not staged)\n");
            fleet.add_untracked(name);
            fleet.add_untracked_folder(name);
        }
        (fleet, names)
    }

    /// What must come back byte for byte: the user's state and `git diff --cached`.
    #[derive(Debug, PartialEq, Eq)]
    struct Image {
        state: UserState,
        cached: String,
    }

    fn image(fleet: &Fleet, name: &str) -> Image {
        Image {
            state: UserState::of(fleet, name),
            cached: fleet.git(
                &fleet.path(name),
                &["--no-optional-locks", "diff", "--cached", "--no-ext-diff"],
            ),
        }
    }

    /// Waits (at most 60 s) until no process works in `base` any more: the git children of
    /// the killed run (and their hooks) live in their own process groups, which the run's
    /// watchdog stops once it sees the run gone (SIGTERM, SIGKILL 2 s later).
    fn wait_for_strays(base: &Path) {
        let start = Instant::now();
        loop {
            let strays: Vec<String> = fs::read_dir("/proc")
                .expect("read /proc")
                .filter_map(Result::ok)
                .filter(|entry| entry.file_name().to_string_lossy().parse::<u32>().is_ok())
                .filter(|entry| {
                    fs::read_link(entry.path().join("cwd")).is_ok_and(|cwd| cwd.starts_with(base))
                })
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect();
            if strays.is_empty() {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "processes still working in the fleet: {strays:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts `args` on the fleet, kills it with SIGKILL after a random time within
    /// `window`, and waits for what it left running. Returns how long it ran.
    fn run_and_kill(fleet: &Fleet, args: &[&str], window: Duration, round: usize) -> Duration {
        let mut child = fleet
            .batch_in(&fleet.root)
            .args(["--format", "json", "-j4"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn git-batch");
        let bound = u64::try_from(window.as_millis()).expect("a short window");
        let delay = Duration::from_millis(random_below(bound, round));
        std::thread::sleep(delay);
        let killed = Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(killed.success());
        let _ = child.wait();
        wait_for_strays(&fleet.base);
        delay
    }

    /// The run's journal: the last record of each repository, by folder name (from the run's
    /// record once it finished, from its progress log until then).
    fn progress(fleet: &Fleet) -> (Option<String>, BTreeMap<String, Value>) {
        let runs = fleet.home.join(".local/state/git-batch/runs");
        let mut records = BTreeMap::new();
        let mut keep = |record: Value| {
            let path = PathBuf::from(record["path"].as_str().expect("a path"));
            let folder = path.file_name().expect("a name").to_string_lossy();
            records.insert(folder.into_owned(), record);
        };
        let mut run_id = None;
        for entry in fs::read_dir(&runs).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".json") else {
                continue;
            };
            run_id = Some(id.to_owned());
            let text = fs::read_to_string(entry.path()).expect("read the run record");
            let run: Value = serde_json::from_str(&text).expect("a whole run record");
            run["repos"]
                .as_array()
                .into_iter()
                .flatten()
                .cloned()
                .for_each(&mut keep);
            let log = runs.join(format!("{id}.progress.jsonl"));
            for line in fs::read_to_string(log).unwrap_or_default().lines() {
                if let Ok(record) = serde_json::from_str::<Value>(line) {
                    keep(record);
                }
            }
        }
        (run_id, records)
    }

    /// Puts `name` back from the run's refs and its record, as `undo` does: HEAD to the backup
    /// ref, the index to the index ref, and the files the run wrote back to their content
    /// before it (with any temporary file of an interrupted write removed).
    fn restore_from_refs(fleet: &Fleet, name: &str, run_id: &str, record: &Value) {
        let dir = fleet.path(name);
        let backup = format!("refs/git-batch/backup/{run_id}");
        let index = format!("refs/git-batch/index/{run_id}");
        let head_before = record["head_before"].as_str().expect("head_before");
        let saved = fleet.git(&dir, &["rev-parse", &backup]);
        assert_eq!(saved.trim(), head_before, "{name}: the backup ref");
        // A kill inside a ref or index update leaves that lock behind; with nothing running any
        // more, removing it is what git's own message tells the user to do.
        let branch = fleet.git(&dir, &["symbolic-ref", "HEAD"]);
        for lock in [
            "HEAD".to_owned(),
            "index".to_owned(),
            branch.trim().to_owned(),
        ] {
            let _ = fs::remove_file(dir.join(".git").join(format!("{lock}.lock")));
        }
        fleet.git(&dir, &["reset", "-q", "--soft", &backup]);
        fleet.git(&dir, &["read-tree", &index]);
        for file in record["files"].as_array().into_iter().flatten() {
            let path = file["path"].as_str().expect("a path");
            if file["created"] == true {
                let _ = fs::remove_file(dir.join(path));
            } else {
                fleet.git(&dir, &["checkout", &backup, "--", path]);
            }
            let folder = dir.join(path);
            let folder = folder.parent().expect("a folder");
            for entry in fs::read_dir(folder).expect("read a folder").flatten() {
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".git-batch-")
                {
                    fs::remove_file(entry.path()).expect("remove a temporary file");
                }
            }
        }
    }

    /// What git-batch itself guarantees after `kill -9`: every repository it touched has a
    /// record in the journal, written before its first write, and the run's refs, which hold
    /// everything needed to put it back byte for byte.
    fn killed_runs_can_be_put_back_from_the_journal_and_the_refs(args: &[&str]) {
        let window = Duration::from_millis(2500);
        for round in 0..rounds() {
            let (fleet, names) = dirty_fleet();
            let before: Vec<Image> = names.iter().map(|name| image(&fleet, name)).collect();
            let delay = run_and_kill(&fleet, args, window, round);
            let (run_id, records) = progress(&fleet);
            let mut touched = 0;
            for (name, before) in names.iter().zip(&before) {
                let now = image(&fleet, name);
                let record = records.get(name.as_str());
                if now == *before && record.is_none_or(|r| r["head_before"].is_null()) {
                    continue;
                }
                let record = record.unwrap_or_else(|| {
                    panic!("{name} changed after {delay:?} but the journal does not name it")
                });
                let run_id = run_id.as_deref().expect("a run record");
                restore_from_refs(&fleet, name, run_id, record);
                touched += 1;
                assert_eq!(
                    image(&fleet, name),
                    *before,
                    "{name} after a kill at {delay:?} ({record})"
                );
            }
            eprintln!("round {round}: killed after {delay:?}, {touched} repositories touched");
        }
    }

    /// The whole promise: after `kill -9` and `git batch undo`, every repository is as it was.
    fn killed_runs_are_undone_byte_for_byte(args: &[&str]) {
        let window = Duration::from_millis(2500);
        let mut failures = Vec::new();
        for round in 0..rounds() {
            let (fleet, names) = dirty_fleet();
            let before: Vec<Image> = names.iter().map(|name| image(&fleet, name)).collect();
            let delay = run_and_kill(&fleet, args, window, round);
            let undo = fleet
                .cmd()
                .args(["--format", "json", "undo"])
                .output()
                .expect("run undo");
            let changed: Vec<&String> = names
                .iter()
                .zip(&before)
                .filter(|(name, before)| image(&fleet, name) != **before)
                .map(|(name, _)| name)
                .collect();
            if !changed.is_empty() {
                failures.push(format!(
                    "round {round}, killed after {delay:?}: not restored: {changed:?}; undo \
                     said {}",
                    String::from_utf8_lossy(&undo.stdout)
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} rounds failed:\n{}",
            failures.len(),
            rounds(),
            failures.join("\n")
        );
    }

    #[test]
    fn a_sync_killed_outright_can_be_put_back_from_its_journal_and_refs() {
        killed_runs_can_be_put_back_from_the_journal_and_the_refs(&["sync", "--no-push"]);
    }

    #[test]
    fn a_license_update_killed_outright_can_be_put_back_from_its_journal_and_refs() {
        killed_runs_can_be_put_back_from_the_journal_and_the_refs(&[
            "license-update",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
        ]);
    }

    #[test]
    fn a_sync_killed_outright_is_undone_byte_for_byte() {
        killed_runs_are_undone_byte_for_byte(&["sync", "--no-push"]);
    }

    #[test]
    fn a_license_update_killed_outright_is_undone_byte_for_byte() {
        killed_runs_are_undone_byte_for_byte(&[
            "license-update",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
        ]);
    }
}

#[test]
fn a_license_commit_past_the_timeout_is_stopped_and_everything_put_back() {
    use crate::observe::UserState;
    let fleet = Fleet::new();
    crate::license::repo_with(
        &fleet,
        "slow",
        &[
            ("LICENSE", crate::license::MIT_LICENSE.as_bytes()),
            ("a.rs", b"// SPDX-License-Identifier: MIT\n"),
        ],
    );
    fleet.stage("slow");
    fleet.make_dirty("slow");
    fleet.add_untracked("slow");
    fleet.hook("slow", "pre-commit", "sleep 30");
    let before = UserState::of(&fleet, "slow");
    let start = Instant::now();

    let output = fleet
        .cmd()
        .args(["--format", "json", "--timeout", "2", "license-update"])
        .args(["--old", "MIT", "--new", "Apache-2.0"])
        .output()
        .expect("run git-batch");

    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let document: Value = serde_json::from_slice(&output.stdout).expect("the JSON document");
    let entry = crate::fixture::repo(&document, "slow");
    assert_eq!(entry["outcome"], "failed");
    let message = entry["message"].as_str().expect("a message");
    assert!(message.contains("timed out"), "{message}");
    assert!(message.contains("the files are as they were"), "{message}");
    assert!(!fleet.path("slow").join(".git/index.lock").exists());
    assert_eq!(UserState::of(&fleet, "slow"), before);
}

/// A branch's lock file left by a git (or a git-batch) killed while moving the ref makes the
/// commit fail: the repository is reported with the lock named, not as "HEAD moved", its files
/// are put back, and the lock, which only the user can judge, is left where it is.
#[test]
fn a_ref_lock_left_by_a_killed_git_is_named_and_nothing_is_changed() {
    use crate::observe::UserState;
    let fleet = Fleet::new();
    crate::license::repo_with(
        &fleet,
        "locked",
        &[
            ("LICENSE", crate::license::MIT_LICENSE.as_bytes()),
            ("a.rs", b"// SPDX-License-Identifier: MIT\n"),
        ],
    );
    let dir = fleet.path("locked");
    let branch = fleet.git(&dir, &["symbolic-ref", "HEAD"]);
    let lock = dir.join(".git").join(format!("{}.lock", branch.trim()));
    fs::write(&lock, "").expect("a lock left behind");
    let before = UserState::of(&fleet, "locked");

    let output = fleet
        .cmd()
        .args([
            "--format",
            "json",
            "license-update",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
        ])
        .output()
        .expect("run git-batch");

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let document: Value = serde_json::from_slice(&output.stdout).expect("the JSON document");
    let entry = crate::fixture::repo(&document, "locked");
    assert_eq!(entry["outcome"], "failed");
    let message = entry["message"].as_str().expect("a message");
    assert!(
        message.contains(&format!("{}.lock present", branch.trim())),
        "{message}"
    );
    assert!(!message.contains("HEAD moved"), "{message}");
    assert!(message.contains("the files are as they were"), "{message}");
    assert_eq!(UserState::of(&fleet, "locked"), before);
    assert!(lock.exists(), "the lock is the user's to remove");
}
