//! git-batch against a real OpenSSH server (see `sshd.rs`): with a known host and a good key,
//! `sync` and `clone` work; an unknown host key or a key that needs a passphrase fails at once,
//! once for the host, with the fix, even with a terminal attached (the run goes through
//! `script`, so ssh has a terminal to ask on); a server that never answers costs one
//! `--timeout`; `--per-host` is seen from the server's side.

use std::fs;
use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::clone::bare_remote;
use crate::fixture::{Fleet, GIT_BATCH, repo};
use crate::observe::UserState;
use crate::sshd::{Key, Sshd};

/// The longest any run here may take before the test fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(60);

/// Runs `command` to its end, killing it past [`LIMIT`]; returns its output and how long it took.
fn run_limited(mut command: Command) -> (Output, Duration) {
    let start = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        let _ = stdout.read_to_end(&mut buffer);
        buffer
    });
    let err = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        let _ = stderr.read_to_end(&mut buffer);
        buffer
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("the run took longer than {LIMIT:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let output = Output {
        status,
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    };
    (output, elapsed)
}

/// A shell word for `text`.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// What a run under a terminal did: its exit code, its JSON document, what the terminal showed,
/// and how long it took.
#[derive(Debug)]
struct TerminalRun {
    code: Option<i32>,
    document: Value,
    terminal: String,
    elapsed: Duration,
}

/// Runs `git-batch --format json ARGS` from the root with a terminal as its controlling
/// terminal, standard input and standard error (`script -qec CMD /dev/null`): ssh would ask
/// there if it asked at all. The document goes to a file.
fn run_in_terminal(fleet: &Fleet, args: &[&str]) -> TerminalRun {
    let document = fleet.base.join("document.json");
    let mut line = format!("exec {} --format json", quote(GIT_BATCH));
    for arg in args {
        line.push(' ');
        line.push_str(&quote(arg));
    }
    line.push_str(&format!(" > {}", quote(&document.display().to_string())));
    let mut script = fleet.sealed("script", &fleet.root);
    script.args(["-qec", &line, "/dev/null"]);
    let (output, elapsed) = run_limited(script);
    let terminal = String::from_utf8_lossy(&output.stdout).into_owned();
    let text = fs::read_to_string(&document).unwrap_or_default();
    let document = serde_json::from_str(&text).unwrap_or_else(|err| {
        panic!(
            "git-batch {args:?} printed no JSON ({err}): {text}; terminal: {terminal}; \
             stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    TerminalRun {
        code: output.status.code(),
        document,
        terminal,
        elapsed,
    }
}

/// The run's notes.
fn notes_of(document: &Value) -> Vec<String> {
    document["notes"]
        .as_array()
        .expect("a notes array")
        .iter()
        .map(|note| note.as_str().expect("a note").to_owned())
        .collect()
}

/// A fleet of `local` (a path remote) and `names` (remotes over `sshd`), each with a change to
/// sync, its git configured to use `key`.
fn fleet_over_ssh(sshd: &Sshd, names: &[&str], key: Key) -> Fleet {
    let fleet = Fleet::new();
    for name in names.iter().chain(&["local"]) {
        fleet.add_repo(name);
        fleet.make_dirty(name);
    }
    sshd.serve(&fleet, names);
    sshd.configure(&fleet, key);
    fleet
}

/// The repositories over ssh failed without being tried, and nothing in them changed.
fn assert_not_tried(fleet: &Fleet, document: &Value, names: &[&str], before: &[UserState]) {
    for (name, before) in names.iter().zip(before) {
        let entry = repo(document, name);
        assert_eq!(entry["outcome"], "failed", "{entry}");
        assert_eq!(
            entry["message"], "not tried: 127.0.0.1 refused (see the note above)",
            "{entry}"
        );
        assert_eq!(&UserState::of(fleet, name), before, "{name} was touched");
        assert!(fleet.batch_refs(name).is_empty(), "{name}");
    }
    assert_eq!(repo(document, "local")["outcome"], "changed");
}

#[test]
fn sync_and_clone_work_over_ssh_with_a_known_host_and_a_good_key() {
    let Some(sshd) = Sshd::start() else { return };
    let names = ["a", "b"];
    let fleet = fleet_over_ssh(&sshd, &names, Key::Plain);
    sshd.trust(&fleet);

    let document = fleet.json_exit(&["sync"], 0);
    for name in names.iter().chain(&["local"]) {
        assert_eq!(repo(&document, name)["outcome"], "changed", "{document:#}");
        assert_eq!(fleet.remote_head(name), fleet.head(name), "{name}");
    }
    assert!(sshd.sessions() >= names.len(), "{}", sshd.log());

    let urls: Vec<String> = ["team/x.git", "team/y.git"]
        .iter()
        .map(|path| sshd.url(&bare_remote(&fleet, path)))
        .collect();
    let into = fleet.base.join("cloned");
    let mut args = vec!["--root", into.to_str().expect("a UTF-8 path"), "clone"];
    args.extend(urls.iter().map(String::as_str));
    let document = fleet.json_exit(&args, 0);
    for name in ["x", "y"] {
        assert_eq!(repo(&document, name)["outcome"], "changed", "{document:#}");
        assert!(into.join(name).join("README.md").is_file(), "{name}");
    }
}

#[test]
fn an_unknown_host_key_fails_at_once_with_the_fix_even_with_a_terminal() {
    let Some(sshd) = Sshd::start() else { return };
    let names = ["a", "b", "c"];
    let fleet = fleet_over_ssh(&sshd, &names, Key::Plain);
    let before: Vec<UserState> = names.iter().map(|n| UserState::of(&fleet, n)).collect();

    let run = run_in_terminal(&fleet, &["--timeout", "30", "sync"]);
    eprintln!(
        "sync with an unknown host key, under a terminal: {:?}",
        run.elapsed
    );

    assert_eq!(run.code, Some(1), "{run:#?}");
    assert!(run.elapsed < Duration::from_secs(10), "{run:#?}");
    assert!(!run.terminal.contains("yes/no"), "ssh asked: {run:#?}");
    let notes = notes_of(&run.document);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(notes[0].starts_with("127.0.0.1 refused"), "{}", notes[0]);
    assert!(
        notes[0].contains("Host key verification failed"),
        "{}",
        notes[0]
    );
    let keyscan = format!(
        "ssh-keyscan -p {} 127.0.0.1 >> ~/.ssh/known_hosts",
        sshd.port
    );
    assert!(
        notes[0].contains(&keyscan),
        "the fix is named: {}",
        notes[0]
    );
    assert_not_tried(&fleet, &run.document, &names, &before);
    // Asked once: one connection (the probe), and it never got a session.
    let connections = sshd.log().matches("Connection from").count();
    assert_eq!(connections, 1, "{}", sshd.log());
    assert_eq!(sshd.sessions(), 0);

    // A clone from the unknown host: the same note, and nothing left behind.
    let into = fleet.base.join("cloned");
    let url = sshd.url(&bare_remote(&fleet, "team/x.git"));
    let into_arg = into.to_str().expect("a UTF-8 path");
    let run = run_in_terminal(
        &fleet,
        &["--root", into_arg, "--timeout", "30", "clone", &url],
    );
    assert!(run.elapsed < Duration::from_secs(10), "{run:#?}");
    assert_eq!(repo(&run.document, "x")["outcome"], "failed", "{run:#?}");
    let clone_notes = notes_of(&run.document);
    assert_eq!(clone_notes.len(), 1, "{clone_notes:#?}");
    assert!(clone_notes[0].contains(&keyscan), "{}", clone_notes[0]);
    let left: Vec<_> = fs::read_dir(&into).expect("the root").collect();
    assert!(left.is_empty(), "{left:?}");

    // The fix, as the note gives it (into this fleet's known_hosts), then the rerun it names.
    let scan = Command::new("ssh-keyscan")
        .args(["-p", &sshd.port.to_string(), "127.0.0.1"])
        .stdin(Stdio::null())
        .output()
        .expect("run ssh-keyscan");
    fs::write(Sshd::known_hosts(&fleet), &scan.stdout).expect("write known_hosts");
    let document = fleet.json_exit(&["-t", "@failed", "sync"], 0);
    for name in names {
        assert_eq!(repo(&document, name)["outcome"], "changed", "{document:#}");
        assert_eq!(fleet.remote_head(name), fleet.head(name), "{name}");
    }
}

#[test]
fn a_changed_host_key_fails_at_once_with_the_fix() {
    let Some(sshd) = Sshd::start() else { return };
    let names = ["a", "b"];
    let fleet = fleet_over_ssh(&sshd, &names, Key::Plain);
    sshd.trust_another_key(&fleet);
    let before: Vec<UserState> = names.iter().map(|n| UserState::of(&fleet, n)).collect();

    let document = fleet.json_exit(&["--timeout", "30", "sync"], 1);

    let notes = notes_of(&document);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(notes[0].starts_with("127.0.0.1 refused"), "{}", notes[0]);
    let fix = format!("`ssh-keygen -R '[127.0.0.1]:{}'`", sshd.port);
    assert!(notes[0].contains(&fix), "the fix is named: {}", notes[0]);
    assert_not_tried(&fleet, &document, &names, &before);
    assert_eq!(sshd.sessions(), 0);
}

#[test]
fn a_key_that_needs_a_passphrase_fails_at_once_and_is_said_once() {
    let Some(sshd) = Sshd::start() else { return };
    let names = ["a", "b", "c"];
    let fleet = fleet_over_ssh(&sshd, &names, Key::Passphrase);
    sshd.trust(&fleet);
    let before: Vec<UserState> = names.iter().map(|n| UserState::of(&fleet, n)).collect();

    let run = run_in_terminal(&fleet, &["--timeout", "30", "sync"]);
    eprintln!(
        "sync with a key that needs a passphrase, under a terminal: {:?}",
        run.elapsed
    );

    assert_eq!(run.code, Some(1), "{run:#?}");
    assert!(run.elapsed < Duration::from_secs(10), "{run:#?}");
    assert!(!run.terminal.contains("passphrase"), "ssh asked: {run:#?}");
    let notes = notes_of(&run.document);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(notes[0].starts_with("127.0.0.1 refused"), "{}", notes[0]);
    assert!(
        notes[0].contains("Permission denied (publickey)"),
        "{}",
        notes[0]
    );
    assert!(
        notes[0].contains("ssh-add"),
        "the fix is named: {}",
        notes[0]
    );
    assert_not_tried(&fleet, &run.document, &names, &before);
    assert_eq!(
        sshd.log().matches("Connection from").count(),
        1,
        "{}",
        sshd.log()
    );
    assert_eq!(sshd.sessions(), 0);
}

/// A server on 127.0.0.1 that accepts connections, counts them, and never says a word (not
/// even ssh's greeting). It stops accepting when dropped, or after a minute.
#[derive(Debug)]
struct Silent {
    port: u16,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Silent {
    fn start() -> Silent {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let port = listener.local_addr().expect("an address").port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (counted, stopped) = (Arc::clone(&accepted), Arc::clone(&stop));
        let give_up = Instant::now() + LIMIT;
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stopped.load(Ordering::SeqCst) && Instant::now() < give_up {
                match listener.accept() {
                    Ok((stream, _)) => {
                        counted.fetch_add(1, Ordering::SeqCst);
                        held.push(stream);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Silent {
            port,
            accepted,
            stop,
        }
    }

    fn url(&self, path: &Path) -> String {
        format!("ssh://git@127.0.0.1:{}{}", self.port, path.display())
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_server_that_never_answers_costs_one_timeout_and_nothing_is_half_written() {
    // The client is configured as for the real server; the remotes point at a silent port.
    let Some(sshd) = Sshd::start() else { return };
    let silent = Silent::start();
    let names = ["a", "b", "c"];
    let fleet = fleet_over_ssh(&sshd, &[], Key::Plain);
    for name in names {
        fleet.add_repo(name);
        fleet.make_dirty(name);
        let url = silent.url(&fleet.remote_path(name));
        fleet.git(&fleet.path(name), &["remote", "set-url", "origin", &url]);
    }
    let before: Vec<UserState> = names.iter().map(|n| UserState::of(&fleet, n)).collect();

    let start = Instant::now();
    let document = fleet.json(&["--timeout", "2", "sync"]);
    let elapsed = start.elapsed();
    eprintln!("sync against a silent server, --timeout 2: {elapsed:?}");

    // One wait of --timeout (the probe), not one per repository, and the run finished.
    assert!(elapsed < Duration::from_secs(6), "took {elapsed:?}");
    assert_eq!(silent.accepted.load(Ordering::SeqCst), 1);
    let notes = notes_of(&document);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(notes[0].contains("timed out"), "{}", notes[0]);
    assert!(notes[0].contains("cannot be reached"), "{}", notes[0]);
    assert_not_tried(&fleet, &document, &names, &before);

    // A clone from it leaves nothing behind either.
    let into = fleet.base.join("cloned");
    let url = silent.url(&fleet.remotes.join("x.git"));
    let start = Instant::now();
    let document = fleet.json(&[
        "--root",
        into.to_str().expect("a UTF-8 path"),
        "--timeout",
        "2",
        "clone",
        &url,
    ]);
    assert!(start.elapsed() < Duration::from_secs(6), "{document:#}");
    assert_eq!(repo(&document, "x")["outcome"], "failed", "{document:#}");
    let left: Vec<_> = fs::read_dir(&into).expect("the root").collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn per_host_caps_the_sessions_the_server_sees() {
    let Some(sshd) = Sshd::start() else { return };
    let names = ["a", "b", "c", "d"];
    let fleet = fleet_over_ssh(&sshd, &names, Key::Plain);
    sshd.trust(&fleet);
    for name in names {
        // git runs pre-push with the connection open: each push holds its session that long.
        fleet.hook(name, "pre-push", "sleep 0.4");
    }

    let mark = sshd.log().len();
    fleet.json_exit(&["-j4", "--per-host", "1", "sync"], 0);
    let capped = sshd.most_sessions_at_once(mark);
    for name in &names {
        fleet.make_dirty(name);
    }
    let mark = sshd.log().len();
    fleet.json_exit(&["-j4", "--per-host", "4", "sync"], 0);
    let uncapped = sshd.most_sessions_at_once(mark);
    eprintln!("sessions at once: {capped} with --per-host 1, {uncapped} with --per-host 4");

    assert_eq!(capped, 1, "{}", sshd.log());
    // The count sees sessions at once when they happen.
    assert!(uncapped >= 2, "{}", sshd.log());
    for name in names {
        assert_eq!(fleet.remote_head(name), fleet.head(name), "{name}");
    }
}

#[test]
fn a_closed_port_is_unreachable_and_said_once() {
    let Some(sshd) = Sshd::start() else { return };
    let names = ["a", "b"];
    let fleet = fleet_over_ssh(&sshd, &[], Key::Plain);
    // A port nothing listens on: taken, then given back.
    let closed = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    for name in names {
        fleet.add_repo(name);
        fleet.make_dirty(name);
        let url = format!(
            "ssh://git@127.0.0.1:{closed}{}",
            fleet.remote_path(name).display()
        );
        fleet.git(&fleet.path(name), &["remote", "set-url", "origin", &url]);
    }
    let before: Vec<UserState> = names.iter().map(|n| UserState::of(&fleet, n)).collect();

    let start = Instant::now();
    let document = fleet.json_exit(&["--timeout", "30", "sync"], 1);

    assert!(start.elapsed() < Duration::from_secs(10), "{document:#}");
    let notes = notes_of(&document);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(notes[0].contains("Connection refused"), "{}", notes[0]);
    assert!(notes[0].contains("cannot be reached"), "{}", notes[0]);
    assert_not_tried(&fleet, &document, &names, &before);
}
