//! `license-update` and `file-replace` with `--branch NAME`: the change is committed onto NAME
//! from the base's tree in the object store and pushed, never forced; the working tree, the
//! index and the checked-out branch stay exactly as they were, even in a dirty repository.

use std::fs;

use serde_json::Value;

use crate::fixture::{Fleet, repo};
use crate::license::{MIT_LICENSE, outcome, repo_with};
use crate::observe::UserState;

pub const SOURCE_MIT: &str = "// SPDX-License-Identifier: MIT\nfn main() {}\n";

/// A repository `name` with an MIT license file and a source file declaring MIT, pushed.
pub fn mit_repo(fleet: &Fleet, name: &str) {
    repo_with(
        fleet,
        name,
        &[
            ("LICENSE", MIT_LICENSE.as_bytes()),
            ("src/main.rs", SOURCE_MIT.as_bytes()),
        ],
    );
}

/// The commit `reference` names in `name`'s bare remote, if it exists.
pub fn remote_ref(fleet: &Fleet, name: &str, reference: &str) -> Option<String> {
    let out = fleet.git_output(
        &fleet.remote_path(name),
        &["rev-parse", "-q", "--verify", reference],
    );
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The content of `path` at `commit` in `name`'s bare remote.
pub fn remote_file(fleet: &Fleet, name: &str, commit: &str, path: &str) -> String {
    fleet.git(
        &fleet.remote_path(name),
        &["show", &format!("{commit}:{path}")],
    )
}

/// Every ref of the repository and of its remote, with its commit.
pub fn all_refs(fleet: &Fleet, name: &str) -> (String, String) {
    let list = |dir: &std::path::Path| fleet.git(dir, &["for-each-ref"]);
    (list(&fleet.path(name)), list(&fleet.remote_path(name)))
}

pub fn relicense(fleet: &Fleet, extra: &[&str], code: i32) -> Value {
    let mut args = vec!["license-update", "--old", "MIT", "--new", "Apache-2.0"];
    args.extend_from_slice(extra);
    fleet.json_exit(&args, code)
}

pub fn assert_fsck_clean(fleet: &Fleet, name: &str) {
    let out = fleet.git_output(
        &fleet.path(name),
        &["fsck", "--strict", "--no-progress", "--no-dangling"],
    );
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "git fsck: {} {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_dirty_repository_stays_byte_for_byte_while_its_branch_is_pushed() {
    let fleet = Fleet::new();
    mit_repo(&fleet, "app");
    let dir = fleet.path("app");
    // Work of every kind in progress: an unstaged edit to a file the change rewrites, a
    // staged new file, an untracked one.
    fleet.write(
        "app",
        "src/main.rs",
        "// SPDX-License-Identifier: MIT\n// wip\n",
    );
    fleet.write("app", "staged.txt", "staged\n");
    fleet.git(&dir, &["add", "staged.txt"]);
    fleet.write("app", "notes.txt", "untracked\n");
    let before = UserState::of(&fleet, "app");
    let index_before = fs::read(dir.join(".git/index")).expect("read the index");
    let main_before = fleet.remote_head("app");

    let run = relicense(&fleet, &["--branch", "relicense"], 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run}");
    assert_eq!(repo(&run, "app")["branch"], "relicense");
    let message = repo(&run, "app")["message"].as_str().expect("a message");
    assert!(message.contains("relicense"), "{message}");
    assert!(message.contains("from origin/main"), "{message}");

    assert_eq!(UserState::of(&fleet, "app"), before);
    assert_eq!(
        fs::read(dir.join(".git/index")).expect("read the index"),
        index_before,
        "the index file is untouched"
    );
    let pushed = remote_ref(&fleet, "app", "refs/heads/relicense").expect("the branch is pushed");
    assert_eq!(
        fleet
            .git(&dir, &["rev-parse", "refs/heads/relicense"])
            .trim(),
        pushed
    );
    assert_eq!(repo(&run, "app")["commit"], pushed.as_str());
    assert_eq!(
        fleet
            .git(&dir, &["rev-parse", &format!("{pushed}^")])
            .trim(),
        main_before,
        "built on the base's tip"
    );
    assert!(remote_file(&fleet, "app", &pushed, "LICENSE").contains("Apache License"));
    assert_eq!(
        remote_file(&fleet, "app", &pushed, "src/main.rs"),
        "// SPDX-License-Identifier: Apache-2.0\nfn main() {}\n",
        "the committed version, not the work in progress"
    );
    assert_eq!(
        fleet.remote_head("app"),
        main_before,
        "the base is untouched"
    );
    let reflog = fleet.git(
        &dir,
        &["reflog", "show", "--format=%gs", "refs/heads/relicense"],
    );
    assert!(reflog.contains("commit on relicense"), "{reflog}");
    assert_fsck_clean(&fleet, "app");
}

#[test]
fn a_rerun_builds_on_the_remote_branch_and_then_has_nothing_to_do() {
    let fleet = Fleet::new();
    mit_repo(&fleet, "app");
    let first = relicense(&fleet, &["--branch", "relicense"], 0);
    assert_eq!(outcome(&first, "app"), "changed");
    let first_commit = remote_ref(&fleet, "app", "refs/heads/relicense").expect("pushed");

    // Someone adds a file still declaring MIT on the branch, elsewhere.
    let other = fleet.scratch.join("other");
    fleet.git(
        &fleet.base,
        &[
            "clone",
            "-q",
            "-b",
            "relicense",
            fleet.remote_path("app").to_str().expect("UTF-8"),
            other.to_str().expect("UTF-8"),
        ],
    );
    fs::write(other.join("extra.rs"), SOURCE_MIT).expect("write");
    fleet.git(&other, &["add", "extra.rs"]);
    fleet.git(&other, &["commit", "-q", "-m", "more MIT"]);
    fleet.git(&other, &["push", "-q", "origin", "relicense"]);
    let theirs = remote_ref(&fleet, "app", "refs/heads/relicense").expect("pushed");

    let second = relicense(&fleet, &["--branch", "relicense"], 0);
    assert_eq!(outcome(&second, "app"), "changed", "{second}");
    let message = repo(&second, "app")["message"].as_str().expect("a message");
    assert!(message.contains("on top of origin/relicense"), "{message}");
    let tip = remote_ref(&fleet, "app", "refs/heads/relicense").expect("pushed");
    assert_ne!(tip, theirs);
    let dir = fleet.path("app");
    assert_eq!(
        fleet.git(&dir, &["rev-parse", &format!("{tip}^")]).trim(),
        theirs,
        "a fast-forward of the remote branch, not a force"
    );
    assert_eq!(
        repo(&second, "app")["files"],
        serde_json::json!(["extra.rs"]),
        "only what is new needed changing"
    );
    assert_ne!(first_commit, tip);

    let (refs, remote_refs) = all_refs(&fleet, "app");
    let third = relicense(&fleet, &["--branch", "relicense"], 0);
    assert_eq!(outcome(&third, "app"), "unchanged", "{third}");
    assert_eq!(all_refs(&fleet, "app"), (refs, remote_refs));
    assert_fsck_clean(&fleet, "app");
}

#[test]
fn the_base_is_the_remote_default_branch_unless_base_names_one() {
    let fleet = Fleet::new();
    mit_repo(&fleet, "app");
    let dir = fleet.path("app");
    // A `develop` branch on the remote with one more commit; the remote's default stays main.
    fleet.git(&dir, &["switch", "-q", "-c", "develop"]);
    fleet.commit_file("app", "develop.txt", "develop\n", "develop work");
    fleet.git(&dir, &["push", "-q", "-u", "origin", "develop"]);
    let develop = fleet.head("app");
    let main = fleet.remote_head("app");

    // Checked out: develop, whose upstream is origin/develop; the default branch still wins.
    let run = relicense(&fleet, &["--branch", "from-main"], 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run}");
    let tip = remote_ref(&fleet, "app", "refs/heads/from-main").expect("pushed");
    assert_eq!(
        fleet.git(&dir, &["rev-parse", &format!("{tip}^")]).trim(),
        main
    );

    let run = relicense(
        &fleet,
        &["--branch", "from-develop", "--base", "develop"],
        0,
    );
    assert_eq!(outcome(&run, "app"), "changed", "{run}");
    let tip = remote_ref(&fleet, "app", "refs/heads/from-develop").expect("pushed");
    assert_eq!(
        fleet.git(&dir, &["rev-parse", &format!("{tip}^")]).trim(),
        develop
    );
    assert_eq!(fleet.head("app"), develop, "HEAD did not move");
}

#[test]
fn a_checked_out_branch_or_the_base_itself_is_skipped() {
    let fleet = Fleet::new();
    mit_repo(&fleet, "on-it");
    mit_repo(&fleet, "base");
    fleet.git(&fleet.path("on-it"), &["switch", "-q", "-c", "relicense"]);
    let before = all_refs(&fleet, "on-it");
    let run = relicense(&fleet, &["-t", "on-it", "--branch", "relicense"], 0);
    assert_eq!(outcome(&run, "on-it"), "skipped", "{run}");
    let message = repo(&run, "on-it")["message"].as_str().expect("a message");
    assert!(message.contains("checked out"), "{message}");
    assert_eq!(all_refs(&fleet, "on-it"), before);

    // `main` is the remote's default branch: the base, resolved per repository (here with
    // another branch checked out).
    fleet.git(&fleet.path("base"), &["switch", "-q", "-c", "work"]);
    let before = all_refs(&fleet, "base");
    let run = relicense(&fleet, &["-t", "base", "--branch", "main"], 0);
    assert_eq!(outcome(&run, "base"), "skipped", "{run}");
    let message = repo(&run, "base")["message"].as_str().expect("a message");
    assert!(message.contains("is the base branch"), "{message}");
    assert_eq!(all_refs(&fleet, "base"), before);
}

#[test]
fn file_replace_goes_on_a_branch_too() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    fleet.make_dirty("app");
    let before = UserState::of(&fleet, "app");
    let template = fleet.base.join("ci.yml");
    fs::write(&template, "on: push\n").expect("write the template");
    let run = fleet.json_exit(
        &[
            "file-replace",
            "--pattern",
            ".github/workflows/ci.yml",
            "--replacement",
            template.to_str().expect("UTF-8"),
            "--create",
            "--branch",
            "ci",
        ],
        0,
    );
    assert_eq!(outcome(&run, "app"), "changed", "{run}");
    let tip = remote_ref(&fleet, "app", "refs/heads/ci").expect("pushed");
    assert_eq!(
        remote_file(&fleet, "app", &tip, ".github/workflows/ci.yml"),
        "on: push\n"
    );
    assert_eq!(UserState::of(&fleet, "app"), before);
    assert!(!fleet.path("app").join(".github").exists());
    assert_fsck_clean(&fleet, "app");
}

#[test]
fn a_dry_run_says_which_branch_and_writes_nothing() {
    let fleet = Fleet::new();
    mit_repo(&fleet, "app");
    let before = all_refs(&fleet, "app");
    let state = UserState::of(&fleet, "app");
    let run = relicense(&fleet, &["-n", "--branch", "relicense"], 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run}");
    let message = repo(&run, "app")["message"].as_str().expect("a message");
    assert!(
        message.contains("would commit") && message.contains("on relicense"),
        "{message}"
    );
    assert!(!message.contains("pull request"), "{message}");
    assert_eq!(repo(&run, "app")["branch"], "relicense");

    let run = relicense(&fleet, &["-n", "--branch", "relicense", "--pr"], 0);
    let message = repo(&run, "app")["message"].as_str().expect("a message");
    assert!(message.contains("would open a pull request"), "{message}");

    assert_eq!(all_refs(&fleet, "app"), before);
    assert_eq!(UserState::of(&fleet, "app"), state);
}

#[test]
fn bad_branch_requests_stop_before_anything_runs() {
    let fleet = Fleet::new();
    mit_repo(&fleet, "app");
    let before = all_refs(&fleet, "app");
    let cases: [(&[&str], &str); 6] = [
        (&["--pr"], "--branch"),
        (&["--branch", "a..b"], "not a name git takes"),
        (&["--branch=-x"], "not a name git takes"),
        (&["--branch", "dev", "--base", "dev"], "is the base branch"),
        (
            &["--branch", "x", "--pr", "--body-file", "missing.md", "-n"],
            "cannot read --body-file",
        ),
        (
            &["--branch", "dev", "--base", "dev", "--pr", "-n"],
            "is the base branch",
        ),
    ];
    for (extra, said) in cases {
        let mut args = vec!["license-update", "--old", "MIT", "--new", "Apache-2.0"];
        args.extend_from_slice(extra);
        let output = fleet.cmd().args(&args).output().expect("run git-batch");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(said), "{extra:?}: {stderr}");
    }
    assert_eq!(all_refs(&fleet, "app"), before);
}

#[test]
fn a_local_branch_with_commits_of_its_own_is_skipped_and_no_hook_runs() {
    let fleet = Fleet::new();
    mit_repo(&fleet, "ahead");
    mit_repo(&fleet, "hooked");
    // A local `relicense` with a commit nobody pushed: moving it would drop that commit.
    let dir = fleet.path("ahead");
    fleet.git(&dir, &["switch", "-q", "-c", "relicense"]);
    fleet.commit_file("ahead", "mine.txt", "mine\n", "my own work");
    fleet.git(&dir, &["switch", "-q", "main"]);
    let mine = fleet.git(&dir, &["rev-parse", "relicense"]);
    // A commit made off the working tree runs no commit hook, as `git commit-tree` does not.
    let marker = fleet.base.join("hook-ran");
    fleet.hook(
        "hooked",
        "pre-commit",
        &format!("touch '{}'", marker.display()),
    );

    let run = relicense(&fleet, &["--branch", "relicense"], 0);
    assert_eq!(outcome(&run, "ahead"), "skipped", "{run}");
    let message = repo(&run, "ahead")["message"].as_str().expect("a message");
    assert!(
        message.contains("has commits that origin/main lacks"),
        "{message}"
    );
    assert_eq!(fleet.git(&dir, &["rev-parse", "relicense"]), mine);
    assert_eq!(remote_ref(&fleet, "ahead", "refs/heads/relicense"), None);

    assert_eq!(outcome(&run, "hooked"), "changed", "{run}");
    assert!(!marker.exists(), "no hook ran");
}

#[test]
fn a_branch_checked_out_in_another_worktree_is_skipped() {
    let fleet = Fleet::new();
    mit_repo(&fleet, "app");
    // `ROOT/app-wt` has `wt-app-wt` checked out.
    fleet.add_worktree("app", "app-wt");
    let before = all_refs(&fleet, "app");
    let run = relicense(&fleet, &["-t", "app", "--branch", "wt-app-wt"], 0);
    assert_eq!(outcome(&run, "app"), "skipped", "{run}");
    let message = repo(&run, "app")["message"].as_str().expect("a message");
    assert!(message.contains("checked out in the worktree"), "{message}");
    assert!(message.contains("app-wt"), "{message}");
    assert_eq!(all_refs(&fleet, "app"), before);
}
