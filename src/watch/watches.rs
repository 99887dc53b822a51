//! The operating system's file notifications, through the `notify` crate's recommended watcher
//! (inotify on Linux, FSEvents on macOS): one watch per folder, counted, with the watch limit
//! told apart from a folder that went away.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crossbeam_channel::Sender;
use notify::{RecommendedWatcher, RecursiveMode, Watcher};

/// The environment variable that caps the number of watches, for the tests of the watch limit
/// (read only for that; the real limit is `fs.inotify.max_user_watches`).
const LIMIT_VARIABLE: &str = "GIT_BATCH_WATCH_LIMIT";

/// What became of a request to watch a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// Watched (or watched already).
    Yes,
    /// The folder is gone, or cannot be watched for a reason of its own: nothing to follow.
    Skipped,
    /// The operating system's limit on watches is reached: the folder has to be polled.
    Full,
}

/// The watcher and the folders it watches.
pub struct Watches {
    watcher: RecommendedWatcher,
    watched: HashSet<PathBuf>,
    limit: Option<usize>,
}

impl std::fmt::Debug for Watches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watches")
            .field("watched", &self.watched.len())
            .finish_non_exhaustive()
    }
}

impl Watches {
    /// A watcher that sends every notification to `raw`.
    pub fn new(raw: Sender<notify::Result<notify::Event>>) -> notify::Result<Watches> {
        let watcher = notify::recommended_watcher(move |event| {
            let _ = raw.send(event);
        })?;
        let limit = std::env::var(LIMIT_VARIABLE)
            .ok()
            .and_then(|value| value.trim().parse().ok());
        Ok(Watches {
            watcher,
            watched: HashSet::new(),
            limit,
        })
    }

    /// Watches `dir`, alone or with every folder below it (`recursive`).
    pub fn add(&mut self, dir: &Path, recursive: bool) -> Added {
        if self.watched.contains(dir) {
            return Added::Yes;
        }
        if self.limit.is_some_and(|limit| self.watched.len() >= limit) {
            return Added::Full;
        }
        let mode = if recursive {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        match self.watcher.watch(dir, mode) {
            Ok(()) => {
                self.watched.insert(dir.to_path_buf());
                Added::Yes
            }
            Err(err) if is_limit(&err) => Added::Full,
            Err(_) => Added::Skipped,
        }
    }

    /// Stops watching `dir` and the folders below it that were watched on their own.
    pub fn remove_under(&mut self, dir: &Path) {
        let gone: Vec<PathBuf> = self
            .watched
            .iter()
            .filter(|path| path.starts_with(dir))
            .cloned()
            .collect();
        for path in gone {
            // A folder already deleted lost its watch with it: the error says nothing new.
            let _ = self.watcher.unwatch(&path);
            self.watched.remove(&path);
        }
    }

    /// How many folders are watched.
    pub fn len(&self) -> usize {
        self.watched.len()
    }
}

/// Whether `err` is the operating system's limit on watches (inotify's ENOSPC).
fn is_limit(err: &notify::Error) -> bool {
    match &err.kind {
        notify::ErrorKind::MaxFilesWatch => true,
        notify::ErrorKind::Io(io) => io.raw_os_error() == Some(libc::ENOSPC),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watch_limit_is_told_from_other_errors() {
        assert!(is_limit(&notify::Error::new(
            notify::ErrorKind::MaxFilesWatch
        )));
        let enospc = std::io::Error::from_raw_os_error(libc::ENOSPC);
        assert!(is_limit(&notify::Error::io(enospc)));
        let gone = std::io::Error::from_raw_os_error(libc::ENOENT);
        assert!(!is_limit(&notify::Error::io(gone)));
        assert!(!is_limit(&notify::Error::path_not_found()));
    }
}
