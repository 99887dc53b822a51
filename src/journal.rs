//! The run journal: an id per mutating run, a record of what it did to each repository (in the
//! user's state folder), backup refs inside each repository, and the lock that keeps two runs
//! off one root.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;
#[cfg(test)]
use std::time::{Duration, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::outcome::{ChangeBranch, FileRecord, Outcome, PrRecord};

mod clock;
mod damaged;
mod lock;
mod prune;
#[cfg(test)]
use clock::civil;
use clock::{new_run_id, rfc3339, unix_ms};
pub use clock::{timestamp_at, timestamp_now};
pub use damaged::DamagedRecord;
use damaged::field_of_damaged;
pub use lock::RootLock;
pub use prune::{Kept, PruneRule, Tombstone, is_run_ref, parse_duration};

/// Refs under which a run keeps each repository's state before it, named by run id.
pub const BACKUP_REF_PREFIX: &str = "refs/git-batch/backup/";
/// The tree of the index before the run, so that undo can restore what was staged.
pub const INDEX_REF_PREFIX: &str = "refs/git-batch/index/";

/// The name of the run's ref under `prefix` (`BACKUP_REF_PREFIX`, `INDEX_REF_PREFIX`) in the
/// repository `opened`: `refs/git-batch/backup/<run-id>`. A linked worktree shares its main
/// repository's refs, so there the name ends in `@` and the worktree's id
/// (`refs/git-batch/backup/<run-id>@feature`): a run over a repository and its worktrees keeps
/// one backup for each.
pub fn run_ref(prefix: &str, run_id: &str, opened: &gix::Repository) -> String {
    match worktree_id(opened) {
        Some(worktree) => format!("{prefix}{run_id}@{worktree}"),
        None => format!("{prefix}{run_id}"),
    }
}

/// The id of a linked worktree (the name of its folder under `.git/worktrees/`), in characters
/// a ref name may hold; `None` for a main worktree or a repository of its own.
fn worktree_id(opened: &gix::Repository) -> Option<String> {
    if opened.git_dir() == opened.common_dir() {
        return None;
    }
    let name = opened.git_dir().file_name()?.to_string_lossy();
    Some(
        name.chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' => c,
                _ => '_',
            })
            .collect(),
    )
}

/// A journal that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot use the run journal in {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("run journal file {path} is damaged: {message}")]
    Damaged { path: PathBuf, message: String },
    /// A run's record that can no longer be read: what it did is still in the repositories.
    #[error(
        "the record of run {run_id} ({path}) is damaged ({message}), so undo cannot tell which \
         repositories it changed. Its repositories still hold what they were before it: \
         refs/git-batch/backup/{run_id} (HEAD) and refs/git-batch/index/{run_id} (the staging \
         area); `git batch exec -- git for-each-ref refs/git-batch/` lists them, and \
         `git reset --soft refs/git-batch/backup/{run_id} && git read-tree \
         refs/git-batch/index/{run_id}` in one puts its branch and staging area back (the \
         working tree keeps the run's files). Move the damaged file away to undo earlier runs"
    )]
    DamagedRun {
        run_id: String,
        path: PathBuf,
        message: String,
    },
    #[error(
        "no run `{0}` in the journal for this root (no record: pruned or never made; see \
         `git batch runs`)"
    )]
    UnknownRun(String),
    #[error(
        "run {run_id} was pruned on {when} (`git batch runs prune`): its record and its refs \
         are gone, so it can no longer be undone"
    )]
    Pruned { run_id: String, when: String },
    #[error("run {run_id} was already undone by run {by}")]
    AlreadyUndone { run_id: String, by: String },
    #[error("the journal holds no run on this root yet")]
    NoRuns,
    #[error("no run left on this root: every run recorded was pruned (`git batch runs prune`)")]
    AllPruned,
    #[error(
        "nothing to undo on this root: every run recorded is undone or changed nothing (see \
         `git batch runs`)"
    )]
    NothingToUndo,
    #[error(
        "another git-batch run is working on {root} (pid {pid}); wait for it to finish, \
         or remove {lock} if no such process exists"
    )]
    Busy {
        root: PathBuf,
        pid: String,
        lock: PathBuf,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What one run did to one repository.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RepoRecord {
    pub name: String,
    pub path: PathBuf,
    pub outcome: Outcome,
    pub message: String,
    /// HEAD before the run touched the repository (also in the backup ref).
    pub head_before: Option<String>,
    /// The tree of the index before the run (also in the index ref).
    pub index_tree: Option<String>,
    /// HEAD when the run left it.
    pub head_after: Option<String>,
    /// The commit this run made, if it made one.
    pub commit: Option<String>,
    /// Whether the run pushed.
    pub pushed: bool,
    /// The branch the run worked on.
    pub branch: Option<String>,
    /// The files a content operation (`license-update`, `file-replace`) wrote or removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileRecord>,
    /// Written before the run's first write to the repository: the run may have changed it
    /// even when no later record says so (a run killed outright). Undo then trusts the
    /// repository's backup and index refs.
    #[serde(default)]
    pub started: bool,
    /// Paths that were intent-to-add (`git add -N`) before the run: the saved index tree
    /// cannot hold them, so undo adds them back that way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intent_to_add: Vec<FileRecord>,
    /// The undo run that took this repository back, when the run was undone in steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undone_by: Option<String>,
    /// `--branch`: the branch the change went on, and its tips before the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_branch: Option<ChangeBranch>,
    /// `--pr`: the change request opened or found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr: Option<PrRecord>,
}

impl RepoRecord {
    /// Whether the record says the run changed the repository (moved HEAD or wrote files).
    pub fn changed(&self) -> bool {
        let on_branch = self
            .change_branch
            .as_ref()
            .is_some_and(|branch| branch.commit.is_some());
        on_branch
            || self.head_before.is_some()
                && (self.head_before != self.head_after || !self.files.is_empty())
    }

    /// Whether undo has something to look at here: a change, or a write started that no later
    /// record settles. Repositories already undone do not count; nor does a failure alone (a
    /// commit found past the run's backup ref then may be the user's own, made after the run).
    pub fn to_undo(&self) -> bool {
        self.undone_by.is_none() && (self.changed() || self.started)
    }
}

/// One run, as kept in the journal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunRecord {
    pub run_id: String,
    pub root: PathBuf,
    pub command: String,
    /// RFC 3339, UTC.
    pub started: String,
    /// Milliseconds since the Unix epoch, to order runs started within one second.
    pub started_ms: u64,
    pub finished: Option<String>,
    pub repos: Vec<RepoRecord>,
    /// The run that undid this one.
    #[serde(default)]
    pub undone_by: Option<String>,
    /// For an `undo` run: the run it undid.
    #[serde(default)]
    pub undoes: Option<String>,
}

impl RunRecord {
    /// A new, empty record for a run of `command` on `root`, with a fresh id.
    pub fn start(root: &Path, command: &str) -> RunRecord {
        let now = SystemTime::now();
        RunRecord {
            run_id: new_run_id(now),
            root: root.to_path_buf(),
            command: command.to_owned(),
            started: rfc3339(now),
            started_ms: unix_ms(now),
            finished: None,
            repos: Vec::new(),
            undone_by: None,
            undoes: None,
        }
    }

    /// The repositories that failed in this run.
    pub fn failed(&self) -> impl Iterator<Item = &RepoRecord> {
        self.repos.iter().filter(|r| r.outcome == Outcome::Failed)
    }
}

/// The folder that holds git-batch's state: `$XDG_STATE_HOME/git-batch`, by default
/// `~/.local/state/git-batch`.
pub fn state_dir() -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .filter(|path| path.is_absolute())
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
            home.join(".local").join("state")
        });
    base.join("git-batch")
}

/// The journal of runs, stored as one JSON file per run.
#[derive(Debug, Clone)]
pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    /// The journal in the user's state folder.
    pub fn open() -> Journal {
        Journal {
            dir: state_dir().join("runs"),
        }
    }

    /// The journal kept in `dir` (the `runs` folder of a state folder), for a caller that
    /// names its own: tests that write a run's record through the library.
    pub fn in_dir(dir: PathBuf) -> Journal {
        Journal { dir }
    }

    fn file(&self, run_id: &str) -> PathBuf {
        self.dir.join(format!("{run_id}.json"))
    }

    /// Where a run appends each repository's record as it finishes, until the run's record is
    /// complete: a run killed outright (SIGKILL, a crash) can still be undone from it.
    fn progress_file(&self, run_id: &str) -> PathBuf {
        self.dir.join(format!("{run_id}.progress.jsonl"))
    }

    /// Appends one repository's record to the run's progress log (one line, one write): a
    /// repository about to be written (`started`), then how it ended. A later line for the same
    /// repository replaces an earlier one; a line cut short by a crash is passed over.
    pub fn append_progress(&self, run_id: &str, repo: &RepoRecord) -> Result<(), JournalError> {
        use std::io::Write;
        let path = self.progress_file(run_id);
        let mut line = serde_json::to_string(repo).map_err(|err| JournalError::Damaged {
            path: path.clone(),
            message: err.to_string(),
        })?;
        line.push('\n');
        fs::create_dir_all(&self.dir).map_err(io_error(&self.dir))?;
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io_error(&path))?;
        // A line that a crash cut short would glue the next one to it: start on a fresh line.
        let cut = file
            .metadata()
            .is_ok_and(|meta| meta.len() > 0 && !ends_with_newline(&path));
        if cut {
            line.insert(0, '\n');
        }
        file.write_all(line.as_bytes()).map_err(io_error(&path))
    }

    /// Writes (or rewrites) a run's record, atomically.
    pub fn save(&self, record: &RunRecord) -> Result<(), JournalError> {
        fs::create_dir_all(&self.dir).map_err(io_error(&self.dir))?;
        let path = self.file(&record.run_id);
        let text = serde_json::to_string_pretty(record).map_err(|err| JournalError::Damaged {
            path: path.clone(),
            message: err.to_string(),
        })?;
        let temporary = self.dir.join(format!(".{}.json.tmp", record.run_id));
        fs::write(&temporary, text).map_err(io_error(&temporary))?;
        fs::rename(&temporary, &path).map_err(io_error(&path))?;
        if record.finished.is_some() {
            // The record now holds every repository; the progress log has served.
            let _ = fs::remove_file(self.progress_file(&record.run_id));
        }
        Ok(())
    }

    /// A record whose run never finished gets the repositories its progress log kept.
    fn with_progress(&self, mut record: RunRecord) -> RunRecord {
        if record.finished.is_none() {
            if let Ok(text) = fs::read_to_string(self.progress_file(&record.run_id)) {
                let kept: Vec<RepoRecord> = text
                    .lines()
                    .filter_map(|line| serde_json::from_str(line).ok())
                    .collect();
                // A repository may be logged when its run starts writing to it and again when
                // it is done: the later line says more.
                for repo in kept {
                    match record.repos.iter_mut().find(|r| r.path == repo.path) {
                        Some(known) => {
                            let undone_by = known.undone_by.take();
                            *known = repo;
                            known.undone_by = known.undone_by.take().or(undone_by);
                        }
                        None => record.repos.push(repo),
                    }
                }
            }
        }
        record
    }

    /// Every run recorded for `root`, oldest first, and the run files that cannot be read and
    /// may belong to it (a damaged file whose root cannot be read any more may be this root's).
    pub fn scan(&self, root: &Path) -> Result<(Vec<RunRecord>, Vec<DamagedRecord>), JournalError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Ok((Vec::new(), Vec::new()));
            }
            Err(err) => return Err(io_error(&self.dir)(err)),
        };
        let mut runs = Vec::new();
        let mut damaged = Vec::new();
        for path in entries.filter_map(Result::ok).map(|entry| entry.path()) {
            let Some(run_id) = path
                .file_name()
                .and_then(|name| name.to_str())
                .and_then(|name| name.strip_suffix(".json"))
                .filter(|id| !id.starts_with('.'))
            else {
                continue;
            };
            let text = match fs::read(&path) {
                Ok(text) => text,
                Err(err) => {
                    damaged.push(DamagedRecord::new(run_id, &path, err.to_string()));
                    continue;
                }
            };
            match serde_json::from_slice::<RunRecord>(&text) {
                Ok(run) if run.root == root => runs.push(self.with_progress(run)),
                Ok(_) => {}
                Err(err) => {
                    let theirs = field_of_damaged::<PathBuf>(&text, "root");
                    if theirs.is_none_or(|theirs| theirs == root) {
                        let mut record = DamagedRecord::new(run_id, &path, err.to_string());
                        record.started_ms = field_of_damaged(&text, "started_ms");
                        damaged.push(record);
                    }
                }
            }
        }
        runs.sort_by(|a, b| (a.started_ms, &a.run_id).cmp(&(b.started_ms, &b.run_id)));
        damaged.sort_by(|a, b| a.run_id.cmp(&b.run_id));
        Ok((runs, damaged))
    }

    /// Every run recorded for `root`, oldest first. Damaged files are left out (see
    /// [`Journal::scan`]).
    pub fn runs_for(&self, root: &Path) -> Result<Vec<RunRecord>, JournalError> {
        Ok(self.scan(root)?.0)
    }

    /// The run `run_id` on `root`; a run whose record is damaged is an error that says so.
    pub fn load(&self, root: &Path, run_id: &str) -> Result<RunRecord, JournalError> {
        let (runs, damaged) = self.scan(root)?;
        if let Some(found) = runs.into_iter().find(|run| run.run_id == run_id) {
            return Ok(found);
        }
        if let Some(damaged) = damaged.into_iter().find(|d| d.run_id == run_id) {
            return Err(damaged.into_error());
        }
        match self.tombstone(root, run_id) {
            Some(stone) => Err(JournalError::Pruned {
                run_id: stone.run_id,
                when: stone.pruned,
            }),
            None => Err(JournalError::UnknownRun(run_id.to_owned())),
        }
    }

    /// The last run on `root` that `undo` would take back: not an undo, not yet undone, and
    /// with something to take back. A damaged record newer than it is an error: undo never
    /// passes over a run it cannot read to take back the one before.
    pub fn last_undoable(&self, root: &Path) -> Result<RunRecord, JournalError> {
        let (runs, damaged) = self.scan(root)?;
        let no_runs = runs.is_empty();
        let found = runs.into_iter().rev().find(|run| {
            run.undoes.is_none()
                && run.undone_by.is_none()
                && run.repos.iter().any(RepoRecord::to_undo)
        });
        // Run ids begin with the run's UTC time, so they order damaged records too.
        let newer = damaged
            .into_iter()
            .rfind(|d| found.as_ref().is_none_or(|run| d.may_follow(run)));
        match (newer, found) {
            (Some(damaged), _) => Err(damaged.into_error()),
            (None, Some(run)) => Ok(run),
            (None, None) if no_runs => Err(self.no_runs(root)),
            (None, None) => Err(JournalError::NothingToUndo),
        }
    }

    /// The last run on `root`, whatever it was (for `@failed`). A damaged record that may be
    /// later is an error: its failures cannot be told.
    pub fn last(&self, root: &Path) -> Result<RunRecord, JournalError> {
        let (mut runs, damaged) = self.scan(root)?;
        let last = runs.pop();
        let newer = damaged
            .into_iter()
            .rfind(|d| last.as_ref().is_none_or(|run| d.may_follow(run)));
        match (newer, last) {
            (Some(damaged), _) => Err(damaged.into_error()),
            (None, Some(run)) => Ok(run),
            (None, None) => Err(self.no_runs(root)),
        }
    }
}

/// Whether the file at `path` ends with a newline (an empty or unreadable file counts as yes).
fn ends_with_newline(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = fs::File::open(path) else {
        return true;
    };
    let mut last = [b'\n'];
    if file.seek(SeekFrom::End(-1)).is_ok() {
        let _ = file.read_exact(&mut last);
    }
    last[0] == b'\n'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn civil_dates_match_known_instants() {
        assert_eq!(civil(at(0)), (1970, 1, 1, 0, 0, 0));
        assert_eq!(civil(at(951_782_400)), (2000, 2, 29, 0, 0, 0));
        assert_eq!(civil(at(1_795_682_100)), (2026, 11, 26, 8, 35, 0));
        assert_eq!(rfc3339(at(1_709_210_096)), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn run_ids_sort_by_time_and_have_the_documented_shape() {
        let id = new_run_id(at(1_795_682_100));
        assert!(id.starts_with("20261126T083500Z-"), "{id}");
        assert_eq!(id.len(), "20261126T103500Z-3f2a".len());
        assert!(new_run_id(at(1_795_682_100)) < new_run_id(at(1_795_682_101)));
    }
}
