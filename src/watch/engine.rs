//! The watch engine: reads every repository once, then follows the file notifications of each,
//! reading again only the repository that changed (after a short quiet, so that a `git commit`
//! writing ten files is one reading), and tells its front end when a status differs from the
//! last one told. What notifications cannot cover (the watch limit) is polled on a slow period.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender, select};

use crate::git;
use crate::outcome::RepoReport;
use crate::pool;
use crate::settings::AutoSync;
use crate::targets::Repo;

use super::event::{ViewCommand, ViewEvent};
use super::fetch::{self, FetchSettings};
use super::watches::Watches;

mod folders;

/// How long a repository stays quiet after a notification before it is read again.
const QUIET: Duration = Duration::from_millis(50);
/// The longest a stream of notifications can put a reading off.
const MOST_DELAY: Duration = Duration::from_millis(500);
/// How often the repositories that notifications cannot cover are read.
const POLL_EVERY: Duration = Duration::from_secs(2);
/// How long the root stays quiet after a folder came or went before it is scanned again.
const RESCAN_AFTER: Duration = Duration::from_millis(200);

/// What the engine asks of the program around it: the fleet as it is now, and a sync.
pub trait Fleet {
    /// The selected repositories under the root, found again.
    fn discover(&self) -> Result<Vec<Repo>, String>;
    /// Commits and pushes `repo` as `sync` would, as a journaled run of its own; a sentence
    /// saying what happened.
    fn sync(&self, repo: &Repo, auto: &AutoSync) -> String;
}

/// How the engine runs.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub root: PathBuf,
    /// `--depth`: how deep repositories are looked for.
    pub depth: usize,
    /// Threads for reading many repositories at once.
    pub workers: usize,
    pub fetch_every: Option<Duration>,
    pub fetch: FetchSettings,
    pub sync: Option<AutoSync>,
}

/// Which part of a repository a watched folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Its git folder (HEAD, the index, refs).
    Git,
    /// A folder of its working tree.
    Tree,
    /// A folder of the root where a repository may appear.
    Root,
}

/// One repository followed.
#[derive(Debug)]
struct Followed {
    repo: Repo,
    /// What was last told about it (its report without the time it took to read).
    told: Option<serde_json::Value>,
    /// Notifications could not cover it: it is polled.
    polled: bool,
    /// When its working tree last changed, while a `--sync` is owed.
    tree_changed: Option<Instant>,
}

/// The engine's state.
pub struct Engine<'a> {
    options: EngineOptions,
    fleet: &'a dyn Fleet,
    events: Sender<ViewEvent>,
    repos: BTreeMap<PathBuf, Followed>,
    /// Every watched folder, and whose part it is (a repository's path, or the root).
    dirs: HashMap<PathBuf, (PathBuf, Part)>,
    watches: Option<Watches>,
    /// Repositories to read again: since when, and when.
    due: HashMap<PathBuf, (Instant, Instant)>,
    rescan: Option<Instant>,
    limit_said: bool,
    next_poll: Instant,
    next_fetch: Option<Instant>,
    fetching: bool,
    notes_said: HashSet<String>,
    /// The front end is gone: nothing more to tell anyone.
    closed: bool,
}

impl std::fmt::Debug for Engine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("repos", &self.repos.len())
            .finish_non_exhaustive()
    }
}

impl<'a> Engine<'a> {
    pub fn new(options: EngineOptions, fleet: &'a dyn Fleet, events: Sender<ViewEvent>) -> Self {
        let next_fetch = options.fetch_every.map(|every| Instant::now() + every);
        Engine {
            options,
            fleet,
            events,
            repos: BTreeMap::new(),
            dirs: HashMap::new(),
            watches: None,
            due: HashMap::new(),
            rescan: None,
            limit_said: false,
            next_poll: Instant::now() + POLL_EVERY,
            next_fetch,
            fetching: false,
            notes_said: HashSet::new(),
            closed: false,
        }
    }

    /// Reads `repos`, tells each, then follows changes until `commands` says quit (or its
    /// senders are gone).
    pub fn run(mut self, repos: Vec<Repo>, commands: &Receiver<ViewCommand>) {
        let paths = self.follow(repos);
        self.read_again(paths.clone(), false);
        let (raw_sender, raw) = crossbeam_channel::unbounded();
        match Watches::new(raw_sender) {
            Ok(watches) => self.watches = Some(watches),
            Err(err) => self.note(format!(
                "file notifications are not available ({err}): every repository is read again \
                 every {} s",
                POLL_EVERY.as_secs()
            )),
        }
        self.watch_root();
        self.watch_repos(paths);
        // What changed while the watches were being set up is read now.
        let now = Instant::now();
        for path in self.repos.keys() {
            self.due.insert(path.clone(), (now, now));
        }
        let (fetched_sender, fetched) = crossbeam_channel::unbounded::<Vec<String>>();
        loop {
            let timeout = self
                .next_deadline()
                .saturating_duration_since(Instant::now());
            select! {
                recv(raw) -> event => if let Ok(Ok(event)) = event {
                    self.heard(&event);
                },
                recv(commands) -> command => match command {
                    Ok(ViewCommand::FetchNow) => self.start_fetch(&fetched_sender),
                    Ok(ViewCommand::Quit) | Err(_) => break,
                },
                recv(fetched) -> notes => self.fetch_done(notes.unwrap_or_default()),
                default(timeout) => {}
            }
            while let Ok(Ok(event)) = raw.try_recv() {
                self.heard(&event);
            }
            self.tick(&fetched_sender);
            if self.closed {
                break;
            }
        }
    }

    /// Everything whose time has come: readings, the rescan, the poll, the fetch, the syncs.
    fn tick(&mut self, fetched: &Sender<Vec<String>>) {
        let now = Instant::now();
        if self.rescan.is_some_and(|at| at <= now) {
            self.rescan = None;
            self.rescan_root();
        }
        let ready: Vec<PathBuf> = self
            .due
            .iter()
            .filter(|(_, (_, at))| *at <= now)
            .map(|(path, _)| path.clone())
            .collect();
        if !ready.is_empty() {
            for path in &ready {
                self.due.remove(path);
            }
            self.read_again(ready, false);
        }
        if self.next_poll <= now {
            self.next_poll = now + POLL_EVERY;
            let polled: Vec<PathBuf> = self
                .repos
                .iter()
                .filter(|(_, followed)| followed.polled)
                .map(|(path, _)| path.clone())
                .collect();
            self.read_again(polled, true);
        }
        if self.next_fetch.is_some_and(|at| at <= now) {
            self.start_fetch(fetched);
        }
        self.sync_quiet(now);
    }

    /// The earliest time something is to be done.
    fn next_deadline(&self) -> Instant {
        let mut next = Instant::now() + Duration::from_secs(3600);
        let mut consider = |at: Instant| next = next.min(at);
        self.due.values().for_each(|(_, at)| consider(*at));
        self.rescan.into_iter().for_each(&mut consider);
        self.next_fetch.into_iter().for_each(&mut consider);
        if self.repos.values().any(|followed| followed.polled) {
            consider(self.next_poll);
        }
        if let Some(auto) = &self.options.sync {
            for followed in self.repos.values() {
                if let Some(changed) = followed.tree_changed {
                    consider(changed + auto.quiet_for);
                }
            }
        }
        next
    }

    /// Follows `repos` from now on (nothing told yet); returns their paths.
    fn follow(&mut self, repos: Vec<Repo>) -> Vec<PathBuf> {
        let mut paths = Vec::with_capacity(repos.len());
        for repo in repos {
            paths.push(repo.path.clone());
            self.repos.insert(
                repo.path.clone(),
                Followed {
                    repo,
                    told: None,
                    polled: false,
                    tree_changed: None,
                },
            );
        }
        paths
    }

    /// Reads the repositories at `paths` again and tells those whose status changed. A change
    /// seen by `polling` counts as a change of the working tree for `--sync`.
    fn read_again(&mut self, paths: Vec<PathBuf>, polling: bool) {
        let repos: Vec<Repo> = paths
            .iter()
            .filter_map(|path| Some(self.repos.get(path)?.repo.clone()))
            .collect();
        if repos.is_empty() {
            return;
        }
        let workers = self.options.workers.min(repos.len()).max(1);
        for (repo, report) in pool::map(repos, workers, read) {
            // A repository being removed is not a failure to read: the rescan says it is gone.
            if !repo.path.join(".git").exists() {
                self.rescan = Some(Instant::now() + RESCAN_AFTER);
                continue;
            }
            let report = report.unwrap_or_else(|panic| RepoReport::failed(&repo, panic.0));
            let changed = self.tell(&repo.path, report);
            if changed && polling && self.options.sync.is_some() {
                if let Some(followed) = self.repos.get_mut(&repo.path) {
                    followed.tree_changed = Some(Instant::now());
                }
            }
        }
    }

    /// Tells `report` when it differs from what was last told of its repository.
    fn tell(&mut self, path: &Path, report: RepoReport) -> bool {
        let Some(followed) = self.repos.get_mut(path) else {
            return false;
        };
        let mut key = serde_json::to_value(&report).unwrap_or_default();
        if let Some(map) = key.as_object_mut() {
            map.remove("duration_ms");
        }
        if followed.told.as_ref() == Some(&key) {
            return false;
        }
        followed.told = Some(key);
        self.send(ViewEvent::Repo(Box::new(report)));
        true
    }

    /// Tells the front end `event`; when it has gone (the view quit, the reader of the lines
    /// went away), the watch ends.
    fn send(&mut self, event: ViewEvent) {
        if self.events.send(event).is_err() {
            self.closed = true;
        }
    }

    /// Says `note` once for the whole watch.
    fn note(&mut self, note: String) {
        if self.notes_said.insert(note.clone()) {
            self.send(ViewEvent::Note(note));
        }
    }

    /// A notification: which repository, and which part of it, changed.
    fn heard(&mut self, event: &notify::Event) {
        use notify::EventKind;
        use notify::event::{AccessKind, AccessMode};
        // inotify reports every open of a file, the engine's own readings included: only a
        // write is a change.
        if matches!(event.kind, EventKind::Access(kind) if kind != AccessKind::Close(AccessMode::Write))
        {
            return;
        }
        let came_or_went = matches!(
            event.kind,
            EventKind::Create(_)
                | EventKind::Remove(_)
                | EventKind::Modify(notify::event::ModifyKind::Name(_))
        );
        for path in &event.paths {
            let Some((owner, part)) = self.owner(path) else {
                continue;
            };
            if came_or_went && self.may_hold_repository(path) {
                self.rescan = Some(Instant::now() + RESCAN_AFTER);
            }
            if part == Part::Root {
                continue;
            }
            let now = Instant::now();
            let first = self.due.get(&owner).map_or(now, |(first, _)| *first);
            let at = (now + QUIET).min(first + MOST_DELAY);
            self.due.insert(owner.clone(), (first, at));
            if part == Part::Tree {
                if let Some(followed) = self.repos.get_mut(&owner) {
                    if self.options.sync.is_some() {
                        followed.tree_changed = Some(now);
                    }
                }
                if came_or_went {
                    // A folder made (or moved in) is watched; one removed (or moved away) is
                    // forgotten, so that the next folder of that name is watched anew.
                    // (A folder removed and made again at once is watched anew either way.)
                    if self.dirs.contains_key(path) {
                        self.forget_dir(path);
                    }
                    if path.is_dir() {
                        self.watch_new_dir(&owner, path);
                    }
                }
            }
        }
    }

    /// The repository (or the root) a notification about `path` belongs to, and the part.
    fn owner(&self, path: &Path) -> Option<(PathBuf, Part)> {
        path.ancestors()
            .skip(1)
            .find_map(|dir| self.dirs.get(dir))
            .or_else(|| self.dirs.get(path))
            .cloned()
    }

    /// Whether a folder coming or going at `path` may add or remove a repository: it is a
    /// `.git`, or a folder no deeper than a repository can be.
    fn may_hold_repository(&self, path: &Path) -> bool {
        if path.file_name().is_some_and(|name| name == ".git") {
            return true;
        }
        let Ok(relative) = path.strip_prefix(&self.options.root) else {
            return false;
        };
        let depth = relative.components().count();
        depth < self.options.depth.max(1)
            && (path.is_dir() || self.repos.contains_key(path) || self.dirs.contains_key(path))
    }

    fn start_fetch(&mut self, done: &Sender<Vec<String>>) {
        self.next_fetch = self.options.fetch_every.map(|every| Instant::now() + every);
        if self.fetching {
            return;
        }
        self.fetching = true;
        let paths: Vec<PathBuf> = self.repos.keys().cloned().collect();
        let settings = self.options.fetch.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let notes = fetch::fetch_all(paths, &settings);
            let _ = done.send(notes);
        });
    }

    fn fetch_done(&mut self, notes: Vec<String>) {
        self.fetching = false;
        for note in notes {
            self.note(note);
        }
        self.send(ViewEvent::Fetched(SystemTime::now()));
    }

    /// `--sync`: each repository whose working tree has been quiet long enough after a change
    /// is synced, when it is dirty and in a state `sync` works in.
    fn sync_quiet(&mut self, now: Instant) {
        let Some(auto) = self.options.sync.clone() else {
            return;
        };
        let quiet: Vec<PathBuf> = self
            .repos
            .iter()
            .filter(|(path, followed)| {
                followed
                    .tree_changed
                    .is_some_and(|changed| changed + auto.quiet_for <= now)
                    && !self.due.contains_key(*path)
            })
            .map(|(path, _)| path.clone())
            .collect();
        for path in quiet {
            let Some(followed) = self.repos.get_mut(&path) else {
                continue;
            };
            followed.tree_changed = None;
            let repo = followed.repo.clone();
            // Never while git is at work here (an index.lock, a rebase), never detached: a
            // repository in such a state is left alone, and looked at again after its next
            // change.
            let ready = git::read_status(&repo.path).is_ok_and(|status| {
                status.state == git::RepoState::Dirty && !status.locked && status.branch.is_some()
            });
            if !ready {
                continue;
            }
            let said = self.fleet.sync(&repo, &auto);
            self.send(ViewEvent::Note(format!("{}: {said}", repo.name)));
            let now = Instant::now();
            self.due.insert(path, (now, now + QUIET));
        }
    }
}

/// One repository's status, as `status` reads it.
fn read(repo: &Repo) -> RepoReport {
    let started = Instant::now();
    let mut report = match (repo.refusal(), &repo.unreadable) {
        (Some(reason), _) => crate::engine::refused(repo, reason),
        (None, Some(err)) => RepoReport::failed(repo, err.clone()),
        (None, None) => crate::ops::status::status(repo),
    };
    report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    report
}
