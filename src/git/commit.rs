//! Commits made in process, the same objects, ref, reflog entry and index as `git commit -m`
//! would write, without starting git: for `sync`, the tree of what `git add -A` staged; for the
//! content operations, HEAD's tree with the files they wrote. Used only when [`ready::plan`]
//! finds nothing of the repository's own that would run or differ on a `git commit` (hooks,
//! signing, a message cleanup, an identity git would guess); otherwise the caller runs
//! `git commit` as before.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use gix::ObjectId;
use gix::bstr::{BStr, BString, ByteSlice};
use gix::objs::tree::{Entry, EntryKind, EntryMode};
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};

use super::pack;

pub mod off_tree;
pub mod ready;
#[cfg(test)]
mod tests;

pub use ready::{Env, Plan, plan};

/// What an in-process commit did.
#[derive(Debug, PartialEq, Eq)]
pub enum Made {
    /// The commit, now HEAD, and how many files it changed.
    Committed { id: ObjectId, files: usize },
    /// The tree is HEAD's: git would refuse with "nothing to commit"; nothing was written.
    Nothing,
    /// Something git would do differently; nothing was written, `git commit` is to run.
    Fallback(String),
}

/// One file a content operation wrote (or removed: `content` is `None`), relative to the
/// working tree.
#[derive(Debug)]
pub struct Written<'a> {
    pub path: &'a BStr,
    pub content: Option<&'a [u8]>,
}

/// How a commit was made.
#[derive(Debug)]
pub enum Committed {
    /// In process: the commit (hex) and the number of files it changed.
    InProcess { id: String, files: usize },
    /// By `git commit`, with what it printed.
    ByGit(super::GitOutput),
}

/// The commit made in process in the repository at `dir`, HEAD expected at `head` (hex; `None`
/// on an unborn branch): of the index as staged (`files` is `None`), or of `files` over HEAD's
/// tree. `Ok(None)`: something of the repository's own would run or differ, or there is
/// nothing to commit; nothing was written and `git commit` is to run, as it would by hand.
pub fn in_process(
    dir: &Path,
    message: &str,
    head: Option<&str>,
    files: Option<&[Written<'_>]>,
) -> Result<Option<(String, usize)>, String> {
    let Ok(repo) = super::open(dir) else {
        return Ok(None);
    };
    let env = |name: &str| std::env::var_os(name);
    let Ok(plan) = plan(&repo, message, &env) else {
        return Ok(None);
    };
    let head = match head {
        Some(hex) => Some(ObjectId::from_hex(hex.as_bytes()).map_err(|err| err.to_string())?),
        None => None,
    };
    let made = match files {
        None => commit_index(&repo, &plan, head)?,
        Some(files) => commit_files(&repo, &plan, head, files)?,
    };
    Ok(match made {
        Made::Committed { id, files } => Some((id.to_string(), files)),
        Made::Nothing | Made::Fallback(_) => None,
    })
}

/// Commits the index as it is (what `git add -A` staged), with `head` (as the run found it:
/// `None` on an unborn branch) as the parent; the ref moves only if HEAD is still `head`. The
/// new objects are written as one pack ([`pack::persist`]), none when nothing is committed.
pub fn commit_index(
    repo: &gix::Repository,
    plan: &Plan,
    head: Option<ObjectId>,
) -> Result<Made, String> {
    let index = repo
        .open_index()
        .map_err(|err| format!("cannot read the index: {err}"))?;
    if let Err(why) = index_is_plain(&index) {
        return Ok(Made::Fallback(why));
    }
    let entries: Vec<&gix::index::Entry> = index.entries().iter().collect();
    if let Some(entry) = entries.iter().find(|entry| {
        entry.stage() != gix::index::entry::Stage::Unconflicted
            || entry
                .flags
                .contains(gix::index::entry::Flags::INTENT_TO_ADD)
            || entry.mode.is_sparse()
    }) {
        return Ok(Made::Fallback(format!(
            "the index has a conflicted, intent-to-add or sparse entry ({})",
            entry.path(&index)
        )));
    }
    let repo = &pack::staging(repo);
    let tree =
        tree_of(repo, &index, &entries, 0).map_err(|err| format!("cannot write tree: {err}"))?;
    finish(repo, plan, head, tree)
}

/// Commits `written` (files the run just wrote in the working tree) on top of `head`'s tree,
/// whatever else is staged, as `git commit --only -- PATHS` does, and stages them in the index
/// as that command leaves them.
pub fn commit_files(
    repo: &gix::Repository,
    plan: &Plan,
    head: Option<ObjectId>,
    written: &[Written<'_>],
) -> Result<Made, String> {
    let workdir = repo
        .workdir()
        .ok_or_else(|| "the repository has no working tree".to_owned())?
        .to_path_buf();
    let mut index = repo
        .open_index()
        .map_err(|err| format!("cannot read the index: {err}"))?;
    if let Err(why) = index_is_plain(&index) {
        return Ok(Made::Fallback(why));
    }
    let paths: Vec<&BStr> = written.iter().map(|file| file.path).collect();
    if let Err(why) = ready::no_conversion(repo, &index, &paths) {
        return Ok(Made::Fallback(why));
    }
    let repo = &pack::staging(repo);
    let mut staged = Vec::with_capacity(written.len());
    for file in written {
        match stage_one(repo, &index, &workdir, file) {
            Ok(Ok(entry)) => staged.push((file.path, entry)),
            Ok(Err(why)) => return Ok(Made::Fallback(why)),
            Err(err) => return Err(err),
        }
    }
    let base = match head {
        Some(head) => repo
            .find_commit(head)
            .and_then(|commit| commit.tree_id())
            .map_err(|err| format!("cannot read HEAD's tree: {err}"))?
            .detach(),
        None => ObjectId::empty_tree(repo.object_hash()),
    };
    let mut editor = repo
        .edit_tree(base)
        .map_err(|err| format!("cannot read HEAD's tree: {err}"))?;
    for (path, entry) in &staged {
        match entry {
            Some((_, id, executable)) => {
                let kind = if *executable {
                    EntryKind::BlobExecutable
                } else {
                    EntryKind::Blob
                };
                editor.upsert(*path, kind, *id)
            }
            None => editor.remove(*path),
        }
        .map_err(|err| format!("cannot edit the tree at {path}: {err}"))?;
    }
    let tree = editor
        .write()
        .map_err(|err| format!("cannot write tree: {err}"))?
        .detach();
    let made = finish(repo, plan, head, tree)?;
    if let Made::Committed { .. } = made {
        update_index(&mut index, &staged)
            .map_err(|err| format!("committed, but the index could not be written: {err}"))?;
    }
    Ok(made)
}

/// The blob, stat and mode of one written file (`None` for a removed one), its blob written;
/// the inner `Err` is a reason to leave the commit to git.
#[allow(clippy::type_complexity)]
fn stage_one(
    repo: &gix::Repository,
    index: &gix::index::File,
    workdir: &Path,
    file: &Written<'_>,
) -> Result<Result<Option<(gix::index::entry::Stat, ObjectId, bool)>, String>, String> {
    if let Some(entry) = index.entry_by_path(file.path) {
        if !matches!(
            entry.mode,
            gix::index::entry::Mode::FILE | gix::index::entry::Mode::FILE_EXECUTABLE
        ) || entry.flags.intersects(
            gix::index::entry::Flags::INTENT_TO_ADD
                | gix::index::entry::Flags::SKIP_WORKTREE
                | gix::index::entry::Flags::ASSUME_VALID,
        ) {
            return Ok(Err(format!(
                "{} is not a plain file in the index",
                file.path
            )));
        }
    }
    let mut dir_prefix = BString::from(file.path);
    dir_prefix.push(b'/');
    if index
        .prefixed_entries(dir_prefix.as_bstr())
        .is_some_and(|found| !found.is_empty())
    {
        return Ok(Err(format!("{} is a folder in the index", file.path)));
    }
    let mut parent = file.path;
    while let Some(slash) = parent.rfind_byte(b'/') {
        parent = parent[..slash].as_bstr();
        if index.entry_by_path(parent).is_some() {
            return Ok(Err(format!("{parent} is a file in the index")));
        }
    }
    let Some(content) = file.content else {
        return Ok(Ok(None));
    };
    let on_disk = workdir.join(std::ffi::OsStr::from_bytes(file.path));
    let meta = gix::index::fs::Metadata::from_path_no_follow(&on_disk)
        .map_err(|err| format!("cannot read {}: {err}", file.path))?;
    if !meta.is_file() {
        return Ok(Err(format!("{} is not a regular file", file.path)));
    }
    let stat = gix::index::entry::Stat::from_fs(&meta)
        .map_err(|err| format!("cannot read {}: {err}", file.path))?;
    let id = repo
        .write_blob(content)
        .map_err(|err| format!("cannot write {}: {err}", file.path))?
        .detach();
    Ok(Ok(Some((stat, id, meta.is_executable()))))
}

/// The index with the written files staged (removed ones taken out), its tree cache dropped
/// (git rebuilds it), written back.
#[allow(clippy::type_complexity)]
fn update_index(
    index: &mut gix::index::File,
    staged: &[(&BStr, Option<(gix::index::entry::Stat, ObjectId, bool)>)],
) -> Result<(), String> {
    use gix::index::entry::{Flags, Mode, Stage};
    let removed: Vec<&BStr> = staged
        .iter()
        .filter(|(_, entry)| entry.is_none())
        .map(|(path, _)| *path)
        .collect();
    if !removed.is_empty() {
        index.remove_entries(|_, path, _| removed.contains(&path));
    }
    // Existing entries first, found while the entries are still sorted; new ones after.
    let mut new = Vec::new();
    for (path, entry) in staged {
        let Some((stat, id, executable)) = entry else {
            continue;
        };
        let mode = if *executable {
            Mode::FILE_EXECUTABLE
        } else {
            Mode::FILE
        };
        match index.entry_mut_by_path_and_stage(path, Stage::Unconflicted) {
            Some(existing) => {
                existing.stat = *stat;
                existing.id = *id;
                existing.mode = mode;
            }
            None => new.push((*path, *stat, *id, mode)),
        }
    }
    if !new.is_empty() {
        for (path, stat, id, mode) in new {
            index.dangerously_push_entry(stat, id, Flags::empty(), mode, path);
        }
        index.sort_entries();
    }
    index.remove_tree();
    index
        .write(gix::index::write::Options::default())
        .map_err(|err| err.to_string())
}

/// Neither split (its shared part would be lost), sparse nor in version 4 (git would keep it
/// so): an index gix writes back as git would.
fn index_is_plain(index: &gix::index::File) -> Result<(), String> {
    if index.link().is_some() {
        return Err("the index is split (core.splitIndex)".into());
    }
    if index.is_sparse() {
        return Err("the index is sparse".into());
    }
    if index.version() == gix::index::Version::V4 {
        return Err("the index is in version 4".into());
    }
    Ok(())
}

/// The tree of `entries` (sorted, all under the same folder, `skip` bytes of whose path are that
/// folder's), written with the trees below it.
fn tree_of(
    repo: &gix::Repository,
    index: &gix::index::State,
    entries: &[&gix::index::Entry],
    skip: usize,
) -> Result<ObjectId, gix::Error> {
    let mut tree = gix::objs::Tree::empty();
    let mut at = 0;
    while at < entries.len() {
        let path = entries[at].path(index);
        let rest = &path[skip..];
        if let Some(slash) = rest.find_byte(b'/') {
            let folder = &rest[..=slash];
            let end = at
                + entries[at..]
                    .iter()
                    .take_while(|entry| entry.path(index)[skip..].starts_with(folder))
                    .count();
            let id = tree_of(repo, index, &entries[at..end], skip + slash + 1)?;
            tree.entries.push(Entry {
                mode: EntryKind::Tree.into(),
                filename: rest[..slash].into(),
                oid: id,
            });
            at = end;
        } else {
            let entry = entries[at];
            let kind = match entry.mode {
                gix::index::entry::Mode::FILE_EXECUTABLE => EntryKind::BlobExecutable,
                gix::index::entry::Mode::SYMLINK => EntryKind::Link,
                gix::index::entry::Mode::COMMIT => EntryKind::Commit,
                _ => EntryKind::Blob,
            };
            tree.entries.push(Entry {
                mode: EntryMode::from(kind),
                filename: rest.into(),
                oid: entry.id,
            });
            at += 1;
        }
    }
    Ok(repo.write_object(&tree)?.detach())
}

/// The commit of `tree` on `head`, and HEAD (through the branch it names) moved to it with the
/// reflog entries git writes; nothing when `tree` is `head`'s. `repo` is a [`pack::staging`]
/// handle: the objects it holds are written (as one pack) before the ref moves.
fn finish(
    repo: &gix::Repository,
    plan: &Plan,
    head: Option<ObjectId>,
    tree: ObjectId,
) -> Result<Made, String> {
    let parent_tree = match head {
        Some(head) => Some(
            repo.find_commit(head)
                .and_then(|commit| commit.tree_id())
                .map_err(|err| format!("cannot read HEAD's tree: {err}"))?
                .detach(),
        ),
        None => None,
    };
    let empty = ObjectId::empty_tree(repo.object_hash());
    if parent_tree.unwrap_or(empty) == tree {
        return Ok(Made::Nothing);
    }
    let files = changed_files(repo, parent_tree, Some(tree))
        .map_err(|err| format!("cannot compare with HEAD: {err}"))?;
    let commit = gix::objs::Commit {
        tree,
        parents: head.into_iter().collect(),
        author: plan.author.clone(),
        committer: plan.committer.clone(),
        encoding: None,
        message: plan.message.clone(),
        extra_headers: Vec::new(),
    };
    let id = repo
        .write_object(&commit)
        .map_err(|err| format!("cannot write the commit: {err}"))?
        .detach();
    pack::persist(repo)?;
    let edit = RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: plan.reflog_message(head.is_none()),
            },
            expected: match head {
                Some(head) => PreviousValue::MustExistAndMatch(head.into()),
                None => PreviousValue::MustNotExist,
            },
            new: gix::refs::Target::Object(id),
        },
        name: "HEAD".try_into().map_err(|err| format!("{err}"))?,
        deref: true,
    };
    let mut time = gix::date::parse::TimeBuf::default();
    let committer = plan.committer.to_ref(&mut time);
    repo.edit_references_as(Some(edit), Some(committer))
        .map_err(|err| match ref_lock_left(repo) {
            Some(lock) => format!(
                "{} present: another git process is changing refs here, or one was killed \
                 (remove the lock once no git runs); nothing committed ({err})",
                lock.display()
            ),
            None => format!(
                "HEAD moved while the run was working here (a commit made meanwhile?); nothing \
                 committed ({err})"
            ),
        })?;
    Ok(Made::Committed { id, files })
}

/// The lock file of HEAD or of the branch it names, when one is there: what a git (or a
/// git-batch) killed while moving a ref leaves behind, and what makes a ref update fail.
fn ref_lock_left(repo: &gix::Repository) -> Option<std::path::PathBuf> {
    let head = repo.git_dir().join("HEAD.lock");
    let branch = repo.head_name().ok().flatten().and_then(|name| {
        let mut path = repo
            .common_dir()
            .join(gix::path::from_bstr(name.as_bstr()).ok()?);
        path.as_mut_os_string().push(".lock");
        Some(path)
    });
    [Some(head), branch]
        .into_iter()
        .flatten()
        .find(|path| path.exists())
        .map(|path| {
            path.strip_prefix(repo.git_dir())
                .unwrap_or(&path)
                .to_path_buf()
        })
}

/// How many files differ between two trees (either may be absent), as paths: a renamed file
/// counts twice.
fn changed_files(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
) -> Result<usize, String> {
    if old == new {
        return Ok(0);
    }
    let entries = |id: Option<ObjectId>| -> Result<Vec<Entry>, String> {
        match id {
            None => Ok(Vec::new()),
            Some(id) => repo
                .find_tree(id)
                .map_err(|err| err.to_string())?
                .decode()
                .map_err(|err| err.to_string())
                .map(|tree| tree.entries.iter().map(|e| (*e).into()).collect()),
        }
    };
    let (old, new) = (entries(old)?, entries(new)?);
    let mut count = 0;
    let mut names: Vec<&BString> = old.iter().chain(&new).map(|e| &e.filename).collect();
    names.sort();
    names.dedup();
    for name in names {
        let find = |side: &[Entry]| side.iter().find(|e| &e.filename == name).cloned();
        let (before, after) = (find(&old), find(&new));
        let as_tree = |e: &Option<Entry>| e.as_ref().filter(|e| e.mode.is_tree()).map(|e| e.oid);
        let as_file = |e: &Option<Entry>| {
            e.as_ref()
                .filter(|e| !e.mode.is_tree())
                .map(|e| (e.oid, e.mode))
        };
        count += changed_files(repo, as_tree(&before), as_tree(&after))?;
        if as_file(&before) != as_file(&after) {
            count += 1;
        }
    }
    Ok(count)
}
