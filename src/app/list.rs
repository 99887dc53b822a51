//! `list`: nothing runs per repository; names (or the JSON document) are printed at once.

use crate::engine::refused;
use crate::error::UsageError;
use crate::exit::ExitCode;
use crate::outcome::{Outcome, RepoReport, RunReport, Summary};
use crate::report::{self, Layout, Printer};
use crate::settings::Format;

use super::{Context, exit_code};

/// `list`: the selected repositories, one name a line, or as the JSON document.
pub(super) fn list(context: &Context<'_>) -> Result<ExitCode, UsageError> {
    let settings = &context.settings;
    let (root, repos) = context.select()?;
    let header = context.header(root, &repos, Vec::new());
    let reports: Vec<RepoReport> = repos
        .iter()
        .map(|repo| match (repo.refusal(), &repo.unreadable) {
            (Some(reason), _) => refused(repo, reason),
            (None, Some(err)) => RepoReport::failed(repo, err.clone()),
            (None, None) => RepoReport::new(repo, Outcome::Unchanged, ""),
        })
        .collect();
    let run = RunReport {
        command: header.command.to_owned(),
        run_id: None,
        root: header.root.clone(),
        dry_run: header.dry_run,
        summary: Summary::of(&reports, context.start.elapsed()),
        repos: reports,
        interrupted: false,
        not_started: 0,
        notes: Vec::new(),
        internal_error: None,
    };
    if settings.format == Format::Human {
        report::print_list(&repos, settings.verbosity);
    } else {
        let mut printer = Printer::new(settings.format, settings.verbosity, Layout::Lines, header);
        printer.start();
        for report in &run.repos {
            printer.finished(report);
        }
        printer.finish(&run);
    }
    Ok(exit_code(&run))
}
