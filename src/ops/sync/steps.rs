//! The git steps `sync` shares with the content operations: the push, the host a remote is on,
//! and how git's answers are read (the files a commit changed, why a step failed).

use std::path::Path;

use crate::git::commit::Committed;
use crate::git::{self, Git, GitError, PushResult, Tracking};
use crate::hosts::HostGate;
use crate::journal::RepoRecord;
use crate::outcome::{ChangeBranch, FileRecord, Outcome};
use crate::targets::Repo;

use super::Started;

/// What a repository looked like when a run's turn came, as its "started" record keeps it.
#[derive(Debug)]
pub(crate) struct Before<'a> {
    pub branch: Option<String>,
    pub head: Option<String>,
    pub index_tree: Option<String>,
    /// The files the run is about to write (content operations).
    pub files: &'a [FileRecord],
    pub intent_to_add: &'a [FileRecord],
    /// `sync --branch`: the branch the change goes on, so that a run killed from here on is
    /// undone as one (the checkout moved back, the branch taken off the remote).
    pub change_branch: Option<ChangeBranch>,
}

/// Journals `repo` as started, before the run's first write to it: a run killed from now on
/// can still be undone from `refs` (just created) and this record. When the record cannot be
/// kept, the refs are taken back, for nothing was written yet; a ref that cannot be removed is
/// named, with the command that removes it.
pub(crate) fn journal_started(
    repo: &Repo,
    opened: &gix::Repository,
    refs: &[(String, String)],
    before: Before<'_>,
    started: &Started<'_>,
) -> Result<(), String> {
    let record = RepoRecord {
        name: repo.name.clone(),
        path: repo.path.clone(),
        outcome: Outcome::Failed,
        message: "the run ended while working here; undo puts it back as it was before".into(),
        head_before: before.head,
        index_tree: before.index_tree,
        head_after: None,
        commit: None,
        pushed: false,
        branch: before.branch,
        files: before.files.to_vec(),
        started: true,
        intent_to_add: before.intent_to_add.to_vec(),
        undone_by: None,
        change_branch: before.change_branch,
        pr: None,
    };
    let Err(err) = started(&record) else {
        return Ok(());
    };
    let names: Vec<String> = refs.iter().map(|(name, _)| name.clone()).collect();
    match git::refs::delete_refs_in(opened, &names) {
        Ok(()) => Err(format!(
            "cannot keep the run's record ({err}); the repository was not touched"
        )),
        Err(removal) => Err(format!(
            "cannot keep the run's record ({err}); nothing was written here but the run's refs, \
             which could not be removed ({removal}): `git update-ref -d NAME` removes each of {}",
            names.join(", ")
        )),
    }
}

/// Paths that the index no longer has but HEAD has, and that still exist in the working tree:
/// what `git rm --cached` leaves.
pub(super) fn staged_removals_kept(git: &Git<'_>) -> Result<Vec<std::ffi::OsString>, GitError> {
    use std::os::unix::ffi::OsStrExt;
    let listed = git.run(&[
        "diff",
        "--cached",
        "--no-renames",
        "--no-ext-diff",
        "--name-only",
        "-z",
        "--diff-filter=D",
    ])?;
    Ok(listed
        .stdout
        .split('\0')
        .filter(|path| !path.is_empty())
        .map(|path| std::ffi::OsStr::from_bytes(path.as_bytes()).to_owned())
        .filter(|path| std::fs::symlink_metadata(git.dir().join(path)).is_ok())
        .collect())
}

/// Repositories of their own that `git add -A` has just staged as links (mode 160000), compared
/// with `before` (the tree of the index before it ran): an untracked folder holding a `.git`.
/// git would commit a bare link to a commit no remote has, not the files: a broken submodule.
/// Submodules the user staged themselves are in `before` and do not count.
///
/// Read in process ([`links_added`]); by `git diff-index` when the index or the tree cannot be
/// read that way.
fn nested_repositories_added(git: &Git<'_>, before: &str) -> Result<Vec<String>, GitError> {
    if let Some(added) = links_added(git.dir(), before) {
        return Ok(added);
    }
    let listed = git.run(&[
        "diff-index",
        "--cached",
        "--no-renames",
        "--raw",
        "-z",
        "--diff-filter=A",
        before,
    ])?;
    // `-z --raw`: ":OLDMODE NEWMODE OLDID NEWID STATUS" NUL "PATH" NUL, for each entry.
    let fields: Vec<&str> = listed.stdout.split('\0').collect();
    Ok(fields
        .chunks(2)
        .filter(|entry| entry.len() == 2 && entry[0].split(' ').nth(1) == Some("160000"))
        .map(|entry| entry[1].to_owned())
        .collect())
}

/// The links in the index that `before` lacks, as `git diff-index --cached --diff-filter=A
/// BEFORE` lists them: a link is added unless `before` has a file or a link at its path (a file
/// there is a type change; a folder there is listed as its files removed and the link added).
/// An index without links, the usual case, needs no look at `before` at all. `None` when git
/// is to answer: an index or object store named by the environment, a split or sparse index,
/// anything that cannot be read.
fn links_added(dir: &std::path::Path, before: &str) -> Option<Vec<String>> {
    use gix::bstr::ByteSlice;
    if git::commit::ready::ELSEWHERE
        .iter()
        .any(|name| std::env::var_os(name).is_some())
    {
        return None;
    }
    let repo = git::open(dir).ok()?;
    let index = repo.open_index().ok()?;
    if index.link().is_some() || index.is_sparse() {
        return None;
    }
    let links: Vec<&gix::bstr::BStr> = index
        .entries()
        .iter()
        .filter(|entry| entry.mode == gix::index::entry::Mode::COMMIT)
        .map(|entry| entry.path(&index))
        .collect();
    if links.is_empty() {
        return Some(Vec::new());
    }
    let tree = repo
        .find_tree(gix::ObjectId::from_hex(before.as_bytes()).ok()?)
        .ok()?;
    let mut added = Vec::new();
    for path in links {
        let found = tree.lookup_entry(path.split(|byte| *byte == b'/')).ok()?;
        if found.is_none_or(|entry| entry.mode().is_tree()) {
            added.push(path.to_str_lossy().into_owned());
        }
    }
    Some(added)
}

/// `git add -A`, then the paths in `kept_removals` taken out of the index again (the user
/// staged them as removed and kept the files). `Err` is the failure, the index left as staged
/// so far; a repository of its own found in the working tree is one (`index_tree` is the
/// index's tree before).
pub(super) fn stage_all(
    git: &Git<'_>,
    index_tree: &str,
    kept_removals: Vec<std::ffi::OsString>,
) -> Result<(), String> {
    git.check(&["add", "-A"]).map_err(|err| err.to_string())?;
    let nested = nested_repositories_added(git, index_tree).map_err(|err| err.to_string())?;
    if !nested.is_empty() {
        let listed = nested
            .iter()
            .map(|path| format!("{path}/"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(format!(
            "{listed} holds a repository of its own: git would commit a link to a commit no \
             remote has, not its files. Add it to .gitignore, or make it a submodule \
             (git submodule add URL PATH), then sync again; nothing committed"
        ));
    }
    if kept_removals.is_empty() {
        return Ok(());
    }
    let mut args: Vec<std::ffi::OsString> = [
        "--literal-pathspecs",
        "rm",
        "-q",
        "--cached",
        "--ignore-unmatch",
        "--",
    ]
    .iter()
    .map(Into::into)
    .collect();
    args.extend(kept_removals);
    git.check(&args).map_err(|err| err.to_string())
}

/// The commit of what is staged, with `message`, on `head` (HEAD as the run found it): made in
/// process when nothing of the repository's own would run or differ on a `git commit`
/// ([`git::commit::plan`]), the ref moved only if HEAD is still `head`; otherwise by
/// `git commit`, the repository's own hooks and signing settings applying as they would by
/// hand. Not `--quiet`: the summary line names the commit made (and counts its files, should
/// reading the commit fail). `maintenance.auto=false`: git would start a detached
/// housekeeping process after each commit; a batch run would leave hundreds racing each other
/// once it ends. The next commit made by hand runs it as usual.
pub(super) fn commit_staged(
    git: &Git<'_>,
    message: &str,
    head: Option<&str>,
) -> Result<Committed, String> {
    if let Some((id, files)) = git::commit::in_process(git.dir(), message, head, None)? {
        return Ok(Committed::InProcess { id, files });
    }
    git.run(&[
        "-c",
        "maintenance.auto=false",
        "commit",
        "--no-status",
        "-m",
        message,
    ])
    .map_err(|err| {
        if err.message().contains("nothing to commit")
            || err.message().contains("nothing added to commit")
        {
            "nothing to commit after `git add -A` (only changes git does not commit, such as in \
             a submodule)"
                .to_owned()
        } else {
            commit_failure(&err)
        }
    })
    .map(Committed::ByGit)
}

/// Pushes `commit` (the run's own tip, by id: never whatever HEAD has become since) to the
/// upstream branch of `tracking`, never forcing, within `host`'s share of the per-host cap.
pub(crate) fn push_commit(
    git: &Git<'_>,
    tracking: &Tracking,
    gate: &HostGate,
    host: &str,
    commit: &str,
) -> PushResult {
    let refspec = format!("{commit}:{}", tracking.merge_ref);
    let _permit = gate.enter(host);
    git::push(git, &tracking.push_remote, &refspec)
}

/// The host that network work for `tracking` talks to (`local` for a path).
pub(crate) fn host_of(tracking: &Tracking) -> String {
    tracking
        .push_url
        .as_deref()
        .map_or_else(|| "local".to_owned(), git::remote::host_of)
}

/// The commit `git commit` just made: the first commit along HEAD's first parents whose id
/// starts with the abbreviated id of its summary line (`[main 3f2a9c1] …`); HEAD when the line
/// cannot be read.
pub(crate) fn commit_made(dir: &Path, stdout: &str) -> Option<String> {
    let short = stdout
        .lines()
        .find_map(|line| line.strip_prefix('[')?.split_once(']'))
        .and_then(|(inside, _)| inside.split_whitespace().last())
        .filter(|short| short.len() >= 4 && short.bytes().all(|b| b.is_ascii_hexdigit()));
    let repo = git::open(dir).ok()?;
    let mut id = repo.head_id().ok()?.detach();
    let Some(short) = short else {
        return Some(id.to_string());
    };
    for _ in 0..64 {
        if id.to_string().starts_with(short) {
            return Some(id.to_string());
        }
        id = repo.find_commit(id).ok()?.parent_ids().next()?.detach();
    }
    None
}

/// The first parent of `commit`, in hex.
pub(super) fn parent_of(dir: &Path, commit: &str) -> Option<String> {
    let repo = git::open(dir).ok()?;
    let id = gix::ObjectId::from_hex(commit.as_bytes()).ok()?;
    let parent = repo.find_commit(id).ok()?.parent_ids().next()?;
    Some(parent.to_string())
}

/// The number of files in `git commit`'s summary line (` 3 files changed, …`); 0 if absent.
pub(super) fn files_changed(stdout: &str) -> usize {
    stdout
        .lines()
        .rev()
        .find_map(|line| {
            let (count, rest) = line.trim().split_once(' ')?;
            (rest.starts_with("file changed") || rest.starts_with("files changed"))
                .then(|| count.parse().ok())
                .flatten()
        })
        .unwrap_or(0)
}

fn commit_failure(err: &GitError) -> String {
    match err {
        GitError::Failed { message, .. } => format!("commit refused: {message}"),
        other => other.to_string(),
    }
}

pub(super) fn network_failure(err: &GitError) -> String {
    match crate::hosts::host_refusal_fix(err.message()) {
        Some(fix) => format!("{err} — {fix}"),
        None => err.to_string(),
    }
}

/// The message when `git rebase --abort` failed after a rebase stopped: the repository is left
/// mid-rebase, and nothing more may be written to it; the user aborts by hand, then undo takes
/// back the run's commit, if it made one.
pub(super) fn mid_rebase(stopped: &str, abort: &str, committed: bool, run_id: &str) -> String {
    let then = if committed {
        format!(", then `git batch undo {run_id}` takes back the run's commit")
    } else {
        String::new()
    };
    format!(
        "{stopped}; `git rebase --abort` failed too ({abort}): the repository is mid-rebase: \
         run `git rebase --abort` in it by hand{then}"
    )
}

/// Why `git rebase ONTO` stopped, read before the rebase is aborted: the commit git could not
/// apply and the files in conflict, each said once (git's own message says "could not apply …"
/// twice and names no file). A rebase that failed for another reason (a timeout, say) keeps
/// git's words.
pub(super) fn rebase_stop(git: &Git<'_>, onto: &str, err: &GitError) -> String {
    let onto = short_ref(onto);
    let conflicted: Vec<String> = git
        .run(&["diff", "--name-only", "-z", "--diff-filter=U"])
        .map(|listed| {
            listed
                .stdout
                .split('\0')
                .filter(|path| !path.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    // REBASE_HEAD: the commit the rebase was applying when it stopped.
    let commit = git
        .read(&["log", "-1", "--format=%h \"%s\"", "REBASE_HEAD", "--"])
        .ok()
        .filter(|commit| !commit.is_empty());
    if conflicted.is_empty() {
        return match commit {
            Some(commit) => format!(
                "rebase onto {onto} stopped: could not apply {commit} ({})",
                err.message()
            ),
            None => format!("rebase onto {onto} failed ({})", err.message()),
        };
    }
    let files = conflicts_in(&conflicted);
    match commit {
        Some(commit) => {
            format!("rebase onto {onto} stopped on {files}: could not apply {commit}")
        }
        None => format!("rebase onto {onto} stopped on {files}"),
    }
}

/// "a conflict in a.txt", "conflicts in a.txt, b.txt", or the first four and how many more.
fn conflicts_in(files: &[String]) -> String {
    match files {
        [one] => format!("a conflict in {one}"),
        few if few.len() <= 5 => format!("conflicts in {}", few.join(", ")),
        many => format!(
            "conflicts in {} and {} more",
            many[..4].join(", "),
            many.len() - 4
        ),
    }
}

pub(super) fn short_ref(name: &str) -> &str {
    name.strip_prefix("refs/remotes/")
        .or_else(|| name.strip_prefix("refs/heads/"))
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::{conflicts_in, files_changed, links_added, nested_repositories_added};
    use crate::git::Git;
    use crate::git::testing::git;
    use std::path::Path;

    /// A repository of its own at `dir`, with one commit.
    fn nested(dir: &Path) {
        std::fs::create_dir_all(dir).expect("mkdir");
        git(dir, &["init", "-q"]);
        std::fs::write(dir.join("inner.txt"), "inner\n").expect("write");
        git(dir, &["add", "inner.txt"]);
        git(dir, &["commit", "-q", "-m", "inner"]);
    }

    #[test]
    fn nested_repositories_are_found_as_git_diff_index_finds_them() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        git(dir, &["init", "-q"]);
        for file in ["keep.txt", "pkg/a.txt", "was-a-file"] {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, "x\n").expect("write");
        }
        // A submodule the user staged and committed: not the run's doing.
        nested(&dir.join("staged/inner"));
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", "base"]);
        let git_in = Git::new(dir, std::time::Duration::from_secs(60));
        let before = git(dir, &["write-tree"]).trim().to_owned();
        git(dir, &["add", "-A"]);
        assert_eq!(links_added(dir, &before), Some(Vec::new()));

        nested(&dir.join("new/inner")); // new: added
        std::fs::remove_dir_all(dir.join("pkg")).expect("rm");
        nested(&dir.join("pkg")); // in a tracked folder: git adds its files, no link
        std::fs::remove_file(dir.join("was-a-file")).expect("rm");
        nested(&dir.join("was-a-file")); // a file's place: a type change, not added
        std::fs::write(dir.join("staged/inner/inner.txt"), "changed\n").expect("write");
        git(dir, &["add", "-A"]);

        let by_git = git(
            dir,
            &[
                "diff-index",
                "--cached",
                "--no-renames",
                "--raw",
                "-z",
                "--diff-filter=A",
                &before,
            ],
        );
        let fields: Vec<&str> = by_git.split('\0').collect();
        let expected: Vec<String> = fields
            .chunks(2)
            .filter(|entry| entry.len() == 2 && entry[0].split(' ').nth(1) == Some("160000"))
            .map(|entry| entry[1].to_owned())
            .collect();
        assert_eq!(expected, ["new/inner"]);
        let listed = git(dir, &["ls-files", "-s", "pkg", "was-a-file"]);
        assert!(listed.contains("pkg/inner.txt"), "{listed}");
        assert!(
            listed.contains("160000 ") && listed.contains("\twas-a-file"),
            "a link in a file's place: {listed}"
        );
        assert_eq!(links_added(dir, &before), Some(expected.clone()));
        assert_eq!(
            nested_repositories_added(&git_in, &before).expect("listed"),
            expected
        );
    }

    #[test]
    fn conflicted_files_are_named_and_a_long_list_is_cut() {
        let files = |n: usize| (1..=n).map(|i| format!("f{i}")).collect::<Vec<_>>();
        assert_eq!(conflicts_in(&files(1)), "a conflict in f1");
        assert_eq!(conflicts_in(&files(2)), "conflicts in f1, f2");
        assert_eq!(conflicts_in(&files(5)), "conflicts in f1, f2, f3, f4, f5");
        assert_eq!(
            conflicts_in(&files(7)),
            "conflicts in f1, f2, f3, f4 and 3 more"
        );
    }

    #[test]
    fn files_are_counted_from_the_commit_summary() {
        let out = "[main 3f2a9c1] chore: batch update\n 3 files changed, 4 insertions(+)\n \
                   create mode 100644 new.txt\n";
        assert_eq!(files_changed(out), 3);
        assert_eq!(
            files_changed("[main 1] x\n 1 file changed, 1 deletion(-)\n"),
            1
        );
        assert_eq!(files_changed("hook said: 9 files changed\n"), 0);
        assert_eq!(files_changed(""), 0);
    }
}
