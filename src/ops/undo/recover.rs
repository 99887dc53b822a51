//! What a run did to a repository when its record does not say (the run was killed before it
//! could, or the record stops at "started"): the run's backup and index refs in the repository
//! say where it started, and HEAD says how far it got.

use crate::git::Git;
use crate::journal::{BACKUP_REF_PREFIX, INDEX_REF_PREFIX, RepoRecord, run_ref};
use crate::outcome::FileRecord;

use super::Job;

/// What undo works from in one repository.
pub(super) enum Found {
    /// The journal's record when it says what the run did, otherwise one rebuilt from the
    /// run's refs.
    Record(Box<RepoRecord>),
    /// Nothing of the run to take back here; the message says so.
    Nothing(String),
    /// Something of the run is here, but not in a shape undo can take back safely; the reason
    /// says what to do.
    Skip(String),
}

const NOTHING: &str = "the run changed nothing here";

/// What undo works from in the repository `opened`, for `job` of the run `run_id`.
pub(super) fn effective_record(
    opened: &gix::Repository,
    git: &Git<'_>,
    job: &Job,
    run_id: &str,
) -> Found {
    match rebuild(opened, git, job, run_id) {
        Ok(Some(record)) => Found::Record(Box::new(record)),
        Ok(None) if job.content && job.record.started => Found::Nothing(
            "no commit of the run here: it was stopped before committing; `git status` shows any \
             file it had written, `git checkout -- FILE` takes one back"
                .into(),
        ),
        Ok(None) => Found::Nothing(NOTHING.into()),
        Err(reason) => Found::Skip(reason),
    }
}

/// What the run did in this repository: its record when the run settled it, else rebuilt from
/// the refs the run saved and where HEAD is now. `None` when there is nothing to undo.
fn rebuild(
    opened: &gix::Repository,
    git: &Git<'_>,
    job: &Job,
    run_id: &str,
) -> Result<Option<RepoRecord>, String> {
    let record = &job.record;
    // A repository still marked started was never settled by a later record: the run was cut
    // short while working on it, whatever else the record says.
    let cut_short = record.started;
    if record.changed() && !cut_short {
        return Ok(Some(record.clone()));
    }
    // A content run with nothing to commit (`--no-commit`) keeps no refs: its record says where
    // HEAD was, and which files it was about to write.
    let writing = cut_short && job.content && !record.files.is_empty();
    let before = match saved_ref(opened, BACKUP_REF_PREFIX, run_id) {
        Some(before) => before,
        None => match record.head_before.clone().filter(|_| writing) {
            Some(before) => before,
            None => return Ok(record.changed().then(|| record.clone())),
        },
    };
    let head = crate::git::refs::head_id_in(opened)
        .map_err(|err| err.to_string())?
        .unwrap_or_default();
    let mut rebuilt = record.clone();
    rebuilt.head_before = Some(before.clone());
    rebuilt.index_tree =
        saved_ref(opened, INDEX_REF_PREFIX, run_id).or_else(|| record.index_tree.clone());
    if rebuilt.branch.is_none() {
        rebuilt.branch = opened
            .head_name()
            .ok()
            .flatten()
            .map(|name| name.shorten().to_string());
    }
    if head == before {
        // No commit was made. A run cut short may have left the index as `git add -A` made
        // it: the saved index puts it back. A finished run that left HEAD alone changed
        // nothing.
        // A content run cut short may have written some of its files: those still as it wrote
        // them are put back.
        let restorable = if job.content {
            writing
        } else {
            rebuilt.index_tree.is_some()
        };
        if !cut_short || !restorable {
            return Ok(None);
        }
        rebuilt.head_after = Some(before);
        rebuilt.commit = None;
        return Ok(Some(rebuilt));
    }
    with_commit(opened, git, job, run_id, rebuilt, &before, head)
}

/// The commit `run_id` saved under `prefix` in `opened` (the backup of HEAD, the index's tree).
fn saved_ref(opened: &gix::Repository, prefix: &str, run_id: &str) -> Option<String> {
    let mut found = opened
        .find_reference(run_ref(prefix, run_id, opened).as_str())
        .ok()?;
    found.peel_to_id().ok().map(|id| id.to_string())
}

/// `rebuilt` for a run that committed: HEAD (`head`) must be one commit past `before`, the run's
/// commit; a run cut short may have pushed it; a content run's files are those it holds. `Err`
/// when HEAD is anything else, since what the run did can then not be told.
fn with_commit(
    opened: &gix::Repository,
    git: &Git<'_>,
    job: &Job,
    run_id: &str,
    mut rebuilt: RepoRecord,
    before: &str,
    head: String,
) -> Result<Option<RepoRecord>, String> {
    let parent = git.read(&["rev-parse", "--verify", "-q", &format!("{head}^")]);
    if parent.as_deref().ok() != Some(before) {
        return Err(format!(
            "the record of this repository does not say what the run did, and HEAD ({}) is \
             not one commit past where the run found it ({}): undo by hand",
            super::short(&head),
            run_ref(BACKUP_REF_PREFIX, run_id, opened)
        ));
    }
    rebuilt.head_after = Some(head.clone());
    rebuilt.commit = Some(head.clone());
    // The run may have pushed its commit before it was cut short, or its `git push` may have
    // finished after it: only the remote can say, and what it holds is taken back by a revert.
    if job.record.started && !rebuilt.pushed {
        rebuilt.pushed = reached_remote(opened, git, &head)?;
    }
    if job.content && rebuilt.files.is_empty() {
        rebuilt.files = committed_files(git, before, &head)?;
    }
    Ok(Some(rebuilt))
}

/// Whether `commit` is on the branch's upstream: known from the remote-tracking ref when that
/// already holds it, otherwise asked of the push remote (`git ls-remote`). A remote that cannot
/// be asked leaves the repository to a later undo rather than taking back locally a commit that
/// may be published.
fn reached_remote(opened: &gix::Repository, git: &Git<'_>, commit: &str) -> Result<bool, String> {
    let Some(tracking) = crate::git::tracking_of_head(opened).ok().flatten() else {
        return Ok(false);
    };
    let contains = |tip: &str| {
        git.check(&["merge-base", "--is-ancestor", commit, tip])
            .is_ok()
    };
    if tracking.tracking_ref.as_deref().is_some_and(contains) {
        return Ok(true);
    }
    let listed = git
        .read(&[
            "ls-remote",
            "--",
            tracking.push_remote.as_str(),
            tracking.merge_ref.as_str(),
        ])
        .map_err(|err| {
            format!(
                "the run was cut short after its commit {}, and {} cannot say whether the commit \
                 reached it ({}): undo again when it answers",
                super::short(commit),
                tracking.push_remote,
                err.message()
            )
        })?;
    let tip = listed
        .lines()
        .find_map(|line| {
            line.split_once('\t')
                .filter(|(_, name)| *name == tracking.merge_ref)
        })
        .map(|(id, _)| id.to_owned());
    match tip {
        None => Ok(false),
        Some(tip) if tip == commit => Ok(true),
        Some(tip)
            if git
                .check(&["cat-file", "-e", &format!("{tip}^{{commit}}")])
                .is_ok() =>
        {
            Ok(contains(&tip))
        }
        // Moved on to commits this repository has not fetched: they may build on the run's.
        Some(tip) => Err(format!(
            "the run was cut short after its commit {}, and {} has moved on to {}, which this \
             repository has not fetched: `git fetch`, then undo again",
            super::short(commit),
            tracking.push_remote,
            super::short(&tip)
        )),
    }
}

/// The files the commit `after` changed over `before`, as a content operation records them.
fn committed_files(git: &Git<'_>, before: &str, after: &str) -> Result<Vec<FileRecord>, String> {
    let raw = git
        .read(&["diff-tree", "-r", "-z", "--no-renames", before, after])
        .map_err(|err| err.to_string())?;
    let mut files = Vec::new();
    let mut fields = raw.split('\0');
    while let (Some(meta), Some(path)) = (fields.next(), fields.next()) {
        // ":100644 100644 OLD NEW M"
        let parts: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        let (Some(new), Some(status)) = (parts.get(3), parts.get(4)) else {
            continue;
        };
        let removed = status.starts_with('D');
        files.push(FileRecord::of_path(
            path.as_bytes(),
            status.starts_with('A'),
            (!removed).then(|| (*new).to_owned()),
        ));
    }
    Ok(files)
}
