//! Remote hosts during network work: at most `--per-host` operations at once against one host.
//! The words that tell a host refusing us (authentication, host key, name) from a
//! repository-specific failure live in `git::remote`, where a push's answer is typed.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, PoisonError};

pub use crate::git::remote::host_refusal_fix;

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// Eight threads through a gate of two: each pair inside meets at a barrier before leaving,
    /// so two are seen running at once without relying on timing, and never three. A gate that
    /// let only one through would leave the barrier waiting: the test then fails on its timeout.
    #[test]
    fn no_more_than_per_host_run_at_once() {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let gate = HostGate::new(2);
            let peak = AtomicUsize::new(0);
            let pair = Barrier::new(2);
            std::thread::scope(|scope| {
                for _ in 0..8 {
                    scope.spawn(|| {
                        let _permit = gate.enter("example.org");
                        peak.fetch_max(gate.running("example.org"), Ordering::SeqCst);
                        pair.wait();
                    });
                }
            });
            let _ = done.send((peak.load(Ordering::SeqCst), gate.running("example.org")));
        });
        let (peak, left) = finished
            .recv_timeout(Duration::from_secs(20))
            .expect("two threads never ran at once");
        assert_eq!(peak, 2);
        assert_eq!(left, 0);
    }
}
