//! The lock a mutating run holds on each repository while it works there, so that two runs that
//! reach one repository by different ways (two roots, a root and its parent, two `.git` files
//! naming one git dir) never work on it at once. The root lock alone cannot see that.
//!
//! The lock is `git-batch.lock` inside the repository's git dir (the one that holds its index
//! and HEAD: a linked worktree has its own), holding the pid of its owner. It is an advisory
//! `flock`, which the system lets go of when its owner dies however it dies: a lock left by a
//! run killed outright is taken over at once, never waited on, and never needs removing by hand.

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};

/// The lock file's name, inside the git dir.
pub const LOCK_FILE: &str = "git-batch.lock";

/// Why a repository's lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds it.
    #[error("another git-batch run is working here (pid {pid}); it was left alone")]
    Held { pid: String },
    #[error("cannot lock the repository ({path}): {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// Holds a repository's lock for as long as it lives, and removes the lock file when dropped.
#[derive(Debug)]
pub struct RepoLock {
    lock: Option<Flock<fs::File>>,
    path: PathBuf,
}

impl RepoLock {
    /// Takes the lock of the repository whose git dir is `git_dir`, without waiting.
    pub fn acquire(git_dir: &Path) -> Result<RepoLock, LockError> {
        let path = git_dir.join(LOCK_FILE);
        let io = |source: io::Error| LockError::Io {
            path: path.clone(),
            source,
        };
        // A few tries: the file may be removed by its owner between our open and our lock.
        for _ in 0..8 {
            let file = fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(&path)
                .map_err(io)?;
            let mut lock = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(lock) => lock,
                Err((mut file, errno)) if errno == nix::errno::Errno::EWOULDBLOCK => {
                    let mut pid = String::new();
                    let _ = file.read_to_string(&mut pid);
                    let pid = pid.trim();
                    return Err(LockError::Held {
                        pid: if pid.is_empty() { "unknown" } else { pid }.to_owned(),
                    });
                }
                Err((_, errno)) => return Err(io(io::Error::from(errno))),
            };
            // Locked, but the file may have been removed (its owner let go) and another made in
            // its place since we opened it: then ours locks nothing. Try again.
            let same = match (lock.metadata(), fs::metadata(&path)) {
                (Ok(ours), Ok(now)) => ours.ino() == now.ino() && ours.dev() == now.dev(),
                _ => false,
            };
            if !same {
                continue;
            }
            lock.set_len(0).map_err(io)?;
            write!(lock, "{}", std::process::id()).map_err(io)?;
            return Ok(RepoLock {
                lock: Some(lock),
                path,
            });
        }
        Err(io(io::Error::other("the lock file keeps changing")))
    }
}

impl Drop for RepoLock {
    fn drop(&mut self) {
        // Removed while still locked, so that nobody can lock this file in between.
        let _ = fs::remove_file(&self.path);
        drop(self.lock.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_names_its_owner_and_is_free_again_once_dropped() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let first = RepoLock::acquire(dir.path()).expect("the first lock");
        match RepoLock::acquire(dir.path()) {
            Err(LockError::Held { pid }) => assert_eq!(pid, std::process::id().to_string()),
            other => panic!("{other:?}"),
        }
        drop(first);
        assert!(!dir.path().join(LOCK_FILE).exists());
        let _again = RepoLock::acquire(dir.path()).expect("free again");
    }

    #[test]
    fn a_lock_file_left_by_a_dead_run_is_taken_over() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        fs::write(dir.path().join(LOCK_FILE), "999999999").expect("a stale lock file");
        let lock = RepoLock::acquire(dir.path()).expect("taken over");
        let pid = fs::read_to_string(dir.path().join(LOCK_FILE)).expect("the pid");
        assert_eq!(pid, std::process::id().to_string());
        drop(lock);
    }
}
