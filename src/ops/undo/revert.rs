//! Undo of a commit that is on the remote: a new commit that reverts it, pushed normally, never
//! by force. The revert is made apart from the user's index and working tree (`merge-tree`,
//! `commit-tree`), pushed, and only then are the paths it changed updated here, so that
//! unrelated staged or unstaged work is never in the way, and a path the user has changed
//! makes the repository skipped up front, the dry run saying the same.

use std::ffi::OsString;

use super::{Ctx, Job, content::remove_with_empty_folders, os_args, short};
use crate::git::{self, PushResult, push::REJECTED};
use crate::hosts::HostGate;
use crate::journal::RepoRecord;
use crate::outcome::{Outcome, RepoReport};

/// A commit of the run (or carried on by it) that is on the remote.
pub(super) struct Pushed {
    /// The commit as it is in the branch now.
    pub commit: String,
    /// What it is, for messages: "the run's commit abc1234", "commit abc1234 (made by run …)".
    pub what: String,
}

/// The run's commit that is on the remote now, if there is one: pushed by the run itself, or
/// made by the run and pushed (rebased) by a later `sync --pull`, or made by an earlier run and
/// pushed by this one. `Err` is a reason to skip.
pub(super) fn pushed_commit(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    job: &Job,
    head: &str,
) -> Result<Option<Pushed>, String> {
    let after = entry.head_after.as_deref().unwrap_or_default();
    let moved = || {
        format!(
            "HEAD moved since the run (it left {}, now {}): undo by hand",
            short(after),
            short(head)
        )
    };
    if entry.pushed {
        if head != after {
            return Err(moved());
        }
        if entry.commit.is_some() {
            // The run's own commit is HEAD as the run left it (after a rebase, the rebased one).
            return Ok(Some(Pushed {
                commit: after.to_owned(),
                what: format!("the run's commit {}", short(after)),
            }));
        }
        if let Some(carried) = &job.carried {
            return match find_rebased(ctx, &carried.commit, head) {
                Some(commit) => Ok(Some(Pushed {
                    what: format!(
                        "commit {} (made by run {}, pushed by this one)",
                        short(&commit),
                        carried.run_id
                    ),
                    commit,
                })),
                None => Err(format!(
                    "the run pushed run {}'s commit {}, which is no longer in the branch's \
                     history: undo by hand",
                    carried.run_id,
                    short(&carried.commit)
                )),
            };
        }
        return Err(
            "the run only pushed commits that were already there; nothing of its own to revert"
                .into(),
        );
    }
    let Some(own) = entry.commit.as_deref().filter(|_| head != after) else {
        return Ok(None);
    };
    // HEAD moved: a later `sync --pull` may have rebased the run's commit and pushed it.
    let Some(commit) = find_rebased(ctx, own, head) else {
        return Ok(None);
    };
    let tracking = git::tracking_of_head(&ctx.opened).ok().flatten();
    let upstream = tracking.and_then(|t| t.tracking_ref);
    let on_remote = upstream.is_some_and(|upstream| {
        ctx.git
            .check(&["merge-base", "--is-ancestor", &commit, &upstream])
            .is_ok()
    });
    Ok(on_remote.then(|| Pushed {
        what: if commit == own {
            format!("the run's commit {} (pushed since)", short(&commit))
        } else {
            format!(
                "the run's commit {} (rebased as {} and pushed since)",
                short(own),
                short(&commit)
            )
        },
        commit,
    }))
}

/// `commit`, or the commit that a rebase made of it, in HEAD's first-parent history: the same
/// author, author date and message.
fn find_rebased(ctx: &Ctx<'_>, commit: &str, head: &str) -> Option<String> {
    if ctx
        .git
        .check(&["merge-base", "--is-ancestor", commit, head])
        .is_ok()
    {
        return Some(commit.to_owned());
    }
    const IDENTITY: &str = "%an%x1f%ae%x1f%at%x1f%B";
    let wanted = ctx
        .git
        .read(&["log", "-1", &format!("--format={IDENTITY}"), commit])
        .ok()?;
    let history = ctx
        .git
        .run(&[
            "log",
            "-z",
            "--first-parent",
            "-n",
            "500",
            &format!("--format=%H%x1f{IDENTITY}"),
            head,
        ])
        .ok()?
        .stdout;
    history.split('\0').find_map(|record| {
        let (id, identity) = record.split_once('\u{1f}')?;
        (identity.trim_end() == wanted.trim_end()).then(|| id.trim().to_owned())
    })
}

/// Reverts `pushed` on the remote (with `--push`), or says why not, or what would be done.
pub(super) fn undo_pushed(ctx: &Ctx<'_>, pushed: &Pushed, gate: &HostGate) -> RepoReport {
    let commit = &pushed.commit;
    let what = &pushed.what;
    if !ctx.options.push {
        let head = ctx.git.read(&["rev-parse", "HEAD"]).unwrap_or_default();
        let pushed_revert = git::tracking_of_head(&ctx.opened)
            .ok()
            .flatten()
            .and_then(|tracking| revert_on_remote(ctx, commit, &head, &tracking));
        return ctx.skip(match pushed_revert {
            Some(revert) => format!(
                "{what} is reverted on the remote already, by {} (an earlier undo pushed it, or \
                 someone did by hand): `git batch undo --push {}` brings it in here",
                short(&revert),
                ctx.options.run_id
            ),
            None => format!(
                "{what} is on the remote: `git batch undo --push {}` reverts it there with a new \
                 commit",
                ctx.options.run_id
            ),
        });
    }
    let tracking = match git::tracking_of_head(&ctx.opened) {
        Ok(Some(tracking)) => tracking,
        Ok(None) => return ctx.skip("the branch has no upstream any more".into()),
        Err(err) => return ctx.done(Outcome::Failed, err.to_string()),
    };
    let parent = match single_parent(ctx, commit) {
        Ok(parent) => parent,
        Err(reason) => return ctx.skip(reason),
    };
    if let Err(reason) = paths_free(ctx, &parent, commit) {
        return ctx.skip(reason);
    }
    let head = ctx.git.read(&["rev-parse", "HEAD"]).unwrap_or_default();
    if let Some(revert) = revert_on_remote(ctx, commit, &head, &tracking) {
        return bring_in_revert(ctx, what, commit, &revert, &head);
    }
    if ctx.options.dry_run {
        return ctx.would(format!("would revert {what} with a new commit and push it"));
    }
    match revert_and_push(ctx, commit, &parent, &head, &tracking, gate) {
        Ok(message) => ctx.done(Outcome::Changed, message),
        Err(failure) => ctx.done(Outcome::Failed, failure),
    }
}

fn single_parent(ctx: &Ctx<'_>, commit: &str) -> Result<String, String> {
    let parents = ctx
        .git
        .read(&["log", "-1", "--format=%P", commit])
        .map_err(|err| err.to_string())?;
    let parents: Vec<&str> = parents.split_whitespace().collect();
    match parents.as_slice() {
        [one] => Ok((*one).to_owned()),
        _ => Err(format!(
            "{} is a merge or a first commit: revert it by hand (git revert {})",
            short(commit),
            short(commit)
        )),
    }
}

/// `Err` naming the paths the revert would change that hold the user's uncommitted work
/// (staged, unstaged, or an untracked file in the way).
fn paths_free(ctx: &Ctx<'_>, parent: &str, commit: &str) -> Result<(), String> {
    let names = |args: &[&str], paths: &[OsString]| -> Result<Vec<String>, String> {
        let mut full = os_args(&["--no-optional-locks", "--literal-pathspecs"]);
        full.extend(os_args(args));
        full.push("--".into());
        full.extend(paths.iter().cloned());
        let out = ctx.git.run(&full).map_err(|err| err.to_string())?.stdout;
        Ok(out
            .split('\0')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect())
    };
    let changed = names(
        &[
            "diff-tree",
            "-r",
            "-z",
            "--name-only",
            "--no-renames",
            parent,
            commit,
        ],
        &[],
    )?;
    if changed.iter().any(|p| p.contains('\u{fffd}')) {
        return Err(format!(
            "{} changes a file whose name is not UTF-8: revert it by hand (git revert {})",
            short(commit),
            short(commit)
        ));
    }
    let paths: Vec<OsString> = changed.iter().map(OsString::from).collect();
    let mut busy = names(
        &[
            "diff",
            "--no-ext-diff",
            "--name-only",
            "-z",
            "--cached",
            "HEAD",
        ],
        &paths,
    )?;
    busy.extend(names(
        &["diff", "--no-ext-diff", "--name-only", "-z"],
        &paths,
    )?);
    busy.extend(names(&["ls-files", "-z", "--others"], &paths)?);
    busy.sort();
    busy.dedup();
    if busy.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} {} uncommitted changes that the revert of {} would overwrite: commit or stash {}, \
         then undo --push again",
        busy.join(", "),
        if busy.len() == 1 { "has" } else { "have" },
        short(commit),
        if busy.len() == 1 { "it" } else { "them" }
    ))
}

/// The revert of `commit` that an earlier `undo --push` pushed without bringing it in here (git
/// refused to move HEAD: a ref lock left by a killed git, say): the commit right on top of `head`
/// in the upstream's history, as last fetched or pushed, with git's revert message for `commit`.
fn revert_on_remote(
    ctx: &Ctx<'_>,
    commit: &str,
    head: &str,
    tracking: &git::Tracking,
) -> Option<String> {
    let upstream = tracking.tracking_ref.as_deref()?;
    let range = format!("{head}..{upstream}");
    let out = ctx
        .git
        .run(&[
            "log",
            "-z",
            "--first-parent",
            "--reverse",
            "--format=%H%x1f%P%x1f%B",
            &range,
        ])
        .ok()?
        .stdout;
    let first = out.split('\0').next()?;
    let mut fields = first.splitn(3, '\u{1f}');
    let (id, parents, message) = (fields.next()?, fields.next()?, fields.next()?);
    let reverts = format!("This reverts commit {commit}.");
    (parents.trim() == head && message.lines().any(|line| line.trim() == reverts))
        .then(|| id.trim().to_owned())
}

/// Brings in `revert`, the revert of `commit` already on the remote, as the undo that pushed it
/// would have: the branch moved to it and the paths it changed updated (they were checked to
/// hold no uncommitted work).
fn bring_in_revert(
    ctx: &Ctx<'_>,
    what: &str,
    commit: &str,
    revert: &str,
    head: &str,
) -> RepoReport {
    if ctx.options.dry_run {
        return ctx.would(format!(
            "would bring in {}, which reverts {what} and is on the remote already",
            short(revert)
        ));
    }
    if let Err(err) = ctx.move_branch(revert, head) {
        return ctx.done(
            Outcome::Failed,
            format!(
                "{} on the remote reverts {}, but {err}: `git merge --ff-only {}` brings it in",
                short(revert),
                short(commit),
                short(revert)
            ),
        );
    }
    if let Err(err) = update_paths(ctx, head, revert) {
        return ctx.done(
            Outcome::Failed,
            format!(
                "brought in {}, which reverts {}, but updating the files failed ({err}): `git \
                 checkout {} -- FILES` finishes it",
                short(revert),
                short(commit),
                short(revert)
            ),
        );
    }
    ctx.done(
        Outcome::Changed,
        format!(
            "brought in {}, which reverts {} and was on the remote already; its changes \
             remain in history (git cherry-pick -n {} brings them back)",
            short(revert),
            short(commit),
            short(commit)
        ),
    )
}

/// Reverts `commit` (whose only parent is `parent`) on top of `head` with a new commit, pushes
/// it, and only then brings it into the branch and the files here. `Ok` is the report's message.
fn revert_and_push(
    ctx: &Ctx<'_>,
    commit: &str,
    parent: &str,
    head: &str,
    tracking: &git::Tracking,
    gate: &HostGate,
) -> Result<String, String> {
    let revert = make_revert(ctx, commit, parent, head)?;
    push_revert(ctx, commit, &revert, tracking, gate)?;
    ctx.move_branch(&revert, head).map_err(|err| {
        format!(
            "pushed {}, which reverts {}, but {err}: `git merge --ff-only {}` brings it in",
            short(&revert),
            short(commit),
            short(&revert)
        )
    })?;
    update_paths(ctx, head, &revert).map_err(|err| {
        format!(
            "reverted {} and pushed it, but updating the files failed ({err}): `git checkout {} \
             -- FILES` finishes it",
            short(commit),
            short(&revert)
        )
    })?;
    Ok(format!(
        "reverted {} with a new commit and pushed it; its changes remain in history \
         (git cherry-pick -n {} brings them back)",
        short(commit),
        short(commit)
    ))
}

/// The commit, on top of `head`, that reverts `commit`: made apart from the index and the
/// working tree (`merge-tree`, `commit-tree`), with git's own revert message.
fn make_revert(ctx: &Ctx<'_>, commit: &str, parent: &str, head: &str) -> Result<String, String> {
    let git = &ctx.git;
    let tree = if commit == head {
        git.read(&["rev-parse", &format!("{parent}^{{tree}}")])
            .map_err(|err| err.to_string())?
    } else {
        let merged = git
            .read(&[
                "merge-tree",
                "--write-tree",
                &format!("--merge-base={commit}"),
                head,
                parent,
            ])
            .map_err(|_| {
                format!(
                    "reverting {} conflicts with the commits made after it: revert it by hand \
                     (git revert {})",
                    short(commit),
                    short(commit)
                )
            })?;
        merged.lines().next().unwrap_or_default().to_owned()
    };
    let subject = git
        .read(&["log", "-1", "--format=%s", commit])
        .map_err(|err| err.to_string())?;
    let message = format!("Revert \"{subject}\"\n\nThis reverts commit {commit}.");
    // Signed when the user's commits are (`commit-tree` does not read `commit.gpgSign`).
    let sign = git
        .read(&["config", "--type=bool", "commit.gpgSign"])
        .is_ok_and(|value| value == "true");
    let mut args = vec!["commit-tree", &tree, "-p", head, "-m", &message];
    if sign {
        args.push("-S");
    }
    git.read(&args).map_err(|err| err.to_string())
}

/// Pushes `revert`, the commit that reverts `commit`. It was made apart from the branch: a push
/// refused leaves nothing changed here, and the message says so.
fn push_revert(
    ctx: &Ctx<'_>,
    commit: &str,
    revert: &str,
    tracking: &git::Tracking,
    gate: &HostGate,
) -> Result<(), String> {
    let host = crate::ops::sync::host_of(tracking);
    match crate::ops::sync::push_commit(&ctx.git, tracking, gate, &host, revert) {
        PushResult::Pushed { .. } => Ok(()),
        PushResult::Rejected => Err(format!(
            "{REJECTED}; the revert of {} was not pushed and nothing changed here: \
             `git pull --rebase`, then `git revert {}` and `git push` take it back by hand",
            short(commit),
            short(commit)
        )),
        other => Err(format!(
            "the revert of {} was not pushed ({other}); nothing changed here: undo --push \
             again once fixed",
            short(commit)
        )),
    }
}

/// Brings the paths that differ between `from` and `to` to `to`, in the index and the working
/// tree (they were checked to hold no uncommitted work).
fn update_paths(ctx: &Ctx<'_>, from: &str, to: &str) -> Result<(), String> {
    let raw = ctx
        .git
        .run(&[
            "diff-tree",
            "-r",
            "-z",
            "--name-status",
            "--no-renames",
            from,
            to,
        ])
        .map_err(|err| err.to_string())?
        .stdout;
    let mut fields = raw.split('\0');
    let (mut kept, mut removed) = (Vec::new(), Vec::new());
    while let (Some(status), Some(path)) = (fields.next(), fields.next()) {
        if status.starts_with('D') {
            removed.push(path.to_owned());
        } else if !status.is_empty() {
            kept.push(OsString::from(path));
        }
    }
    if !kept.is_empty() {
        let mut args = os_args(&["--literal-pathspecs", "checkout", to, "--"]);
        args.extend(kept);
        ctx.git.check(&args).map_err(|err| err.to_string())?;
    }
    if !removed.is_empty() {
        let mut args = os_args(&["--literal-pathspecs", "rm", "-q", "--cached", "--"]);
        args.extend(removed.iter().map(OsString::from));
        ctx.git.check(&args).map_err(|err| err.to_string())?;
        for path in &removed {
            remove_with_empty_folders(&ctx.repo.path, std::path::Path::new(path))?;
        }
    }
    Ok(())
}
