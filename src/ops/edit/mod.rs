//! What `license-update` and `file-replace` share: a repository's tracked files read from its
//! index, the check that the files a change touches carry none of the user's uncommitted work,
//! atomic writes that keep each file's mode, a commit of only those paths, a push as safe as
//! `sync`'s, and the files put back as they were when a step fails.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gix::bstr::{BStr, BString, ByteSlice};
use serde::Serialize;

use crate::git::{self, Git};
use crate::hosts::HostGate;
use crate::journal::FileRecord;
use crate::ops::guard;
use crate::ops::safety::{self, Unsafe};
use crate::ops::sync::Started;
use crate::outcome::{Details, Outcome, RepoReport};
use crate::planned::Planned;
use crate::repo_lock::{LockError, RepoLock};
use crate::report::plural;

mod diff;
mod editor;
use crate::targets::Repo;
use editor::Editor;
pub use editor::fs_path;
pub(crate) use editor::os_path;

/// What an index entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Executable,
    Symlink,
    Submodule,
}

/// A tracked path, as the index lists it.
#[derive(Debug, Clone)]
pub struct Tracked {
    /// Relative to the work tree, with `/`.
    pub path: BString,
    pub kind: EntryKind,
    /// The blob the index records.
    pub(crate) id: gix::ObjectId,
}

impl Tracked {
    /// A regular file (executable or not): the only kind a content operation rewrites.
    pub fn is_file(&self) -> bool {
        matches!(self.kind, EntryKind::File | EntryKind::Executable)
    }
}

/// A repository as a content operation sees it: its work tree and tracked paths, sorted.
#[derive(Debug)]
pub struct Snapshot {
    pub workdir: PathBuf,
    pub tracked: Vec<Tracked>,
    /// The index's cached root tree (its TREE extension) is HEAD's: nothing at all is staged.
    nothing_staged: bool,
    /// The repository, opened without its filter drivers, to tell what git would store.
    repo: gix::Repository,
}

impl Snapshot {
    /// The work-tree path of the repository-relative `path`.
    pub fn path_of(&self, path: &BStr) -> PathBuf {
        self.workdir.join(fs_path(path))
    }

    /// The content of `path` in the work tree: a regular file, not a symbolic link, at most
    /// [`crate::ops::files::MAX_READ`] bytes.
    pub fn read(&self, path: &BStr) -> io::Result<Vec<u8>> {
        crate::ops::files::read_work_file(&self.path_of(path))
    }

    /// Whether git would store `a` and `b` at `path` alike: the same bytes, or the same once
    /// cleaned as git cleans them (line endings under `core.autocrlf` or `eol`, …). Where a
    /// filter driver applies, only the bytes count: the driver is not run.
    pub fn stored_alike(&self, path: &BStr, a: &[u8], b: &[u8]) -> bool {
        if a == b {
            return true;
        }
        let Ok(mut stored) = git::blob::Stored::new(&self.repo) else {
            return false;
        };
        matches!(
            (stored.bytes(path, a), stored.bytes(path, b)),
            (Ok(a), Ok(b)) if a == b
        )
    }

    /// The index entry of `path`, if it is tracked.
    pub fn entry(&self, path: &BStr) -> Option<&Tracked> {
        self.tracked
            .binary_search_by(|t| t.path.as_bstr().cmp(path))
            .ok()
            .map(|at| &self.tracked[at])
    }
}

/// One file that a change writes or removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Relative to the work tree, with `/`.
    pub path: BString,
    /// The content now; `None` when the file does not exist yet.
    pub old: Option<Vec<u8>>,
    /// The content after; `None` when the change removes the file.
    pub new: Option<Vec<u8>>,
    /// For a file the change creates: whether to make it executable. (A rewritten file keeps
    /// the mode it has.)
    pub executable: bool,
}

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

/// A place an operation found that names what it changes, and left alone (prose, a file name in
/// a build script): the report says "mentioned at PATH:LINE, left alone".
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Mention {
    pub path: String,
    /// 1-based.
    pub line: usize,
    /// The line, trimmed (and shortened when long).
    pub text: String,
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
}

/// What a content operation adds to a repository's entry (and what the journal keeps).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct EditDetails {
    /// The paths changed, or that would change.
    pub files: Vec<String>,
    /// Places that name what changes and were left alone (`license-update`); absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<Mention>,
    /// A unified diff of the change (`--diff`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    pub branch: Option<String>,
    pub head_before: Option<String>,
    pub head_after: Option<String>,
    /// The commit this run made, if it made one.
    pub commit: Option<String>,
    pub pushed: bool,
    /// What was written, for undo; not shown.
    #[serde(skip)]
    pub written: Vec<FileRecord>,
    /// The tree of the index before the run (also in the index ref), for undo; not shown.
    #[serde(skip)]
    pub index_tree: Option<String>,
    /// `--check`: why the fix command the check prints would skip this repository as it is
    /// (uncommitted work in a file it changes, a detached HEAD, …); absent when it would not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_blocked: Option<String>,
    /// A dry run: what would happen to each file of `files`, for the human output; not in JSON.
    #[serde(skip)]
    pub planned: Vec<(String, crate::planned::Planned)>,
}

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
) -> RepoReport
where
    D: Fn(&Snapshot) -> R + ?Sized,
    R: Into<Decided>,
{
    let report = edit_repo(repo, options, gate, decide, started);
    match report.details {
        Details::None => report.with_details(Details::Edit(EditDetails::default())),
        _ => report,
    }
}

fn edit_repo<D, R>(
    repo: &Repo,
    options: &EditOptions,
    gate: &HostGate,
    decide: &D,
    started: &Started<'_>,
) -> RepoReport
where
    D: Fn(&Snapshot) -> R + ?Sized,
    R: Into<Decided>,
{
    let skip = |reason: String| RepoReport::new(repo, Outcome::Skipped, reason);
    let opened = match git::open(&repo.path) {
        Ok(opened) => opened,
        Err(err) => return RepoReport::failed(repo, err.to_string()),
    };
    // Taken before HEAD and the index are read: what the run records as "before" is what it
    // found with no other run working here.
    let _lock = match options.mode {
        Mode::Apply => match RepoLock::acquire(opened.git_dir()) {
            Ok(lock) => Some(lock),
            Err(held @ LockError::Held { .. }) => return skip(held.to_string()),
            Err(err) => return RepoReport::failed(repo, err.to_string()),
        },
        _ => None,
    };
    let Some(workdir) = opened.workdir().map(Path::to_path_buf) else {
        return skip("a bare repository has no files to change".into());
    };
    let head = match opened.head() {
        Ok(head) => head,
        Err(err) => return RepoReport::failed(repo, format!("cannot read HEAD: {err}")),
    };
    let head_id = head.id().map(|id| id.detach());
    let branch = head
        .referent_name()
        .map(|name| name.shorten().to_str_lossy().into_owned());
    let mut tracking = None;
    if options.mode != Mode::Check {
        if let Some(reason) = unsafe_state(&opened, options) {
            return skip(reason);
        }
        if options.push {
            match git::tracking_of_head(&opened) {
                Ok(Some(found)) => tracking = Some(found),
                Ok(None) => {
                    return skip(
                        "no upstream to push to: set one (git push -u REMOTE BRANCH), or leave \
                         out --push"
                            .into(),
                    );
                }
                Err(err) => return RepoReport::failed(repo, err.to_string()),
            }
        }
    }
    let snapshot = match snapshot(&opened, workdir) {
        Ok(snapshot) => snapshot,
        Err(err) => return RepoReport::failed(repo, err),
    };
    let Decided { decision, mentions } = decide(&snapshot).into();
    let noted = |report: RepoReport| {
        report.with_details(Details::Edit(EditDetails {
            mentions: mentions.clone(),
            ..EditDetails::default()
        }))
    };
    let changes = match decision {
        Decision::Unchanged(message) => {
            return noted(RepoReport::new(repo, Outcome::Unchanged, message));
        }
        Decision::Skip(reason) => return noted(skip(reason)),
        Decision::Change(changes) => changes,
    };
    if options.mode != Mode::Check {
        let git = Git::new(&repo.path, options.timeout);
        let dry_run = options.mode == Mode::DryRun;
        if let Some(reason) = guard::touches_user_work(&opened, &snapshot, &changes, &git, dry_run)
        {
            return noted(skip(reason));
        }
    }
    let files: Vec<String> = changes
        .iter()
        .map(|c| c.path.to_str_lossy().into_owned())
        .collect();
    let mut details = EditDetails {
        diff: options.diff.then(|| diff::unified(&snapshot, &changes)),
        files,
        mentions,
        branch,
        head_before: head_id.map(|id| id.to_string()),
        ..EditDetails::default()
    };
    if options.mode != Mode::Apply {
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
        let message = format!("would change {}", describe(&details.files));
        if options.mode == Mode::Check {
            // What the fix, a real run that commits, would refuse, in the order it checks; said
            // under the fix command, where the fix is (the line stays what the check found).
            let git = Git::new(&repo.path, options.timeout);
            details.fix_blocked = unsafe_state_for_fix(&opened, options)
                .or_else(|| guard::touches_user_work(&opened, &snapshot, &changes, &git, true));
        }
        return RepoReport::new(repo, Outcome::Changed, message)
            .with_details(Details::Edit(details));
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

/// The repository's tracked paths, from its index, in process.
fn snapshot(opened: &gix::Repository, workdir: PathBuf) -> Result<Snapshot, String> {
    use gix::index::entry::Mode as M;
    let index = opened
        .index_or_empty()
        .map_err(|err| format!("cannot read the index: {err}"))?;
    let mut tracked: Vec<Tracked> = index
        .entries()
        .iter()
        .filter(|entry| entry.stage_raw() == 0)
        .map(|entry| {
            let kind = if entry.mode == M::FILE_EXECUTABLE {
                EntryKind::Executable
            } else if entry.mode == M::SYMLINK {
                EntryKind::Symlink
            } else if entry.mode == M::COMMIT {
                EntryKind::Submodule
            } else {
                EntryKind::File
            };
            Tracked {
                path: entry.path(&index).to_owned(),
                kind,
                id: entry.id,
            }
        })
        .collect();
    tracked.sort_by(|a, b| a.path.cmp(&b.path));
    // git drops a cached tree as soon as a path below it is staged; a valid root entry equal to
    // HEAD's tree proves that nothing is.
    let head_tree = opened.head_tree_id().ok().map(|id| id.detach());
    let nothing_staged = match (index.tree(), head_tree) {
        (Some(cached), Some(head_tree)) => cached.num_entries.is_some() && cached.id == head_tree,
        _ => false,
    };
    Ok(Snapshot {
        workdir,
        tracked,
        nothing_staged,
        repo: opened.clone(),
    })
}

/// `a, b and c`, or the first few and how many more.
pub fn describe(files: &[String]) -> String {
    const SHOWN: usize = 3;
    match files {
        [] => "nothing".into(),
        [one] => one.clone(),
        _ if files.len() <= SHOWN => {
            let (last, rest) = files.split_last().expect("two or more");
            format!("{} and {last}", rest.join(", "))
        }
        _ => format!(
            "{} and {} more {}",
            files[..SHOWN].join(", "),
            files.len() - SHOWN,
            plural(files.len() - SHOWN, "file", "files")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn file_lists_stay_short() {
        let files = |n: usize| (1..=n).map(|i| format!("f{i}")).collect::<Vec<_>>();
        assert_eq!(describe(&files(1)), "f1");
        assert_eq!(describe(&files(2)), "f1 and f2");
        assert_eq!(describe(&files(3)), "f1, f2 and f3");
        assert_eq!(describe(&files(5)), "f1, f2, f3 and 2 more files");
        assert_eq!(describe(&files(4)), "f1, f2, f3 and 1 more file");
    }
}
