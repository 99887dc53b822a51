//! Remote hosts during network work: at most `--per-host` operations at once against one host,
//! and the words that tell a host refusing us (authentication, host key, name) from a
//! repository-specific failure, with the fix to print.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, PoisonError};

/// Caps concurrent network operations per host.
#[derive(Debug)]
pub struct HostGate {
    per_host: usize,
    busy: Mutex<HashMap<String, usize>>,
    freed: Condvar,
}

/// A place in a host's queue, given back when dropped.
#[derive(Debug)]
pub struct HostPermit<'a> {
    gate: &'a HostGate,
    host: String,
}

// Each remote host tried once before a run: see [`probe`].
mod probe;
pub use probe::{Probe, Refusals, not_tried, probe_hosts, refusal_notes};

impl HostGate {
    pub fn new(per_host: usize) -> HostGate {
        HostGate {
            per_host: per_host.max(1),
            busy: Mutex::new(HashMap::new()),
            freed: Condvar::new(),
        }
    }

    /// Waits until fewer than `per_host` operations run against `host`, then takes a place.
    pub fn enter(&self, host: &str) -> HostPermit<'_> {
        let mut busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
        while busy.get(host).copied().unwrap_or(0) >= self.per_host {
            busy = self
                .freed
                .wait(busy)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *busy.entry(host.to_owned()).or_insert(0) += 1;
        HostPermit {
            gate: self,
            host: host.to_owned(),
        }
    }

    /// The most operations that ran against `host` at once, so far (for tests).
    pub fn running(&self, host: &str) -> usize {
        let busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
        busy.get(host).copied().unwrap_or(0)
    }
}

impl Drop for HostPermit<'_> {
    fn drop(&mut self) {
        let mut busy = self
            .gate
            .busy
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = busy.get_mut(&self.host) {
            *count = count.saturating_sub(1);
        }
        self.gate.freed.notify_all();
    }
}

/// When git's message says the whole host refused (rather than one repository failing),
/// the fix to tell the user once.
pub fn host_refusal_fix(message: &str) -> Option<&'static str> {
    let m = message.to_ascii_lowercase();
    let any = |needles: &[&str]| needles.iter().any(|needle| m.contains(needle));
    if any(&[
        "terminal prompts disabled",
        "could not read username",
        "could not read password",
        "authentication failed",
        "401",
        "403",
        "permission denied (publickey",
        "invalid username or password",
    ]) {
        Some(
            "git cannot authenticate to this host without asking: set up a credential helper \
             (git config --global credential.helper …) or an ssh key loaded in ssh-agent, \
             check it with `git ls-remote` in one repository, then rerun with -t @failed",
        )
    } else if any(&["host key verification failed", "no matching host key"]) {
        Some(
            "ssh does not know this host's key: connect once by hand (ssh -T git@HOST) to \
             accept it, then rerun with -t @failed",
        )
    } else if any(&[
        "could not resolve host",
        "name or service not known",
        "connection refused",
        "connection timed out",
        "network is unreachable",
        "timed out",
    ]) {
        Some(
            "the host cannot be reached: check the network and the remote URL, then rerun with -t @failed",
        )
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn no_more_than_per_host_run_at_once() {
        let gate = HostGate::new(2);
        let peak = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    let _permit = gate.enter("example.org");
                    peak.fetch_max(gate.running("example.org"), Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(10));
                });
            }
        });
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert_eq!(gate.running("example.org"), 0);
    }

    #[test]
    fn refusals_are_told_from_repository_failures() {
        assert!(
            host_refusal_fix(
                "fatal: could not read Username for 'http://127.0.0.1': terminal prompts disabled"
            )
            .is_some()
        );
        assert!(host_refusal_fix("git@github.com: Permission denied (publickey).").is_some());
        assert!(host_refusal_fix("Host key verification failed.").is_some());
        assert!(host_refusal_fix("fatal: repository 'x' not found").is_none());
        assert!(host_refusal_fix("! [rejected] main -> main (fetch first)").is_none());
    }
}
