//! `undo`: take back what a run did to one repository. Commits the run made are undone and their
//! content comes back as uncommitted changes, staged as it was; a pushed commit is reverted by a
//! new commit and a normal push, only when asked (`--push`), never by force. Only what the run
//! changed is touched: the user's other work, staged or not, stays exactly as it is.

mod branch;
mod content;
mod cut_short;
mod recover;
mod revert;

use std::ffi::OsString;
use std::time::Duration;

use crate::git::{self, Git};
use crate::hosts::HostGate;
use crate::journal::{BACKUP_REF_PREFIX, INDEX_REF_PREFIX, RepoRecord, run_ref};
use crate::ops::safety::{self, Unsafe};
use crate::outcome::{Details, FileRecord, Outcome, RepoChanges, RepoReport};
use crate::repo_lock::{LockError, RepoLock};
use crate::targets::Repo;
use crate::words::plural;

/// How to undo.
#[derive(Debug, Clone)]
pub struct UndoOptions {
    /// The run being undone.
    pub run_id: String,
    /// Revert pushed commits with a new commit and push it.
    pub push: bool,
    pub dry_run: bool,
    pub timeout: Duration,
}

/// One repository to take back: what the run recorded there, and what the journal tells about
/// the runs around it.
#[derive(Debug, Clone)]
pub struct Job {
    pub record: RepoRecord,
    /// The run wrote files (`license-update`, `file-replace`, `check --fix`), not only commits.
    pub content: bool,
    /// The run pushed a commit that an earlier run made here (`sync --pull -t @failed` after a
    /// rejected push): that run's id and the commit as it made it.
    pub carried: Option<Carried>,
}

/// A commit that an earlier run made and this run carried on (rebased, pushed).
#[derive(Debug, Clone)]
pub struct Carried {
    pub run_id: String,
    pub commit: String,
}

/// What every step of one repository's undo shares.
struct Ctx<'a> {
    repo: &'a Repo,
    git: Git<'a>,
    opened: gix::Repository,
    options: &'a UndoOptions,
    details: Details,
}

impl Ctx<'_> {
    fn skip(&self, reason: String) -> RepoReport {
        RepoReport::new(self.repo, Outcome::Skipped, reason)
    }

    fn would(&self, message: String) -> RepoReport {
        RepoReport::new(self.repo, Outcome::Changed, message)
    }

    fn done(&self, outcome: Outcome, message: String) -> RepoReport {
        let mut details = self.details.clone();
        if let Details::Sync(d) = &mut details {
            d.head_after = self.git.read(&["rev-parse", "HEAD"]).ok();
        }
        RepoReport::new(self.repo, outcome, message).with_details(details)
    }

    /// Moves HEAD's branch from `from` to `to`, only if it still is at `from`.
    fn move_branch(&self, to: &str, from: &str) -> Result<(), String> {
        let reason = format!("git-batch: undo of run {}", self.options.run_id);
        self.git
            .check(&["update-ref", "-m", &reason, "HEAD", to, from])
            .map_err(|err| {
                // The compare-and-swap failed because HEAD moved, or git refused the update.
                let now = self.git.read(&["rev-parse", "HEAD"]).ok();
                if now.as_deref() == Some(from) {
                    format!("git refused to move HEAD ({})", err.message())
                } else {
                    format!("HEAD moved while undoing ({})", err.message())
                }
            })
    }

    /// Drops the run's backup and index refs once the repository is back. Returns what to add
    /// to the report when one could not be removed (empty when all went): the repository is
    /// back all the same, and the command that removes the ref.
    fn drop_refs(&self) -> String {
        let id = &self.options.run_id;
        let mut failed = Vec::new();
        for prefix in [BACKUP_REF_PREFIX, INDEX_REF_PREFIX] {
            let name = run_ref(prefix, id, &self.opened);
            if let Err(err) = self.git.check(&["update-ref", "-d", &name]) {
                failed.push((name, err.message().to_owned()));
            }
        }
        if failed.is_empty() {
            return String::new();
        }
        let errors: Vec<&str> = failed.iter().map(|(_, err)| err.as_str()).collect();
        let names: Vec<&str> = failed.iter().map(|(name, _)| name.as_str()).collect();
        let commands: Vec<String> = names
            .iter()
            .map(|name| format!("`git update-ref -d {name}`"))
            .collect();
        format!(
            "; removing the run's {} {} failed ({}): {} {} {}",
            plural(names.len(), "ref", "refs"),
            names.join(", "),
            errors.join("; "),
            commands.join(" and "),
            plural(names.len(), "removes", "remove"),
            plural(names.len(), "it", "them")
        )
    }

    /// Adds the files that were intent-to-add before the run back that way (`git add -N`):
    /// the saved index tree cannot hold them.
    fn restore_intent_to_add(&self, files: &[FileRecord]) -> Result<(), String> {
        let present: Vec<OsString> = files
            .iter()
            .map(FileRecord::relative_path)
            .filter(|path| std::fs::symlink_metadata(self.repo.path.join(path)).is_ok())
            .map(std::path::PathBuf::into_os_string)
            .collect();
        if present.is_empty() {
            return Ok(());
        }
        let mut args = os_args(&["--literal-pathspecs", "add", "-N", "--"]);
        args.extend(present);
        self.git
            .check(&args)
            .map_err(|err| format!("cannot mark files intent-to-add again: {err}"))
    }
}

/// Undoes, in `repo`, what the run recorded in `job` did.
pub fn undo(
    repo: &Repo,
    job: &Job,
    options: &UndoOptions,
    gate: &HostGate,
    session: Option<&crate::forge::session::Session>,
) -> RepoReport {
    let opened = match git::open(&repo.path) {
        Ok(opened) => opened,
        Err(err) => return RepoReport::failed(repo, err.to_string()),
    };
    // No run works on the repository while undo does (reached from another root, say).
    let _lock = if options.dry_run {
        None
    } else {
        match RepoLock::acquire(opened.git_dir()) {
            Ok(lock) => Some(lock),
            Err(held @ LockError::Held { .. }) => {
                return RepoReport::new(repo, Outcome::Skipped, held.to_string());
            }
            Err(err) => return RepoReport::failed(repo, err.to_string()),
        }
    };
    let git = Git::new(&repo.path, options.timeout);
    if let Some(change) = &job.record.change_branch {
        let ctx = Ctx {
            repo,
            git,
            opened,
            options,
            details: Details::None,
        };
        return branch::undo_branch(&ctx, &job.record, change, gate, session);
    }
    // A record that does not say what the run did (it was killed before it could): the run's
    // refs in the repository say where it started.
    let entry = match recover::effective_record(&opened, &git, job, &options.run_id) {
        recover::Found::Record(entry) => *entry,
        recover::Found::Nothing(message) => {
            return RepoReport::new(repo, Outcome::Unchanged, message);
        }
        recover::Found::Skip(reason) => return RepoReport::new(repo, Outcome::Skipped, reason),
    };
    let (Some(before), Some(after)) = (entry.head_before.clone(), entry.head_after.clone()) else {
        return RepoReport::new(repo, Outcome::Unchanged, "the run changed nothing here");
    };
    let status = match git::read_status_of(&opened) {
        Ok(status) => status,
        Err(err) => return RepoReport::failed(repo, err.to_string()),
    };
    let details = Details::Sync(RepoChanges {
        branch: entry.branch.clone(),
        head_before: status.head.clone(),
        ..RepoChanges::default()
    });
    let ctx = Ctx {
        repo,
        git,
        opened,
        options,
        details,
    };
    take_back(&ctx, &entry, job, &status, (&before, &after), gate)
}

/// With the repository locked and the run's record in hand (HEAD went from `before` to
/// `after`): checks that the repository is still where the run left it, then takes the run back
/// the way its record calls for (a revert of what is on the remote, the files of a content run,
/// or a sync's commit).
fn take_back(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    job: &Job,
    status: &git::RepoStatus,
    (before, after): (&str, &str),
    gate: &HostGate,
) -> RepoReport {
    // The checks every writing command shares; a detached HEAD only matters when the run
    // worked on a branch (a content run with --no-commit may have worked detached).
    if let Some(reason) = safety::check(&ctx.opened, entry.branch.is_some()) {
        return ctx.skip(match (reason, &entry.branch) {
            (Unsafe::Detached, Some(branch)) => format!("{reason} (the run worked on {branch})"),
            _ => reason.to_string(),
        });
    }
    if status.branch != entry.branch {
        return ctx.skip(format!(
            "on branch {} now, the run worked on {}",
            status.branch.as_deref().unwrap_or("(detached)"),
            entry.branch.as_deref().unwrap_or("(detached)")
        ));
    }
    // What of the run is on the remote now: pushed by the run itself, or carried there by a
    // later `sync --pull` (rebased, so under another id).
    let head = status.head.clone().unwrap_or_default();
    let pushed = match revert::pushed_commit(ctx, entry, job, &head) {
        Ok(pushed) => pushed,
        Err(reason) => return ctx.skip(reason),
    };
    if let Some(pushed) = pushed {
        return revert::undo_pushed(ctx, &pushed, gate);
    }
    if head != after {
        return ctx.skip(format!(
            "HEAD moved since the run (it left {}, now {}): undo by hand",
            short(after),
            status.head.as_deref().map_or("nothing", short)
        ));
    }
    if !entry.files.is_empty() {
        return content::undo_files(ctx, entry, before, after);
    }
    if status.staged > 0 && before != after {
        return ctx.skip(
            "changes were staged since the run: commit or unstage them, then undo again".into(),
        );
    }
    undo_sync(ctx, entry, before, after)
}

/// Undoes a `sync`: the branch goes back, the saved index comes back, and the working tree,
/// which still holds every byte the run committed, is left alone (but for the upstream's changes
/// a pull brought in).
fn undo_sync(ctx: &Ctx<'_>, entry: &RepoRecord, before: &str, after: &str) -> RepoReport {
    if ctx.options.dry_run {
        let message = if before == after {
            "would restore the staging area as it was before the run".to_owned()
        } else {
            format!(
                "would move {} back to {} and restore the changes as uncommitted",
                entry.branch.as_deref().unwrap_or("HEAD"),
                short(before)
            )
        };
        return ctx.would(message);
    }
    let at = match upstream_taken_out(ctx, entry, before, after) {
        Ok(at) => at,
        Err(err) => return ctx.done(Outcome::Failed, err),
    };
    if let Err(failure) = back_to_before(ctx, entry, before, after, at) {
        return ctx.done(Outcome::Failed, failure);
    }
    let refs_left = ctx.drop_refs();
    let message = if before == after {
        "the staging area is as it was before the run".to_owned()
    } else {
        format!(
            "back at {}; the run's changes are uncommitted again",
            short(before)
        )
    };
    ctx.done(Outcome::Changed, message + &refs_left)
}

/// A run that pulled moved HEAD past its own commit (a rebase or a fast-forward), and the
/// working tree with it. Takes the upstream's changes back out of the working tree first, or
/// they would come back looking like the user's own: `reset --keep` moves to the run's own
/// commit (the old HEAD when it made none) and refuses rather than overwrite a file that
/// changed since. Returns where HEAD is now.
fn upstream_taken_out<'a>(
    ctx: &Ctx<'_>,
    entry: &'a RepoRecord,
    before: &'a str,
    after: &'a str,
) -> Result<&'a str, String> {
    let own = entry.commit.as_deref().unwrap_or(before);
    if own == after {
        return Ok(after);
    }
    ctx.git
        .check(&["reset", "--quiet", "--keep", own])
        .map_err(|err| err.to_string())?;
    Ok(own)
}

/// Moves the branch from `at` back to `before`, reads the saved staging area back and marks the
/// intent-to-add files again. A step that fails once an earlier one changed the repository says
/// where it stopped and the git commands that finish the undo by hand.
fn back_to_before(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    before: &str,
    after: &str,
    at: &str,
) -> Result<(), String> {
    let branch = entry.branch.as_deref().unwrap_or("HEAD");
    let tree = entry.index_tree.as_deref();
    if at != before {
        ctx.move_branch(before, at).map_err(|err| {
            if at == after {
                return err;
            }
            let finish = by_hand(Some(before), tree, &entry.intent_to_add);
            format!(
                "the upstream's changes are taken back out and {branch} is at the run's own \
                 commit {}, but moving it back failed ({err}): {finish} finishes the undo",
                short(at)
            )
        })?;
    }
    if let Some(tree) = tree {
        ctx.git.check(&["read-tree", tree]).map_err(|err| {
            let finish = by_hand(None, Some(tree), &entry.intent_to_add);
            format!(
                "{branch} is back at {}, but restoring the staging area failed ({}): {finish} \
                 restores it",
                short(before),
                err.message()
            )
        })?;
    }
    ctx.restore_intent_to_add(&entry.intent_to_add)
        .map_err(|err| {
            let finish = by_hand(None, None, &entry.intent_to_add);
            format!(
                "{branch} is back at {} and the staging area restored, but {err}: {finish} \
                 finishes the undo",
                short(before)
            )
        })
}

/// The git commands, ready to paste, that finish an undo of a sync stopped part-way: the branch
/// moved back to `before` (keeping the index and the files), the saved staging area `tree`
/// read back, the intent-to-add files marked again.
fn by_hand(before: Option<&str>, tree: Option<&str>, intent_to_add: &[FileRecord]) -> String {
    let mut commands = Vec::new();
    if let Some(before) = before {
        commands.push(format!("`git reset --soft {before}`"));
    }
    if let Some(tree) = tree {
        commands.push(format!("`git read-tree {tree}`"));
    }
    if !intent_to_add.is_empty() {
        let mut command = vec!["git", "add", "-N", "--"];
        command.extend(intent_to_add.iter().map(|file| file.path.as_str()));
        let joined = shlex::try_join(command).unwrap_or_default();
        commands.push(format!("`{joined}`"));
    }
    commands.join(" then ")
}

fn os_args(args: &[&str]) -> Vec<OsString> {
    args.iter().map(Into::into).collect()
}

fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}
