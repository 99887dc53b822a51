//! The repository layer: gix for reading (HEAD, branch, upstream, ahead/behind, changes), in
//! process; the `git` program for what needs credentials, hooks or the user's configuration
//! (add, commit, fetch, rebase, push), always through [`run::Git`].

pub mod blob;
mod changes;
pub mod commit;
mod commit_tree;
mod diff;
pub mod intent;
pub mod pack;
mod path;
pub mod push;
mod read;
pub mod refs;
pub mod remote;
pub mod run;
#[cfg(test)]
pub(crate) mod testing;
mod thread_dir;
pub mod watched;

pub use diff::paths_changed;
pub use path::{fs_path, os_path};
pub use push::{PushResult, push, push_onto};
pub use read::*;
pub use run::{Git, GitError, GitOutput};
