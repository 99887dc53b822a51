//! `status`'s table: one aligned row per repository, in name order. The rows are built here once
//! (cells, and how each piece of a cell is coloured) for both the printed table and `watch`'s
//! full-screen view, so that the two always show the same columns, words and colours.

use owo_colors::OwoColorize;
use unicode_width::UnicodeWidthStr;

use crate::escape::controls;
use crate::git::{RepoState, RepoStatus};
use crate::outcome::{Details, RepoReport};
use crate::settings::Verbosity;

/// The column headings, in order: the name, then the cells of a status row.
pub const HEADINGS: [&str; 6] = [
    "repository",
    "branch",
    "upstream",
    "sync",
    "changes",
    "state",
];

/// How a piece of a cell is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    /// `clean`.
    Good,
    /// `dirty`.
    Changed,
    /// `no-upstream`.
    Unlinked,
    /// A state that stops work (detached, conflicted, an operation in progress), and a stale
    /// `index.lock`: red and bold.
    Alarm,
    /// A repository that could not be read: red.
    Failure,
}

/// A run of text in one colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub tone: Tone,
}

/// One cell: its pieces, side by side.
pub type Cell = Vec<Piece>;

/// One repository's row: its name, and either the five status cells (branch, upstream, sync,
/// changes, state) or, for a repository that could not be read, one cell saying why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The name, control characters escaped.
    pub name: String,
    pub cells: Vec<Cell>,
    /// The one cell is a failure, not status cells: it spans the columns and sets no width.
    pub failed: bool,
}

/// The display width of a cell.
pub fn cell_width(cell: &Cell) -> usize {
    cell.iter().map(|piece| piece.text.width()).sum()
}

/// `report`'s row, as both the table and the view show it.
pub fn status_row(report: &RepoReport) -> Row {
    let name = controls(&report.name).into_owned();
    match &report.details {
        Details::Status(status) => Row {
            name,
            cells: status_cells(status),
            failed: false,
        },
        _ => Row {
            name,
            cells: vec![vec![
                piece("✗", Tone::Failure),
                piece(" ", Tone::Plain),
                piece(&report.message, Tone::Failure),
            ]],
            failed: true,
        },
    }
}

/// Whether a repository is anything but clean and in step with its upstream (`status -q`).
pub fn needs_attention(report: &RepoReport) -> bool {
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

/// The colour of a state's word.
pub fn state_tone(state: RepoState) -> Tone {
    match state {
        RepoState::Clean => Tone::Good,
        RepoState::Dirty => Tone::Changed,
        RepoState::NoUpstream => Tone::Unlinked,
        _ => Tone::Alarm,
    }
}

/// The aligned status table, one row per repository, in name order.
pub(super) fn status_table(repos: &[RepoReport], verbosity: Verbosity) -> String {
    let rows: Vec<Row> = repos
        .iter()
        .filter(|report| verbosity != Verbosity::Quiet || needs_attention(report))
        .map(status_row)
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut widths: Vec<usize> = HEADINGS.iter().map(|h| h.width()).collect();
    for row in &rows {
        widths[0] = widths[0].max(row.name.width());
        if !row.failed {
            for (i, cell) in row.cells.iter().enumerate() {
                widths[i + 1] = widths[i + 1].max(cell_width(cell));
            }
        }
    }
    let mut text = String::new();
    // The header stays with `-q`: the columns mean nothing without it.
    let line: Vec<String> = HEADINGS
        .iter()
        .zip(&widths)
        .map(|(h, w)| pad(h, *w))
        .collect();
    text.push_str(&format!("{}\n", line.join("  ").trim_end().dimmed()));
    for row in rows {
        let mut line = pad(&row.name, widths[0]);
        let last = row.cells.len().saturating_sub(1);
        for (i, cell) in row.cells.iter().enumerate() {
            line.push_str("  ");
            line.push_str(&paint_cell(cell));
            if i < last {
                let fill = widths[i + 1].saturating_sub(cell_width(cell));
                line.push_str(&" ".repeat(fill));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

fn piece(text: &str, tone: Tone) -> Piece {
    Piece {
        text: controls(text).into_owned(),
        tone,
    }
}

fn plain(text: &str) -> Cell {
    vec![piece(text, Tone::Plain)]
}

fn status_cells(status: &RepoStatus) -> Vec<Cell> {
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
    // Conflicts first: they stop everything else.
    if status.conflicted > 0 {
        changes.push(format!("!{}", status.conflicted));
    }
    if status.staged > 0 {
        changes.push(format!("+{}", status.staged));
    }
    if status.unstaged > 0 {
        changes.push(format!("~{}", status.unstaged));
    }
    if status.untracked > 0 {
        changes.push(format!("?{}", status.untracked));
    }
    let mut state = vec![piece(status.state.as_str(), state_tone(status.state))];
    if status.locked {
        state.push(piece(" ", Tone::Plain));
        state.push(piece("(index.lock)", Tone::Alarm));
    }
    vec![
        plain(&branch),
        plain(&upstream),
        plain(&sync),
        plain(&changes.join(" ")),
        state,
    ]
}

fn paint_cell(cell: &Cell) -> String {
    cell.iter()
        .map(|piece| {
            let text = &piece.text;
            match piece.tone {
                Tone::Plain => text.clone(),
                Tone::Good => text.green().to_string(),
                Tone::Changed => text.yellow().to_string(),
                Tone::Unlinked => text.cyan().to_string(),
                Tone::Alarm => text.red().bold().to_string(),
                Tone::Failure => text.red().to_string(),
            }
        })
        .collect()
}

fn pad(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(fill))
}
