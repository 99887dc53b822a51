//! The front door: the command line parsed once into settings, then one `match` on the command,
//! one short function a command. Each resolves what its command needs and hands the run to
//! `commands` or the engine; only `report` prints.

use std::ffi::OsString;
use std::path::Path;

use crate::cli;
use crate::engine::in_pool;
use crate::error::UsageError;
use crate::exit::ExitCode;
use crate::journal::PruneRule;
use crate::ops;
use crate::ops::content::ContentOp;
use crate::ops::edit::{EditOptions, Mode, Snapshot};
use crate::outcome::RunReport;
use crate::report::{self, Layout};
use crate::settings::{Command, EditFlags, Settings};

mod context;
mod list;
mod watch;

use context::Context;

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

/// Runs `settings` from `cwd`: the one match on the command. Per-repository failures are in the
/// exit code, not `Err`.
pub fn run(settings: &Settings, cwd: &Path) -> Result<ExitCode, UsageError> {
    let context = || Context::open(settings, cwd);
    match &settings.command {
        // Nothing is written to standard output before a failure: exit 2, with the reason.
        Command::Completions { shell } => Ok(cli::manuals::completions(shell)),
        Command::Manpages { dir } => Ok(cli::manuals::manpages(dir)),
        Command::List => list::list(&context()?),
        Command::Status => status(&context()?),
        Command::Exec { argv } => exec(&context()?, argv),
        Command::Sync {
            message,
            pull,
            push,
            branch,
        } => sync(&context()?, message, *pull, *push, branch.as_ref()),
        Command::LicenseUpdate {
            old,
            new,
            license_file,
            ids_only,
            copyright,
            rewrite_vendored,
            edit,
        } => {
            let options = ops::license::Options {
                copyright: copyright.clone(),
                rewrite_vendored: *rewrite_vendored,
                in_policy: false,
            };
            let file = license_file.as_deref();
            license_update(&context()?, [old, new], file, *ids_only, &options, edit)
        }
        Command::FileReplace {
            pattern,
            replacement,
            create,
            to,
            edit,
        } => file_replace(
            &context()?,
            pattern,
            replacement,
            *create,
            to.as_deref(),
            edit,
        ),
        Command::Check { policy } => check(&context()?, policy.as_ref()),
        Command::Clone { org: Some(org), .. } => clone_org(&context()?, org),
        Command::Clone {
            items,
            list,
            base_url,
            org: None,
        } => clone(&context()?, items, list.as_deref(), base_url),
        Command::Undo { run_id, push } => undo(&context()?, run_id.as_deref(), *push),
        Command::Prs { run_id, action } => prs(&context()?, run_id.as_deref(), *action),
        Command::Runs => runs(&context()?),
        Command::Watch(options) => watch::watch(settings, cwd, options),
        Command::RunsPrune { older_than, keep } => runs_prune(
            &context()?,
            &PruneRule {
                older_than: *older_than,
                keep: *keep,
            },
        ),
    }
}

/// `status`: read in process, one table at the end.
fn status(context: &Context<'_>) -> Result<ExitCode, UsageError> {
    let (root, repos) = context.select()?;
    let header = context.header(root, &repos, Vec::new());
    let run = in_pool(
        &context.settings,
        header,
        &repos,
        Layout::Table,
        context.start,
        ops::status::status,
    );
    Ok(exit_code(&run))
}

/// `exec -- CMD`: CMD in each repository, its output as one block each.
fn exec(context: &Context<'_>, argv: &[OsString]) -> Result<ExitCode, UsageError> {
    // A program PATH does not have would fail in every repository: said once, up front.
    ops::exec::check_on_path(argv).map_err(UsageError::Request)?;
    let (root, repos) = context.select()?;
    let header = context.header(root, &repos, Vec::new());
    let timeout = context.settings.timeout;
    let run = in_pool(
        &context.settings,
        header,
        &repos,
        Layout::Blocks,
        context.start,
        |repo: &crate::targets::Repo| ops::exec::exec(repo, argv, timeout),
    );
    Ok(exit_code(&run))
}

/// `sync`: commit, optionally rebase, push.
fn sync(
    context: &Context<'_>,
    message: &str,
    pull: bool,
    push: bool,
    branch: Option<&ops::change::BranchOptions>,
) -> Result<ExitCode, UsageError> {
    let (root, repos) = context.select()?;
    let header = context.header(root, &repos, Vec::new());
    let settings = &context.settings;
    let options = ops::sync::SyncOptions {
        message: message.to_owned(),
        pull,
        push,
        branch: branch.cloned(),
        dry_run: settings.dry_run,
        timeout: settings.timeout,
        run_id: String::new(),
    };
    let forges = match branch {
        Some(branch) if branch.pr.is_some() && !settings.dry_run => Some(
            context
                .config
                .forges()
                .map_err(|err| UsageError::Request(err.to_string()))?,
        ),
        _ => None,
    };
    let run = crate::commands::sync(
        settings,
        header,
        repos,
        options,
        &context.journal,
        context.start,
        forges,
    )?;
    Ok(exit_code(&run))
}

/// `license-update --old OLD --new NEW`: validated, then run as a content operation.
fn license_update(
    context: &Context<'_>,
    [old, new]: [&String; 2],
    license_file: Option<&Path>,
    ids_only: bool,
    options: &ops::license::Options,
    flags: &EditFlags,
) -> Result<ExitCode, UsageError> {
    let (update, notes) =
        ops::license::LicenseUpdate::from_request(old, new, license_file, ids_only, options)
            .map_err(UsageError::Request)?;
    let message = flags.message.clone().unwrap_or_else(|| {
        let (old, new) = (
            crate::license::ids::canonical(old),
            crate::license::ids::canonical(new),
        );
        format!("chore: change license from {old} to {new}")
    });
    let run = content(context, &ContentOp::License(update), notes, flags, message)?;
    Ok(checked(&run, flags.check))
}

/// `file-replace --pattern PATH --replacement FILE`: validated, then run as a content operation.
fn file_replace(
    context: &Context<'_>,
    pattern: &str,
    replacement: &Path,
    create: bool,
    to: Option<&str>,
    flags: &EditFlags,
) -> Result<ExitCode, UsageError> {
    let replace = ops::replace::FileReplace::from_request(pattern, replacement, create, to)
        .map_err(UsageError::Request)?;
    let message = flags
        .message
        .clone()
        .unwrap_or_else(|| replace.default_message());
    let op = ContentOp::Replace(replace.clone());
    let run = content(context, &op, Vec::new(), flags, message)?;
    // Like `git add` with a pathspec that matches nothing: said, and not a success.
    if let Some(said) = replace.matched_nowhere(&run) {
        report::print_error(&said);
        return Ok(checked(&run, flags.check).merge(ExitCode::Failure));
    }
    Ok(checked(&run, flags.check))
}

/// A content operation from its flags: applied, a dry run, or a check of what it would change.
/// The caller says what its run means for the exit code.
fn content(
    context: &Context<'_>,
    op: &ContentOp,
    notes: Vec<String>,
    flags: &EditFlags,
    message: String,
) -> Result<RunReport, UsageError> {
    let settings = &context.settings;
    let (root, repos) = context.select()?;
    let mut header = context.header(root, &repos, notes);
    if flags.check {
        header = context.checking(header, crate::fixes::check_fixes(&settings.command));
    }
    let mode = if flags.check {
        Mode::Check
    } else if settings.dry_run {
        Mode::DryRun
    } else {
        Mode::Apply
    };
    let options = EditOptions {
        mode,
        diff: flags.diff,
        commit: flags.commit,
        push: flags.push,
        message,
        timeout: settings.timeout,
        run_id: String::new(),
        branch: flags.branch.clone(),
    };
    let forges = match &flags.branch {
        Some(branch) if branch.pr.is_some() && mode == Mode::Apply => Some(
            context
                .config
                .forges()
                .map_err(|err| UsageError::Request(err.to_string()))?,
        ),
        _ => None,
    };
    let decide = |snapshot: &Snapshot| op.decide_noting(snapshot);
    crate::commands::edit(
        settings,
        header,
        repos,
        options,
        &decide,
        &context.journal,
        context.start,
        forges,
    )
}

/// `check`: every rule of the policy (the one given, else `.git-batch.toml`'s), written nowhere.
fn check(
    context: &Context<'_>,
    policy: Option<&crate::config::Policy>,
) -> Result<ExitCode, UsageError> {
    let settings = &context.settings;
    let policy = policy.unwrap_or(&context.config.policy);
    let (rules, fixes) = ops::content::policy_rules(policy, &settings.selection.root)
        .map_err(UsageError::Request)?;
    let (root, repos) = context.select()?;
    let header = context.header(root, &repos, Vec::new());
    let header = context.checking(header, fixes.clone());
    let options = EditOptions {
        mode: Mode::Check,
        diff: false,
        commit: false,
        push: false,
        message: String::new(),
        timeout: settings.timeout,
        run_id: String::new(),
        branch: None,
    };
    let policy = ContentOp::Policy(rules, fixes);
    let decide = |snapshot: &Snapshot| policy.decide_noting(snapshot);
    let run = crate::commands::edit(
        settings,
        header,
        repos,
        options,
        &decide,
        &context.journal,
        context.start,
        None,
    )?;
    Ok(checked(&run, true))
}

/// `clone URL…`: into the root, which is made if missing.
fn clone(
    context: &Context<'_>,
    items: &[String],
    list: Option<&Path>,
    base_url: &str,
) -> Result<ExitCode, UsageError> {
    let run = crate::commands::clone(&context.settings, items, list, base_url, context.start)?;
    Ok(exit_code(&run))
}

/// `clone --org OWNER`: the owner's repositories as the forge lists them, into the root.
fn clone_org(
    context: &Context<'_>,
    org: &crate::settings::OrgListing,
) -> Result<ExitCode, UsageError> {
    let forges = context
        .config
        .forges()
        .map_err(|err| UsageError::Request(err.to_string()))?;
    let run =
        crate::commands::clone_org(&context.settings, &forges, org, context.cwd, context.start)?;
    Ok(exit_code(&run))
}

/// `undo [RUN_ID]`: the whole run, or with a narrowing flag only the run's repositories that
/// the selection names.
fn undo(context: &Context<'_>, run_id: Option<&str>, push: bool) -> Result<ExitCode, UsageError> {
    let root = context.root()?;
    let only = context.narrowed_paths()?;
    let request = crate::commands::UndoRequest {
        run_id,
        push,
        only,
        forges: &context.config.forges,
    };
    let run = crate::commands::undo(
        &context.settings,
        &root,
        &context.journal,
        &request,
        context.start,
    )?;
    Ok(exit_code(&run))
}

/// `prs [RUN_ID]`: the change requests of a run, or with a narrowing flag those of the
/// repositories the selection names.
fn prs(
    context: &Context<'_>,
    run_id: Option<&str>,
    action: crate::settings::PrsAction,
) -> Result<ExitCode, UsageError> {
    let root = context.root()?;
    let only = context.narrowed_paths()?;
    let request = crate::commands::PrsRequest {
        run_id,
        action,
        only,
        forges: &context.config.forges,
    };
    let run = crate::commands::prs(
        &context.settings,
        &root,
        &context.journal,
        &request,
        context.start,
    )?;
    Ok(exit_code(&run))
}

/// `runs`: the journal's runs for this root.
fn runs(context: &Context<'_>) -> Result<ExitCode, UsageError> {
    let root = context.root()?;
    let (runs, damaged) = context.journal.scan(&root)?;
    report::print_runs(context.settings.format, &root, &runs, &damaged);
    Ok(ExitCode::Success)
}

/// `runs prune`: forgets the runs `rule` names, with their refs.
fn runs_prune(context: &Context<'_>, rule: &PruneRule) -> Result<ExitCode, UsageError> {
    let root = context.root()?;
    crate::commands::prune(&context.settings, &root, &context.journal, rule)
}

/// A check fails on drift, and also where it could not decide: a skipped repository was not
/// checked, and must not pass a CI job or a pre-push hook.
fn checked(run: &RunReport, check: bool) -> ExitCode {
    if check && (run.summary.changed > 0 || run.summary.skipped > 0) {
        return exit_code(run).merge(ExitCode::Failure);
    }
    exit_code(run)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Summary;

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
