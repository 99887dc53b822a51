//! Commits made off the working tree (`--branch`): a tree edited from another commit's tree,
//! written as blobs and trees in the object store, committed onto a branch that is not checked
//! out. The working tree, the index and HEAD are never read or written. The commit object is the
//! one `git commit-tree` makes (the same identity, date and message rules as the in-process
//! commit of [`super::finish`]); where that cannot be told in process, `git commit-tree` makes it.

use gix::ObjectId;
use gix::bstr::BStr;
use gix::objs::tree::EntryKind;
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};

use super::ready::{Env, plan_off_tree};
use crate::git::{Git, pack};

/// One file of the new tree: its content (`None`: removed) and whether it is executable.
#[derive(Debug)]
pub struct TreeFile<'a> {
    pub path: &'a BStr,
    pub content: Option<&'a [u8]>,
    pub executable: bool,
}

/// The tree `base` with `files` written into it (blobs and trees in the object store; kept in
/// memory until [`commit_tree`] when `repo` is a [`pack::staging`] handle).
pub fn tree_with(
    repo: &gix::Repository,
    base: ObjectId,
    files: &[TreeFile<'_>],
) -> Result<ObjectId, String> {
    let mut editor = repo
        .edit_tree(base)
        .map_err(|err| format!("cannot read tree {base}: {err}"))?;
    for file in files {
        match file.content {
            Some(content) => {
                let id = repo
                    .write_blob(content)
                    .map_err(|err| format!("cannot write {}: {err}", file.path))?
                    .detach();
                let kind = if file.executable {
                    EntryKind::BlobExecutable
                } else {
                    EntryKind::Blob
                };
                editor.upsert(file.path, kind, id)
            }
            None => editor.remove(file.path),
        }
        .map_err(|err| format!("cannot edit the tree at {}: {err}", file.path))?;
    }
    Ok(editor
        .write()
        .map_err(|err| format!("cannot write tree: {err}"))?
        .detach())
}

/// The commit of `tree` on `parent` with `message`, in process when nothing would make
/// `git commit-tree` write another object (see [`plan_off_tree`]); `None` otherwise, and
/// nothing written.
pub fn commit_in_process(
    repo: &gix::Repository,
    message: &str,
    tree: ObjectId,
    parent: ObjectId,
    env: Env<'_>,
) -> Result<Option<ObjectId>, String> {
    let Ok(plan) = plan_off_tree(repo, message, env) else {
        return Ok(None);
    };
    let commit = gix::objs::Commit {
        tree,
        parents: vec![parent].into(),
        author: plan.author,
        committer: plan.committer,
        encoding: None,
        message: plan.message,
        extra_headers: Vec::new(),
    };
    let id = repo
        .write_object(&commit)
        .map_err(|err| format!("cannot write the commit: {err}"))?
        .detach();
    Ok(Some(id))
}

/// The commit of `tree` on `parent`: in process, else by `git commit-tree` in `dir` (a hook of
/// the repository's does not run either way; signing and the identity are git's own). The
/// objects `repo` holds in memory ([`pack::staging`]) are written first, as one pack.
pub fn commit_tree(
    repo: &gix::Repository,
    git: &Git<'_>,
    message: &str,
    tree: ObjectId,
    parent: ObjectId,
) -> Result<ObjectId, String> {
    let env = |name: &str| std::env::var_os(name);
    if let Some(id) = commit_in_process(repo, message, tree, parent, &env)? {
        pack::persist(repo)?;
        return Ok(id);
    }
    pack::persist(repo)?;
    let (tree, parent) = (tree.to_string(), parent.to_string());
    let printed = git
        .read(&["commit-tree", &tree, "-p", &parent, "-m", message])
        .map_err(|err| format!("commit refused: {}", err.message()))?;
    ObjectId::from_hex(printed.trim().as_bytes())
        .map_err(|err| format!("git commit-tree printed no commit ({err})"))
}

/// Points `refs/heads/NAME` at `id`, only if it is still at `expected` (`None`: it must not
/// exist), with a reflog entry saying `reflog`.
pub fn set_branch(
    repo: &gix::Repository,
    name: &str,
    id: ObjectId,
    expected: Option<ObjectId>,
    reflog: &str,
) -> Result<(), String> {
    let full = format!("refs/heads/{name}");
    let edit = RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: true,
                message: reflog.into(),
            },
            expected: match expected {
                Some(before) => PreviousValue::MustExistAndMatch(before.into()),
                None => PreviousValue::MustNotExist,
            },
            new: gix::refs::Target::Object(id),
        },
        name: full
            .as_str()
            .try_into()
            .map_err(|err| format!("{full}: {err}"))?,
        deref: false,
    };
    repo.edit_reference(edit).map_err(|err| {
        format!("branch {name} moved while the run was working here; nothing committed ({err})")
    })?;
    Ok(())
}

/// Puts `refs/heads/NAME` back from `from` (where this run put it) to `to` (`None`: deletes it),
/// only if it is still at `from`, with a reflog entry saying `reflog`.
pub fn put_branch_back(
    repo: &gix::Repository,
    name: &str,
    from: ObjectId,
    to: Option<ObjectId>,
    reflog: &str,
) -> Result<(), String> {
    let full = format!("refs/heads/{name}");
    let expected = PreviousValue::MustExistAndMatch(from.into());
    let change = match to {
        Some(to) => Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: reflog.into(),
            },
            expected,
            new: gix::refs::Target::Object(to),
        },
        None => Change::Delete {
            expected,
            log: RefLog::AndReference,
        },
    };
    let edit = RefEdit {
        change,
        name: full
            .as_str()
            .try_into()
            .map_err(|err| format!("{full}: {err}"))?,
        deref: false,
    };
    repo.edit_reference(edit)
        .map_err(|err| format!("cannot put branch {name} back: {err}"))?;
    Ok(())
}
