//! A push, and what it did, typed: every command that pushes (`sync`, the content operations,
//! `undo --push`) reads the same [`PushResult`] and words a rejection the same way, adding only
//! its own remedy. git's answer is read from `git push --porcelain` (one line per ref, a flag
//! and a summary), the way jj's `git_subprocess.rs` reads it, not from its prose.

use std::fmt;

use super::remote::host_refusal_fix;
use super::run::{Git, GitError};

/// What a push of one ref did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum PushResult {
    /// The remote has the commit now; `updated` is false when it had it already.
    Pushed { updated: bool },
    /// The remote refused an update that is not a fast-forward: it has commits this repository
    /// lacks. Never forced; the caller says how to bring them in.
    Rejected,
    /// The host refused us as a whole (authentication, host key, unreachable, timed out):
    /// git's message and the fix to tell once.
    HostRefused { message: String, fix: &'static str },
    /// Anything else: a hook on the remote declined, the repository is missing, …
    Other(GitError),
}

/// The words of a rejection, the same for every command; each adds its own remedy after them.
pub const REJECTED: &str = "push rejected: the remote has commits this repository lacks";

impl fmt::Display for PushResult {
    /// The outcome in words, without a remedy for a rejection.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushResult::Pushed { updated: true } => f.write_str("pushed"),
            PushResult::Pushed { updated: false } => f.write_str("up to date with the upstream"),
            PushResult::Rejected => f.write_str(REJECTED),
            PushResult::HostRefused { message, fix } => write!(f, "{message} — {fix}"),
            PushResult::Other(err) => write!(f, "{err}"),
        }
    }
}

/// Pushes `refspec` (`COMMIT:refs/heads/BRANCH`) to `remote`, never forcing.
pub fn push(git: &Git<'_>, remote: &str, refspec: &str) -> PushResult {
    match git.run(&["push", "--porcelain", remote, refspec]) {
        Ok(output) => PushResult::Pushed {
            updated: !ref_lines(&output.stdout).any(|(flag, _)| flag == '='),
        },
        Err(err) => of_failure(err),
    }
}

/// Pushes commit `id` to branch `name` of `remote` only while the remote's `name` is at
/// `expected` (`None`: while it does not exist). `id` must descend from `expected`: the update is
/// then a fast-forward or a creation, never forced; a remote that moved since (or deleted the
/// branch) refuses it as `Rejected` (git's "stale info").
pub fn push_onto(
    git: &Git<'_>,
    remote: &str,
    id: &str,
    name: &str,
    expected: Option<&str>,
) -> PushResult {
    let lease = format!(
        "--force-with-lease=refs/heads/{name}:{}",
        expected.unwrap_or_default()
    );
    let refspec = format!("{id}:refs/heads/{name}");
    match git.run(&["push", "--porcelain", &lease, remote, &refspec]) {
        Ok(output) => PushResult::Pushed {
            updated: !ref_lines(&output.stdout).any(|(flag, _)| flag == '='),
        },
        Err(err) => of_failure(err),
    }
}

/// The type of a push that git reported as failed.
fn of_failure(err: GitError) -> PushResult {
    if let GitError::Failed {
        message, stdout, ..
    } = &err
    {
        // `!` and `[rejected]`: refused by git's own rule (fetch first, non-fast-forward, stale
        // info). `[remote rejected]` is the remote's hook or settings: not something a rebase
        // fixes, so it stays `Other` with the remote's reason.
        let by_porcelain = ref_lines(stdout)
            .any(|(flag, summary)| flag == '!' && summary.starts_with("[rejected]"));
        // Without a ref line (a transport that failed oddly), git's prose on standard error.
        let by_prose = [
            "[rejected]",
            "(fetch first)",
            "(non-fast-forward)",
            "(stale info)",
        ]
        .iter()
        .any(|needle| message.contains(needle));
        if by_porcelain || by_prose {
            return PushResult::Rejected;
        }
    }
    match host_refusal_fix(err.message()) {
        Some(fix) => PushResult::HostRefused {
            message: err.to_string(),
            fix,
        },
        None => PushResult::Other(err),
    }
}

/// The ref lines of `git push --porcelain`: `FLAG TAB FROM:TO TAB SUMMARY`, as (flag, summary).
fn ref_lines(stdout: &str) -> impl Iterator<Item = (char, &str)> {
    stdout.lines().filter_map(|line| {
        let mut fields = line.splitn(3, '\t');
        let flag = fields.next()?;
        let _refs = fields.next()?;
        let summary = fields.next()?;
        let mut chars = flag.chars();
        match (chars.next(), chars.next()) {
            (Some(flag), None) => Some((flag, summary)),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(stdout: &str, message: &str) -> GitError {
        GitError::Failed {
            command: "push --porcelain origin abc:refs/heads/main".into(),
            code: Some(1),
            message: message.into(),
            stdout: stdout.into(),
        }
    }

    #[test]
    fn a_refusal_by_git_s_rule_is_a_rejection_and_a_remote_hook_is_not() {
        let rejected = "To /r.git\n!\tabc:refs/heads/main\t[rejected] (fetch first)\nDone\n";
        assert_eq!(
            of_failure(failed(rejected, "error: failed to push some refs")),
            PushResult::Rejected
        );
        let stale = "To /r.git\n!\tabc:refs/heads/main\t[rejected] (non-fast-forward)\nDone\n";
        assert_eq!(of_failure(failed(stale, "")), PushResult::Rejected);
        let declined =
            "To /r.git\n!\tabc:refs/heads/main\t[remote rejected] (pre-receive hook declined)\n";
        assert!(matches!(
            of_failure(failed(
                declined,
                "remote: no\nerror: failed to push some refs"
            )),
            PushResult::Other(_)
        ));
    }

    #[test]
    fn a_host_that_refuses_us_is_told_apart_with_its_fix() {
        let result = of_failure(failed(
            "",
            "fatal: could not read Username for 'https://h': terminal prompts disabled",
        ));
        let PushResult::HostRefused { message, fix } = &result else {
            panic!("{result:?}");
        };
        assert!(message.contains("terminal prompts disabled"), "{message}");
        assert!(fix.contains("credential helper"), "{fix}");
        assert!(result.to_string().contains(" — "), "{result}");
    }

    #[test]
    fn an_up_to_date_ref_is_pushed_without_an_update() {
        let lines: Vec<_> = ref_lines("To /r.git\n=\tabc:refs/heads/main\t[up to date]\nDone\n")
            .map(|(flag, _)| flag)
            .collect();
        assert_eq!(lines, ['=']);
        assert_eq!(
            PushResult::Pushed { updated: false }.to_string(),
            "up to date with the upstream"
        );
        assert_eq!(PushResult::Rejected.to_string(), REJECTED);
    }
}
