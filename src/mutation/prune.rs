//! `runs prune`: forgets the runs a rule names — their refs inside each repository first, then
//! their journal records — and says which runs it kept, and why.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use super::LOCK_PATIENCE;
use crate::exit::ExitCode;
use crate::git;
use crate::journal::{Journal, JournalError, Kept, PruneRule, RootLock, RunRecord, is_run_ref};
use crate::settings::{Format, Settings};

/// One run in the JSON document: pruned (with the refs deleted) or kept (with the reason).
#[derive(Debug, Serialize)]
struct Listed<'a> {
    run_id: &'a str,
    command: &'a str,
    started: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refs: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

/// A repository whose refs could not be listed or deleted.
#[derive(Debug, Serialize)]
struct Failure {
    path: PathBuf,
    message: String,
}

/// The JSON document of `runs prune`.
#[derive(Debug, Serialize)]
struct Document<'a> {
    command: &'static str,
    root: &'a Path,
    dry_run: bool,
    pruned: Vec<Listed<'a>>,
    kept: Vec<Listed<'a>>,
    /// Repositories of pruned runs that are no longer there (nothing to delete in them).
    missing: &'a [PathBuf],
    failed: &'a [Failure],
}

/// `runs prune`: forgets the runs `rule` names on `root`. A repository that is no longer there
/// is reported; one whose refs cannot be deleted fails the command (exit 1), and the runs whose
/// refs it holds are kept, so that a later prune can finish the work.
pub fn prune(
    settings: &Settings,
    root: &Path,
    journal: &Journal,
    rule: &PruneRule,
) -> Result<ExitCode, JournalError> {
    let dry_run = settings.dry_run;
    let _lock = if dry_run {
        None
    } else {
        Some(RootLock::acquire(root, LOCK_PATIENCE)?)
    };
    let (chosen, mut kept) = rule.choose(journal.runs_for(root)?, SystemTime::now());
    let mut ids_of: BTreeMap<&Path, BTreeSet<&str>> = BTreeMap::new();
    for run in &chosen {
        for repo in &run.repos {
            ids_of
                .entry(repo.path.as_path())
                .or_default()
                .insert(run.run_id.as_str());
        }
    }
    let mut refs_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen: BTreeSet<(PathBuf, String)> = BTreeSet::new();
    let (mut missing, mut failed) = (Vec::new(), Vec::new());
    let mut held: BTreeSet<String> = BTreeSet::new();
    for (path, ids) in &ids_of {
        let opened = match git::open(path) {
            Ok(opened) => opened,
            Err(_) if !path.join(".git").exists() => {
                missing.push(path.to_path_buf());
                continue;
            }
            Err(err) => {
                failed.push(Failure {
                    path: path.to_path_buf(),
                    message: err.to_string(),
                });
                held.extend(ids.iter().map(|id| (*id).to_owned()));
                continue;
            }
        };
        // A repository and its linked worktrees share their refs: count each ref once.
        let common = std::fs::canonicalize(opened.common_dir())
            .unwrap_or_else(|_| opened.common_dir().to_path_buf());
        let cleared = git::refs::names_under(&opened, "refs/git-batch/").and_then(|names| {
            let mine: Vec<String> = names
                .into_iter()
                .filter(|name| ids.iter().any(|id| is_run_ref(name, id)))
                .filter(|name| seen.insert((common.clone(), name.clone())))
                .collect();
            if !dry_run && !mine.is_empty() {
                git::refs::delete_refs_in(&opened, &mine)?;
            }
            Ok(mine)
        });
        match cleared {
            Ok(names) => {
                for name in names {
                    if let Some(id) = ids.iter().find(|id| is_run_ref(&name, id)) {
                        *refs_of.entry((*id).to_owned()).or_default() += 1;
                    }
                }
            }
            Err(err) => {
                failed.push(Failure {
                    path: path.to_path_buf(),
                    message: err.to_string(),
                });
                held.extend(ids.iter().map(|id| (*id).to_owned()));
            }
        }
    }
    let mut pruned: Vec<RunRecord> = Vec::new();
    for run in chosen {
        if held.contains(&run.run_id) {
            kept.push(Kept {
                run,
                reason: "some of its refs could not be deleted (see the errors)".into(),
            });
            continue;
        }
        if !dry_run {
            if let Err(err) = journal.forget(&run) {
                failed.push(Failure {
                    path: PathBuf::new(),
                    message: err.to_string(),
                });
                kept.push(Kept {
                    run,
                    reason: "its record could not be removed (see the errors)".into(),
                });
                continue;
            }
        }
        pruned.push(run);
    }
    kept.sort_by(|a, b| a.run.run_id.cmp(&b.run.run_id));
    let document = Document {
        command: "runs prune",
        root,
        dry_run,
        pruned: pruned
            .iter()
            .map(|run| Listed {
                run_id: &run.run_id,
                command: &run.command,
                started: &run.started,
                refs: Some(refs_of.get(&run.run_id).copied().unwrap_or(0)),
                reason: None,
            })
            .collect(),
        kept: kept
            .iter()
            .map(|kept| Listed {
                run_id: &kept.run.run_id,
                command: &kept.run.command,
                started: &kept.run.started,
                refs: None,
                reason: Some(&kept.reason),
            })
            .collect(),
        missing: &missing,
        failed: &failed,
    };
    print(settings.format, &document);
    Ok(if failed.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Failure
    })
}

fn print(format: Format, document: &Document<'_>) {
    use owo_colors::OwoColorize;
    use std::io::Write;
    for failure in document.failed {
        let path = crate::escape::path(&failure.path);
        let at = if path.is_empty() {
            String::new()
        } else {
            format!("{path}: ")
        };
        crate::report::print_error(&format!("{at}{}", failure.message));
    }
    let mut out = anstream::stdout();
    if format != Format::Human {
        let text = serde_json::to_string(document).unwrap_or_default();
        let _ = writeln!(out, "{text}");
        return;
    }
    let verb = if document.dry_run {
        "would prune"
    } else {
        "pruned"
    };
    let width = document
        .pruned
        .iter()
        .chain(&document.kept)
        .map(|run| run.command.len())
        .max()
        .unwrap_or(0);
    for run in &document.pruned {
        let refs = run.refs.unwrap_or(0);
        let plural = if refs == 1 { "" } else { "s" };
        let _ = writeln!(
            out,
            "{verb} {}  {}  {:<width$}  {refs} ref{plural}",
            run.run_id.bold(),
            run.started,
            run.command
        );
    }
    for run in &document.kept {
        let _ = writeln!(
            out,
            "kept {}  {}  {:<width$}  {}",
            run.run_id.bold(),
            run.started,
            run.command,
            run.reason.unwrap_or_default().yellow()
        );
    }
    for path in document.missing {
        let _ = writeln!(
            out,
            "note: {} is no longer there; nothing to delete in it",
            crate::escape::path(path)
        );
    }
    let (pruned, kept) = (document.pruned.len(), document.kept.len());
    let runs = |n: usize| if n == 1 { "run" } else { "runs" };
    let summary = if document.dry_run {
        format!(
            "{pruned} {} would be pruned, {kept} kept (dry run: nothing removed)",
            runs(pruned)
        )
    } else {
        format!("{pruned} {} pruned, {kept} kept", runs(pruned))
    };
    let _ = writeln!(out, "{summary}");
}
