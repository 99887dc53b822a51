//! The view drawn on ratatui's test terminal: columns at several widths, names never cut
//! silently, row order and updates, the header's counts and notes, filters, scrolling, keys,
//! and the panic hook.

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::model::{Model, Scroll, ViewFilter};
use super::{Action, TERMINAL_TAKEN, action, draw, install_panic_hook, restore_terminal};
use crate::git::{RepoState, RepoStatus};
use crate::outcome::{Details, Outcome, RepoReport};
use crate::targets::WhereFilter;
use crate::watch::event::ViewEvent;

fn status(state: RepoState) -> RepoStatus {
    RepoStatus {
        branch: Some("main".to_owned()),
        upstream: Some("origin/main".to_owned()),
        ahead: 0,
        behind: 0,
        staged: 0,
        unstaged: u64::from(state == RepoState::Dirty) * 2,
        conflicted: 0,
        untracked: 0,
        state,
        head: Some("0123456789abcdef".to_owned()),
        locked: false,
        head_tree: None,
    }
}

fn report(name: &str, state: RepoState) -> RepoReport {
    RepoReport {
        name: name.to_owned(),
        path: PathBuf::from("/fleet").join(name),
        outcome: Outcome::Unchanged,
        message: state.as_str().to_owned(),
        duration_ms: 1,
        details: Details::Status(status(state)),
    }
}

fn repo_event(name: &str, state: RepoState) -> ViewEvent {
    ViewEvent::Repo(Box::new(report(name, state)))
}

fn model_of(filter: ViewFilter, events: Vec<ViewEvent>) -> Model {
    let mut model = Model::new(PathBuf::from("/fleet"), filter, true);
    for event in events {
        model.apply(event);
    }
    model
}

/// The screen, one string a line, trailing blanks cut.
fn screen(model: &mut Model, width: u16, height: u16) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| draw::draw(frame, model))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            let line: String = (0..width)
                .map(|x| buffer[(x, y)].symbol().to_owned())
                .collect();
            line.trim_end().to_owned()
        })
        .collect()
}

fn fleet() -> Vec<ViewEvent> {
    vec![
        repo_event("web-frontend", RepoState::Dirty),
        repo_event("api", RepoState::Clean),
        repo_event("billing-service", RepoState::Dirty),
    ]
}

fn heading_line(lines: &[String]) -> &str {
    lines
        .iter()
        .find(|line| line.starts_with("repository"))
        .expect("the table's heading")
}

#[test]
fn a_wide_terminal_shows_every_column_of_status() {
    let mut model = model_of(ViewFilter::default(), fleet());
    let lines = screen(&mut model, 120, 12);
    let heading = heading_line(&lines);
    for column in ["branch", "upstream", "sync", "changes", "state"] {
        assert!(heading.contains(column), "{column} missing: {heading}");
    }
    let row = lines
        .iter()
        .find(|line| line.starts_with("billing-service"))
        .expect("row");
    for cell in ["main", "origin/main", "=", "~2", "dirty"] {
        assert!(row.contains(cell), "{cell} missing: {row}");
    }
}

#[test]
fn narrower_terminals_drop_columns_upstream_first_and_never_wrap() {
    let mut model = model_of(ViewFilter::default(), fleet());
    // 80 columns hold every column of this fleet; the upstream goes first when they do not.
    let wide = screen(&mut model, 80, 12);
    assert!(heading_line(&wide).contains("upstream"), "{wide:#?}");
    let medium = screen(&mut model, 50, 12);
    let heading = heading_line(&medium);
    assert!(!heading.contains("upstream"), "{heading}");
    assert!(
        heading.contains("state") && heading.contains("changes"),
        "{heading}"
    );
    let narrow = screen(&mut model, 40, 12);
    let heading = heading_line(&narrow);
    assert!(heading.contains("state"), "{heading}");
    assert!(!heading.contains("branch"), "{heading}");
    // No wrapping: every repository is on exactly one line.
    for name in ["api", "billing-service", "web-frontend"] {
        let count = narrow.iter().filter(|l| l.starts_with(name)).count();
        assert_eq!(count, 1, "{name}: {narrow:#?}");
    }
    for width in [120, 80, 40] {
        let columns = draw::fit_columns(&model.rows(), width);
        let used = columns.name + columns.cells.iter().map(|(_, w)| w + 2).sum::<usize>();
        assert!(used <= width, "{width}: {columns:?}");
    }
}

#[test]
fn a_name_too_long_for_the_width_is_cut_with_a_mark_never_silently() {
    let long = "an-organisation/a-repository-with-a-very-long-name-indeed";
    let mut model = model_of(
        ViewFilter::default(),
        vec![repo_event(long, RepoState::Dirty)],
    );
    let wide = screen(&mut model, 120, 8);
    assert!(wide.iter().any(|l| l.starts_with(long)), "{wide:#?}");
    let narrow = screen(&mut model, 40, 8);
    let row = narrow
        .iter()
        .find(|l| l.starts_with("an-organisation"))
        .expect("the row");
    assert!(row.contains('…'), "cut without a mark: {row}");
    assert!(!row.contains(long), "{row}");
    // The name gives way so that its state stays beside it.
    assert!(row.ends_with("dirty"), "{row}");
    // Very narrow: the name alone, still marked.
    let tiny = screen(&mut model, 10, 8);
    assert!(
        tiny.iter()
            .any(|l| l.starts_with("an-organ") && l.ends_with('…')),
        "{tiny:#?}"
    );
    assert_eq!(draw::fit("abcdef", 4), "abc…");
    assert_eq!(draw::fit("abc", 4), "abc ");
}

#[test]
fn rows_are_in_name_order_and_follow_updates_and_departures() {
    let mut model = model_of(ViewFilter::default(), fleet());
    let names = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .filter_map(|l| {
                ["api", "billing-service", "web-frontend"]
                    .into_iter()
                    .find(|name| l.starts_with(name))
                    .map(str::to_owned)
            })
            .collect()
    };
    let lines = screen(&mut model, 100, 12);
    assert_eq!(names(&lines), ["api", "billing-service", "web-frontend"]);

    assert!(model.apply(repo_event("api", RepoState::Dirty)));
    let lines = screen(&mut model, 100, 12);
    let api = lines.iter().find(|l| l.starts_with("api")).expect("api");
    assert!(api.ends_with("dirty"), "{api}");

    // The same reading again changes nothing on screen: no redraw.
    assert!(!model.apply(repo_event("api", RepoState::Dirty)));

    assert!(model.apply(ViewEvent::Gone("billing-service".to_owned())));
    assert!(!model.apply(ViewEvent::Gone("billing-service".to_owned())));
    let lines = screen(&mut model, 100, 12);
    assert_eq!(names(&lines), ["api", "web-frontend"]);
}

#[test]
fn the_header_counts_states_and_says_the_last_fetch_and_each_note_once() {
    let mut events = fleet();
    let mut unreadable = report("broken", RepoState::Clean);
    unreadable.details = Details::None;
    unreadable.outcome = Outcome::Failed;
    unreadable.message = "bad index: truncated".to_owned();
    events.push(ViewEvent::Repo(Box::new(unreadable)));
    let note = "the inotify watch limit is reached".to_owned();
    events.push(ViewEvent::Note(note.clone()));
    events.push(ViewEvent::Note(note.clone()));
    let mut model = model_of(ViewFilter::default(), events);
    let lines = screen(&mut model, 100, 14);
    assert!(lines[0].contains("/fleet"), "{lines:#?}");
    assert_eq!(
        lines[1], "4 repositories: 1 clean, 2 dirty, 1 failed",
        "{lines:#?}"
    );
    assert_eq!(lines[2], "last fetch: none yet (f fetches now)");
    let notes = lines.iter().filter(|l| l.contains(&note)).count();
    assert_eq!(notes, 1, "{lines:#?}");
    let broken = lines.iter().find(|l| l.starts_with("broken")).expect("row");
    assert!(broken.contains("✗ bad index: truncated"), "{broken}");

    let noon = std::time::UNIX_EPOCH + std::time::Duration::from_secs(12 * 3600 + 5 * 60 + 7);
    assert!(model.apply(ViewEvent::Fetched(noon)));
    let lines = screen(&mut model, 100, 14);
    assert_eq!(lines[2], "last fetch: 12:05:07 UTC");
}

#[test]
fn where_and_quiet_filter_rows_as_status_does_while_the_header_counts_all() {
    let quiet = ViewFilter {
        filters: Vec::new(),
        quiet: true,
    };
    let mut model = model_of(quiet, fleet());
    let lines = screen(&mut model, 100, 12);
    assert!(!lines.iter().any(|l| l.starts_with("api")), "{lines:#?}");
    assert!(
        lines[1].starts_with("3 repositories (2 shown)"),
        "{lines:#?}"
    );

    let clean_only = ViewFilter {
        filters: vec![WhereFilter::Clean],
        quiet: false,
    };
    let mut model = model_of(clean_only, fleet());
    let lines = screen(&mut model, 100, 12);
    assert!(lines.iter().any(|l| l.starts_with("api")), "{lines:#?}");
    assert!(!lines.iter().any(|l| l.starts_with("web-frontend")));
    // A repository that changes state comes and goes with it.
    model.apply(repo_event("web-frontend", RepoState::Clean));
    let lines = screen(&mut model, 100, 12);
    assert!(lines.iter().any(|l| l.starts_with("web-frontend")));
}

#[test]
fn arrows_and_pages_scroll_within_the_rows() {
    let events = (0..30)
        .map(|i| repo_event(&format!("repo-{i:02}"), RepoState::Clean))
        .collect();
    let mut model = model_of(ViewFilter::default(), events);
    // 3 header lines, the heading, the keys: 5 rows of table in 10 lines.
    let lines = screen(&mut model, 80, 10);
    assert!(lines[4].starts_with("repo-00"), "{lines:#?}");
    assert!(lines[9].contains("rows 1-5 of 30"), "{lines:#?}");
    assert!(!model.scroll(Scroll::Up));
    assert!(model.scroll(Scroll::PageDown));
    assert!(model.scroll(Scroll::Down));
    let lines = screen(&mut model, 80, 10);
    assert!(lines[4].starts_with("repo-06"), "{lines:#?}");
    assert!(model.scroll(Scroll::Bottom));
    assert!(!model.scroll(Scroll::PageDown));
    let lines = screen(&mut model, 80, 10);
    assert!(lines[8].starts_with("repo-29"), "{lines:#?}");
    assert!(model.scroll(Scroll::Top));
    // Rows leaving keep the last page full.
    model.scroll(Scroll::Bottom);
    for i in 10..30 {
        model.apply(ViewEvent::Gone(format!("repo-{i:02}")));
    }
    let lines = screen(&mut model, 80, 10);
    assert!(lines[8].starts_with("repo-09"), "{lines:#?}");
}

#[test]
fn keys_quit_fetch_and_scroll() {
    let key = |code, modifiers| {
        Event::Key(KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: ratatui::crossterm::event::KeyEventState::NONE,
        })
    };
    let none = KeyModifiers::NONE;
    assert_eq!(action(&key(KeyCode::Char('q'), none)), Action::Quit);
    assert_eq!(
        action(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Action::Quit
    );
    assert_eq!(action(&key(KeyCode::Char('c'), none)), Action::Nothing);
    assert_eq!(action(&key(KeyCode::Char('f'), none)), Action::Fetch);
    assert_eq!(
        action(&key(KeyCode::PageDown, none)),
        Action::Scroll(Scroll::PageDown)
    );
    assert_eq!(action(&Event::Resize(80, 24)), Action::Redraw);
    let mut release = KeyEvent::new(KeyCode::Char('q'), none);
    release.kind = KeyEventKind::Release;
    assert_eq!(action(&Event::Key(release)), Action::Nothing);
}

thread_local! {
    /// What the hook before ours saw, on this thread: whether the terminal was still taken.
    static PREVIOUS_SAW: RefCell<Vec<bool>> = const { RefCell::new(Vec::new()) };
}

#[test]
fn a_panic_gives_the_terminal_back_then_calls_the_previous_hook() {
    let before = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PREVIOUS_SAW.with(|seen| {
            seen.borrow_mut()
                .push(TERMINAL_TAKEN.load(Ordering::SeqCst))
        });
        before(info);
    }));
    install_panic_hook();
    TERMINAL_TAKEN.store(true, Ordering::SeqCst);
    let result = std::panic::catch_unwind(|| panic!("a panic while the view is shown"));
    assert!(result.is_err());
    assert!(!TERMINAL_TAKEN.load(Ordering::SeqCst), "not given back");
    PREVIOUS_SAW.with(|seen| assert_eq!(*seen.borrow(), [false], "previous hook"));
    // Given back once: a second call has nothing to do.
    restore_terminal();
    assert!(!TERMINAL_TAKEN.load(Ordering::SeqCst));
}

#[test]
fn states_have_the_colours_of_the_status_table_and_none_without_colour() {
    use ratatui::style::{Color, Modifier};
    let mut locked = report("locked", RepoState::Clean);
    if let Details::Status(status) = &mut locked.details {
        status.locked = true;
    }
    let mut events = fleet();
    events.push(ViewEvent::Repo(Box::new(locked)));
    let mut model = model_of(ViewFilter::default(), events);
    let mut terminal = Terminal::new(TestBackend::new(100, 12)).expect("test terminal");
    terminal
        .draw(|frame| draw::draw(frame, &mut model))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    // The cell where `word` starts on the row of `name`.
    let style_of = |name: &str, word: &str| {
        let y = (0..12u16)
            .find(|&y| {
                (0..100u16)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect::<String>()
                    .starts_with(name)
            })
            .expect("the row");
        let line: String = (0..100u16).map(|x| buffer[(x, y)].symbol()).collect();
        let x = line.find(word).expect("the word") as u16;
        let cell = &buffer[(x, y)];
        (cell.fg, cell.modifier.contains(Modifier::BOLD))
    };
    assert_eq!(style_of("api", "clean"), (Color::Green, false));
    assert_eq!(style_of("web-frontend", "dirty"), (Color::Yellow, false));
    assert_eq!(style_of("locked", "clean"), (Color::Green, false));
    assert_eq!(style_of("locked", "(index.lock)"), (Color::Red, true));
    assert_eq!(style_of("api", "main"), (Color::Reset, false));

    // Without colour (`--color never`, NO_COLOR): none anywhere.
    model.colour = false;
    terminal
        .draw(|frame| draw::draw(frame, &mut model))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content()
            .iter()
            .all(|cell| cell.fg == Color::Reset && cell.modifier.is_empty()),
        "a coloured cell is left"
    );
}

#[test]
fn a_tiny_terminal_is_drawn_without_a_panic() {
    let mut model = model_of(ViewFilter::default(), fleet());
    for (width, height) in [(1, 1), (3, 2), (12, 4), (200, 3)] {
        let lines = screen(&mut model, width, height);
        assert_eq!(lines.len(), usize::from(height));
    }
}
