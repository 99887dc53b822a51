//! What the watch engine tells its front end (the full-screen view or the jsonl printer), and
//! what the view asks of the engine.

use std::time::SystemTime;

use crate::outcome::RepoReport;

/// One thing the engine saw.
#[derive(Debug, Clone)]
pub enum ViewEvent {
    /// A repository's status as read now (first reading, or after it changed); its
    /// `details` is `Details::Status`.
    Repo(Box<RepoReport>),
    /// The repository of this name left the root (removed, moved away).
    Gone(String),
    /// The remotes were fetched at this time.
    Fetched(SystemTime),
    /// A note to show once in the header (the watch limit reached, a host refusing).
    Note(String),
}

/// What the view asks of the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewCommand {
    /// `f`: fetch every remote now.
    FetchNow,
    /// `q`, Ctrl-C: stop watching.
    Quit,
}
