//! `file-replace` on real repositories: plain paths and globs over tracked files, modes kept,
//! `--create` and `--to`, usage errors, `--check`, dry runs, line endings git converts, and
//! undo. Where it may write and what it may read (links, case, `.git`, fifos) are in
//! `replace_paths`, which shares the helpers here.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use serde_json::Value;

use crate::fixture::{Fleet, repo};
use crate::license::repo_with;
use crate::observe::{FolderImage, UserState};

pub const CI: &str = "name: ci\non: [push]\njobs: {}\n";

pub fn outcome(document: &Value, name: &str) -> String {
    repo(document, name)["outcome"]
        .as_str()
        .expect("an outcome")
        .to_owned()
}

fn files(document: &Value, name: &str) -> Vec<String> {
    repo(document, name)["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .map(|f| f.as_str().expect("a path").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The replacement file, outside every repository.
pub fn replacement(fleet: &Fleet, content: &str) -> PathBuf {
    let path = fleet.base.join("ci.yml");
    fs::write(&path, content).expect("write the replacement");
    path
}

fn mode(fleet: &Fleet, name: &str, file: &str) -> u32 {
    fs::metadata(fleet.path(name).join(file))
        .expect("stat")
        .permissions()
        .mode()
        & 0o777
}

pub fn read(fleet: &Fleet, name: &str, file: &str) -> String {
    fs::read_to_string(fleet.path(name).join(file)).expect("read")
}

#[test]
fn a_plain_path_is_replaced_created_or_left_alone() {
    let fleet = Fleet::new();
    let new = replacement(&fleet, CI);
    let path = ".github/workflows/ci.yml";
    repo_with(
        &fleet,
        "old",
        &[(path, b"name: old\n"), ("run.sh", b"#!/bin/sh\n")],
    );
    repo_with(&fleet, "same", &[(path, CI.as_bytes())]);
    fleet.add_repo("missing");
    fs::set_permissions(
        fleet.path("old").join("run.sh"),
        fs::Permissions::from_mode(0o755),
    )
    .expect("chmod");
    fleet.git(&fleet.path("old"), &["commit", "-q", "-am", "exec"]);
    let args = [
        "file-replace",
        "--pattern",
        path,
        "--replacement",
        new.to_str().expect("UTF-8"),
    ];

    let run = fleet.json_exit(&args, 0);
    assert_eq!(outcome(&run, "old"), "changed", "{run}");
    assert_eq!(files(&run, "old"), [path]);
    assert_eq!(read(&fleet, "old", path), CI);
    assert_eq!(
        outcome(&run, "same"),
        "unchanged",
        "an identical file is unchanged"
    );
    assert_eq!(outcome(&run, "missing"), "unchanged");
    assert!(!fleet.path("missing").join(".github").exists());
    assert_eq!(
        fleet.git(&fleet.path("old"), &["log", "-1", "--format=%s"]),
        format!("chore: update {path}\n")
    );

    let mut create = args.to_vec();
    create.push("--create");
    let run = fleet.json_exit(&create, 0);
    assert_eq!(outcome(&run, "missing"), "changed");
    assert_eq!(read(&fleet, "missing", path), CI);
    assert!(
        !UserState::of(&fleet, "missing").is_dirty(),
        "created and committed"
    );

    // The mode of the replaced file is kept: an executable stays executable.
    let script = fleet.base.join("run.sh");
    fs::write(&script, "#!/bin/sh\necho new\n").expect("write");
    fleet.json_exit(
        &[
            "-t",
            "old",
            "file-replace",
            "--pattern",
            "run.sh",
            "--replacement",
            script.to_str().expect("UTF-8"),
        ],
        0,
    );
    assert_eq!(read(&fleet, "old", "run.sh"), "#!/bin/sh\necho new\n");
    assert_eq!(mode(&fleet, "old", "run.sh"), 0o755);
    let index = fleet.git(&fleet.path("old"), &["ls-files", "-s", "run.sh"]);
    assert!(index.starts_with("100755"), "{index}");
}

#[test]
fn a_glob_matches_tracked_files_only() {
    let fleet = Fleet::new();
    let new = replacement(&fleet, CI);
    repo_with(
        &fleet,
        "app",
        &[
            (".github/workflows/a.yml", b"a\n"),
            (".github/workflows/b.yml", b"b\n"),
            (".github/workflows/nested/c.yml", b"c\n"),
            (".github/workflows/notes.md", b"notes\n"),
        ],
    );
    fleet.write("app", ".github/workflows/untracked.yml", "mine\n");
    let run = fleet.json_exit(
        &[
            "file-replace",
            "--pattern",
            ".github/workflows/*.yml",
            "--replacement",
            new.to_str().expect("UTF-8"),
        ],
        0,
    );
    assert_eq!(
        files(&run, "app"),
        [".github/workflows/a.yml", ".github/workflows/b.yml"]
    );
    assert_eq!(read(&fleet, "app", ".github/workflows/nested/c.yml"), "c\n");
    assert_eq!(
        read(&fleet, "app", ".github/workflows/untracked.yml"),
        "mine\n"
    );
    assert_eq!(read(&fleet, "app", ".github/workflows/notes.md"), "notes\n");
}

#[test]
fn bad_patterns_and_missing_replacements_are_usage_errors() {
    let fleet = Fleet::new();
    repo_with(&fleet, "app", &[("a.txt", b"a\n")]);
    let new = replacement(&fleet, CI);
    let new = new.to_str().expect("UTF-8");
    let image = FolderImage::of(&fleet.base);
    for args in [
        &["--pattern", "/etc/passwd", "--replacement", new][..],
        &["--pattern", "../other/a.txt", "--replacement", new],
        &["--pattern", "a/../../b", "--replacement", new],
        &[
            "--pattern",
            "a.txt",
            "--replacement",
            "/nonexistent/replacement",
        ],
        &["--pattern", "a.txt", "--replacement", "/"],
        &["--pattern", "*.txt", "--to", "b.txt", "--replacement", new],
        &[
            "--pattern",
            "a.txt",
            "--to",
            "../b.txt",
            "--replacement",
            new,
        ],
    ] {
        let mut full = vec!["file-replace"];
        full.extend_from_slice(args);
        let output = fleet.cmd().args(&full).output().expect("run");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?} says why");
    }
    assert!(image.changes(&FolderImage::of(&fleet.base)).is_empty());
}

#[test]
fn to_moves_the_file_as_it_replaces_it() {
    let fleet = Fleet::new();
    let new = replacement(&fleet, CI);
    repo_with(&fleet, "app", &[(".github/workflows/old-ci.yml", b"old\n")]);
    let run = fleet.json_exit(
        &[
            "file-replace",
            "--pattern",
            ".github/workflows/old-ci.yml",
            "--to",
            ".github/workflows/ci.yml",
            "--replacement",
            new.to_str().expect("UTF-8"),
        ],
        0,
    );
    assert_eq!(
        files(&run, "app"),
        [".github/workflows/ci.yml", ".github/workflows/old-ci.yml"]
    );
    let dir = fleet.path("app");
    assert!(!dir.join(".github/workflows/old-ci.yml").exists());
    assert_eq!(read(&fleet, "app", ".github/workflows/ci.yml"), CI);
    let tracked = fleet.git(&dir, &["ls-files"]);
    assert_eq!(tracked, ".github/workflows/ci.yml\nREADME.md\n");
    assert!(!UserState::of(&fleet, "app").is_dirty());
}

#[test]
fn check_dry_run_and_undo() {
    let fleet = Fleet::new();
    let new = replacement(&fleet, CI);
    let new = new.to_str().expect("UTF-8");
    repo_with(&fleet, "app", &[("ci.yml", b"old\n")]);
    fleet.write("app", "untracked-ci.yml", "x\n");
    fleet.write("app", "README.md", "edited README\n");
    fleet.add_untracked("app");
    let before = UserState::of(&fleet, "app");
    let base = ["file-replace", "--pattern", "ci.yml", "--replacement", new];

    let mut check = base.to_vec();
    check.push("--check");
    let found = fleet.json_exit(&check, 1);
    assert_eq!(files(&found, "app"), ["ci.yml"]);
    let image = FolderImage::of(&fleet.base);
    let mut dry = base.to_vec();
    dry.push("-n");
    let dry_run = fleet.json_exit(&dry, 0);
    assert_eq!(outcome(&dry_run, "app"), "changed");
    assert!(image.changes(&FolderImage::of(&fleet.base)).is_empty());

    fleet.json_exit(&base, 0);
    fleet.json_exit(&check, 0);
    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "changed", "{undone}");
    assert_eq!(UserState::of(&fleet, "app"), before);
    fleet.json_exit(&check, 1);
}

/// A file checked out with CRLF line endings, as git does under `config` (for `core.autocrlf`)
/// or with the `.gitattributes` of the commit.
fn crlf_checkout(fleet: &Fleet, name: &str, config: &[(&str, &str)], attributes: &str) {
    let mut files: Vec<(&str, &[u8])> = vec![("ci.yml", CI.as_bytes())];
    if !attributes.is_empty() {
        files.push((".gitattributes", attributes.as_bytes()));
    }
    repo_with(fleet, name, &files);
    let dir = fleet.path(name);
    for (key, value) in config {
        fleet.git(&dir, &["config", key, value]);
    }
    fs::remove_file(dir.join("ci.yml")).expect("remove");
    fleet.git(&dir, &["checkout", "--", "ci.yml"]);
    assert_eq!(
        read(fleet, name, "ci.yml"),
        CI.replace('\n', "\r\n"),
        "git checked {name}'s ci.yml out with CRLF"
    );
}

#[test]
fn a_file_git_stores_as_the_template_is_no_drift_where_git_converts_line_endings() {
    let fleet = Fleet::new();
    let new = replacement(&fleet, CI);
    let new = new.to_str().expect("UTF-8");
    crlf_checkout(&fleet, "autocrlf", &[("core.autocrlf", "true")], "");
    crlf_checkout(&fleet, "eol", &[], "*.yml text eol=crlf\n");
    let heads = [fleet.head("autocrlf"), fleet.head("eol")];
    let base = ["file-replace", "--pattern", "ci.yml", "--replacement", new];
    for extra in [&["--check"][..], &["-n"], &[]] {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let run = fleet.json_exit(&args, 0);
        for name in ["autocrlf", "eol"] {
            assert_eq!(outcome(&run, name), "unchanged", "{extra:?}: {run}");
        }
    }
    let dir = fleet.path("eol");
    let policy = format!(
        "[policy]\nlicense = \"MIT\"\n\n[[policy.files]]\npath = \"ci.yml\"\ntemplate = \"{new}\"\n"
    );
    fs::write(dir.join(".git-batch.toml"), policy).expect("write a policy");
    let output = fleet
        .cmd_in(&dir)
        .args(["-t", ".", "--color", "never", "check"])
        .output()
        .expect("run");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(!shown.contains("ci.yml"), "no drift reported: {shown}");
    assert!(shown.contains("1 in line"), "{shown}");
    assert_eq!([fleet.head("autocrlf"), fleet.head("eol")], heads);
}

#[test]
fn dry_runs_run_nothing_of_the_repository_and_leave_its_index_alone() {
    use crate::observe::{Markers, change_in_place};
    let fleet = Fleet::new();
    let markers = Markers::new(&fleet);
    let new = replacement(&fleet, CI);
    let new = new.to_str().expect("UTF-8");
    // Every `.txt` through a filter driver; an edited one whose stored form only the driver
    // can tell.
    repo_with(
        &fleet,
        "filtered",
        &[
            (".gitattributes", b"*.txt filter=evil\n"),
            ("a.txt", b"// SPDX-License-Identifier: MIT\n"),
        ],
    );
    // A file whose bytes differ from the index only by git's line-ending conversion.
    crlf_checkout(&fleet, "crlf", &[("core.autocrlf", "true")], "");
    for name in ["filtered", "crlf"] {
        let dir = fleet.path(name);
        for (key, script) in [
            ("core.fsmonitor", "fsmonitor"),
            ("filter.evil.clean", "clean"),
            ("filter.evil.smudge", "smudge"),
        ] {
            let path = markers.script(&format!("{name}-{script}"));
            fleet.git(&dir, &["config", key, path.to_str().expect("UTF-8")]);
        }
    }
    change_in_place(&fleet.path("filtered").join("a.txt"));
    // Stale stat data in the index, which a `git diff` would refresh and write.
    let touched = std::process::Command::new("touch")
        .args(["-d", "2001-01-01 00:00:00"])
        .arg(fleet.path("crlf").join("ci.yml"))
        .status()
        .expect("touch");
    assert!(touched.success());
    let index = |name: &str| {
        let path = fleet.path(name).join(".git/index");
        let modified = fs::metadata(&path)
            .and_then(|meta| meta.modified())
            .expect("the index's date");
        (fs::read(&path).expect("read the index"), modified)
    };
    let before = [index("filtered"), index("crlf")];
    let image = FolderImage::of(&fleet.root);
    assert_eq!(markers.ran(), Vec::<String>::new(), "building ran none");

    let replaced = fleet.json_exit(
        &[
            "file-replace",
            "-n",
            "--pattern",
            "a.txt",
            "--replacement",
            new,
        ],
        0,
    );
    let message = repo(&replaced, "filtered")["message"].to_string();
    assert_eq!(outcome(&replaced, "filtered"), "skipped", "{replaced}");
    assert!(
        message.contains("cannot tell") && message.contains("evil"),
        "{message}"
    );
    let replaced = fleet.json_exit(
        &[
            "file-replace",
            "-n",
            "--pattern",
            "ci.yml",
            "--replacement",
            new,
        ],
        0,
    );
    assert_eq!(outcome(&replaced, "crlf"), "unchanged", "{replaced}");
    let changed = replacement(&fleet, "name: other\n");
    let replaced = fleet.json_exit(
        &[
            "file-replace",
            "-n",
            "--pattern",
            "ci.yml",
            "--replacement",
            changed.to_str().expect("UTF-8"),
        ],
        0,
    );
    assert_eq!(outcome(&replaced, "crlf"), "changed", "{replaced}");
    let licensed = fleet.json_exit(
        &[
            "license-update",
            "-n",
            "--ids-only",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
        ],
        0,
    );
    assert_eq!(outcome(&licensed, "filtered"), "skipped", "{licensed}");

    assert_eq!(markers.ran(), Vec::<String>::new(), "a dry run ran them");
    assert!(image.changes(&FolderImage::of(&fleet.root)).is_empty());
    assert!(
        [index("filtered"), index("crlf")] == before,
        "a dry run wrote an index"
    );
    // The trap is armed: git itself runs them.
    let _ = fleet.git_output(&fleet.path("filtered"), &["diff", "--quiet", "HEAD"]);
    assert!(
        !markers.ran().is_empty(),
        "git diff should have sprung the trap"
    );
}
