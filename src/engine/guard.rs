//! The run guard every command that writes goes through: the root lock for the whole run, the
//! journal record written before the first repository is touched, each repository's progress
//! kept as soon as it is known (so a run killed outright can be undone), and the finish.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::error::UsageError;
use crate::journal::{Journal, RepoRecord, RootLock, RunRecord};
use crate::outcome::{Details, RepoReport, RunReport};

/// How long a run waits for another run on the same root before refusing.
pub(crate) const LOCK_PATIENCE: Duration = Duration::from_secs(3);

/// One run's hold on its root and its journal record. A run that writes nothing (a dry run, a
/// check) takes no lock and writes no record: it has no run id to show.
pub(crate) struct RunGuard<'a> {
    journal: &'a Journal,
    record: RunRecord,
    writes: bool,
    /// Whether the record was written at the start: only then is it finished.
    opened: bool,
    /// Whether a failed progress write was said already (once a run is enough).
    warned: AtomicBool,
    _lock: Option<RootLock>,
}

impl<'a> RunGuard<'a> {
    /// Takes the root's lock when the run `writes`, waiting a little for another run to end.
    pub(crate) fn lock(
        journal: &'a Journal,
        root: &Path,
        command: &str,
        writes: bool,
    ) -> Result<RunGuard<'a>, UsageError> {
        let lock = if writes {
            Some(RootLock::acquire(root, LOCK_PATIENCE)?)
        } else {
            None
        };
        Ok(RunGuard {
            journal,
            record: RunRecord::start(root, command),
            writes,
            opened: false,
            warned: AtomicBool::new(false),
            _lock: lock,
        })
    }

    /// The run's id, for the report and the refs it makes; `None` when it writes nothing.
    pub(crate) fn run_id(&self) -> Option<&str> {
        self.writes.then_some(self.record.run_id.as_str())
    }

    /// The id of the run's record, whether or not the run writes it.
    pub(crate) fn id(&self) -> &str {
        &self.record.run_id
    }

    /// The record being kept, for what a command adds to it (`undo` names the run it undoes).
    pub(crate) fn record_mut(&mut self) -> &mut RunRecord {
        &mut self.record
    }

    /// Writes the record before the first repository is touched, so that `runs` lists the run
    /// and `undo` can take it back whatever happens next. Nothing for a run that writes nothing.
    pub(crate) fn open(&mut self) -> Result<(), UsageError> {
        if self.writes {
            self.journal.save(&self.record)?;
            self.opened = true;
        }
        Ok(())
    }

    /// Journals `record` as started, before the run's first write to its repository.
    pub(crate) fn started(&self, record: &RepoRecord) -> Result<(), String> {
        self.journal
            .append_progress(&self.record.run_id, record)
            .map_err(|err| err.to_string())
    }

    /// Keeps `report` in the run's progress log as soon as it is known, so a run killed outright
    /// can be undone. A write that fails breaks that promise: said at once on stderr, once for
    /// the run.
    pub(crate) fn keep(&self, report: &RepoReport) {
        if !self.opened {
            return;
        }
        let run_id = &self.record.run_id;
        let Err(err) = self.journal.append_progress(run_id, &repo_record(report)) else {
            return;
        };
        if !self.warned.swap(true, Ordering::SeqCst) {
            crate::report::print_warning(&format!(
                "{err}: if run {run_id} is killed before it finishes, `git batch undo` cannot \
                 tell what it did (each repository it changes keeps its state before the run in \
                 refs/git-batch/backup/{run_id})"
            ));
        }
    }

    /// Completes the record opened at the start with every repository. After an internal error
    /// the record is left as a killed run leaves it, with its progress log, which `runs` and
    /// `undo` read.
    pub(crate) fn finish(mut self, run: &RunReport) -> Result<(), UsageError> {
        if !self.opened {
            return Ok(());
        }
        if run.internal_error.is_some() {
            crate::report::print_warning(&format!(
                "the record of run {id} is kept with every repository it started: `git batch \
                 runs` lists it and `git batch undo {id}` takes it back",
                id = self.record.run_id
            ));
            return Ok(());
        }
        self.write_finished(run)
    }

    /// Writes the record as finished, with every repository of `run`.
    pub(crate) fn write_finished(&mut self, run: &RunReport) -> Result<(), UsageError> {
        self.record.repos = run.repos.iter().map(repo_record).collect();
        self.record.finished = Some(crate::journal::timestamp_now());
        self.journal
            .save(&self.record)
            .map_err(UsageError::Unrecorded)
    }
}

/// What the journal keeps of one repository's report.
pub(crate) fn repo_record(report: &RepoReport) -> RepoRecord {
    if let Details::Edit(details) = &report.details {
        return RepoRecord {
            name: report.name.clone(),
            path: report.path.clone(),
            outcome: report.outcome,
            message: report.message.clone(),
            head_before: details.head_before.clone(),
            index_tree: details.index_tree.clone(),
            head_after: details.head_after.clone(),
            commit: details.commit.clone(),
            pushed: details.pushed,
            branch: details.branch.clone(),
            files: details.written.clone(),
            started: false,
            intent_to_add: Vec::new(),
            undone_by: None,
            change_branch: details.change_branch.clone(),
            pr: details.pr.clone(),
        };
    }
    let details = match &report.details {
        Details::Sync(details) => Some(details),
        _ => None,
    };
    RepoRecord {
        name: report.name.clone(),
        path: report.path.clone(),
        outcome: report.outcome,
        message: report.message.clone(),
        head_before: details.and_then(|d| d.head_before.clone()),
        index_tree: details.and_then(|d| d.index_tree.clone()),
        head_after: details.and_then(|d| d.head_after.clone()),
        commit: details.and_then(|d| d.commit.clone()),
        pushed: details.is_some_and(|d| d.pushed),
        branch: details.and_then(|d| d.branch.clone()),
        files: Vec::new(),
        started: false,
        intent_to_add: details.map(|d| d.intent_to_add.clone()).unwrap_or_default(),
        undone_by: None,
        change_branch: details.and_then(|d| d.change_branch.clone()),
        pr: details.and_then(|d| d.pr.clone()),
    }
}
