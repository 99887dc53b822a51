//! `file-replace` as a user reads it: one rule for the paths given inside a repository, the
//! default commit message of a glob, `--diff` as `git diff` prints it, a pattern that matches
//! nothing anywhere, and what is in the way of a file to create.

use std::fs;
use std::path::{Path, PathBuf};

use crate::fixture::{Fleet, repo};
use crate::license::repo_with;

const CI: &str = "name: ci\non: [push]\njobs: {}\n";

/// The replacement file, outside every repository.
fn replacement(fleet: &Fleet, content: &str) -> PathBuf {
    let path = fleet.base.join("new.yml");
    fs::write(&path, content).expect("write the replacement");
    path
}

fn text(path: &Path) -> &str {
    path.to_str().expect("UTF-8")
}

#[test]
fn paths_inside_a_repository_follow_one_rule_everywhere() {
    let fleet = Fleet::new();
    let new = replacement(&fleet, CI);
    repo_with(&fleet, "app", &[(".github/workflows/ci.yml", b"old\n")]);
    // `./` and doubled slashes are dropped, as git drops them from a pathspec, for --pattern as
    // for `-w has=`.
    let document = fleet.json_exit(
        &[
            "-w",
            "has=./.github//workflows/ci.yml",
            "file-replace",
            "--pattern",
            "./.github//workflows/ci.yml",
            "--replacement",
            text(&new),
        ],
        0,
    );
    assert_eq!(repo(&document, "app")["outcome"], "changed", "{document}");
    assert_eq!(
        repo(&document, "app")["files"],
        serde_json::json!([".github/workflows/ci.yml"])
    );
    // A `.git` folder is git's, for `-w has=` as for --pattern.
    for args in [
        &["-w", "has=.git/HEAD", "list"][..],
        &[
            "file-replace",
            "--pattern",
            ".git/HEAD",
            "--replacement",
            text(&new),
        ],
    ] {
        let output = fleet.cmd().args(args).output().expect("run git-batch");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("`.git` folder"), "{args:?}: {stderr}");
    }
}

#[test]
fn what_is_in_the_way_of_a_file_to_create_is_named() {
    let fleet = Fleet::new();
    let new = replacement(&fleet, CI);
    repo_with(&fleet, "file", &[("docs", b"a file\n")]);
    let dir = fleet.add_repo("link");
    fs::create_dir(dir.join("guides")).expect("a folder");
    fs::write(dir.join("guides/x.md"), "x\n").expect("write");
    std::os::unix::fs::symlink("guides", dir.join("docs")).expect("a symbolic link");
    fleet.git(&dir, &["add", "-A"]);
    fleet.git(&dir, &["commit", "-q", "-m", "docs"]);
    let document = fleet.json_exit(
        &[
            "file-replace",
            "--pattern",
            "docs/ci.yml",
            "--create",
            "--replacement",
            text(&new),
        ],
        0,
    );
    let said = |name: &str| {
        assert_eq!(repo(&document, name)["outcome"], "skipped", "{document}");
        repo(&document, name)["message"]
            .as_str()
            .expect("a message")
            .to_owned()
    };
    assert_eq!(
        said("link"),
        "cannot create docs/ci.yml: docs is a tracked symbolic link, not a folder (it is not \
         followed)"
    );
    assert_eq!(
        said("file"),
        "cannot create docs/ci.yml: docs is a tracked file, not a folder"
    );
    assert!(
        !dir.join("guides/ci.yml").exists(),
        "nothing written through the link"
    );
}

#[test]
fn a_globs_default_commit_message_says_the_pattern_in_words() {
    let fleet = Fleet::new();
    let new = replacement(&fleet, CI);
    repo_with(
        &fleet,
        "app",
        &[
            (".github/workflows/ci.yml", b"old ci\n"),
            (".github/workflows/test.yml", b"old test\n"),
            ("docs/a.md", b"a\n"),
        ],
    );
    let subject = |glob: &str| {
        fleet.json_exit(
            &[
                "file-replace",
                "--pattern",
                glob,
                "--replacement",
                text(&new),
            ],
            0,
        );
        fleet.git(&fleet.path("app"), &["log", "-1", "--format=%s"])
    };
    assert_eq!(
        subject(".github/workflows/{ci,test}.yml").trim(),
        "chore: update ci.yml and test.yml in .github/workflows"
    );
    assert_eq!(
        subject("docs/*.md").trim(),
        "chore: update the .md files in docs"
    );
}

/// `--diff`'s text for `name` from a dry run of `args`, then the real run's commit as `git diff`
/// prints it: they must be the same.
fn diff_is_gits(fleet: &Fleet, name: &str, args: &[&str]) {
    let mut dry = args.to_vec();
    dry.extend(["-n", "--diff"]);
    let document = fleet.json_exit(&dry, 0);
    let ours = repo(&document, name)["diff"]
        .as_str()
        .unwrap_or_else(|| panic!("a diff: {document}"))
        .to_owned();
    let document = fleet.json_exit(args, 0);
    assert_eq!(repo(&document, name)["outcome"], "changed", "{document}");
    let theirs = fleet.git(
        &fleet.path(name),
        &["diff", "--no-renames", "HEAD~1", "HEAD"],
    );
    assert_eq!(ours, theirs, "{args:?}");
}

#[test]
fn the_diff_is_what_git_diff_prints() {
    let fleet = Fleet::new();
    let mut code = String::from("fn main() {\n");
    for i in 0..8 {
        code.push_str(&format!("    step({i});\n"));
    }
    code.push_str("}\n");
    repo_with(
        &fleet,
        "app",
        &[
            ("src/main.rs", code.as_bytes()),
            ("old.yml", b"old\n"),
            ("été.md", b"summer\n"),
        ],
    );
    fs::set_permissions(
        fleet.path("app").join("old.yml"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    fleet.git(&fleet.path("app"), &["commit", "-q", "-am", "exec"]);
    let new = fleet.base.join("main.rs");
    fs::write(&new, code.replace("step(5)", "step(50)").trim_end()).expect("write");
    let yml = replacement(&fleet, CI);
    // A hunk with its function line, and a file that now ends without a newline.
    diff_is_gits(
        &fleet,
        "app",
        &[
            "file-replace",
            "--pattern",
            "src/main.rs",
            "--replacement",
            text(&new),
        ],
    );
    // A new file, with its folder.
    diff_is_gits(
        &fleet,
        "app",
        &[
            "file-replace",
            "--pattern",
            ".github/workflows/ci.yml",
            "--create",
            "--replacement",
            text(&yml),
        ],
    );
    // A move: an executable deleted, and created at its new place.
    diff_is_gits(
        &fleet,
        "app",
        &[
            "file-replace",
            "--pattern",
            "old.yml",
            "--to",
            "ci/new.yml",
            "--replacement",
            text(&yml),
        ],
    );
    // A name git quotes.
    diff_is_gits(
        &fleet,
        "app",
        &[
            "file-replace",
            "--pattern",
            "été.md",
            "--replacement",
            text(&yml),
        ],
    );
}

#[test]
fn a_pattern_that_matches_nothing_anywhere_is_said_and_fails() {
    let fleet = Fleet::new();
    let new = replacement(&fleet, CI);
    for name in ["a", "b"] {
        repo_with(&fleet, name, &[(".github/workflows/ci.yml", b"old\n")]);
    }
    fleet.add_repo("c");
    let run = |args: &[&str]| {
        let mut all = vec![
            "--color",
            "never",
            "file-replace",
            "--replacement",
            text(&new),
        ];
        all.extend(args);
        let output = fleet.cmd().args(&all).output().expect("run git-batch");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    // A typo in the folder's name: a glob, and a plain path.
    let (code, stderr) = run(&["--pattern", ".github/workflow/*.yml"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr
            .contains("--pattern .github/workflow/*.yml matched no tracked file in any repository"),
        "{stderr}"
    );
    for extra in [&[][..], &["--check"], &["-n"]] {
        let mut args = vec!["--pattern", ".github/workflow/ci.yml"];
        args.extend(extra);
        let (code, stderr) = run(&args);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("matched no tracked file in any repository (--create adds it"),
            "{args:?}: {stderr}"
        );
    }
    // A pattern that matches somewhere is not a typo, even where other repositories lack it.
    let (code, stderr) = run(&["--pattern", ".github/workflows/*.yml"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("matched no tracked file"), "{stderr}");
    let (code, stderr) = run(&["--pattern", "docs/new.md", "--create", "-n"]);
    assert_eq!(code, Some(0), "{stderr}");
}
