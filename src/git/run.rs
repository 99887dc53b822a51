//! Every call to the git program goes through [`Git`], with one fixed environment, so that no
//! call can prompt, hang past its deadline, or be read in a language the parser does not know.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::process;

/// A failed call to git, with git's own words.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum GitError {
    #[error("cannot run git: {0}")]
    Spawn(String),
    #[error("`git {command}` timed out (--timeout {secs}s) and was stopped")]
    TimedOut { command: String, secs: u64 },
    #[error("`git {command}` failed: {message}")]
    Failed {
        command: String,
        code: Option<i32>,
        /// git's standard error (or output), trimmed.
        message: String,
        /// git's standard output, whole (`push --porcelain` reports rejections there).
        stdout: String,
    },
}

impl GitError {
    /// git's message alone, for matching on known failures.
    pub fn message(&self) -> &str {
        match self {
            GitError::Failed { message, .. } => message,
            GitError::Spawn(message) => message,
            GitError::TimedOut { .. } => "timed out",
        }
    }
}

/// What a successful call printed.
#[derive(Debug, Clone)]
#[must_use]
pub struct GitOutput {
    pub stdout: String,
    pub stderr: String,
}

/// The git program, run in one repository against one deadline (the per-repository timeout).
#[derive(Debug, Clone)]
pub struct Git<'a> {
    dir: &'a Path,
    deadline: Instant,
    timeout: Duration,
}

impl<'a> Git<'a> {
    /// git in `dir`; every call must end before `timeout` from now has passed.
    pub fn new(dir: &'a Path, timeout: Duration) -> Self {
        Git {
            dir,
            deadline: Instant::now() + timeout,
            timeout,
        }
    }

    /// The folder git runs in.
    pub fn dir(&self) -> &Path {
        self.dir
    }

    /// Runs `git ARGS`; a non-zero exit is an error carrying git's message.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<GitOutput, GitError> {
        let command_line = args
            .iter()
            .map(|arg| arg.as_ref().to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ");
        let mut command = Command::new("git");
        command.args(args);
        process::prepare(&mut command, self.dir);
        command
            // Messages are parsed (push rejections, rebase conflicts): keep them in English.
            .env("LC_ALL", "C")
            .env("LANGUAGE", "C")
            // The Git Credential Manager must not open a window either (ssh: process::prepare).
            .env("GCM_INTERACTIVE", "never");
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.timed_out(command_line));
        }
        let captured =
            process::run(command, left).map_err(|err| GitError::Spawn(err.to_string()))?;
        if captured.timed_out {
            return Err(self.timed_out(command_line));
        }
        let stdout = String::from_utf8_lossy(&captured.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&captured.stderr).into_owned();
        match captured.status {
            Some(status) if status.success() => Ok(GitOutput { stdout, stderr }),
            status => Err(GitError::Failed {
                command: command_line,
                code: status.and_then(|s| s.code()),
                message: summarize(&stderr, &stdout),
                stdout,
            }),
        }
    }

    /// Runs `git ARGS` for its effect alone.
    pub fn check<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<(), GitError> {
        self.run(args).map(drop)
    }

    /// Runs `git ARGS` and returns its standard output without the trailing newline.
    pub fn read<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<String, GitError> {
        let output = self.run(args)?;
        Ok(output.stdout.trim_end_matches('\n').to_owned())
    }

    fn timed_out(&self, command: String) -> GitError {
        GitError::TimedOut {
            command,
            secs: self.timeout.as_secs(),
        }
    }
}

/// git's error in a line or a few: its standard error, or its output when that is empty
/// (`git commit` says "nothing to commit" on stdout), without hint lines.
fn summarize(stderr: &str, stdout: &str) -> String {
    let text = if stderr.trim().is_empty() {
        stdout
    } else {
        stderr
    };
    let mut summary = String::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("hint:"))
        .take(6)
    {
        if !summary.is_empty() {
            summary.push_str("; ");
        }
        let _ = write!(summary, "{line}");
    }
    if summary.is_empty() {
        summary.push_str("no message");
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::summarize;

    #[test]
    fn summaries_drop_hints_and_blank_lines() {
        let stderr = "To /remote.git\n ! [rejected]        main -> main (fetch first)\n\
                      error: failed to push some refs to '/remote.git'\n\
                      hint: Updates were rejected because the remote contains work\n\n";
        assert_eq!(
            summarize(stderr, ""),
            "To /remote.git; ! [rejected]        main -> main (fetch first); \
             error: failed to push some refs to '/remote.git'"
        );
        assert_eq!(summarize("", "nothing to commit\n"), "nothing to commit");
        assert_eq!(summarize("", ""), "no message");
    }
}
