//! The repository states in which no command writes — a locked index, an operation in progress,
//! no commit yet, a detached HEAD — checked in one place, in process, and told in one wording by
//! `sync`, the content operations and `undo`.

use std::fmt;

use crate::git::{self, RepoState};

/// Why a repository must not be written now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsafe {
    /// `index.lock` exists: a git process is running here, or one crashed.
    IndexLocked,
    /// A rebase, merge, cherry-pick, revert, bisect or `git am` is under way.
    InProgress(RepoState),
    /// HEAD names a branch that has no commit yet.
    NoCommit,
    /// HEAD names a commit, not a branch.
    Detached,
}

impl fmt::Display for Unsafe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsafe::IndexLocked => f.write_str(
                "index.lock present: another git process is running here, or one crashed \
                 (remove the lock once no git runs)",
            ),
            Unsafe::InProgress(state) => {
                write!(
                    f,
                    "{} in progress: finish or abort it first",
                    state.as_str()
                )
            }
            Unsafe::NoCommit => f.write_str("no commit yet: make the first commit by hand"),
            Unsafe::Detached => f.write_str("detached HEAD: check out a branch first"),
        }
    }
}

/// Why `opened` must not be written now, if it must not, in this order: a locked index, an
/// operation in progress, no commit yet, and (when `needs_branch`) a detached HEAD. Reads in
/// process only; spawns nothing. HEAD that cannot be read is left to the caller, which reads it
/// again and says why.
pub fn check(opened: &gix::Repository, needs_branch: bool) -> Option<Unsafe> {
    if git::index_lock_path(opened).exists() {
        return Some(Unsafe::IndexLocked);
    }
    if let Some(state) = git::operation_in_progress(opened) {
        return Some(Unsafe::InProgress(state));
    }
    let head = opened.head().ok()?;
    if head.is_unborn() {
        return Some(Unsafe::NoCommit);
    }
    if needs_branch && head.referent_name().is_none() {
        return Some(Unsafe::Detached);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_is_told_in_one_wording_with_what_to_do() {
        assert!(
            Unsafe::IndexLocked
                .to_string()
                .starts_with("index.lock present")
        );
        assert_eq!(
            Unsafe::InProgress(RepoState::CherryPicking).to_string(),
            "cherry-picking in progress: finish or abort it first"
        );
        assert_eq!(
            Unsafe::NoCommit.to_string(),
            "no commit yet: make the first commit by hand"
        );
        assert_eq!(
            Unsafe::Detached.to_string(),
            "detached HEAD: check out a branch first"
        );
    }
}
