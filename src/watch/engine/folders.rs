//! Which folders the engine watches: the root's (where repositories come and go), and each
//! repository's git folders and working tree; what it does when the watch limit is reached.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::git;
use crate::pool;
use crate::targets::Repo;

use super::super::event::ViewEvent;
use super::super::watches::{Added, Watches};
use super::{Engine, POLL_EVERY, Part};

impl Engine<'_> {
    /// Watches the folders of the root where a repository may appear or go: the root and each
    /// folder above `--depth` that is not a repository.
    pub(super) fn watch_root(&mut self) {
        let root = self.options.root.clone();
        let most = self.options.depth.saturating_sub(1);
        let walk = walkdir::WalkDir::new(&root)
            .max_depth(most)
            .follow_links(false)
            .into_iter()
            .filter_entry(|entry| {
                entry.file_type().is_dir()
                    && entry.file_name() != ".git"
                    && (entry.depth() == 0 || !entry.path().join(".git").exists())
            });
        for entry in walk.flatten() {
            let dir = entry.into_path();
            if self.add_watch(&dir, false) == Added::Full {
                self.limit_reached();
            }
            self.dirs.entry(dir).or_insert((root.clone(), Part::Root));
        }
    }

    /// Watches the repositories at `paths`: their git folders and working trees.
    pub(super) fn watch_repos(&mut self, paths: Vec<PathBuf>) {
        let workers = self.options.workers;
        let found = pool::map(paths, workers, |path| {
            git::watched::watched_dirs(path, path)
        });
        for (path, dirs) in found {
            match dirs {
                Ok(Ok(dirs)) => self.watch_dirs(&path, &dirs),
                // A repository that cannot be read for its folders is read on the slow period.
                _ => self.poll(&path, false),
            }
        }
    }

    pub(super) fn watch_dirs(&mut self, repo: &Path, dirs: &git::watched::WatchedDirs) {
        let mut wanted = vec![(dirs.git_dir.clone(), false, Part::Git)];
        if dirs.common_dir != dirs.git_dir {
            wanted.push((dirs.common_dir.clone(), false, Part::Git));
        }
        wanted.push((dirs.common_dir.join("refs"), true, Part::Git));
        wanted.extend(dirs.tree.iter().map(|dir| (dir.clone(), false, Part::Tree)));
        for (dir, recursive, part) in wanted {
            match self.add_watch(&dir, recursive) {
                Added::Yes => {
                    // The root's own folders stay the root's: a repository at the root shares
                    // its working tree with the folders where others may appear.
                    let entry = self.dirs.entry(dir).or_insert((repo.to_path_buf(), part));
                    if entry.1 == Part::Root {
                        *entry = (repo.to_path_buf(), part);
                    }
                }
                Added::Skipped => {}
                Added::Full => {
                    self.poll(repo, true);
                    return;
                }
            }
        }
    }

    /// A folder created in `repo`'s working tree: watched, with what it already holds, unless
    /// git ignores it.
    pub(super) fn watch_new_dir(&mut self, repo: &Path, dir: &Path) {
        if self.dirs.contains_key(dir) {
            return;
        }
        if let Ok(dirs) = git::watched::watched_dirs(repo, dir) {
            for tree_dir in &dirs.tree {
                match self.add_watch(tree_dir, false) {
                    Added::Yes => {
                        self.dirs
                            .insert(tree_dir.clone(), (repo.to_path_buf(), Part::Tree));
                    }
                    Added::Skipped => {}
                    Added::Full => {
                        self.poll(repo, true);
                        return;
                    }
                }
            }
        }
    }

    /// Forgets the folder at `dir` and every folder below it: they are gone.
    pub(super) fn forget_dir(&mut self, dir: &Path) {
        self.dirs.retain(|watched, _| !watched.starts_with(dir));
        if let Some(watches) = &mut self.watches {
            watches.remove_under(dir);
        }
    }

    pub(super) fn add_watch(&mut self, dir: &Path, recursive: bool) -> Added {
        match &mut self.watches {
            Some(watches) => watches.add(dir, recursive),
            None => Added::Full,
        }
    }

    /// `repo` is polled from now on; the watch limit (when it is the reason) is said once.
    pub(super) fn poll(&mut self, repo: &Path, limit: bool) {
        if let Some(followed) = self.repos.get_mut(repo) {
            followed.polled = true;
        }
        if limit && self.watches.is_some() {
            self.limit_reached();
        }
    }

    pub(super) fn limit_reached(&mut self) {
        if !self.limit_said {
            self.limit_said = true;
            let watched = self.watches.as_ref().map_or(0, Watches::len);
            self.note(format!(
                "the limit on file watches is reached ({watched} folders watched): the \
                 repositories left over are read every {} s; raise it with `sysctl \
                 fs.inotify.max_user_watches=524288`",
                POLL_EVERY.as_secs()
            ));
        }
    }

    /// A folder came or went near the root: repositories that appeared are read and watched,
    /// those gone are said to be gone.
    pub(super) fn rescan_root(&mut self) {
        let Ok(found) = self.fleet.discover() else {
            return;
        };
        let now: HashSet<PathBuf> = found.iter().map(|repo| repo.path.clone()).collect();
        let gone: Vec<PathBuf> = self
            .repos
            .keys()
            .filter(|path| !now.contains(*path))
            .cloned()
            .collect();
        for path in gone {
            if let Some(followed) = self.repos.remove(&path) {
                self.due.remove(&path);
                self.dirs.retain(|dir, (owner, _)| {
                    *owner != path || dir.starts_with(&self.options.root) && !dir.starts_with(&path)
                });
                if let Some(watches) = &mut self.watches {
                    watches.remove_under(&path);
                }
                self.send(ViewEvent::Gone(followed.repo.name));
            }
        }
        let new: Vec<Repo> = found
            .into_iter()
            .filter(|repo| !self.repos.contains_key(&repo.path))
            .collect();
        if new.is_empty() {
            return;
        }
        // Watched before it is read, so that no change after the reading goes unseen.
        let paths = self.follow(new);
        self.watch_root();
        self.watch_repos(paths.clone());
        self.read_again(paths, false);
    }
}
