//! `sync` on real fleets with real bare remotes: what it commits and pushes, every repository it
//! must skip before writing anything, a remote ahead with and without `--pull`, nested
//! repositories, `--dry-run`, and the `git-sync` name. What happens when a step fails or the
//! repository moves midway through a run is in `sync_midway`, which shares the helpers here.

use serde_json::Value;

use crate::fixture::{Fleet, repo};
use crate::observe::{FolderImage, GitShim, UserState};

/// `git log -1 --format=FORMAT REV` in `name`.
pub fn show(fleet: &Fleet, name: &str, format: &str, rev: &str) -> String {
    let format = format!("--format={format}");
    fleet
        .git(&fleet.path(name), &["log", "-1", &format, rev])
        .trim()
        .to_owned()
}

/// Staged, unstaged and untracked work in `name`.
pub fn make_all_kinds_dirty(fleet: &Fleet, name: &str) {
    fleet.make_dirty(name);
    fleet.stage(name);
    fleet.add_untracked(name);
}

pub fn outcome_and_message(document: &Value, name: &str) -> (String, String) {
    let entry = repo(document, name);
    (
        entry["outcome"].as_str().expect("an outcome").to_owned(),
        entry["message"].as_str().expect("a message").to_owned(),
    )
}

#[test]
fn dirty_repositories_are_committed_and_pushed_ahead_ones_pushed_the_rest_left_alone() {
    let fleet = Fleet::new();
    for name in [
        "clean", "dirty", "ahead", "detached", "locked", "merging", "rebasing",
    ] {
        fleet.add_repo(name);
    }
    fleet.add_repo_without_remote("no-remote");
    fleet.add_unborn("unborn");
    make_all_kinds_dirty(&fleet, "dirty");
    fleet.make_ahead("ahead", 2);
    fleet.detach("detached");
    fleet.make_dirty("detached");
    fleet.make_dirty("locked");
    fleet.lock_index("locked");
    fleet.start_conflicting_merge("merging");
    fleet.start_conflicting_rebase("rebasing");
    fleet.make_dirty("no-remote");
    fleet.add_untracked("unborn");

    let skipped = [
        ("detached", "detached HEAD"),
        ("locked", "index.lock"),
        ("merging", "merging in progress"),
        ("rebasing", "rebasing in progress"),
        ("no-remote", "no upstream"),
        ("unborn", "no commit yet"),
    ];
    let untouched: Vec<(&str, UserState, FolderImage)> = skipped
        .iter()
        .map(|(name, _)| *name)
        .chain(["clean"])
        .map(|name| {
            let state = UserState::of(&fleet, name);
            (name, state, FolderImage::of(&fleet.path(name)))
        })
        .collect();
    let dirty_before = UserState::of(&fleet, "dirty");
    let ahead_head = fleet.head("ahead");

    let document = fleet.json_exit(&["sync", "-m", "sync everything"], 0);

    assert!(document["run_id"].is_string(), "{document:#}");
    assert_eq!(document["dry_run"], false);
    let count = |outcome: &str| document["summary"][outcome].as_u64();
    let counts = ["changed", "unchanged", "skipped", "failed"].map(count);
    assert_eq!(counts, [2, 1, 6, 0].map(Some), "{document:#}");
    for (name, reason) in skipped {
        let (outcome, message) = outcome_and_message(&document, name);
        assert_eq!(outcome, "skipped", "{name}: {message}");
        assert!(message.contains(reason), "{name}: {message}");
    }
    assert_eq!(outcome_and_message(&document, "clean").0, "unchanged");
    // Skipped before anything was written, and a clean repository not even looked at by git:
    // not a byte of either changed, `.git` included (no backup ref, no index refresh).
    for (name, state, image) in &untouched {
        assert_eq!(&UserState::of(&fleet, name), state, "{name} changed");
        let changes = image.changes(&FolderImage::of(&fleet.path(name)));
        assert!(changes.is_empty(), "{name}: {changes:?} were written");
    }

    let dirty = repo(&document, "dirty");
    assert_eq!(dirty["outcome"], "changed", "{dirty}");
    assert_eq!(dirty["message"], "committed 3 files, pushed", "{dirty}");
    let head = fleet.head("dirty");
    assert_eq!(dirty["branch"], "main");
    assert_eq!(dirty["head_before"].as_str(), dirty_before.head.as_deref());
    assert_eq!(dirty["head_after"], head.as_str());
    assert_eq!(dirty["commit"], head.as_str());
    // `files`: the paths the commit changed, as for the content operations; `file_count`.
    assert_eq!(
        dirty["files"],
        serde_json::json!(["README.md", "staged.txt", "untracked.txt"])
    );
    assert_eq!(dirty["file_count"], 3);
    assert_eq!(dirty["pushed"], true);
    assert_eq!(
        fleet.remote_head("dirty"),
        head,
        "the commit reached the remote"
    );
    assert_eq!(show(&fleet, "dirty", "%s", "HEAD"), "sync everything");
    assert_eq!(
        Some(show(&fleet, "dirty", "%P", "HEAD")),
        dirty_before.head,
        "one commit on top of the old HEAD"
    );
    let after = UserState::of(&fleet, "dirty");
    assert!(!after.is_dirty(), "everything was committed: {after:?}");
    assert_eq!(
        after.files, dirty_before.files,
        "the working tree kept every byte"
    );
    assert_eq!(
        fleet.git(&fleet.path("dirty"), &["show", "HEAD:untracked.txt"]),
        "untracked\n"
    );

    let ahead = repo(&document, "ahead");
    assert_eq!(ahead["outcome"], "changed", "{ahead}");
    assert_eq!(ahead["message"], "pushed", "{ahead}");
    assert_eq!(ahead["commit"], Value::Null, "no commit of its own");
    assert_eq!(ahead["files"], serde_json::json!([]), "no files of its own");
    assert_eq!(ahead["file_count"], 0);
    assert_eq!(fleet.head("ahead"), ahead_head);
    assert_eq!(fleet.remote_head("ahead"), ahead_head);

    assert_eq!(fleet.journal_files().len(), 1, "one run recorded");
    assert_eq!(fleet.batch_refs("dirty").len(), 2, "backup and index refs");
}

#[test]
fn clean_up_to_date_repositories_spawn_no_git_at_all() {
    let fleet = Fleet::new();
    for name in ["a", "b", "c"] {
        fleet.add_repo(name);
    }
    fleet.make_ahead("c", 1);
    let shim = GitShim::new(&fleet);
    let run = |args: &[&str]| {
        let output = fleet
            .batch_in(&fleet.root)
            .env("PATH", shim.path_env())
            .args(args)
            .output()
            .expect("run git-batch");
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    // `c` is ahead but --no-push keeps it local: nothing to do anywhere.
    let stdout = run(&["--color", "never", "sync", "--no-push"]);
    assert!(stdout.contains("3 unchanged"), "{stdout}");
    assert_eq!(shim.calls(), Vec::<String>::new(), "git was spawned");
    assert!(fleet.journal_files().is_empty(), "a run that did nothing");

    // The shim sees the git calls that are made.
    run(&["-t", "c", "sync"]);
    assert!(
        shim.calls().iter().any(|call| call.starts_with("push")),
        "{:?}",
        shim.calls()
    );
}

#[test]
fn no_push_commits_locally_with_the_default_message() {
    let fleet = Fleet::new();
    fleet.add_repo("dirty");
    fleet.add_repo_without_remote("no-remote");
    fleet.make_dirty("dirty");
    fleet.add_untracked("no-remote");
    let remote_before = fleet.remote_head("dirty");
    let files_before = ["dirty", "no-remote"].map(|name| UserState::of(&fleet, name).files);

    let document = fleet.json_exit(&["sync", "--no-push"], 0);

    for (name, files) in ["dirty", "no-remote"].iter().zip(files_before) {
        assert_eq!(UserState::of(&fleet, name).files, files, "{name}");
        let entry = repo(&document, name);
        assert_eq!(entry["outcome"], "changed", "{entry}");
        assert_eq!(entry["pushed"], false, "{entry}");
        assert_eq!(show(&fleet, name, "%s", "HEAD"), "chore: batch update");
        assert!(!UserState::of(&fleet, name).is_dirty());
    }
    assert_eq!(fleet.remote_head("dirty"), remote_before, "nothing pushed");
    assert_eq!(fleet.porcelain("dirty").ahead, 1);
}

#[test]
fn a_rejected_push_fails_with_the_pull_hint_and_keeps_the_commit_which_undo_takes_back() {
    let fleet = Fleet::new();
    fleet.add_repo("behind");
    fleet.add_repo("fine");
    make_all_kinds_dirty(&fleet, "behind");
    fleet.make_dirty("fine");
    let remote = fleet.advance_remote("behind", "elsewhere.txt", "from elsewhere\n");
    let before = UserState::of(&fleet, "behind");

    let document = fleet.json_exit(&["sync"], 1);

    let (outcome, message) = outcome_and_message(&document, "behind");
    assert_eq!(outcome, "failed");
    assert!(message.contains("rejected"), "{message}");
    assert!(message.contains("--pull"), "{message}");
    assert_eq!(
        fleet.remote_head("behind"),
        remote,
        "the remote was not forced"
    );
    assert_eq!(
        Some(show(&fleet, "behind", "%P", "HEAD")),
        before.head,
        "the commit stays local"
    );
    assert_eq!(UserState::of(&fleet, "behind").files, before.files);
    assert_eq!(outcome_and_message(&document, "fine").0, "changed");

    // Nothing is lost: the run's commit comes back as the uncommitted work it was.
    let undo = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome_and_message(&undo, "fine").0, "skipped", "pushed");
    assert_eq!(UserState::of(&fleet, "behind"), before);
}

#[test]
fn pull_rebases_onto_a_remote_ahead_then_pushes() {
    let fleet = Fleet::new();
    for name in ["dirty", "clean-behind"] {
        fleet.add_repo(name);
    }
    make_all_kinds_dirty(&fleet, "dirty");
    let theirs = fleet.advance_remote("dirty", "elsewhere.txt", "from elsewhere\n");
    let behind = fleet.advance_remote("clean-behind", "elsewhere.txt", "from elsewhere\n");
    let before = UserState::of(&fleet, "dirty");

    let document = fleet.json_exit(&["sync", "--pull", "-m", "mine"], 0);

    let dirty = repo(&document, "dirty");
    assert_eq!(dirty["outcome"], "changed", "{dirty}");
    assert_eq!(
        dirty["message"],
        "committed 3 files, rebased onto the upstream, pushed"
    );
    let head = fleet.head("dirty");
    assert_eq!(fleet.remote_head("dirty"), head);
    assert_eq!(
        show(&fleet, "dirty", "%P", "HEAD"),
        theirs,
        "on top of theirs"
    );
    assert_eq!(show(&fleet, "dirty", "%s", "HEAD"), "mine");
    let after = UserState::of(&fleet, "dirty");
    assert!(!after.is_dirty(), "{after:?}");
    for (path, content) in &before.files {
        assert_eq!(after.files.get(path), Some(content), "{}", path.display());
    }
    assert!(
        after
            .files
            .contains_key(std::path::Path::new("elsewhere.txt"))
    );

    let clean = repo(&document, "clean-behind");
    assert_eq!(
        fleet.head("clean-behind"),
        behind,
        "fast-forwarded: {clean}"
    );
    assert_eq!(fleet.remote_head("clean-behind"), behind);
}

#[test]
fn dry_run_reports_what_it_would_do_and_writes_nothing_at_all() {
    let fleet = Fleet::new();
    for name in ["clean", "dirty", "ahead", "detached"] {
        fleet.add_repo(name);
    }
    make_all_kinds_dirty(&fleet, "dirty");
    fleet.make_ahead("ahead", 1);
    fleet.detach("detached");
    let image = FolderImage::of(&fleet.base);

    let document = fleet.json_exit(&["sync", "-n"], 0);
    assert_eq!(document["dry_run"], true);
    assert_eq!(document["run_id"], Value::Null);
    assert_eq!(
        outcome_and_message(&document, "dirty"),
        (
            "changed".to_owned(),
            "would commit (1 staged, 1 unstaged, 1 untracked), would push to origin/main"
                .to_owned()
        )
    );
    assert_eq!(
        outcome_and_message(&document, "ahead").1,
        "would push to origin/main"
    );
    assert_eq!(outcome_and_message(&document, "clean").0, "unchanged");
    assert_eq!(outcome_and_message(&document, "detached").0, "skipped");
    let pull = fleet.json_exit(&["sync", "--pull", "--dry-run", "-t", "dirty"], 0);
    assert!(
        outcome_and_message(&pull, "dirty")
            .1
            .contains("would fetch and rebase onto the upstream"),
        "{pull:#}"
    );
    let human = fleet
        .cmd()
        .args(["--color", "never", "sync", "-n"])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&human.stdout).contains("would commit"));

    // Not a byte written anywhere: repositories, remotes, the journal, the lock folder.
    let changes = image.changes(&FolderImage::of(&fleet.base));
    assert!(changes.is_empty(), "a dry run wrote {changes:?}");
    assert!(fleet.journal_files().is_empty());
    assert!(!fleet.home.join(".local/state/git-batch").exists());
    for name in ["clean", "dirty", "ahead", "detached"] {
        assert!(fleet.batch_refs(name).is_empty(), "{name}");
    }
}

#[test]
fn a_file_untracked_with_rm_cached_is_committed_as_removed_and_kept_on_disk() {
    let fleet = Fleet::new();
    fleet.add_repo("a");
    fleet.commit_file("a", "f.txt", "keep me on disk\n", "add f.txt");
    fleet.git(&fleet.path("a"), &["rm", "-q", "--cached", "f.txt"]);

    let document = fleet.json_exit(&["sync", "--no-push"], 0);

    let (outcome, message) = outcome_and_message(&document, "a");
    assert_eq!(outcome, "changed", "{message}");
    let in_head = fleet.git(&fleet.path("a"), &["ls-tree", "--name-only", "HEAD"]);
    assert!(!in_head.lines().any(|line| line == "f.txt"), "{in_head}");
    assert_eq!(
        std::fs::read_to_string(fleet.path("a").join("f.txt")).expect("f.txt"),
        "keep me on disk\n"
    );
    let status = fleet.git(&fleet.path("a"), &["status", "--porcelain"]);
    assert_eq!(status, "?? f.txt\n");
}

#[test]
fn a_repository_nested_inside_another_is_never_committed_as_a_broken_link() {
    let fleet = Fleet::new();
    fleet.add_repo("outer");
    fleet.make_dirty("outer");
    fleet.add_untracked("outer");
    let inner = fleet.path("outer").join("vendor/inner");
    std::fs::create_dir_all(&inner).expect("mkdir");
    fleet.git(&inner, &["init", "-q"]);
    std::fs::write(inner.join("f.txt"), "inner\n").expect("write");
    fleet.git(&inner, &["add", "f.txt"]);
    fleet.git(&inner, &["commit", "-q", "-m", "inner"]);
    let head = fleet.head("outer");
    let remote = fleet.remote_head("outer");
    let before = UserState::of(&fleet, "outer");

    let document = fleet.json_exit(&["sync"], 1);
    let (outcome, message) = outcome_and_message(&document, "outer");
    assert_eq!(outcome, "failed", "{document:#}");
    assert!(message.contains("vendor/inner/"), "{message}");
    assert!(message.contains(".gitignore"), "says what to do: {message}");
    assert_eq!(fleet.head("outer"), head, "nothing committed");
    assert_eq!(fleet.remote_head("outer"), remote, "nothing pushed");
    assert_eq!(
        UserState::of(&fleet, "outer"),
        before,
        "the staging area as it was"
    );

    // Ignored, it is left out and the rest is committed.
    fleet.write("outer", ".gitignore", "vendor/inner/\n");
    let document = fleet.json_exit(&["sync"], 0);
    assert_eq!(outcome_and_message(&document, "outer").0, "changed");
    let listed = fleet.git(&fleet.path("outer"), &["ls-tree", "-r", "HEAD"]);
    assert!(!listed.contains("160000"), "no link committed: {listed}");
}

#[test]
fn a_dry_run_on_a_diverged_branch_says_the_push_would_be_refused_as_the_run_finds() {
    let fleet = Fleet::new();
    fleet.add_repo("diverged");
    fleet.make_ahead("diverged", 1);
    fleet.make_behind("diverged", 2);

    let dry = fleet.json_exit(&["sync", "-n"], 0);
    let (_, message) = outcome_and_message(&dry, "diverged");
    assert!(message.contains("would refuse it"), "{message}");
    assert!(message.contains("2 commits"), "{message}");
    assert!(message.contains("--pull"), "{message}");

    // The real run meets exactly that, and says the same way out.
    let run = fleet.json_exit(&["sync"], 1);
    let (outcome, message) = outcome_and_message(&run, "diverged");
    assert_eq!(outcome, "failed");
    assert!(message.contains("--pull"), "{message}");

    let pulled = fleet.json_exit(&["sync", "--pull", "-n"], 0);
    let (_, message) = outcome_and_message(&pulled, "diverged");
    assert!(!message.contains("refuse"), "{message}");
}

#[test]
fn git_sync_is_sync_under_the_name_the_old_script_used() {
    let fleet = Fleet::new();
    fleet.add_repo("dirty");
    fleet.make_dirty("dirty");
    let remote_before = fleet.remote_head("dirty");

    // The old script's own command line, word for word after the program's name.
    let output = fleet
        .cmd()
        .args(["git-sync", "--parallel", "8", "--depth", "2"])
        .output()
        .expect("run git-batch");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_ne!(
        fleet.remote_head("dirty"),
        remote_before,
        "committed and pushed"
    );
    assert_eq!(show(&fleet, "dirty", "%s", "HEAD"), "chore: batch update");
    assert!(!UserState::of(&fleet, "dirty").is_dirty());

    let help = fleet.cmd().arg("--help").output().expect("run git-batch");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("git-sync"), "the alias is shown: {help}");
}

#[test]
fn the_commit_is_made_in_process_unless_something_of_the_repositorys_own_would_run() {
    let fleet = Fleet::new();
    for name in ["plain", "hooked"] {
        fleet.add_repo(name);
        fleet.make_dirty(name);
    }
    fleet.hook(
        "hooked",
        "commit-msg",
        "echo ran > \"$(git rev-parse --git-dir)/hook-ran\"",
    );
    let before = fleet.head("plain");
    let shim = GitShim::new(&fleet);

    let output = fleet
        .batch_in(&fleet.root)
        .env("PATH", shim.path_env())
        .args(["sync", "--no-push"])
        .output()
        .expect("run git-batch");

    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let commits: Vec<String> = shim
        .calls()
        .into_iter()
        .filter(|call| call.split(' ').any(|word| word == "commit"))
        .collect();
    assert_eq!(
        commits.len(),
        1,
        "git commit only where the hook is: {commits:?}"
    );
    assert!(fleet.path("hooked").join(".git/hook-ran").exists());
    assert_eq!(show(&fleet, "plain", "%P", "HEAD"), before);
    assert_eq!(show(&fleet, "plain", "%s", "HEAD"), "chore: batch update");
    let reflog = fleet.git(&fleet.path("plain"), &["reflog", "-1", "--format=%gs"]);
    assert_eq!(reflog.trim(), "commit: chore: batch update");
    let fsck = fleet.git_output(&fleet.path("plain"), &["fsck", "--strict"]);
    assert!(fsck.status.success() && fsck.stderr.is_empty(), "{fsck:?}");
    assert!(!UserState::of(&fleet, "plain").is_dirty());
}
