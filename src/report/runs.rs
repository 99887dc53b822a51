//! The journal's listings: `runs` (the runs recorded for a root) and `runs prune` (what was
//! forgotten and what was kept, and why), as text or as one JSON document.

use std::io::Write;
use std::path::{Path, PathBuf};

use owo_colors::OwoColorize;
use serde::Serialize;

use crate::journal::{DamagedRecord, RunRecord};
use crate::outcome::Outcome;
use crate::settings::Format;

/// The JSON document of `runs` (fields in the order the document has always had them).
#[derive(Debug, Serialize)]
struct RunsDocument<'a> {
    command: &'static str,
    root: &'a Path,
    runs: Vec<ListedRun<'a>>,
}

/// One run in `runs`'s JSON document: what the journal says of it, and its outcome counts.
#[derive(Debug, Serialize)]
struct ListedRun<'a> {
    changed: usize,
    command: &'a str,
    failed: usize,
    finished: Option<&'a str>,
    run_id: &'a str,
    skipped: usize,
    started: &'a str,
    total: usize,
    unchanged: usize,
    undoes: Option<&'a str>,
    undone_by: Option<&'a str>,
    /// Repositories the run had started on and never settled (it was killed, or the machine
    /// went down): not failed, not counted in `failed`; `undo` takes back what it did there.
    unfinished: usize,
}

impl<'a> ListedRun<'a> {
    fn of(run: &'a RunRecord) -> ListedRun<'a> {
        // A repository still marked started has no outcome of its own: the run ended there.
        let count = |outcome| {
            run.repos
                .iter()
                .filter(|r| !r.started && r.outcome == outcome)
                .count()
        };
        ListedRun {
            changed: count(Outcome::Changed),
            command: &run.command,
            failed: count(Outcome::Failed),
            finished: run.finished.as_deref(),
            run_id: &run.run_id,
            skipped: count(Outcome::Skipped),
            started: &run.started,
            total: run.repos.len(),
            unchanged: count(Outcome::Unchanged),
            undoes: run.undoes.as_deref(),
            undone_by: run.undone_by.as_deref(),
            unfinished: run.repos.iter().filter(|r| r.started).count(),
        }
    }
}

/// `runs`: the journal's runs for `root`, oldest first; a damaged record is said on stderr.
pub fn print_runs(format: Format, root: &Path, runs: &[RunRecord], damaged: &[DamagedRecord]) {
    for damaged in damaged {
        let path = crate::escape::controls(&damaged.path.to_string_lossy()).into_owned();
        let mut err = anstream::stderr();
        let _ = writeln!(
            err,
            "warning: the record of run {} ({path}) is damaged ({}); `git batch undo {}` says \
             what can still be done",
            damaged.run_id, damaged.message, damaged.run_id
        );
    }
    let mut out = anstream::stdout();
    if format != Format::Human {
        let document = RunsDocument {
            command: "runs",
            root,
            runs: runs.iter().map(ListedRun::of).collect(),
        };
        let text = serde_json::to_string(&document).unwrap_or_default();
        super::wrote(writeln!(out, "{text}"));
        return;
    }
    if runs.is_empty() {
        super::wrote(writeln!(out, "no runs recorded for {}", root.display()));
        return;
    }
    // `license-update` is the longest command name; pad to the longest listed so columns align.
    let command_width = runs.iter().map(|run| run.command.len()).max().unwrap_or(0);
    for run in runs {
        let listed = ListedRun::of(run);
        let state = match (&run.undone_by, &run.finished) {
            (Some(by), _) => format!(" (undone by {by})"),
            (None, None) => " (did not finish)".to_owned(),
            _ => String::new(),
        };
        let unfinished = match listed.unfinished {
            0 => String::new(),
            n => format!(", {} unfinished", n.to_string().yellow()),
        };
        super::wrote(writeln!(
            out,
            "{}  {}  {:<command_width$}  {} changed, {} skipped, {} failed{unfinished}, {} total{}",
            run.run_id.bold(),
            run.started,
            run.command,
            listed.changed,
            listed.skipped,
            listed.failed.to_string().red(),
            listed.total,
            state.yellow()
        ));
    }
}

/// One run in `runs prune`'s document: pruned (with the refs deleted) or kept (with the reason).
#[derive(Debug, Serialize)]
pub struct PrunedRun<'a> {
    pub run_id: &'a str,
    pub command: &'a str,
    pub started: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refs: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
}

/// A repository whose refs could not be listed or deleted (no path: the journal itself).
#[derive(Debug, Serialize)]
pub struct PruneFailure {
    pub path: PathBuf,
    pub message: String,
}

/// The JSON document of `runs prune`.
#[derive(Debug, Serialize)]
pub struct PruneDocument<'a> {
    pub command: &'static str,
    pub root: &'a Path,
    pub dry_run: bool,
    pub pruned: Vec<PrunedRun<'a>>,
    pub kept: Vec<PrunedRun<'a>>,
    /// Repositories of pruned runs that are no longer there (nothing to delete in them).
    pub missing: &'a [PathBuf],
    pub failed: &'a [PruneFailure],
}

/// `runs prune`: the errors on stderr, then the runs pruned and kept, or the JSON document.
pub fn print_prune(format: Format, document: &PruneDocument<'_>) {
    for failure in document.failed {
        let path = crate::escape::path(&failure.path);
        let at = if path.is_empty() {
            String::new()
        } else {
            format!("{path}: ")
        };
        super::print_error(&format!("{at}{}", failure.message));
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
