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
    let read_ref = |prefix: &str| -> Option<String> {
        let mut found = opened
            .find_reference(run_ref(prefix, run_id, opened).as_str())
            .ok()?;
        found.peel_to_id().ok().map(|id| id.to_string())
    };
    // A content run with nothing to commit (`--no-commit`) keeps no refs: its record says where
    // HEAD was, and which files it was about to write.
    let writing = cut_short && job.content && !record.files.is_empty();
    let before = match read_ref(BACKUP_REF_PREFIX) {
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
    rebuilt.index_tree = read_ref(INDEX_REF_PREFIX).or_else(|| record.index_tree.clone());
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
    let parent = git.read(&["rev-parse", "--verify", "-q", &format!("{head}^")]);
    if parent.as_deref().ok() != Some(before.as_str()) {
        return Err(format!(
            "the record of this repository does not say what the run did, and HEAD ({}) is \
             not one commit past where the run found it ({}): undo by hand",
            super::short(&head),
            run_ref(BACKUP_REF_PREFIX, run_id, opened)
        ));
    }
    rebuilt.head_after = Some(head.clone());
    rebuilt.commit = Some(head.clone());
    if job.content && rebuilt.files.is_empty() {
        rebuilt.files = committed_files(git, &before, &head)?;
    }
    Ok(Some(rebuilt))
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
