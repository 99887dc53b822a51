//! `watch --format jsonl`: a line per repository at the start, then a line for exactly the
//! repository that changed, saying what `status --format json` says of it; the watch limit; and
//! Ctrl-C and SIGTERM ending it with exit 0 and nothing left behind.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixture::{Fleet, repo};

/// A running `git batch watch`, its standard output read line by line as JSON.
pub(crate) struct Watching {
    child: Child,
    lines: Receiver<Value>,
    /// Every line read so far.
    pub seen: Vec<Value>,
}

impl Watching {
    /// Starts `git batch watch --format jsonl ARGS` in the fleet's root, with `env` set.
    pub(crate) fn start(fleet: &Fleet, args: &[&str], env: &[(&str, &str)]) -> Watching {
        let mut command = fleet.batch_in(&fleet.root);
        command
            .args(["watch", "--format", "jsonl"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start git-batch watch");
        let out = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                let value: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|err| panic!("not a JSON line ({err}): {line}"));
                if sender.send(value).is_err() {
                    break;
                }
            }
        });
        Watching {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The next line, if one comes within `wait`.
    pub(crate) fn next(&mut self, wait: Duration) -> Option<Value> {
        match self.lines.recv_timeout(wait) {
            Ok(line) => {
                self.seen.push(line.clone());
                Some(line)
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Reads the first line of every one of `names`, in any order.
    pub(crate) fn first_lines(&mut self, names: &[&str]) -> Vec<Value> {
        let mut lines = Vec::new();
        while lines.len() < names.len() {
            let line = self
                .next(Duration::from_secs(20))
                .unwrap_or_else(|| panic!("no first line for every repository: {lines:?}"));
            lines.push(line);
        }
        let mut said: Vec<&str> = lines
            .iter()
            .map(|line| line["name"].as_str().unwrap_or(""))
            .collect();
        said.sort_unstable();
        assert_eq!(said, names);
        lines
    }

    /// Reads lines until one says of `name` what `status --format json` says now (at most 10 s);
    /// every line read is about `name`. Then nothing more comes for a moment.
    pub(crate) fn expect_status(&mut self, fleet: &Fleet, name: &str) -> Value {
        let want = status_fields(repo(&fleet.json(&["status"]), name));
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .next(left)
                .unwrap_or_else(|| panic!("no line saying {want}; read: {:?}", self.seen));
            assert_eq!(line["event"], "status", "{line}");
            assert_eq!(line["name"], name, "a line for another repository: {line}");
            if status_fields(&line) == want {
                break;
            }
        }
        let after = self.next(Duration::from_millis(400));
        assert!(
            after.is_none(),
            "a line after the status settled: {after:?}"
        );
        want
    }

    /// Sends `signal` (`INT`, `TERM`) and returns the exit code, once it ended (within 10 s).
    pub(crate) fn stop(mut self, signal: &str) -> Option<i32> {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for git-batch") {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("git-batch watch did not end after SIG{signal}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A status entry's fields, without the event's name and the reading's duration.
pub(crate) fn status_fields(entry: &Value) -> Value {
    let mut entry = entry.clone();
    if let Some(map) = entry.as_object_mut() {
        map.remove("event");
        map.remove("duration_ms");
    }
    entry
}

fn fleet_of_three() -> Fleet {
    let fleet = Fleet::new();
    for name in ["a", "b", "c"] {
        fleet.add_repo(name);
    }
    fleet
}

#[test]
fn each_change_in_one_repository_is_one_line_saying_what_status_says() {
    let fleet = fleet_of_three();
    let mut watching = Watching::start(&fleet, &[], &[]);
    let first = watching.first_lines(&["a", "b", "c"]);
    let status = fleet.json(&["status"]);
    for line in &first {
        let name = line["name"].as_str().expect("a name");
        assert_eq!(status_fields(line), status_fields(repo(&status, name)));
    }
    let b = fleet.path("b");
    // An edit of a tracked file.
    fleet.make_dirty("b");
    let dirty = watching.expect_status(&fleet, "b");
    assert_eq!(dirty["unstaged"], 1);
    // Staged.
    fleet.git(&b, &["add", "README.md"]);
    let staged = watching.expect_status(&fleet, "b");
    assert_eq!(staged["staged"], 1);
    // Committed.
    fleet.git(&b, &["commit", "-q", "-m", "an edit"]);
    let committed = watching.expect_status(&fleet, "b");
    assert_eq!(
        (committed["state"].as_str(), committed["ahead"].as_u64()),
        (Some("clean"), Some(1))
    );
    // Another branch checked out.
    fleet.git(&b, &["checkout", "-q", "-b", "topic"]);
    let topic = watching.expect_status(&fleet, "b");
    assert_eq!(topic["branch"], "topic");
    fleet.git(&b, &["checkout", "-q", "main"]);
    watching.expect_status(&fleet, "b");
    // A change fetched from the remote.
    fleet.advance_remote("b", "remote.txt", "from elsewhere\n");
    fleet.git(&b, &["fetch", "-q"]);
    let fetched = watching.expect_status(&fleet, "b");
    assert_eq!(fetched["behind"], 1);
    // A folder made after the start is watched; a folder git ignores is not.
    let c = fleet.path("c");
    fleet.write("c", ".gitignore", "target/\n");
    watching.expect_status(&fleet, "c");
    fleet.write("c", "docs/guide.md", "first\n");
    watching.expect_status(&fleet, "c");
    fleet.git(&c, &["add", "."]);
    fleet.git(&c, &["commit", "-q", "-m", "docs"]);
    watching.expect_status(&fleet, "c");
    fleet.write("c", "docs/guide.md", "second\n");
    let edited = watching.expect_status(&fleet, "c");
    assert_eq!(edited["unstaged"], 1);
    // A folder removed and made again is watched again.
    fleet.git(&c, &["checkout", "--", "docs"]);
    watching.expect_status(&fleet, "c");
    std::fs::remove_dir_all(c.join("docs")).expect("remove a folder");
    let removed = watching.expect_status(&fleet, "c");
    assert_eq!(removed["unstaged"], 1);
    fleet.write("c", "docs/guide.md", "first\n");
    watching.expect_status(&fleet, "c");
    fleet.write("c", "docs/guide.md", "third\n");
    let again = watching.expect_status(&fleet, "c");
    assert_eq!(again["unstaged"], 1);
    fleet.write("c", "target/built.o", "object\n");
    fleet.write("c", "target/more.o", "object\n");
    let quiet = watching.next(Duration::from_millis(600));
    assert!(quiet.is_none(), "an ignored folder printed {quiet:?}");
    assert_eq!(watching.stop("INT"), Some(0));
}

#[test]
fn a_repository_that_appears_or_goes_is_said() {
    let fleet = fleet_of_three();
    let mut watching = Watching::start(&fleet, &[], &[]);
    watching.first_lines(&["a", "b", "c"]);
    fleet.add_repo("d");
    let deadline = Instant::now() + Duration::from_secs(10);
    let d = loop {
        let line = watching
            .next(deadline.saturating_duration_since(Instant::now()))
            .expect("a line for the new repository");
        if line["name"] == "d" {
            break line;
        }
    };
    assert_eq!(d["event"], "status");
    // Watched too: a change in it is seen.
    fleet.make_dirty("d");
    watching.expect_status(&fleet, "d");
    std::fs::remove_dir_all(fleet.path("a")).expect("remove a repository");
    let gone = watching
        .next(Duration::from_secs(10))
        .expect("a line for the repository gone");
    assert_eq!(gone, serde_json::json!({"event": "gone", "name": "a"}));
    assert_eq!(watching.stop("TERM"), Some(0));
}

#[test]
fn past_the_watch_limit_it_says_so_once_and_polls() {
    let fleet = fleet_of_three();
    // The root's folder and a's three folders (.git, its refs, its working tree) are watched;
    // b and c are not.
    let mut watching = Watching::start(&fleet, &[], &[("GIT_BATCH_WATCH_LIMIT", "4")]);
    let mut notes = Vec::new();
    let mut statuses = 0;
    while statuses < 3 {
        let line = watching
            .next(Duration::from_secs(20))
            .expect("the first lines");
        match line["event"].as_str() {
            Some("status") => statuses += 1,
            Some("note") => notes.push(line),
            _ => panic!("unexpected {line}"),
        }
    }
    if let Some(line) = watching.next(Duration::from_secs(1)) {
        notes.push(line);
    }
    assert_eq!(notes.len(), 1, "{notes:?}");
    let message = notes[0]["message"].as_str().expect("a message");
    assert!(message.contains("fs.inotify.max_user_watches"), "{message}");
    // Changes in b and c (polled) and in a (watched) are all seen, the note not said again.
    for name in ["c", "b", "a"] {
        fleet.make_dirty(name);
        watching.expect_status(&fleet, name);
    }
    fleet.stage("c");
    watching.expect_status(&fleet, "c");
    assert!(
        watching
            .seen
            .iter()
            .filter(|line| line["event"] == "note")
            .count()
            == 1
    );
    assert_eq!(watching.stop("INT"), Some(0));
}

#[test]
fn ctrl_c_and_sigterm_end_it_with_exit_0_and_nothing_left_behind() {
    let fleet = fleet_of_three();
    for signal in ["INT", "TERM"] {
        let mut watching = Watching::start(&fleet, &[], &[]);
        watching.first_lines(&["a", "b", "c"]);
        fleet.make_dirty("a");
        watching.expect_status(&fleet, "a");
        fleet.git(&fleet.path("a"), &["checkout", "--", "README.md"]);
        watching.expect_status(&fleet, "a");
        assert_eq!(watching.stop(signal), Some(0), "after SIG{signal}");
        // Nothing left in the repositories, and the root is free for a run at once.
        for name in ["a", "b", "c"] {
            assert!(!fleet.path(name).join(".git/index.lock").exists());
            let porcelain = fleet.git(&fleet.path(name), &["status", "--porcelain", "--ignored"]);
            assert_eq!(porcelain, "", "{name} after SIG{signal}");
        }
        let started = Instant::now();
        fleet.cmd().args(["sync"]).assert().success();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the root lock was held"
        );
    }
}

#[test]
fn a_linked_worktree_is_followed_through_its_own_git_folder() {
    let fleet = Fleet::new();
    fleet.add_repo("main-repo");
    let worktree = fleet.add_worktree("main-repo", "linked");
    let mut watching = Watching::start(&fleet, &[], &[]);
    watching.first_lines(&["linked", "main-repo"]);
    fleet.write("linked", "README.md", "changed in the worktree\n");
    let dirty = watching.expect_status(&fleet, "linked");
    assert_eq!(dirty["unstaged"], 1);
    fleet.git(&worktree, &["commit", "-q", "-a", "-m", "in the worktree"]);
    let committed = watching.expect_status(&fleet, "linked");
    assert_eq!(committed["unstaged"], 0);
    assert_eq!(watching.stop("INT"), Some(0));
}

/// Runs `pipeline` in `sh` (`$0` is git-batch) over a fleet of three, whose reader takes one
/// line and goes: one line is read, and the watch ends within 20 s.
fn ends_with_its_reader(pipeline: &str) -> std::process::Output {
    let fleet = fleet_of_three();
    let started = Instant::now();
    let output = fleet
        .sealed("sh", &fleet.root)
        .args(["-c", pipeline, env!("CARGO_BIN_EXE_git-batch")])
        .output()
        .expect("run sh");
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the watch outlived its reader: {:?}",
        started.elapsed()
    );
    output
}

#[test]
fn it_ends_when_the_reader_of_its_lines_goes_away() {
    let output = ends_with_its_reader("\"$0\" watch --format jsonl | head -n 1");
    assert!(output.status.success());
}

#[test]
fn it_ends_when_the_reader_goes_away_after_the_last_line() {
    // The reader takes its line only once all three are in the pipe, so no later line fails
    // to tell the watch; `timeout` ends a watch that never notices.
    ends_with_its_reader("timeout 30 \"$0\" watch --format jsonl | { sleep 2; head -n 1; }");
}
