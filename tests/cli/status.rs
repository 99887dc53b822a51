//! `status` against git itself: for a repository in every state, git-batch's JSON fields must
//! say what `git status --porcelain=v2 --branch` says. Also: reading runs no program that a
//! repository's configuration names, writes nothing, survives corrupt repositories, and does
//! not depend on the number of workers.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::fixture::{Fleet, GitStatus, names, repo};

/// One repository per state `status` distinguishes, each name saying what it is.
fn every_state() -> Fleet {
    let fleet = Fleet::new();
    for name in [
        "clean",
        "dirty",
        "staged",
        "staged and unstaged",
        "deleted",
        "untracked",
        "untracked folder",
        "ahead",
        "behind",
        "diverged",
        "detached",
        "rebasing",
        "merging",
        "no upstream",
        "renamed",
        "locked",
        "délta",
    ] {
        fleet.add_repo(name);
    }
    fleet.make_dirty("dirty");
    fleet.stage("staged");
    fleet.make_dirty("staged and unstaged");
    fleet.git(&fleet.path("staged and unstaged"), &["add", "README.md"]);
    fleet.make_dirty("staged and unstaged");
    fs::remove_file(fleet.path("deleted").join("README.md")).expect("delete a tracked file");
    fleet.add_untracked("untracked");
    fleet.add_untracked_folder("untracked folder");
    fleet.make_ahead("ahead", 2);
    fleet.make_behind("behind", 3);
    fleet.make_ahead("diverged", 1);
    fleet.make_behind("diverged", 2);
    fleet.detach("detached");
    fleet.start_conflicting_rebase("rebasing");
    fleet.start_conflicting_merge("merging");
    fleet.git(
        &fleet.path("no upstream"),
        &["checkout", "-q", "-b", "topic"],
    );
    fleet.git(&fleet.path("renamed"), &["mv", "README.md", "README.txt"]);
    fleet.make_dirty("locked");
    fleet.lock_index("locked");
    fleet.make_ahead("délta", 1);
    fleet.add_untracked("délta");
    fleet.add_repo_without_remote("no remote");
    fleet.add_unborn("unborn");
    fleet.add_unborn("unborn with files");
    fleet.write("unborn with files", "first.txt", "first\n");
    fleet.git(&fleet.path("unborn with files"), &["add", "first.txt"]);
    fleet.add_untracked("unborn with files");
    fleet
}

/// The state word git-batch should report, derived from git's own view of the repository.
fn expected_state(fleet: &Fleet, name: &str, git: &GitStatus) -> &'static str {
    let git_dir = fleet.path(name).join(".git");
    if git_dir.join("rebase-merge").exists() || git_dir.join("rebase-apply").exists() {
        "rebasing"
    } else if git_dir.join("MERGE_HEAD").exists() {
        "merging"
    } else if git_dir.join("CHERRY_PICK_HEAD").exists() {
        "cherry-picking"
    } else if git_dir.join("REVERT_HEAD").exists() {
        "reverting"
    } else if git_dir.join("BISECT_LOG").exists() {
        "bisecting"
    } else if git.conflicted > 0 {
        "conflicted"
    } else if git.branch.is_none() {
        "detached"
    } else if git.staged + git.unstaged + git.untracked > 0 {
        "dirty"
    } else if git.upstream.is_none() {
        "no-upstream"
    } else {
        "clean"
    }
}

/// Runs `status --format json` and compares every repository with `git status`; returns the
/// document and a description of each disagreement.
fn compare_with_git(fleet: &Fleet) -> (Value, Vec<String>) {
    // git-batch reads first: `git status` may refresh the index, which would hide a mistake.
    let output = fleet
        .cmd()
        .args(["status", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let mut mismatches = Vec::new();
    for name in names(&document) {
        let entry = repo(&document, &name);
        assert_eq!(entry["outcome"], "unchanged", "{entry}");
        let git = fleet.porcelain(&name);
        let ours = GitStatus::of_json(entry);
        if ours != git {
            mismatches.push(format!(
                "{name}:\n  git-batch {ours:?}\n  git       {git:?}"
            ));
        }
        let state = expected_state(fleet, &name, &git);
        if entry["state"] != state {
            mismatches.push(format!(
                "{name}: state {} where git says {state}",
                entry["state"]
            ));
        }
    }
    (document, mismatches)
}

#[test]
fn every_state_matches_git_status_porcelain_v2() {
    let fleet = every_state();
    let (document, mismatches) = compare_with_git(&fleet);
    assert_eq!(names(&document).len(), 20);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));

    // The oracle itself must see the states the fixture meant to build.
    let git = |name: &str| fleet.porcelain(name);
    assert_eq!(git("untracked folder").untracked, 1, "a folder counts once");
    assert_eq!(git("renamed").staged, 1, "a rename is one staged change");
    assert_eq!((git("diverged").ahead, git("diverged").behind), (1, 2));
    assert_eq!(
        (
            git("staged and unstaged").staged,
            git("staged and unstaged").unstaged
        ),
        (1, 1)
    );
    assert_eq!(
        (git("merging").conflicted, git("merging").unstaged),
        (1, 0),
        "the conflict"
    );
    assert_eq!(git("detached").branch, None);
    assert_eq!(git("unborn").branch.as_deref(), Some("main"));
    assert_eq!(repo(&document, "rebasing")["branch"], Value::Null);
    assert_eq!(repo(&document, "unborn")["head"], Value::Null);
}

/// Rarer states, each a place where an in-process reader could part ways with git.
fn edge_states() -> Fleet {
    let fleet = Fleet::new();
    for name in [
        "intent to add",
        "staged deletion",
        "mode change",
        "ignored",
        "empty folder",
        "nested repository",
        "skip worktree",
        "assume unchanged",
        "slashed branch",
        "tracks a local branch",
        "upstream gone",
        "cherry-picking",
        "apply rebase",
        "bisecting",
        "submodule dirty",
        "submodule moved",
        "shallow",
        "stash conflict",
        "split index",
        "racy change",
    ] {
        fleet.add_repo(name);
    }
    let git = |name: &str, args: &[&str]| fleet.git(&fleet.path(name), args);
    fleet.stash_pop_conflict("stash conflict");
    fleet.write("intent to add", "later.txt", "later\n");
    git("intent to add", &["add", "-N", "later.txt"]);
    git("staged deletion", &["rm", "-q", "README.md"]);
    git("mode change", &["update-index", "--chmod=+x", "README.md"]);
    fleet.write("mode change", "README.md", "# mode change\nand a change\n");
    // Ignored by .gitignore, by info/exclude and by the (sealed) global excludes file.
    fleet.commit_file("ignored", ".gitignore", "*.log\n", "ignore logs");
    fleet.write("ignored", "debug.log", "noise\n");
    fleet.write("ignored", "logs/only.log", "noise\n");
    fleet.write("ignored", ".git/info/exclude", "*.tmp\n");
    fleet.write("ignored", "scratch.tmp", "noise\n");
    let global_ignore = fleet.home.join(".config/git/ignore");
    fs::create_dir_all(global_ignore.parent().expect("a parent")).expect("mkdir");
    fs::write(&global_ignore, "*.globally-ignored\n").expect("write the global excludes");
    fleet.write("ignored", "x.globally-ignored", "noise\n");
    fs::create_dir_all(fleet.path("empty folder").join("nothing/inside")).expect("mkdir");
    git("nested repository", &["init", "-q", "inner"]);
    fleet.commit_file(
        "skip worktree",
        "skipped.txt",
        "skipped\n",
        "add skipped.txt",
    );
    git(
        "skip worktree",
        &["update-index", "--skip-worktree", "skipped.txt"],
    );
    fs::remove_file(fleet.path("skip worktree").join("skipped.txt")).expect("rm");
    git(
        "assume unchanged",
        &["update-index", "--assume-unchanged", "README.md"],
    );
    fleet.make_dirty("assume unchanged");
    git("slashed branch", &["checkout", "-q", "-b", "feature/x"]);
    git(
        "slashed branch",
        &["push", "-q", "-u", "origin", "feature/x"],
    );
    fleet.make_ahead("slashed branch", 1);
    git(
        "tracks a local branch",
        &["checkout", "-q", "-b", "work", "--track", "main"],
    );
    fleet.make_ahead("tracks a local branch", 2);
    git("upstream gone", &["checkout", "-q", "-b", "gone"]);
    git("upstream gone", &["push", "-q", "-u", "origin", "gone"]);
    git(
        "upstream gone",
        &["push", "-q", "origin", "--delete", "gone"],
    );
    git("upstream gone", &["fetch", "-q", "--prune"]);
    fleet.commit_file("cherry-picking", "c.txt", "base\n", "base");
    git("cherry-picking", &["checkout", "-q", "-b", "side"]);
    fleet.commit_file("cherry-picking", "c.txt", "side\n", "side");
    git("cherry-picking", &["checkout", "-q", "main"]);
    fleet.commit_file("cherry-picking", "c.txt", "main\n", "main");
    let picked = fleet.git_output(&fleet.path("cherry-picking"), &["cherry-pick", "side"]);
    assert!(
        !picked.status.success(),
        "the cherry-pick should stop on a conflict"
    );
    fleet.commit_file("apply rebase", "c.txt", "base\n", "base");
    git("apply rebase", &["checkout", "-q", "-b", "side"]);
    fleet.commit_file("apply rebase", "c.txt", "side\n", "side");
    git("apply rebase", &["checkout", "-q", "main"]);
    fleet.commit_file("apply rebase", "c.txt", "main\n", "main");
    let rebased = fleet.git_output(&fleet.path("apply rebase"), &["rebase", "--apply", "side"]);
    assert!(
        !rebased.status.success(),
        "the rebase should stop on a conflict"
    );
    fleet.make_ahead("bisecting", 2);
    git("bisecting", &["bisect", "start", "HEAD", "HEAD~2"]);
    for name in ["submodule dirty", "submodule moved"] {
        let sub_remote = fleet.remotes.join(format!("{name}-sub.git"));
        let sub_remote = sub_remote.to_str().expect("UTF-8");
        fleet.git(&fleet.base, &["init", "-q", "--bare", sub_remote]);
        fleet.git(&fleet.base, &["clone", "-q", sub_remote, "seed"]);
        fleet.git(
            &fleet.base.join("seed"),
            &["commit", "-q", "--allow-empty", "-m", "seed"],
        );
        fleet.git(&fleet.base.join("seed"), &["push", "-q", "origin", "HEAD"]);
        fs::remove_dir_all(fleet.base.join("seed")).expect("rm");
        // Local clones of submodules are refused unless allowed (CVE-2022-39253).
        let add = [
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            sub_remote,
            "sub",
        ];
        git(name, &add);
        git(name, &["commit", "-q", "-m", "add a submodule"]);
    }
    fleet.write("submodule dirty", "sub/inside.txt", "untracked inside\n");
    let sub = fleet.path("submodule moved").join("sub");
    fleet.git(&sub, &["commit", "-q", "--allow-empty", "-m", "moved on"]);
    // A shallow clone whose upstream diverged below the shallow boundary (CI clones like this).
    fleet.make_ahead("shallow", 2);
    git("shallow", &["push", "-q"]);
    git("shallow", &["checkout", "-q", "-b", "other", "HEAD~2"]);
    fleet.commit_file("shallow", "other.txt", "other\n", "other");
    git("shallow", &["push", "-q", "origin", "other"]);
    fs::remove_dir_all(fleet.path("shallow")).expect("rm");
    let url = format!("file://{}", fleet.remotes.join("shallow.git").display());
    let clone = [
        "clone",
        "-q",
        "--depth",
        "1",
        "--no-single-branch",
        &url,
        "shallow",
    ];
    fleet.git(&fleet.root, &clone);
    git("shallow", &["branch", "-q", "-u", "origin/other"]);
    // A split index: the entries live in a shared index file that the index names.
    git("split index", &["update-index", "--split-index"]);
    fleet.make_dirty("split index");
    fleet.stage("split index");
    racy_change(&fleet, "racy change");
    fleet.add_worktree("mode change", "worktree");
    fleet.make_dirty("worktree");
    fleet.add_unborn("empty clone");
    let remote = fleet.remotes.join("empty.git");
    fleet.git(
        &fleet.base,
        &["init", "-q", "--bare", remote.to_str().expect("UTF-8")],
    );
    fs::remove_dir_all(fleet.path("empty clone")).expect("rm");
    fleet.git(
        &fleet.root,
        &[
            "clone",
            "-q",
            remote.to_str().expect("UTF-8"),
            "empty clone",
        ],
    );
    fleet
}

/// A tracked file changed without a trace in its stat data: same size, modification time put
/// back, and (with `core.trustctime` off) no ctime to compare. Only the index's own modification
/// time, no earlier than the file's, tells that the entry's stat data cannot be trusted ("racy
/// git"), and the file must be compared by content.
fn racy_change(fleet: &Fleet, name: &str) {
    let dir = fleet.path(name);
    let set_mtime = |path: &Path, when: SystemTime| {
        let handle = fs::File::options()
            .write(true)
            .open(path)
            .expect("open for its time");
        handle.set_modified(when).expect("set the mtime");
    };
    fleet.git(&dir, &["config", "core.trustctime", "false"]);
    // Older than the index written next, so that git records the entry as it is (an entry as
    // new as the index would be written with its size zeroed, and never match its file).
    let written = SystemTime::now() - Duration::from_secs(60);
    let file = dir.join("racy.txt");
    fleet.write(name, "racy.txt", "before\n");
    set_mtime(&file, written);
    fleet.git(&dir, &["add", "racy.txt"]);
    fleet.git(&dir, &["commit", "-q", "-m", "add racy.txt"]);
    fs::write(&file, "after!\n").expect("change racy.txt, same size");
    set_mtime(&file, written);
    set_mtime(&dir.join(".git/index"), written);
}

#[test]
fn rarer_states_match_git_status_porcelain_v2() {
    let fleet = edge_states();
    let (document, mismatches) = compare_with_git(&fleet);
    assert_eq!(names(&document).len(), 22);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    let git = |name: &str| fleet.porcelain(name);
    assert_eq!(git("ignored").untracked, 0, "the oracle ignores them too");
    assert_eq!(git("nested repository").untracked, 1);
    assert_eq!(
        git("upstream gone").upstream.as_deref(),
        Some("origin/gone")
    );
    assert_eq!(git("tracks a local branch").ahead, 2);
    assert_eq!(
        git("submodule dirty").unstaged,
        1,
        "untracked content inside"
    );
    assert_eq!(git("submodule moved").unstaged, 1, "a new commit inside");
    let shallow = git("shallow");
    assert_eq!((shallow.ahead, shallow.behind), (1, 1), "{shallow:?}");
    assert_eq!(git("stash conflict").conflicted, 1);
    let split = git("split index");
    assert_eq!((split.staged, split.unstaged), (1, 1), "{split:?}");
    assert_eq!(git("racy change").unstaged, 1, "seen by content");
}

/// Ignore rules that the untracked scan must apply folder by folder, an index that carries
/// git's untracked cache (the UNTR extension), stale since files appeared after it was written,
/// and the settings of the repository's own configuration that change what is untracked.
fn ignore_rules_and_untracked_cache() -> Fleet {
    let fleet = Fleet::new();
    for name in [
        "ignored folder with tracked files",
        "nested ignore files",
        "untracked cache",
        "untracked files hidden",
        "untracked files listed one by one",
        "excludes file",
    ] {
        fleet.add_repo(name);
    }
    let git = |name: &str, args: &[&str]| fleet.git(&fleet.path(name), args);
    // `build/` is ignored, yet a file in it was added with --force: it is tracked and modified;
    // the other files in the folder stay ignored.
    let name = "ignored folder with tracked files";
    fleet.commit_file(name, ".gitignore", "build/\n", "ignore build output");
    fleet.write(name, "build/keep.txt", "kept\n");
    git(name, &["add", "--force", "build/keep.txt"]);
    git(name, &["commit", "-q", "-m", "keep one file of build"]);
    fleet.write(name, "build/keep.txt", "kept and changed\n");
    fleet.write(name, "build/out.o", "object\n");
    fleet.write(name, "build/deep/more.o", "object\n");
    // A deeper .gitignore re-includes what the top one ignores, and ignores more of its own.
    let name = "nested ignore files";
    fleet.commit_file(name, ".gitignore", "*.log\n", "ignore logs");
    fleet.commit_file(
        name,
        "sub/.gitignore",
        "!important.log\n*.txt\n",
        "sub's rules",
    );
    fleet.write(name, "top.log", "ignored\n");
    fleet.write(name, "sub/important.log", "shown\n");
    fleet.write(name, "sub/other.log", "ignored\n");
    fleet.write(name, "sub/notes.txt", "ignored\n");
    fleet.write(name, "sub/deeper/notes.txt", "ignored\n");
    fleet.write(name, "sub/deeper/keep.md", "shown\n");
    fleet.write(name, "other/notes.txt", "shown\n");
    // The cache is written by `git status`; files created afterwards must still be seen.
    let name = "untracked cache";
    git(name, &["config", "core.untrackedCache", "true"]);
    git(name, &["update-index", "--untracked-cache"]);
    fleet.write(name, "before/one.txt", "cached\n");
    fleet.write(name, "early.txt", "cached\n");
    git(name, &["status", "--porcelain"]);
    fleet.write(name, "after.txt", "not in the cache\n");
    fleet.write(name, "before/two.txt", "not in the cache\n");
    fleet.write(name, "new/three.txt", "not in the cache\n");
    fleet.make_dirty(name);
    // `status.showUntrackedFiles`: `no` hides untracked files, `all` counts each file inside an
    // untracked folder.
    let name = "untracked files hidden";
    git(name, &["config", "status.showUntrackedFiles", "no"]);
    fleet.write(name, "scratch.txt", "not shown\n");
    fleet.write(name, "folder/inside.txt", "not shown\n");
    fleet.make_dirty(name);
    let name = "untracked files listed one by one";
    git(name, &["config", "status.showUntrackedFiles", "all"]);
    fleet.write(name, "folder/one.txt", "shown\n");
    fleet.write(name, "folder/two.txt", "shown\n");
    fleet.write(name, "folder/deeper/three.txt", "shown\n");
    // `core.excludesFile`: a file of ignore rules outside the repository.
    let name = "excludes file";
    let rules = fleet.path(name).with_extension("ignore-rules");
    fs::write(&rules, "*.tmp\n").expect("the excludes file");
    git(
        name,
        &[
            "config",
            "core.excludesFile",
            rules.to_str().expect("a UTF-8 path"),
        ],
    );
    fleet.write(name, "ignored.tmp", "hidden by the excludes file\n");
    fleet.write(name, "shown.md", "shown\n");
    fleet
}

#[test]
fn ignore_rules_and_the_untracked_cache_match_git_status_porcelain_v2() {
    let fleet = ignore_rules_and_untracked_cache();
    let index = fs::read(fleet.path("untracked cache").join(".git/index")).expect("the index");
    assert!(
        index.windows(4).any(|window| window == b"UNTR"),
        "the index carries the untracked cache"
    );
    let (document, mismatches) = compare_with_git(&fleet);
    assert_eq!(names(&document).len(), 6);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    let git = |name: &str| fleet.porcelain(name);
    let tracked_inside = git("ignored folder with tracked files");
    assert_eq!((tracked_inside.unstaged, tracked_inside.untracked), (1, 0));
    // sub/important.log, sub/deeper/ (for keep.md) and other/.
    assert_eq!(git("nested ignore files").untracked, 3);
    // after.txt, before/ and new/ (early.txt too: the cache holds what is untracked, not hidden).
    let cached = git("untracked cache");
    assert_eq!((cached.unstaged, cached.untracked), (1, 4));
    let hidden = git("untracked files hidden");
    assert_eq!((hidden.unstaged, hidden.untracked), (1, 0));
    assert_eq!(git("untracked files listed one by one").untracked, 3);
    assert_eq!(git("excludes file").untracked, 1);
}

/// In a repository of more than 4096 index entries the walk for untracked files runs on its own
/// thread while the index is compared with the working tree: the same ignore rules and settings
/// as above must give the same counts as git's.
#[test]
fn ignore_rules_in_big_repositories_match_git_status_porcelain_v2() {
    let fleet = ignore_rules_and_untracked_cache();
    for name in names(&fleet.json(&["status"])) {
        let dir = fleet.path(&name);
        // Tracked files in many folders, committed before the fixture's own changes are looked
        // at; one of them modified and one deleted.
        for i in 0..4200 {
            fleet.write(
                &name,
                &format!("bulk/{:02}/file-{i}.rs", i % 64),
                "tracked\n",
            );
        }
        fleet.git(&dir, &["add", "bulk"]);
        fleet.git(&dir, &["commit", "-q", "-m", "many tracked files"]);
        fleet.write(&name, "bulk/07/file-7.rs", "modified\n");
        fs::remove_file(dir.join("bulk/08/file-8.rs")).expect("delete a tracked file");
        fleet.write(&name, "bulk/09/new.rs", "untracked among tracked\n");
    }
    let (document, mismatches) = compare_with_git(&fleet);
    assert_eq!(names(&document).len(), 6);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    let nested = fleet.porcelain("nested ignore files");
    // The fixture's sub/important.log, sub/deeper/ and other/, and bulk/09/new.rs.
    assert_eq!((nested.unstaged, nested.untracked), (2, 4));
    assert_eq!(fleet.porcelain("untracked files hidden").untracked, 0);
}

/// Run from inside one repository (`-t .`), status opens it by a relative path; the counts must
/// be the same as git's, for every state and ignore rule above (submodules included).
#[test]
fn status_from_inside_a_repository_matches_git_status_porcelain_v2() {
    let mut mismatches = Vec::new();
    let mut seen = 0;
    for fleet in [every_state(), ignore_rules_and_untracked_cache()] {
        let (document, _) = compare_with_git(&fleet);
        for name in names(&document) {
            let output = fleet
                .cmd_in(&fleet.path(&name))
                .args(["-t", ".", "status", "--format", "json"])
                .output()
                .expect("run");
            let inside: Value = serde_json::from_slice(&output.stdout).expect("JSON");
            let entries = inside["repos"].as_array().expect("repos");
            assert_eq!(entries.len(), 1, "{inside}");
            let ours = GitStatus::of_json(&entries[0]);
            let git = fleet.porcelain(&name);
            if ours != git {
                mismatches.push(format!("{name}:\n  inside {ours:?}\n  git    {git:?}"));
            }
            seen += 1;
        }
    }
    assert!(seen > 10, "{seen} repositories");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// A repository whose objects lie in more packs than status's first try has slots for (64):
/// read again with the slots sized from the pack folder, and right.
#[test]
fn a_repository_with_many_packs_is_read_right() {
    let fleet = Fleet::new();
    let name = "many packs";
    fleet.add_repo(name);
    // No automatic gc, which would put the packs together again.
    fleet.git(&fleet.path(name), &["config", "gc.auto", "0"]);
    fleet.git(&fleet.path(name), &["config", "gc.autoPackLimit", "0"]);
    for i in 0..70 {
        fleet.commit_file(
            name,
            &format!("file-{i}.txt"),
            &format!("{i}\n"),
            "one more",
        );
        fleet.git(&fleet.path(name), &["repack", "-q", "-d"]);
    }
    let packs = fs::read_dir(fleet.path(name).join(".git/objects/pack"))
        .expect("the pack folder")
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|entry| entry.path().extension().is_some_and(|ext| ext == "idx"))
        })
        .count();
    assert!(packs > 64, "{packs} packs");
    fleet.make_dirty(name);
    let (document, mismatches) = compare_with_git(&fleet);
    assert_eq!(names(&document).len(), 1);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn head_commits_read_short_or_replaced_match_git_status_porcelain_v2() {
    let fleet = Fleet::new();
    for name in ["packed", "replaced", "staged after repack"] {
        fleet.add_repo(name);
        fleet.commit_file(name, "second.txt", "second\n", "a second commit");
    }
    let git = |name: &str, args: &[&str]| fleet.git(&fleet.path(name), args);
    // HEAD's commit in a pack, the upstream one commit behind it (its ahead/behind walked).
    git("packed", &["repack", "-a", "-d", "-q"]);
    git("packed", &["prune-packed"]);
    // git reads HEAD's commit as its replacement: its tree lacks second.txt, which is then staged
    // although the index's cached tree is HEAD's own (a short cut that ignored the replacement
    // would count nothing staged).
    let head = git("replaced", &["rev-parse", "HEAD"]);
    let parent = git("replaced", &["rev-parse", "HEAD~1"]);
    git("replaced", &["replace", head.trim(), parent.trim()]);
    // A staged change after the commits were packed: the index's cached tree is stale.
    git("staged after repack", &["repack", "-a", "-d", "-q"]);
    fleet.write("staged after repack", "third.txt", "third\n");
    git("staged after repack", &["add", "third.txt"]);
    let (document, mismatches) = compare_with_git(&fleet);
    assert_eq!(names(&document).len(), 3);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    let staged = |name: &str| repo(&document, name)["staged"].as_u64();
    assert_eq!(staged("replaced"), Some(1), "{document}");
    assert_eq!(staged("staged after repack"), Some(1), "{document}");
}
