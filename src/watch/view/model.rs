//! What the view knows of the fleet: every repository's last reading, in name order, the last
//! fetch, the notes, and where the table is scrolled. Events change it; drawing only reads it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::SystemTime;

use crate::git::RepoState;
use crate::outcome::{Details, RepoReport};
use crate::report::table::{self, Row};
use crate::targets::{WhereFilter, status_matches};

use super::super::event::ViewEvent;

/// Which repositories the table shows, as `status` applies `-w` and `-q`: each new reading is
/// checked again, so a repository comes and goes as its state changes.
#[derive(Debug, Clone, Default)]
pub struct ViewFilter {
    /// `-w STATE`: every condition must hold. `has=PATH` cannot be told from a status: the
    /// view keeps every repository for it (apply it when choosing what to watch).
    pub filters: Vec<WhereFilter>,
    /// `-q`: only the repositories that need attention.
    pub quiet: bool,
}

impl ViewFilter {
    /// Whether `report`'s row is shown. A repository that could not be read always is, as in
    /// `status`.
    pub fn shows(&self, report: &RepoReport) -> bool {
        if self.quiet && !table::needs_attention(report) {
            return false;
        }
        match &report.details {
            Details::Status(status) => self
                .filters
                .iter()
                .all(|filter| status_matches(filter, status) != Some(false)),
            _ => true,
        }
    }
}

/// The view's state.
#[derive(Debug)]
pub(super) struct Model {
    pub root: PathBuf,
    filter: ViewFilter,
    /// Whether the table is coloured.
    pub colour: bool,
    /// Every repository heard of, shown or not, by name.
    repos: BTreeMap<String, RepoReport>,
    pub fetched: Option<SystemTime>,
    /// Each note once, in the order they came.
    pub notes: Vec<String>,
    /// The first row of the table on screen.
    pub scroll: usize,
    /// How many rows the table had room for at the last drawing (Page Up/Down move by it).
    pub page: usize,
}

/// A move of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scroll {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
}

impl Model {
    pub fn new(root: PathBuf, filter: ViewFilter, colour: bool) -> Self {
        Model {
            root,
            filter,
            colour,
            repos: BTreeMap::new(),
            fetched: None,
            notes: Vec::new(),
            scroll: 0,
            page: 1,
        }
    }

    /// Takes in one event; whether anything on screen may have changed.
    pub fn apply(&mut self, event: ViewEvent) -> bool {
        match event {
            ViewEvent::Repo(report) => {
                let report = *report;
                // The time a reading took changes every time; what it read may not have.
                let same = self.repos.get(&report.name).is_some_and(|old| {
                    old.details == report.details && old.message == report.message
                });
                self.repos.insert(report.name.clone(), report);
                !same
            }
            ViewEvent::Gone(name) => self.repos.remove(&name).is_some(),
            ViewEvent::Fetched(at) => {
                self.fetched = Some(at);
                true
            }
            ViewEvent::Note(note) => {
                if self.notes.contains(&note) {
                    return false;
                }
                self.notes.push(note);
                true
            }
        }
    }

    /// How many repositories are watched, shown or not.
    pub fn total(&self) -> usize {
        self.repos.len()
    }

    /// How many rows the filter lets through.
    pub fn shown(&self) -> usize {
        self.repos
            .values()
            .filter(|report| self.filter.shows(report))
            .count()
    }

    /// The rows the filter lets through, in name order.
    pub fn rows(&self) -> Vec<Row> {
        self.repos
            .values()
            .filter(|report| self.filter.shows(report))
            .map(table::status_row)
            .collect()
    }

    /// How many repositories are in each state, in a fixed order (the order of
    /// [`RepoState`](crate::git::RepoState)'s states, then `failed` for those that could not be
    /// read), so that the header does not jump about as the numbers change.
    /// `None` stands for `failed`.
    pub fn counts(&self) -> Vec<(Option<RepoState>, usize)> {
        let mut counts: BTreeMap<usize, (Option<RepoState>, usize)> = BTreeMap::new();
        for report in self.repos.values() {
            let (rank, state) = match &report.details {
                Details::Status(status) => (status.state as usize, Some(status.state)),
                _ => (usize::MAX, None),
            };
            counts.entry(rank).or_insert((state, 0)).1 += 1;
        }
        counts.into_values().collect()
    }

    /// Moves the table by `by`, keeping it on its rows.
    pub fn scroll(&mut self, by: Scroll) -> bool {
        let before = self.scroll;
        let page = self.page.max(1);
        self.scroll = match by {
            Scroll::Up => self.scroll.saturating_sub(1),
            Scroll::Down => self.scroll + 1,
            Scroll::PageUp => self.scroll.saturating_sub(page),
            Scroll::PageDown => self.scroll + page,
            Scroll::Top => 0,
            Scroll::Bottom => usize::MAX,
        };
        self.clamp_scroll(self.shown());
        self.scroll != before
    }

    /// Keeps the last page full when rows go away or the screen grows.
    pub fn clamp_scroll(&mut self, rows: usize) {
        self.scroll = self.scroll.min(rows.saturating_sub(self.page.max(1)));
    }
}
