//! What people and scripts see, pinned by insta snapshots: the human status table, `list`, the
//! JSON document and the JSONL events, with temporary paths and durations redacted. Also the
//! ordering rule: JSON lists repositories in name order whatever order the workers finished in.

use std::process::Output;

use serde_json::Value;

use crate::fixture::{Fleet, names};

/// A small fleet with one repository per kind of row.
fn fleet() -> Fleet {
    let fleet = Fleet::new();
    for name in ["alpha", "beta", "gamma ray", "délta"] {
        fleet.add_repo(name);
    }
    fleet.make_dirty("beta");
    fleet.stage("beta");
    fleet.add_untracked("beta");
    fleet.make_ahead("gamma ray", 2);
    fleet.make_behind("gamma ray", 1);
    fleet.detach("délta");
    fleet.add_repo_without_remote("local");
    fleet.add_unborn("unborn");
    fleet
}

/// Exit code, stdout and stderr in one text, the fleet's paths replaced by placeholders.
pub(crate) fn render(fleet: &Fleet, output: &Output) -> String {
    let text = format!(
        "exit: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        output
            .status
            .code()
            .map_or_else(|| "signal".to_owned(), |code| code.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    text.replace(fleet.root.to_str().expect("UTF-8"), "[ROOT]")
        .replace(fleet.base.to_str().expect("UTF-8"), "[TMP]")
}

/// Runs `git-batch ARGS` from the root and snapshots the rendered result as `name`, with
/// durations, run ids and times redacted.
pub(crate) fn snapshot(fleet: &Fleet, name: &str, args: &[&str]) {
    let output = fleet.cmd().args(args).output().expect("run");
    let rendered = render(fleet, &output);
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r#""duration_ms": \d+"#, r#""duration_ms": "[ms]""#);
    settings.add_filter(r#""duration_ms":\d+"#, r#""duration_ms":"[ms]""#);
    settings.add_filter(r"total in \d+\.\d+s", "total in [ELAPSED]s");
    // `status` defaults to one worker per core (see settings.rs), which differs between machines.
    settings.add_filter(r", \d+ (workers?)", ", [N] $1");
    settings.add_filter(r#""workers":\d+"#, r#""workers":"[N]""#);
    // A run id is the time of the run and a random suffix (`20261126T101500Z-3f2a`).
    settings.add_filter(r"\d{8}T\d{6}Z-[0-9a-f]{4}", "[RUN]");
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "[TIME]");
    // `clone` works in a folder named after its process.
    settings.add_filter(r"git-batch-clone-\d+", "git-batch-clone-[PID]");
    settings.set_description(format!("git-batch {}", args.join(" ")));
    settings.bind(|| insta::assert_snapshot!(name, rendered));
}

// One fleet per test, several snapshots each: building a fleet costs more than reading it.

#[test]
fn human_output() {
    let fleet = fleet();
    snapshot(&fleet, "status_human", &["status", "--color", "never"]);
    snapshot(
        &fleet,
        "status_human_quiet",
        &["status", "-q", "--color", "never"],
    );
    snapshot(&fleet, "list_human", &["list"]);
    // One worker, so that the blocks come in name order.
    snapshot(
        &fleet,
        "exec_human",
        &[
            "exec",
            "-j1",
            "--color",
            "never",
            "--",
            "git",
            "log",
            "-1",
            "--format=%s",
        ],
    );
    snapshot(
        &fleet,
        "usage_error",
        &["-t", "alpha,nope", "--color", "never", "status"],
    );
}

#[test]
fn json_output() {
    let fleet = fleet();
    snapshot(&fleet, "list_json", &["list", "--format", "json"]);
    snapshot(&fleet, "status_json", &["status", "--format", "json"]);
    // One worker: events stream in the order repositories finish, which is then name order.
    snapshot(
        &fleet,
        "status_jsonl",
        &["status", "-j1", "--format", "jsonl"],
    );
    snapshot(
        &fleet,
        "exec_json",
        &[
            "exec",
            "--format",
            "json",
            "--",
            "git",
            "log",
            "-1",
            "--format=%s",
        ],
    );
}

#[test]
fn colour_follows_the_flag_then_the_environment() {
    let fleet = Fleet::new();
    fleet.add_repo_without_remote("alpha");
    fleet.add_repo_without_remote("beta");
    fleet.make_dirty("beta");
    let coloured = |env: &[(&str, &str)], args: &[&str]| {
        let output = fleet
            .cmd()
            .envs(env.iter().copied())
            .args(args)
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(0));
        String::from_utf8(output.stdout)
            .expect("UTF-8")
            .contains("\x1b[")
    };
    let status = |color: &'static str| ["status", "--color", color];
    // Off a terminal, `auto` means no colour unless the environment forces it.
    assert!(!coloured(&[], &status("auto")));
    assert!(coloured(&[("CLICOLOR_FORCE", "1")], &status("auto")));
    assert!(!coloured(
        &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
        &status("auto")
    ));
    // The flag is the user's explicit word and beats the environment.
    assert!(coloured(&[], &status("always")));
    assert!(coloured(&[("NO_COLOR", "1")], &status("always")));
    assert!(!coloured(&[("CLICOLOR_FORCE", "1")], &status("never")));
    // Machine formats are never coloured.
    assert!(!coloured(
        &[],
        &["status", "--color", "always", "--format", "json"]
    ));
    assert!(!coloured(&[], &["list", "--color", "always"]));
}

#[test]
fn json_lists_repositories_in_name_order_whatever_finishes_first() {
    let fleet = Fleet::new();
    // The first name sleeps longest, so parallel workers finish in reverse name order.
    let delays = [
        ("a", "1"),
        ("b", "0.75"),
        ("c", "0.5"),
        ("d", "0.25"),
        ("e", "0"),
    ];
    for (name, delay) in delays {
        fleet.add_repo_without_remote(name);
        fleet.write(name, "delay", delay);
    }
    let args = ["exec", "-j5", "--", "sh", "-c", "sleep $(cat delay)"];
    let document = fleet.json(&args);
    assert_eq!(names(&document), ["a", "b", "c", "d", "e"]);

    let output = fleet
        .cmd()
        .args(["--format", "jsonl"])
        .args(args)
        .output()
        .expect("run");
    let events: Vec<Value> = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON event a line"))
        .collect();
    let finished: Vec<&str> = events
        .iter()
        .filter(|event| event["event"] == "repo")
        .map(|event| event["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(finished.len(), 5);
    assert_ne!(
        finished[0], "a",
        "the slowest repository cannot finish first"
    );
    assert_eq!(
        events.first().map(|e| &e["event"]),
        Some(&Value::from("start"))
    );
    assert_eq!(
        events.last().map(|e| &e["event"]),
        Some(&Value::from("summary"))
    );
}

#[test]
fn git_runs_the_binary_as_git_batch() {
    let fleet = Fleet::new();
    fleet.add_repo_without_remote("alpha");
    // With the binary's folder on PATH, `git batch` is dispatched to `git-batch`.
    let folder = std::path::Path::new(crate::fixture::GIT_BATCH)
        .parent()
        .expect("the binary's folder");
    let path = std::env::join_paths(std::iter::once(folder.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("a PATH");
    let mut git = fleet.git_command(&fleet.root);
    let output = git
        .env("PATH", path)
        .args(["batch", "list"])
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.stdout, b"alpha\n");
}

#[test]
fn content_operation_output() {
    let fleet = Fleet::new();
    crate::license::repo_with(
        &fleet,
        "api",
        &[
            ("LICENSE", crate::license::MIT_LICENSE.as_bytes()),
            (
                "src/lib.rs",
                b"// SPDX-License-Identifier: MIT OR Apache-2.0\n",
            ),
            (
                "Cargo.toml",
                b"[package]\nname = \"api\"\nlicense = \"MIT\"\n",
            ),
        ],
    );
    crate::license::repo_with(&fleet, "docs", &[("guide.md", b"MIT, in prose\n")]);
    crate::license::repo_with(
        &fleet,
        "odd",
        &[
            ("LICENSE", b"Ask before use.\n"),
            ("a.rs", b"// SPDX-License-Identifier: MIT\n"),
        ],
    );
    let args = ["license-update", "--old", "MIT", "--new", "Apache-2.0"];
    let with = |extra: &[&'static str]| -> Vec<&str> {
        let mut all = vec!["-j1", "--color", "never"];
        all.extend_from_slice(&args);
        all.extend_from_slice(extra);
        all
    };
    snapshot(&fleet, "license_update_check_human", &with(&["--check"]));
    // Only the small files' diff: the LICENSE text itself is the SPDX list's, not ours to pin.
    snapshot(
        &fleet,
        "license_update_dry_run_diff_human",
        &[
            "-j1",
            "--color",
            "never",
            "-n",
            "-t",
            "odd",
            "license-update",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
            "--ids-only",
            "--diff",
        ],
    );
    snapshot(&fleet, "license_update_check_json", &{
        let mut all = vec!["--format", "json"];
        all.extend(with(&["--check"]));
        all
    });
}

/// Names, file names and hook messages that carry terminal escapes (an OSC that sets the
/// window title, a CSI that clears the screen) and a newline that would start a line of its own,
/// such as a forged `::error` annotation in a CI log.
const TITLE: &str = "\x1b]0;pwned\x07";
const CLEAR: &str = "\x1b[2J";
const FORGED: &str = "\n::error::forged";

fn hostile_fleet() -> Fleet {
    let fleet = Fleet::new();
    fleet.add_repo(&format!("title{TITLE}"));
    fleet.add_repo(&format!("line{FORGED}"));
    fleet.add_repo("hooked");
    fleet.commit_file("hooked", &format!("ci{CLEAR}.yml"), "old\n", "a file");
    fleet.git(&fleet.path("hooked"), &["push", "-q"]);
    fleet.hook(
        "hooked",
        "pre-commit",
        "printf 'refused \\033[2J\\n::error::forged by a hook\\n' >&2; exit 1",
    );
    fleet.make_dirty("hooked");
    fleet
}

/// Asserts that `text` carries no escape of the hostile fleet raw and no forged line.
fn assert_inert(what: &str, text: &str) {
    for raw in [TITLE, CLEAR, "\x1b]0;", "\x1b[2J"] {
        assert!(!text.contains(raw), "{what} printed {raw:?} raw: {text:?}");
    }
    assert!(
        !text.lines().any(|line| line.trim_start().starts_with("::")),
        "{what} printed a line of its own from a name or message: {text:?}"
    );
}

#[test]
fn control_characters_in_names_files_and_messages_are_escaped_for_people() {
    let fleet = hostile_fleet();
    let template = fleet.base.join("ci.yml");
    std::fs::write(&template, "new\n").expect("write");
    let template = template.to_str().expect("UTF-8");
    let runs: [&[&str]; 6] = [
        &["list"],
        &["-v", "list"],
        &["--color", "always", "status"],
        &["--color", "always", "-v", "exec", "--", "true"],
        &[
            "--color",
            "always",
            "file-replace",
            "--pattern",
            "*.yml",
            "--replacement",
            template,
            "--check",
        ],
        &["--color", "always", "sync", "--no-push"],
    ];
    for args in runs {
        let output = fleet.cmd().args(args).output().expect("run");
        let what = format!("{args:?}");
        assert_inert(&what, &String::from_utf8_lossy(&output.stdout));
        assert_inert(&what, &String::from_utf8_lossy(&output.stderr));
    }
    // git's way (core.quotePath): `\n`, and octal for the other control bytes.
    let output = fleet.cmd().arg("list").output().expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("line\\n::error::forged\n"), "{stdout}");
    assert!(stdout.contains("title\\033]0;pwned\\007\n"), "{stdout}");
    let output = fleet
        .cmd()
        .args(["--color", "never", "sync", "--no-push"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("refused \\033[2J"), "{stdout}");

    // JSON keeps every name as it is: a script gets the real bytes, escaped by JSON itself.
    let document = fleet.json(&["list"]);
    let listed = names(&document);
    assert!(listed.contains(&format!("title{TITLE}")), "{listed:?}");
    assert!(listed.contains(&format!("line{FORGED}")), "{listed:?}");
}
