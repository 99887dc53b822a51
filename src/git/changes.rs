//! Counting a repository's staged, unstaged, conflicted and untracked paths in process, as
//! `git status` shows them.
//!
//! gix's lower-level calls are used directly, not its `status()` iterator: the iterator also sets
//! up a submodule checker (reading `.gitmodules`, from the index or HEAD's tree when the working
//! tree lacks it) that is thrown away here, since submodules are looked at apart, and it passes
//! every change through a channel. Over a fleet of small repositories that set-up is a
//! noticeable share of each repository's cost.

use std::sync::atomic::AtomicBool;

use gix::bstr::BStr;
use gix::status::plumbing::index_as_worktree::EntryStatus;
use gix::status::plumbing::index_as_worktree_with_renames::{Entry, VisitEntry};

use super::{ReadError, disable_filter_drivers};

#[derive(Debug, Default)]
pub(super) struct Changes {
    pub(super) staged: u64,
    pub(super) unstaged: u64,
    pub(super) conflicted: u64,
    pub(super) untracked: u64,
}

/// Counts the changes of `repo` whose HEAD's tree is `head_tree` (`None` before the first commit).
pub(super) fn count_changes(
    repo: &gix::Repository,
    head_tree: Option<gix::ObjectId>,
) -> Result<Changes, ReadError> {
    let status_err = |err| ReadError::from_gix("cannot compute status", err);
    let mut changes = Changes::default();
    if repo.workdir().is_none() {
        return Ok(changes);
    }
    let index = read_index(repo)?;
    // git keeps a cache of tree ids in the index (the TREE extension) and drops an entry as soon
    // as a path below it is staged. A valid root entry equal to HEAD's tree therefore proves that
    // nothing is staged, and the comparison of HEAD's tree with the index can be skipped.
    let nothing_staged = match (index.tree(), head_tree) {
        (Some(cached), Some(head_tree)) => cached.num_entries.is_some() && cached.id == head_tree,
        _ => false,
    };
    if !nothing_staged {
        // Before the first commit every index entry is staged: compared with the empty tree.
        let tree = head_tree.unwrap_or_else(|| gix::ObjectId::empty_tree(repo.object_hash()));
        repo.tree_index_status(&tree, &index, None, Default::default(), |_, _, _| {
            changes.staged += 1;
            Ok(gix::diff::index::Action::Continue(()))
        })
        .map_err(status_err)?;
    }
    let has_submodules = index
        .entries()
        .iter()
        .any(|entry| entry.mode == gix::index::entry::Mode::COMMIT);
    let dirwalk = dirwalk_options(repo)?;
    let counter = if dirwalk.is_some() && index.entries().len() >= SPLIT_AT_ENTRIES {
        split_index_and_walk(repo, &index, dirwalk)?
    } else {
        index_worktree(repo, &index, dirwalk)?
    };
    changes.unstaged = counter.unstaged;
    changes.conflicted = counter.conflicted;
    changes.untracked = counter.untracked;
    if has_submodules {
        changes.unstaged += modified_submodules(repo)?;
    }
    Ok(changes)
}

/// The repository's index, or an empty one when it has none (before the first `git add`).
///
/// Read directly rather than through the repository's shared index snapshot: nothing else here
/// reads it again, and the trailing checksum is not verified (as `index.skipHash` would have it),
/// which git itself does not do outside `fsck` either. The file is read into memory, not mapped
/// as gix's reader does: unmapping it again makes the kernel interrupt every other core running
/// one of the pool's threads (to flush their address translations), and over a fleet of small
/// repositories that cost a tenth of the whole status.
fn read_index(repo: &gix::Repository) -> Result<gix::index::File, ReadError> {
    use gix::config::tree::Index;
    let index_err = |err| ReadError::from_gix("cannot read the index", err);
    let thread_limit = match repo.config_snapshot().string("index.threads") {
        Some(value) => Index::THREADS
            .try_into_index_threads(value)
            .map_err(index_err)?
            .into(),
        None => None,
    };
    let options = gix::index::decode::Options {
        thread_limit,
        ..Default::default()
    };
    let path = repo.index_path();
    let (data, mtime) = match read_whole(&path) {
        Ok(read) => read,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok(gix::index::File::from_state(
                gix::index::State::new(repo.object_hash()),
                path,
            ));
        }
        Err(err) => return Err(ReadError::from_gix("cannot read the index", err)),
    };
    // The modification time goes with the entries: an entry changed in the same second as the
    // index was written is compared by content, not trusted by its stat data ("racy git").
    let (state, _checksum) =
        gix::index::State::from_bytes(&data, mtime, repo.object_hash(), options)
            .map_err(index_err)?;
    if state.link().is_some() {
        // A split index: gix's reader joins its shared part.
        return gix::index::File::at(&path, repo.object_hash(), true, options).map_err(index_err);
    }
    Ok(gix::index::File::from_state(state, path))
}

/// The whole file at `path` and its modification time, from one open file.
fn read_whole(path: &std::path::Path) -> std::io::Result<(Vec<u8>, filetime::FileTime)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    let mut data = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.read_to_end(&mut data)?;
    Ok((
        data,
        filetime::FileTime::from_last_modification_time(&metadata),
    ))
}

/// From this many index entries on, the walk for untracked files runs on a thread of its own
/// while the index is compared with the working tree: in one big repository the two take about
/// as long each (tens of thousands of `lstat`s against as many directory entries read). A fleet
/// of small repositories keeps one thread per repository, the pool's.
const SPLIT_AT_ENTRIES: usize = 4096;

/// The directory walk `git status` makes for untracked files, as `status.showUntrackedFiles`
/// asks: `no` skips it, `all` lists the files inside untracked folders (each counted), `normal`
/// the folder once.
fn dirwalk_options(repo: &gix::Repository) -> Result<Option<gix::dirwalk::Options>, ReadError> {
    let emission = match untracked_files(repo)? {
        gix::status::UntrackedFiles::None => return Ok(None),
        gix::status::UntrackedFiles::Files => gix::dir::walk::EmissionMode::Matching,
        _ => gix::dir::walk::EmissionMode::CollapseDirectory,
    };
    let options = repo
        .dirwalk_options()
        .map_err(|err| ReadError::from_gix("cannot compute status", err))?;
    Ok(Some(options.emit_untracked(emission)))
}

/// Compares the index with the working tree and, with `dirwalk`, walks it for untracked paths,
/// on the calling thread.
fn index_worktree(
    repo: &gix::Repository,
    index: &gix::index::State,
    dirwalk: Option<gix::dirwalk::Options>,
) -> Result<Counter, ReadError> {
    let mut counter = Counter::default();
    let options = gix::status::index_worktree::Options {
        sorting: None,
        dirwalk_options: dirwalk,
        rewrites: None,
        thread_limit: None,
    };
    let interrupt = AtomicBool::new(false);
    // Submodules are left out here (their entries are reported unchanged) and looked at apart:
    // gix would open each with its own configuration (and the user's), filter drivers included,
    // and run them.
    repo.index_worktree_status(
        index,
        None::<&BStr>,
        &mut counter,
        gix::status::plumbing::index_as_worktree::traits::FastEq,
        NoSubmodules,
        &mut gix::progress::Discard,
        &interrupt,
        options,
    )
    .map_err(|err| ReadError::from_gix("cannot compute status", err))?;
    Ok(counter)
}

/// [`index_worktree`] with the walk for untracked paths on a second thread. The repository is
/// opened again for it (an opened repository stays on its thread), which costs little next to
/// the walk of a big working tree.
fn split_index_and_walk(
    repo: &gix::Repository,
    index: &gix::index::State,
    dirwalk: Option<gix::dirwalk::Options>,
) -> Result<Counter, ReadError> {
    let Some(workdir) = repo.workdir() else {
        return index_worktree(repo, index, dirwalk);
    };
    let workdir = workdir.to_owned();
    std::thread::scope(|scope| {
        let walker = scope.spawn(move || -> Result<u64, ReadError> {
            let repo = super::read::open(&workdir)?;
            let mut untracked = Untracked(0);
            let interrupt = AtomicBool::new(false);
            let options = dirwalk.expect("only split with a walk to make");
            repo.dirwalk(index, None::<&BStr>, &interrupt, options, &mut untracked)
                .map_err(|err| ReadError::from_gix("cannot compute status", err))?;
            Ok(untracked.0)
        });
        let mut counter = index_worktree(repo, index, None)?;
        counter.untracked = walker
            .join()
            .map_err(|panic| ReadError::new(crate::pool::panic_message(&*panic)))??;
        Ok(counter)
    })
}

/// Counts the untracked paths a directory walk reports, as [`Counter`] does.
struct Untracked(u64);

impl gix::dir::walk::Delegate for Untracked {
    fn emit(
        &mut self,
        entry: gix::dir::EntryRef<'_>,
        _collapsed_directory_status: Option<gix::dir::entry::Status>,
    ) -> gix::dir::walk::Action {
        // `git status` never shows what cannot be tracked (sockets, fifos), as gix's own status.
        if entry.status == gix::dir::entry::Status::Untracked
            && entry.disk_kind != Some(gix::dir::entry::Kind::Untrackable)
        {
            self.0 += 1;
        }
        std::ops::ControlFlow::Continue(())
    }
}

/// The repository's `status.showUntrackedFiles`, `normal` when unset.
fn untracked_files(repo: &gix::Repository) -> Result<gix::status::UntrackedFiles, ReadError> {
    use gix::config::tree::{Key, Status};
    let config = repo.config_snapshot();
    let Some(value) = config.string(Status::SHOW_UNTRACKED_FILES.logical_name().as_str()) else {
        return Ok(gix::status::UntrackedFiles::default());
    };
    Status::SHOW_UNTRACKED_FILES
        .try_into_show_untracked_files(value)
        .map_err(|err| ReadError::from_gix("cannot read status.showUntrackedFiles", err))
}

/// Counts what the index-worktree comparison reports.
#[derive(Debug, Default)]
struct Counter {
    unstaged: u64,
    conflicted: u64,
    untracked: u64,
}

impl<'index> VisitEntry<'index> for Counter {
    type ContentChange = ();
    type SubmoduleStatus = ();

    fn visit_entry(&mut self, entry: Entry<'index, (), ()>) {
        match entry {
            Entry::Modification { status, .. } => match status {
                // One item per conflicted path, whatever stages it has.
                EntryStatus::Conflict { .. } => self.conflicted += 1,
                EntryStatus::Change(_) | EntryStatus::IntentToAdd => self.unstaged += 1,
                EntryStatus::NeedsUpdate(_) => {}
            },
            Entry::DirectoryContents { entry, .. } => {
                if entry.status == gix::dir::entry::Status::Untracked {
                    self.untracked += 1;
                }
            }
            // Rename tracking between index and worktree is off above.
            Entry::Rewrite { .. } => self.unstaged += 1,
        }
    }
}

/// The submodule checker handed to gix: every submodule unchanged, as they are looked at apart.
#[derive(Debug, Clone, Copy)]
struct NoSubmodules;

impl gix::status::plumbing::index_as_worktree::traits::SubmoduleStatus for NoSubmodules {
    type Output = ();

    fn status(&mut self, _entry: &gix::index::Entry, _rela_path: &BStr) -> gix::Result<Option<()>> {
        Ok(None)
    }
}

/// How many submodules `git status` shows as modified: checked out at another commit than the
/// one recorded, or with changes of their own (untracked files too, unless their `ignore`
/// setting says otherwise). Each is opened with its filter drivers removed, as the top-level
/// repository is, and looked at with [`count_changes`], so nested submodules are too.
fn modified_submodules(repo: &gix::Repository) -> Result<u64, ReadError> {
    use gix::submodule::config::Ignore;
    let sub_err = |err| ReadError::from_gix("cannot read a submodule", err);
    let Some(submodules) = repo.submodules().map_err(sub_err)? else {
        return Ok(0);
    };
    // `diff.ignoreSubmodules` overrides every submodule's own setting, as in git.
    let global_ignore = repo
        .config_snapshot()
        .string("diff.ignoreSubmodules")
        .and_then(|value| Ignore::try_from(value.as_ref()).ok());
    let mut modified = 0;
    for submodule in submodules {
        let ignore = match global_ignore {
            Some(ignore) => ignore,
            None => submodule.ignore().map_err(sub_err)?.unwrap_or_default(),
        };
        if ignore == Ignore::All {
            continue;
        }
        let Some(recorded) = submodule.index_id().map_err(sub_err)? else {
            continue;
        };
        if !submodule.state().map_err(sub_err)?.worktree_checkout {
            continue;
        }
        let Some(mut sub) = submodule.open().map_err(sub_err)? else {
            continue;
        };
        disable_filter_drivers(&mut sub)?;
        let head = sub.head_id().ok().map(gix::Id::detach);
        if head != Some(recorded) {
            modified += 1;
            continue;
        }
        if ignore == Ignore::Dirty {
            continue;
        }
        let head_tree = sub.head_tree_id().ok().map(gix::Id::detach);
        let inside = count_changes(&sub, head_tree)?;
        let untracked_counts = ignore == Ignore::None;
        let changed = inside.staged + inside.unstaged + inside.conflicted > 0;
        if changed || (untracked_counts && inside.untracked > 0) {
            modified += 1;
        }
    }
    Ok(modified)
}
