//! Ctrl-C: the first SIGINT stops handing out repositories, lets the one in flight finish,
//! prints the summary and exits 130, leaving the rest alone.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixture::Fleet;

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

/// Waits until the first repository has started (so the Ctrl-C handler is installed), lets
/// it run a little more, then sends SIGINT as a terminal's Ctrl-C would.
fn interrupt(child: &mut Child, marks: &Path) {
    let start = Instant::now();
    while marked(marks) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(500));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

/// Waits for the child (at most 20 s) and returns its exit code, stdout and stderr.
fn finish(mut child: Child) -> (Option<i32>, String, String) {
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("git-batch did not stop after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read stdout");
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    (status.code(), stdout, stderr)
}

#[test]
fn ctrl_c_stops_handing_out_repositories_and_exits_130_after_the_summary() {
    let (fleet, marks) = fleet();
    let mut child = start(&fleet, &marks, "json");
    interrupt(&mut child, &marks);
    let (code, stdout, stderr) = finish(child);
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
    interrupt(&mut child, &marks);
    let (code, stdout, stderr) = finish(child);
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
    interrupt(&mut child, &marks);
    std::thread::sleep(Duration::from_millis(200));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let (code, stdout, stderr) = finish(child);
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
