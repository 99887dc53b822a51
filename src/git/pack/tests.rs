//! A commit made in process writes one pack and its index (none loose), which git reads and
//! checks; two objects stay loose; a pack that cannot be moved into place leaves nothing behind.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{PACK_FROM, in_pack_order, pack_data, persist, staging};
use crate::git::commit::{Made, commit_files, plan};
use crate::git::testing::{git, written};

/// A repository with one commit (made by git) of a few files in folders.
fn repository() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = temp.path().canonicalize().expect("canonical");
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["config", "user.name", "Jane Doe"]);
    git(&dir, &["config", "user.email", "jane@example.com"]);
    for (path, content) in [
        ("README.md", "hello\n"),
        ("LICENSE", "MIT\n"),
        ("src/lib.rs", "// MIT\n"),
        ("src/deep/mod.rs", "// MIT\n"),
    ] {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, content).expect("write");
    }
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "first"]);
    (temp, dir)
}

/// Every file under `.git/objects`, relative to it.
fn object_files(dir: &Path) -> BTreeSet<String> {
    let root = dir.join(".git/objects");
    walkdir::WalkDir::new(&root)
        .into_iter()
        .map(|entry| entry.expect("walk"))
        .filter(|entry| !entry.file_type().is_dir())
        .map(|entry| {
            let relative = entry.path().strip_prefix(&root).expect("under objects");
            relative.to_string_lossy().into_owned()
        })
        .collect()
}

/// Writes `files` in the working tree and commits them in process.
fn commit(dir: &Path, files: &[(&str, Option<&str>)]) -> Made {
    for (path, content) in files {
        match content {
            Some(content) => fs::write(dir.join(path), content).expect("write"),
            None => fs::remove_file(dir.join(path)).expect("rm"),
        }
    }
    let repo = crate::git::open(dir).expect("open");
    let head = repo.head_id().ok().map(|id| id.detach());
    let plan = plan(&repo, "relicense", &|_: &str| None).expect("eligible");
    commit_files(&repo, &plan, head, &written(files)).expect("committed")
}

fn assert_git_finds_nothing_wrong(dir: &Path) {
    let fsck = Command::new("git")
        .args(["fsck", "--strict", "--no-dangling", "--no-progress"])
        .current_dir(dir)
        .output()
        .expect("fsck");
    assert!(
        fsck.status.success() && fsck.stdout.is_empty() && fsck.stderr.is_empty(),
        "{fsck:?}"
    );
}

#[test]
fn an_in_process_commit_adds_one_pack_and_no_loose_object() {
    let (_temp, dir) = repository();
    let before = object_files(&dir);
    let made = commit(
        &dir,
        &[
            ("LICENSE", Some("Apache-2.0\n")),
            ("src/lib.rs", Some("// Apache-2.0\n")),
            ("src/deep/mod.rs", Some("// Apache-2.0 \n")),
        ],
    );
    let Made::Committed { id, files: 3 } = made else {
        panic!("not committed: {made:?}");
    };
    let after = object_files(&dir);
    let added: Vec<&String> = after.difference(&before).collect();
    assert_eq!(added.len(), 2, "{added:?}");
    let idx = added
        .iter()
        .find(|name| name.ends_with(".idx"))
        .expect("an index");
    let pack = idx.replace(".idx", ".pack");
    assert!(
        idx.starts_with("pack/pack-") && added.contains(&&pack),
        "{added:?}"
    );
    assert!(before.is_subset(&after), "nothing removed");
    // Three blobs, three trees (the root, src, src/deep) and the commit.
    let verified = git(&dir, &["verify-pack", "-v", &format!(".git/objects/{idx}")]);
    assert!(verified.contains(&format!("{id} commit")), "{verified}");
    assert!(verified.contains("non delta: 7 objects"), "{verified}");
    assert_eq!(git(&dir, &["rev-parse", "HEAD"]).trim(), id.to_string());
    // `status` reads HEAD's tree straight from the pack index.
    let repo = crate::git::open(&dir).expect("open");
    let tree = crate::git::commit_tree::tree_of_commit(&repo, &id).expect("read from the pack");
    assert_eq!(
        git(&dir, &["rev-parse", "HEAD^{tree}"]).trim(),
        tree.to_string()
    );
    assert_eq!(
        git(&dir, &["show", "HEAD:src/deep/mod.rs"]),
        "// Apache-2.0 \n"
    );
    assert_git_finds_nothing_wrong(&dir);
}

#[test]
fn fewer_objects_than_a_pack_is_worth_stay_loose() {
    let (_temp, dir) = repository();
    let before = object_files(&dir);
    // A file removed at the top: a tree and a commit.
    let made = commit(&dir, &[("README.md", None)]);
    assert!(matches!(made, Made::Committed { files: 1, .. }), "{made:?}");
    let added: Vec<String> = object_files(&dir).difference(&before).cloned().collect();
    assert_eq!(added.len(), PACK_FROM - 1, "{added:?}");
    assert!(
        added.iter().all(|name| !name.starts_with("pack/")),
        "{added:?}"
    );
    assert_git_finds_nothing_wrong(&dir);
}

#[test]
fn a_pack_that_cannot_be_moved_into_place_leaves_nothing_behind() {
    let (_temp, dir) = repository();
    let repo = crate::git::open(&dir).expect("open");
    let blobs: [&[u8]; 3] = [b"one\n", b"two\n", b"three\n"];
    // The name the pack of these three blobs gets, taken by a folder where its index goes.
    let first = staging(&repo);
    for blob in blobs {
        first.write_blob(blob).expect("in memory");
    }
    let mut memory = first.objects.reset_object_memory().expect("memory");
    let objects = in_pack_order(std::mem::take(&mut *memory));
    let (_, name) = pack_data(&objects, repo.object_hash()).expect("pack");
    let taken = dir.join(format!(".git/objects/pack/pack-{name}.idx"));
    fs::create_dir_all(taken.join("in-the-way")).expect("mkdir");
    let before = object_files(&dir);

    let staged = staging(&repo);
    for blob in blobs {
        staged.write_blob(blob).expect("in memory");
    }
    let err = persist(&staged).expect_err("cannot be moved into place");
    assert!(err.contains("cannot move a pack into place"), "{err}");
    assert_eq!(object_files(&dir), before, "no pack, no temporary file");
}
