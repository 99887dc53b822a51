//! `exec -- CMD…`: output kept per repository and never interleaved, exit codes turned into
//! outcomes, argv never given to a shell, the per-repository timeout, and no inherited stdin.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixture::{Fleet, names, repo};

fn fleet_of(names: &[&str]) -> Fleet {
    let fleet = Fleet::new();
    for name in names {
        fleet.add_repo_without_remote(name);
    }
    fleet
}

#[test]
fn output_is_grouped_per_repository_never_interleaved() {
    let fleet = fleet_of(&["a", "b", "c", "d"]);
    // Each repository prints twelve numbered lines with pauses, so that four parallel workers
    // would interleave them if anything wrote as it went.
    let script = r#"n=$(basename "$PWD"); for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "$n:$i"; sleep 0.01; done; echo "$n:err" >&2"#;
    let output = fleet
        .cmd()
        .args(["exec", "-j4", "--color", "never", "--", "sh", "-c", script])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    for name in ["a", "b", "c", "d"] {
        let start = lines
            .iter()
            .position(|line| line.starts_with(&format!("✓ {name} (")))
            .unwrap_or_else(|| panic!("no line for {name} in:\n{stdout}"));
        let block: Vec<String> = (1..=12)
            .map(|i| format!("{name}:{i}"))
            .chain([format!("{name}:err")])
            .collect();
        assert_eq!(
            lines[start + 1..start + 14],
            block,
            "{name}'s block is not contiguous in:\n{stdout}"
        );
    }
}

#[test]
fn a_non_zero_exit_fails_that_repository_with_its_code() {
    let fleet = fleet_of(&["a", "b", "c"]);
    let script = r#"echo "in $(basename "$PWD")"; test "$(basename "$PWD")" != b || exit 3"#;
    let output = fleet
        .cmd()
        .args(["exec", "--format", "json", "--", "sh", "-c", script])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let b = repo(&document, "b");
    assert_eq!(b["outcome"], "failed", "{b}");
    assert_eq!(b["exit_code"], 3);
    assert_eq!(b["stdout"], "in b\n");
    assert!(
        b["message"].as_str().is_some_and(|m| m.contains('3')),
        "{b}"
    );
    for name in ["a", "c"] {
        let entry = repo(&document, name);
        assert_eq!(entry["outcome"], "changed", "{entry}");
        assert_eq!(entry["exit_code"], 0);
        assert_eq!(entry["stdout"], format!("in {name}\n"));
        assert_eq!(entry["stderr"], "");
    }
    assert_eq!(document["summary"]["failed"], 1);
    assert_eq!(document["summary"]["changed"], 2);
    assert_eq!(document["summary"]["total"], 3);
}

#[test]
fn exit_zero_everywhere_is_exit_zero() {
    let fleet = fleet_of(&["a", "b"]);
    let output = fleet
        .cmd()
        .args([
            "exec",
            "--format",
            "json",
            "--",
            "git",
            "rev-parse",
            "--abbrev-ref",
            "HEAD",
        ])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    for name in ["a", "b"] {
        assert_eq!(repo(&document, name)["stdout"], "main\n");
    }
}

#[test]
fn a_program_not_on_path_is_a_usage_error_said_once_before_any_repository() {
    let fleet = fleet_of(&["a", "b"]);
    for format in ["human", "json"] {
        let output = fleet
            .cmd()
            .args(["exec", "--format", format, "--"])
            .args(["no-such-program-xyz", "--flag"])
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(2), "{format}");
        assert!(output.stdout.is_empty(), "no repository was reported");
        let stderr = String::from_utf8(output.stderr).expect("UTF-8");
        assert_eq!(
            stderr
                .matches("no-such-program-xyz: not found on PATH")
                .count(),
            1,
            "{stderr}"
        );
    }
    // The PATH looked in is git-batch's own, the one its commands inherit.
    let bin = fleet.base.join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    let tool = bin.join("fleet-tool");
    std::fs::write(&tool, "#!/bin/sh\necho tool in \"$(basename \"$PWD\")\"\n").expect("write");
    std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").expect("a PATH")
    );
    let output = fleet
        .cmd()
        .env("PATH", path)
        .args(["exec", "--format", "json", "--", "fleet-tool"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(repo(&document, "b")["stdout"], "tool in b\n");
}

#[test]
fn a_program_named_with_a_slash_is_looked_up_in_each_repository() {
    let fleet = fleet_of(&["a", "b"]);
    fleet.write("a", "fix.sh", "#!/bin/sh\necho fixed\n");
    std::fs::set_permissions(
        fleet.path("a").join("fix.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let output = fleet
        .cmd()
        .args(["exec", "--format", "json", "--", "./fix.sh", "--flag"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(repo(&document, "a")["outcome"], "changed");
    assert_eq!(repo(&document, "a")["stdout"], "fixed\n");
    let entry = repo(&document, "b");
    assert_eq!(entry["outcome"], "failed", "{entry}");
    assert_eq!(entry["exit_code"], Value::Null);
    let message = entry["message"].as_str().expect("a message");
    assert!(message.contains("./fix.sh"), "{message}");
    assert!(message.contains("No such file"), "{message}");
    let output = fleet
        .cmd()
        .args(["exec", "--color", "never", "--", "./fix.sh"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(stdout.contains("✗ b: cannot run ./fix.sh"), "{stdout}");
}

#[test]
fn arguments_are_argv_not_shell_words() {
    let fleet = fleet_of(&["a"]);
    let words = [
        "$(touch pwned)",
        ";",
        "touch",
        "pwned2",
        "*",
        "`touch pwned3`",
        "a b",
    ];
    let output = fleet
        .cmd()
        .args(["exec", "--format", "json", "--", "printf", "[%s]\\n"])
        .args(words)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let expected: String = words.iter().map(|w| format!("[{w}]\n")).collect();
    assert_eq!(repo(&document, "a")["stdout"], expected);
    for file in ["pwned", "pwned2", "pwned3"] {
        assert!(
            !fleet.path("a").join(file).exists(),
            "a shell ran: {file} exists"
        );
        assert!(
            !fleet.root.join(file).exists(),
            "a shell ran: {file} exists"
        );
    }
}

#[test]
fn the_timeout_kills_a_command_that_runs_too_long() {
    let fleet = fleet_of(&["a", "b"]);
    let start = Instant::now();
    let output = fleet
        .cmd()
        .args([
            "exec",
            "--timeout",
            "1",
            "--format",
            "json",
            "--",
            "sleep",
            "30",
        ])
        .output()
        .expect("run");
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    assert_eq!(output.status.code(), Some(1));
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    for name in ["a", "b"] {
        let entry = repo(&document, name);
        assert_eq!(entry["outcome"], "failed", "{entry}");
        let message = entry["message"].as_str().expect("a message");
        assert!(message.contains("timed out"), "{message}");
    }
}

#[test]
fn the_timeout_also_kills_what_a_shell_started() {
    let fleet = fleet_of(&["a"]);
    let start = Instant::now();
    // The grandchild `sleep` holds the output pipe open; killing only `sh` would hang the run.
    let output = fleet
        .cmd()
        .args([
            "exec",
            "--timeout",
            "1",
            "--",
            "sh",
            "-c",
            "sleep 30; echo done",
        ])
        .output()
        .expect("run");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn standard_input_is_not_inherited() {
    let fleet = fleet_of(&["a", "b"]);
    // Our stdin stays open for the whole run: a child that inherited it would wait forever.
    let mut child = fleet
        .batch_in(&fleet.root)
        .args(["exec", "--timeout", "20", "--format", "json", "--", "cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn git-batch");
    let _stdin = child.stdin.take();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`cat` waited on an inherited stdin");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read");
    let document: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(names(&document), ["a", "b"]);
    assert_eq!(repo(&document, "a")["outcome"], "changed");
}

#[test]
fn each_command_runs_in_its_own_repository_whatever_git_dir_says() {
    let fleet = fleet_of(&["gamma ray", "délta"]);
    // A hook runs with GIT_DIR set for its own repository; it must not leak into the children.
    let output = fleet
        .cmd()
        .env("GIT_DIR", fleet.path("gamma ray").join(".git"))
        .env("GIT_WORK_TREE", fleet.path("gamma ray"))
        .args([
            "exec",
            "--format",
            "json",
            "--",
            "git",
            "rev-parse",
            "--show-toplevel",
        ])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    for name in ["gamma ray", "délta"] {
        let expected = format!("{}\n", fleet.path(name).display());
        assert_eq!(repo(&document, name)["stdout"], expected, "{name}");
    }
}

#[test]
fn large_output_on_both_streams_is_kept_whole() {
    let fleet = fleet_of(&["a"]);
    // Far beyond a pipe's buffer on both streams at once: reading one after the other would
    // deadlock with the child blocked on the other.
    let script = "i=0; while [ $i -lt 4000 ]; do echo \"out line $i of forty bytes or so\"; \
                  echo \"err line $i of forty bytes or so\" >&2; i=$((i+1)); done";
    let output = fleet
        .cmd()
        .args(["exec", "--format", "json", "--", "sh", "-c", script])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let a = repo(&document, "a");
    for (stream, word) in [("stdout", "out"), ("stderr", "err")] {
        let text = a[stream].as_str().expect("captured");
        assert_eq!(text.lines().count(), 4000, "{stream}");
        assert!(text.ends_with(&format!("{word} line 3999 of forty bytes or so\n")));
    }
}

#[test]
fn a_command_killed_by_a_signal_fails_without_an_exit_code() {
    let fleet = fleet_of(&["a"]);
    let output = fleet
        .cmd()
        .args(["exec", "--format", "json", "--", "sh", "-c", "kill -9 $$"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let a = repo(&document, "a");
    assert_eq!(a["outcome"], "failed");
    assert_eq!(a["exit_code"], Value::Null);
    let message = a["message"].as_str().expect("a message");
    assert!(message.contains("signal 9"), "{message}");
}

/// Kills the processes whose ids were written to `pid_file`, when the test ends however it ends.
struct Sleepers(std::path::PathBuf);

impl Drop for Sleepers {
    fn drop(&mut self) {
        let pids = std::fs::read_to_string(&self.0).unwrap_or_default();
        for pid in pids.split_whitespace() {
            let _ = std::process::Command::new("kill")
                .args(["-9", pid])
                .status();
        }
    }
}

/// A program that left the process group (`setsid`) and holds the output pipes open is not
/// waited for: the command itself is done.
#[cfg(target_os = "linux")]
#[test]
fn a_grandchild_that_left_the_process_group_does_not_hold_the_run() {
    let fleet = fleet_of(&["a"]);
    let sleepers = Sleepers(fleet.base.join("sleepers"));
    let script = format!(
        "echo before; setsid sleep 30 & echo $! >> '{}'",
        sleepers.0.display()
    );
    let start = Instant::now();
    let output = fleet
        .cmd()
        .args([
            "exec",
            "--timeout",
            "2",
            "--format",
            "json",
            "--",
            "sh",
            "-c",
        ])
        .arg(&script)
        .output()
        .expect("run");
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let entry = repo(&document, "a");
    assert_eq!(entry["outcome"], "changed", "{entry}");
    assert!(entry.to_string().contains("before"), "{entry}");
    assert!(sleepers.0.exists(), "the sleeper was started");
}

/// The same from a hook: the commit is made, the run ends, and it is not reported as timed out.
#[cfg(target_os = "linux")]
#[test]
fn a_hook_that_leaves_a_program_behind_does_not_hold_the_run() {
    let fleet = Fleet::new();
    fleet.add_repo("a");
    let sleepers = Sleepers(fleet.base.join("sleepers"));
    fleet.hook(
        "a",
        "pre-commit",
        &format!("setsid sleep 30 & echo $! >> '{}'", sleepers.0.display()),
    );
    let replacement = fleet.base.join("new-readme");
    std::fs::write(&replacement, "# new\n").expect("write the replacement");
    let start = Instant::now();
    let output = fleet
        .cmd()
        .args(["file-replace", "--timeout", "10", "--format", "json"])
        .args(["--pattern", "README.md", "--replacement"])
        .arg(&replacement)
        .output()
        .expect("run");
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(6), "took {elapsed:?}");
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let entry = repo(&document, "a");
    assert_eq!(entry["outcome"], "changed", "{entry}");
    assert!(sleepers.0.exists(), "the hook ran");
}
