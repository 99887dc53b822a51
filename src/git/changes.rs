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
    let mut counter = compare_tracked(repo, index)?;
    if let Some(options) = dirwalk {
        counter.untracked = walk_untracked(repo, index, options)?;
    }
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
    let (Some(workdir), Some(options)) = (repo.workdir(), dirwalk) else {
        return index_worktree(repo, index, dirwalk);
    };
    let workdir = workdir.to_owned();
    std::thread::scope(|scope| {
        let walker = scope.spawn(move || -> Result<u64, ReadError> {
            let repo = super::read::open(&workdir)?;
            walk_untracked(&repo, index, options)
        });
        let mut counter = compare_tracked(repo, index)?;
        counter.untracked = walker
            .join()
            .map_err(|panic| ReadError::new(crate::pool::panic_message(&*panic)))??;
        Ok(counter)
    })
}

fn status_err(err: impl std::fmt::Display) -> ReadError {
    ReadError::from_gix("cannot compute status", err)
}

/// Compares each index entry with its file in the working tree, as `git status` does: by stat
/// data, and by content (through the repository's attributes and `text`/`eol` conversions, its
/// filter drivers removed) when the stat data cannot tell.
///
/// gix's lower-level comparison is called directly rather than `index_worktree_status`, which
/// also sets up the diff machinery for rename tracking and a channel between the comparison and
/// the directory walk, unused here.
fn compare_tracked(
    repo: &gix::Repository,
    index: &gix::index::State,
) -> Result<Counter, ReadError> {
    use gix::status::plumbing::index_as_worktree::{Context, Options, traits::FastEq};
    use gix::worktree::stack::state::attributes::Source;
    let mut counter = Counter::default();
    let Some(workdir) = repo.workdir() else {
        return Ok(counter);
    };
    let attributes = repo
        .attributes_only(index, Source::WorktreeThenIdMapping)
        .map_err(status_err)?
        .detach();
    let (filter, stack) = gix::filter::Pipeline::new(repo, attributes)
        .map_err(status_err)?
        .into_parts();
    let objects = repo.objects.clone().into_arc().map_err(status_err)?;
    let interrupt = AtomicBool::new(false);
    let context = Context {
        pathspec: no_pathspec(repo, index)?,
        stack,
        filter,
        should_interrupt: &interrupt,
    };
    let options = Options {
        fs: repo.filesystem_options().map_err(status_err)?,
        thread_limit: None,
        stat: repo.stat_options().map_err(status_err)?,
        fscache: false,
    };
    // Submodules are left out here (their entries are reported unchanged) and looked at apart:
    // gix would open each with its own configuration (and the user's), filter drivers included,
    // and run them.
    gix::status::plumbing::index_as_worktree(
        index,
        workdir,
        &mut counter,
        FastEq,
        NoSubmodules,
        objects,
        &mut gix::progress::Discard,
        context,
        options,
    )
    .map_err(status_err)?;
    Ok(counter)
}

/// The pathspec of a status of the whole working tree: none.
fn no_pathspec(
    repo: &gix::Repository,
    index: &gix::index::State,
) -> Result<gix::pathspec::Search, ReadError> {
    use gix::worktree::stack::state::attributes::Source;
    let pathspec = repo
        .pathspec(
            false,
            None::<&str>,
            true,
            index,
            Source::WorktreeThenIdMapping,
        )
        .map_err(status_err)?;
    Ok(pathspec.into_parts().0)
}

/// Counts the untracked paths of the working tree as `git status` shows them, with the walk
/// `options` asks for.
///
/// gix's directory walk is called directly, telling it that the top of the working tree is this
/// repository's own: asked through `Repository::dirwalk`, it would first find that out by
/// reading `.git` again as a possible nested repository and resolving its real path, a twentieth
/// of a small repository's status. Where the git folder is not `.git` at the top of the working
/// tree (`core.worktree`, a linked worktree), gix's own call does it.
fn walk_untracked(
    repo: &gix::Repository,
    index: &gix::index::State,
    options: gix::dirwalk::Options,
) -> Result<u64, ReadError> {
    use gix::worktree::stack::state::ignore::Source;
    let mut untracked = Untracked(0);
    let interrupt = AtomicBool::new(false);
    let Some(workdir) = repo.workdir() else {
        return Ok(0);
    };
    if repo.git_dir() != workdir.join(gix::discover::DOT_GIT_DIR) {
        repo.dirwalk(index, None::<&BStr>, &interrupt, options, &mut untracked)
            .map_err(status_err)?;
        return Ok(untracked.0);
    }
    let mut excludes = repo
        .excludes(index, None, Source::WorktreeThenIdMappingIfNotSkipped)
        .map_err(status_err)?;
    let mut pathspec = no_pathspec(repo, index)?;
    let git_dir_realpath = gix::path::realpath_opts(
        repo.git_dir(),
        repo.current_dir(),
        gix::path::realpath::MAX_SYMLINKS,
    )
    .map_err(status_err)?;
    let ignore_case = repo.filesystem_options().map_err(status_err)?.ignore_case;
    let icase_lookup = ignore_case.then(|| index.prepare_icase_backing());
    let own_root = std::collections::BTreeSet::from([gix::bstr::BString::default()]);
    let mut walk_options = gix::dir::walk::Options::from(options);
    walk_options.worktree_relative_worktree_dirs = Some(&own_root);
    let context = gix::dir::walk::Context {
        should_interrupt: Some(&interrupt),
        git_dir_realpath: &git_dir_realpath,
        current_dir: repo.current_dir(),
        index,
        ignore_case_index_lookup: icase_lookup.as_ref(),
        pathspec: &mut pathspec,
        // Only a pathspec with attributes asks: there is none.
        pathspec_attributes: &mut |_, _, _, _| false,
        excludes: Some(&mut excludes),
        objects: &repo.objects,
        explicit_traversal_root: Some(workdir),
    };
    gix::dir::walk(workdir, context, walk_options, &mut untracked).map_err(status_err)?;
    Ok(untracked.0)
}

/// Counts the untracked paths a directory walk reports.
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

impl<'index> gix::status::plumbing::index_as_worktree::VisitEntry<'index> for Counter {
    type ContentChange = ();
    type SubmoduleStatus = ();

    fn visit_entry(
        &mut self,
        _entries: &'index [gix::index::Entry],
        _entry: &'index gix::index::Entry,
        _entry_index: usize,
        _rela_path: &'index BStr,
        status: EntryStatus<(), ()>,
    ) {
        match status {
            // One item per conflicted path, whatever stages it has.
            EntryStatus::Conflict { .. } => self.conflicted += 1,
            EntryStatus::Change(_) | EntryStatus::IntentToAdd => self.unstaged += 1,
            EntryStatus::NeedsUpdate(_) => {}
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
