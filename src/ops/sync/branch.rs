//! `sync --branch NAME`: the working tree's changes committed on a new branch NAME made from
//! HEAD and checked out (`git switch -c NAME`), then pushed with its upstream set. A failure
//! before the push puts the checkout back on the branch it was on, with the changes uncommitted
//! as they were.

use crate::git::{self, PushResult, RepoStatus, Tracking};
use crate::ops::edit::target;
use crate::outcome::{ChangeBranch, Details, Outcome, RepoChanges, RepoReport};
use crate::targets::Repo;
use crate::words::plural;

use super::{Plan, SyncOptions, Syncer, Work};

/// Where `sync --branch` puts the new branch.
#[derive(Debug, Clone)]
pub struct NewBranch {
    pub name: String,
    /// The remote it is pushed to.
    pub remote: String,
    /// The branch checked out now, which NAME is made from.
    pub from: String,
    /// The branch a change request would merge into: the upstream's branch, else `from`.
    pub base: String,
}

impl NewBranch {
    /// The journal's and the report's account of the branch, before it is made.
    pub fn record(&self) -> ChangeBranch {
        ChangeBranch {
            name: self.name.clone(),
            base: self.base.clone(),
            remote: self.remote.clone(),
            local_before: None,
            remote_before: None,
            commit: None,
            pushed: false,
            checked_out_before: Some(self.from.clone()),
        }
    }
}

/// The plan of `sync --branch NAME` for a repository whose state passed the common checks.
pub(super) fn plan(
    opened: &gix::Repository,
    status: RepoStatus,
    tracking: Option<&Tracking>,
    name: &str,
) -> Plan {
    if !status.is_dirty() {
        return Plan::Unchanged(format!("nothing to commit; no branch {name} made"));
    }
    let Some(from) = status.branch.clone() else {
        return Plan::Skip("HEAD is detached: there is no branch to make NAME from".into());
    };
    if from == name {
        return Plan::Skip(format!("{name} is the branch checked out here"));
    }
    let remote = match target::remote_of(opened) {
        Ok(remote) => remote,
        Err(target::NoTarget::Skip(reason) | target::NoTarget::Failed(reason)) => {
            return Plan::Skip(reason);
        }
    };
    if opened
        .try_find_reference(format!("refs/heads/{name}").as_str())
        .ok()
        .flatten()
        .is_some()
    {
        return Plan::Skip(format!(
            "a branch {name} exists here already: give another --branch"
        ));
    }
    if opened
        .try_find_reference(format!("refs/remotes/{remote}/{name}").as_str())
        .ok()
        .flatten()
        .is_some()
    {
        return Plan::Skip(format!(
            "{remote} has a branch {name} already: give another --branch"
        ));
    }
    let base = tracking
        .and_then(|tracking| tracking.merge_ref.strip_prefix("refs/heads/"))
        .map_or_else(|| from.clone(), str::to_owned);
    if base == name {
        return Plan::Skip(format!(
            "--branch {name} is the base branch here: the change needs a branch of its own"
        ));
    }
    let host = target::host_of_remote(opened, &remote);
    // What the probe before the run asks the remote (its HEAD), so that a refusing host is
    // said once; the push itself goes to NAME.
    let probe = Tracking {
        push_remote: remote.clone(),
        fetch_remote: remote.clone(),
        merge_ref: "HEAD".into(),
        tracking_ref: None,
        push_url: None,
    };
    Plan::Work(Box::new(Work {
        status,
        commit: true,
        tracking: Some(probe),
        host: Some(host),
        branch: Some(NewBranch {
            name: name.to_owned(),
            remote,
            from,
            base,
        }),
    }))
}

/// What a real run would do, in words; nothing is written.
pub(super) fn dry_run(
    repo: &Repo,
    work: &Work,
    new: &NewBranch,
    options: &SyncOptions,
) -> RepoReport {
    let s = &work.status;
    let mut message = format!(
        "would commit ({} staged, {} unstaged, {} untracked) on a new branch {} made from {} \
         and checked out, and push it to {}",
        s.staged, s.unstaged, s.untracked, new.name, new.from, new.remote
    );
    if options.branch.as_ref().is_some_and(|b| b.pr.is_some()) {
        message.push_str(", and would open a pull request/merge request");
    }
    RepoReport::new(repo, Outcome::Changed, message).with_details(Details::Sync(RepoChanges {
        branch: Some(new.name.clone()),
        head_before: s.head.clone(),
        head_after: s.head.clone(),
        change_branch: Some(new.record()),
        ..RepoChanges::default()
    }))
}

/// After `begin`: switches to the new branch, commits there and pushes it with its upstream set.
pub(super) fn commit_and_push(syncer: &mut Syncer<'_>, new: &NewBranch) -> Result<String, String> {
    let name = new.name.as_str();
    syncer
        .git
        .check(&["switch", "--quiet", "--no-guess", "-c", name])
        .map_err(|err| format!("cannot make branch {name}: {}", err.message()))?;
    syncer.details.branch = Some(name.to_owned());
    let files = match syncer.commit() {
        Ok(files) => files,
        Err(failure) => return Err(switch_back(syncer, new, failure)),
    };
    let commit = syncer.details.commit.clone().unwrap_or_default();
    if let Some(record) = syncer.details.change_branch.as_mut() {
        record.commit = Some(commit.clone());
    }
    let committed = format!(
        "checked out a new branch {name} (was {}), committed {files} {}",
        new.from,
        plural(files, "file", "files")
    );
    let pushed = {
        let _permit = syncer
            .gate
            .enter(syncer.work.host.as_deref().unwrap_or("local"));
        git::push(
            syncer.git,
            &new.remote,
            &format!("{commit}:refs/heads/{name}"),
        )
    };
    match pushed {
        PushResult::Pushed { .. } => {
            syncer.details.pushed = true;
            if let Some(record) = syncer.details.change_branch.as_mut() {
                record.pushed = true;
            }
            let upstream = set_upstream(syncer, new);
            let mut message = format!("{committed}, pushed to {}{upstream}", new.remote);
            if let (Some(open), Some(record)) = (syncer.open_pr, &syncer.details.change_branch) {
                match open(syncer.repo, record) {
                    Ok((pr, said)) => {
                        let verb = if pr.created { "opened" } else { "open" };
                        message.push_str(&format!(", {verb} {}", pr.url));
                        for note in said {
                            message.push_str(&format!(" ({note})"));
                        }
                        syncer.details.pr = Some(pr);
                    }
                    Err(err) => return Err(format!("{message}, but {err}")),
                }
            }
            Ok(message)
        }
        refused => Err(format!(
            "{committed}, but the push failed: {refused}; the branch stays local (undo takes it \
             back)"
        )),
    }
}

/// `branch.NAME.remote` and `branch.NAME.merge`, as `git push -u` sets them; what to add to the
/// message when they could not be set.
fn set_upstream(syncer: &Syncer<'_>, new: &NewBranch) -> String {
    let merge = format!("refs/heads/{}", new.name);
    let set = syncer
        .git
        .check(&[
            "config",
            &format!("branch.{}.remote", new.name),
            &new.remote,
        ])
        .and_then(|()| {
            syncer
                .git
                .check(&["config", &format!("branch.{}.merge", new.name), &merge])
        });
    match set {
        Ok(()) => " (upstream set)".into(),
        Err(err) => format!(" (its upstream could not be set: {})", err.message()),
    }
}

/// After a failed commit on the new branch (the staging area already restored): the checkout
/// back on the branch it was on, and the new branch, still at that branch's commit, removed.
fn switch_back(syncer: &mut Syncer<'_>, new: &NewBranch, failure: String) -> String {
    let git = syncer.cleanup_git();
    let from = format!("refs/heads/{}", new.from);
    let reason = "git-batch: back to the branch before the run";
    let head = syncer.details.head_before.clone().unwrap_or_default();
    let back = git
        .check(&["symbolic-ref", "-m", reason, "HEAD", &from])
        .and_then(|()| {
            git.check(&[
                "update-ref",
                "-d",
                &format!("refs/heads/{}", new.name),
                &head,
            ])
        });
    match back {
        Ok(()) => {
            syncer.details.branch = Some(new.from.clone());
            syncer.details.change_branch = None;
            format!("{failure}; back on {}", new.from)
        }
        Err(err) => format!(
            "{failure}; switching back to {} failed ({}): `git switch {}` does it",
            new.from,
            err.message(),
            new.from
        ),
    }
}
