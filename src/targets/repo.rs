//! One repository a run works on, as plain data: what every report and record names it by.

use std::path::PathBuf;

/// One repository found under the root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Repo {
    /// The path relative to the root with `/` separators (`.` for the root itself), or the
    /// absolute path for a repository named by path outside the root.
    pub name: String,
    /// The absolute path of the working tree.
    pub path: PathBuf,
    /// Why a `--where` filter could not read it, when it could not: every command reports it
    /// `failed` with this reason, without working on it.
    pub unreadable: Option<String>,
}

impl Repo {
    /// Why git-batch will not work on this repository at all, if it will not; every command
    /// reports it `skipped` with this reason before touching it.
    ///
    /// A path that is not UTF-8 cannot be written into the JSON report or the journal exactly, so
    /// a run could neither report it nor undo it: it is refused up front, rather than carried
    /// lossily through every layer (a repository's path is also git's working directory).
    pub fn refusal(&self) -> Option<String> {
        self.path.to_str().is_none().then(|| {
            "its path is not UTF-8, which git-batch cannot report or journal exactly: rename the \
             folder to a UTF-8 name"
                .to_owned()
        })
    }
}
