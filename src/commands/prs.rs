//! `prs [RUN_ID]`: the change requests a run opened (by default the last run on this root that
//! opened any), read from their forges, and with `--merge` or `--close` merged or closed. A run
//! like any other: outcomes, summary, JSON, exit codes, the selection flags; journaled when it
//! changed something.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::engine::{RunGuard, in_pool};
use crate::error::UsageError;
use crate::forge::{Forges, Session};
use crate::journal::{Journal, RunRecord};
use crate::ops::prs::{PrsJob, PrsOptions, prs as prs_of};
use crate::outcome::{Outcome, RunReport};
use crate::report::Layout;
use crate::settings::{PrsAction, Settings};
use crate::targets::Repo;

use super::past_run;

/// What `prs` was asked.
#[derive(Debug, Clone)]
pub struct PrsRequest<'a> {
    pub run_id: Option<&'a str>,
    pub action: PrsAction,
    /// Only these repositories of the run (from `-t`, `-x`, `-w`, `--shard`); `None` for all.
    pub only: Option<Vec<PathBuf>>,
    /// `[[forges]]` from `.git-batch.toml`.
    pub forges: &'a [crate::forge::ForgeEntry],
}

/// `prs`: reads, merges or closes the change requests of a run.
pub fn prs(
    settings: &Settings,
    root: &Path,
    journal: &Journal,
    request: &PrsRequest<'_>,
    start: Instant,
) -> Result<RunReport, UsageError> {
    let forges = Forges::new(request.forges).map_err(|err| UsageError::Request(err.to_string()))?;
    let writes = request.action != PrsAction::List && !settings.dry_run;
    let mut guard = RunGuard::lock(journal, root, "prs", writes)?;
    let target = run_with_prs(journal, root, request.run_id)?;
    let items = items_of(&target, request.only.as_deref());
    let session = Session::new(forges, settings.timeout);
    let mut header = past_run::header(
        "prs",
        &guard,
        root,
        settings,
        items.len(),
        "change requests of",
        &target,
    );
    // Each forge tried once before the parallel work: a refusal is said here, once.
    header.notes.extend(probe(&session, &items));
    let options = PrsOptions {
        action: request.action,
        dry_run: settings.dry_run,
        timeout: settings.timeout,
    };
    let run = in_pool(
        settings,
        header,
        &items,
        Layout::Lines,
        start,
        |(repo, job): &(Repo, PrsJob)| prs_of(repo, job, &options, &session),
    );
    // Each repository's line says its own wait; the whole run's is said once at the end.
    for note in session.wait_notes() {
        crate::report::print_warning(&note);
    }
    let changed = run.repos.iter().any(|r| r.outcome == Outcome::Changed);
    if writes && changed {
        guard.write_finished(&run)?;
    }
    Ok(run)
}

/// The repositories of `run` that have a change request (those of `only`, when given).
fn items_of(run: &RunRecord, only: Option<&[PathBuf]>) -> Vec<(Repo, PrsJob)> {
    past_run::recorded_repos(run, only)
        .filter_map(|(repo, r)| {
            let record = r.pr.clone()?;
            let branch = r.change_branch.clone();
            Some((repo, PrsJob { record, branch }))
        })
        .collect()
}

/// Tries each forge of `items` once; the refusals to say, one per forge.
fn probe(session: &Session, items: &[(Repo, PrsJob)]) -> Vec<String> {
    let probes: Vec<_> = items
        .iter()
        .filter_map(|(_, job)| {
            let found = session
                .target_of(&job.record.forge, &job.record.repo)
                .ok()?;
            let head = job
                .branch
                .as_ref()
                .map(|b| b.name.clone())
                .unwrap_or_default();
            Some((found, head))
        })
        .collect();
    session.probe(&probes)
}

/// The run `run_id` names, else the last run on `root` that opened (or found) any change
/// request.
fn run_with_prs(
    journal: &Journal,
    root: &Path,
    run_id: Option<&str>,
) -> Result<RunRecord, UsageError> {
    if let Some(id) = run_id {
        let run = journal.load(root, id)?;
        if !run.repos.iter().any(|r| r.pr.is_some()) {
            return Err(UsageError::Request(format!(
                "run {id} ({}) opened no change request (`--pr` with `--branch` opens them)",
                run.command
            )));
        }
        return Ok(run);
    }
    journal
        .runs_for(root)?
        .into_iter()
        .rev()
        .find(|run| run.repos.iter().any(|r| r.pr.is_some()))
        .ok_or_else(|| {
            UsageError::Request(
                "no run on this root opened a change request (`--branch NAME --pr` opens one \
                 per repository; see `git batch runs`)"
                    .into(),
            )
        })
}
