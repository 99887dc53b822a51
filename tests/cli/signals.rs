//! Ctrl-C from a test without guessing how long the handler takes: git-batch says on stderr
//! the moment it hears each Ctrl-C, and the tests wait for that line instead of sleeping.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The first line git-batch prints when it hears Ctrl-C.
pub(crate) const FIRST: &str = "git-batch: interrupted: no more repositories are started";
/// The line it prints when it hears Ctrl-C again.
pub(crate) const SECOND: &str = "git-batch: interrupted again";

/// A child's standard error, read line by line as it comes.
pub(crate) struct Stderr {
    seen: Arc<(Mutex<String>, Condvar)>,
    reader: JoinHandle<()>,
}

impl Stderr {
    /// Takes `child`'s piped stderr and starts reading it.
    pub(crate) fn watch(child: &mut Child) -> Stderr {
        let pipe = child.stderr.take().expect("stderr is piped");
        let seen = Arc::new((Mutex::new(String::new()), Condvar::new()));
        let shared = Arc::clone(&seen);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let (text, arrived) = &*shared;
                let mut text = text.lock().expect("stderr lock");
                text.push_str(&line);
                text.push('\n');
                arrived.notify_all();
            }
        });
        Stderr { seen, reader }
    }

    /// Waits (at most 20 s) until a line containing `needle` has been printed.
    pub(crate) fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let (text, arrived) = &*self.seen;
        let mut text = text.lock().expect("stderr lock");
        while !text.contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "never printed `{needle}`; stderr:\n{text}");
            text = arrived.wait_timeout(text, left).expect("stderr lock").0;
        }
    }

    /// Everything printed, once the child has closed its stderr.
    pub(crate) fn text(self) -> String {
        self.reader.join().expect("the stderr reader");
        let (text, _) = &*self.seen;
        text.lock().expect("stderr lock").clone()
    }
}

/// Sends SIGINT to `child`, as a terminal's Ctrl-C does, and waits until git-batch says it
/// heard it (`expect` is [`FIRST`] or [`SECOND`]).
pub(crate) fn ctrl_c(child: &Child, stderr: &Stderr, expect: &str) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    stderr.wait_for(expect);
}
