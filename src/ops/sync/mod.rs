//! `sync`: commit every change (`git add -A`, `git commit`), optionally rebase onto the
//! upstream (`--pull`), and push — never forcing, never losing uncommitted work, and putting a
//! repository back as it was when something fails before the push.

use std::time::Duration;

use gix::bstr::ByteSlice;

use crate::git::push::REJECTED;
use crate::git::{self, Git, PushResult, RepoStatus, Tracking};
use crate::hosts::HostGate;
use crate::journal::{BACKUP_REF_PREFIX, INDEX_REF_PREFIX, RepoRecord, run_ref};
use crate::ops::safety;
use crate::outcome::{Details, FileRecord, Outcome, RepoChanges, RepoReport};
use crate::repo_lock::RepoLock;
use crate::targets::Repo;
use crate::words::plural;

mod branch;
mod steps;
use crate::git::commit::Committed;
pub(crate) use steps::{Before, commit_made, host_of, journal_started, push_commit};
use steps::{
    commit_staged, files_changed, mid_rebase, network_failure, parent_of, rebase_stop, stage_all,
    staged_removals_kept,
};

/// How to sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub message: String,
    pub pull: bool,
    pub push: bool,
    /// `--branch NAME`: commit on a new branch NAME made from HEAD, checked out, pushed.
    pub branch: Option<crate::ops::change::BranchOptions>,
    pub dry_run: bool,
    pub timeout: Duration,
    pub run_id: String,
}

/// What the read-only look at a repository decided, before anything is written.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Nothing to do; the message says why.
    Unchanged(String),
    /// Not safe or not applicable.
    Skip(String),
    /// The repository could not be read.
    Fail(String),
    Work(Box<Work>),
}

/// The work a repository needs.
#[derive(Debug, Clone)]
pub struct Work {
    pub status: RepoStatus,
    pub commit: bool,
    pub tracking: Option<Tracking>,
    /// The host network work talks to (`local` for paths); `None` without network work.
    pub host: Option<String>,
    /// `--branch NAME`: where the new branch goes.
    pub branch: Option<branch::NewBranch>,
}

impl Plan {
    /// The host this plan will talk to, if any.
    pub fn host(&self) -> Option<&str> {
        match self {
            Plan::Work(work) => work.host.as_deref(),
            _ => None,
        }
    }
}

/// Decides, reading in process only, what `sync` would do in `repo`. Spawns nothing.
pub fn plan(repo: &Repo, options: &SyncOptions) -> Plan {
    let opened = match git::open(&repo.path) {
        Ok(opened) => opened,
        Err(err) => return Plan::Fail(err.to_string()),
    };
    if let Some(reason) = safety::check(&opened, true) {
        return Plan::Skip(reason.to_string());
    }
    let status = match git::read_status_of(&opened) {
        Ok(status) => status,
        Err(err) => return Plan::Fail(err.to_string()),
    };
    // `git add -A` would take the conflict markers for a resolution and commit them.
    if status.conflicted > 0 {
        let paths = plural(status.conflicted.try_into().unwrap_or(2), "path", "paths");
        let n = status.conflicted;
        return Plan::Skip(format!(
            "{n} {paths} with unresolved conflicts: resolve them (then git add) first"
        ));
    }
    let tracking = match git::tracking_of_head(&opened) {
        Ok(tracking) => tracking,
        Err(err) => return Plan::Fail(err.to_string()),
    };
    if let Some(wanted) = &options.branch {
        return branch::plan(&opened, status, tracking.as_ref(), &wanted.name);
    }
    let network = options.push || options.pull;
    if network && tracking.is_none() {
        return Plan::Skip(
            "no upstream: set one (git push -u REMOTE BRANCH), or sync with --no-push".into(),
        );
    }
    let commit = status.is_dirty();
    let push = options.push && (commit || status.ahead > 0 || options.pull);
    if !commit && !push && !options.pull {
        // Said on the repository's line, so in a word or two.
        return Plan::Unchanged(if status.ahead > 0 {
            format!("nothing to commit; {} unpushed (--no-push)", status.ahead)
        } else if options.push {
            "up to date".into()
        } else {
            "clean".into()
        });
    }
    let host = if options.push || options.pull {
        tracking.as_ref().map(host_of)
    } else {
        None
    };
    Plan::Work(Box::new(Work {
        status,
        commit,
        tracking,
        host,
        branch: None,
    }))
}

/// How long the clean-up after a failure (a commit refused or timed out) may take, counted
/// from the failure: never cut short by a `--timeout` that has already passed.
pub(crate) const CLEANUP_GRACE: Duration = Duration::from_secs(20);

/// Called with a repository's record before the run's first write to it (its refs written);
/// an error leaves the repository untouched.
pub type Started<'a> = dyn Fn(&RepoRecord) -> Result<(), String> + Sync + 'a;

/// Syncs `repo` as `plan` decided. Never called for a refused host.
///
/// A real run takes the repository's lock, then reads it again: what it records as "before"
/// (HEAD and the index) is the repository when its turn came, not when the run was planned, so
/// that a commit made in between is never taken for the run's own.
pub fn sync(
    repo: &Repo,
    plan: &Plan,
    options: &SyncOptions,
    gate: &HostGate,
    started: &Started<'_>,
    open_pr: Option<&crate::ops::change::OpenPr<'_>>,
) -> RepoReport {
    let work = match plan {
        Plan::Unchanged(message) => return RepoReport::new(repo, Outcome::Unchanged, message),
        Plan::Skip(reason) => return RepoReport::new(repo, Outcome::Skipped, reason),
        Plan::Fail(reason) => return RepoReport::failed(repo, reason),
        Plan::Work(work) => work,
    };
    if options.dry_run {
        return dry_run(repo, work, options);
    }
    let _lock = match git::open(&repo.path)
        .map_err(|err| err.to_string())
        .and_then(|opened| RepoLock::acquire(opened.git_dir()).map_err(|err| err.to_string()))
    {
        Ok(lock) => lock,
        Err(reason) if reason.starts_with("another git-batch run") => {
            return RepoReport::new(repo, Outcome::Skipped, reason);
        }
        Err(reason) => return RepoReport::failed(repo, reason),
    };
    // Read again under the lock: the repository as its turn finds it.
    let now = plan_at_turn(repo, options, work);
    let work = match &now {
        Plan::Work(work) => work,
        other => return sync(repo, other, options, gate, started, open_pr),
    };
    let mut details = RepoChanges {
        branch: work.status.branch.clone(),
        head_before: work.status.head.clone(),
        ..RepoChanges::default()
    };
    let git = Git::new(&repo.path, options.timeout);
    if let Some(new) = &work.branch {
        details.change_branch = Some(new.record());
    }
    let result = Syncer {
        repo,
        git: &git,
        work,
        options,
        gate,
        started,
        open_pr,
        details: &mut details,
    }
    .run();
    details.head_after = git::refs::head_id(&repo.path).ok().flatten();
    let (outcome, message) = match result {
        // `--pull` on a repository that had nothing to commit and was not behind.
        Ok(_)
            if details.commit.is_none()
                && !details.pushed
                && details.head_after == details.head_before =>
        {
            (Outcome::Unchanged, "already up to date".to_owned())
        }
        Ok(message) => (Outcome::Changed, message),
        Err(failure) => (Outcome::Failed, failure),
    };
    RepoReport::new(repo, outcome, message).with_details(Details::Sync(details))
}

/// The plan for `repo` when its turn comes. Its host was tried (or not) for the first plan:
/// a repository whose host changed since is not sent to the new one untried.
fn plan_at_turn(repo: &Repo, options: &SyncOptions, first: &Work) -> Plan {
    let now = plan(repo, options);
    if let Plan::Work(work) = &now {
        if work.host.is_some() && work.host != first.host {
            return Plan::Skip("its remote changed while the run was starting; sync again".into());
        }
    }
    now
}

fn dry_run(repo: &Repo, work: &Work, options: &SyncOptions) -> RepoReport {
    if let Some(new) = &work.branch {
        return branch::dry_run(repo, work, new, options);
    }
    let s = &work.status;
    let mut parts = Vec::new();
    if work.commit {
        parts.push(format!(
            "would commit ({} staged, {} unstaged, {} untracked)",
            s.staged, s.unstaged, s.untracked
        ));
    }
    if options.pull {
        parts.push("would fetch and rebase onto the upstream".to_owned());
    }
    let upstream = s.upstream.as_deref().unwrap_or("the upstream");
    if options.push && (work.commit || s.ahead > 0 || options.pull) {
        if s.behind > 0 && !options.pull {
            // What the real run will meet: a push refused as not a fast-forward.
            parts.push(format!(
                "would push to {upstream}, which would refuse it: it has {} commit{} this branch \
                 lacks (as of the last fetch); sync --pull rebases onto them first",
                s.behind,
                if s.behind == 1 { "" } else { "s" }
            ));
        } else {
            parts.push(format!("would push to {upstream}"));
        }
    }
    RepoReport::new(repo, Outcome::Changed, parts.join(", ")).with_details(Details::Sync(
        RepoChanges {
            branch: s.branch.clone(),
            head_before: s.head.clone(),
            head_after: s.head.clone(),
            ..RepoChanges::default()
        },
    ))
}

/// Why `--pull` failed: with the repository put back on its branch (the rebase aborted, or never
/// started), or left mid-rebase because the abort failed too.
enum Pull {
    OnBranch(String),
    MidRebase(String),
}

pub(super) struct Syncer<'a> {
    repo: &'a Repo,
    git: &'a Git<'a>,
    work: &'a Work,
    options: &'a SyncOptions,
    gate: &'a HostGate,
    started: &'a Started<'a>,
    open_pr: Option<&'a crate::ops::change::OpenPr<'a>>,
    details: &'a mut RepoChanges,
}

impl Syncer<'_> {
    fn run(mut self) -> Result<String, String> {
        let mut done = Vec::new();
        self.begin()?;
        if let Some(new) = &self.work.branch {
            return branch::commit_and_push(&mut self, new);
        }
        if self.work.commit {
            let files = self.commit()?;
            done.push(format!(
                "committed {files} {}",
                plural(files, "file", "files")
            ));
        }
        if self.options.pull {
            match self.pull() {
                Ok(()) => {}
                Err(Pull::OnBranch(failure)) => return Err(self.restore(failure)),
                // Nothing more is written to a repository mid-rebase: HEAD is not the branch.
                Err(Pull::MidRebase(failure)) => return Err(failure),
            }
            done.push("rebased onto the upstream".to_owned());
        }
        if self.options.push
            && (self.work.commit || self.work.status.ahead > 0 || self.options.pull)
        {
            match self.push() {
                Ok(pushed @ PushResult::Pushed { updated }) => {
                    self.details.pushed = updated;
                    done.push(pushed.to_string());
                }
                refused => {
                    let failure = match refused {
                        Ok(PushResult::Rejected) => {
                            format!("{REJECTED}; rerun with --pull to rebase onto them")
                        }
                        Ok(other) => other.to_string(),
                        Err(failure) => failure,
                    };
                    let kept = if self.work.commit {
                        "; the commit stays local (undo restores the changes)"
                    } else {
                        ""
                    };
                    return Err(format!("{failure}{kept}"));
                }
            }
        }
        Ok(done.join(", "))
    }

    /// Before the first write: the tree of the index as the user left it (what undo, or a
    /// failure, restores as "staged"), the backup and index refs, and the journal's "started"
    /// record. Whatever happens to git-batch from here on, the repository can be put back.
    fn begin(&mut self) -> Result<(), String> {
        if self.work.commit {
            // With nothing staged that is HEAD's tree, already known; otherwise `write-tree`
            // makes it (it only adds objects; it changes neither the index nor HEAD).
            let index_tree = match (&self.work.status.head_tree, self.work.status.staged) {
                (Some(head_tree), 0) => head_tree.clone(),
                _ => self
                    .git
                    .read(&["write-tree"])
                    .map_err(|err| err.to_string())?,
            };
            self.details.index_tree = Some(index_tree);
            self.details.intent_to_add = git::intent::intent_to_add(self.git.dir())
                .iter()
                .map(|path| FileRecord::of_path(path, true, None))
                .collect();
        }
        let opened = git::open(self.git.dir()).map_err(|err| err.to_string())?;
        let refs = self.own_refs(&opened);
        // Created, never overwritten: a ref of this run already there means something else
        // is using its name.
        git::refs::create_refs_in(&opened, &refs).map_err(|err| err.to_string())?;
        journal_started(
            self.repo,
            &opened,
            &refs,
            Before {
                branch: self.details.branch.clone(),
                head: self.details.head_before.clone(),
                index_tree: self.details.index_tree.clone(),
                files: &[],
                intent_to_add: &self.details.intent_to_add,
                change_branch: self.details.change_branch.clone(),
            },
            self.started,
        )
    }

    /// The run's backup ref (HEAD before) and index ref (the index's tree, when known).
    fn own_refs(&self, opened: &gix::Repository) -> Vec<(String, String)> {
        let id = &self.options.run_id;
        let mut refs = Vec::new();
        if let Some(head) = &self.details.head_before {
            refs.push((run_ref(BACKUP_REF_PREFIX, id, opened), head.clone()));
        }
        if let Some(tree) = &self.details.index_tree {
            refs.push((run_ref(INDEX_REF_PREFIX, id, opened), tree.clone()));
        }
        refs
    }

    /// git for the clean-up after a failure: its own time, counted from now.
    pub(super) fn cleanup_git(&self) -> Git<'_> {
        Git::new(self.git.dir(), CLEANUP_GRACE)
    }

    /// `git add -A` and `git commit`, with the index saved first so that a refused commit
    /// leaves the staging area exactly as it was. Returns the number of paths committed (their
    /// list is in `files`).
    pub(super) fn commit(&mut self) -> Result<usize, String> {
        let git = self.git;
        let index_tree = self
            .details
            .index_tree
            .clone()
            .ok_or_else(|| "the index was not saved".to_owned())?;
        let cleanup = self.cleanup_git();
        let restore_index = |failure: String| -> String {
            match cleanup.check(&["read-tree", &index_tree]) {
                Ok(()) => format!("{failure}; the changes are uncommitted, as before"),
                Err(err) => format!(
                    "{failure}; restoring the staging area also failed ({}): `git read-tree \
                     {index_tree}` restores it (the files are untouched)",
                    err.message()
                ),
            }
        };
        // Paths the user staged as removed but kept in the working tree (`git rm --cached`):
        // `git add -A` would stage them back. They are committed as removed, as staged.
        let untracked_on_purpose = if self.work.status.staged > 0 {
            staged_removals_kept(git).map_err(|err| err.to_string())?
        } else {
            Vec::new()
        };
        stage_all(git, &index_tree, untracked_on_purpose).map_err(&restore_index)?;
        // HEAD as the turn found it, still: a commit made since would otherwise become the
        // parent of the run's, and the run's "before" would be wrong.
        let head_now = git::refs::head_id(git.dir()).ok().flatten();
        if head_now != self.details.head_before {
            return Err(restore_index(
                "HEAD moved while the run was working here (a commit made meanwhile?); \
                 nothing committed"
                    .into(),
            ));
        }
        let committed = commit_staged(
            git,
            &self.options.message,
            self.details.head_before.as_deref(),
        )
        .map_err(&restore_index)?;
        let (commit, output) = match committed {
            // Made on HEAD as the run found it, or not at all.
            Committed::InProcess { id, .. } => (Some(id), None),
            // The commit git just made, found from HEAD by the abbreviated id git printed:
            // HEAD itself may already be a commit someone made on top of it.
            Committed::ByGit(output) => (commit_made(git.dir(), &output.stdout), Some(output)),
        };
        self.details.commit = commit;
        // The paths it changed, read from the commit itself; should that fail, git's own count
        // (from its summary line) still says how many.
        let listed = self
            .details
            .commit
            .as_deref()
            .map(|commit| git::paths_changed(git.dir(), commit));
        match listed {
            Some(Ok(paths)) => self.details.set_files(
                paths
                    .iter()
                    .map(|p| p.to_str_lossy().into_owned())
                    .collect(),
            ),
            _ => {
                self.details.file_count = output.map_or(0, |output| files_changed(&output.stdout));
            }
        }
        let files = self.details.file_count;
        if let Some(commit) = &self.details.commit {
            if parent_of(git.dir(), commit) != self.details.head_before {
                return Err(format!(
                    "another commit was made here while the run committed; the run's commit {} \
                     is on top of it: check `git log` before undoing",
                    commit.get(..7).unwrap_or(commit)
                ));
            }
        }
        Ok(files)
    }

    fn tracking(&self) -> Result<&Tracking, String> {
        self.work
            .tracking
            .as_ref()
            .ok_or_else(|| "no upstream".to_owned())
    }

    /// Fetches the upstream and rebases onto it. A conflict aborts the rebase.
    fn pull(&mut self) -> Result<(), Pull> {
        let tracking = self.tracking().map_err(Pull::OnBranch)?.clone();
        {
            let _permit = self
                .gate
                .enter(self.work.host.as_deref().unwrap_or("local"));
            if tracking.fetch_remote != "." {
                self.git
                    .check(&["fetch", "--quiet", "--no-tags", &tracking.fetch_remote])
                    .map_err(|err| Pull::OnBranch(network_failure(&err)))?;
            }
        }
        let onto = tracking
            .tracking_ref
            .clone()
            .unwrap_or_else(|| tracking.merge_ref.clone());
        if let Err(err) = self.git.check(&["rebase", "--quiet", &onto]) {
            let stopped = rebase_stop(&self.cleanup_git(), &onto, &err);
            return match self.cleanup_git().check(&["rebase", "--abort"]) {
                Ok(()) => Err(Pull::OnBranch(format!("{stopped}; aborted"))),
                Err(abort) => Err(Pull::MidRebase(mid_rebase(
                    &stopped,
                    abort.message(),
                    self.details.commit.is_some(),
                    &self.options.run_id,
                ))),
            };
        }
        Ok(())
    }

    /// Pushes the run's tip: its commit, HEAD as the rebase left it, or HEAD as the turn found
    /// it (ahead commits alone).
    fn push(&mut self) -> Result<PushResult, String> {
        let tracking = self.tracking()?.clone();
        let tip = if self.options.pull {
            git::refs::head_id(self.git.dir()).map_err(|err| err.to_string())?
        } else {
            self.details
                .commit
                .clone()
                .or_else(|| self.details.head_before.clone())
        };
        let tip = tip.ok_or_else(|| "no commit to push".to_owned())?;
        Ok(push_commit(
            self.git,
            &tracking,
            self.gate,
            self.work.host.as_deref().unwrap_or("local"),
            &tip,
        ))
    }

    /// Puts the repository back as it was before the run (HEAD, staging area; the working tree
    /// was never changed), after a failure before the push. Returns the message to report.
    /// HEAD moves back only from where the run left it (a compare-and-swap), never over a
    /// commit made by someone else meanwhile.
    fn restore(&mut self, failure: String) -> String {
        let Some(head) = self.details.head_before.clone() else {
            return failure;
        };
        let git = self.cleanup_git();
        let expected = self.details.commit.clone().unwrap_or_else(|| head.clone());
        let mut steps = vec![git.check(&[
            "update-ref",
            "-m",
            "git-batch: put back as before the run",
            "HEAD",
            &head,
            &expected,
        ])];
        if let Some(tree) = &self.details.index_tree {
            if steps[0].is_ok() {
                steps.push(git.check(&["read-tree", tree]));
            }
        }
        match steps.into_iter().find_map(Result::err) {
            None => {
                self.details.commit = None;
                format!("{failure}; the repository is as it was before the run")
            }
            Some(err) => format!(
                "{failure}; restoring it failed ({err}): git batch undo {} retries",
                self.options.run_id
            ),
        }
    }
}
