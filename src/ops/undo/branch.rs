//! Undo of a `--branch` run: the change request closed (once the forge half is wired), the
//! branch taken off the remote (deleted where the run created it, put back to its old tip where
//! the run moved it, only while the remote still has the run's commit there:
//! `--force-with-lease`), the local branch deleted or put back; for `sync --branch`, the
//! checkout back on the branch it was on, the run's changes uncommitted again. The base branch
//! is never touched.

use std::borrow::Cow;

use crate::git::GitError;
use crate::ops::edit::target::host_of_remote;
use crate::outcome::{ChangeBranch, Details, Outcome, PrRecord, RepoChanges, RepoReport};

use super::cut_short::{Recovered, RemoteCheck, recover, remote_check, unrecorded_change_request};
use super::{Ctx, short};
use crate::forge::session::Session;
use crate::hosts::HostGate;
use crate::journal::RepoRecord;
use crate::ops::pr::PrUndo;

/// Closes the change request a `--pr` run opened, before its branch goes: `Ok` says what was
/// done (closed, or closed already); `Err` is why the repository is left as it is (merged: with
/// the way to revert it; no forge session; the forge's refusal).
pub(crate) fn close_change_request(
    session: Option<&Session>,
    pr: &PrRecord,
) -> Result<String, String> {
    let Some(session) = session else {
        return Err(format!(
            "cannot reach the forge to close {}: close it there, then undo again",
            pr.url
        ));
    };
    match crate::ops::pr::undo_change_request(session, pr) {
        Ok(PrUndo::Closed(said) | PrUndo::AlreadyClosed(said)) => Ok(said),
        Ok(PrUndo::Merged(said)) => Err(said),
        Err(err) => Err(format!("cannot close {}: {err}", pr.url)),
    }
}

/// Undoes what the `--branch` run recorded in `entry` did with branch `change`.
pub(super) fn undo_branch(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    change: &ChangeBranch,
    gate: &HostGate,
    session: Option<&Session>,
) -> RepoReport {
    let (change, committed) = match recorded_or_recovered(ctx, entry, change) {
        Ok(found) => found,
        Err(report) => return *report,
    };
    let (change, on_remote) = match with_push_settled(ctx, entry, change, committed, gate) {
        Ok(settled) => settled,
        Err(reason) => return ctx.skip(reason),
    };
    let change = change.as_ref();
    let commit = change.commit.as_deref().unwrap_or_default();
    if let Err(reason) = ready_to_undo(ctx, entry, change, commit) {
        return ctx.skip(reason);
    }
    if ctx.options.dry_run {
        return ctx.would(would(entry, change));
    }
    let mut done = match close_and_take_off(ctx, entry, change, commit, gate, session) {
        Ok(done) => done,
        Err(reason) => return ctx.skip(reason),
    };
    match undo_locally(ctx, entry, change, commit) {
        Ok(said) => done.push(said),
        Err(failure) => {
            done.push(failure);
            return report(ctx, change, Outcome::Failed, done.join("; "));
        }
    }
    if let RemoteCheck::Elsewhere(note) = on_remote {
        done.push(note);
    }
    let refs_left = ctx.drop_refs();
    report(ctx, change, Outcome::Changed, done.join("; ") + &refs_left)
}

/// The branch change to undo and whether the run made its commit: the record's own when it
/// holds the commit, else what the repository shows a run cut short before recording it did.
/// `Err` is the report to give instead: the run made no commit, or why the repository is skipped.
fn recorded_or_recovered<'a>(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    change: &'a ChangeBranch,
) -> Result<(Cow<'a, ChangeBranch>, bool), Box<RepoReport>> {
    if change.commit.is_some() {
        return Ok((Cow::Borrowed(change), true));
    }
    match recover(ctx, entry, change) {
        Recovered::Found(found, made) => Ok((Cow::Owned(found), made)),
        Recovered::Nothing => Err(Box::new(RepoReport::new(
            ctx.repo,
            Outcome::Unchanged,
            format!("the run made no commit on {} here", change.name),
        ))),
        Recovered::Skip(reason) => Err(Box::new(ctx.skip(reason))),
    }
}

/// What the record cannot know: whether a push it did not see end reached the remote. Gives
/// the change marked pushed when it did, with what the remote showed (`Recorded` when the record
/// is enough); `Err` is why the repository is skipped (the remote cannot be reached).
fn with_push_settled<'a>(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    change: Cow<'a, ChangeBranch>,
    committed: bool,
    gate: &HostGate,
) -> Result<(Cow<'a, ChangeBranch>, RemoteCheck), String> {
    if change.pushed || !committed || !entry.started {
        return Ok((change, RemoteCheck::Recorded));
    }
    match remote_check(ctx, &change, gate) {
        RemoteCheck::Unreachable(reason) => Err(reason),
        RemoteCheck::Landed => {
            let asked = ChangeBranch {
                pushed: true,
                ..change.into_owned()
            };
            Ok((Cow::Owned(asked), RemoteCheck::Landed))
        }
        on_remote => Ok((change, on_remote)),
    }
}

/// Whether undo may begin: the repository is where the run left it and, for `sync --branch`,
/// free to move HEAD. `Err` is why not; nothing has changed yet.
fn ready_to_undo(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    change: &ChangeBranch,
    commit: &str,
) -> Result<(), String> {
    let local = read_ref(ctx, &format!("refs/heads/{}", change.name));
    let checked_out = ctx
        .opened
        .head_name()
        .ok()
        .flatten()
        .map(|full| full.shorten().to_string());
    local_ready(
        entry,
        change,
        commit,
        local.as_deref(),
        checked_out.as_deref(),
    )?;
    // `sync --branch` moves HEAD and reads the staging area back: not while a git holds the
    // index (a git killed with the run can leave `index.lock`), nor mid-rebase. Checked before
    // anything changes, the remote included, so that the next undo starts from the same place.
    if change.checked_out_before.is_some() {
        if let Some(reason) = crate::ops::safety::check(&ctx.opened, true) {
            return Err(reason.to_string());
        }
    }
    Ok(())
}

/// The forge and remote half: the change request closed (the recorded one, then one a run cut
/// short opened without recording it), then the branch taken off the remote if it got there.
/// `Ok` says what was done; `Err` is why the repository is left as it is from there on.
fn close_and_take_off(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    change: &ChangeBranch,
    commit: &str,
    gate: &HostGate,
    session: Option<&Session>,
) -> Result<Vec<String>, String> {
    let mut done = Vec::new();
    if let Some(pr) = &entry.pr {
        done.push(close_change_request(session, pr)?);
    }
    done.extend(unrecorded_change_request(ctx, entry, change, session)?);
    if change.pushed {
        done.push(take_off_remote(ctx, change, commit, gate)?);
    }
    Ok(done)
}

/// The local half: for `sync --branch` the checkout back on the branch it was on, then the local
/// branch deleted or put back. `Ok` says what was done; `Err` what failed.
fn undo_locally(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    change: &ChangeBranch,
    commit: &str,
) -> Result<String, String> {
    if let Some(from) = &change.checked_out_before {
        checkout_back(ctx, entry, from)?;
    }
    local_back(ctx, change, commit)
}

fn report(ctx: &Ctx<'_>, change: &ChangeBranch, outcome: Outcome, message: String) -> RepoReport {
    let details = RepoChanges {
        branch: Some(change.name.clone()),
        head_after: ctx.git.read(&["rev-parse", "HEAD"]).ok(),
        ..RepoChanges::default()
    };
    RepoReport::new(ctx.repo, outcome, message).with_details(Details::Sync(details))
}

pub(super) fn read_ref(ctx: &Ctx<'_>, name: &str) -> Option<String> {
    let mut found = ctx.opened.try_find_reference(name).ok()??;
    found.peel_to_id().ok().map(|id| id.to_string())
}

/// Whether the repository is where the run left it: the local branch at the run's commit; for
/// `sync --branch`, NAME still checked out and the branch it came from still at its old tip;
/// for the content operations, NAME not checked out.
fn local_ready(
    entry: &RepoRecord,
    change: &ChangeBranch,
    commit: &str,
    local: Option<&str>,
    checked_out: Option<&str>,
) -> Result<(), String> {
    let name = change.name.as_str();
    if local != Some(commit) {
        return Err(format!(
            "{name} moved since the run (it left {}, now {}): undo by hand",
            short(commit),
            local.map_or("nothing", short)
        ));
    }
    match &change.checked_out_before {
        Some(from) => {
            if checked_out != Some(name) {
                return Err(format!(
                    "on {} now, the run left {name} checked out: switch to {name}, then undo again",
                    checked_out.unwrap_or("a detached HEAD")
                ));
            }
            if entry.head_before.is_none() {
                return Err(format!("the run did not record where {from} was"));
            }
        }
        None => {
            if checked_out == Some(name) {
                return Err(format!(
                    "{name} is checked out now: switch to another branch, then undo again"
                ));
            }
        }
    }
    Ok(())
}

/// What a dry run of the undo would do, in the order it would do it.
fn would(entry: &RepoRecord, change: &ChangeBranch) -> String {
    let name = &change.name;
    let mut parts = Vec::new();
    if let Some(pr) = &entry.pr {
        parts.push(format!("would close {}", pr.url));
    }
    if change.pushed {
        parts.push(match &change.remote_before {
            None => format!("would delete {name} on {}", change.remote),
            Some(before) => format!(
                "would put {name} on {} back to {}",
                change.remote,
                short(before)
            ),
        });
    }
    if let Some(from) = &change.checked_out_before {
        parts.push(format!(
            "would switch back to {from} with the run's changes uncommitted"
        ));
    }
    parts.push(match &change.local_before {
        None => format!("would delete the local branch {name}"),
        Some(before) => format!(
            "would put the local branch {name} back to {}",
            short(before)
        ),
    });
    parts.join(", ")
}

/// Deletes the branch on the remote, or puts it back to its old tip, only while the remote still
/// has the run's commit there.
fn take_off_remote(
    ctx: &Ctx<'_>,
    change: &ChangeBranch,
    commit: &str,
    gate: &HostGate,
) -> Result<String, String> {
    let name = &change.name;
    let remote = &change.remote;
    let lease = format!("--force-with-lease=refs/heads/{name}:{commit}");
    let refspec = match &change.remote_before {
        None => format!(":refs/heads/{name}"),
        Some(before) => format!("{before}:refs/heads/{name}"),
    };
    let pushed = {
        let _permit = gate.enter(&host_of_remote(&ctx.opened, remote));
        ctx.git
            .run(&["push", "--porcelain", &lease, remote, &refspec])
    };
    match pushed {
        Ok(_) => Ok(match &change.remote_before {
            None => format!("deleted {name} on {remote}"),
            Some(before) => format!("put {name} on {remote} back to {}", short(before)),
        }),
        Err(GitError::Failed {
            message, stdout, ..
        }) if stdout.contains("stale info") || message.contains("stale info") => Err(format!(
            "{name} on {remote} is no longer the run's commit {} (pushed to since?): left as it \
             is, here too",
            short(commit)
        )),
        Err(err) => Err(format!(
            "cannot take {name} off {remote}: {err}; nothing was changed"
        )),
    }
}

/// `sync --branch`: HEAD back on `from` (still at the run's parent), the staging area as it
/// was; the working tree, which holds every byte the run committed, is left alone.
fn checkout_back(ctx: &Ctx<'_>, entry: &RepoRecord, from: &str) -> Result<(), String> {
    let before = entry.head_before.as_deref().unwrap_or_default();
    let full = format!("refs/heads/{from}");
    if read_ref(ctx, &full).as_deref() != Some(before) {
        return Err(format!(
            "{from} moved since the run: the checkout stays on {}; `git switch {from}` by hand",
            entry
                .change_branch
                .as_ref()
                .map_or("the run's branch", |c| c.name.as_str())
        ));
    }
    let reason = format!("git-batch: undo of run {}", ctx.options.run_id);
    ctx.git
        .check(&["symbolic-ref", "-m", &reason, "HEAD", &full])
        .map_err(|err| format!("cannot switch back to {from}: {}", err.message()))?;
    if let Some(tree) = &entry.index_tree {
        ctx.git.check(&["read-tree", tree]).map_err(|err| {
            format!(
                "back on {from}, but restoring the staging area failed ({}): `git read-tree \
                 {tree}` restores it",
                err.message()
            )
        })?;
    }
    ctx.restore_intent_to_add(&entry.intent_to_add)
}

/// The local branch deleted (the run created it) or put back to its old tip.
fn local_back(ctx: &Ctx<'_>, change: &ChangeBranch, commit: &str) -> Result<String, String> {
    let name = &change.name;
    let full = format!("refs/heads/{name}");
    let reason = format!("git-batch: undo of run {}", ctx.options.run_id);
    let (result, said) = match &change.local_before {
        None => (
            ctx.git.check(&["update-ref", "-d", &full, commit]),
            match &change.checked_out_before {
                Some(from) => {
                    format!("back on {from}, the run's changes uncommitted; deleted {name}")
                }
                None => format!("deleted the local branch {name}"),
            },
        ),
        Some(before) => (
            ctx.git
                .check(&["update-ref", "-m", &reason, &full, before, commit]),
            format!("put the local branch {name} back to {}", short(before)),
        ),
    };
    result.map_err(|err| format!("cannot change the local branch {name}: {}", err.message()))?;
    if change.checked_out_before.is_some() && change.local_before.is_none() {
        // The upstream `sync --branch` set goes with the branch, as `git branch -D` does.
        let _ = ctx
            .git
            .check(&["config", "--remove-section", &format!("branch.{name}")]);
    }
    Ok(said)
}
