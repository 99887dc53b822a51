//! TEMPORARY — to be replaced by the watch engine at merge. Feeds the view one reading of each
//! repository (the same reading as `status`), then waits for the view's commands: `f` reads
//! every repository again (without fetching: that is the engine's), `q` ends it. It follows no
//! change on its own; SIGTERM and Ctrl-C outside the view end it.

use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::ops;
use crate::outcome::RepoReport;
use crate::pool;
use crate::targets::Repo;

use super::event::{ViewCommand, ViewEvent};

/// How often the wait looks whether the process was asked to stop (SIGTERM).
const INTERRUPT_CHECK: Duration = Duration::from_millis(250);

/// Sends a reading of each of `repos` on `events`, then another on each `FetchNow`, until
/// `Quit`, the view going away, or an interrupt. Dropping `events` on return ends the view.
pub fn feed(
    repos: &[Repo],
    workers: usize,
    events: &Sender<ViewEvent>,
    commands: &Receiver<ViewCommand>,
) {
    read_all(repos, workers, events);
    let mut noted = false;
    loop {
        match commands.recv_timeout(INTERRUPT_CHECK) {
            Ok(ViewCommand::FetchNow) => {
                if !noted {
                    noted = true;
                    let note = "this build does not fetch: f reads every repository again";
                    let _ = events.send(ViewEvent::Note(note.to_owned()));
                }
                read_all(repos, workers, events);
            }
            Err(RecvTimeoutError::Timeout) if !pool::interrupted() => {}
            Ok(ViewCommand::Quit) | Err(_) => return,
        }
    }
}

fn read_all(repos: &[Repo], workers: usize, events: &Sender<ViewEvent>) {
    let read = pool::map(repos.to_vec(), workers, |repo| match &repo.unreadable {
        Some(reason) => RepoReport::failed(repo, reason.clone()),
        None => ops::status::status(repo),
    });
    for (repo, report) in read {
        let report = report.unwrap_or_else(|panic| RepoReport::failed(&repo, panic.to_string()));
        if events.send(ViewEvent::Repo(Box::new(report))).is_err() {
            return;
        }
    }
}
