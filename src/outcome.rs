//! What happened in one repository, and in a whole run: the serde types every output is derived
//! from, and the record of what a run did to a repository ([`RepoChanges`], [`FileRecord`]) that
//! `sync`, the content operations, `undo` and the journal share. A leaf: it imports plain data
//! only (a repository's name and path, its git status), never an operation, the journal or the
//! report.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::git::RepoStatus;
use crate::planned::Planned;
use crate::targets::repo::Repo;

/// How one repository ended. Exactly one per repository and run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Work was done.
    Changed,
    /// Nothing to do.
    Unchanged,
    /// Not safe or not applicable; the message says why.
    Skipped,
    /// Something went wrong; the message carries git's (or the command's) own error.
    Failed,
}

/// Fields that a command adds to each repository's entry.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Details {
    /// The command adds nothing.
    None,
    /// `status`: the repository's state.
    Status(RepoStatus),
    /// `exec`: the command's exit code and captured output.
    Exec(ExecDetails),
    /// `sync` (and `undo`): HEAD before and after, the commit made and its files, whether it
    /// was pushed.
    Sync(RepoChanges),
    /// `license-update`, `file-replace`: the files changed, the commit made.
    Edit(RepoChanges),
    /// `prs`: the change request with its state, checks and review.
    Pr(PrDetails),
}

/// What `prs` adds to a repository's entry: `"pr": {"number", "url", "state", "checks",
/// "review"}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PrDetails {
    pub pr: PrStatus,
}

/// A change request as `prs` last saw it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PrStatus {
    pub number: u64,
    pub url: String,
    /// `open`, `draft`, `merged` or `closed`.
    pub state: String,
    /// `success`, `failure`, `pending` or `none`.
    pub checks: String,
    /// `approved`, `changes_requested`, `review_required` or `none`.
    pub review: String,
}

/// What a run did to one repository, or would do: the branch, HEAD before and after, the commit
/// it made and the files it changed, whether it pushed, and for undo what it must put back.
/// `sync`, the content operations and `undo` all report it (the journal's record is made from
/// it). In JSON, `files` is always a list of repository-relative paths and `file_count` its
/// length.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RepoChanges {
    /// The paths changed, with `/`: the paths the run's commit changed (`sync`), or that a
    /// content operation changed, or would change. Lossily decoded where not UTF-8.
    pub files: Vec<String>,
    /// How many paths `files` has.
    pub file_count: usize,
    /// Places that name what changes and were left alone (`license-update`); absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<Mention>,
    /// A unified diff of the change (`--diff`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    pub branch: Option<String>,
    pub head_before: Option<String>,
    pub head_after: Option<String>,
    /// The commit this run made, if it made one.
    pub commit: Option<String>,
    pub pushed: bool,
    /// `--branch`: the branch the change went on, off the checked-out one; absent otherwise.
    #[serde(skip)]
    pub change_branch: Option<ChangeBranch>,
    /// `--pr`: the change request opened or found for `change_branch` (in JSON without its
    /// forge and path, which the journal keeps).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "PrRecord::serialize_shown"
    )]
    pub pr: Option<PrRecord>,
    /// `--check`: why the fix command the check prints would skip this repository as it is
    /// (uncommitted work in a file it changes, a detached HEAD, …); absent when it would not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_blocked: Option<String>,
    /// The tree of the index before the run (also in the index ref), for undo; not shown.
    #[serde(skip)]
    pub index_tree: Option<String>,
    /// What a content operation wrote, for undo; not shown.
    #[serde(skip)]
    pub written: Vec<FileRecord>,
    /// The intent-to-add paths before a `sync` (not in `index_tree`), for undo; not shown.
    #[serde(skip)]
    pub intent_to_add: Vec<FileRecord>,
    /// A dry run: what would happen to each file of `files`, for the human output; not in JSON.
    #[serde(skip)]
    pub planned: Vec<(String, Planned)>,
}

impl RepoChanges {
    /// Sets `files`, and `file_count` with it.
    pub fn set_files(&mut self, files: Vec<String>) {
        self.file_count = files.len();
        self.files = files;
    }
}

/// What a `--branch` run did with its branch: enough for undo to take it back (delete the
/// branch it made, or put the tips it moved back) and for `prs` to find it again.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChangeBranch {
    /// The branch's short name (`NAME` of `refs/heads/NAME`).
    pub name: String,
    /// The branch the change request merges into.
    pub base: String,
    /// The remote the branch was pushed to.
    pub remote: String,
    /// The local branch's tip before the run; `None` when the run created it.
    pub local_before: Option<String>,
    /// The branch's tip on the remote before the run; `None` when the run created it there.
    pub remote_before: Option<String>,
    /// The commit the run made on the branch.
    pub commit: Option<String>,
    /// Whether the commit reached the remote.
    pub pushed: bool,
    /// `sync --branch`: the branch that was checked out before the run moved the checkout to
    /// NAME (undo moves it back); `None` for the content operations, which never move it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_out_before: Option<String>,
}

/// A change request (pull request, merge request) a run opened or found, as the journal keeps
/// it and the JSON shows it (`prs` adds `checks` and `review` to what it prints).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PrRecord {
    pub number: u64,
    pub url: String,
    /// `open`, `draft`, `merged` or `closed`, as last seen.
    pub state: String,
    /// `false` when it was already open and the run only found it.
    pub created: bool,
    /// The forge's host as `.git-batch.toml` or the known list names it (with `:PORT`).
    /// Journaled (`prs` and `undo` find the change request by it), not in the JSON report.
    #[serde(default)]
    pub forge: String,
    /// The repository's path on the forge (`owner/name`, `group/sub/name`); journaled, not
    /// in the JSON report.
    #[serde(default)]
    pub repo: String,
}

impl PrRecord {
    /// The JSON report's `pr`: `number`, `url`, `state`, `created`.
    fn serialize_shown<S: serde::Serializer>(
        pr: &Option<PrRecord>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown<'a> {
            number: u64,
            url: &'a str,
            state: &'a str,
            created: bool,
        }
        pr.as_ref()
            .map(|pr| Shown {
                number: pr.number,
                url: &pr.url,
                state: &pr.state,
                created: pr.created,
            })
            .serialize(serializer)
    }
}

/// What `exec` adds to a repository's entry.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExecDetails {
    /// The command's exit code; `null` when it was killed by a signal, timed out or never started.
    pub exit_code: Option<i32>,
    /// Everything the command wrote to standard output (lossily decoded as UTF-8).
    pub stdout: String,
    /// Everything the command wrote to standard error (lossily decoded as UTF-8).
    pub stderr: String,
}

/// A place an operation found that names what it changes, and left alone (prose, a file name in
/// a build script): the report says "mentioned at PATH:LINE, left alone".
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Mention {
    pub path: String,
    /// 1-based.
    pub line: usize,
    /// The line, trimmed (and shortened when long).
    pub text: String,
}

/// One file a run recorded for undo: a file a content operation changed, so that undo can tell
/// whether it is still as the run left it, or a path that was intent-to-add before a `sync`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileRecord {
    /// Relative to the work tree, with `/` (lossily decoded where it is not UTF-8).
    pub path: String,
    /// The path's bytes in hex, for a path that is not UTF-8 (git's paths are bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_path: Option<String>,
    /// The run created it (it did not exist before).
    pub created: bool,
    /// The blob id of the content written; `None` when the run removed the file.
    pub written: Option<String>,
}

impl FileRecord {
    /// The path relative to the work tree, exactly as it was.
    pub fn relative_path(&self) -> std::path::PathBuf {
        use std::os::unix::ffi::OsStringExt;
        let bytes = self
            .raw_path
            .as_deref()
            .and_then(|hex| {
                (0..hex.len())
                    .step_by(2)
                    .map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok())
                    .collect::<Option<Vec<u8>>>()
            })
            .unwrap_or_else(|| self.path.clone().into_bytes());
        std::path::PathBuf::from(std::ffi::OsString::from_vec(bytes))
    }

    /// The record of `path` (bytes, relative to the work tree).
    pub fn of_path(path: &[u8], created: bool, written: Option<String>) -> FileRecord {
        FileRecord {
            path: String::from_utf8_lossy(path).into_owned(),
            raw_path: std::str::from_utf8(path)
                .is_err()
                .then(|| path.iter().map(|b| format!("{b:02x}")).collect()),
            created,
            written,
        }
    }
}

/// One repository's entry in a run's report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RepoReport {
    /// The repository's name relative to the root.
    pub name: String,
    /// Its absolute path.
    pub path: PathBuf,
    /// How it ended.
    pub outcome: Outcome,
    /// A short human sentence: what was done, or the reason for a skip or failure.
    pub message: String,
    /// Wall time spent on this repository.
    pub duration_ms: u64,
    /// Command-specific fields, flattened into the entry.
    #[serde(flatten)]
    pub details: Details,
}

impl RepoReport {
    /// A report for `repo` with the given outcome and message, and no command fields.
    pub fn new(repo: &Repo, outcome: Outcome, message: impl Into<String>) -> Self {
        RepoReport {
            name: repo.name.clone(),
            path: repo.path.clone(),
            outcome,
            message: message.into(),
            duration_ms: 0,
            details: Details::None,
        }
    }

    /// A failure with its reason.
    pub fn failed(repo: &Repo, reason: impl Into<String>) -> Self {
        Self::new(repo, Outcome::Failed, reason)
    }

    /// Attaches command fields.
    #[must_use]
    pub fn with_details(mut self, details: Details) -> Self {
        self.details = details;
        self
    }

    /// Records how long the repository took.
    #[must_use]
    pub fn timed(mut self, elapsed: Duration) -> Self {
        self.duration_ms = millis(elapsed);
        self
    }
}

/// Counts of outcomes over a run.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub changed: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub failed: usize,
    pub total: usize,
    pub duration_ms: u64,
}

impl Summary {
    /// Counts the outcomes of `reports`.
    pub fn of(reports: &[RepoReport], elapsed: Duration) -> Self {
        let mut summary = Summary {
            duration_ms: millis(elapsed),
            ..Summary::default()
        };
        for report in reports {
            summary.add(report.outcome);
        }
        summary
    }

    fn add(&mut self, outcome: Outcome) {
        self.total += 1;
        match outcome {
            Outcome::Changed => self.changed += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Skipped => self.skipped += 1,
            Outcome::Failed => self.failed += 1,
        }
    }
}

/// The whole run, as `--format json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub command: String,
    pub run_id: Option<String>,
    pub root: PathBuf,
    pub dry_run: bool,
    /// Sorted by name, whatever order the workers finished in.
    pub repos: Vec<RepoReport>,
    pub summary: Summary,
    /// Set when Ctrl-C stopped the run before every repository was handed out.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    /// Things said once for the whole run (a host that refused).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// How many selected repositories were never started because of Ctrl-C.
    #[serde(skip_serializing_if = "is_zero")]
    pub not_started: usize,
    /// Set when the printer panicked: the run stopped, exits 1, and its report is incomplete.
    #[serde(skip)]
    pub internal_error: Option<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

pub(crate) fn millis(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_request_is_journaled_whole_and_shown_without_its_forge() {
        let pr = PrRecord {
            number: 12,
            url: "https://github.com/o/n/pull/12".into(),
            state: "open".into(),
            created: true,
            forge: "github.com".into(),
            repo: "o/n".into(),
        };
        let kept: PrRecord =
            serde_json::from_str(&serde_json::to_string(&pr).expect("json")).expect("read back");
        assert_eq!(kept, pr);
        let changes = RepoChanges {
            pr: Some(pr),
            ..RepoChanges::default()
        };
        let shown = serde_json::to_value(&changes).expect("json");
        assert_eq!(
            shown["pr"],
            serde_json::json!({"number": 12, "url": "https://github.com/o/n/pull/12",
                               "state": "open", "created": true})
        );
    }

    #[test]
    fn file_records_keep_paths_that_are_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        let plain = FileRecord::of_path(b"src/a.rs", false, None);
        assert_eq!(plain.raw_path, None);
        assert_eq!(plain.relative_path(), std::path::Path::new("src/a.rs"));
        let odd = FileRecord::of_path(b"caf\xe9.rs", true, None);
        assert_eq!(odd.raw_path.as_deref(), Some("636166e92e7273"));
        assert_eq!(odd.relative_path().as_os_str().as_bytes(), b"caf\xe9.rs");
    }
}
