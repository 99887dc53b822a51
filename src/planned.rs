//! What a dry run would do to each file of each repository: created, changed or removed. A
//! content operation's report carries only the paths (JSON's `files`); this is recorded where
//! the operation decides, and read where the repository's line is printed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

type Plans = HashMap<PathBuf, Vec<(String, Planned)>>;

static PLANS: Mutex<Option<Plans>> = Mutex::new(None);

/// The same folder, however it was written (a repository's path and gix's work tree).
fn key(workdir: &Path) -> PathBuf {
    std::fs::canonicalize(workdir).unwrap_or_else(|_| workdir.to_path_buf())
}

/// Records what would happen to the files of the repository at `workdir`.
pub fn record(workdir: &Path, files: Vec<(String, Planned)>) {
    let key = key(workdir);
    if let Ok(mut plans) = PLANS.lock() {
        plans.get_or_insert_with(HashMap::new).insert(key, files);
    }
}

/// What was recorded for the repository at `workdir`, taken out.
pub fn take(workdir: &Path) -> Option<Vec<(String, Planned)>> {
    let key = key(workdir);
    PLANS.lock().ok()?.as_mut()?.remove(&key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_is_found_by_its_folder_once() {
        let dir = std::env::temp_dir();
        record(&dir, vec![("a".into(), Planned::of(false, true))]);
        assert_eq!(take(&dir), Some(vec![("a".into(), Planned::Create)]));
        assert_eq!(take(&dir), None);
        assert_eq!(Planned::of(true, false).said(), "would remove");
        assert_eq!(Planned::of(true, true).said(), "would change");
    }
}
