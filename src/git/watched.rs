//! The folders of a repository worth watching for changes: its git folders (HEAD, the index,
//! refs, the files of an operation in progress) and the folders of its working tree that git
//! does not ignore, so that a build writing into `target/` or `node_modules/` goes unheard.

use std::path::{Path, PathBuf};

use super::{ReadError, open};

/// Where a repository keeps what git writes, and the folders of its working tree to watch.
#[derive(Debug, Clone, Default)]
pub struct WatchedDirs {
    /// The repository's own git folder (`.git`, or `.git/worktrees/NAME` for a linked
    /// worktree): HEAD, the index, the files of an operation in progress.
    pub git_dir: PathBuf,
    /// The folder holding the refs and `packed-refs` (the same as `git_dir`, except for a
    /// linked worktree).
    pub common_dir: PathBuf,
    /// The folders of the working tree, from `from` down, that git does not ignore; nested
    /// repositories and `.git` folders are left out.
    pub tree: Vec<PathBuf>,
}

/// The folders to watch in the repository whose working tree is `repo`, the working tree
/// walked from `from` (the working tree itself, or a folder just created in it).
pub fn watched_dirs(repo: &Path, from: &Path) -> Result<WatchedDirs, ReadError> {
    let opened = open(repo)?;
    let index = opened
        .index_or_empty()
        .map_err(|err| ReadError::new(format!("cannot read the index: {err}")))?;
    let mut excludes = opened
        .excludes(
            &index,
            None,
            gix::worktree::stack::state::ignore::Source::WorktreeThenIdMappingIfNotSkipped,
        )
        .map_err(|err| ReadError::new(format!("cannot read the ignore rules: {err}")))?;
    let mut tree = Vec::new();
    let walk = walkdir::WalkDir::new(from)
        .follow_links(false)
        .into_iter()
        .filter_entry(|entry| {
            if !entry.file_type().is_dir() {
                return false;
            }
            let path = entry.path();
            if path == repo || path == from && entry.depth() == 0 {
                return true;
            }
            if entry.file_name() == ".git" || path.join(".git").exists() {
                return false;
            }
            let Ok(relative) = path.strip_prefix(repo) else {
                return false;
            };
            // A folder git ignores (`target/`, `node_modules/`) is not watched: builds write
            // there all the time.
            !excludes
                .at_path(relative, Some(gix::index::entry::Mode::DIR))
                .is_ok_and(|platform| platform.is_excluded())
        });
    for entry in walk.flatten() {
        tree.push(entry.into_path());
    }
    Ok(WatchedDirs {
        git_dir: opened.git_dir().to_path_buf(),
        common_dir: opened.common_dir().to_path_buf(),
        tree,
    })
}
