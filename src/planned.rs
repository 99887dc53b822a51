//! What a dry run would do to each file: created, changed or removed. A content operation's
//! report carries it beside the paths (JSON's `files`), for the printer's per-file lines.

/// What would happen to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planned {
    Create,
    Change,
    Remove,
}

impl Planned {
    /// From the content before and after (`None`: no file).
    pub fn of(before: bool, after: bool) -> Planned {
        match (before, after) {
            (false, _) => Planned::Create,
            (_, false) => Planned::Remove,
            _ => Planned::Change,
        }
    }

    /// `would create`, `would change`, `would remove`.
    pub fn said(self) -> &'static str {
        match self {
            Planned::Create => "would create",
            Planned::Change => "would change",
            Planned::Remove => "would remove",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_is_named_by_what_exists_before_and_after() {
        assert_eq!(Planned::of(false, true), Planned::Create);
        assert_eq!(Planned::of(true, false).said(), "would remove");
        assert_eq!(Planned::of(true, true).said(), "would change");
    }
}
