//! The paths a commit changed, read in process.

use std::path::Path;

use gix::bstr::BString;

/// The paths the commit `id` changed over its first parent (every path, for a root commit),
/// sorted, as `git diff-tree -r --no-renames --name-only` lists them: a renamed file is its old
/// path and its new one; a submodule is its own path, not its files.
pub fn paths_changed(dir: &Path, id: &str) -> Result<Vec<BString>, String> {
    let repo = super::open(dir).map_err(|err| err.to_string())?;
    let failed = |err: &dyn std::fmt::Display| format!("cannot list the files of {id}: {err}");
    let id = gix::ObjectId::from_hex(id.as_bytes()).map_err(|err| failed(&err))?;
    let commit = repo.find_commit(id).map_err(|err| failed(&err))?;
    let new = commit.tree().map_err(|err| failed(&err))?;
    let old = match commit.parent_ids().next() {
        Some(parent) => repo
            .find_commit(parent)
            .and_then(|parent| parent.tree())
            .map_err(|err| failed(&err))?,
        None => repo.empty_tree(),
    };
    let mut recorder = gix::diff::tree::Recorder::default();
    gix::diff::tree(
        gix::objs::TreeRefIter::from_bytes(&old.data, old.id.kind()),
        gix::objs::TreeRefIter::from_bytes(&new.data, new.id.kind()),
        gix::diff::tree::State::default(),
        &repo.objects,
        &mut recorder,
    )
    .map_err(|err| failed(&err))?;
    use gix::diff::tree::recorder::Change;
    let mut paths: Vec<BString> = recorder
        .records
        .into_iter()
        .filter_map(|change| match change {
            Change::Addition {
                entry_mode, path, ..
            }
            | Change::Deletion {
                entry_mode, path, ..
            } => (!entry_mode.is_tree()).then_some(path),
            // A blob that became a tree (or the reverse) is listed by the paths under it.
            Change::Modification {
                previous_entry_mode,
                entry_mode,
                path,
                ..
            } => (!entry_mode.is_tree() || !previous_entry_mode.is_tree()).then_some(path),
        })
        .collect();
    paths.sort();
    paths.dedup();
    Ok(paths)
}
