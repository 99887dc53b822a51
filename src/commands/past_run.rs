//! What `undo` and `prs` share: both are runs over the repositories an earlier run recorded,
//! chosen again with the selection flags, and both say which run they work on first.

use std::path::{Path, PathBuf};

use crate::engine::RunGuard;
use crate::journal::{RepoRecord, RunRecord};
use crate::report::RunHeader;
use crate::settings::Settings;
use crate::targets::Repo;

/// The repositories `past` recorded that `only` keeps (every one when `None`), each with the
/// `Repo` the engine works on.
pub(super) fn recorded_repos<'r>(
    past: &'r RunRecord,
    only: Option<&'r [PathBuf]>,
) -> impl Iterator<Item = (Repo, &'r RepoRecord)> + 'r {
    past.repos
        .iter()
        .filter(move |r| only.is_none_or(|only| only.contains(&r.path)))
        .map(|r| {
            let repo = Repo {
                name: r.name.clone(),
                path: r.path.clone(),
                unreadable: None,
            };
            (repo, r)
        })
}

/// The header of `guard`'s run of `command` over `total` repositories of `past`, whose first
/// note names `past` after `about` (`undoing run ID (sync, STARTED)`).
pub(super) fn header(
    command: &'static str,
    guard: &RunGuard<'_>,
    root: &Path,
    settings: &Settings,
    total: usize,
    about: &str,
    past: &RunRecord,
) -> RunHeader {
    RunHeader {
        command,
        run_id: guard.run_id().map(str::to_owned),
        root: root.to_path_buf(),
        dry_run: settings.dry_run,
        total,
        workers: settings.workers(total, false),
        check: false,
        fixes: Vec::new(),
        notes: vec![format!(
            "{about} run {} ({}, {})",
            past.run_id, past.command, past.started
        )],
    }
}
