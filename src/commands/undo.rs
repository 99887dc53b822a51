//! `undo [RUN_ID]`: which run, which of its repositories, and the bookkeeping after: a
//! repository taken back is marked in the run's record, and the run is undone once every
//! repository it changed is, in one undo or in several (`undo -t @failed` after a partial one).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::engine::{RunGuard, in_pool};
use crate::error::UsageError;
use crate::forge::session::Session;
use crate::hosts::HostGate;
use crate::journal::{Journal, JournalError, RepoRecord, RunRecord};
use crate::ops;
use crate::ops::undo::{Carried, Job};
use crate::outcome::{Outcome, RunReport};
use crate::report::Layout;
use crate::settings::Settings;
use crate::targets::Repo;

use super::past_run;

/// What `undo` was asked to take back.
#[derive(Debug, Clone)]
pub struct UndoRequest<'a> {
    /// The run; `None` for the last run on the root that is not undone.
    pub run_id: Option<&'a str>,
    /// Revert pushed commits with a new commit and push it.
    pub push: bool,
    /// Only these repositories of the run (from `-t`, `-x`, `-w`, `--shard`); `None` for all.
    pub only: Option<Vec<PathBuf>>,
    /// `[[forges]]` from `.git-batch.toml`, to close the change requests of a `--pr` run.
    pub forges: &'a [crate::forge::ForgeEntry],
}

/// `undo [RUN_ID]`: puts each repository the run changed back as it was before it.
pub fn undo(
    settings: &Settings,
    root: &Path,
    journal: &Journal,
    request: &UndoRequest<'_>,
    start: Instant,
) -> Result<RunReport, UsageError> {
    let mut guard = RunGuard::lock(journal, root, "undo", !settings.dry_run)?;
    let target = undoable(journal, root, request.run_id)?;
    let others = journal.runs_for(root)?;
    let items = items_of(&target, &others, request.only.as_deref());
    guard.record_mut().undoes = Some(target.run_id.clone());
    let header = past_run::header(
        "undo",
        &guard,
        root,
        settings,
        items.len(),
        "undoing",
        &target,
    );
    let options = ops::undo::UndoOptions {
        run_id: target.run_id.clone(),
        push: request.push,
        dry_run: settings.dry_run,
        timeout: settings.timeout,
    };
    let gate = HostGate::new(settings.per_host);
    let session = forge_session(settings, request.forges, &items)?;
    let run = in_pool(
        settings,
        header,
        &items,
        Layout::Lines,
        start,
        |(repo, job): &(Repo, Job)| ops::undo::undo(repo, job, &options, &gate, session.as_ref()),
    );
    if !settings.dry_run {
        settle(journal, guard, &target, &others, &items, &run)?;
    }
    Ok(run)
}

/// The repositories of `target` still to undo (those of `only`, when given), each with what
/// the undo needs to know: its record, and the earlier run whose commit it carried (`others`).
fn items_of(
    target: &RunRecord,
    others: &[RunRecord],
    only: Option<&[PathBuf]>,
) -> Vec<(Repo, Job)> {
    past_run::recorded_repos(target, only)
        .filter(|(_, r)| r.to_undo())
        .map(|(repo, r)| {
            let job = Job {
                record: r.clone(),
                content: target.command != "sync",
                carried: carried(others, target, r),
            };
            (repo, job)
        })
        .collect()
}

/// The forge session an undo of `items` needs, if any. A run that opened change requests: one
/// session to close them, or a usage error when the forges cannot be named. A `--branch` run cut
/// short may have opened one it could not record: the session looks for it, when the forges can
/// be named at all. None on a dry run.
fn forge_session(
    settings: &Settings,
    forges: &[crate::forge::ForgeEntry],
    items: &[(Repo, Job)],
) -> Result<Option<Session>, UsageError> {
    let opened = items.iter().any(|(_, job)| job.record.pr.is_some());
    let cut_short = items
        .iter()
        .any(|(_, job)| job.record.started && job.record.change_branch.is_some());
    if settings.dry_run || !(opened || cut_short) {
        return Ok(None);
    }
    match crate::forge::Forges::new(forges) {
        Ok(forges) => Ok(Some(Session::new(forges, settings.timeout))),
        Err(err) if opened => Err(UsageError::Request(err.to_string())),
        Err(_) => Ok(None),
    }
}

/// The run `run_id` names (by default the last one on `root` not undone), if it can be undone:
/// not undone already, not an undo itself, and it changed something.
fn undoable(journal: &Journal, root: &Path, run_id: Option<&str>) -> Result<RunRecord, UsageError> {
    let target = match run_id {
        Some(id) => journal.load(root, id)?,
        None => journal.last_undoable(root)?,
    };
    if let Some(by) = &target.undone_by {
        return Err(JournalError::AlreadyUndone {
            run_id: target.run_id.clone(),
            by: by.clone(),
        }
        .into());
    }
    if target.undoes.is_some() {
        return Err(UsageError::Request(format!(
            "run {} is an undo; it is not undone in turn (run the command again instead)",
            target.run_id
        )));
    }
    if !target.repos.iter().any(RepoRecord::to_undo) {
        return Err(UsageError::Request(format!(
            "run {} ({}) changed nothing: there is nothing to undo",
            target.run_id, target.command
        )));
    }
    Ok(target)
}

/// The bookkeeping after an undo: each repository taken back is marked in the records of the
/// target run and of the runs linked to it, a run is undone once every repository it changed
/// is, and the undo keeps its own record when it changed or settled something.
fn settle(
    journal: &Journal,
    mut guard: RunGuard<'_>,
    target: &RunRecord,
    others: &[RunRecord],
    items: &[(Repo, Job)],
    run: &RunReport,
) -> Result<(), UsageError> {
    // The runs whose records change: the target, and runs linked to it through a commit one
    // made and the other pushed.
    let mut touched: BTreeMap<String, RunRecord> = BTreeMap::new();
    touched.insert(target.run_id.clone(), target.clone());
    let undo_id = guard.id().to_owned();
    for report in &run.repos {
        if !matches!(report.outcome, Outcome::Changed | Outcome::Unchanged) {
            continue;
        }
        let Some((_, job)) = items.iter().find(|(repo, _)| repo.path == report.path) else {
            continue;
        };
        mark(&mut touched, target, &report.path, &undo_id);
        if report.outcome != Outcome::Changed {
            continue;
        }
        for linked in linked_runs(others, target, job) {
            touched
                .entry(linked.run_id.clone())
                .or_insert_with(|| linked.clone());
            mark(&mut touched, linked, &report.path, &undo_id);
        }
    }
    let marked = |r: &RepoRecord| r.undone_by.as_deref() == Some(undo_id.as_str());
    let marked_any = touched.values().any(|run| run.repos.iter().any(marked));
    let worked = run
        .repos
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Changed | Outcome::Failed));
    // An undo that changed nothing and settled nothing leaves no record.
    if worked || marked_any {
        guard.write_finished(run)?;
    }
    for (_, mut changed) in touched {
        if !changed.repos.iter().any(marked) {
            continue;
        }
        if changed.undone_by.is_none() && !changed.repos.iter().any(RepoRecord::to_undo) {
            changed.undone_by = Some(undo_id.clone());
        }
        journal.save(&changed).map_err(UsageError::Unrecorded)?;
    }
    Ok(())
}

/// Marks `path` in `run`'s record (as kept in `touched`) as taken back by `undo_id`.
fn mark(touched: &mut BTreeMap<String, RunRecord>, run: &RunRecord, path: &Path, undo_id: &str) {
    if let Some(kept) = touched.get_mut(&run.run_id) {
        for repo in kept.repos.iter_mut().filter(|r| r.path == path) {
            if repo.undone_by.is_none() {
                repo.undone_by = Some(undo_id.to_owned());
            }
        }
    }
}
/// The earlier run whose commit `record`'s run pushed without making one of its own (`sync`,
/// push rejected, then `sync --pull -t @failed`).
fn carried(runs: &[RunRecord], target: &RunRecord, record: &RepoRecord) -> Option<Carried> {
    if !record.pushed || record.commit.is_some() {
        return None;
    }
    let before = record.head_before.as_ref()?;
    runs.iter()
        .rev()
        .filter(|run| run.started_ms <= target.started_ms && run.run_id != target.run_id)
        .filter(|run| run.undoes.is_none())
        .find_map(|run| {
            let theirs = run.repos.iter().find(|r| r.path == record.path)?;
            (theirs.commit.as_ref() == Some(before) && theirs.undone_by.is_none()).then(|| {
                Carried {
                    run_id: run.run_id.clone(),
                    commit: before.clone(),
                }
            })
        })
}

/// The runs linked to `job`'s repository in `target`: the earlier run whose commit this run
/// pushed, and the later runs that pushed this run's commit. Taking the commit back undoes
/// their part in this repository too.
fn linked_runs<'a>(runs: &'a [RunRecord], target: &RunRecord, job: &Job) -> Vec<&'a RunRecord> {
    let path = &job.record.path;
    let mut linked = Vec::new();
    if let Some(carried) = &job.carried {
        linked.extend(runs.iter().filter(|run| run.run_id == carried.run_id));
    }
    if let Some(own) = &job.record.commit {
        linked.extend(
            runs.iter()
                .filter(|run| run.run_id != target.run_id && run.undoes.is_none())
                .filter(|run| {
                    run.repos.iter().any(|r| {
                        r.path == *path
                            && r.pushed
                            && r.commit.is_none()
                            && r.head_before.as_ref() == Some(own)
                    })
                }),
        );
    }
    linked
}
