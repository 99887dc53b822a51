//! `undo`: take back what a run did to one repository. Commits the run made are undone and their
//! content comes back as uncommitted changes, staged as it was; a pushed commit is reverted by a
//! new commit and a normal push, only when asked (`--push`), never by force.

use std::time::Duration;

use crate::git::{self, Git};
use crate::hosts::HostGate;
use crate::journal::{BACKUP_REF_PREFIX, INDEX_REF_PREFIX, RepoRecord};
use crate::ops::sync::SyncDetails;
use crate::outcome::{Details, Outcome, RepoReport};
use crate::targets::Repo;

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

/// Undoes, in `repo`, what the run recorded in `entry` did.
pub fn undo(repo: &Repo, entry: &RepoRecord, options: &UndoOptions, gate: &HostGate) -> RepoReport {
    let (Some(before), Some(after)) = (&entry.head_before, &entry.head_after) else {
        return RepoReport::new(repo, Outcome::Unchanged, "the run changed nothing here");
    };
    let opened = match git::open(&repo.path) {
        Ok(opened) => opened,
        Err(err) => return RepoReport::failed(repo, err.to_string()),
    };
    let status = match git::read_status_of(&opened) {
        Ok(status) => status,
        Err(err) => return RepoReport::failed(repo, err.to_string()),
    };
    let skip = |reason: String| RepoReport::new(repo, Outcome::Skipped, reason);
    if status.head.as_deref() != Some(after.as_str()) {
        return skip(format!(
            "HEAD moved since the run (it left {}, now {}): undo by hand",
            short(after),
            status.head.as_deref().map_or("nothing", short)
        ));
    }
    if status.branch != entry.branch {
        return skip(format!(
            "on branch {} now, the run worked on {}",
            status.branch.as_deref().unwrap_or("(detached)"),
            entry.branch.as_deref().unwrap_or("(detached)")
        ));
    }
    if status.state.in_progress() {
        return skip(format!("{} in progress", status.state.as_str()));
    }
    if git::index_lock_path(&opened).exists() {
        return skip("index.lock present: another git process is running here".into());
    }
    let content = !entry.files.is_empty();
    if status.staged > 0 && !content {
        return skip(
            "changes were staged since the run: commit or unstage them, then undo again".into(),
        );
    }
    let git = Git::new(&repo.path, options.timeout);
    let details = Details::Sync(SyncDetails {
        branch: entry.branch.clone(),
        head_before: Some(after.clone()),
        ..SyncDetails::default()
    });
    let done = |outcome: Outcome, message: String| {
        let mut details = details.clone();
        if let Details::Sync(d) = &mut details {
            d.head_after = git.read(&["rev-parse", "HEAD"]).ok();
        }
        RepoReport::new(repo, outcome, message).with_details(details)
    };
    if entry.pushed {
        if !options.push {
            return skip(
                "the run pushed this commit: `git batch undo --push` reverts it on the remote \
                 with a new commit"
                    .into(),
            );
        }
        // The run's own commit is HEAD as the run left it (after a rebase, the rebased one).
        let Some(commit) = entry.commit.as_ref().map(|_| after) else {
            return skip(
                "the run only pushed commits that were already there; nothing of its own to revert"
                    .into(),
            );
        };
        if options.dry_run {
            return RepoReport::new(
                repo,
                Outcome::Changed,
                format!(
                    "would revert {} with a new commit and push it",
                    short(commit)
                ),
            );
        }
        return match revert_and_push(&git, &opened, commit, gate) {
            Ok(message) => done(Outcome::Changed, message),
            Err(failure) => done(Outcome::Failed, failure),
        };
    }
    if content {
        return undo_content(repo, entry, options, &git, &done);
    }
    if options.dry_run {
        return RepoReport::new(
            repo,
            Outcome::Changed,
            format!(
                "would move {} back to {} and restore the changes as uncommitted",
                entry.branch.as_deref().unwrap_or("HEAD"),
                short(before)
            ),
        );
    }
    // A run that pulled moved HEAD past its own commit (a rebase or a fast-forward), and the
    // working tree with it. Take the upstream's changes back out of the working tree first, or
    // they would come back looking like the user's own: `reset --keep` moves to the run's own
    // commit (the old HEAD when it made none) and refuses rather than overwrite a file that
    // changed since.
    let own = entry.commit.as_deref().unwrap_or(before);
    if own != after {
        if let Err(err) = git.check(&["reset", "--keep", own]) {
            return done(Outcome::Failed, err.to_string());
        }
    }
    // The working tree is left alone: it still holds every byte the run committed. Moving the
    // branch back and restoring the saved index makes those bytes uncommitted again, staged
    // exactly as they were before the run, untracked files untracked again.
    if let Err(err) = git.check(&["reset", "--soft", before]) {
        return done(Outcome::Failed, err.to_string());
    }
    if let Some(tree) = &entry.index_tree {
        if let Err(err) = git.check(&["read-tree", tree]) {
            return done(Outcome::Failed, err.to_string());
        }
    }
    let id = &options.run_id;
    let _ = git.check(&["update-ref", "-d", &format!("{BACKUP_REF_PREFIX}{id}")]);
    let _ = git.check(&["update-ref", "-d", &format!("{INDEX_REF_PREFIX}{id}")]);
    done(
        Outcome::Changed,
        format!(
            "back at {}; the run's changes are uncommitted again",
            short(before)
        ),
    )
}

/// Undoes a content operation (`license-update`, `file-replace`): the files go back to their
/// content before the run. The user's other work, staged or not, stays as it is; a file the user
/// edited since the run makes the repository skipped, never overwritten.
fn undo_content(
    repo: &Repo,
    entry: &RepoRecord,
    options: &UndoOptions,
    git: &Git<'_>,
    done: &dyn Fn(Outcome, String) -> RepoReport,
) -> RepoReport {
    let skip = |reason: String| RepoReport::new(repo, Outcome::Skipped, reason);
    let Some(before) = entry.head_before.as_deref() else {
        return RepoReport::new(repo, Outcome::Unchanged, "the run changed nothing here");
    };
    let count = entry.files.len();
    let files = format!("{count} {}", crate::report::plural(count, "file", "files"));
    if entry.commit.is_some() {
        if options.dry_run {
            return RepoReport::new(
                repo,
                Outcome::Changed,
                format!("would take back the run's commit and restore {files}"),
            );
        }
        // `reset --keep` moves the branch back and puts back the files the commit changed; it
        // refuses, touching nothing, when one of them has changed since.
        return match git.check(&["reset", "--quiet", "--keep", before]) {
            Ok(()) => {
                let id = &options.run_id;
                let _ = git.check(&["update-ref", "-d", &format!("{BACKUP_REF_PREFIX}{id}")]);
                done(
                    Outcome::Changed,
                    format!("back at {}; {files} restored", short(before)),
                )
            }
            Err(err) => skip(format!(
                "files the run changed were edited since ({}): undo by hand",
                err.message()
            )),
        };
    }
    // `--no-commit`: the files are in the working tree only. Each must still be as the run left
    // it.
    let workdir = &repo.path;
    for file in &entry.files {
        let path = workdir.join(file.relative_path());
        let now = crate::ops::files::read_work_file(&path)
            .ok()
            .and_then(|content| {
                gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, &content)
                    .ok()
                    .map(|id| id.to_string())
            });
        if now != file.written {
            return skip(format!(
                "{} changed since the run: undo by hand (git checkout {} -- FILE)",
                file.path,
                short(before)
            ));
        }
    }
    if options.dry_run {
        return RepoReport::new(repo, Outcome::Changed, format!("would restore {files}"));
    }
    let existed: Vec<std::ffi::OsString> = entry
        .files
        .iter()
        .filter(|f| !f.created)
        .map(|f| f.relative_path().into_os_string())
        .collect();
    if !existed.is_empty() {
        let mut args: Vec<std::ffi::OsString> = ["--literal-pathspecs", "checkout", before, "--"]
            .iter()
            .map(Into::into)
            .collect();
        args.extend(existed);
        if let Err(err) = git.check(&args) {
            return done(Outcome::Failed, err.to_string());
        }
    }
    for file in entry.files.iter().filter(|f| f.created) {
        if let Err(err) = std::fs::remove_file(workdir.join(file.relative_path())) {
            return done(
                Outcome::Failed,
                format!("cannot remove {}: {err}", file.path),
            );
        }
    }
    done(Outcome::Changed, format!("{files} restored"))
}

fn revert_and_push(
    git: &Git<'_>,
    opened: &gix::Repository,
    commit: &str,
    gate: &HostGate,
) -> Result<String, String> {
    let tracking = git::tracking_of_head(opened)
        .map_err(|err| err.to_string())?
        .ok_or_else(|| "the branch has no upstream any more".to_owned())?;
    git.check(&["revert", "--no-edit", commit]).map_err(|err| {
        let _ = git.check(&["revert", "--abort"]);
        format!("revert of {} stopped: {err}", short(commit))
    })?;
    let host = tracking
        .push_url
        .as_deref()
        .map_or_else(|| "local".to_owned(), git::remote::host_of);
    let _permit = gate.enter(&host);
    git.check(&[
        "push",
        "--porcelain",
        &tracking.push_remote,
        &format!("HEAD:{}", tracking.merge_ref),
    ])
    .map_err(|err| {
        format!(
            "reverted {} locally, but the push failed: {err}; push by hand once fixed",
            short(commit)
        )
    })?;
    Ok(format!(
        "reverted {} with a new commit and pushed it; its changes remain in history \
         (git cherry-pick -n {} brings them back)",
        short(commit),
        short(commit)
    ))
}

fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}
