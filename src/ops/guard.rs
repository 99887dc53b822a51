//! What a content operation must not touch: files carrying the user's uncommitted work (told
//! in process, from what git would store), untracked files in the way, paths through symbolic
//! links, `.git` folders however spelled, and other repositories' work trees.

use std::fs;
use std::path::Path;

use gix::bstr::{BStr, ByteSlice};

use crate::git::{self, Git, fs_path, os_path};
use crate::ops::change::{Change, Snapshot};
use crate::words::describe_files;

/// Why `changes` must not be made here, if they must not: a file with uncommitted changes (the
/// user's edits would be mixed into the commit, or lost by an undo), an untracked file in the
/// way, or a path that leads through a symbolic link. Decided in process; only a real run
/// (`dry_run` false) asks git about a file whose stored form a filter driver decides.
pub(crate) fn touches_user_work(
    opened: &gix::Repository,
    snapshot: &Snapshot,
    changes: &[Change],
    git: &Git<'_>,
    dry_run: bool,
) -> Option<String> {
    let hash = opened.object_hash();
    let head_tree = opened.head_tree().ok();
    let mut stored: Option<git::blob::Stored<'_>> = None;
    let mut changed = Vec::new();
    let mut unsure = Vec::new();
    for change in changes {
        let (old, id) = match tracked_as_in_head(snapshot, head_tree.as_ref(), change) {
            Ok(Some(found)) => found,
            Ok(None) => continue,
            Err(reason) => return Some(reason),
        };
        let on_disk = gix::objs::compute_hash(hash, gix::objs::Kind::Blob, old).ok();
        if on_disk == Some(id) {
            continue;
        }
        // Differs byte for byte; git's conversions (line endings, `eol=crlf`) may explain it:
        // compare what git would store.
        match stored_id(opened, &mut stored, change.path.as_bstr(), old) {
            Ok(cleaned) if cleaned == id => {}
            Ok(_) => changed.push(change.path.to_str_lossy().into_owned()),
            Err(why) if dry_run => {
                return Some(format!(
                    "{}: cannot tell whether it has uncommitted changes: {why}; a dry run runs \
                     nothing of the repository's (a real run asks git)",
                    change.path.to_str_lossy()
                ));
            }
            // A real run asks git, which runs the driver as its commit would.
            Err(_) => unsure.push(change.path.clone()),
        }
    }
    if !changed.is_empty() {
        return Some(format!(
            "uncommitted changes to {}: commit or stash them first",
            describe_files(&changed)
        ));
    }
    changed_as_git_sees_it(git, &unsure)
}

/// For a change to a tracked file: its content now and the blob the index records, when the
/// index records what HEAD has (`None` for a file the change creates, which is not there).
/// `Err` is why the change must not be made: an obstacle on its way, an untracked file where it
/// would create one, or changes staged to it.
fn tracked_as_in_head<'c>(
    snapshot: &Snapshot,
    head_tree: Option<&gix::Tree<'_>>,
    change: &'c Change,
) -> Result<Option<(&'c [u8], gix::ObjectId)>, String> {
    let shown = change.path.to_str_lossy();
    if let Some(reason) = obstacle_on_the_way(&snapshot.workdir, change.path.as_bstr()) {
        return Err(format!("{shown}: {reason}"));
    }
    let Some(old) = &change.old else {
        if fs::symlink_metadata(snapshot.path_of(change.path.as_bstr())).is_ok() {
            return Err(format!(
                "{shown} exists but is not tracked: move it away or commit it first"
            ));
        }
        return Ok(None);
    };
    let Some(entry) = snapshot.entry(change.path.as_bstr()) else {
        return Err(format!("{shown} is not tracked"));
    };
    let in_head = head_tree.and_then(|tree| {
        tree.lookup_entry_by_path(fs_path(change.path.as_bstr()))
            .ok()
            .flatten()
            .map(|e| e.object_id())
    });
    if in_head != Some(entry.id) {
        return Err(format!(
            "{shown} has staged changes: commit or unstage them first"
        ));
    }
    Ok(Some((old, entry.id)))
}

/// The blob id git would store for `content` at `path`, its conversions applied; `stored`
/// keeps the conversions, read once for the repository.
fn stored_id<'repo>(
    opened: &'repo gix::Repository,
    stored: &mut Option<git::blob::Stored<'repo>>,
    path: &BStr,
    content: &[u8],
) -> Result<gix::ObjectId, git::blob::Unknown> {
    match stored {
        Some(stored) => stored.id(path, content),
        None => stored
            .insert(git::blob::Stored::new(opened)?)
            .id(path, content),
    }
}

/// Why the files in `unsure` must not be changed, if git (running the filter drivers as its
/// commit would) finds uncommitted changes to them.
fn changed_as_git_sees_it(git: &Git<'_>, unsure: &[gix::bstr::BString]) -> Option<String> {
    if unsure.is_empty() {
        return None;
    }
    let mut args: Vec<std::ffi::OsString> =
        ["--literal-pathspecs", "diff", "--quiet", "HEAD", "--"]
            .iter()
            .map(Into::into)
            .collect();
    args.extend(unsure.iter().map(os_path));
    match git.check(&args) {
        Ok(()) => None,
        Err(_) => Some(format!(
            "uncommitted changes to {}: commit or stash them first",
            describe_files(
                &unsure
                    .iter()
                    .map(|p| p.to_str_lossy().into_owned())
                    .collect::<Vec<_>>()
            )
        )),
    }
}

/// Why `path` (inside `workdir`) must not be written, if it must not: it names a `.git` folder,
/// a folder on the way is a symbolic link (never followed), or a folder on the way is another
/// repository's work tree (a nested repository or a submodule: its files are not this
/// repository's, and its `.git` is nobody's to write).
fn obstacle_on_the_way(workdir: &Path, path: &BStr) -> Option<String> {
    if let Some(reason) = git_dir_in(path) {
        return Some(reason);
    }
    let mut at = workdir.to_path_buf();
    let relative = fs_path(path);
    let mut components = relative.components().peekable();
    while let Some(component) = components.next() {
        at.push(component);
        let is_last = components.peek().is_none();
        let shown = || {
            at.strip_prefix(workdir)
                .unwrap_or(&at)
                .display()
                .to_string()
        };
        match fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Some(format!(
                    "{} is a symbolic link; it is not followed",
                    shown()
                ));
            }
            Ok(meta)
                if meta.is_dir() && !is_last && fs::symlink_metadata(at.join(".git")).is_ok() =>
            {
                let nested = at.to_string_lossy();
                let nested = shlex::try_quote(&nested).unwrap_or_default();
                return Some(format!(
                    "{} is another repository (it has its own .git), whose files this one cannot \
                     commit: change the file in that repository (`git batch -t {nested} …` runs \
                     there), or leave this repository out with --exclude",
                    shown()
                ));
            }
            Ok(_) => {}
            Err(_) if !is_last => return None,
            Err(_) => {}
        }
    }
    None
}

/// Why `path` must not be written, if one of its components names a `.git` folder.
pub(crate) fn git_dir_in(path: &BStr) -> Option<String> {
    path.split_str("/")
        .find(|part| crate::repo_path::names_git_dir(&part.to_str_lossy()))
        .map(|part| {
            format!(
                "`{}` is a repository's .git folder, which is git's, not the repository's files",
                part.to_str_lossy()
            )
        })
}
