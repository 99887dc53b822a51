//! One drawing of the view: the header (root, counts per state, last fetch, notes), the status
//! table with as many columns as the width holds, and a line of keys.

use std::time::{SystemTime, UNIX_EPOCH};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthChar;
use unicode_width::UnicodeWidthStr;

use crate::escape::controls;
use crate::report::table::{self, Cell, HEADINGS, Row, Tone};

use super::model::Model;

/// The status cells in the order they are kept as the terminal narrows: the state first, the
/// upstream (the least telling, and often the widest) last. Indices into [`Row::cells`].
const KEEP_ORDER: [usize; 5] = [4, 3, 2, 0, 1];

/// A name is cut (marked `…`) to no fewer columns than this to keep the state beside it.
const NAME_MIN: usize = 12;

/// At most this many notes are shown, the latest ones.
const NOTES_SHOWN: usize = 3;

/// The table's columns at one width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Columns {
    /// The name column's width.
    pub name: usize,
    /// The status cells shown, as (index into [`Row::cells`], width), left to right.
    pub cells: Vec<(usize, usize)>,
}

/// Which columns fit in `width`: the name always, then the cells in [`KEEP_ORDER`] while they
/// fit whole. A name wider than its column is cut and marked `…`, never cut silently; the
/// name column shrinks (to [`NAME_MIN`]) only to keep the state beside it.
pub(super) fn fit_columns(rows: &[Row], width: usize) -> Columns {
    let mut widths: Vec<usize> = HEADINGS.iter().map(|h| h.width()).collect();
    for row in rows {
        widths[0] = widths[0].max(row.name.width());
        if !row.failed {
            for (i, cell) in row.cells.iter().enumerate() {
                widths[i + 1] = widths[i + 1].max(table::cell_width(cell));
            }
        }
    }
    let mut name = widths[0];
    let mut used = name;
    let mut cells = Vec::new();
    for index in KEEP_ORDER {
        let need = 2 + widths[index + 1];
        if used + need <= width {
            cells.push((index, widths[index + 1]));
            used += need;
            continue;
        }
        let room = width.saturating_sub(need);
        if cells.is_empty() && room >= NAME_MIN {
            name = room;
            used = width;
            cells.push((index, widths[index + 1]));
            continue;
        }
        break;
    }
    cells.sort_unstable();
    Columns {
        name: name.min(width),
        cells,
    }
}

/// Draws the whole view, and records in `model` how many rows the table had room for.
pub(super) fn draw(frame: &mut Frame<'_>, model: &mut Model) {
    let area = frame.area();
    let rows = model.rows();
    let header = header(model, rows.len());
    let [top, heading, body, keys] = Layout::vertical([
        Constraint::Length(header.len() as u16),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(header), top);

    let columns = fit_columns(&rows, usize::from(area.width));
    model.page = usize::from(body.height).max(1);
    model.clamp_scroll(rows.len());
    let headings: Vec<Cell> = HEADINGS[1..].iter().map(|h| vec![plain_piece(h)]).collect();
    let heading_line = table_line(HEADINGS[0], &headings, false, &columns);
    let dim = Style::new().add_modifier(Modifier::DIM);
    frame.render_widget(Paragraph::new(heading_line).style(dim), heading);

    let lines: Vec<Line<'_>> = rows
        .iter()
        .skip(model.scroll)
        .take(model.page)
        .map(|row| table_line(&row.name, &row.cells, row.failed, &columns))
        .collect();
    frame.render_widget(Paragraph::new(lines), body);

    let shown = if rows.is_empty() {
        "no repository to show".to_owned()
    } else {
        let last = (model.scroll + model.page).min(rows.len());
        format!("rows {}-{last} of {}", model.scroll + 1, rows.len())
    };
    let keys_line = Line::from(vec![
        Span::styled("q", Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(" quit  "),
        Span::styled("f", Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(" fetch now  "),
        Span::styled("↑↓ PgUp PgDn", Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(format!(" scroll  {shown}")),
    ]);
    frame.render_widget(Paragraph::new(keys_line).style(dim), keys);
    if !model.colour {
        // `--color never`, `NO_COLOR`: as the printed table, no colour and no bold or dim.
        frame.buffer_mut().set_style(area, Style::reset());
    }
}

/// The header: what is watched, how many in each state, the last fetch, and the latest notes.
fn header(model: &Model, shown: usize) -> Vec<Line<'static>> {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::from(vec![
        Span::styled("git batch watch", bold),
        Span::raw(format!("  {}", controls(&model.root.display().to_string()))),
    ])];
    let total = model.total();
    let mut counts = vec![Span::raw(format!(
        "{total} {}",
        if total == 1 {
            "repository"
        } else {
            "repositories"
        }
    ))];
    if shown != total {
        counts.push(Span::raw(format!(" ({shown} shown)")));
    }
    for (i, (state, n)) in model.counts().into_iter().enumerate() {
        counts.push(Span::raw(if i == 0 { ": " } else { ", " }));
        counts.push(Span::raw(format!("{n} ")));
        let (word, tone) = match state {
            Some(state) => (state.as_str(), table::state_tone(state)),
            None => ("failed", Tone::Failure),
        };
        counts.push(Span::styled(word, style(tone)));
    }
    lines.push(Line::from(counts));
    lines.push(Line::from(match model.fetched {
        Some(at) => format!("last fetch: {}", clock(at)),
        None => "last fetch: none yet (f fetches now)".to_owned(),
    }));
    let skip = model.notes.len().saturating_sub(NOTES_SHOWN);
    for note in &model.notes[skip..] {
        lines.push(Line::styled(
            format!("note: {}", controls(note)),
            style(Tone::Changed),
        ));
    }
    lines
}

/// One line of the table: the name, then the cells `columns` keeps, or the failure.
fn table_line(name: &str, cells: &[Cell], failed: bool, columns: &Columns) -> Line<'static> {
    let mut spans = vec![Span::raw(fit(name, columns.name))];
    if failed {
        let room = columns
            .cells
            .iter()
            .map(|(_, width)| width + 2)
            .sum::<usize>();
        if let Some(cell) = cells.first().filter(|_| room > 2) {
            spans.push(Span::raw("  "));
            spans.extend(cut_cell(cell, room - 2));
        }
        return Line::from(spans);
    }
    for &(index, width) in &columns.cells {
        let Some(cell) = cells.get(index) else {
            continue;
        };
        spans.push(Span::raw("  "));
        spans.extend(
            cell.iter()
                .map(|piece| Span::styled(piece.text.clone(), style(piece.tone))),
        );
        let fill = width.saturating_sub(table::cell_width(cell));
        spans.push(Span::raw(" ".repeat(fill)));
    }
    Line::from(spans)
}

/// A cell's pieces, cut to `width` with `…` if longer.
fn cut_cell(cell: &Cell, width: usize) -> Vec<Span<'static>> {
    let text: String = cell.iter().map(|piece| piece.text.as_str()).collect();
    if text.width() <= width {
        return cell
            .iter()
            .map(|piece| Span::styled(piece.text.clone(), style(piece.tone)))
            .collect();
    }
    let tone = cell.last().map_or(Tone::Plain, |piece| piece.tone);
    vec![Span::styled(fit(&text, width), style(tone))]
}

/// `text` padded to `width` columns, or cut to them with a closing `…` that says so.
pub(super) fn fit(text: &str, width: usize) -> String {
    let full = text.width();
    if full <= width {
        return format!("{text}{}", " ".repeat(width - full));
    }
    if width == 0 {
        return String::new();
    }
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        kept.push(c);
        used += w;
    }
    format!("{kept}…{}", " ".repeat(width - 1 - used))
}

fn plain_piece(text: &str) -> table::Piece {
    table::Piece {
        text: text.to_owned(),
        tone: Tone::Plain,
    }
}

/// The colours of `status`'s printed table, as terminal styles.
fn style(tone: Tone) -> Style {
    match tone {
        Tone::Plain => Style::new(),
        Tone::Good => Style::new().fg(Color::Green),
        Tone::Changed => Style::new().fg(Color::Yellow),
        Tone::Unlinked => Style::new().fg(Color::Cyan),
        Tone::Alarm => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        Tone::Failure => Style::new().fg(Color::Red),
    }
}

/// `at` as a time of day, in UTC (the journal's clock; the local zone would need the C
/// library's tables).
fn clock(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) % 86_400;
    format!(
        "{:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}
