//! git-batch's own refs (`refs/git-batch/…`), written in process: they need no credentials,
//! hooks or user configuration, and a spawned `git update-ref` per ref costs more than the rest
//! of a small repository's sync.

use std::path::Path;

use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};

use super::ReadError;

/// Points each `(name, id)` at its object, creating or overwriting it, in one transaction.
pub fn write_refs(path: &Path, refs: &[(String, String)]) -> Result<(), ReadError> {
    write_refs_in(&super::open(path)?, refs)
}

/// [`write_refs`] in a repository already open.
pub fn write_refs_in(repo: &gix::Repository, refs: &[(String, String)]) -> Result<(), ReadError> {
    edit_refs(repo, refs, PreviousValue::Any)
}

/// Creates each `(name, id)`, in one transaction that fails, writing nothing, when one of them
/// exists already: a run's refs are written once, and never over another's.
pub fn create_refs_in(repo: &gix::Repository, refs: &[(String, String)]) -> Result<(), ReadError> {
    edit_refs(repo, refs, PreviousValue::MustNotExist)
}

/// The full names of the refs under `prefix` (`refs/git-batch/`).
pub fn names_under(repo: &gix::Repository, prefix: &str) -> Result<Vec<String>, ReadError> {
    let failed = |err: &dyn std::fmt::Display| ReadError::new(format!("cannot list refs: {err}"));
    let platform = repo.references().map_err(|err| failed(&err))?;
    let mut names = Vec::new();
    for reference in platform.prefixed(prefix).map_err(|err| failed(&err))? {
        let reference = reference.map_err(|err| failed(&err))?;
        names.push(reference.name().as_bstr().to_string());
    }
    Ok(names)
}

/// Deletes the refs named, if they exist.
pub fn delete_refs_in(repo: &gix::Repository, names: &[String]) -> Result<(), ReadError> {
    let mut edits = Vec::with_capacity(names.len());
    for name in names {
        let name = gix::refs::FullName::try_from(name.as_str())
            .map_err(|err| ReadError::new(format!("bad ref name {name}: {err}")))?;
        edits.push(RefEdit {
            change: Change::Delete {
                expected: PreviousValue::Any,
                log: RefLog::AndReference,
            },
            name,
            deref: false,
        });
    }
    repo.edit_references(edits)
        .map_err(|err| ReadError::new(format!("cannot delete git-batch's refs: {err}")))?;
    Ok(())
}

fn edit_refs(
    repo: &gix::Repository,
    refs: &[(String, String)],
    expected: PreviousValue,
) -> Result<(), ReadError> {
    let mut edits = Vec::with_capacity(refs.len());
    for (name, id) in refs {
        let id = gix::ObjectId::from_hex(id.as_bytes())
            .map_err(|err| ReadError::new(format!("bad object id {id}: {err}")))?;
        let name = gix::refs::FullName::try_from(name.as_str())
            .map_err(|err| ReadError::new(format!("bad ref name {name}: {err}")))?;
        edits.push(RefEdit {
            change: Change::Update {
                log: LogChange {
                    mode: RefLog::AndReference,
                    force_create_reflog: false,
                    message: "git-batch".into(),
                },
                expected: expected.clone(),
                new: gix::refs::Target::Object(id),
            },
            name,
            deref: false,
        });
    }
    repo.edit_references(edits)
        .map_err(|err| ReadError::new(format!("cannot write git-batch's refs: {err}")))?;
    Ok(())
}

/// The commit HEAD points to, in hex, read in process.
pub fn head_id(path: &Path) -> Result<Option<String>, ReadError> {
    head_id_in(&super::open(path)?)
}

/// [`head_id`] in a repository already open (HEAD is read from disk again, not cached).
pub fn head_id_in(repo: &gix::Repository) -> Result<Option<String>, ReadError> {
    let head = repo
        .head()
        .map_err(|err| ReadError::new(format!("cannot read HEAD: {err}")))?;
    Ok(head.id().map(|id| id.to_string()))
}
