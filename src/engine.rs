//! A run over repositories: the pool works on each one while the printer, on its own thread,
//! reports each as it finishes; a repository git-batch will not work on is skipped before the
//! work can touch it. Every command that runs over repositories goes through [`in_pool`], and
//! every one that writes holds a [`RunGuard`] (root lock, journal record, progress, finish).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crossbeam_channel::Receiver;

use crate::outcome::{Outcome, RepoReport, RunReport, Summary};
use crate::pool::{self, Event, Item};
use crate::report::{self, Layout, Printer, RunHeader};
use crate::settings::{Format, Settings, Verbosity};
use crate::targets::Repo;

mod guard;
pub(crate) use guard::RunGuard;

/// Runs `work` over `items` (each a repository with what its command prepared for it) on the
/// pool, with the printer on its own thread.
pub(crate) fn in_pool<I, F>(
    settings: &Settings,
    header: RunHeader,
    items: &[I],
    layout: Layout,
    start: Instant,
    work: F,
) -> RunReport
where
    I: Item,
    F: Fn(&I) -> RepoReport + Sync,
{
    let (events, received) = crossbeam_channel::bounded::<Event>(256);
    let (format, verbosity, workers) = (settings.format, settings.verbosity, header.workers);
    let total = items.len();
    let stop = AtomicBool::new(false);
    let run = std::thread::scope(|scope| {
        let stop = &stop;
        let printer = scope.spawn(move || {
            let print = Print {
                format,
                verbosity,
                layout,
                start,
            };
            print.run(header, received, total, stop)
        });
        // A repository git-batch will not work on is skipped before `work` can touch it.
        let guarded = |item: &I| {
            let repo = item.repo();
            match (repo.refusal(), &repo.unreadable) {
                (Some(reason), _) => refused(repo, reason),
                (None, Some(err)) => RepoReport::failed(repo, err.clone()),
                (None, None) => work(item),
            }
        };
        pool::run(items, workers, guarded, &events, stop);
        drop(events);
        printer.join().unwrap_or_else(|panic| RunReport {
            command: settings.command.name().to_owned(),
            run_id: None,
            root: settings.selection.root.clone(),
            dry_run: settings.dry_run,
            repos: Vec::new(),
            summary: Summary::default(),
            interrupted: pool::interrupted(),
            not_started: total,
            notes: Vec::new(),
            internal_error: Some(pool::Panicked(pool::panic_message(&*panic)).to_string()),
        })
    });
    if let Some(error) = &run.internal_error {
        report::print_error(&format!(
            "{error}, while printing the report: the run stopped and the report above is \
             incomplete ({} finished, {} not started)",
            run.repos.len(),
            run.not_started
        ));
    }
    run
}

/// The printer thread's part of a run: how it prints, and since when the run is timed.
struct Print {
    format: Format,
    verbosity: Verbosity,
    layout: Layout,
    start: Instant,
}

impl Print {
    /// Prints each report as it arrives and keeps them all; returns the run's report, printed.
    /// A panic while printing sets `stop` and is the run's internal error; it never loses a
    /// report.
    fn run(
        self,
        header: RunHeader,
        received: Receiver<Event>,
        total: usize,
        stop: &AtomicBool,
    ) -> RunReport {
        let run_header = header.clone();
        let mut printer = pool::catch(|| {
            let mut printer = Printer::new(self.format, self.verbosity, self.layout, header);
            printer.start();
            printer
        });
        if printer.is_err() {
            stop.store(true, Ordering::SeqCst);
        }
        let (reports, failed) = pool::collect(received, total, stop, |report| {
            if let Ok(printer) = &mut printer {
                printer.finished(report);
            }
        });
        let mut run = RunReport {
            command: run_header.command.to_owned(),
            run_id: run_header.run_id,
            root: run_header.root,
            dry_run: run_header.dry_run,
            summary: Summary::of(&reports, self.start.elapsed()),
            interrupted: pool::interrupted() && reports.len() < total,
            not_started: total - reports.len(),
            notes: run_header.notes,
            repos: reports,
            internal_error: None,
        };
        let failed = match (printer, failed) {
            (Err(panic), _) | (Ok(_), Some(panic)) => Some(panic),
            (Ok(printer), None) => pool::catch(|| printer.finish(&run)).err(),
        };
        run.internal_error = failed.map(|panic| panic.to_string());
        run
    }
}

/// The report of a repository that [`Repo::refusal`] refuses: skipped, with its path decoded
/// lossily so that the report and the journal can hold it.
pub(crate) fn refused(repo: &Repo, reason: String) -> RepoReport {
    let mut report = RepoReport::new(repo, Outcome::Skipped, reason);
    report.path = repo.path.to_string_lossy().into_owned().into();
    report
}
