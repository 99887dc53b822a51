//! `runs prune`: forgets the runs a rule names — their refs inside each repository first, then
//! their journal records — and says which runs it kept, and why.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::engine::RunGuard;
use crate::error::UsageError;
use crate::exit::ExitCode;
use crate::git;
use crate::journal::{Journal, Kept, PruneRule, RunRecord, is_run_ref};
use crate::report::{self, PruneDocument, PruneFailure as Failure, PrunedRun as Listed};
use crate::settings::Settings;

/// `runs prune`: forgets the runs `rule` names on `root`. A repository that is no longer there
/// is reported; one whose refs cannot be deleted fails the command (exit 1), and the runs whose
/// refs it holds are kept, so that a later prune can finish the work.
pub fn prune(
    settings: &Settings,
    root: &Path,
    journal: &Journal,
    rule: &PruneRule,
) -> Result<ExitCode, UsageError> {
    let dry_run = settings.dry_run;
    let _guard = RunGuard::lock(journal, root, "runs prune", !dry_run)?;
    let (chosen, mut kept) = rule.choose(journal.runs_for(root)?, SystemTime::now());
    let mut cleared = clear_refs(&chosen, dry_run);
    let mut pruned: Vec<RunRecord> = Vec::new();
    for run in chosen {
        if cleared.held.contains(&run.run_id) {
            kept.push(Kept {
                run,
                reason: "some of its refs could not be deleted (see the errors)".into(),
            });
            continue;
        }
        if !dry_run {
            if let Err(err) = journal.forget(&run) {
                cleared.failed.push(Failure {
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
    let document = PruneDocument {
        command: "runs prune",
        root,
        dry_run,
        pruned: pruned
            .iter()
            .map(|run| Listed {
                run_id: &run.run_id,
                command: &run.command,
                started: &run.started,
                refs: Some(cleared.refs_of.get(&run.run_id).copied().unwrap_or(0)),
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
        missing: &cleared.missing,
        failed: &cleared.failed,
    };
    report::print_prune(settings.format, &document);
    Ok(if cleared.failed.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Failure
    })
}

/// What deleting the chosen runs' refs found, repository by repository.
#[derive(Debug, Default)]
struct Cleared {
    /// How many refs each run had (deleted, or that a dry run would delete).
    refs_of: BTreeMap<String, usize>,
    /// Repositories that are no longer there.
    missing: Vec<PathBuf>,
    /// Repositories whose refs could not be listed or deleted.
    failed: Vec<Failure>,
    /// The runs with a ref in a failed repository: they are kept.
    held: BTreeSet<String>,
}

/// Deletes the refs of the `chosen` runs in each of their repositories (a dry run only counts
/// them).
fn clear_refs(chosen: &[RunRecord], dry_run: bool) -> Cleared {
    let mut ids_of: BTreeMap<&Path, BTreeSet<&str>> = BTreeMap::new();
    for run in chosen {
        for repo in &run.repos {
            ids_of
                .entry(repo.path.as_path())
                .or_default()
                .insert(run.run_id.as_str());
        }
    }
    let mut cleared = Cleared::default();
    let mut seen: BTreeSet<(PathBuf, String)> = BTreeSet::new();
    for (path, ids) in &ids_of {
        let opened = match git::open(path) {
            Ok(opened) => opened,
            Err(_) if !path.join(".git").exists() => {
                cleared.missing.push(path.to_path_buf());
                continue;
            }
            Err(err) => {
                cleared.fail(path, ids, err.to_string());
                continue;
            }
        };
        // A repository and its linked worktrees share their refs: count each ref once.
        let common = std::fs::canonicalize(opened.common_dir())
            .unwrap_or_else(|_| opened.common_dir().to_path_buf());
        let deleted = git::refs::names_under(&opened, "refs/git-batch/").and_then(|names| {
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
        match deleted {
            Ok(names) => {
                for name in names {
                    if let Some(id) = ids.iter().find(|id| is_run_ref(&name, id)) {
                        *cleared.refs_of.entry((*id).to_owned()).or_default() += 1;
                    }
                }
            }
            Err(err) => cleared.fail(path, ids, err.to_string()),
        }
    }
    cleared
}

impl Cleared {
    /// `path` failed with `message`: the runs `ids` it holds refs of are kept.
    fn fail(&mut self, path: &Path, ids: &BTreeSet<&str>, message: String) {
        self.failed.push(Failure {
            path: path.to_path_buf(),
            message,
        });
        self.held.extend(ids.iter().map(|id| (*id).to_owned()));
    }
}
