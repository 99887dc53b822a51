//! `status`: a repository's branch, upstream, ahead/behind, changes and state, read in process.

use crate::git;
use crate::outcome::{Details, Outcome, RepoReport};
use crate::targets::Repo;

/// Reads `repo`'s status. The outcome is `unchanged`, or `failed` when it cannot be read.
pub fn status(repo: &Repo) -> RepoReport {
    match git::read_status(&repo.path) {
        Ok(status) => {
            let message = describe(&status);
            RepoReport::new(repo, Outcome::Unchanged, message).with_details(Details::Status(status))
        }
        Err(err) => RepoReport::failed(repo, err.to_string()),
    }
}

/// A one-line description, for JSON consumers and verbose output.
fn describe(status: &git::RepoStatus) -> String {
    let mut parts = vec![status.state.as_str().to_owned()];
    if let Some(branch) = &status.branch {
        parts.push(format!("on {branch}"));
    }
    if status.conflicted > 0 {
        let paths = if status.conflicted == 1 {
            "path"
        } else {
            "paths"
        };
        parts.push(format!("{} conflicted {paths}", status.conflicted));
    }
    if status.ahead > 0 {
        parts.push(format!("{} ahead", status.ahead));
    }
    if status.behind > 0 {
        parts.push(format!("{} behind", status.behind));
    }
    parts.join(", ")
}
