//! Undo of a content operation (`license-update`, `file-replace`): the files the run wrote go
//! back to their content before it, in the working tree and in the index, and the branch goes
//! back over the run's commit. Every other path, staged or not, stays exactly as it is; a file
//! the user changed since the run makes the repository skipped, never overwritten.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::{Ctx, os_args, short};
use crate::journal::RepoRecord;
use crate::outcome::{Details, FileRecord, Outcome, RepoReport};
use crate::words::plural;

pub(super) fn undo_files(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    before: &str,
    after: &str,
) -> RepoReport {
    let committed = before != after;
    // A run cut short before its commit may have written only some of its files: each is as
    // the run wrote it (put back) or still as it was (left alone).
    let partial = entry.started && !committed;
    let written = match files_as_left(ctx, entry, before, partial) {
        Ok(written) => written,
        Err(reason) => return ctx.skip(reason),
    };
    let mut todo = entry.clone();
    if partial {
        if written.is_empty() {
            return nothing_written(ctx, entry);
        }
        todo.files = written;
    } else if let Some(reason) = staged_since(ctx, entry, before, after) {
        return reason;
    }
    let count = todo.files.len();
    let files = format!("{count} {}", plural(count, "file", "files"));
    if ctx.options.dry_run {
        return ctx.would(if committed {
            format!("would take back the run's commit and restore {files}")
        } else {
            format!("would restore {files}")
        });
    }
    put_back(ctx, entry, &todo, before, after, &files)
}

/// The run's files that are still as the run left them, in the working tree and in the index
/// (all of them, but for a run cut short before its commit: a file it had not written yet, still
/// as it was before the run, is left out). `Err` is the reason to skip the repository: a file
/// changed since the run, or one now reached through a symbolic link.
fn files_as_left(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    before: &str,
    partial: bool,
) -> Result<Vec<FileRecord>, String> {
    let mut written = Vec::new();
    for file in &entry.files {
        if let Some(link) = through_link(&ctx.repo.path, &file.relative_path()) {
            return Err(format!(
                "{} now leads through the symbolic link {}: undo by hand",
                file.path,
                link.display()
            ));
        }
        let path = ctx.repo.path.join(file.relative_path());
        let now = blob_id_of(&path);
        let gone = std::fs::symlink_metadata(&path).is_err();
        let as_left = match &file.written {
            Some(_) => now == file.written,
            None => gone,
        };
        if as_left {
            written.push(file.clone());
            continue;
        }
        if partial && as_before(ctx, file, before, now.as_deref(), gone) {
            continue;
        }
        let command = ["git", "checkout", short(before), "--", file.path.as_str()];
        return Err(format!(
            "{} changed since the run: undo by hand ({})",
            file.path,
            shlex::try_join(command).unwrap_or_default()
        ));
    }
    Ok(written)
}

/// The blob id of the file at `path` as git would hash it, if it can be read.
fn blob_id_of(path: &Path) -> Option<String> {
    let content = crate::ops::files::read_work_file(path).ok()?;
    gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, &content)
        .ok()
        .map(|id| id.to_string())
}

/// Whether `file`, whose blob is `now` (or which is `gone`), is as it was in `before`.
fn as_before(
    ctx: &Ctx<'_>,
    file: &FileRecord,
    before: &str,
    now: Option<&str>,
    gone: bool,
) -> bool {
    let mut spec = OsString::from(format!("{before}:"));
    spec.push(file.relative_path());
    let args = [
        OsString::from("rev-parse"),
        "-q".into(),
        "--verify".into(),
        spec,
    ];
    match ctx.git.read(&args).ok() {
        Some(id) => now == Some(id.as_str()),
        None => gone,
    }
}

/// A run stopped before it wrote a file: nothing to put back, only what an atomic write cut
/// short left beside a file and the run's refs to clear away.
fn nothing_written(ctx: &Ctx<'_>, entry: &RepoRecord) -> RepoReport {
    let mut refs_left = String::new();
    if !ctx.options.dry_run {
        remove_leftovers(ctx, entry);
        refs_left = ctx.drop_refs();
    }
    RepoReport::new(
        ctx.repo,
        Outcome::Unchanged,
        format!("the run was stopped here before it wrote a file{refs_left}"),
    )
}

/// Moves the branch back over the run's commit (if it made one) and puts `todo`'s files back
/// as they were before the run; `files` says how many, for the report.
fn put_back(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    todo: &RepoRecord,
    before: &str,
    after: &str,
    files: &str,
) -> RepoReport {
    let committed = before != after;
    let partial = entry.started && !committed;
    if committed {
        // Compare-and-swap: the branch moves back only from the run's own commit.
        if let Err(err) = ctx.move_branch(before, after) {
            return ctx.done(Outcome::Failed, err);
        }
    }
    // Only the run's paths, in the index and the working tree, from the staging area as it was
    // before the run (HEAD's content for these paths, as the run only touched clean files).
    let source = entry
        .index_tree
        .as_deref()
        .filter(|_| committed)
        .unwrap_or(before);
    if partial {
        remove_leftovers(ctx, entry);
    }
    if let Err(err) = restore_paths(ctx, todo, source) {
        let hint = if committed {
            format!(
                "{} is back at {}, but restoring the files failed ({err}): `git checkout {} -- \
                 FILES` finishes it",
                entry.branch.as_deref().unwrap_or("HEAD"),
                short(before),
                short(before)
            )
        } else {
            err
        };
        return ctx.done(Outcome::Failed, hint);
    }
    let refs_left = if committed || partial {
        ctx.drop_refs()
    } else {
        String::new()
    };
    let message = if committed {
        format!("back at {}; {files} restored{refs_left}", short(before))
    } else {
        format!("{files} restored{refs_left}")
    };
    restored(ctx, message, &todo.files)
}

/// The report of an undo that put `files` back: JSON's `files` names them, as the content
/// operation's own report did.
fn restored(ctx: &Ctx<'_>, message: String, files: &[FileRecord]) -> RepoReport {
    let mut report = ctx.done(Outcome::Changed, message);
    if let Details::Sync(changes) | Details::Edit(changes) = &mut report.details {
        changes.set_files(files.iter().map(|file| file.path.clone()).collect());
    }
    report
}

/// Removes what an atomic write cut short leaves beside a file (`.git-batch-XXXXXX`, the
/// temporary file the new content was written to).
fn remove_leftovers(ctx: &Ctx<'_>, entry: &RepoRecord) {
    let mut folders: Vec<PathBuf> = entry
        .files
        .iter()
        .map(|f| {
            f.relative_path()
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        })
        .filter(|folder| through_link(&ctx.repo.path, &folder.join("x")).is_none())
        .collect();
    folders.sort();
    folders.dedup();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(ctx.repo.path.join(&folder)) else {
            continue;
        };
        for found in entries.flatten() {
            let ours = found
                .file_name()
                .to_string_lossy()
                .starts_with(".git-batch-");
            if ours && found.file_type().is_ok_and(|kind| kind.is_file()) {
                let _ = std::fs::remove_file(found.path());
            }
        }
    }
}

/// Puts the run's files back as they are in `source`: the ones that existed are checked out
/// from it (index and working tree), the ones the run created are taken out of the index and
/// removed, with the folders that held only them.
fn restore_paths(ctx: &Ctx<'_>, entry: &RepoRecord, source: &str) -> Result<(), String> {
    let existed: Vec<OsString> = entry
        .files
        .iter()
        .filter(|f| !f.created)
        .map(|f| f.relative_path().into_os_string())
        .collect();
    if !existed.is_empty() {
        let mut args = os_args(&["--literal-pathspecs", "checkout", source, "--"]);
        args.extend(existed);
        ctx.git.check(&args).map_err(|err| err.to_string())?;
    }
    let created: Vec<PathBuf> = entry
        .files
        .iter()
        .filter(|f| f.created)
        .map(FileRecord::relative_path)
        .collect();
    if !created.is_empty() {
        let mut args = os_args(&[
            "--literal-pathspecs",
            "rm",
            "-q",
            "--cached",
            "--ignore-unmatch",
            "--",
        ]);
        args.extend(created.iter().map(|p| p.clone().into_os_string()));
        ctx.git.check(&args).map_err(|err| err.to_string())?;
        for path in &created {
            remove_with_empty_folders(&ctx.repo.path, path)?;
        }
    }
    Ok(())
}

/// The first folder above `relative` (under `workdir`) that is a symbolic link, if one is:
/// following it would read or remove a file outside the repository.
pub(super) fn through_link(workdir: &Path, relative: &Path) -> Option<PathBuf> {
    let mut folder = PathBuf::new();
    let parents: Vec<_> = relative.parent()?.components().collect();
    for part in parents {
        folder.push(part);
        let meta = std::fs::symlink_metadata(workdir.join(&folder)).ok()?;
        if meta.file_type().is_symlink() {
            return Some(folder);
        }
    }
    None
}

/// Removes `relative` under `workdir`, then each folder above it that it leaves empty. Never
/// through a symbolic link.
pub(super) fn remove_with_empty_folders(workdir: &Path, relative: &Path) -> Result<(), String> {
    if let Some(link) = through_link(workdir, relative) {
        return Err(format!(
            "{} leads through the symbolic link {}: not removed",
            relative.display(),
            link.display()
        ));
    }
    match std::fs::remove_file(workdir.join(relative)) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(format!("cannot remove {}: {err}", relative.display())),
    }
    let mut folder = relative.parent();
    while let Some(dir) = folder.filter(|d| !d.as_os_str().is_empty()) {
        if std::fs::remove_dir(workdir.join(dir)).is_err() {
            break;
        }
        folder = dir.parent();
    }
    Ok(())
}

/// The report that skips the repository when one of the run's files is staged differently
/// from how the run left it. A run killed between its commit and writing the index back leaves
/// its files staged as they were before it: the state undo puts back, not the user's staging.
fn staged_since(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    before: &str,
    after: &str,
) -> Option<RepoReport> {
    let mut names = match staged_against(ctx, entry, after) {
        Ok(names) => names,
        Err(err) => return Some(ctx.done(Outcome::Failed, err.to_string())),
    };
    if entry.started && !names.is_empty() {
        match staged_against(ctx, entry, before) {
            Ok(also) => names.retain(|name| also.contains(name)),
            Err(err) => return Some(ctx.done(Outcome::Failed, err.to_string())),
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(ctx.skip(format!(
        "{} staged differently since the run: unstage it, then undo again",
        names.join(", ")
    )))
}

/// The run's files whose staged content differs from the commit `tree_of`.
fn staged_against(
    ctx: &Ctx<'_>,
    entry: &RepoRecord,
    tree_of: &str,
) -> Result<Vec<String>, crate::git::GitError> {
    let mut args = os_args(&[
        "--no-optional-locks",
        "--literal-pathspecs",
        "diff-index",
        "--cached",
        "-z",
        "--name-only",
        tree_of,
        "--",
    ]);
    args.extend(
        entry
            .files
            .iter()
            .map(|f| f.relative_path().into_os_string()),
    );
    let staged = ctx.git.read(&args)?;
    Ok(staged
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}
