//! What `license-update` and `file-replace` share: a repository's tracked files read from its
//! index, the check that the files a change touches carry none of the user's uncommitted work,
//! atomic writes that keep each file's mode, a commit of only those paths, a push as safe as
//! `sync`'s, and the files put back as they were when a step fails.

use std::path::Path;
use std::time::Duration;

use gix::bstr::ByteSlice;

use crate::git::{self, Git};
use crate::hosts::HostGate;
use crate::ops::change::snapshot;
use crate::ops::guard;
use crate::ops::safety::{self, Unsafe};
use crate::ops::sync::Started;
use crate::outcome::{Details, Outcome, RepoChanges, RepoReport};
use crate::planned::Planned;
use crate::repo_lock::{LockError, RepoLock};
use crate::words::describe_files;

use crate::targets::Repo;

mod branch;
mod diff;
mod editor;
pub(crate) mod target;
/// The repository and the change every content operation decides with (kept here too, so that
/// an operation imports all it needs from one place).
pub use crate::ops::change::{Change, EntryKind, Snapshot, Tracked};
pub use crate::outcome::Mention;
use editor::Editor;

/// What an operation decided for one repository, from its snapshot.
#[derive(Debug)]
pub enum Decision {
    /// Nothing to change; the message says why.
    Unchanged(String),
    /// Not applicable or not safe; the message says why.
    Skip(String),
    /// These files change.
    Change(Vec<Change>),
}

/// A decision, with the mentions the operation found and left alone.
#[derive(Debug)]
pub struct Decided {
    pub decision: Decision,
    pub mentions: Vec<Mention>,
}

impl From<Decision> for Decided {
    fn from(decision: Decision) -> Self {
        Decided {
            decision,
            mentions: Vec::new(),
        }
    }
}

/// Whether a run writes, only reports, or checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write (and commit, push, as asked).
    Apply,
    /// `--dry-run`: report what a real run would do, with the same safety checks.
    DryRun,
    /// `--check`: report what differs from the wanted state; no safety checks (a hook runs
    /// while git holds `index.lock`, and CI checks out a detached HEAD).
    Check,
}

/// How a content operation runs.
#[derive(Debug, Clone)]
pub struct EditOptions {
    pub mode: Mode,
    /// Attach a unified diff of each change.
    pub diff: bool,
    pub commit: bool,
    pub push: bool,
    pub message: String,
    pub timeout: Duration,
    pub run_id: String,
    /// `--branch NAME`: the change committed on NAME off the working tree, and pushed.
    pub branch: Option<crate::ops::change::BranchOptions>,
}

pub use crate::ops::change::OpenPr;

/// Runs a content operation on `repo`: `decide` says which files change, the rest is shared.
/// Every entry carries `files`, empty where nothing changes. A real run holds the repository's
/// lock from before it reads the repository until it is done, and calls `started` before its
/// first write.
pub fn edit<D, R>(
    repo: &Repo,
    options: &EditOptions,
    gate: &HostGate,
    decide: &D,
    started: &Started<'_>,
    open_pr: Option<&OpenPr<'_>>,
) -> RepoReport
where
    D: Fn(&Snapshot) -> R + ?Sized,
    R: Into<Decided>,
{
    let report = edit_repo(repo, options, gate, decide, started, open_pr);
    match report.details {
        Details::None => report.with_details(Details::Edit(RepoChanges::default())),
        _ => report,
    }
}

fn edit_repo<D, R>(
    repo: &Repo,
    options: &EditOptions,
    gate: &HostGate,
    decide: &D,
    started: &Started<'_>,
    open_pr: Option<&OpenPr<'_>>,
) -> RepoReport
where
    D: Fn(&Snapshot) -> R + ?Sized,
    R: Into<Decided>,
{
    let opened = match git::open(&repo.path) {
        Ok(opened) => opened,
        Err(err) => return RepoReport::failed(repo, err.to_string()),
    };
    // Taken before HEAD and the index are read: what the run records as "before" is what it
    // found with no other run working here.
    let _lock = match lock(&opened, options.mode) {
        Ok(lock) => lock,
        Err(stop) => return stop.report(repo),
    };
    if let Some(branch) = &options.branch {
        let steps = branch::Steps {
            gate,
            started,
            open_pr,
        };
        return branch::edit_on_branch(repo, &opened, options, branch, decide, &steps);
    }
    let Survey {
        snapshot,
        head_before,
        branch,
        tracking,
    } = match survey(&opened, options) {
        Ok(survey) => survey,
        Err(stop) => return stop.report(repo),
    };
    let Decided { decision, mentions } = decide(&snapshot).into();
    let changes = match changes_to_make(repo, &opened, &snapshot, decision, options) {
        Ok(changes) => changes,
        Err(stop) => {
            return stop.report(repo).with_details(Details::Edit(RepoChanges {
                mentions,
                ..RepoChanges::default()
            }));
        }
    };
    let mut details = RepoChanges {
        mentions,
        branch,
        head_before,
        ..changed_files(&snapshot, &changes, options.diff)
    };
    if options.mode != Mode::Apply {
        return report_unwritten(repo, &opened, &snapshot, &changes, options, details);
    }
    let git = Git::new(&repo.path, options.timeout);
    let hash = opened.object_hash();
    let result = Editor {
        repo,
        opened: &opened,
        git: &git,
        snapshot: &snapshot,
        changes: &changes,
        options,
        details: &mut details,
    }
    .run(tracking.as_ref(), gate, hash, started);
    details.head_after = git::refs::head_id_in(&opened).ok().flatten();
    let (outcome, message) = match result {
        Ok(message) => (Outcome::Changed, message),
        Err(failure) => (Outcome::Failed, failure),
    };
    RepoReport::new(repo, outcome, message).with_details(Details::Edit(details))
}

/// Why a content operation stops before it writes anything.
enum Stop {
    /// Nothing to change; the message says why.
    Unchanged(String),
    /// Not applicable or not safe; the message says why.
    Skip(String),
    Failed(String),
}

impl Stop {
    fn report(self, repo: &Repo) -> RepoReport {
        match self {
            Stop::Unchanged(message) => RepoReport::new(repo, Outcome::Unchanged, message),
            Stop::Skip(reason) => RepoReport::new(repo, Outcome::Skipped, reason),
            Stop::Failed(reason) => RepoReport::failed(repo, reason),
        }
    }
}

/// The repository's lock, for a real run; a dry run or a check writes nothing and takes none.
fn lock(opened: &gix::Repository, mode: Mode) -> Result<Option<RepoLock>, Stop> {
    if mode != Mode::Apply {
        return Ok(None);
    }
    match RepoLock::acquire(opened.git_dir()) {
        Ok(lock) => Ok(Some(lock)),
        Err(held @ LockError::Held { .. }) => Err(Stop::Skip(held.to_string())),
        Err(err) => Err(Stop::Failed(err.to_string())),
    }
}

/// What a content operation reads of a repository before it decides.
struct Survey {
    snapshot: Snapshot,
    head_before: Option<String>,
    branch: Option<String>,
    /// Where `--push` pushes to.
    tracking: Option<git::Tracking>,
}

/// Reads HEAD, the upstream (with `--push`) and the tracked files, after the checks a run
/// that writes makes first.
fn survey(opened: &gix::Repository, options: &EditOptions) -> Result<Survey, Stop> {
    let Some(workdir) = opened.workdir().map(Path::to_path_buf) else {
        return Err(Stop::Skip(
            "a bare repository has no files to change".into(),
        ));
    };
    let head = opened
        .head()
        .map_err(|err| Stop::Failed(format!("cannot read HEAD: {err}")))?;
    let head_before = head.id().map(|id| id.detach().to_string());
    let branch = head
        .referent_name()
        .map(|name| name.shorten().to_str_lossy().into_owned());
    let tracking = match options.mode {
        Mode::Check => None,
        Mode::Apply | Mode::DryRun => ready_to_write(opened, options)?,
    };
    let snapshot = snapshot(opened, workdir).map_err(Stop::Failed)?;
    Ok(Survey {
        snapshot,
        head_before,
        branch,
        tracking,
    })
}

/// Whether a run that writes may: the repository's state, and with `--push` an upstream,
/// which it returns.
fn ready_to_write(
    opened: &gix::Repository,
    options: &EditOptions,
) -> Result<Option<git::Tracking>, Stop> {
    if let Some(reason) = unsafe_state(opened, options) {
        return Err(Stop::Skip(reason));
    }
    if !options.push {
        return Ok(None);
    }
    match git::tracking_of_head(opened) {
        Ok(Some(found)) => Ok(Some(found)),
        Ok(None) => Err(Stop::Skip(
            "no upstream to push to: set one (git push -u REMOTE BRANCH), or leave out --push"
                .into(),
        )),
        Err(err) => Err(Stop::Failed(err.to_string())),
    }
}

/// The changes the operation decided, unless a run that writes would touch the user's work.
fn changes_to_make(
    repo: &Repo,
    opened: &gix::Repository,
    snapshot: &Snapshot,
    decision: Decision,
    options: &EditOptions,
) -> Result<Vec<Change>, Stop> {
    let changes = match decision {
        Decision::Unchanged(message) => return Err(Stop::Unchanged(message)),
        Decision::Skip(reason) => return Err(Stop::Skip(reason)),
        Decision::Change(changes) => changes,
    };
    if options.mode != Mode::Check {
        let git = Git::new(&repo.path, options.timeout);
        let dry_run = options.mode == Mode::DryRun;
        if let Some(reason) = guard::touches_user_work(opened, snapshot, &changes, &git, dry_run) {
            return Err(Stop::Skip(reason));
        }
    }
    Ok(changes)
}

/// The paths of `changes`, and with `--diff` the diff, as the report shows them.
fn changed_files(snapshot: &Snapshot, changes: &[Change], with_diff: bool) -> RepoChanges {
    let mut details = RepoChanges {
        diff: with_diff.then(|| diff::unified(snapshot, changes)),
        ..RepoChanges::default()
    };
    details.set_files(
        changes
            .iter()
            .map(|c| c.path.to_str_lossy().into_owned())
            .collect(),
    );
    details
}

/// The report of a dry run or a check that found `changes`: what a real run would do, and
/// for a check, why its fix would be refused, if it would.
fn report_unwritten(
    repo: &Repo,
    opened: &gix::Repository,
    snapshot: &Snapshot,
    changes: &[Change],
    options: &EditOptions,
    mut details: RepoChanges,
) -> RepoReport {
    details.head_after.clone_from(&details.head_before);
    if options.mode == Mode::DryRun {
        details.planned = changes
            .iter()
            .map(|c| {
                let planned = Planned::of(c.old.is_some(), c.new.is_some());
                (c.path.to_str_lossy().into_owned(), planned)
            })
            .collect();
    }
    let message = format!("would change {}", describe_files(&details.files));
    if options.mode == Mode::Check {
        // What the fix, a real run that commits, would refuse, in the order it checks; said
        // under the fix command, where the fix is (the line stays what the check found).
        let git = Git::new(&repo.path, options.timeout);
        details.fix_blocked = unsafe_state_for_fix(opened, options)
            .or_else(|| guard::touches_user_work(opened, snapshot, changes, &git, true));
    }
    RepoReport::new(repo, Outcome::Changed, message).with_details(Details::Edit(details))
}

/// Why the repository cannot take a change now, if it cannot: the checks every writing command
/// shares; a detached HEAD only when the change is to be committed.
fn unsafe_state(opened: &gix::Repository, options: &EditOptions) -> Option<String> {
    safety::check(opened, options.commit).map(|reason| match reason {
        Unsafe::Detached => format!("{reason} (or use --no-commit to change the files only)"),
        other => other.to_string(),
    })
}

/// For a check that found drift: why the printed fix would skip the repository for its state,
/// if it would. An `index.lock` does not count: git holds one while a hook runs the check, and
/// it is gone when the fix is run.
fn unsafe_state_for_fix(opened: &gix::Repository, options: &EditOptions) -> Option<String> {
    if git::index_lock_path(opened).exists() {
        return None;
    }
    let fix = EditOptions {
        commit: true,
        ..options.clone()
    };
    unsafe_state(opened, &fix)
}
