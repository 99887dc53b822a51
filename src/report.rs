//! The one place that prints. It owns stdout for the whole run: the header, a live progress bar
//! on a terminal, a line (or an output block) per finished repository, the summary, or the JSON.

use std::io::Write;

use anstream::AutoStream;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use owo_colors::OwoColorize;
use unicode_width::UnicodeWidthStr;

use crate::escape::{self, controls};
use crate::git::{RepoState, RepoStatus};
use crate::outcome::{Details, Outcome, RepoReport, RunReport, Summary};
use crate::settings::{Format, Verbosity};

mod color;
mod written;
pub use color::apply_color;
pub use written::{output_error, wrote};

/// What the printer needs to know about the run before the first repository finishes.
#[derive(Debug, Clone)]
pub struct RunHeader {
    pub command: &'static str,
    pub run_id: Option<String>,
    pub root: std::path::PathBuf,
    pub dry_run: bool,
    pub total: usize,
    pub workers: usize,
    /// Things said once for the whole run (a host that refused), printed after the header.
    pub notes: Vec<String>,
    /// `--check`: a repository that would change is a finding, listed at the end.
    pub check: bool,
    /// For `check` and `--check`: the commands (and their flags, quoted for the shell, without
    /// `git batch` and the targets) that bring a drifted repository in line, said at the end.
    pub fixes: Vec<String>,
}

/// How a command's results are laid out for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A line per repository as it finishes.
    Lines,
    /// A line per repository, then its captured output as one block.
    Blocks,
    /// Nothing while running; one aligned table, sorted, at the end.
    Table,
}

/// Prints a run. Created, used and dropped on the printer thread.
pub struct Printer {
    format: Format,
    verbosity: Verbosity,
    layout: Layout,
    header: RunHeader,
    out: AutoStream<std::io::Stdout>,
    bar: Option<ProgressBar>,
    finished: usize,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("format", &self.format)
            .field("layout", &self.layout)
            .finish_non_exhaustive()
    }
}

impl Printer {
    pub fn new(format: Format, verbosity: Verbosity, layout: Layout, header: RunHeader) -> Self {
        let show_bar = format == Format::Human && verbosity != Verbosity::Quiet && header.total > 1;
        let bar = show_bar.then(|| {
            // Hidden by indicatif itself when stderr is not a terminal.
            let bar = ProgressBar::with_draw_target(
                Some(header.total as u64),
                ProgressDrawTarget::stderr_with_hz(15),
            );
            if let Ok(style) =
                ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {elapsed} {msg}")
            {
                bar.set_style(style.progress_chars("━╸─"));
            }
            bar
        });
        Printer {
            format,
            verbosity,
            layout,
            header,
            out: anstream::stdout(),
            bar,
            finished: 0,
        }
    }

    /// Prints the header line (human) or the start event (jsonl).
    pub fn start(&mut self) {
        match self.format {
            Format::Human if self.verbosity != Verbosity::Quiet => {
                let h = &self.header;
                let line = format!(
                    "{}: {} {} under {}, {} {}{}{}",
                    h.command,
                    h.total,
                    plural(h.total, "repository", "repositories"),
                    escape::path(&h.root),
                    h.workers,
                    plural(h.workers, "worker", "workers"),
                    if h.check {
                        ", check"
                    } else if h.dry_run {
                        ", dry run"
                    } else {
                        ""
                    },
                    h.run_id
                        .as_ref()
                        .map(|id| format!(", run {id}"))
                        .unwrap_or_default(),
                );
                let mut text = format!("{}\n", line.bold());
                for note in &self.header.notes {
                    text.push_str(&format!("{} {}\n", "!".yellow().bold(), controls(note)));
                }
                self.emit(&text);
            }
            Format::Human => {
                let mut text = String::new();
                for note in &self.header.notes {
                    text.push_str(&format!("{} {}\n", "!".yellow().bold(), controls(note)));
                }
                self.emit(&text);
            }
            Format::Jsonl => {
                let h = &self.header;
                let event = serde_json::json!({
                    "event": "start", "command": h.command, "run_id": h.run_id,
                    "root": h.root, "dry_run": h.dry_run, "total": h.total, "workers": h.workers,
                });
                let mut text = format!("{event}\n");
                for note in &h.notes {
                    text.push_str(&format!(
                        "{}\n",
                        serde_json::json!({"event": "note", "note": note})
                    ));
                }
                self.emit(&text);
            }
            Format::Json => {}
        }
    }

    /// Reports one finished repository.
    pub fn finished(&mut self, report: &RepoReport) {
        self.finished += 1;
        if let Some(bar) = &self.bar {
            bar.set_position(self.finished as u64);
            bar.set_message(controls(&report.name).into_owned());
        }
        match self.format {
            Format::Json => {}
            Format::Jsonl => {
                let mut event = serde_json::to_value(report).unwrap_or_default();
                if let Some(map) = event.as_object_mut() {
                    map.insert("event".into(), "repo".into());
                }
                self.emit(&format!("{event}\n"));
            }
            Format::Human => {
                if self.layout == Layout::Table {
                    return;
                }
                let quiet_skip = self.verbosity == Verbosity::Quiet
                    && matches!(report.outcome, Outcome::Changed | Outcome::Unchanged);
                if quiet_skip {
                    return;
                }
                let mut text = self.repo_line(report);
                // A dry run says what it would do to each file; JSON has the paths as `files`.
                let dry_run = self.header.dry_run && !self.header.check;
                if let (true, Details::Edit(edit)) = (dry_run, &report.details) {
                    for (file, plan) in &edit.planned {
                        text.push_str(&format!("  {} {}\n", plan.said(), controls(file)));
                    }
                }
                if let Details::Edit(edit) = &report.details {
                    for mention in &edit.mentions {
                        text.push_str(&format!(
                            "  {} {}:{}, left alone: {}\n",
                            "mentioned at".dimmed(),
                            mention.path,
                            mention.line,
                            mention.text
                        ));
                    }
                    if let Some(diff) = &edit.diff {
                        text.push_str(diff);
                    }
                }
                if self.layout == Layout::Blocks {
                    if let Details::Exec(exec) = &report.details {
                        for stream in [&exec.stdout, &exec.stderr] {
                            text.push_str(stream);
                            if !stream.is_empty() && !stream.ends_with('\n') {
                                text.push('\n');
                            }
                        }
                    }
                }
                self.emit(&text);
            }
        }
    }

    fn repo_line(&self, report: &RepoReport) -> String {
        let (name, message) = (controls(&report.name), controls(&report.message));
        let counter = format!("({}/{})", self.finished, self.header.total);
        let duration = if self.verbosity == Verbosity::Verbose {
            format!(" {}ms", report.duration_ms)
        } else {
            String::new()
        };
        // What was done is worth a line when something was done (`committed 3 files, pushed`);
        // exec's blocks speak for themselves, and "nothing to do" only with -v.
        let says_what = match report.outcome {
            Outcome::Changed => self.layout == Layout::Lines,
            _ => self.verbosity == Verbosity::Verbose,
        };
        let detail = if report.message.is_empty() || !says_what {
            String::new()
        } else {
            format!(": {message}")
        };
        match report.outcome {
            // For a check, a repository that would change is what was looked for: drift.
            Outcome::Changed if self.header.check => format!(
                "{} {}{} {}{}\n",
                "✗".red(),
                name,
                detail,
                counter.dimmed(),
                duration.dimmed()
            ),
            Outcome::Changed | Outcome::Unchanged => format!(
                "{} {}{} {}{}\n",
                "✓".green(),
                name,
                detail,
                counter.dimmed(),
                duration.dimmed()
            ),
            Outcome::Skipped => format!(
                "{} {}: skipped, {} {}{}\n",
                "–".yellow(),
                name,
                message,
                counter.dimmed(),
                duration.dimmed()
            ),
            Outcome::Failed => format!(
                "{} {}: {} {}{}\n",
                "✗".red(),
                name,
                message.red(),
                counter.dimmed(),
                duration.dimmed()
            ),
        }
    }

    /// Prints the end of the run: the table (status), the summary and the failures, or the JSON
    /// document, or the summary event.
    pub fn finish(mut self, run: &RunReport) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        match self.format {
            Format::Json => {
                let text = serde_json::to_string_pretty(run).unwrap_or_default();
                self.emit(&format!("{text}\n"));
            }
            Format::Jsonl => {
                let mut event = serde_json::to_value(&run.summary).unwrap_or_default();
                if let Some(map) = event.as_object_mut() {
                    map.insert("event".into(), "summary".into());
                    map.insert("interrupted".into(), run.interrupted.into());
                    map.insert("not_started".into(), run.not_started.into());
                }
                self.emit(&format!("{event}\n"));
            }
            Format::Human => {
                if self.layout == Layout::Table {
                    let table = status_table(&run.repos, self.verbosity);
                    self.emit(&table);
                }
                let mut text = summary_text(run, self.verbosity);
                if self.header.check {
                    text.push_str(&check_text(run));
                    if run.summary.changed > 0 && !self.header.fixes.is_empty() {
                        text.push_str(&fix_text(&self.header, run));
                    }
                }
                self.emit(&text);
            }
        }
        wrote(self.out.flush());
    }

    fn emit(&mut self, text: &str) {
        let out = &mut self.out;
        let mut write = || {
            wrote(out.write_all(text.as_bytes()).and_then(|()| out.flush()));
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}

/// `one` or `many`, by `n`.
pub(crate) fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// The closing lines of a human report: counts, time, and every failure again.
fn summary_text(run: &RunReport, verbosity: Verbosity) -> String {
    let Summary {
        changed,
        unchanged,
        skipped,
        failed,
        total,
        duration_ms,
    } = run.summary;
    let mut text = String::new();
    if verbosity != Verbosity::Quiet || failed > 0 || run.interrupted {
        text.push_str(&format!(
            "{} changed, {} unchanged, {} skipped, {} failed, {} total in {:.2}s\n",
            changed,
            unchanged,
            skipped,
            if failed > 0 {
                failed.red().bold().to_string()
            } else {
                failed.to_string()
            },
            total,
            duration_ms as f64 / 1000.0
        ));
    }
    if run.interrupted {
        text.push_str(&format!(
            "{} interrupted: {} of {} {} not started, left alone\n",
            "!".yellow().bold(),
            run.not_started,
            run.not_started + total,
            plural(run.not_started + total, "repository", "repositories"),
        ));
    }
    let failures: Vec<_> = run
        .repos
        .iter()
        .filter(|r| r.outcome == Outcome::Failed)
        .collect();
    if !failures.is_empty() {
        text.push_str(&format!("{}\n", "failures:".red().bold()));
        for report in failures {
            text.push_str(&format!(
                "  {} {}: {}\n",
                "✗".red(),
                controls(&report.name),
                controls(&report.message)
            ));
        }
    }
    text
}

/// `--check`'s verdict: the repositories that would change and those that could not be checked
/// (skipped), or that none would change.
fn check_text(run: &RunReport) -> String {
    let named = |outcome: Outcome| -> Vec<std::borrow::Cow<'_, str>> {
        run.repos
            .iter()
            .filter(|r| r.outcome == outcome)
            .map(|r| controls(&r.name))
            .collect()
    };
    let (drifted, undecided) = (named(Outcome::Changed), named(Outcome::Skipped));
    let mut text = String::new();
    if drifted.is_empty() && undecided.is_empty() {
        return format!("{} no repository would change\n", "✓".green());
    }
    if !drifted.is_empty() {
        text.push_str(&format!(
            "{} {} {} would change: {}\n",
            "✗".red(),
            drifted.len(),
            plural(drifted.len(), "repository", "repositories"),
            drifted.join(", ")
        ));
    }
    if !undecided.is_empty() {
        text.push_str(&format!(
            "{} {} {} could not be checked (skipped): {}\n",
            "✗".red(),
            undecided.len(),
            plural(undecided.len(), "repository", "repositories"),
            undecided.join(", ")
        ));
    }
    text
}

/// The commands that fix the drift `--check` found, run on exactly the repositories that drifted
/// (`-C ROOT -t a,b`, to paste from any folder), or, when no `-t` list can name them, to run in
/// each of them.
fn fix_text(header: &RunHeader, run: &RunReport) -> String {
    let mut drifted: Vec<&str> = run
        .repos
        .iter()
        .filter(|r| r.outcome == Outcome::Changed)
        .map(|r| r.name.as_str())
        .collect();
    drifted.sort_unstable();
    let lines: Option<Vec<String>> = header
        .fixes
        .iter()
        .map(|fix| escape::fix_line(&header.root, &drifted, fix))
        .collect();
    let mut text = String::new();
    match lines {
        Some(lines) => {
            text.push_str(&format!(
                "  to fix {}:\n",
                plural(drifted.len(), "it", "them")
            ));
            for line in lines {
                text.push_str(&format!("    {}\n", controls(&line)));
            }
        }
        None => {
            text.push_str("  to fix, in each of them:\n");
            for fix in &header.fixes {
                text.push_str(&format!("    {}\n", controls(&escape::fix_in_each(fix))));
            }
        }
    }
    text
}

/// The aligned status table, one row per repository, in name order.
fn status_table(repos: &[RepoReport], verbosity: Verbosity) -> String {
    // Per row: the name, the cells, and for a status row its state and whether it is locked.
    type Row = (String, Vec<String>, Option<(RepoState, bool)>);
    let rows: Vec<Row> = repos
        .iter()
        .filter(|report| verbosity != Verbosity::Quiet || needs_attention(report))
        .map(|report| match &report.details {
            Details::Status(status) => (
                controls(&report.name).into_owned(),
                status_cells(status)
                    .iter()
                    .map(|cell| controls(cell).into_owned())
                    .collect(),
                Some((status.state, status.locked)),
            ),
            _ => (
                controls(&report.name).into_owned(),
                vec![controls(&report.message).into_owned()],
                None,
            ),
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let headings = [
        "repository",
        "branch",
        "upstream",
        "sync",
        "changes",
        "state",
    ];
    let mut widths: Vec<usize> = headings.iter().map(|h| h.width()).collect();
    for (name, cells, state) in &rows {
        widths[0] = widths[0].max(name.width());
        if state.is_some() {
            for (i, cell) in cells.iter().enumerate() {
                widths[i + 1] = widths[i + 1].max(cell.width());
            }
        }
    }
    let mut text = String::new();
    if verbosity != Verbosity::Quiet {
        let line: Vec<String> = headings
            .iter()
            .zip(&widths)
            .map(|(h, w)| pad(h, *w))
            .collect();
        text.push_str(&format!("{}\n", line.join("  ").trim_end().dimmed()));
    }
    for (name, cells, state) in rows {
        let mut line = pad(&name, widths[0]);
        match state {
            Some((state, locked)) => {
                for (i, cell) in cells.iter().enumerate().take(4) {
                    line.push_str("  ");
                    line.push_str(&pad(cell, widths[i + 1]));
                }
                line.push_str("  ");
                line.push_str(&paint_state(state));
                if locked {
                    line.push_str(&format!(" {}", "(index.lock)".red().bold()));
                }
            }
            None => {
                line.push_str("  ");
                line.push_str(&format!("{} {}", "✗".red(), cells.join(" ").red()));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// Whether a repository is anything but clean and in step with its upstream (`status -q`).
fn needs_attention(report: &RepoReport) -> bool {
    match &report.details {
        Details::Status(status) => {
            status.state != RepoState::Clean
                || status.ahead > 0
                || status.behind > 0
                || status.locked
        }
        _ => true,
    }
}

fn status_cells(status: &RepoStatus) -> Vec<String> {
    let branch = match (&status.branch, &status.head) {
        (Some(branch), _) => branch.clone(),
        (None, Some(head)) => format!("({})", head.get(..7).unwrap_or(head)),
        (None, None) => "(none)".to_owned(),
    };
    let upstream = status.upstream.clone().unwrap_or_else(|| "-".to_owned());
    let sync = match (status.ahead, status.behind) {
        (0, 0) if status.upstream.is_some() => "=".to_owned(),
        (0, 0) => String::new(),
        (a, 0) => format!("↑{a}"),
        (0, b) => format!("↓{b}"),
        (a, b) => format!("↑{a} ↓{b}"),
    };
    let mut changes = Vec::new();
    if status.staged > 0 {
        changes.push(format!("+{}", status.staged));
    }
    if status.unstaged > 0 {
        changes.push(format!("~{}", status.unstaged));
    }
    if status.untracked > 0 {
        changes.push(format!("?{}", status.untracked));
    }
    vec![
        branch,
        upstream,
        sync,
        changes.join(" "),
        if status.locked {
            format!("{} (index.lock)", status.state.as_str())
        } else {
            status.state.as_str().to_owned()
        },
    ]
}

fn paint_state(state: RepoState) -> String {
    let word = state.as_str();
    match state {
        RepoState::Clean => word.green().to_string(),
        RepoState::Dirty => word.yellow().to_string(),
        RepoState::NoUpstream => word.cyan().to_string(),
        _ => word.red().bold().to_string(),
    }
}

fn pad(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(fill))
}

/// Prints a usage or configuration error the way every git-batch error looks.
pub fn print_error(message: &str) {
    let mut err = anstream::stderr();
    let _ = writeln!(err, "{} {}", "error:".red().bold(), controls(message));
}

/// Prints a warning about one repository on stderr, outside any run's report.
pub fn print_warning(message: &str) {
    let mut err = anstream::stderr();
    let _ = writeln!(err, "{} {}", "warning:".yellow().bold(), controls(message));
}

// The listings: `list`, and the journal's `runs` and `runs prune`.
mod list;
mod runs;
pub use list::print_list;
pub use runs::{PruneDocument, PruneFailure, PrunedRun, print_prune, print_runs};
