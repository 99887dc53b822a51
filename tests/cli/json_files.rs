//! JSON `files` means one thing for every command that writes: the list of repository-relative
//! paths the run changed (or would change), with `file_count` its length. For `sync`, the paths
//! its commit changed, read from the commit itself, as `git diff-tree --no-renames` lists them.

use std::os::unix::ffi::OsStrExt;

use serde_json::json;

use crate::fixture::{Fleet, repo};
use crate::license::repo_with;

/// The paths HEAD's commit changed in `name`, as git lists them (sorted, one per entry).
fn committed_by_git(fleet: &Fleet, name: &str) -> Vec<String> {
    let output = fleet.git_output(
        &fleet.path(name),
        &[
            "diff-tree",
            "-r",
            "--no-renames",
            "--name-only",
            "-z",
            "HEAD",
        ],
    );
    assert!(output.status.success(), "git diff-tree failed");
    let listed = String::from_utf8_lossy(&output.stdout);
    // The first field is the commit id.
    let mut paths: Vec<String> = listed
        .split('\0')
        .skip(1)
        .filter(|path| !path.is_empty())
        .map(str::to_owned)
        .collect();
    paths.sort();
    paths
}

#[test]
fn sync_lists_every_path_its_commit_changed_removed_renamed_nested_and_not_utf8() {
    let fleet = Fleet::new();
    fleet.add_repo("a");
    for file in ["old-name.txt", "gone.txt", "keep.txt"] {
        fleet.commit_file("a", file, &format!("{file}\n"), &format!("add {file}"));
    }
    let dir = fleet.path("a");
    std::fs::create_dir(dir.join("docs")).expect("mkdir docs");
    fleet.git(&dir, &["mv", "old-name.txt", "docs/new name.txt"]);
    std::fs::remove_file(dir.join("gone.txt")).expect("remove gone.txt");
    fleet.write("a", "keep.txt", "changed\n");
    fleet.write("a", "src/deep/new.rs", "fn main() {}\n");
    let odd = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    std::fs::write(dir.join(odd), "latin-1 name\n").expect("write a file");

    let document = fleet.json_exit(&["sync", "--no-push"], 0);

    let entry = repo(&document, "a");
    assert_eq!(entry["outcome"], "changed", "{entry}");
    let expected = json!([
        "caf\u{fffd}.txt",
        "docs/new name.txt",
        "gone.txt",
        "keep.txt",
        "old-name.txt",
        "src/deep/new.rs",
    ]);
    assert_eq!(entry["files"], expected, "{entry}");
    assert_eq!(entry["file_count"], 6);
    assert_eq!(entry["message"], "committed 6 files", "{entry}");
    // What git itself says the commit changed (its bytes decoded the same lossy way).
    let listed = committed_by_git(&fleet, "a");
    let mut shown: Vec<String> = entry["files"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|f| f.as_str().expect("a path").to_owned())
        .collect();
    shown.sort();
    assert_eq!(shown, listed);
}

#[test]
fn files_is_a_list_of_paths_for_sync_content_operations_and_undo_alike() {
    let fleet = Fleet::new();
    fleet.add_repo("synced");
    fleet.make_dirty("synced");
    repo_with(&fleet, "replaced", &[("ci.yml", b"name: old\n")]);
    let replacement = fleet.base.join("ci.yml");
    std::fs::write(&replacement, "name: new\n").expect("write the replacement");

    let dry = fleet.json_exit(&["sync", "-n", "-t", "synced"], 0);
    let dry = repo(&dry, "synced");
    assert_eq!(dry["files"], json!([]), "a dry run commits nothing: {dry}");
    assert_eq!(dry["file_count"], 0);

    let synced = fleet.json_exit(&["sync", "--no-push", "-t", "synced"], 0);
    let synced = repo(&synced, "synced");
    assert_eq!(synced["files"], json!(["README.md"]), "{synced}");
    assert_eq!(synced["file_count"], 1);

    let args = [
        "file-replace",
        "-t",
        "replaced",
        "--pattern",
        "ci.yml",
        "--replacement",
        replacement.to_str().expect("UTF-8"),
    ];
    let replaced = fleet.json_exit(&args, 0);
    let replaced = repo(&replaced, "replaced");
    assert_eq!(replaced["files"], json!(["ci.yml"]), "{replaced}");
    assert_eq!(replaced["file_count"], 1);

    // Undo of the content operation names the files it put back.
    let undone = fleet.json_exit(&["undo"], 0);
    let undone = repo(&undone, "replaced");
    assert_eq!(undone["outcome"], "changed", "{undone}");
    assert_eq!(undone["files"], json!(["ci.yml"]), "{undone}");
    assert_eq!(undone["file_count"], 1);
    // Undo of sync moves the branch back and leaves every file as it is: no files.
    let undone = fleet.json_exit(&["undo"], 0);
    let undone = repo(&undone, "synced");
    assert_eq!(undone["outcome"], "changed", "{undone}");
    assert_eq!(undone["files"], json!([]), "{undone}");
    assert_eq!(undone["file_count"], 0);
}
