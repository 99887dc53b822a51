//! Where a `--branch` change goes: the remote, the base branch (`--base`, else the remote's
//! default branch, else the current branch's upstream), the base's tip and the branch's tips
//! on the remote and here. A real run starts from the remote-tracking refs as last fetched and
//! asks nothing before its push ([`Lookup::Tracking`]): the push names the tip it built on, so a
//! remote that moved refuses it, and only then (or when the refs are missing) does the run ask
//! the remote once (`git ls-remote --symref`) and fetch the tips it lacks ([`Lookup::Remote`]).
//! A dry run reads the remote-tracking refs and asks nothing.

use std::collections::HashMap;

use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};

use crate::git::{self, Git};
use crate::hosts::HostGate;

/// The branch's starting point and what is there already.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub remote: String,
    /// The host network work talks to (`local` for a path).
    pub host: String,
    pub base: String,
    /// The base's tip (on the remote, or as last fetched for a dry run).
    pub base_tip: ObjectId,
    /// The branch's tip on the remote, when it is there already.
    pub remote_tip: Option<ObjectId>,
    /// The local branch's tip, when it exists.
    pub local_before: Option<ObjectId>,
    /// Whether the tips are the remote's as asked during this run; `false`: the
    /// remote-tracking refs, which the remote may have moved past since they were fetched.
    pub asked: bool,
}

impl Target {
    /// What the change is built on: the branch's remote tip, else the base's.
    pub fn parent(&self) -> ObjectId {
        self.remote_tip.unwrap_or(self.base_tip)
    }

    /// The starting point in words: `origin/NAME` or `origin/BASE`.
    pub fn starting_point(&self, name: &str) -> String {
        match self.remote_tip {
            Some(_) => format!("on top of {}/{name}", self.remote),
            None => format!("from {}/{}", self.remote, self.base),
        }
    }
}

/// Where [`resolve`] takes the tips from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// The remote-tracking refs only, for a dry run (the base must be known here).
    Offline,
    /// The remote-tracking refs, when they name the base and it is here; else as `Remote`.
    Tracking,
    /// The remote, asked with `git ls-remote`, and the missing tips fetched.
    Remote,
}

/// Why there is no target: a reason to skip, or a failure.
#[derive(Debug)]
pub(crate) enum NoTarget {
    Skip(String),
    Failed(String),
}

/// The remote a branch is pushed to: the current branch's push remote, else `origin`, else the
/// only remote.
pub(crate) fn remote_of(opened: &gix::Repository) -> Result<String, NoTarget> {
    if let Ok(Some(tracking)) = git::tracking_of_head(opened) {
        if tracking.push_remote != "." {
            return Ok(tracking.push_remote);
        }
    }
    let names: Vec<String> = opened
        .remote_names()
        .iter()
        .map(|name| name.to_str_lossy().into_owned())
        .collect();
    if names.iter().any(|name| name == "origin") {
        return Ok("origin".into());
    }
    match names.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(NoTarget::Skip(
            "no remote to push the branch to: add one (git remote add origin URL)".into(),
        )),
        _ => Err(NoTarget::Skip(
            "several remotes and none is origin or the upstream: set an upstream".into(),
        )),
    }
}

/// The host of `remote`'s push URL (`local` for a path).
pub(crate) fn host_of_remote(opened: &gix::Repository, remote: &str) -> String {
    opened
        .find_remote(remote)
        .ok()
        .and_then(|found| {
            found
                .url(gix::remote::Direction::Push)
                .map(|url| url.to_bstring().to_string())
        })
        .map_or_else(|| "local".to_owned(), |url| git::remote::host_of(&url))
}

/// The base this repository knows without asking the remote: `refs/remotes/<remote>/HEAD`'s
/// branch, else the current branch's upstream.
fn known_default(opened: &gix::Repository, remote: &str) -> Option<String> {
    remote_head(opened, remote).or_else(|| {
        let tracking = git::tracking_of_head(opened).ok()??;
        tracking
            .merge_ref
            .strip_prefix("refs/heads/")
            .map(str::to_owned)
    })
}

/// The branch `refs/remotes/<remote>/HEAD` names: the remote's default branch as last fetched.
fn remote_head(opened: &gix::Repository, remote: &str) -> Option<String> {
    let symbolic = format!("refs/remotes/{remote}/HEAD");
    let found = opened.try_find_reference(symbolic.as_str()).ok()??;
    let gix::refs::TargetRef::Symbolic(name) = found.target() else {
        return None;
    };
    let prefix = format!("refs/remotes/{remote}/");
    let short = name.as_bstr().to_str_lossy();
    short.strip_prefix(&prefix).map(str::to_owned)
}

fn ref_id(opened: &gix::Repository, name: &str) -> Option<ObjectId> {
    let mut found = opened.try_find_reference(name).ok()??;
    found.peel_to_id().ok().map(gix::Id::detach)
}

/// The target of branch `name` in `opened`, its tips taken as `lookup` says.
pub(crate) fn resolve(
    opened: &gix::Repository,
    git: &Git<'_>,
    gate: &HostGate,
    (name, base): (&str, Option<&str>),
    lookup: Lookup,
) -> Result<Target, NoTarget> {
    let remote = remote_of(opened)?;
    let host = host_of_remote(opened, &remote);
    let known = base
        .map(str::to_owned)
        .or_else(|| known_default(opened, &remote));
    let local_before = ref_id(opened, &format!("refs/heads/{name}"));
    let tracking = |branch: &str| {
        ref_id(opened, &format!("refs/remotes/{remote}/{branch}"))
            .filter(|id| opened.has_object(*id))
    };
    // Building on the refs as last fetched needs the base named here, by `--base` or the
    // remote's default branch (an upstream only stands in when the remote names none).
    let tracked = base
        .map(str::to_owned)
        .or_else(|| remote_head(opened, &remote))
        .and_then(|base| Some((base.clone(), tracking(&base)?)));
    // The remote's default branch, when it was asked.
    let mut head = None;
    let (base, base_tip, remote_tip, asked) = match (lookup, tracked) {
        (Lookup::Tracking, Some((base, base_tip))) => (base, base_tip, tracking(name), false),
        (Lookup::Offline, _) => {
            let base = known.ok_or_else(|| no_base(&remote))?;
            let base_tip = tracking(&base)
                .or_else(|| ref_id(opened, &format!("refs/heads/{base}")))
                .ok_or_else(|| {
                    NoTarget::Skip(format!(
                        "the base {base} is not known here (git fetch {remote})"
                    ))
                })?;
            let remote_tip = tracking(name);
            (base, base_tip, remote_tip, false)
        }
        (Lookup::Tracking | Lookup::Remote, _) => {
            let _permit = gate.enter(&host);
            let (base, base_tip, remote_tip, said) =
                ask_remote(opened, git, (&remote, name), (base, known))?;
            head = said;
            (base, base_tip, remote_tip, true)
        }
    };
    if base == name {
        return Err(NoTarget::Skip(format!(
            "--branch {name} is the base branch here: the change needs a branch of its own"
        )));
    }
    if let Some(head) = head {
        record_remote_head(opened, &remote, &head);
    }
    Ok(Target {
        remote,
        host,
        base,
        base_tip,
        remote_tip,
        local_before,
        asked,
    })
}

/// The base, its tip and branch `name`'s tip as the remote has them now, the tips fetched
/// when missing here; a remote-tracking ref of `name` the remote no longer has is deleted (as
/// `git fetch --prune` would), so that the next run does not build on it.
fn ask_remote(
    opened: &gix::Repository,
    git: &Git<'_>,
    (remote, name): (&str, &str),
    (base, known): (Option<&str>, Option<String>),
) -> Result<(String, ObjectId, Option<ObjectId>, Option<String>), NoTarget> {
    let listed = ls_remote(git, remote, name, known.as_deref())?;
    let base = base
        .map(str::to_owned)
        .or_else(|| listed.head.clone())
        .or(known)
        .ok_or_else(|| no_base(remote))?;
    let base_tip = listed
        .tips
        .get(&base)
        .copied()
        .ok_or_else(|| NoTarget::Skip(format!("the base {base} is not on {remote}")))?;
    let remote_tip = listed.tips.get(name).copied();
    let mut wanted = vec![(base.as_str(), base_tip)];
    wanted.extend(remote_tip.map(|tip| (name, tip)));
    fetch_missing(opened, git, remote, &wanted)?;
    if remote_tip.is_none() {
        let tracking = format!("refs/remotes/{remote}/{name}");
        if ref_id(opened, &tracking).is_some() {
            git::refs::delete_refs_in(opened, &[tracking])
                .map_err(|err| NoTarget::Failed(err.to_string()))?;
        }
    }
    Ok((base, base_tip, remote_tip, listed.head))
}

/// Names the remote's default branch `head` as `refs/remotes/<remote>/HEAD` when nothing does
/// yet (as `git remote set-head --auto` would, and `git fetch` does since git 2.48), so that the
/// next run knows its base without asking. Left alone when it exists or `head` was not fetched.
fn record_remote_head(opened: &gix::Repository, remote: &str, head: &str) {
    let symbolic = format!("refs/remotes/{remote}/HEAD");
    let tracking = format!("refs/remotes/{remote}/{head}");
    if ref_id(opened, &tracking).is_none() {
        return;
    }
    let (Ok(name), Ok(target)) = (
        gix::refs::FullName::try_from(symbolic.as_str()),
        gix::refs::FullName::try_from(tracking.as_str()),
    ) else {
        return;
    };
    let edit = RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: "git-batch: the remote's default branch".into(),
            },
            expected: PreviousValue::MustNotExist,
            new: gix::refs::Target::Symbolic(target),
        },
        name,
        deref: false,
    };
    // Best effort: one that exists already (or cannot be written) is only a question more.
    let _ = opened.edit_reference(edit);
}

fn no_base(remote: &str) -> NoTarget {
    NoTarget::Skip(format!(
        "no base branch: {remote} names no default branch and the current branch has no \
         upstream (give --base BRANCH)"
    ))
}

/// What `git ls-remote --symref` said: the remote's default branch and the tips asked for.
#[derive(Debug, Default)]
struct Listed {
    head: Option<String>,
    tips: HashMap<String, ObjectId>,
}

fn ls_remote(
    git: &Git<'_>,
    remote: &str,
    name: &str,
    base: Option<&str>,
) -> Result<Listed, NoTarget> {
    let mut args = vec![
        "ls-remote".to_owned(),
        "--symref".into(),
        remote.into(),
        "HEAD".into(),
        format!("refs/heads/{name}"),
    ];
    args.extend(base.map(|base| format!("refs/heads/{base}")));
    let out = git
        .read(&args)
        .map_err(|err| NoTarget::Failed(format!("cannot ask {remote}: {}", err.message())))?;
    let mut listed = Listed::default();
    let mut head_tip = None;
    for line in out.lines() {
        let Some((left, refname)) = line.split_once('\t') else {
            continue;
        };
        if let Some(target) = left.strip_prefix("ref: ") {
            if refname == "HEAD" {
                listed.head = target.strip_prefix("refs/heads/").map(str::to_owned);
            }
            continue;
        }
        let Ok(id) = ObjectId::from_hex(left.trim().as_bytes()) else {
            continue;
        };
        if refname == "HEAD" {
            head_tip = Some(id);
        } else if let Some(short) = refname.strip_prefix("refs/heads/") {
            listed.tips.insert(short.to_owned(), id);
        }
    }
    if let (Some(head), Some(tip)) = (&listed.head, head_tip) {
        listed.tips.entry(head.clone()).or_insert(tip);
    }
    Ok(listed)
}

/// Fetches the tips of `wanted` whose commits this repository lacks, or whose remote-tracking
/// ref is behind, into `refs/remotes/<remote>/…`.
fn fetch_missing(
    opened: &gix::Repository,
    git: &Git<'_>,
    remote: &str,
    wanted: &[(&str, ObjectId)],
) -> Result<(), NoTarget> {
    let refspecs: Vec<String> = wanted
        .iter()
        .filter(|(branch, tip)| {
            ref_id(opened, &format!("refs/remotes/{remote}/{branch}")) != Some(*tip)
                || !opened.has_object(*tip)
        })
        .map(|(branch, _)| format!("+refs/heads/{branch}:refs/remotes/{remote}/{branch}"))
        .collect();
    if refspecs.is_empty() {
        return Ok(());
    }
    let mut args = vec![
        "-c".to_owned(),
        "maintenance.auto=false".into(),
        "fetch".into(),
        "--quiet".into(),
        "--no-tags".into(),
        "--no-write-fetch-head".into(),
        remote.into(),
    ];
    args.extend(refspecs);
    git.check(&args)
        .map_err(|err| NoTarget::Failed(format!("cannot fetch from {remote}: {}", err.message())))
}
