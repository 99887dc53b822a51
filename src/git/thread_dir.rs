//! Reading a repository from inside its folder, on a thread of the pool.
//!
//! Every file git-batch reads in a repository is named by a path; the kernel resolves each one
//! component by component, from the root of the file system for an absolute path. From inside
//! the repository's folder the same paths are short (`.git/HEAD`, `src/lib.rs`), which saves a
//! good part of each of the hundreds of system calls a status makes per repository (git itself
//! works from the top of the working tree). The working folder is the process's, though, so on
//! Linux a thread first takes a working folder of its own (`unshare(CLONE_FS)`): entering a
//! repository then changes nothing for the other threads, and leaving it goes back to where
//! the thread was. Elsewhere, or when the kernel refuses, nothing changes and paths stay
//! absolute.

use std::path::Path;

/// The calling thread's working folder is a repository's while this lives; dropped, the
/// thread is back in the folder it started in.
#[derive(Debug)]
pub(super) struct Inside(());

/// Makes `path` the calling thread's working folder, when the thread can have one of its own.
#[cfg(target_os = "linux")]
pub(super) fn enter(path: &Path) -> Option<Inside> {
    let ready = HOME.with(|home| {
        home.get_or_init(|| {
            // The folder to go back to, kept open: it is found again even if renamed.
            let back = std::fs::File::open(".").ok()?;
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_FS).ok()?;
            Some(back)
        })
        .is_some()
    });
    if !ready {
        return None;
    }
    nix::unistd::chdir(path).ok()?;
    Some(Inside(()))
}

/// Makes `path` the calling thread's working folder, when the thread can have one of its own.
#[cfg(not(target_os = "linux"))]
pub(super) fn enter(_path: &Path) -> Option<Inside> {
    None
}

#[cfg(target_os = "linux")]
thread_local! {
    /// The folder the thread started in, once it has a working folder of its own (`None`: it
    /// cannot have one).
    static HOME: std::cell::OnceCell<Option<std::fs::File>> = const { std::cell::OnceCell::new() };
}

impl Drop for Inside {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        HOME.with(|home| {
            if let Some(Some(back)) = home.get() {
                // Cannot fail on an open folder; if it did, the thread would keep reading by
                // short paths from the wrong folder, so it is stopped instead.
                nix::unistd::fchdir(back).expect("cannot go back to the thread's working folder");
            }
        });
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_thread_enters_a_folder_alone_and_comes_back() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let folder = folder.path().canonicalize().expect("canonical");
        let before = std::env::current_dir().expect("the working folder");
        let entered = std::sync::Barrier::new(2);
        let looked = std::sync::Barrier::new(2);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let inside = enter(&folder).expect("Linux gives a thread its own folder");
                assert_eq!(std::env::current_dir().expect("cwd"), folder);
                // A thread it starts shares its folder (the directory walk of a big repository
                // runs on one).
                let child = std::thread::scope(|inner| {
                    inner
                        .spawn(|| std::env::current_dir().expect("cwd"))
                        .join()
                        .expect("the inner thread")
                });
                assert_eq!(child, folder, "threads it starts share its folder");
                entered.wait();
                looked.wait();
                drop(inside);
                assert_eq!(std::env::current_dir().expect("cwd"), before);
            });
            entered.wait();
            // Meanwhile the process, and this thread, work where they did.
            assert_eq!(std::env::current_dir().expect("cwd"), before);
            looked.wait();
        });
        assert_eq!(std::env::current_dir().expect("cwd"), before);
    }

    #[test]
    fn a_folder_that_cannot_be_entered_leaves_the_thread_where_it_was() {
        let before = std::env::current_dir().expect("the working folder");
        let missing = Path::new("/nonexistent/git-batch/folder");
        std::thread::spawn(move || {
            assert!(enter(missing).is_none());
            assert_eq!(std::env::current_dir().expect("cwd"), before);
        })
        .join()
        .expect("the thread");
    }
}
