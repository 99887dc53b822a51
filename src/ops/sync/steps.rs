//! The git steps `sync` shares with the content operations: the push, the host a remote is on,
//! and how git's answers are read (the files a commit changed, why a step failed).

use crate::git::{self, Git, GitError, Tracking};
use crate::hosts::HostGate;

/// Paths that the index no longer has but HEAD has, and that still exist in the working tree:
/// what `git rm --cached` leaves.
pub(super) fn staged_removals_kept(git: &Git<'_>) -> Result<Vec<std::ffi::OsString>, GitError> {
    use std::os::unix::ffi::OsStrExt;
    let listed = git.run(&[
        "diff",
        "--cached",
        "--no-renames",
        "--no-ext-diff",
        "--name-only",
        "-z",
        "--diff-filter=D",
    ])?;
    Ok(listed
        .stdout
        .split('\0')
        .filter(|path| !path.is_empty())
        .map(|path| std::ffi::OsStr::from_bytes(path.as_bytes()).to_owned())
        .filter(|path| std::fs::symlink_metadata(git.dir().join(path)).is_ok())
        .collect())
}

/// Pushes HEAD to the upstream branch of `tracking`, never forcing, within `host`'s share of
/// the per-host cap. `Ok(false)` when the remote already had it.
pub(crate) fn push_head(
    git: &Git<'_>,
    tracking: &Tracking,
    gate: &HostGate,
    host: &str,
) -> Result<bool, String> {
    let refspec = format!("HEAD:{}", tracking.merge_ref);
    let _permit = gate.enter(host);
    match git.run(&["push", "--porcelain", &tracking.push_remote, &refspec]) {
        Ok(output) => Ok(!output.stdout.contains("[up to date]")),
        Err(err) if err.is_push_rejection() => Err(
            "push rejected: the remote has commits this repository lacks; \
             rerun with --pull to rebase onto them"
                .to_owned(),
        ),
        Err(err) => Err(network_failure(&err)),
    }
}

/// The host that network work for `tracking` talks to (`local` for a path).
pub(crate) fn host_of(tracking: &Tracking) -> String {
    tracking
        .push_url
        .as_deref()
        .map_or_else(|| "local".to_owned(), git::remote::host_of)
}

/// The number of files in `git commit`'s summary line (` 3 files changed, …`); 0 if absent.
pub(super) fn files_changed(stdout: &str) -> usize {
    stdout
        .lines()
        .rev()
        .find_map(|line| {
            let (count, rest) = line.trim().split_once(' ')?;
            (rest.starts_with("file changed") || rest.starts_with("files changed"))
                .then(|| count.parse().ok())
                .flatten()
        })
        .unwrap_or(0)
}

pub(super) fn commit_failure(err: &GitError) -> String {
    match err {
        GitError::Failed { message, .. } => format!("commit refused: {message}"),
        other => other.to_string(),
    }
}

pub(super) fn network_failure(err: &GitError) -> String {
    match crate::hosts::host_refusal_fix(err.message()) {
        Some(fix) => format!("{err} — {fix}"),
        None => err.to_string(),
    }
}

pub(super) fn short_ref(name: &str) -> &str {
    name.strip_prefix("refs/remotes/")
        .or_else(|| name.strip_prefix("refs/heads/"))
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::files_changed;

    #[test]
    fn files_are_counted_from_the_commit_summary() {
        let out = "[main 3f2a9c1] chore: batch update\n 3 files changed, 4 insertions(+)\n \
                   create mode 100644 new.txt\n";
        assert_eq!(files_changed(out), 3);
        assert_eq!(
            files_changed("[main 1] x\n 1 file changed, 1 deletion(-)\n"),
            1
        );
        assert_eq!(files_changed("hook said: 9 files changed\n"), 0);
        assert_eq!(files_changed(""), 0);
    }
}
