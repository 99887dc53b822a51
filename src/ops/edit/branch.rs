//! `--branch NAME` for the content operations: the change is decided on the base's tree (or on
//! NAME's remote tip, so that a rerun adds to it), written as blobs, trees and a commit in the
//! object store, put on `refs/heads/NAME` and pushed, never forced. The working tree, the index
//! and the checked-out branch are not touched.

use std::path::Path;

use gix::bstr::ByteSlice;

use super::target::{self, Lookup, NoTarget, Target};
use super::{Change, Decided, Decision, EditOptions, Mode, OpenPr, Snapshot};
use crate::git::commit::off_tree::{self, TreeFile};
use crate::git::{self, Git, PushResult};
use crate::hosts::HostGate;
use crate::journal::RepoRecord;
use crate::ops::change::{BranchOptions, tree_snapshot};
use crate::ops::sync::Started;
use crate::outcome::{ChangeBranch, Details, Outcome, RepoChanges, RepoReport};
use crate::planned::Planned;
use crate::targets::Repo;
use crate::words::{describe_files, plural};

/// Why a `--branch` run stops in a repository before it writes: the outcome and its message.
type Stop = (Outcome, String);

/// Why one try at a repository ends without its message.
enum Retry {
    /// It stops here, with this outcome.
    Stop(Stop),
    /// The remote-tracking refs it built on are not what the remote has (the push was refused,
    /// or there seemed to be nothing to do): try again from the remote's tips. Nothing of the
    /// try is left.
    Again,
}

impl From<Stop> for Retry {
    fn from(stop: Stop) -> Retry {
        Retry::Stop(stop)
    }
}

fn skip(reason: String) -> Stop {
    (Outcome::Skipped, reason)
}

/// What a real run calls out to: the per-host cap, the journal before the first write, and with
/// `--pr` the forge.
pub(super) struct Steps<'a> {
    pub gate: &'a HostGate,
    pub started: &'a Started<'a>,
    pub open_pr: Option<&'a OpenPr<'a>>,
}

/// Runs a content operation onto branch `branch.name` of `repo` (the repository's lock is
/// held by the caller for a real run).
pub(super) fn edit_on_branch<D, R>(
    repo: &Repo,
    opened: &gix::Repository,
    options: &EditOptions,
    branch: &BranchOptions,
    decide: &D,
    steps: &Steps<'_>,
) -> RepoReport
where
    D: Fn(&Snapshot) -> R + ?Sized,
    R: Into<Decided>,
{
    let head = git::refs::head_id_in(opened).ok().flatten();
    let mut details = RepoChanges {
        branch: Some(branch.name.clone()),
        head_before: head.clone(),
        head_after: head,
        ..RepoChanges::default()
    };
    let git = Git::new(&repo.path, options.timeout);
    let (outcome, message) = match on_branch(
        repo,
        (opened, &git),
        options,
        branch,
        decide,
        steps,
        &mut details,
    ) {
        Ok(message) => (Outcome::Changed, message),
        Err(stop) => stop,
    };
    RepoReport::new(repo, outcome, message).with_details(Details::Edit(details))
}

/// The steps of [`edit_on_branch`]. A real run first builds on the remote-tracking refs and
/// pushes without asking the remote anything before (one round trip less per repository); when
/// the remote refuses that push, or there seems to be nothing to do, it tries once more from the
/// remote's tips as `git ls-remote` gives them. A dry run reads the refs as last fetched.
fn on_branch<D, R>(
    repo: &Repo,
    (opened, git): (&gix::Repository, &Git<'_>),
    options: &EditOptions,
    branch: &BranchOptions,
    decide: &D,
    steps: &Steps<'_>,
    details: &mut RepoChanges,
) -> Result<String, Stop>
where
    D: Fn(&Snapshot) -> R + ?Sized,
    R: Into<Decided>,
{
    let lookups: &[Lookup] = match options.mode {
        Mode::Apply => &[Lookup::Tracking, Lookup::Remote],
        _ => &[Lookup::Offline],
    };
    let fresh = details.clone();
    for &lookup in lookups {
        *details = fresh.clone();
        let tried = attempt(
            repo,
            (opened, git),
            (options, branch, lookup),
            decide,
            steps,
            details,
        );
        match tried {
            Ok(message) => return Ok(message),
            Err(Retry::Stop(stop)) => return Err(stop),
            Err(Retry::Again) => {}
        }
    }
    unreachable!("the remote's own tips are never tried again")
}

/// One try of [`on_branch`]: where the branch starts, what changes on that tree, and a real
/// run's commit and push, or what a dry run would do.
fn attempt<D, R>(
    repo: &Repo,
    (opened, git): (&gix::Repository, &Git<'_>),
    (options, branch, lookup): (&EditOptions, &BranchOptions, Lookup),
    decide: &D,
    steps: &Steps<'_>,
    details: &mut RepoChanges,
) -> Result<String, Retry>
where
    D: Fn(&Snapshot) -> R + ?Sized,
    R: Into<Decided>,
{
    let name = branch.name.as_str();
    let target = target_of(opened, git, steps.gate, branch, lookup)?;
    let snapshot = snapshot_at(opened, &target)?;
    let Decided { decision, mentions } = decide(&snapshot).into();
    details.mentions = mentions;
    let where_to = format!("{name} ({})", target.starting_point(name));
    let changes = match decision {
        // The remote may hold more than the refs as last fetched: ask it before saying so.
        Decision::Unchanged(_) if lookup == Lookup::Tracking && !target.asked => {
            return Err(Retry::Again);
        }
        Decision::Unchanged(message) => {
            let mut message = format!("{message} on {where_to}");
            // A rerun with nothing new still reports the branch's open change request.
            if let (Some(open), Some(_)) = (steps.open_pr, target.remote_tip) {
                let record = pushed_branch(&target, name, None);
                match open(repo, &record) {
                    Ok((pr, said)) => {
                        message.push_str(&pr_words(&pr, &said));
                        details.pr = Some(pr);
                    }
                    Err(err) => {
                        return Err(Retry::Stop((
                            Outcome::Failed,
                            format!("{message}, but {err}"),
                        )));
                    }
                }
            }
            return Err(Retry::Stop((Outcome::Unchanged, message)));
        }
        Decision::Skip(reason) => return Err(skip(reason).into()),
        Decision::Change(changes) => changes,
    };
    let stored = stored_changes(&snapshot, &changes).map_err(skip)?;
    describe(details, &snapshot, &changes, &target, name, options.diff);
    if options.mode != Mode::Apply {
        let mut message = format!(
            "would commit {} on {where_to} and push it to {}",
            describe_files(&details.files),
            target.remote
        );
        if branch.pr.is_some() {
            message.push_str(", and would open a pull request/merge request");
        }
        return Ok(message);
    }
    // What becomes of each file is said for a dry run only.
    details.planned.clear();
    commit_and_push(
        repo,
        opened,
        git,
        steps,
        options,
        (&target, name),
        &stored,
        details,
    )
}

/// Where the branch starts, unless it cannot be made here: NAME checked out, no remote or
/// base, a local NAME with commits of its own.
fn target_of(
    opened: &gix::Repository,
    git: &Git<'_>,
    gate: &HostGate,
    branch: &BranchOptions,
    lookup: Lookup,
) -> Result<Target, Retry> {
    let name = branch.name.as_str();
    if let Some(at) = checked_out_at(opened, name) {
        return Err(skip(format!(
            "{name} is checked out {at}: --branch works off the checked-out branch (switch to \
             another branch, or give another --branch)"
        ))
        .into());
    }
    let target = target::resolve(opened, git, gate, (name, branch.base.as_deref()), lookup)
        .map_err(|no| match no {
            NoTarget::Skip(reason) => skip(reason),
            NoTarget::Failed(reason) => (Outcome::Failed, reason),
        })?;
    match local_ahead(git, name, &target) {
        // The remote may have the branch where the refs as fetched do not say so.
        Some(_) if lookup == Lookup::Tracking && !target.asked => Err(Retry::Again),
        Some(reason) => Err(skip(reason).into()),
        None => Ok(target),
    }
}

/// Where branch `name` is checked out, if it is: here, or in another worktree of the same
/// repository (moving it there would leave that worktree's index and files behind it).
fn checked_out_at(opened: &gix::Repository, name: &str) -> Option<String> {
    let wanted = format!("ref: refs/heads/{name}");
    let names = |dir: &Path| {
        std::fs::read_to_string(dir.join("HEAD")).is_ok_and(|head| head.trim_end() == wanted)
    };
    if names(opened.git_dir()) {
        return Some("here".into());
    }
    let common = opened.common_dir();
    if common != opened.git_dir() && names(common) {
        return Some("in the main worktree".into());
    }
    let linked = std::fs::read_dir(common.join("worktrees")).ok()?;
    linked
        .flatten()
        .map(|entry| entry.path())
        .filter(|dir| dir.as_path() != opened.git_dir())
        .find(|dir| names(dir))
        .map(|dir| {
            let at = std::fs::read_to_string(dir.join("gitdir")).unwrap_or_default();
            let at = Path::new(at.trim_end());
            format!("in the worktree {}", at.parent().unwrap_or(at).display())
        })
}

/// The tree the change is decided on, as a snapshot whose files are its blobs.
fn snapshot_at(opened: &gix::Repository, target: &Target) -> Result<Snapshot, Stop> {
    let failed = |message: String| (Outcome::Failed, message);
    let workdir = opened
        .workdir()
        .map_or_else(|| opened.git_dir().to_path_buf(), Path::to_path_buf);
    let tree = opened
        .find_commit(target.parent())
        .and_then(|commit| commit.tree_id())
        .map_err(|err| failed(format!("cannot read {}: {err}", target.parent())))?
        .detach();
    tree_snapshot(opened, workdir, tree).map_err(failed)
}

/// The report's account of the change: its files (and what becomes of each, for a dry run),
/// the diff when asked, and the branch.
fn describe(
    details: &mut RepoChanges,
    snapshot: &Snapshot,
    changes: &[Change],
    target: &Target,
    name: &str,
    with_diff: bool,
) {
    let mut files: Vec<String> = changes
        .iter()
        .map(|c| c.path.to_str_lossy().into_owned())
        .collect();
    files.sort();
    details.set_files(files);
    details.planned = changes
        .iter()
        .map(|c| {
            let planned = Planned::of(c.old.is_some(), c.new.is_some());
            (c.path.to_str_lossy().into_owned(), planned)
        })
        .collect();
    if with_diff {
        details.diff = Some(super::diff::unified(snapshot, changes));
    }
    details.change_branch = Some(ChangeBranch {
        name: name.to_owned(),
        base: target.base.clone(),
        remote: target.remote.clone(),
        local_before: target.local_before.map(|id| id.to_string()),
        remote_before: target.remote_tip.map(|id| id.to_string()),
        commit: None,
        pushed: false,
        checked_out_before: None,
    });
}

/// Why the local branch NAME cannot be moved to a commit built on the target: it has commits
/// that the starting point lacks (they would be dropped from it).
fn local_ahead(git: &Git<'_>, name: &str, target: &Target) -> Option<String> {
    let local = target.local_before?;
    let parent = target.parent();
    if local == parent {
        return None;
    }
    let (local_hex, parent_hex) = (local.to_string(), parent.to_string());
    match git.check(&["merge-base", "--is-ancestor", &local_hex, &parent_hex]) {
        Ok(()) => None,
        Err(_) => Some(format!(
            "the local branch {name} has commits that {}/{} lacks: push or drop them first",
            target.remote,
            if target.remote_tip.is_some() {
                name
            } else {
                target.base.as_str()
            }
        )),
    }
}

/// One changed file as the new tree holds it: the bytes git would store (line endings cleaned
/// as `git add` cleans them) and its mode (a rewritten file keeps its own).
struct StoredChange {
    path: gix::bstr::BString,
    content: Option<Vec<u8>>,
    executable: bool,
}

fn stored_changes(snapshot: &Snapshot, changes: &[Change]) -> Result<Vec<StoredChange>, String> {
    let mut cleaner = git::blob::Stored::new(&snapshot.repo).map_err(|err| err.to_string())?;
    changes
        .iter()
        .map(|change| {
            let path = change.path.as_bstr();
            let executable = match snapshot.entry(path) {
                Some(tracked) => tracked.kind == super::EntryKind::Executable,
                None => change.executable,
            };
            let content = match &change.new {
                Some(new) => Some(
                    cleaner
                        .bytes(path, new)
                        .map_err(|err| format!("{}: {err}", path.to_str_lossy()))?,
                ),
                None => None,
            };
            Ok(StoredChange {
                path: change.path.clone(),
                content,
                executable,
            })
        })
        .collect()
}

/// Journals the repository as started, writes the tree and the commit, moves the local branch
/// and pushes it. The message says what was done; `Err` what failed (and what stays), or that
/// the remote-tracking refs it built on were out of date (then nothing of it is left but
/// unreachable objects, and the journal's record is written again by the next try).
#[allow(clippy::too_many_arguments)]
fn commit_and_push(
    repo: &Repo,
    opened: &gix::Repository,
    git: &Git<'_>,
    steps: &Steps<'_>,
    options: &EditOptions,
    (target, name): (&Target, &str),
    stored: &[StoredChange],
    details: &mut RepoChanges,
) -> Result<String, Retry> {
    let failed = |message: String| Retry::Stop((Outcome::Failed, message));
    let parent = target.parent();
    // Blobs, trees and the commit stay in memory, written as one pack before the branch moves.
    let staged = git::pack::staging(opened);
    let (base_tree, tree) = trees(&staged, parent, stored).map_err(failed)?;
    if tree == base_tree {
        // Cleaned as git stores them, the files are what the tree holds already.
        details.set_files(Vec::new());
        details.change_branch = None;
        return Ok(format!("nothing to change on {name}"));
    }
    (steps.started)(&started_record(repo, details)).map_err(failed)?;
    let id = off_tree::commit_tree(&staged, git, &options.message, tree, parent).map_err(failed)?;
    let reflog = format!("git-batch {}: commit on {name}", options.run_id);
    off_tree::set_branch(opened, name, id, target.local_before, &reflog).map_err(failed)?;
    details.commit = Some(id.to_string());
    let record = details.change_branch.as_mut().expect("set before");
    record.commit = Some(id.to_string());
    let count = details.files.len();
    let committed = format!(
        "committed {count} {} on {name} ({})",
        plural(count, "file", "files"),
        target.starting_point(name)
    );
    let pushed = {
        let _permit = steps.gate.enter(&target.host);
        let expected = target.remote_tip.map(|tip| tip.to_string());
        git::push_onto(
            git,
            &target.remote,
            &id.to_string(),
            name,
            expected.as_deref(),
        )
    };
    match pushed {
        PushResult::Pushed { .. } => {
            record.pushed = true;
            details.pushed = true;
            let message = format!("{committed}, pushed to {}", target.remote);
            open_change_request(repo, steps, details, message).map_err(failed)
        }
        PushResult::Rejected if !target.asked => {
            let reflog = format!("git-batch {}: {name} put back to try again", options.run_id);
            off_tree::put_branch_back(opened, name, id, target.local_before, &reflog).map_err(
                |err| failed(format!("{committed}, but the push was refused and {err}")),
            )?;
            Err(Retry::Again)
        }
        PushResult::Rejected => Err(failed(format!(
            "{committed}, but the push was rejected: {}/{name} has commits this run did not \
             build on (rerun to build on them); the branch stays local (undo takes it back)",
            target.remote
        ))),
        other => Err(failed(format!(
            "{committed}, but the push failed: {other}; the branch stays local (undo takes it \
             back)"
        ))),
    }
}

/// The tree of `parent` and that tree with the `stored` changes written in (the same when the
/// files are what it holds already).
fn trees(
    opened: &gix::Repository,
    parent: gix::ObjectId,
    stored: &[StoredChange],
) -> Result<(gix::ObjectId, gix::ObjectId), String> {
    let base_tree = opened
        .find_commit(parent)
        .and_then(|commit| commit.tree_id())
        .map_err(|err| format!("cannot read {parent}: {err}"))?
        .detach();
    let files: Vec<TreeFile<'_>> = stored
        .iter()
        .map(|change| TreeFile {
            path: change.path.as_bstr(),
            content: change.content.as_deref(),
            executable: change.executable,
        })
        .collect();
    let tree = off_tree::tree_with(opened, base_tree, &files)?;
    Ok((base_tree, tree))
}

/// With `--pr`, after the push: opens (or finds) the branch's change request and adds it to
/// `message`; `Err` is `message` with what the forge refused.
fn open_change_request(
    repo: &Repo,
    steps: &Steps<'_>,
    details: &mut RepoChanges,
    mut message: String,
) -> Result<String, String> {
    let Some(open) = steps.open_pr else {
        return Ok(message);
    };
    let record = details.change_branch.clone().expect("set before");
    match open(repo, &record) {
        Ok((pr, said)) => {
            message.push_str(&pr_words(&pr, &said));
            details.pr = Some(pr);
            Ok(message)
        }
        Err(err) => Err(format!("{message}, but {err}")),
    }
}

/// The branch as it is on the remote already (a rerun with nothing new to add).
fn pushed_branch(target: &Target, name: &str, commit: Option<String>) -> ChangeBranch {
    ChangeBranch {
        name: name.to_owned(),
        base: target.base.clone(),
        remote: target.remote.clone(),
        local_before: target.local_before.map(|id| id.to_string()),
        remote_before: target.remote_tip.map(|id| id.to_string()),
        commit,
        pushed: true,
        checked_out_before: None,
    }
}

/// What the repository's line adds for its change request: opened or found, its URL, and what
/// the forge refused on it or made the run wait.
fn pr_words(pr: &crate::outcome::PrRecord, said: &[String]) -> String {
    let verb = if pr.created { "opened" } else { "open" };
    let mut words = format!(", {verb} {}", pr.url);
    for note in said {
        words.push_str(&format!(" ({note})"));
    }
    words
}

/// The journal's record before the first write: the branch and where it was, so that a run
/// killed from now on can still be undone.
fn started_record(repo: &Repo, details: &RepoChanges) -> RepoRecord {
    RepoRecord {
        name: repo.name.clone(),
        path: repo.path.clone(),
        outcome: Outcome::Failed,
        message: "the run ended while working here; undo puts the branch back as it was".into(),
        head_before: details.head_before.clone(),
        index_tree: None,
        head_after: details.head_after.clone(),
        commit: None,
        pushed: false,
        branch: details.branch.clone(),
        files: Vec::new(),
        started: true,
        intent_to_add: Vec::new(),
        undone_by: None,
        change_branch: details.change_branch.clone(),
        pr: None,
    }
}
