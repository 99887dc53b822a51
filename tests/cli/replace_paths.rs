//! Where `file-replace` may write and what it may read: symbolic links are never followed, an
//! untracked file in the way and a name differing from a tracked one only in case are not
//! written over, nothing is written inside a `.git` folder or another repository, and a fifo, a
//! link to a device or a license file over the size cap is never read.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use crate::fixture::{Fleet, repo};
use crate::license::repo_with;
use crate::observe::FolderImage;
use crate::replace::{CI, outcome, read, replacement};

#[test]
fn symbolic_links_are_never_followed() {
    let fleet = Fleet::new();
    let new = replacement(&fleet, CI);
    let outside = fleet.base.join("outside");
    fs::create_dir_all(&outside).expect("mkdir");
    fs::write(outside.join("ci.yml"), "outside\n").expect("write");
    // A tracked symbolic link at the path.
    repo_with(&fleet, "linked", &[("keep.txt", b"k\n")]);
    std::os::unix::fs::symlink(outside.join("ci.yml"), fleet.path("linked").join("ci.yml"))
        .expect("symlink");
    fleet.git(&fleet.path("linked"), &["add", "ci.yml"]);
    fleet.git(&fleet.path("linked"), &["commit", "-q", "-m", "link"]);
    // A folder on the way that is a symbolic link (untracked), with --create.
    repo_with(&fleet, "via", &[("keep.txt", b"k\n")]);
    std::os::unix::fs::symlink(&outside, fleet.path("via").join(".github")).expect("symlink");
    let image = FolderImage::of(&outside);
    let new = new.to_str().expect("UTF-8");

    let run = fleet.json_exit(
        &[
            "-t",
            "linked",
            "file-replace",
            "--pattern",
            "ci.yml",
            "--replacement",
            new,
        ],
        0,
    );
    assert_eq!(outcome(&run, "linked"), "skipped");
    assert!(
        repo(&run, "linked")["message"]
            .to_string()
            .contains("symbolic link")
    );
    let run = fleet.json_exit(
        &[
            "-t",
            "via",
            "file-replace",
            "--pattern",
            ".github/ci.yml",
            "--replacement",
            new,
            "--create",
        ],
        0,
    );
    assert_eq!(outcome(&run, "via"), "skipped", "{run}");
    assert!(
        repo(&run, "via")["message"]
            .to_string()
            .contains("symbolic link")
    );
    assert!(
        image.changes(&FolderImage::of(&outside)).is_empty(),
        "nothing written outside"
    );
}

#[test]
fn an_untracked_file_in_the_way_is_not_overwritten() {
    let fleet = Fleet::new();
    let new = replacement(&fleet, CI);
    fleet.add_repo("app");
    fleet.write("app", "ci.yml", "my own, untracked\n");
    let run = fleet.json_exit(
        &[
            "file-replace",
            "--pattern",
            "ci.yml",
            "--replacement",
            new.to_str().expect("UTF-8"),
            "--create",
        ],
        0,
    );
    assert_eq!(outcome(&run, "app"), "skipped");
    assert!(
        repo(&run, "app")["message"]
            .to_string()
            .contains("not tracked")
    );
    assert_eq!(read(&fleet, "app", "ci.yml"), "my own, untracked\n");
}

#[test]
fn a_file_that_would_differ_from_a_tracked_one_only_in_case_is_not_created() {
    // `ci.yml` beside a tracked `CI.yml` (or under `.GitHub/`) is two files for git and one on a
    // macOS or Windows checkout: the repository is skipped, with the reason, and left alone.
    let fleet = Fleet::new();
    let new = replacement(&fleet, CI);
    repo_with(
        &fleet,
        "upper",
        &[(".github/workflows/CI.yml", b"name: old\n")],
    );
    repo_with(&fleet, "folder", &[(".GitHub/workflows/other.yml", b"x\n")]);
    repo_with(
        &fleet,
        "moved",
        &[(".github/workflows/CI.yml", b"name: old\n")],
    );
    fleet.add_repo("fresh");
    let head_before = fleet.head("upper");
    let document = fleet.json(&[
        "-t",
        "upper,folder,fresh",
        "file-replace",
        "--pattern",
        ".github/workflows/ci.yml",
        "--replacement",
        new.to_str().expect("UTF-8"),
        "--create",
    ]);
    for (name, clash) in [
        ("upper", ".github/workflows/CI.yml"),
        ("folder", ".GitHub/workflows/other.yml"),
    ] {
        assert_eq!(outcome(&document, name), "skipped", "{document}");
        let message = repo(&document, name)["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            message.contains(clash) && message.contains("only in case"),
            "{message}"
        );
    }
    assert_eq!(fleet.head("upper"), head_before, "nothing committed");
    assert!(
        !fleet
            .path("upper")
            .join(".github/workflows/ci.yml")
            .exists()
    );
    assert_eq!(outcome(&document, "fresh"), "changed");
    // A move that changes only the case removes the old name: no clash.
    let document = fleet.json(&[
        "-t",
        "moved",
        "file-replace",
        "--pattern",
        ".github/workflows/CI.yml",
        "--to",
        ".github/workflows/ci.yml",
        "--replacement",
        new.to_str().expect("UTF-8"),
    ]);
    assert_eq!(outcome(&document, "moved"), "changed", "{document}");
    assert_eq!(
        fleet.git(&fleet.path("moved"), &["ls-files", ".github"]),
        ".github/workflows/ci.yml\n"
    );
}

#[test]
fn nothing_is_written_in_a_git_folder_or_in_another_repository() {
    let fleet = Fleet::new();
    let new = replacement(&fleet, "#!/bin/sh\ntouch planted\n");
    fs::set_permissions(&new, fs::Permissions::from_mode(0o755)).expect("chmod");
    let new = new.to_str().expect("UTF-8");
    fleet.add_repo("app");
    // A nested repository, not tracked by `app`, with a hooks folder of its own.
    let nested = fleet.path("app").join("sub");
    fleet.git(
        &fleet.base,
        &["init", "-q", nested.to_str().expect("UTF-8")],
    );
    let image = FolderImage::of(&fleet.base);
    for to in [
        "sub/.git/hooks/pre-commit",
        "sub/.GIT/hooks/pre-commit",
        "sub/.Git/hooks/pre-commit",
        "sub/.git./hooks/pre-commit",
        "sub/git~1/hooks/pre-commit",
    ] {
        let output = fleet
            .cmd()
            .args(["file-replace", "--pattern", "README.md", "--to", to])
            .args(["--replacement", new])
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(2), "--to {to}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(".git"), "--to {to}: {stderr}");
    }
    let output = fleet
        .cmd()
        .args(["file-replace", "--pattern", "a/.git/config", "--create"])
        .args(["--replacement", new])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(image.changes(&FolderImage::of(&fleet.base)).is_empty());

    // Into the nested repository's work tree: its files are not `app`'s.
    let root_before = FolderImage::of(&fleet.root);
    for args in [
        &["--pattern", "README.md", "--to", "sub/hook.sh"][..],
        &["--pattern", "sub/new.sh", "--create"],
    ] {
        let mut full = vec!["file-replace"];
        full.extend_from_slice(args);
        full.extend_from_slice(&["--replacement", new]);
        let run = fleet.json_exit(&full, 0);
        assert_eq!(outcome(&run, "app"), "skipped", "{args:?}: {run}");
        let message = repo(&run, "app")["message"].to_string();
        assert!(message.contains("another repository"), "{message}");
        let mut dry = full.clone();
        dry.push("-n");
        let run = fleet.json_exit(&dry, 0);
        assert_eq!(outcome(&run, "app"), "skipped", "{args:?} -n: {run}");
    }
    let image_of_root = FolderImage::of(&fleet.root);
    assert_eq!(
        image_of_root.changes(&root_before),
        Vec::<PathBuf>::new(),
        "nothing written in the repositories"
    );
    assert_eq!(fleet.head("app"), fleet.remote_head("app"));
}

/// Runs git-batch in `dir` with a short deadline: a run that blocks fails the test, it does not
/// hang it.
fn run_briefly(fleet: &Fleet, dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let output = fleet
        .cmd_in(dir)
        .timeout(std::time::Duration::from_secs(20))
        .args(args)
        .output()
        .expect("run");
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), shown)
}

#[test]
fn a_fifo_or_a_link_to_a_device_where_a_file_should_be_is_not_read() {
    let fleet = Fleet::new();
    let policy = "[policy]\nlicense = \"Apache-2.0\"\nforbid = [\"MIT\"]\n\n\
                  [[policy.files]]\npath = \"ci.yml\"\ntemplate = \"templates/ci.yml\"\n";
    let new = replacement(&fleet, CI);
    let new = new.to_str().expect("UTF-8");
    for name in ["fifo", "zero"] {
        repo_with(
            &fleet,
            name,
            &[
                (".git-batch.toml", policy.as_bytes()),
                ("templates/ci.yml", CI.as_bytes()),
                ("ci.yml", b"old\n"),
                ("src/a.rs", b"// SPDX-License-Identifier: MIT\n"),
            ],
        );
    }
    let fifo = fleet.path("fifo");
    for file in ["ci.yml", "src/a.rs"] {
        fs::remove_file(fifo.join(file)).expect("remove");
        let made = std::process::Command::new("mkfifo")
            .arg(fifo.join(file))
            .status()
            .expect("mkfifo");
        assert!(made.success());
    }
    let zero = fleet.path("zero");
    for file in ["ci.yml", "src/a.rs"] {
        fs::remove_file(zero.join(file)).expect("remove");
        std::os::unix::fs::symlink("/dev/zero", zero.join(file)).expect("symlink");
    }
    for (name, what) in [("fifo", "FIFO"), ("zero", "symbolic link")] {
        let dir = fleet.path(name);
        for args in [
            &["file-replace", "--pattern", "ci.yml", "--replacement", new][..],
            &[
                "file-replace",
                "--check",
                "--pattern",
                "ci.yml",
                "--replacement",
                new,
            ],
            &[
                "license-update",
                "--check",
                "--old",
                "MIT",
                "--new",
                "Apache-2.0",
            ],
            &["license-update", "--old", "MIT", "--new", "Apache-2.0"],
            &["check"],
        ] {
            let mut full = vec!["-t", ".", "--color", "never"];
            full.extend_from_slice(args);
            let (code, shown) = run_briefly(&fleet, &dir, &full);
            assert!(code.is_some(), "{name}: {args:?} was killed: {shown}");
            assert!(shown.contains(what), "{name}: {args:?}: {shown}");
        }
    }
}

#[test]
fn a_license_file_larger_than_the_cap_is_not_read() {
    let fleet = Fleet::new();
    repo_with(&fleet, "big", &[("LICENSE", b"MIT License\n")]);
    let license = fleet.path("big").join("LICENSE");
    fs::File::create(&license)
        .and_then(|file| file.set_len(200 << 20))
        .expect("a sparse 200 MB file");
    let (code, shown) = run_briefly(
        &fleet,
        &fleet.root,
        &[
            "--color",
            "never",
            "license-update",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
        ],
    );
    assert!(code.is_some(), "{shown}");
    assert!(shown.contains("larger than 16 MiB"), "{shown}");
}
