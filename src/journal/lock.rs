//! The root's lock: two runs never work on one root at once. A run that finds it taken waits
//! a little, then says which process holds it.

use std::fs;
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use super::{JournalError, io_error, state_dir};

/// Holds the root's lock for as long as it lives; two runs never work on one root at once.
#[derive(Debug)]
pub struct RootLock {
    _lock: nix::fcntl::Flock<fs::File>,
}

impl RootLock {
    /// Takes the lock of `root`, waiting up to `patience` for another run to finish.
    pub fn acquire(root: &Path, patience: Duration) -> Result<RootLock, JournalError> {
        use nix::fcntl::{Flock, FlockArg};
        use std::io::Write;
        let dir = state_dir().join("locks");
        fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        let key = crate::targets::fnv1a_64(root.as_os_str().as_encoded_bytes());
        let path = dir.join(format!("{key:016x}.lock"));
        let give_up = Instant::now() + patience;
        loop {
            let file = fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(&path)
                .map_err(io_error(&path))?;
            match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(mut lock) => {
                    // Who holds it, for the message the next run prints.
                    let _ = lock.set_len(0);
                    let _ = write!(lock, "{}", std::process::id());
                    return Ok(RootLock { _lock: lock });
                }
                Err((_, errno)) if errno == nix::errno::Errno::EWOULDBLOCK => {
                    if Instant::now() >= give_up {
                        let pid = fs::read_to_string(&path).unwrap_or_default();
                        return Err(JournalError::Busy {
                            root: root.to_path_buf(),
                            pid: pid.trim().to_owned(),
                            lock: path,
                        });
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err((_, errno)) => return Err(io_error(&path)(io::Error::from(errno))),
            }
        }
    }
}
