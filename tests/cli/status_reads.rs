//! `status` as a reader must be: it runs no program that a repository's configuration names,
//! writes nothing (not even the index's stat cache), survives a corrupt repository, does not
//! depend on the number of workers, follows the exit codes of the contract, and shows a stale
//! `index.lock`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::fixture::{Fleet, names, repo};

/// Writes an executable script at `path` that creates `marker` and passes its input through.
fn marker_script(path: &Path, marker: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::write(
        path,
        format!("#!/bin/sh\ntouch '{}'\nexec cat\n", marker.display()),
    )
    .expect("write a script");
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod +x");
}

#[test]
fn reading_runs_no_program_the_repository_configuration_names() {
    let fleet = Fleet::new();
    fleet.add_repo("trap");
    // Committed before the driver exists, so git itself runs nothing while the trap is built.
    fleet.commit_file("trap", ".gitattributes", "* filter=evil\n", "attributes");
    let markers = fleet.base.join("markers");
    fs::create_dir(&markers).expect("mkdir");
    let mut config = Vec::new();
    for (key, script) in [
        ("core.fsmonitor", "fsmonitor"),
        ("filter.evil.clean", "clean"),
        ("filter.evil.smudge", "smudge"),
        ("filter.evil.process", "process"),
    ] {
        let path = fleet.base.join(format!("{script}.sh"));
        marker_script(&path, &markers.join(script));
        config.push((key, path));
    }
    for (key, path) in &config {
        fleet.git(
            &fleet.path("trap"),
            &["config", key, path.to_str().expect("UTF-8")],
        );
    }
    fleet.make_dirty("trap");
    let marked = || fs::read_dir(&markers).expect("read markers").count();
    assert_eq!(marked(), 0, "building the trap ran none of it");

    let document = fleet.json(&["status"]);
    let trap = repo(&document, "trap");
    assert_eq!(trap["outcome"], "unchanged", "{trap}");
    assert_eq!(trap["unstaged"], 1, "{trap}");
    let document = fleet.json(&["-w", "dirty", "list"]);
    assert_eq!(names(&document), ["trap"]);
    let ran: Vec<_> = fs::read_dir(&markers)
        .expect("read markers")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert!(ran.is_empty(), "git-batch ran {ran:?}");

    // The trap is armed: git itself runs these programs on the same repository.
    let _ = fleet.git_output(&fleet.path("trap"), &["status", "--porcelain"]);
    assert!(marked() > 0, "git status should have sprung the trap");
}

#[test]
fn a_corrupt_repository_fails_with_a_reason_and_the_others_still_show() {
    let fleet = Fleet::new();
    for name in ["bad head", "bad index", "fine", "zeta"] {
        fleet.add_repo(name);
    }
    // A worktree whose main repository is gone: its `.git` file points nowhere.
    fs::create_dir(fleet.path("broken gitfile")).expect("mkdir");
    fs::write(
        fleet.path("broken gitfile").join(".git"),
        "gitdir: /nonexistent/.git/worktrees/x\n",
    )
    .expect("write a gitfile");
    fs::write(fleet.path("bad head").join(".git/HEAD"), "garbage\n").expect("corrupt HEAD");
    fs::write(fleet.path("bad index").join(".git/index"), "DIRC garbage").expect("corrupt index");

    let output = fleet
        .cmd()
        .args(["status", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        names(&document),
        ["bad head", "bad index", "broken gitfile", "fine", "zeta"]
    );
    for name in ["bad head", "bad index", "broken gitfile"] {
        let entry = repo(&document, name);
        assert_eq!(entry["outcome"], "failed", "{entry}");
        assert!(
            entry["message"].as_str().is_some_and(|m| m.len() > 10),
            "a failure says why: {entry}"
        );
    }
    for name in ["fine", "zeta"] {
        assert_eq!(repo(&document, name)["state"], "clean");
    }
    assert_eq!(document["summary"]["failed"], 3);
    assert_eq!(document["summary"]["unchanged"], 2);

    let output = fleet
        .cmd()
        .args(["status", "--color", "never"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let failures = stdout
        .split("failures:")
        .nth(1)
        .expect("a failures section");
    assert!(failures.contains("✗ bad head: "), "{stdout}");
    assert!(failures.contains("✗ bad index: "), "{stdout}");
    assert!(stdout.contains("zeta"), "{stdout}");
}

/// Every file under `dir`: its bytes and modification time.
fn snapshot_files(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).expect("read a folder") {
            let entry = entry.expect("an entry");
            let meta = fs::symlink_metadata(entry.path()).expect("metadata");
            if meta.is_dir() {
                pending.push(entry.path());
            } else {
                let bytes = fs::read(entry.path()).unwrap_or_default();
                files.insert(entry.path(), (bytes, meta.modified().expect("mtime")));
            }
        }
    }
    files
}

#[test]
fn status_writes_nothing_not_even_the_index_stat_cache() {
    let fleet = Fleet::new();
    fleet.add_repo("touched");
    fleet.add_untracked("touched");
    // Same content, newer mtime: git would refresh the index's stat data and write it back.
    let readme = fs::File::options()
        .append(true)
        .open(fleet.path("touched").join("README.md"))
        .expect("open README.md");
    readme
        .set_modified(SystemTime::now() + Duration::from_secs(5))
        .expect("touch README.md");
    drop(readme);
    let repo_dir = fleet.path("touched");
    let index_before = fs::metadata(repo_dir.join(".git/index")).expect("index");
    let before = snapshot_files(&repo_dir);

    fleet.cmd().arg("status").assert().success();
    fleet
        .cmd()
        .args(["status", "--format", "json"])
        .assert()
        .success();
    fleet.cmd().args(["-w", "dirty", "list"]).assert().success();

    let index_after = fs::metadata(repo_dir.join(".git/index")).expect("index");
    assert_eq!(
        index_before.modified().expect("mtime"),
        index_after.modified().expect("mtime"),
        "the index was rewritten"
    );
    let after = snapshot_files(&repo_dir);
    let changed: Vec<_> = after
        .iter()
        .filter(|(path, state)| before.get(*path) != Some(state))
        .map(|(path, _)| path)
        .chain(before.keys().filter(|path| !after.contains_key(*path)))
        .collect();
    assert!(changed.is_empty(), "status changed {changed:?}");
}

/// A status document with every `duration_ms` removed.
fn without_durations(mut document: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.remove("duration_ms");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut document);
    document
}

#[test]
fn one_worker_and_eight_give_the_same_document() {
    let fleet = Fleet::new();
    for i in 0..16 {
        let name = format!("repo {i:02}");
        fleet.add_repo_without_remote(&name);
        match i % 4 {
            0 => fleet.make_dirty(&name),
            1 => fleet.add_untracked_folder(&name),
            2 => fleet.detach(&name),
            _ => {}
        }
    }
    let serial = without_durations(fleet.json(&["status", "-j1"]));
    let parallel = without_durations(fleet.json(&["status", "-j8"]));
    assert_eq!(serial["repos"].as_array().map(Vec::len), Some(16));
    assert_eq!(serial, parallel);
}

#[test]
fn status_exit_codes_follow_the_contract() {
    let fleet = Fleet::new();
    fleet.add_repo("alpha");
    fleet.add_repo("beta");
    fleet.make_dirty("beta");
    // Dirty is a state, not a failure.
    fleet.cmd().arg("status").assert().code(0);
    fleet
        .cmd()
        .args(["status", "--bogus-flag"])
        .assert()
        .code(2);
    fleet
        .cmd()
        .args(["status", "--shard", "0/4"])
        .assert()
        .code(2);
    fleet.cmd().args(["status", "-j", "0"]).assert().code(2);
    fleet
        .cmd()
        .args(["status", "--format", "yaml"])
        .assert()
        .code(2);
    fleet.cmd().arg("--help").assert().code(0);
    fs::write(fleet.path("alpha").join(".git/HEAD"), "garbage\n").expect("corrupt HEAD");
    fleet.cmd().arg("status").assert().code(1);
}

#[test]
fn a_stale_index_lock_is_shown_not_hidden_behind_clean() {
    let fleet = Fleet::new();
    fleet.add_repo("locked");
    fleet.add_repo("fine");
    fleet.lock_index("locked");

    let document = fleet.json(&["status"]);
    assert_eq!(repo(&document, "locked")["state"], "clean");
    assert_eq!(repo(&document, "locked")["locked"], true);
    assert_eq!(repo(&document, "fine")["locked"], false);

    let output = fleet
        .cmd()
        .args(["status", "-q", "--color", "never"])
        .output()
        .expect("run");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(stdout.contains("clean (index.lock)"), "{stdout}");
    assert!(
        !stdout.contains("fine"),
        "-q shows only what needs attention: {stdout}"
    );
}

/// Whether the index of the repository at `dir` carries git's cache of tree ids (the TREE
/// extension, written by `git commit`, `git write-tree` and `git read-tree`).
fn has_cached_trees(dir: &Path) -> bool {
    let index = fs::read(dir.join(".git/index")).expect("read the index");
    index.windows(4).any(|window| window == b"TREE")
}

#[test]
fn staged_changes_count_whatever_tree_the_index_caches() {
    let fleet = Fleet::new();
    for name in ["clean", "head moved back", "tree written", "added"] {
        fleet.add_repo(name);
    }
    // HEAD goes back one commit and the index stays: it still caches the later commit's tree,
    // valid, but not HEAD's. The later commit's file is staged.
    fleet.commit_file("head moved back", "later.txt", "later\n", "a later commit");
    fleet.git(
        &fleet.path("head moved back"),
        &["reset", "-q", "--soft", "HEAD^"],
    );
    // A change staged, then the cached trees brought up to date: valid, and not HEAD's tree.
    fleet.make_dirty("tree written");
    let dir = fleet.path("tree written");
    fleet.git(&dir, &["add", "README.md"]);
    fleet.git(&dir, &["write-tree"]);
    // A new file staged: `git add` drops the cached root tree.
    fleet.stage("added");
    for name in ["clean", "head moved back", "tree written", "added"] {
        assert!(
            has_cached_trees(&fleet.path(name)),
            "{name}: TREE extension"
        );
    }

    let document = fleet.json(&["status"]);
    for (name, staged, state) in [
        ("clean", 0, "clean"),
        ("head moved back", 1, "dirty"),
        ("tree written", 1, "dirty"),
        ("added", 1, "dirty"),
    ] {
        let entry = repo(&document, name);
        assert_eq!(entry["staged"], staged, "{name}: {entry}");
        assert_eq!(entry["unstaged"], 0, "{name}: {entry}");
        assert_eq!(entry["state"], state, "{name}: {entry}");
        let porcelain = fleet.git(&fleet.path(name), &["status", "--porcelain"]);
        assert_eq!(porcelain.lines().count(), staged, "{name}: git agrees");
    }
}
