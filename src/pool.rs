//! The worker pool: std threads take repositories one at a time and send one event per
//! repository to the printer. Ctrl-C is a flag checked between repositories.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use crossbeam_channel::Sender;

use crate::outcome::RepoReport;
use crate::targets::Repo;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static INTERRUPTS: AtomicUsize = AtomicUsize::new(0);

/// Installs the Ctrl-C (and SIGTERM) handler: the first stops handing out repositories and lets
/// the ones in flight finish; the second also terminates the child processes still running.
pub fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| {
        INTERRUPTED.store(true, Ordering::SeqCst);
        if INTERRUPTS.fetch_add(1, Ordering::SeqCst) >= 1 {
            crate::process::terminate_all();
        }
    });
}

/// Whether Ctrl-C was pressed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// One thing the printer hears about.
#[derive(Debug)]
pub enum Event {
    /// The repository at `index` (in the sorted input) is done.
    Finished { index: usize, report: RepoReport },
}

/// Runs `work` on every repository with `workers` threads, sending a [`Event::Finished`] for each
/// as it completes. Stops handing out repositories on Ctrl-C. A panic in `work` becomes that
/// repository's failure, not the run's.
pub fn run<F>(repos: &[Repo], workers: usize, work: F, events: &Sender<Event>)
where
    F: Fn(&Repo) -> RepoReport + Sync,
{
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, repos.len().max(1)) {
            scope.spawn(|| {
                loop {
                    if interrupted() {
                        break;
                    }
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(repo) = repos.get(index) else {
                        break;
                    };
                    let report = timed(repo, &work);
                    if events.send(Event::Finished { index, report }).is_err() {
                        break;
                    }
                }
            });
        }
    });
}

fn timed<F>(repo: &Repo, work: &F) -> RepoReport
where
    F: Fn(&Repo) -> RepoReport,
{
    let start = Instant::now();
    let report = catch_unwind(AssertUnwindSafe(|| work(repo))).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(ToString::to_string)
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        RepoReport::failed(repo, format!("internal error (please report it): {what}"))
    });
    report.timed(start.elapsed())
}

/// Applies `f` to every item on `workers` threads and returns the results in input order.
/// For preliminary reads (`--where`, sync's plans, host probes), which report nothing.
pub fn map<I, T, F>(items: &[I], workers: usize, f: F) -> Vec<T>
where
    I: Sync,
    T: Send,
    F: Fn(&I) -> T + Sync,
{
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, T)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers.clamp(1, items.len().max(1)))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::SeqCst);
                        let Some(item) = items.get(index) else {
                            break mine;
                        };
                        mine.push((index, f(item)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_default())
            .collect()
    });
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, t)| t).collect()
}
