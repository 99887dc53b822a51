//! What every command that runs over repositories starts from: the settings with
//! `.git-batch.toml`'s defaults filled in, the configuration, the journal, the clock, and the
//! selection of repositories.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::config::{self, Config};
use crate::error::UsageError;
use crate::journal::Journal;
use crate::report::{self, RunHeader};
use crate::settings::Settings;
use crate::targets::{self, Repo, TargetError, keep_where};

/// The settings resolved once, with what they name loaded.
pub(super) struct Context<'a> {
    pub settings: Settings,
    pub cwd: &'a Path,
    pub config: Config,
    pub journal: Journal,
    pub start: Instant,
}

impl<'a> Context<'a> {
    /// Loads the configuration of the root `settings` names and fills in its defaults.
    pub fn open(settings: &Settings, cwd: &'a Path) -> Result<Context<'a>, UsageError> {
        let start = Instant::now();
        report::apply_color(settings.color);
        crate::pool::install_interrupt_handler();
        let config = config::load(&settings.selection.root)?;
        Ok(Context {
            settings: settings.clone().with_defaults(&config.defaults),
            cwd,
            config,
            journal: Journal::open(),
            start,
        })
    }

    /// The root, as the journal names it.
    pub fn root(&self) -> Result<PathBuf, UsageError> {
        let root = &self.settings.selection.root;
        Ok(std::fs::canonicalize(root).map_err(|_| TargetError::RootNotFound(root.clone()))?)
    }

    /// The selected repositories under the root, `--where` applied: one that cannot be read
    /// stays, marked unreadable. A panic while reading one is an internal error (exit 1).
    pub fn select(&self) -> Result<(PathBuf, Vec<Repo>), UsageError> {
        self.select_where(&self.settings.selection.filters)
    }

    /// As [`Context::select`], with `filters` for `--where`'s.
    pub fn select_where(
        &self,
        filters: &[crate::targets::WhereFilter],
    ) -> Result<(PathBuf, Vec<Repo>), UsageError> {
        let selection = &self.settings.selection;
        let (root, repos) = targets::select(selection, self.cwd, &self.config, |root| {
            self.last_failed(root)
        })?;
        if filters.is_empty() {
            return Ok((root, repos));
        }
        let workers = self.settings.workers(repos.len(), true);
        let kept = keep_where(repos, filters, workers).map_err(UsageError::Internal)?;
        Ok((root, kept))
    }

    /// For the commands that work from a run's records (`undo`, `prs`): `None` when no flag
    /// narrows the selection (the whole run), else the paths of the selected repositories. One
    /// a `--where` filter could not read is named and left out, not acted on blindly.
    pub fn narrowed_paths(&self) -> Result<Option<Vec<PathBuf>>, UsageError> {
        let selection = &self.settings.selection;
        let narrowed = selection.targets != "@all-repos"
            || !selection.exclude.is_empty()
            || !selection.filters.is_empty()
            || selection.shard.is_some();
        if !narrowed {
            return Ok(None);
        }
        let (_, repos) = self.select()?;
        for repo in repos.iter().filter(|repo| repo.unreadable.is_some()) {
            let name = crate::escape::controls(&repo.name);
            let err = repo.unreadable.as_deref().unwrap_or_default();
            report::print_warning(&format!("{name} left out: {err}"));
        }
        let readable = repos.into_iter().filter(|repo| repo.unreadable.is_none());
        Ok(Some(readable.map(|repo| repo.path).collect()))
    }

    /// `@failed`: the repositories that failed in the last run on `root`.
    fn last_failed(&self, root: &Path) -> Result<Vec<PathBuf>, String> {
        let last = self.journal.last(root).map_err(|err| err.to_string())?;
        let failed: Vec<_> = last.failed().map(|repo| repo.path.clone()).collect();
        if failed.is_empty() {
            return Err(format!(
                "the last run on this root ({}) had no failures",
                last.run_id
            ));
        }
        Ok(failed)
    }

    /// The header of a run over `repos` under `root`, for a command that writes (a check
    /// changes it).
    pub fn header(&self, root: PathBuf, repos: &[Repo], notes: Vec<String>) -> RunHeader {
        let command = &self.settings.command;
        RunHeader {
            command: command.name(),
            run_id: None,
            root,
            dry_run: self.settings.dry_run,
            total: repos.len(),
            workers: self.settings.workers(repos.len(), command.is_local_read()),
            notes,
            check: false,
            fixes: Vec::new(),
        }
    }

    /// This header as a check's: nothing written, and `fixes` said at the end.
    pub fn checking(&self, mut header: RunHeader, fixes: Vec<String>) -> RunHeader {
        header.check = true;
        header.dry_run = true;
        header.fixes = crate::fixes::at_depth(fixes, self.settings.selection.depth);
        header
    }
}
