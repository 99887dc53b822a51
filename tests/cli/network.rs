//! Remote hosts during `sync`: a host that refuses authentication (an HTTP server on 127.0.0.1
//! that answers 401 to everything) is asked once, reported once, and its repositories fail
//! promptly and untouched while the others sync; `--per-host` caps pushes to one host.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixture::{Fleet, repo};
use crate::observe::{GitShim, UserState};

/// An HTTP server on 127.0.0.1 that counts the connections it gets and either answers each
/// with `401 Unauthorized` or, silent, holds it open and never answers. It stops accepting
/// when dropped, or after a minute whatever happens.
#[derive(Debug)]
struct Refuser {
    port: u16,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Refuser {
    fn start(silent: bool) -> Refuser {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let port = listener.local_addr().expect("an address").port();
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (counted, stopped) = (Arc::clone(&requests), Arc::clone(&stop));
        let give_up = Instant::now() + Duration::from_secs(60);
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stopped.load(Ordering::SeqCst) && Instant::now() < give_up {
                match listener.accept() {
                    Ok((stream, _)) => {
                        counted.fetch_add(1, Ordering::SeqCst);
                        if silent {
                            held.push(stream);
                        } else {
                            refuse(stream);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Refuser {
            port,
            requests,
            stop,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/x.git", self.port)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Refuser {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Reads the request's head (bounded in size and time) and answers 401.
fn refuse(mut stream: TcpStream) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while head.len() < 64 * 1024 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let _ = stream.write_all(
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\
          Content-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
}

#[test]
fn a_host_that_refuses_is_asked_once_and_its_repositories_fail_untouched() {
    let server = Refuser::start(false);
    let fleet = Fleet::new();
    let local = ["local-1", "local-2", "local-3"];
    let remote = ["http-1", "http-2", "http-3", "http-4"];
    for name in local.iter().chain(&remote) {
        fleet.add_repo(name);
        fleet.make_dirty(name);
        fleet.add_untracked(name);
    }
    for name in remote {
        fleet.git(
            &fleet.path(name),
            &["remote", "set-url", "origin", &server.url()],
        );
    }
    let before: Vec<UserState> = remote.iter().map(|n| UserState::of(&fleet, n)).collect();

    let start = Instant::now();
    let output = fleet
        .cmd()
        .args(["--format", "json", "--timeout", "30", "sync"])
        .output()
        .expect("run git-batch");
    let elapsed = start.elapsed();

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let notes = document["notes"].as_array().expect("a notes array");
    assert_eq!(notes.len(), 1, "{document:#}");
    let note = notes[0].as_str().expect("a note");
    assert!(note.starts_with("127.0.0.1 refused"), "{note}");
    assert!(note.contains("credential"), "the fix is named: {note}");
    for (name, before) in remote.iter().zip(&before) {
        let entry = repo(&document, name);
        assert_eq!(entry["outcome"], "failed", "{entry}");
        assert_eq!(
            entry["message"],
            "not tried: 127.0.0.1 refused (see the note above)"
        );
        assert_eq!(&UserState::of(&fleet, name), before, "{name} was touched");
        assert!(fleet.batch_refs(name).is_empty(), "{name}");
    }
    for name in local {
        assert_eq!(repo(&document, name)["outcome"], "changed");
        assert_eq!(fleet.remote_head(name), fleet.head(name));
    }
    // One probe, not one request per repository.
    let requests = server.requests();
    assert!(
        (1..remote.len()).contains(&requests),
        "the server saw {requests} requests"
    );
}

#[test]
fn a_host_that_never_answers_times_out_once_and_the_run_goes_on() {
    let server = Refuser::start(true);
    let fleet = Fleet::new();
    for name in ["local", "silent-1", "silent-2", "silent-3"] {
        fleet.add_repo(name);
        fleet.make_dirty(name);
    }
    for name in ["silent-1", "silent-2", "silent-3"] {
        fleet.git(
            &fleet.path(name),
            &["remote", "set-url", "origin", &server.url()],
        );
    }
    let before = UserState::of(&fleet, "silent-1");

    let start = Instant::now();
    let document = fleet.json(&["--timeout", "2", "sync"]);
    let elapsed = start.elapsed();

    // One probe, stopped at the timeout, not one wait per repository.
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert_eq!(server.requests(), 1);
    let notes = document["notes"].as_array().expect("a notes array");
    assert_eq!(notes.len(), 1, "{document:#}");
    assert!(
        notes[0]
            .as_str()
            .is_some_and(|n| n.contains("cannot be reached")),
        "{notes:?}"
    );
    for name in ["silent-1", "silent-2", "silent-3"] {
        assert_eq!(repo(&document, name)["outcome"], "failed");
    }
    assert_eq!(UserState::of(&fleet, "silent-1"), before);
    assert_eq!(repo(&document, "local")["outcome"], "changed");
}

#[test]
fn per_host_caps_the_pushes_running_at_once_against_one_host() {
    let fleet = Fleet::new();
    let names = ["a", "b", "c", "d"];
    for name in names {
        fleet.add_repo(name);
        fleet.make_dirty(name);
        // Long enough that four workers would be pushing at the same time without the cap.
        fleet.hook(name, "pre-push", "sleep 0.2");
    }
    let shim = GitShim::new(&fleet);
    let output = fleet
        .batch_in(&fleet.root)
        .env("PATH", shim.path_env())
        .args(["-j4", "--per-host", "1", "sync"])
        .output()
        .expect("run git-batch");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let pushes = shim
        .calls()
        .iter()
        .filter(|c| c.starts_with("push"))
        .count();
    assert_eq!(pushes, names.len());
    assert_eq!(shim.most_at_once("push"), 1, "{:#?}", shim.lines());
    for name in names {
        assert_eq!(fleet.remote_head(name), fleet.head(name));
    }
}

#[test]
fn clone_asks_a_refusing_host_once_and_leaves_nothing_behind() {
    let server = Refuser::start(false);
    let fleet = Fleet::new();
    let base = format!("http://127.0.0.1:{}", server.port);
    let document = fleet.json(&["clone", "--base-url", &base, "team/a", "team/b", "team/c"]);
    assert_eq!(server.requests(), 1, "{document:#}");
    for name in ["a", "b", "c"] {
        assert_eq!(repo(&document, name)["outcome"], "failed");
    }
    let notes = document["notes"].to_string();
    assert!(notes.contains("127.0.0.1"), "{notes}");
    let left: Vec<_> = std::fs::read_dir(&fleet.root)
        .expect("read the root")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_branch_run_asks_a_refusing_host_once() {
    let server = Refuser::start(false);
    let fleet = Fleet::new();
    let remote = ["http-1", "http-2", "http-3"];
    for name in remote {
        fleet.add_repo(name);
        fleet.commit_file(name, "a.rs", "// SPDX-License-Identifier: MIT\n", "a");
        fleet.git(
            &fleet.path(name),
            &["remote", "set-url", "origin", &server.url()],
        );
    }
    let output = fleet
        .cmd()
        .args(["--format", "json", "--timeout", "30"])
        .args([
            "license-update",
            "--old",
            "MIT",
            "--new",
            "ISC",
            "--branch",
            "x",
        ])
        .output()
        .expect("run git-batch");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let notes = document["notes"].as_array().expect("a notes array");
    assert!(
        notes.iter().any(|note| note
            .as_str()
            .is_some_and(|n| n.starts_with("127.0.0.1 refused"))),
        "{document:#}"
    );
    for name in remote {
        assert_eq!(
            repo(&document, name)["message"],
            "not tried: 127.0.0.1 refused (see the note above)"
        );
        let local = fleet.git(&fleet.path(name), &["for-each-ref", "refs/heads/x"]);
        assert!(local.is_empty(), "{name}: {local}");
    }
    let requests = server.requests();
    assert!(
        (1..remote.len()).contains(&requests),
        "the server saw {requests} requests"
    );
}

#[test]
fn a_sync_branch_run_asks_a_refusing_host_once() {
    let server = Refuser::start(false);
    let fleet = Fleet::new();
    let remote = ["http-1", "http-2", "http-3"];
    for name in remote {
        fleet.add_repo(name);
        fleet.make_dirty(name);
        fleet.git(
            &fleet.path(name),
            &["remote", "set-url", "origin", &server.url()],
        );
    }
    let before: Vec<UserState> = remote.iter().map(|n| UserState::of(&fleet, n)).collect();
    let output = fleet
        .cmd()
        .args([
            "--format",
            "json",
            "--timeout",
            "30",
            "sync",
            "--branch",
            "x",
        ])
        .output()
        .expect("run git-batch");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    for (name, before) in remote.iter().zip(&before) {
        assert_eq!(
            repo(&document, name)["message"],
            "not tried: 127.0.0.1 refused (see the note above)"
        );
        assert_eq!(&UserState::of(&fleet, name), before, "{name} was touched");
    }
    let requests = server.requests();
    assert!(
        (1..remote.len()).contains(&requests),
        "the server saw {requests} requests"
    );
}
