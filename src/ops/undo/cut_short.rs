//! A `--branch` run cut short (killed outright) before its record said what it did: the commit
//! it made, found from the branch itself, and whether its push reached the remote, asked of the
//! remote itself — a killed push never hears back, so the remote-tracking ref cannot say.

use crate::forge::session::Session;
use crate::hosts::HostGate;
use crate::journal::RepoRecord;
use crate::ops::edit::target::host_of_remote;
use crate::outcome::ChangeBranch;

use super::branch::read_ref;
use super::{Ctx, short};

/// What the remote itself says of a branch the record does not show pushed.
pub(super) enum RemoteCheck {
    /// The record is trusted as it is (the run finished, or it says the push ended).
    Recorded,
    /// The remote has the run's commit on the branch: its push got there.
    Landed,
    /// The branch is on the remote as it was before the run (or not there): nothing to take off.
    Absent,
    /// The branch is on the remote at a commit that is neither the run's nor its old tip: left
    /// alone; the note says how to take it off by hand.
    Elsewhere(String),
    /// A run cut short whose remote cannot be asked: nothing is changed until it answers.
    Unreachable(String),
}

/// Asks the remote (`git ls-remote`, with the same no-prompt environment and timeout as every
/// network call) where the branch is, for a run cut short (its record stops at "started"): a
/// run killed while pushing may have reached the remote all the same (the kill stops git here,
/// not the server that already has the push), so the remote's answer is needed before
/// anything is changed. (A finished run's record is trusted: its push ended, and a remote it
/// could not reach then would only make undo wait for it now.)
pub(super) fn remote_check(ctx: &Ctx<'_>, change: &ChangeBranch, gate: &HostGate) -> RemoteCheck {
    let name = &change.name;
    let remote = &change.remote;
    let commit = change.commit.as_deref().unwrap_or_default();
    let full = format!("refs/heads/{name}");
    let answer = {
        let _permit = gate.enter(&host_of_remote(&ctx.opened, remote));
        ctx.git.read(&["ls-remote", "--", remote, &full])
    };
    let listed = match answer {
        Ok(listed) => listed,
        Err(err) => {
            return RemoteCheck::Unreachable(format!(
                "the run was cut short while working on {name}, and {remote} cannot say whether \
                 its push got there ({err}); nothing was changed: undo again once {remote} \
                 answers"
            ));
        }
    };
    let tip = listed.lines().find_map(|line| {
        let (id, reference) = line.split_once('\t')?;
        (reference == full).then(|| id.to_owned())
    });
    match tip {
        Some(tip) if tip == commit => RemoteCheck::Landed,
        tip if tip == change.remote_before => RemoteCheck::Absent,
        Some(tip) => RemoteCheck::Elsewhere(format!(
            "{name} on {remote} is at {} now, not the run's commit {}: left as it is (`git push \
             {remote} --delete {name}` deletes it, if that is what you want)",
            short(&tip),
            short(commit)
        )),
        None => RemoteCheck::Absent,
    }
}

/// A run cut short before its record said what it did: the commit it made on the branch, when
/// the branch's last reflog entry is the run's own. Whether it reached the remote is the
/// remote's to say ([`remote_check`]): the remote-tracking ref is only updated once git hears
/// back, which a killed push never does.
pub(super) fn recover(ctx: &Ctx<'_>, entry: &RepoRecord, change: &ChangeBranch) -> Recovered {
    let name = &change.name;
    let full = format!("refs/heads/{name}");
    let Some(tip) = read_ref(ctx, &full) else {
        return Recovered::Nothing;
    };
    if change.checked_out_before.is_some() {
        return recover_sync(ctx, entry, change, tip);
    }
    // The run's own reflog entry says it committed here; only as the latest does its commit
    // still stand where the run put it.
    let mine = format!("git-batch {}: commit on {name}", ctx.options.run_id);
    let said = ctx
        .git
        .read(&["log", "-g", "--format=%gs", &full, "--"])
        .unwrap_or_default();
    let mut moves = said.lines().map(str::trim);
    if moves.next() != Some(mine.as_str()) {
        if said.lines().any(|line| line.trim() == mine) {
            return Recovered::Skip(format!(
                "{name} moved since the run committed on it (now {}): the run's commit is in \
                 `git reflog {name}`; undo by hand",
                short(&tip)
            ));
        }
        return Recovered::Nothing;
    }
    Recovered::Found(
        ChangeBranch {
            commit: Some(tip),
            pushed: false,
            ..change.clone()
        },
        true,
    )
}

/// What a `--branch` run cut short left.
pub(super) enum Recovered {
    /// The branch as the run left it, and whether the run committed on it (`false`: `sync
    /// --branch` stopped between making the branch and committing; the branch is at HEAD's old
    /// commit, the staging area perhaps as `git add -A` made it).
    Found(ChangeBranch, bool),
    /// Nothing of the run on the branch.
    Nothing,
    /// The branch is not as the run can have left it: undo by hand.
    Skip(String),
}

/// `sync --branch` cut short: the run made NAME where HEAD was (`git switch -c`, which refuses
/// a branch that exists) and at most committed once on it, so NAME's reflog holds no more than
/// those two moves, and NAME is at the old HEAD or one commit past it.
fn recover_sync(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    change: &ChangeBranch,
    tip: String,
) -> Recovered {
    let name = &change.name;
    let Some(before) = entry.head_before.as_deref() else {
        return Recovered::Skip(format!(
            "the run did not record where HEAD was before {name}"
        ));
    };
    let moves = ctx
        .git
        .read(&[
            "log",
            "-g",
            "--format=%H",
            &format!("refs/heads/{name}"),
            "--",
        ])
        .map(|listed| listed.lines().count())
        .unwrap_or(usize::MAX);
    let parent = ctx
        .git
        .read(&["rev-parse", "--verify", "-q", &format!("{tip}^")])
        .ok();
    let made = if tip == before {
        false
    } else if parent.as_deref() == Some(before) {
        true
    } else {
        return Recovered::Skip(format!(
            "{name} moved since the run (now {}, more than the run's one commit past {}): undo by \
             hand",
            short(&tip),
            short(before)
        ));
    };
    if moves > 2 {
        return Recovered::Skip(format!(
            "{name} was moved since the run (its reflog shows more than the run did): undo by hand"
        ));
    }
    Recovered::Found(
        ChangeBranch {
            commit: Some(tip),
            pushed: false,
            ..change.clone()
        },
        made,
    )
}

/// A `--pr` run killed after its push may have opened the change request without recording it.
/// Only a branch the run created on the remote is looked at: a change request from it was opened
/// after the run's push, by the run (or by someone since, who wants the branch gone all the
/// same); a branch that was there before may have a change request of its own, left alone.
/// `Ok(Some(words))` is what to add to the repository's message (closed, or the forge could not
/// be asked); `Err` is why the repository is left as it is (the forge refused to close it).
pub(super) fn unrecorded_change_request(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    change: &ChangeBranch,
    session: Option<&Session>,
) -> Result<Option<String>, String> {
    let name = &change.name;
    if entry.pr.is_some() || !entry.started || !change.pushed || change.remote_before.is_some() {
        return Ok(None);
    }
    let Some(session) = session else {
        return Ok(None);
    };
    let url = ctx
        .git
        .read(&["remote", "get-url", "--", &change.remote])
        .unwrap_or_else(|_| change.remote.clone());
    // A remote on no forge git-batch knows: no change request can have been opened there.
    let Ok(target) = session.locate(&url) else {
        return Ok(None);
    };
    let found = session.call(&target, |forge, repo| forge.find_open(repo, name));
    match found {
        Ok((None, _)) => Ok(None),
        Ok((Some(request), _)) => {
            let record = crate::ops::pr::record_of(&target, &request, true);
            super::branch::close_change_request(Some(session), &record).map(Some)
        }
        Err(err) => Ok(Some(format!(
            "could not ask {} whether the run opened a change request from {name} ({err}): \
             close it there if it did",
            target.forge
        ))),
    }
}
