//! The worker pool: std threads take work items (a repository and what its command prepared
//! for it) one at a time and send one event per repository to the printer. Ctrl-C is a flag
//! checked between repositories.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};

use crate::outcome::RepoReport;
use crate::targets::Repo;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static INTERRUPTS: AtomicUsize = AtomicUsize::new(0);

/// Installs the Ctrl-C (and SIGTERM) handler: the first stops handing out repositories and lets
/// the ones in flight finish; the second also terminates the child processes still running.
pub fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| {
        INTERRUPTED.store(true, Ordering::SeqCst);
        // The handler runs on its own thread (not in signal context), so it may print: the
        // user sees at once that the key was heard, and what happens next.
        if INTERRUPTS.fetch_add(1, Ordering::SeqCst) >= 1 {
            eprintln!("git-batch: interrupted again: stopping the commands still running");
            crate::process::terminate_all();
        } else {
            eprintln!(
                "git-batch: interrupted: no more repositories are started, the ones in flight \
                 finish (Ctrl-C again stops them)"
            );
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

/// What the pool works on: a repository, alone or with what its command prepared for it (a plan,
/// a source to clone, a record to undo). The whole item goes to the worker, so the work never
/// looks its repository's part up by position.
pub trait Item: Sync {
    /// The repository this item is about, which its report names.
    fn repo(&self) -> &Repo;
}

impl Item for Repo {
    fn repo(&self) -> &Repo {
        self
    }
}

impl<T: Sync> Item for (Repo, T) {
    fn repo(&self) -> &Repo {
        &self.0
    }
}

/// Runs `work` on every item with `workers` threads, sending a [`Event::Finished`] for each as it
/// completes. Stops handing out items on Ctrl-C, or once `stop` is set (the printer failed). A
/// panic in `work` becomes that repository's failure, not the run's.
pub fn run<I, F>(items: &[I], workers: usize, work: F, events: &Sender<Event>, stop: &AtomicBool)
where
    I: Item,
    F: Fn(&I) -> RepoReport + Sync,
{
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    if interrupted() || stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(index) else {
                        break;
                    };
                    let report = timed(item, &work);
                    if events.send(Event::Finished { index, report }).is_err() {
                        break;
                    }
                }
            });
        }
    });
}

/// The printer thread's side of [`run`]: shows each finished repository with `show` and keeps
/// every report, in input order. A panic in `show` is caught: from then on nothing more is shown
/// and `stop` tells the pool to hand out no more repositories, but every report that still
/// arrives is kept, so the run's report and its journal record lose no repository.
pub fn collect<S>(
    events: Receiver<Event>,
    total: usize,
    stop: &AtomicBool,
    mut show: S,
) -> (Vec<RepoReport>, Option<Panicked>)
where
    S: FnMut(&RepoReport),
{
    let mut failed = None;
    let mut slots: Vec<Option<RepoReport>> = vec![None; total];
    for Event::Finished { index, report } in events {
        if failed.is_none() {
            if let Err(panic) = catch(|| show(&report)) {
                stop.store(true, Ordering::SeqCst);
                failed = Some(panic);
            }
        }
        slots[index] = Some(report);
    }
    (slots.into_iter().flatten().collect(), failed)
}

fn timed<I, F>(item: &I, work: &F) -> RepoReport
where
    I: Item,
    F: Fn(&I) -> RepoReport,
{
    let start = Instant::now();
    let report = catch(|| work(item))
        .unwrap_or_else(|panic| RepoReport::failed(item.repo(), panic.to_string()));
    report.timed(start.elapsed())
}

/// A panic caught on a pool thread, with the panic's own message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panicked(pub String);

impl std::fmt::Display for Panicked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "internal error (please report it): {}", self.0)
    }
}

/// Runs `f`, turning a panic into [`Panicked`] with the panic's message.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Panicked> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| Panicked(panic_message(&*panic)))
}

/// The message a panic was given (`panic!("...")` gives a `&str` or a `String`).
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Applies `f` to every item on `workers` threads and gives each item back with its own result,
/// in input order. A panic in `f` is that item's `Err`; the other items are not affected. For
/// preliminary reads (`--where`, sync's plans, host probes), which report nothing.
pub fn map<I, T, F>(items: Vec<I>, workers: usize, f: F) -> Vec<(I, Result<T, Panicked>)>
where
    I: Sync,
    T: Send,
    F: Fn(&I) -> T + Sync,
{
    let next = AtomicUsize::new(0);
    let done: Vec<(usize, Result<T, Panicked>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers.clamp(1, items.len().max(1)))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::SeqCst);
                        let Some(item) = items.get(index) else {
                            break mine;
                        };
                        mine.push((index, catch(|| f(item))));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_default())
            .collect()
    });
    let mut slots: Vec<Option<Result<T, Panicked>>> =
        std::iter::repeat_with(|| None).take(items.len()).collect();
    for (index, result) in done {
        slots[index] = Some(result);
    }
    // Each result goes back with the item it was computed from, here and nowhere else: even a
    // result lost with its thread cannot shift the others.
    items
        .into_iter()
        .zip(slots)
        .map(|(item, slot)| {
            let result =
                slot.unwrap_or_else(|| Err(Panicked("a worker thread was lost".to_owned())));
            (item, result)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::outcome::Outcome;

    #[test]
    fn a_panic_in_map_fails_that_item_in_its_place_and_keeps_every_other_result() {
        let items: Vec<usize> = (0..200).collect();
        let results = map(items.clone(), 4, |&item| {
            // Slow enough that every thread takes several items, the panicking one included.
            std::thread::sleep(Duration::from_millis(1));
            assert!(item != 37, "item {item} is broken");
            item * 2
        });
        assert_eq!(results.len(), items.len());
        for ((item, result), expected) in results.iter().zip(&items) {
            assert_eq!(item, expected, "the items come back in input order");
            if *item == 37 {
                let panic = result.as_ref().expect_err("item 37 panicked");
                assert_eq!(panic.0, "item 37 is broken");
                assert!(panic.to_string().starts_with("internal error"), "{panic}");
            } else {
                assert_eq!(result, &Ok(item * 2), "item {item} got another's result");
            }
        }
    }

    fn repos(count: usize) -> Vec<Repo> {
        (0..count)
            .map(|i| Repo {
                name: format!("repo-{i:03}"),
                path: format!("/nowhere/repo-{i:03}").into(),
                unreadable: None,
            })
            .collect()
    }

    #[test]
    fn each_item_is_worked_on_whole_and_a_panic_fails_its_own_repository() {
        let items: Vec<(Repo, usize)> = repos(40).into_iter().zip(0..).collect();
        let stop = AtomicBool::new(false);
        let (events, received) = crossbeam_channel::bounded::<Event>(256);
        let (reports, failed) = std::thread::scope(|scope| {
            let printer = scope.spawn(|| collect(received, items.len(), &stop, |_| {}));
            let work = |(repo, part): &(Repo, usize)| {
                std::thread::sleep(Duration::from_millis(1));
                assert!(*part != 13, "part {part} is broken");
                RepoReport::new(repo, Outcome::Changed, format!("part {part}"))
            };
            run(&items, 4, work, &events, &stop);
            drop(events);
            printer.join().expect("the printer does not panic")
        });
        assert!(failed.is_none());
        assert_eq!(reports.len(), items.len());
        for ((repo, part), report) in items.iter().zip(&reports) {
            assert_eq!(report.name, repo.name, "in input order");
            if *part == 13 {
                assert_eq!(report.outcome, Outcome::Failed);
                assert!(report.message.contains("part 13 is broken"), "{report:?}");
            } else {
                assert_eq!(report.message, format!("part {part}"), "{}", repo.name);
            }
        }
    }

    #[test]
    fn a_panic_in_the_printer_stops_the_run_but_keeps_every_finished_report() {
        let repos = repos(60);
        let worked = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let (events, received) = crossbeam_channel::bounded::<Event>(256);
        let (reports, failed) = std::thread::scope(|scope| {
            let printer = scope.spawn(|| {
                let mut shown = 0;
                collect(received, repos.len(), &stop, |_| {
                    shown += 1;
                    assert!(shown < 3, "the printer broke");
                })
            });
            let work = |repo: &Repo| {
                // Past the first few, wait (a bounded time) for the printer to break.
                if repo.name.as_str() >= "repo-008" {
                    for _ in 0..5000 {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
                worked.fetch_add(1, Ordering::SeqCst);
                RepoReport::new(repo, Outcome::Changed, format!("done {}", repo.name))
            };
            run(&repos, 4, work, &events, &stop);
            drop(events);
            printer.join().expect("the printer's panic is caught")
        });
        assert_eq!(
            failed.map(|panic| panic.0).as_deref(),
            Some("the printer broke")
        );
        assert!(stop.load(Ordering::SeqCst));
        // Every repository that was worked on is in the report, with its own result, in order.
        assert_eq!(reports.len(), worked.load(Ordering::SeqCst));
        assert!(
            reports.len() < repos.len(),
            "the run stopped handing out repositories"
        );
        assert!(reports.len() >= 3);
        let names: Vec<&str> = reports.iter().map(|r| r.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        for report in &reports {
            assert_eq!(report.message, format!("done {}", report.name));
        }
    }
}
