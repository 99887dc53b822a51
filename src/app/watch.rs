//! `watch`: the engine on this thread, its front end (the full-screen view, or the jsonl
//! printer off a terminal) on another; Ctrl-C and SIGTERM ask the engine to stop, and the watch
//! ends with exit 0.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crossbeam_channel::Sender;

use super::context::Context;
use crate::error::UsageError;
use crate::exit::ExitCode;
use crate::ops::sync::SyncOptions;
use crate::report::RunHeader;
use crate::settings::{AutoSync, Format, Settings, Verbosity, WatchOptions};
use crate::targets::{Repo, WhereFilter};
use crate::watch::engine::{Engine, EngineOptions, Fleet};
use crate::watch::event::{ViewCommand, ViewEvent};
use crate::watch::fetch::FetchSettings;
use crate::watch::view::{self, ViewFilter, ViewOptions};

/// `watch`: follows the selected repositories until `q`, Ctrl-C or SIGTERM.
pub(super) fn watch(
    settings: &Settings,
    cwd: &Path,
    options: &WatchOptions,
) -> Result<ExitCode, UsageError> {
    let (commands, heard) = crossbeam_channel::unbounded();
    // Installed before the context's own handler (which then stays out): here a Ctrl-C is the
    // way to quit, not an interruption.
    install_quit_handler(commands.clone());
    let context = Context::open(settings, cwd)?;
    let settings = &context.settings;
    let on_terminal = std::io::stdout().is_terminal() && settings.format == Format::Human;
    // The view checks `-w` and `-q` on every reading, so that a repository that comes to match
    // shows up: it watches every repository `has=PATH` keeps. The stream keeps the set `-w`
    // chose at the start.
    let has: Option<Vec<WhereFilter>> = on_terminal.then(|| {
        (settings.selection.filters.iter())
            .filter(|filter| matches!(filter, WhereFilter::Has(_)))
            .cloned()
            .collect()
    });
    let (root, repos) = select(&context, has.as_deref())?;
    let engine_options = EngineOptions {
        root: root.clone(),
        depth: settings.selection.depth,
        workers: settings.workers(repos.len(), true),
        fetch_every: options.fetch_every,
        fetch: FetchSettings {
            timeout: settings.timeout,
            per_host: settings.per_host,
            workers: settings.workers(repos.len(), false),
        },
        sync: options.sync.clone(),
    };
    // What a sync prints would break the view and the stream: its outcome is told as a note.
    crate::report::silence_runs();
    let fleet = RunFleet {
        context: &context,
        has,
    };
    let (events, received) = crossbeam_channel::unbounded::<ViewEvent>();
    let view = on_terminal.then(|| ViewOptions {
        filter: ViewFilter {
            filters: settings.selection.filters.clone(),
            quiet: settings.verbosity == Verbosity::Quiet,
        },
        colour: crate::report::stdout_in_colour(),
    });
    let shown = std::thread::scope(|scope| {
        let front = scope.spawn(move || {
            let shown = match view {
                Some(options) => view::run(&root, received, commands.clone(), options),
                None => {
                    crate::watch::jsonl::print(received);
                    Ok(())
                }
            };
            // The view was quit, or the lines' reader went away (`| head -1`): the watch ends.
            let _ = commands.send(ViewCommand::Quit);
            shown
        });
        Engine::new(engine_options, &fleet, events).run(repos, &heard);
        front.join().unwrap_or(Ok(()))
    });
    shown.map_err(|err| UsageError::Request(format!("cannot show the view: {err}")))?;
    Ok(ExitCode::Success)
}

/// The repositories to watch: as `status` selects them, or, for the view, with only the
/// conditions in `has` (the view applies the others itself).
fn select(
    context: &Context<'_>,
    has: Option<&[WhereFilter]>,
) -> Result<(std::path::PathBuf, Vec<Repo>), UsageError> {
    match has {
        Some(has) => context.select_where(has),
        None => context.select(),
    }
}

/// Ctrl-C, SIGTERM and SIGHUP ask the engine to quit; a second one also stops the git commands
/// still running (a push of `--sync`).
fn install_quit_handler(commands: Sender<ViewCommand>) {
    static HEARD: AtomicUsize = AtomicUsize::new(0);
    let _ = ctrlc::set_handler(move || {
        if HEARD.fetch_add(1, Ordering::SeqCst) >= 1 {
            crate::process::terminate_all();
        }
        let _ = commands.send(ViewCommand::Quit);
    });
}

/// The fleet as the engine sees it: found again as `status` finds it, synced as `sync` syncs.
struct RunFleet<'c> {
    context: &'c Context<'c>,
    /// The view's selection (see [`select`]); `None` for the stream.
    has: Option<Vec<WhereFilter>>,
}

impl Fleet for RunFleet<'_> {
    fn discover(&self) -> Result<Vec<Repo>, String> {
        select(self.context, self.has.as_deref())
            .map(|(_, repos)| repos)
            .map_err(|err| err.to_string())
    }

    fn sync(&self, repo: &Repo, auto: &AutoSync) -> String {
        let settings = &self.context.settings;
        let header = RunHeader {
            command: "sync",
            run_id: None,
            root: settings.selection.root.clone(),
            dry_run: settings.dry_run,
            total: 1,
            workers: 1,
            notes: Vec::new(),
            check: false,
            fixes: Vec::new(),
        };
        let header = match self.context.root() {
            Ok(root) => RunHeader { root, ..header },
            Err(_) => header,
        };
        let options = SyncOptions {
            message: auto.message.clone(),
            pull: false,
            push: true,
            branch: None,
            dry_run: settings.dry_run,
            timeout: settings.timeout,
            run_id: String::new(),
        };
        let journal = &self.context.journal;
        match crate::commands::sync(
            settings,
            header,
            vec![repo.clone()],
            options,
            journal,
            Instant::now(),
            None,
        ) {
            Ok(run) => {
                let said = run
                    .repos
                    .first()
                    .map(|report| report.message.clone())
                    .unwrap_or_default();
                match run.run_id {
                    Some(id) if run.summary.changed > 0 => {
                        format!("synced ({said}), run {id}: `git batch undo {id}` takes it back")
                    }
                    _ => format!("not synced ({said})"),
                }
            }
            Err(err) => format!("not synced: {err}"),
        }
    }
}
