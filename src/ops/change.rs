//! A repository as a content operation sees it (its work tree and the paths its index tracks),
//! and one change to one of its files: what an operation decides from, and what the safety
//! checks and the writer look at.

use std::io;
use std::path::PathBuf;

use gix::bstr::{BStr, BString, ByteSlice};

use crate::git::{self, fs_path};

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
    pub(crate) nothing_staged: bool,
    /// The repository, opened without its filter drivers, to tell what git would store.
    pub(crate) repo: gix::Repository,
    /// `--branch`: the paths are a commit's tree, not the index, and the files are read from
    /// its blobs, not from the work tree.
    pub(crate) from_tree: bool,
}

impl Snapshot {
    /// The work-tree path of the repository-relative `path`.
    pub fn path_of(&self, path: &BStr) -> PathBuf {
        self.workdir.join(fs_path(path))
    }

    /// The content of `path` in the work tree: a regular file, not a symbolic link, at most
    /// [`crate::ops::files::MAX_READ`] bytes.
    pub fn read(&self, path: &BStr) -> io::Result<Vec<u8>> {
        if self.from_tree {
            return self.read_blob(path);
        }
        crate::ops::files::read_work_file(&self.path_of(path))
    }

    /// The blob of `path` in the snapshot's tree, under the same rules as a work-tree file: a
    /// regular file, at most [`crate::ops::files::MAX_READ`] bytes.
    fn read_blob(&self, path: &BStr) -> io::Result<Vec<u8>> {
        let Some(entry) = self.entry(path) else {
            return Err(io::Error::new(io::ErrorKind::NotFound, "not in the tree"));
        };
        if !entry.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "is not a regular file; it is not followed",
            ));
        }
        let header = self
            .repo
            .find_header(entry.id)
            .map_err(|err| io::Error::other(err.to_string()))?;
        if header.size() > crate::ops::files::MAX_READ {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                "is larger than git-batch reads",
            ));
        }
        let blob = self
            .repo
            .find_blob(entry.id)
            .map_err(|err| io::Error::other(err.to_string()))?;
        Ok(blob.data.clone())
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

/// The repository's tracked paths, from its index, in process.
pub(crate) fn snapshot(opened: &gix::Repository, workdir: PathBuf) -> Result<Snapshot, String> {
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
        from_tree: false,
    })
}

/// The paths of the tree `tree` (a `--branch` run's starting point), whose files are read from
/// their blobs: the work tree and the index are not looked at.
pub(crate) fn tree_snapshot(
    opened: &gix::Repository,
    workdir: PathBuf,
    tree: gix::ObjectId,
) -> Result<Snapshot, String> {
    use gix::objs::tree::EntryKind as K;
    let mut recorder = gix::traverse::tree::Recorder::default();
    opened
        .find_tree(tree)
        .map_err(|err| format!("cannot read tree {tree}: {err}"))?
        .traverse()
        .breadthfirst(&mut recorder)
        .map_err(|err| format!("cannot read tree {tree}: {err}"))?;
    let mut tracked: Vec<Tracked> = recorder
        .records
        .into_iter()
        .filter_map(|entry| {
            let kind = match entry.mode.kind() {
                K::Tree => return None,
                K::Blob => EntryKind::File,
                K::BlobExecutable => EntryKind::Executable,
                K::Link => EntryKind::Symlink,
                K::Commit => EntryKind::Submodule,
            };
            Some(Tracked {
                path: entry.filepath,
                kind,
                id: entry.oid,
            })
        })
        .collect();
    tracked.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Snapshot {
        workdir,
        tracked,
        nothing_staged: false,
        repo: opened.clone(),
        from_tree: true,
    })
}

/// `--branch NAME [--base BRANCH]` and, with `--pr`, what to open: the change goes on branch
/// `name`, off the checked-out one (see DESIGN.md, "Change requests").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BranchOptions {
    pub name: String,
    /// `--base`; `None`: the remote's default branch, else the current branch's upstream.
    pub base: Option<String>,
    /// `--pr` and its flags; `None` without `--pr`.
    pub pr: Option<PrOptions>,
}

/// `--pr`'s flags, read and checked once (`--body-file` already read into `body`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrOptions {
    /// `--title`; `None`: the commit's subject.
    pub title: Option<String>,
    /// `--body` or `--body-file`'s text; `None`: the commit's body and a line naming the run.
    pub body: Option<String>,
    pub draft: bool,
    pub labels: Vec<String>,
    pub reviewers: Vec<String>,
    pub assignees: Vec<String>,
}

/// With `--pr`: opens (or finds) the change request of a repository's pushed branch, returning
/// its record and what to add to the repository's message.
pub type OpenPr<'a> = dyn Fn(
        &crate::targets::Repo,
        &crate::outcome::ChangeBranch,
    ) -> Result<(crate::outcome::PrRecord, Vec<String>), String>
    + Sync
    + 'a;
