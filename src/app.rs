//! Wires a parsed command line to the engine: resolve targets, run the pool, print, exit code.

use std::ffi::OsString;
use std::path::Path;
use std::time::Instant;

use crate::cli;
use crate::config;
use crate::engine::{in_pool, refused};
use crate::error::UsageError;
use crate::exit::ExitCode;
use crate::ops;
use crate::ops::content::ContentOp;
use crate::outcome::{Outcome, RepoReport, RunReport, Summary};
use crate::pool;
use crate::report::{self, Layout, Printer, RunHeader};
use crate::settings::{Command, Format, Settings};
use crate::targets::{self, Repo, TargetError, keep_where};

/// The whole program: parses `args`, runs, prints, and returns the exit code.
pub fn run_from_args<I, T>(args: I) -> std::process::ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match cli::parse(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::Usage.into()
            } else {
                ExitCode::Success.into()
            };
        }
    };
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(err) => {
            report::print_error(&UsageError::Cwd(err).to_string());
            return ExitCode::Usage.into();
        }
    };
    let settings = cli.into_settings(&cwd);
    match &settings.command {
        Command::Completions { shell } => return exit_with(cli::manuals::completions(shell)),
        // Nothing is written to standard output before a failure: exit 2, with the reason.
        Command::Manpages { dir } => return exit_with(cli::manuals::manpages(dir)),
        _ => {}
    }
    report::apply_color(settings.color);
    pool::install_interrupt_handler();
    let code = run(&settings, &cwd).unwrap_or_else(|err| {
        report::print_error(&err.to_string());
        err.exit_code()
    });
    exit_with(code)
}

/// `code`, unless the report did not reach its reader (a full disk): that is no success.
fn exit_with(code: ExitCode) -> std::process::ExitCode {
    match report::output_error() {
        Some(reason) => {
            report::print_error(&format!("cannot write the report: {reason}"));
            code.merge(ExitCode::Failure).into()
        }
        None => code.into(),
    }
}

/// Runs validated settings from `cwd`. Per-repository failures are in the exit code, not `Err`.
pub fn run(settings: &Settings, cwd: &Path) -> Result<ExitCode, UsageError> {
    let start = Instant::now();
    let config = config::load(&settings.selection.root)?;
    let settings = &settings.clone().with_defaults(&config.defaults);
    let journal = crate::journal::Journal::open();
    let last_failed = |root: &Path| -> Result<Vec<std::path::PathBuf>, String> {
        let last = journal.last(root).map_err(|err| err.to_string())?;
        let failed: Vec<_> = last.failed().map(|repo| repo.path.clone()).collect();
        if failed.is_empty() {
            return Err(format!(
                "the last run on this root ({}) had no failures",
                last.run_id
            ));
        }
        Ok(failed)
    };
    if let Command::Runs = settings.command {
        let root = std::fs::canonicalize(&settings.selection.root)
            .map_err(|_| TargetError::RootNotFound(settings.selection.root.clone()))?;
        let (runs, damaged) = journal.scan(&root)?;
        report::print_runs(settings.format, &root, &runs, &damaged);
        return Ok(ExitCode::Success);
    }
    if let Command::RunsPrune { older_than, keep } = settings.command {
        let rule = crate::journal::PruneRule { older_than, keep };
        let root = std::fs::canonicalize(&settings.selection.root)
            .map_err(|_| TargetError::RootNotFound(settings.selection.root.clone()))?;
        return crate::commands::prune(settings, &root, &journal, &rule);
    }
    if let Command::Undo { run_id, push } = &settings.command {
        let root = std::fs::canonicalize(&settings.selection.root)
            .map_err(|_| TargetError::RootNotFound(settings.selection.root.clone()))?;
        // Without a narrowing flag, undo takes back the whole run; with one, only the run's
        // repositories that the selection names.
        let selection = &settings.selection;
        let narrowed = selection.targets != "@all-repos"
            || !selection.exclude.is_empty()
            || !selection.filters.is_empty()
            || selection.shard.is_some();
        let only = if narrowed {
            let (_, mut repos) = targets::select(selection, cwd, &config, last_failed)?;
            if !selection.filters.is_empty() {
                let workers = settings.workers(repos.len(), true);
                repos = match keep_where(repos, &selection.filters, workers) {
                    Ok(kept) => kept,
                    Err(message) => return Ok(internal_error(&message)),
                };
            }
            // Undo works from the journal's records: one the filter could not read is named
            // here and left out, not undone blindly.
            for repo in repos.iter().filter(|repo| repo.unreadable.is_some()) {
                let name = crate::escape::controls(&repo.name);
                let err = repo.unreadable.as_deref().unwrap_or_default();
                report::print_warning(&format!("{name} left out: {err}"));
            }
            let readable = repos.into_iter().filter(|repo| repo.unreadable.is_none());
            Some(readable.map(|repo| repo.path).collect())
        } else {
            None
        };
        let request = crate::commands::UndoRequest {
            run_id: run_id.as_deref(),
            push: *push,
            only,
        };
        let run = crate::commands::undo(settings, &root, &journal, &request, start)?;
        return Ok(exit_code(&run));
    }
    if let Command::Clone {
        items,
        list,
        base_url,
    } = &settings.command
    {
        let run = crate::commands::clone(settings, items, list.as_deref(), base_url, start)?;
        return Ok(exit_code(&run));
    }
    let mut notes = Vec::new();
    let content = match &settings.command {
        Command::LicenseUpdate {
            old,
            new,
            license_file,
            ids_only,
            copyright,
            rewrite_vendored,
            ..
        } => {
            let (update, said) = ops::license::LicenseUpdate::from_request(
                old,
                new,
                license_file.as_deref(),
                *ids_only,
                &ops::license::Options {
                    copyright: copyright.clone(),
                    rewrite_vendored: *rewrite_vendored,
                    in_policy: false,
                },
            )
            .map_err(UsageError::Request)?;
            notes = said;
            Some(ContentOp::License(update))
        }
        Command::FileReplace {
            pattern,
            replacement,
            create,
            to,
            ..
        } => Some(ContentOp::Replace(
            ops::replace::FileReplace::from_request(pattern, replacement, *create, to.as_deref())
                .map_err(UsageError::Request)?,
        )),
        Command::Check { policy } => {
            let policy = policy.as_ref().unwrap_or(&config.policy);
            let (rules, fixes) = ops::content::policy_rules(policy, &settings.selection.root)
                .map_err(UsageError::Request)?;
            Some(ContentOp::Policy(rules, fixes))
        }
        Command::Exec { argv } => {
            // A program PATH does not have would fail in every repository: said once, up front.
            ops::exec::check_on_path(argv).map_err(UsageError::Request)?;
            None
        }
        _ => None,
    };
    let (root, mut repos) = targets::select(&settings.selection, cwd, &config, last_failed)?;
    if !settings.selection.filters.is_empty() {
        let workers = settings.workers(repos.len(), true);
        repos = match keep_where(repos, &settings.selection.filters, workers) {
            Ok(kept) => kept,
            Err(message) => return Ok(internal_error(&message)),
        };
    }
    let workers = settings.workers(repos.len(), settings.command.is_local_read());
    let header = RunHeader {
        command: settings.command.name(),
        run_id: None,
        root,
        dry_run: settings.dry_run || header_check(&settings.command),
        total: repos.len(),
        workers,
        notes,
        check: header_check(&settings.command),
        fixes: crate::fixes::at_depth(
            crate::fixes::check_fixes(&settings.command),
            settings.selection.depth,
        ),
    };
    let run = match &settings.command {
        Command::List => list(settings, header, &repos, start),
        Command::Status => in_pool(
            settings,
            header,
            &repos,
            Layout::Table,
            start,
            ops::status::status,
        ),
        Command::Exec { argv } => {
            let timeout = settings.timeout;
            in_pool(
                settings,
                header,
                &repos,
                Layout::Blocks,
                start,
                |repo: &Repo| ops::exec::exec(repo, argv, timeout),
            )
        }
        Command::Sync {
            message,
            pull,
            push,
        } => {
            let options = ops::sync::SyncOptions {
                message: message.clone(),
                pull: *pull,
                push: *push,
                dry_run: settings.dry_run,
                timeout: settings.timeout,
                run_id: String::new(),
            };
            crate::commands::sync(settings, header, repos, options, &journal, start)?
        }
        Command::LicenseUpdate { old, new, edit, .. } => {
            let message = edit.message.clone().unwrap_or_else(|| {
                let (old, new) = (
                    crate::license::ids::canonical(old),
                    crate::license::ids::canonical(new),
                );
                format!("chore: change license from {old} to {new}")
            });
            let Some(update) = &content else {
                unreachable!("validated above")
            };
            let options = edit_options(settings, edit, message);
            let decide = |snapshot: &ops::edit::Snapshot| update.decide_noting(snapshot);
            crate::commands::edit(settings, header, repos, options, &decide, &journal, start)?
        }
        Command::FileReplace { edit, .. } => {
            let Some(ContentOp::Replace(replace)) = &content else {
                unreachable!("validated above")
            };
            let message = edit
                .message
                .clone()
                .unwrap_or_else(|| replace.default_message());
            let replace = ContentOp::Replace(replace.clone());
            let options = edit_options(settings, edit, message);
            let decide = |snapshot: &ops::edit::Snapshot| replace.decide_noting(snapshot);
            crate::commands::edit(settings, header, repos, options, &decide, &journal, start)?
        }
        Command::Check { .. } => {
            let Some(policy @ ContentOp::Policy(_, fixes)) = &content else {
                unreachable!("validated above")
            };
            let mut header = header;
            header.check = true;
            header.dry_run = true;
            header.fixes = crate::fixes::at_depth(fixes.clone(), settings.selection.depth);
            let options = ops::edit::EditOptions {
                mode: ops::edit::Mode::Check,
                diff: false,
                commit: false,
                push: false,
                message: String::new(),
                timeout: settings.timeout,
                run_id: String::new(),
            };
            let decide = |snapshot: &ops::edit::Snapshot| policy.decide_noting(snapshot);
            crate::commands::edit(settings, header, repos, options, &decide, &journal, start)?
        }
        Command::Undo { .. }
        | Command::Runs
        | Command::RunsPrune { .. }
        | Command::Clone { .. }
        | Command::Completions { .. }
        | Command::Manpages { .. } => unreachable!("handled above"),
    };
    // A check fails on drift, and also where it could not decide: a skipped repository was not
    // checked, and must not pass a CI job or a pre-push hook.
    if header_check(&settings.command) && (run.summary.changed > 0 || run.summary.skipped > 0) {
        return Ok(exit_code(&run).merge(ExitCode::Failure));
    }
    Ok(exit_code(&run))
}

/// Whether the command is a content operation's `--check` (which writes nothing).
fn header_check(command: &Command) -> bool {
    matches!(
        command,
        Command::LicenseUpdate { edit, .. } | Command::FileReplace { edit, .. } if edit.check
    ) || matches!(command, Command::Check { .. })
}

/// How a content operation runs, from its flags.
fn edit_options(
    settings: &Settings,
    flags: &crate::settings::EditFlags,
    message: String,
) -> ops::edit::EditOptions {
    use ops::edit::Mode;
    ops::edit::EditOptions {
        mode: if flags.check {
            Mode::Check
        } else if settings.dry_run {
            Mode::DryRun
        } else {
            Mode::Apply
        },
        diff: flags.diff,
        commit: flags.commit,
        push: flags.push,
        message,
        timeout: settings.timeout,
        run_id: String::new(),
    }
}

/// An internal error found before any repository was touched: said on stderr, exit 1.
fn internal_error(message: &str) -> ExitCode {
    report::print_error(message);
    ExitCode::Failure
}

fn exit_code(run: &RunReport) -> ExitCode {
    let mut code = if run.summary.failed > 0 || run.internal_error.is_some() {
        ExitCode::Failure
    } else {
        ExitCode::Success
    };
    if run.interrupted {
        code = code.merge(ExitCode::Interrupted);
    }
    code
}

/// `list`: nothing runs per repository; names (or the JSON document) are printed at once.
fn list(settings: &Settings, header: RunHeader, repos: &[Repo], start: Instant) -> RunReport {
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
        summary: Summary::of(&reports, start.elapsed()),
        repos: reports,
        interrupted: false,
        not_started: 0,
        notes: Vec::new(),
        internal_error: None,
    };
    match settings.format {
        Format::Human => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            for repo in repos {
                if let Some(reason) = repo.refusal() {
                    // Not a name a script could use: said on stderr, not listed.
                    let name = crate::escape::controls(&repo.name);
                    report::print_warning(&format!("{name} skipped: {reason}"));
                    continue;
                }
                if let Some(err) = &repo.unreadable {
                    // Not known to match: said on stderr, not listed; the exit status is 1.
                    let name = crate::escape::controls(&repo.name);
                    report::print_warning(&format!("{name} failed: {err}"));
                    continue;
                }
                // Escaped as in every human output: a name is one line, whatever it holds.
                let name = crate::escape::controls(&repo.name);
                let line = if settings.verbosity == crate::settings::Verbosity::Verbose {
                    format!("{name}\t{}\n", crate::escape::path(&repo.path))
                } else {
                    format!("{name}\n")
                };
                if !report::wrote(out.write_all(line.as_bytes())) {
                    break;
                }
            }
        }
        _ => {
            let mut printer =
                Printer::new(settings.format, settings.verbosity, Layout::Lines, header);
            printer.start();
            for report in &run.repos {
                printer.finished(report);
            }
            printer.finish(&run);
        }
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_whose_printer_panicked_never_exits_0() {
        let run = RunReport {
            command: "sync".into(),
            run_id: Some("20261201T000000Z-0000".into()),
            root: "/nowhere".into(),
            dry_run: false,
            repos: Vec::new(),
            summary: Summary::default(),
            interrupted: false,
            not_started: 3,
            notes: Vec::new(),
            internal_error: Some("internal error (please report it): boom".into()),
        };
        assert_eq!(exit_code(&run), ExitCode::Failure);
    }
}
