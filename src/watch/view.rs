//! The full-screen view of `watch` on a terminal: the status table of the whole fleet (the same
//! rows as `status`'s table) under a header, redrawn only when an event changes it or the
//! terminal is resized. It draws on the terminal itself (the alternate screen, raw mode), the one
//! place outside `report` that writes to standard output, and only while it runs.
//!
//! Keys: `q` or Ctrl-C quit, `f` fetches now, arrows, Page Up/Down, Home/End scroll.

use std::io::{self, Stdout};
use std::path::Path;
use std::sync::Arc;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, select};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

use super::event::{ViewCommand, ViewEvent};

mod draw;
mod model;

pub use model::ViewFilter;

/// How the view shows the fleet.
#[derive(Debug, Clone, Default)]
pub struct ViewOptions {
    /// Which rows: `-w` and `-q`.
    pub filter: ViewFilter,
    /// Colours as `status`'s table has them, or none (`--color never`, `NO_COLOR`): see
    /// [`crate::report::stdout_in_colour`].
    pub colour: bool,
}
use model::{Model, Scroll};

/// How long the key reader waits for a key before it looks whether the view has ended: the
/// only wake-up while nothing happens (a few a second, no measurable CPU).
const KEY_POLL: Duration = Duration::from_millis(250);

/// How long the view waits, once it has ended, for the key reader to see that it has: a few
/// polls.
const READER_GRACE: Duration = Duration::from_secs(1);

/// Whether the terminal is in the view's modes now (raw, alternate screen, cursor hidden).
static TERMINAL_TAKEN: AtomicBool = AtomicBool::new(false);

/// Shows the view until `q` or Ctrl-C (which send [`ViewCommand::Quit`] on `commands`) or until
/// the engine closes `events`; `f` sends [`ViewCommand::FetchNow`]. Rows come from
/// [`ViewEvent::Repo`] and go on [`ViewEvent::Gone`]; `options` chooses which are shown, as `-w`
/// and `-q` do for `status`, and whether in colour. The terminal is given back as it was (raw mode off, the alternate
/// screen left, the cursor shown) however it ends, a panic included. An error is the
/// terminal's (none, or it went away).
pub fn run(
    root: &Path,
    events: Receiver<ViewEvent>,
    commands: Sender<ViewCommand>,
    options: ViewOptions,
) -> io::Result<()> {
    install_panic_hook();
    let mut screen = Screen::take()?;
    let (keys_tx, keys) = crossbeam_channel::bounded(64);
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = Arc::clone(&stop);
        thread::Builder::new()
            .name("watch-keys".to_owned())
            .spawn(move || read_keys(&keys_tx, &stop))?
    };
    // Set however `show` ends, a panic included, so that the reader does not outlive the view.
    let stop = StopOnDrop(stop);
    let mut model = Model::new(root.to_path_buf(), options.filter, options.colour);
    let result = show(&mut screen, &mut model, &events, &keys, &commands);
    drop(stop);
    drop(keys);
    // The reader stops within one poll; after that nothing reads the terminal behind the shell.
    // On a terminal that went away (its window closed, its tmux server killed) the terminal
    // library's read of the key stream never returns, spinning on end-of-file: that reader is
    // left to end with the process, or the view would never give up.
    let grace = Instant::now() + READER_GRACE;
    while !reader.is_finished() && Instant::now() < grace {
        thread::sleep(Duration::from_millis(10));
    }
    if reader.is_finished() {
        let _ = reader.join();
    }
    drop(screen);
    result
}

/// The loop: waits for an event or a key (no timeout: idle is asleep), then draws if needed.
fn show(
    screen: &mut Screen,
    model: &mut Model,
    events: &Receiver<ViewEvent>,
    keys: &Receiver<io::Result<Event>>,
    commands: &Sender<ViewCommand>,
) -> io::Result<()> {
    let mut changed = true;
    loop {
        if changed {
            screen.terminal.draw(|frame| draw::draw(frame, model))?;
        }
        changed = false;
        select! {
            recv(events) -> event => {
                let Ok(event) = event else {
                    return Ok(());
                };
                changed = model.apply(event);
                // A burst (the first reading of the fleet) is drawn once, not once a row.
                while let Ok(event) = events.try_recv() {
                    changed |= model.apply(event);
                }
            }
            recv(keys) -> key => {
                let Ok(key) = key else {
                    return Ok(());
                };
                match action(&key?) {
                    Action::Quit => {
                        let _ = commands.send(ViewCommand::Quit);
                        return Ok(());
                    }
                    Action::Fetch => {
                        let _ = commands.send(ViewCommand::FetchNow);
                    }
                    Action::Scroll(by) => changed = model.scroll(by),
                    Action::Redraw => changed = true,
                    Action::Nothing => {}
                }
            }
        }
    }
}

/// What a terminal event asks of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Quit,
    Fetch,
    Scroll(Scroll),
    Redraw,
    Nothing,
}

fn action(event: &Event) -> Action {
    match event {
        Event::Key(key) => key_action(key),
        Event::Resize(..) => Action::Redraw,
        _ => Action::Nothing,
    }
}

fn key_action(key: &KeyEvent) -> Action {
    // Terminals that report releases (Windows, the kitty protocol) would act twice otherwise.
    if key.kind == KeyEventKind::Release {
        return Action::Nothing;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('c') if ctrl => Action::Quit,
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('f') if !ctrl => Action::Fetch,
        KeyCode::Up => Action::Scroll(Scroll::Up),
        KeyCode::Down => Action::Scroll(Scroll::Down),
        KeyCode::PageUp => Action::Scroll(Scroll::PageUp),
        KeyCode::PageDown => Action::Scroll(Scroll::PageDown),
        KeyCode::Home => Action::Scroll(Scroll::Top),
        KeyCode::End => Action::Scroll(Scroll::Bottom),
        _ => Action::Nothing,
    }
}

/// Reads the terminal's events into `keys` until `stop` is set, the view stops listening, or a
/// quitting key was read (so that nothing reads the terminal once the shell has it back).
fn read_keys(keys: &Sender<io::Result<Event>>, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        let read = match event::poll(KEY_POLL) {
            Ok(false) => continue,
            Ok(true) => event::read(),
            Err(err) => Err(err),
        };
        let last = match &read {
            Ok(event) => action(event) == Action::Quit,
            Err(_) => true,
        };
        if keys.send(read).is_err() || last {
            return;
        }
    }
}

/// Tells the key reader to stop when dropped.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// The terminal in the view's modes; dropping it gives the terminal back.
struct Screen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Screen {
    fn take() -> io::Result<Screen> {
        enable_raw_mode()?;
        TERMINAL_TAKEN.store(true, Ordering::SeqCst);
        let mut stdout = io::stdout();
        if let Err(err) = execute!(stdout, EnterAlternateScreen, Hide) {
            restore_terminal();
            return Err(err);
        }
        match Terminal::new(CrosstermBackend::new(stdout)) {
            Ok(terminal) => Ok(Screen { terminal }),
            Err(err) => {
                restore_terminal();
                Err(err)
            }
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Raw mode off, the alternate screen left, the cursor shown; once, however many call it.
fn restore_terminal() {
    if TERMINAL_TAKEN.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
    }
}

/// Makes a panic give the terminal back before its message is printed (otherwise the message
/// would be drawn in raw mode on the alternate screen, and lost with it), then hands it to the
/// hook that was there before. Installed once; it does nothing while the view is not shown.
fn install_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
    });
}

#[cfg(test)]
mod tests;
