//! `clone`: a fleet from `owner/name`s joined to a local `--base-url`, URLs and a `--list`
//! file, in parallel; what is there already is left alone; a clone that fails or is stopped
//! leaves no folder behind.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::fixture::{Fleet, repo};
use crate::observe::FolderImage;

/// A bare repository at `REMOTES/path` with one commit on `main`.
pub(crate) fn bare_remote(fleet: &Fleet, path: &str) -> PathBuf {
    let bare = fleet.remotes.join(path);
    fleet.git(
        &fleet.base,
        &[
            OsStr::new("init"),
            OsStr::new("-q"),
            OsStr::new("--bare"),
            bare.as_os_str(),
        ],
    );
    let work = fleet.scratch.join(path.replace('/', "__"));
    fleet.git(
        &fleet.base,
        &[
            OsStr::new("clone"),
            OsStr::new("-q"),
            bare.as_os_str(),
            work.as_os_str(),
        ],
    );
    fs::write(work.join("README.md"), format!("# {path}\n")).expect("write");
    fleet.git(&work, &["add", "README.md"]);
    fleet.git(&work, &["commit", "-q", "-m", "first"]);
    fleet.git(&work, &["push", "-q", "origin", "main"]);
    bare
}

fn outcome(document: &Value, name: &str) -> String {
    repo(document, name)["outcome"]
        .as_str()
        .expect("an outcome")
        .to_owned()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read the root")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn a_fleet_is_cloned_and_what_is_there_is_left_alone() {
    let fleet = Fleet::new();
    bare_remote(&fleet, "team/api.git");
    bare_remote(&fleet, "team/web.git");
    let tool = bare_remote(&fleet, "elsewhere/tool.git");
    bare_remote(&fleet, "team/present.git");
    fleet.add_repo("present");
    fs::create_dir_all(fleet.root.join("notes")).expect("mkdir");
    fs::write(fleet.root.join("notes/keep.txt"), "mine\n").expect("write");
    bare_remote(&fleet, "team/notes.git");
    let list = fleet.base.join("fleet.txt");
    fs::write(
        &list,
        format!(
            "# the team's repositories\nteam/api\n\nteam/web\n{}\nteam/present\nteam/notes\n\
             team/missing\n",
            tool.display()
        ),
    )
    .expect("write the list");
    let base_url = fleet.remotes.to_str().expect("UTF-8").to_owned();

    let document = fleet.json_exit(
        &[
            "clone",
            "--list",
            list.to_str().expect("UTF-8"),
            "--base-url",
            &base_url,
        ],
        1,
    );
    assert_eq!(outcome(&document, "api"), "changed", "{document:#}");
    assert_eq!(outcome(&document, "web"), "changed");
    assert_eq!(outcome(&document, "tool"), "changed");
    assert_eq!(outcome(&document, "present"), "unchanged");
    assert_eq!(outcome(&document, "notes"), "skipped");
    assert_eq!(outcome(&document, "missing"), "failed");
    assert_eq!(
        fs::read_to_string(fleet.root.join("notes/keep.txt")).expect("read"),
        "mine\n",
        "a folder in the way is never touched"
    );
    assert_eq!(
        entries(&fleet.root),
        ["api", "notes", "present", "tool", "web"],
        "no half folder for the failed clone"
    );
    assert_eq!(
        fs::read_to_string(fleet.root.join("api/README.md")).expect("read"),
        "# team/api.git\n"
    );
    // The clones are ordinary repositories with their upstream set: status reads them.
    let status = fleet.json(&["status"]);
    assert_eq!(repo(&status, "api")["upstream"], "origin/main");
    assert_eq!(repo(&status, "api")["state"], "clean");

    // Again: everything is there now.
    let again = fleet.json_exit(
        &["clone", "team/api", "team/web", "--base-url", &base_url],
        0,
    );
    assert_eq!(again["summary"]["unchanged"], 2);
}

#[test]
fn bad_requests_are_usage_errors_and_a_dry_run_writes_nothing() {
    let fleet = Fleet::new();
    bare_remote(&fleet, "team/api.git");
    let base_url = fleet.remotes.to_str().expect("UTF-8").to_owned();
    for args in [
        &["clone"][..],
        &["clone", "a/x", "b/x"],
        &["clone", "--list", "/nonexistent/list.txt"],
        &["clone", "https://host/.."],
    ] {
        fleet.cmd().args(args).assert().code(2);
    }
    let image = FolderImage::of(&fleet.base);
    let dry = fleet.json_exit(&["clone", "-n", "team/api", "--base-url", &base_url], 0);
    assert_eq!(outcome(&dry, "api"), "changed");
    assert!(image.changes(&FolderImage::of(&fleet.base)).is_empty());
    assert!(!fleet.root.join("api").exists());
}

#[test]
fn a_clone_stopped_by_the_timeout_leaves_no_folder() {
    let fleet = Fleet::new();
    bare_remote(&fleet, "team/slow.git");
    // The remote's side of a clone hangs: git runs this instead of pack-objects.
    let sleeper = fleet.base.join("sleeper.sh");
    fs::write(&sleeper, "#!/bin/sh\nsleep 30\n").expect("write");
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&sleeper, fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut config = fs::read_to_string(fleet.home.join(".gitconfig")).expect("read");
    config.push_str(&format!(
        "[uploadpack]\n\tpackObjectsHook = {}\n",
        sleeper.display()
    ));
    fs::write(fleet.home.join(".gitconfig"), config).expect("write");
    // Through the file:// transport (a plain path would hard-link the objects instead).
    let url = format!("file://{}", fleet.remotes.join("team/slow.git").display());

    let start = std::time::Instant::now();
    let document = fleet.json_exit(&["--timeout", "2", "clone", &url], 1);
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(outcome(&document, "slow"), "failed");
    assert!(
        repo(&document, "slow")["message"]
            .to_string()
            .contains("timed out"),
        "{document:#}"
    );
    assert!(
        entries(&fleet.root).is_empty(),
        "{:?}",
        entries(&fleet.root)
    );
}
