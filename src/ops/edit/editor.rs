//! The writing half of a content operation: the refs and the journal's "started" record before
//! the first write, atomic writes that keep each file's mode, a commit of only the changed
//! paths, the push, and the files put back as they were when a step fails.

use std::fs;
use std::io::{self, Write as _};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use gix::bstr::ByteSlice;

use super::{Change, EditOptions, Snapshot};
use crate::git::commit::{Committed, Written};
use crate::git::push::REJECTED;
use crate::git::{self, Git, GitError, PushResult, Tracking, os_path};
use crate::hosts::HostGate;
use crate::journal::{BACKUP_REF_PREFIX, INDEX_REF_PREFIX, run_ref};
use crate::ops::guard;
use crate::ops::sync::{Before, CLEANUP_GRACE, Started, journal_started};
use crate::outcome::{FileRecord, RepoChanges};
use crate::targets::Repo;
use crate::words::plural;

/// Writes a repository's changes, commits and pushes them, or puts the files back.
pub(super) struct Editor<'a> {
    pub(super) repo: &'a Repo,
    pub(super) opened: &'a gix::Repository,
    pub(super) git: &'a Git<'a>,
    pub(super) snapshot: &'a Snapshot,
    pub(super) changes: &'a [Change],
    pub(super) options: &'a EditOptions,
    pub(super) details: &'a mut RepoChanges,
}

impl Editor<'_> {
    // One sequence on purpose: begin, write, commit (a failed one puts the files back), push.
    pub(super) fn run(
        mut self,
        tracking: Option<&Tracking>,
        gate: &HostGate,
        hash: gix::hash::Kind,
        started: &Started<'_>,
    ) -> Result<String, String> {
        let count = self.changes.len();
        let files = format!("{count} {}", plural(count, "file", "files"));
        self.details.written = file_records(self.changes, hash);
        self.begin(started)?;
        let made_dirs = write_all(self.snapshot, self.changes).inspect_err(|_| {
            self.details.written.clear();
        })?;
        if !self.options.commit {
            return Ok(format!("changed {files} (not committed)"));
        }
        self.details.commit = match self.commit() {
            Ok(Committed::InProcess { id, .. }) => Some(id),
            // The commit git just made (HEAD may already be one made on top of it).
            Ok(Committed::ByGit(printed)) => {
                crate::ops::sync::commit_made(self.git.dir(), &printed.stdout)
            }
            Err(failure) => return Err(self.undo_writes(&failure, made_dirs)),
        };
        let message = format!("committed {files}");
        match tracking {
            Some(tracking) => self.push(tracking, gate, message),
            None => Ok(message),
        }
    }

    /// After a failed commit: the files put back as they were, those the run created taken out
    /// of the index again, and nothing recorded as written. Says `failure` and how the clean-up
    /// went.
    fn undo_writes(&mut self, failure: &str, made_dirs: Vec<PathBuf>) -> String {
        let put_back = put_back(self.snapshot, self.changes, made_dirs);
        let created: Vec<&Change> = self.changes.iter().filter(|c| c.old.is_none()).collect();
        let unstaged = if created.is_empty() {
            Ok(())
        } else {
            // `git add` put them in the index; take them out again.
            let mut args = os_args(&["--literal-pathspecs", "reset", "-q", "--"]);
            args.extend(created.iter().map(|c| os_path(&c.path)));
            // Its own time: the failure may have been the --timeout running out.
            Git::new(self.git.dir(), CLEANUP_GRACE).check(&args)
        };
        self.details.written.clear();
        match (put_back, unstaged) {
            (Ok(()), Ok(())) => format!("{failure}; the files are as they were"),
            (Ok(()), Err(err)) => format!(
                "{failure}; the files are put back, but {}",
                still_staged(&created, &err)
            ),
            (Err(err), Ok(())) => format!("{failure}; putting the files back failed: {err}"),
            (Err(err), Err(again)) => format!(
                "{failure}; putting the files back failed: {err}; and {}",
                still_staged(&created, &again)
            ),
        }
    }

    /// Pushes the run's commit to `tracking`'s remote. `Ok` is `message` with what the push did;
    /// `Err` says why it was refused, and that the commit stays local.
    fn push(
        &mut self,
        tracking: &Tracking,
        gate: &HostGate,
        message: String,
    ) -> Result<String, String> {
        let host = crate::ops::sync::host_of(tracking);
        let tip = self.details.commit.as_deref().unwrap_or("HEAD");
        match crate::ops::sync::push_commit(self.git, tracking, gate, &host, tip) {
            pushed @ PushResult::Pushed { updated } => {
                self.details.pushed = updated;
                Ok(format!("{message}, {pushed}"))
            }
            refused => {
                let failure = match refused {
                    PushResult::Rejected => {
                        format!("{REJECTED}; `git batch sync --pull` rebases and pushes it")
                    }
                    other => other.to_string(),
                };
                Err(format!(
                    "{message}, but {failure}; the commit stays local (undo takes it back)"
                ))
            }
        }
    }

    /// Before the first write: with a commit to make, the backup ref (HEAD) and the index ref
    /// (the index's tree), created, never overwritten; then the journal's "started" record,
    /// with the files about to be written. An error leaves the repository untouched.
    fn begin(&mut self, started: &Started<'_>) -> Result<(), String> {
        let id = &self.options.run_id;
        let mut refs = Vec::new();
        if self.options.commit {
            if let Some(head) = &self.details.head_before {
                // Nothing staged: the index's tree is HEAD's. Otherwise `write-tree` makes it
                // (it only adds objects).
                let tree = if self.snapshot.nothing_staged {
                    self.opened.head_tree_id().ok().map(|id| id.to_string())
                } else {
                    None
                };
                let tree = match tree {
                    Some(tree) => tree,
                    None => self
                        .git
                        .read(&["write-tree"])
                        .map_err(|err| err.to_string())?,
                };
                refs.push((run_ref(BACKUP_REF_PREFIX, id, self.opened), head.clone()));
                refs.push((run_ref(INDEX_REF_PREFIX, id, self.opened), tree.clone()));
                self.details.index_tree = Some(tree);
            }
            git::refs::create_refs_in(self.opened, &refs).map_err(|err| err.to_string())?;
        }
        journal_started(
            self.repo,
            self.opened,
            &refs,
            Before {
                branch: self.details.branch.clone(),
                head: self.details.head_before.clone(),
                index_tree: self.details.index_tree.clone(),
                files: &self.details.written,
                intent_to_add: &[],
                change_branch: None,
            },
            started,
        )
        .inspect_err(|_| self.details.written.clear())
    }

    /// Commits exactly the changed paths; other staged work stays staged and out of the commit.
    /// In process (HEAD's tree with the written files, the index updated as `git commit
    /// --only` leaves it) when nothing of the repository's own would run or differ on a
    /// `git commit`; otherwise by git: `--only` builds a second, temporary index for that; with
    /// nothing else staged, `--include` commits the same tree from the index itself, with a
    /// third fewer file operations. With git, what it printed (its summary line names the
    /// commit).
    fn commit(&self) -> Result<Committed, String> {
        // HEAD as the turn found it, still: a commit made since would otherwise become the
        // parent of the run's.
        if git::refs::head_id_in(self.opened).ok().flatten() != self.details.head_before {
            return Err(
                "HEAD moved while the run was working here (a commit made meanwhile?); \
                 nothing committed"
                    .into(),
            );
        }
        let written: Vec<Written<'_>> = self
            .changes
            .iter()
            .map(|change| Written {
                path: change.path.as_bstr(),
                content: change.new.as_deref(),
            })
            .collect();
        if let Some((id, files)) = git::commit::in_process(
            self.git.dir(),
            &self.options.message,
            self.details.head_before.as_deref(),
            Some(&written),
        )? {
            return Ok(Committed::InProcess { id, files });
        }
        let created: Vec<&Change> = self
            .changes
            .iter()
            .filter(|c| c.old.is_none() && c.new.is_some())
            .collect();
        if !created.is_empty() {
            let mut args = os_args(&["--literal-pathspecs", "add", "--"]);
            args.extend(created.iter().map(|c| os_path(&c.path)));
            self.git.check(&args).map_err(|err| err.to_string())?;
        }
        let mut args = os_args(&[
            "-c",
            "maintenance.auto=false",
            "--literal-pathspecs",
            "commit",
            "--no-status",
            "-m",
            &self.options.message,
            if self.snapshot.nothing_staged {
                "--include"
            } else {
                "--only"
            },
            "--",
        ]);
        args.extend(self.changes.iter().map(|c| os_path(&c.path)));
        self.git
            .run(&args)
            .map(Committed::ByGit)
            .map_err(|err| match err {
                GitError::Failed { message, .. } => format!("commit refused: {message}"),
                other => other.to_string(),
            })
    }
}

/// What to say when `git reset` could not take the files a failed run created back out of the
/// index: they are still staged as new, and the command that unstages them.
/// The files about to be written as the journal records them: each path, whether the run
/// creates it, and the blob id of its new content (`None` for a file the run deletes).
fn file_records(changes: &[Change], hash: gix::hash::Kind) -> Vec<FileRecord> {
    changes
        .iter()
        .map(|change| {
            FileRecord::of_path(
                &change.path,
                change.old.is_none(),
                change.new.as_ref().and_then(|new| {
                    gix::objs::compute_hash(hash, gix::objs::Kind::Blob, new)
                        .ok()
                        .map(|id| id.to_string())
                }),
            )
        })
        .collect()
}

fn still_staged(created: &[&Change], err: &GitError) -> String {
    let names: Vec<String> = created
        .iter()
        .map(|c| c.path.to_str_lossy().into_owned())
        .collect();
    let mut command = vec!["git", "reset", "-q", "--"];
    command.extend(names.iter().map(String::as_str));
    format!(
        "taking the new {} back out of the index failed ({}): {} {} still staged; run `{}` by \
         hand",
        plural(names.len(), "file", "files"),
        err.message(),
        names.join(", "),
        if names.len() == 1 { "is" } else { "are" },
        shlex::try_join(command).unwrap_or_default()
    )
}

/// Writes every change; on an error, puts back those already written. Returns the folders it
/// created, outermost first, for [`put_back`].
fn write_all(snapshot: &Snapshot, changes: &[Change]) -> Result<Vec<PathBuf>, String> {
    let mut made_dirs = Vec::new();
    for (done, change) in changes.iter().enumerate() {
        if let Err(err) = write_change(snapshot, change, &mut made_dirs) {
            let message = format!("cannot write {}: {err}", change.path.to_str_lossy());
            return Err(match put_back(snapshot, &changes[..done], made_dirs) {
                Ok(()) => format!("{message}; the files are as they were"),
                Err(again) => format!("{message}; putting the files back failed: {again}"),
            });
        }
    }
    Ok(made_dirs)
}

/// Restores every change's old content (removing the files it created, and their new folders).
fn put_back(
    snapshot: &Snapshot,
    changes: &[Change],
    made_dirs: Vec<PathBuf>,
) -> Result<(), String> {
    let mut errors = Vec::new();
    for change in changes.iter().rev() {
        let reverse = Change {
            path: change.path.clone(),
            old: change.new.clone(),
            new: change.old.clone(),
            executable: change.executable,
        };
        if let Err(err) = write_change(snapshot, &reverse, &mut Vec::new()) {
            errors.push(format!("{}: {err}", change.path.to_str_lossy()));
        }
    }
    for dir in made_dirs.iter().rev() {
        let _ = fs::remove_dir(dir);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

fn os_args(args: &[&str]) -> Vec<std::ffi::OsString> {
    args.iter().map(Into::into).collect()
}

/// Makes `change` on disk: an atomic write (a temporary file in the same folder, renamed over
/// the old one) that keeps the mode of the file it replaces, or a removal.
fn write_change(
    snapshot: &Snapshot,
    change: &Change,
    made_dirs: &mut Vec<PathBuf>,
) -> io::Result<()> {
    if let Some(reason) = guard::git_dir_in(change.path.as_bstr()) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, reason));
    }
    let path = snapshot.path_of(change.path.as_bstr());
    let Some(content) = &change.new else {
        return match fs::remove_file(&path) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        };
    };
    if change.old.is_none() {
        if let Some(parent) = path.parent() {
            let mut missing = Vec::new();
            let mut at = parent;
            while !at.exists() && at.starts_with(&snapshot.workdir) {
                missing.push(at.to_path_buf());
                let Some(up) = at.parent() else { break };
                at = up;
            }
            fs::create_dir_all(parent)?;
            made_dirs.extend(missing.into_iter().rev());
        }
    }
    // The mode of the file replaced, or for a new file the usual one (git records only the
    // executable bit).
    let mode = match fs::symlink_metadata(&path) {
        Ok(meta) => meta.permissions().mode() & 0o7777,
        Err(_) if change.executable => 0o755,
        Err(_) => 0o644,
    };
    let folder = path.parent().unwrap_or(&snapshot.workdir);
    // No fsync, as git does not for the files it checks out: the rename makes the write atomic
    // (a reader sees the old bytes or the new, never a mix); durability is the file system's.
    let mut file = tempfile::Builder::new()
        .prefix(".git-batch-")
        .tempfile_in(folder)?;
    file.write_all(content)?;
    file.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))?;
    file.persist(&path).map_err(|err| err.error)?;
    Ok(())
}
