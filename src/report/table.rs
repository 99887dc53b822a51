//! `status`'s table: one aligned row per repository, in name order.

use owo_colors::OwoColorize;
use unicode_width::UnicodeWidthStr;

use crate::escape::controls;
use crate::git::{RepoState, RepoStatus};
use crate::outcome::{Details, RepoReport};
use crate::settings::Verbosity;

/// The aligned status table, one row per repository, in name order.
pub(super) fn status_table(repos: &[RepoReport], verbosity: Verbosity) -> String {
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
    // The header stays with `-q`: the columns mean nothing without it.
    let line: Vec<String> = headings
        .iter()
        .zip(&widths)
        .map(|(h, w)| pad(h, *w))
        .collect();
    text.push_str(&format!("{}\n", line.join("  ").trim_end().dimmed()));
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
