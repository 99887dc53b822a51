//! Reading a repository in process with gix, so that reading never runs a program that the
//! repository's configuration names, and never writes.

use std::path::Path;

use gix::bstr::ByteSlice;
use serde::Serialize;

/// What a repository is in the middle of, or how its working tree stands, as one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RepoState {
    /// On a branch with an upstream, nothing to commit.
    Clean,
    /// Staged, unstaged or untracked changes.
    Dirty,
    /// HEAD names a commit, not a branch.
    Detached,
    /// Paths with unresolved conflicts (`UU`), with no merge, rebase or other operation in
    /// progress: left by `git stash pop`, `git checkout -m` or an aborted tool.
    Conflicted,
    Rebasing,
    Merging,
    CherryPicking,
    Reverting,
    Bisecting,
    /// `git am` is applying patches.
    ApplyingMailbox,
    /// On a branch without an upstream, nothing to commit.
    NoUpstream,
}

impl RepoState {
    /// The word used in tables and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RepoState::Clean => "clean",
            RepoState::Dirty => "dirty",
            RepoState::Detached => "detached",
            RepoState::Conflicted => "conflicted",
            RepoState::Rebasing => "rebasing",
            RepoState::Merging => "merging",
            RepoState::CherryPicking => "cherry-picking",
            RepoState::Reverting => "reverting",
            RepoState::Bisecting => "bisecting",
            RepoState::ApplyingMailbox => "applying-mailbox",
            RepoState::NoUpstream => "no-upstream",
        }
    }

    /// Whether the repository is in the middle of an operation that a batch change must not touch.
    pub fn in_progress(self) -> bool {
        matches!(
            self,
            RepoState::Rebasing
                | RepoState::Merging
                | RepoState::CherryPicking
                | RepoState::Reverting
                | RepoState::Bisecting
                | RepoState::ApplyingMailbox
        )
    }
}

/// A repository's state, as `git status --porcelain=v2 --branch` would describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepoStatus {
    /// The branch HEAD points to; `None` when detached.
    pub branch: Option<String>,
    /// The upstream's short name (`origin/main`); `None` when there is none.
    pub upstream: Option<String>,
    /// Commits on HEAD that the upstream lacks.
    pub ahead: u64,
    /// Commits on the upstream that HEAD lacks.
    pub behind: u64,
    /// Paths whose index entry differs from HEAD.
    pub staged: u64,
    /// Tracked paths whose working-tree file differs from the index (conflicts not included).
    pub unstaged: u64,
    /// Paths with unresolved conflicts (`UU`, `AA`, … in `git status --short`), counted once
    /// each, apart from the staged and unstaged ones.
    pub conflicted: u64,
    /// Untracked paths, an untracked folder counting once, as `git status` shows them.
    pub untracked: u64,
    pub state: RepoState,
    /// The commit HEAD points to, in hex; `None` before the first commit.
    pub head: Option<String>,
    /// An `index.lock` is present: another git process is running here, or one was killed and
    /// left it. git refuses to change the index until it is gone.
    pub locked: bool,
    /// The tree of HEAD's commit, in hex (not printed).
    #[serde(skip)]
    pub head_tree: Option<String>,
}

impl RepoStatus {
    /// Any staged, unstaged, conflicted or untracked change.
    pub fn is_dirty(&self) -> bool {
        self.staged + self.unstaged + self.conflicted + self.untracked > 0
    }
}

/// A repository that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(String);

impl ReadError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        ReadError(message.into())
    }

    pub(super) fn from_gix(context: &str, err: impl std::fmt::Display) -> Self {
        ReadError(format!("{context}: {err}"))
    }
}

/// Opens the repository whose working tree is `path`, for reading.
pub fn open(path: &Path) -> Result<gix::Repository, ReadError> {
    // `index.skipHash` only skips verifying the index's trailing checksum on read, which git
    // itself does not verify outside `fsck` either; nothing here writes an index.
    open_with(
        path,
        gix::odb::store::init::Slots::default(),
        &["index.skipHash=true"],
    )
}

/// Pack index slots for [`read_status`]'s first try: more than a repository under git's
/// `gc.autoPackLimit` (50) can have, so that the try fails only where packs pile up unpacked.
const STATUS_PACK_SLOTS: u16 = 64;

fn open_with(
    path: &Path,
    slots: gix::odb::store::init::Slots,
    overrides: &[&str],
) -> Result<gix::Repository, ReadError> {
    // Full trust is not asked for: gix applies git's `safe.directory` rules as git would.
    let options = gix::open::Options::default()
        .config_overrides(overrides.iter().copied())
        .object_store_slots(slots);
    // Naming `.git` (folder or gitfile) directly spares gix from probing `path` first.
    let mut repo = gix::open_opts(path.join(".git"), options)
        .map_err(|err| ReadError::from_gix("cannot open repository", err))?;
    disable_filter_drivers(&mut repo)?;
    Ok(repo)
}

/// Removes `filter.<driver>.*` from the in-memory configuration: comparing a changed file with
/// the index would otherwise run the repository's `clean`/`process` programs, and reading must
/// never run a program that the repository's configuration names. The file on disk is untouched.
pub(super) fn disable_filter_drivers(repo: &mut gix::Repository) -> Result<(), ReadError> {
    let has_filters = repo
        .config_snapshot()
        .plumbing()
        .sections_by_name("filter")
        .is_some_and(|mut sections| sections.next().is_some());
    if !has_filters {
        return Ok(());
    }
    let mut config = repo.config_snapshot_mut();
    let mut ids = Vec::new();
    let mut drivers: Vec<gix::bstr::BString> = Vec::new();
    for (section, id) in config
        .sections_and_ids_by_name("filter")
        .into_iter()
        .flatten()
    {
        ids.push(id);
        let converts = section.value("clean").is_some() || section.value("process").is_some();
        if let (true, Some(name)) = (converts, section.header().subsection_name()) {
            if !drivers.iter().any(|known| known == name) {
                drivers.push(name.to_owned());
            }
        }
    }
    for id in ids {
        config.remove_section_by_id(id);
    }
    // Remembered (in memory only) for the dry-run blob reader, which must know when a file's stored
    // form depends on a driver that is not run.
    if !drivers.is_empty() {
        let mut section = config
            .section_mut_or_create_new(REMOVED_SECTION, None)
            .map_err(|err| ReadError::from_gix("cannot read configuration", err))?;
        for name in &drivers {
            section
                .push(REMOVED_KEY, Some(name.as_bstr()))
                .map_err(|err| ReadError::from_gix("cannot read configuration", err))?;
        }
    }
    config
        .commit()
        .map_err(|err| ReadError::from_gix("cannot read configuration", err))?;
    Ok(())
}

const REMOVED_SECTION: &str = "gitbatch";
const REMOVED_KEY: &str = "removedFilterDriver";

/// The filter drivers with a `clean` or `process` program that [`open`] removed.
pub fn removed_filter_drivers(repo: &gix::Repository) -> Vec<gix::bstr::BString> {
    repo.config_snapshot()
        .plumbing()
        .strings(format!("{REMOVED_SECTION}.{REMOVED_KEY}").as_str())
        .unwrap_or_default()
}

/// Reads the repository's full status in process. Never writes (not even the index's stat cache).
pub fn read_status(path: &Path) -> Result<RepoStatus, ReadError> {
    // When the repository is the current folder (`-t .`, one big repository), it is opened by a
    // relative path: the kernel then resolves every tracked file's path from the current folder,
    // not from the root of the file system, which saves a part of each of tens of thousands of
    // `lstat`s (git does the same by working from the top of the working tree).
    let here = std::env::current_dir().is_ok_and(|cwd| cwd == path);
    let inside = if here {
        None
    } else {
        super::thread_dir::enter(path)
    };
    let path = if here || inside.is_some() {
        Path::new("")
    } else {
        path
    };
    // A fixed number of pack index slots spares gix from listing the pack folder (and resolving
    // alternates) just to size them when it opens the repository; it lists the folder again on
    // the first object read anyway. With more packs than slots the read fails, and is made
    // again with the slots sized from the folder, as every other command opens repositories.
    let given = gix::odb::store::init::Slots::Given(STATUS_PACK_SLOTS);
    // No configuration is overridden: the status reads the index itself, without its checksum.
    match open_with(path, given, &[]).and_then(|repo| read_status_of(&repo)) {
        Ok(status) => Ok(status),
        Err(_) => read_status_of(&open(path)?),
    }
}

/// [`read_status`] on an opened repository.
pub fn read_status_of(repo: &gix::Repository) -> Result<RepoStatus, ReadError> {
    let head = repo
        .head()
        .map_err(|err| ReadError::from_gix("cannot read HEAD", err))?;
    let head_id = head.id().map(gix::Id::detach);
    let branch_ref = head.referent_name().map(ToOwned::to_owned);
    let branch = branch_ref
        .as_ref()
        .map(|name| name.shorten().to_str_lossy().into_owned());

    let upstream_ref = match &branch_ref {
        Some(name) => upstream_of(repo, name.as_ref())?,
        None => None,
    };
    let upstream = upstream_ref
        .as_ref()
        .map(|name| name.shorten().to_str_lossy().into_owned());

    let (ahead, behind) = match (&upstream_ref, head_id) {
        (Some(name), Some(head_id)) => {
            let upstream_id = match repo
                .try_find_reference(name.as_ref())
                .map_err(|err| ReadError::from_gix("cannot read the upstream", err))?
            {
                Some(reference) => upstream_commit(repo, reference, head_id)?,
                None => None,
            };
            match upstream_id {
                Some(upstream_id) => ahead_behind(repo, head_id, upstream_id)?,
                // Configured but never fetched, or deleted on the remote ("gone").
                None => (0, 0),
            }
        }
        _ => (0, 0),
    };

    let head_tree = match head_id {
        Some(id) => Some(match super::commit_tree::tree_of_commit(repo, &id) {
            Some(tree) => tree,
            None => repo
                .find_commit(id)
                .and_then(|commit| commit.tree_id())
                .map_err(|err| ReadError::from_gix("cannot read HEAD's commit", err))?
                .detach(),
        }),
        None => None,
    };
    let changes = super::changes::count_changes(repo, head_tree)?;
    let state = match repo.state() {
        Some(in_progress) => in_progress_state(in_progress),
        // Unresolved conflicts come first: nothing else can be done before they are.
        None if changes.conflicted > 0 => RepoState::Conflicted,
        None if branch.is_none() => RepoState::Detached,
        None if changes.staged + changes.unstaged + changes.untracked > 0 => RepoState::Dirty,
        None if upstream.is_none() => RepoState::NoUpstream,
        None => RepoState::Clean,
    };
    Ok(RepoStatus {
        branch,
        upstream,
        ahead,
        behind,
        staged: changes.staged,
        unstaged: changes.unstaged,
        conflicted: changes.conflicted,
        untracked: changes.untracked,
        state,
        head: head_id.map(|id| id.to_string()),
        locked: index_lock_path(repo).exists(),
        head_tree: head_tree.map(|id| id.to_string()),
    })
}

/// The object the upstream's ref names, for the ahead/behind walk from HEAD's commit `head`;
/// `None` when it names no object this repository has.
fn upstream_commit(
    repo: &gix::Repository,
    mut reference: gix::Reference<'_>,
    head: gix::ObjectId,
) -> Result<Option<gix::ObjectId>, ReadError> {
    let Some(id) = reference.target().try_id().map(ToOwned::to_owned) else {
        // A symbolic ref: followed, and a tag peeled, by gix.
        return Ok(reference.peel_to_id().ok().map(gix::Id::detach));
    };
    // HEAD's own commit: no object needs to be read to know that they are even.
    if id == head {
        return Ok(Some(id));
    }
    // A missing object counts as no upstream, as git counts it. Any other failure to read it (a
    // store opened with too few pack slots) is an error, so that the read is made again.
    let object = repo
        .try_find_header(id)
        .map_err(|err| ReadError::from_gix("cannot read the upstream", err))?;
    match object {
        None => Ok(None),
        Some(header) if header.kind() == gix::object::Kind::Tag => {
            Ok(reference.peel_to_id().ok().map(gix::Id::detach))
        }
        Some(_) => Ok(Some(id)),
    }
}

/// The full name of `branch`'s upstream: its remote-tracking branch, or, when
/// `branch.<name>.remote` is `.` (`git branch --track X main`), the local branch that
/// `branch.<name>.merge` names, as `git status` reports it.
fn upstream_of(
    repo: &gix::Repository,
    branch: &gix::refs::FullNameRef,
) -> Result<Option<gix::refs::FullName>, ReadError> {
    let fetch = gix::remote::Direction::Fetch;
    let tracks_local = repo
        .branch_remote_name(branch.shorten(), fetch)
        .is_some_and(|remote| remote.as_bstr() == ".");
    let upstream = if tracks_local {
        repo.branch_remote_ref_name(branch, fetch)
    } else {
        repo.branch_remote_tracking_ref_name(branch, fetch)
    };
    upstream
        .transpose()
        .map_err(|err| ReadError::from_gix("cannot resolve the upstream", err))
}

/// What the repository is in the middle of (a rebase, a merge, …), if anything.
pub fn operation_in_progress(repo: &gix::Repository) -> Option<RepoState> {
    repo.state().map(in_progress_state)
}

fn in_progress_state(in_progress: gix::state::InProgress) -> RepoState {
    use gix::state::InProgress;
    match in_progress {
        InProgress::Rebase | InProgress::RebaseInteractive | InProgress::ApplyMailboxRebase => {
            RepoState::Rebasing
        }
        InProgress::Merge => RepoState::Merging,
        InProgress::CherryPick | InProgress::CherryPickSequence => RepoState::CherryPicking,
        InProgress::Revert | InProgress::RevertSequence => RepoState::Reverting,
        InProgress::Bisect => RepoState::Bisecting,
        InProgress::ApplyMailbox => RepoState::ApplyingMailbox,
    }
}

fn ahead_behind(
    repo: &gix::Repository,
    head: gix::ObjectId,
    upstream: gix::ObjectId,
) -> Result<(u64, u64), ReadError> {
    if head == upstream {
        return Ok((0, 0));
    }
    let count = |tip: gix::ObjectId, hidden: gix::ObjectId| -> Result<u64, ReadError> {
        let walk = repo
            .rev_walk([tip])
            .with_hidden([hidden])
            .all()
            .map_err(|err| ReadError::from_gix("cannot walk history", err))?;
        let mut n = 0;
        for commit in walk {
            commit.map_err(|err| ReadError::from_gix("cannot walk history", err))?;
            n += 1;
        }
        Ok(n)
    };
    Ok((count(head, upstream)?, count(upstream, head)?))
}

/// Whether `rela_path` (with `/`) is tracked in the repository's index.
pub fn tracks(repo: &gix::Repository, rela_path: &str) -> Result<bool, ReadError> {
    let index = repo
        .index_or_empty()
        .map_err(|err| ReadError::from_gix("cannot read the index", err))?;
    Ok(index
        .entry_by_path(rela_path.as_bytes().as_bstr())
        .is_some())
}

/// Where a branch pushes and what it tracks, from the repository's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    /// The remote `git push` uses for the branch (`branch.<name>.pushRemote`,
    /// `remote.pushDefault`, then `branch.<name>.remote`); `.` for a local upstream.
    pub push_remote: String,
    /// The remote the upstream is fetched from (`branch.<name>.remote`).
    pub fetch_remote: String,
    /// The branch on the remote (`branch.<name>.merge`), e.g. `refs/heads/main`.
    pub merge_ref: String,
    /// The local ref that mirrors it, e.g. `refs/remotes/origin/main`.
    pub tracking_ref: Option<String>,
    /// The URL pushes go to, after `insteadOf` rewrites; `None` for a local upstream.
    pub push_url: Option<String>,
}

/// The tracking configuration of HEAD's branch, when it has an upstream.
pub fn tracking_of_head(repo: &gix::Repository) -> Result<Option<Tracking>, ReadError> {
    let Some(branch) = repo
        .head_name()
        .map_err(|err| ReadError::from_gix("cannot read HEAD", err))?
    else {
        return Ok(None);
    };
    let fetch = gix::remote::Direction::Fetch;
    let push = gix::remote::Direction::Push;
    let short = branch.shorten();
    let Some(fetch_remote) = repo.branch_remote_name(short, fetch) else {
        return Ok(None);
    };
    let fetch_remote = fetch_remote.as_bstr().to_str_lossy().into_owned();
    let Some(merge_ref) = repo
        .branch_remote_ref_name(branch.as_ref(), fetch)
        .transpose()
        .map_err(|err| ReadError::from_gix("cannot resolve the upstream", err))?
    else {
        return Ok(None);
    };
    let push_remote = repo.branch_remote_name(short, push).map_or_else(
        || fetch_remote.clone(),
        |name| name.as_bstr().to_str_lossy().into_owned(),
    );
    let tracking_ref = upstream_of(repo, branch.as_ref())?.map(|name| name.as_bstr().to_string());
    let push_url = if push_remote == "." {
        None
    } else {
        repo.find_remote(push_remote.as_str())
            .ok()
            .and_then(|remote| remote.url(push).map(|url| url.to_bstring().to_string()))
    };
    Ok(Some(Tracking {
        push_remote,
        fetch_remote,
        merge_ref: merge_ref.as_bstr().to_string(),
        tracking_ref,
        push_url,
    }))
}

/// The path of the repository's index lock, present while a git process changes the index.
pub fn index_lock_path(repo: &gix::Repository) -> std::path::PathBuf {
    let mut path = repo.index_path().into_os_string();
    path.push(".lock");
    path.into()
}
