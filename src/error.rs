//! The errors that stop a run before it starts (exit 2), and the one that comes after the work
//! (exit 1). Below every command, so that any of them can return one.

use crate::config::ConfigError;
use crate::exit::ExitCode;
use crate::journal::JournalError;
use crate::targets::TargetError;

/// A problem with the request itself: nothing was touched (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error(transparent)]
    Targets(#[from] TargetError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot read the current directory: {0}")]
    Cwd(std::io::Error),
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A request that cannot be carried out as given (a bad id, a missing file).
    #[error("{0}")]
    Request(String),
    /// The run's work is done but its record could not be finished: not a usage error, since
    /// repositories were touched (exit 1).
    #[error(
        "the run's work is done, but its record could not be finished: {0}. `git batch undo` \
         has only what was recorded when it started and its progress log to go on"
    )]
    Unrecorded(JournalError),
    /// An internal error found before any repository was touched (a panic while reading one
    /// for `--where`): said as it is, exit 1.
    #[error("{0}")]
    Internal(String),
    /// A forge could not give what a sound request needs (an owner it does not know, a token
    /// it refuses, an answer that is not JSON): nothing was touched, exit 1.
    #[error("{0}")]
    Forge(String),
}

impl UsageError {
    /// The exit code: 2 (nothing was touched), except for a record lost after the work and an
    /// internal error (1).
    pub fn exit_code(&self) -> ExitCode {
        match self {
            UsageError::Unrecorded(_) | UsageError::Internal(_) | UsageError::Forge(_) => {
                ExitCode::Failure
            }
            _ => ExitCode::Usage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_record_lost_after_the_work_is_not_exit_2() {
        let request = UsageError::Request("no such run".into());
        assert_eq!(request.exit_code(), ExitCode::Usage);
        let lost = UsageError::Unrecorded(JournalError::Io {
            path: "/nowhere/runs".into(),
            source: std::io::Error::other("disk full"),
        });
        assert_eq!(lost.exit_code(), ExitCode::Failure);
    }
}
