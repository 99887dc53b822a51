//! The process exit codes of the contract, and how the codes of many repositories merge into one.

/// How a whole run ended. The numeric values are part of the command-line contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitCode {
    /// Every repository changed, unchanged or skipped.
    Success,
    /// At least one repository failed (or `--check` found drift).
    Failure,
    /// Bad usage or configuration: nothing was touched.
    Usage,
    /// Interrupted by Ctrl-C after the summary was printed.
    Interrupted,
}

impl ExitCode {
    /// The number the process exits with.
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::Failure => 1,
            ExitCode::Usage => 2,
            ExitCode::Interrupted => 130,
        }
    }

    /// Combines two outcomes: the more serious one wins (interrupted > usage > failure > success).
    #[must_use]
    pub fn merge(self, other: ExitCode) -> ExitCode {
        self.max(other)
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

#[cfg(test)]
mod tests {
    use super::ExitCode::*;

    #[test]
    fn codes_are_the_contract() {
        assert_eq!(
            [Success, Failure, Usage, Interrupted].map(|c| c.code()),
            [0, 1, 2, 130]
        );
    }

    #[test]
    fn merge_keeps_the_most_serious() {
        assert_eq!(Success.merge(Success), Success);
        assert_eq!(Success.merge(Failure), Failure);
        assert_eq!(Failure.merge(Success), Failure);
        assert_eq!(Failure.merge(Interrupted), Interrupted);
        assert_eq!(Interrupted.merge(Failure), Interrupted);
        assert_eq!(Usage.merge(Failure), Usage);
    }

    #[test]
    fn merging_many_is_order_independent() {
        let all = [Success, Failure, Success, Interrupted, Failure];
        let forward = all.iter().fold(Success, |acc, c| acc.merge(*c));
        let backward = all.iter().rev().fold(Success, |acc, c| acc.merge(*c));
        assert_eq!(forward, Interrupted);
        assert_eq!(forward, backward);
    }
}
