//! The one place that prints. It owns stdout for the whole run: the header, a live progress bar
//! on a terminal, a line (or an output block) per finished repository, the summary, or the JSON.

use std::io::Write;

use anstream::AutoStream;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use owo_colors::OwoColorize;

use crate::escape::{self, controls};
use crate::outcome::{Details, Outcome, RepoReport, RunReport};
use crate::settings::{Format, Verbosity};
use crate::words::plural;

mod color;
mod summary;
pub mod table;
mod written;
pub use color::{apply_color, stdout_in_colour};
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
                // `-q`: failures, as they come, and the summary; nothing else.
                let quiet_skip =
                    self.verbosity == Verbosity::Quiet && report.outcome != Outcome::Failed;
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
        let verbose = self.verbosity == Verbosity::Verbose;
        let duration = if verbose {
            format!(" {}ms", report.duration_ms)
        } else {
            String::new()
        };
        // What was done is worth a line when something was done (`committed 3 files, pushed`),
        // and so is why nothing was (`up to date`, `declares no MIT`); exec's blocks speak for
        // themselves.
        let says_what = match report.outcome {
            Outcome::Changed => self.layout == Layout::Lines,
            Outcome::Unchanged => true,
            Outcome::Skipped | Outcome::Failed => false,
        };
        let text = match report.outcome {
            Outcome::Skipped => format!(": skipped, {message}"),
            Outcome::Failed => format!(": {}", message.red()),
            _ if report.message.is_empty() || !says_what => String::new(),
            _ => format!(": {message}"),
        };
        let mark = mark(report.outcome, self.header.check);
        format!(
            "{mark} {name}{text} {}{}\n",
            counter.dimmed(),
            duration.dimmed()
        )
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
                    let table = table::status_table(&run.repos, self.verbosity);
                    self.emit(&table);
                }
                let mut text = summary::summary_text(run, &self.header, self.verbosity);
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
        if RUNS_SILENCED.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
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
    let blocked_by = |r: &RepoReport| match &r.details {
        Details::Edit(edit) => edit.fix_blocked.clone(),
        _ => None,
    };
    let changed = || run.repos.iter().filter(|r| r.outcome == Outcome::Changed);
    // A repository the fix would skip as it is is not named in it: the command works as printed.
    let mut drifted: Vec<&str> = changed()
        .filter(|r| blocked_by(r).is_none())
        .map(|r| r.name.as_str())
        .collect();
    drifted.sort_unstable();
    let mut blocked: Vec<(&str, String)> = changed()
        .filter_map(|r| Some((r.name.as_str(), blocked_by(r)?)))
        .collect();
    blocked.sort_unstable();
    let mut left_out = String::new();
    if !blocked.is_empty() {
        left_out
            .push_str("  left out, as the fix would skip them as they are (then check again):\n");
        for (name, reason) in &blocked {
            left_out.push_str(&format!("    {}: {}\n", controls(name), controls(reason)));
        }
        if drifted.is_empty() {
            return left_out;
        }
    }
    let mut text = String::new();
    let lines: Option<Vec<String>> = header
        .fixes
        .iter()
        .map(|fix| escape::fix_line(&header.root, &drifted, fix))
        .collect();
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
    text.push_str(&left_out);
    text
}

/// The mark a repository's line starts with, one per outcome: `✓` changed, `=` unchanged (nothing
/// to do), `–` skipped, `✗` failed. In a check, a repository that would change is drift: `✗`.
fn mark(outcome: Outcome, check: bool) -> String {
    match outcome {
        Outcome::Changed if check => "✗".red().to_string(),
        Outcome::Changed => "✓".green().to_string(),
        Outcome::Unchanged => "=".dimmed().to_string(),
        Outcome::Skipped => "–".yellow().to_string(),
        Outcome::Failed => "✗".red().to_string(),
    }
}

/// Prints a usage or configuration error the way every git-batch error looks.
pub fn print_error(message: &str) {
    let mut err = anstream::stderr();
    let _ = writeln!(err, "{} {}", "error:".red().bold(), error_lines(message));
}

/// A message's lines as printed: each escaped, the ones after the first indented, so that a
/// table to add to `.git-batch.toml` can be copied as it is. A message with a line that would
/// read as a CI workflow command (`::error::`) stays one escaped line, as it always was.
fn error_lines(message: &str) -> std::borrow::Cow<'_, str> {
    let forged = message
        .lines()
        .skip(1)
        .any(|line| line.trim_start().starts_with("::"));
    if forged || !message.contains('\n') {
        return controls(message);
    }
    let lines: Vec<String> = message
        .lines()
        .map(|line| controls(line).into_owned())
        .collect();
    std::borrow::Cow::Owned(lines.join("\n    "))
}

/// Prints a warning about one repository on stderr, outside any run's report.
pub fn print_warning(message: &str) {
    let mut err = anstream::stderr();
    let _ = writeln!(err, "{} {}", "warning:".yellow().bold(), controls(message));
}

/// Says on stderr, the moment a Ctrl-C is heard, what happens next (the first stops handing
/// out repositories, the second stops the commands still running).
pub fn print_interrupt(again: bool) {
    let mut err = anstream::stderr();
    let _ = if again {
        writeln!(
            err,
            "git-batch: interrupted again: stopping the commands still running"
        )
    } else {
        writeln!(
            err,
            "git-batch: interrupted: no more repositories are started, the ones in flight \
             finish (Ctrl-C again stops them)"
        )
    };
}

/// Whether runs print nothing on standard output (`watch --sync`: the view or the stream owns it).
static RUNS_SILENCED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on, a run prints nothing on standard output: `watch` tells its syncs its own way.
pub fn silence_runs() {
    RUNS_SILENCED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Prints one JSON line on standard output and flushes it at once (`watch`'s stream); false when
/// it could not be written (the reader went away, a full disk).
pub fn print_json_line(value: &serde_json::Value) -> bool {
    let mut out = std::io::stdout().lock();
    wrote(writeln!(out, "{value}").and_then(|()| out.flush()))
}

/// Whether standard output is a pipe whose reader has gone away (`| head -1` has its line):
/// the next line would fail. A watch with nothing to print asks, so that it ends then rather
/// than at its next line, which may never come.
pub fn stdout_closed() -> bool {
    use nix::poll::{PollFd, PollFlags, poll};
    use std::os::fd::AsFd;
    let stdout = std::io::stdout();
    let mut fds = [PollFd::new(stdout.as_fd(), PollFlags::empty())];
    poll(&mut fds, 0u8).is_ok()
        && fds[0]
            .revents()
            .is_some_and(|got| got.intersects(PollFlags::POLLERR | PollFlags::POLLHUP))
}

// The listings: `list`, and the journal's `runs` and `runs prune`.
mod list;
mod runs;
pub use list::print_list;
pub use runs::{PruneDocument, PruneFailure, PrunedRun, print_prune, print_runs};

#[cfg(test)]
mod tests {
    use super::error_lines;

    #[test]
    fn an_error_keeps_its_lines_unless_one_would_forge_a_command() {
        assert_eq!(
            error_lines("add:\n[[forges]]\nhost = \"h\""),
            "add:\n    [[forges]]\n    host = \"h\""
        );
        assert_eq!(error_lines("a\x1b[2J\nb"), "a\\033[2J\n    b");
        assert_eq!(
            error_lines("refused\n  ::error::forged"),
            "refused\\n  ::error::forged"
        );
    }
}
