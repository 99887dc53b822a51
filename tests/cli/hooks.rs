//! The hooks, run for real: `hooks/pre-push` installed in a repository and driven by `git push`
//! to a bare remote (one push let through, one blocked), `check` itself, and the hooks of
//! `.pre-commit-hooks.yaml` run by the real pre-commit (`pre-commit try-repo`), which builds
//! git-batch from this repository with cargo.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fixture::{Fleet, GIT_BATCH};
use crate::license::{MIT_LICENSE, repo_with};

const CI: &str = "name: ci\non: [push]\n";

/// A repository that follows its policy: Apache-2.0 (MIT forbidden), and `ci.yml` as
/// `templates/ci.yml` says.
fn policed_repo(fleet: &Fleet, name: &str) {
    let policy = "[policy]\nlicense = \"Apache-2.0\"\nforbid = [\"MIT\"]\n\n\
                  [[policy.files]]\npath = \"ci.yml\"\ntemplate = \"templates/ci.yml\"\n";
    repo_with(
        fleet,
        name,
        &[
            (".git-batch.toml", policy.as_bytes()),
            ("templates/ci.yml", CI.as_bytes()),
            ("ci.yml", CI.as_bytes()),
            ("src/a.rs", b"// SPDX-License-Identifier: Apache-2.0\n"),
        ],
    );
}

#[test]
fn check_reports_drift_from_the_policy_and_how_to_fix_it() {
    let fleet = Fleet::new();
    policed_repo(&fleet, "app");
    let dir = fleet.path("app");
    let good = fleet
        .cmd_in(&dir)
        .args(["-t", ".", "--format", "json", "check"])
        .output()
        .expect("run");
    assert_eq!(
        good.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&good.stdout)
    );

    fleet.write("app", "src/b.rs", "// SPDX-License-Identifier: MIT\n");
    fleet.write("app", "ci.yml", "name: old\n");
    fleet.git(&dir, &["add", "-A"]);
    fleet.git(&dir, &["commit", "-q", "-m", "drift"]);
    let output = fleet
        .cmd_in(&dir)
        .args(["-t", ".", "--color", "never", "check"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("would change ci.yml and src/b.rs"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "git batch -C {} -t . license-update --old MIT --new Apache-2.0",
            dir.display()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("file-replace --pattern ci.yml --replacement "),
        "{stdout}"
    );
    // From the fleet's root, which has no policy of its own: a usage error that says so.
    let output = fleet
        .cmd()
        .args(["-t", "app", "check"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no policy"));
}

/// Installs `hooks/pre-push` in `name`.
fn install_pre_push(fleet: &Fleet, name: &str) {
    let hook = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-push");
    let target = fleet.path(name).join(".git/hooks/pre-push");
    fs::create_dir_all(target.parent().expect("a folder")).expect("mkdir");
    fs::copy(&hook, &target).expect("copy the hook");
}

fn push(fleet: &Fleet, name: &str) -> std::process::Output {
    fleet
        .git_command(&fleet.path(name))
        .args(["push", "origin", "main"])
        .env("GIT_BATCH", GIT_BATCH)
        .output()
        .expect("run git push")
}

#[test]
fn the_pre_push_hook_lets_a_clean_push_through_and_blocks_drift() {
    let fleet = Fleet::new();
    policed_repo(&fleet, "app");
    install_pre_push(&fleet, "app");
    let dir = fleet.path("app");

    fleet.commit_file("app", "notes.md", "fine\n", "notes");
    let allowed = push(&fleet, "app");
    assert!(
        allowed.status.success(),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
    assert_eq!(fleet.remote_head("app"), fleet.head("app"));

    fleet.commit_file("app", "LICENSE", MIT_LICENSE, "an MIT license file");
    fleet.commit_file(
        "app",
        "src/c.rs",
        "// SPDX-License-Identifier: MIT\n",
        "an MIT file",
    );
    let remote_before = fleet.remote_head("app");
    let blocked = push(&fleet, "app");
    assert!(!blocked.status.success(), "the push went through");
    let stderr = String::from_utf8_lossy(&blocked.stderr);
    assert!(stderr.contains("blocked"), "{stderr}");
    let stdout = String::from_utf8_lossy(&blocked.stdout);
    assert!(
        format!("{stdout}{stderr}").contains("license-update --old MIT --new Apache-2.0"),
        "{stdout}{stderr}"
    );
    assert_eq!(
        fleet.remote_head("app"),
        remote_before,
        "nothing reached the remote"
    );

    // Fixed as the message says, the push goes through.
    let fixed = fleet
        .cmd_in(&dir)
        .args([
            "-t",
            ".",
            "license-update",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
        ])
        .output()
        .expect("run");
    assert!(fixed.status.success());
    assert!(push(&fleet, "app").status.success());
    assert_eq!(fleet.remote_head("app"), fleet.head("app"));
}

/// The pre-commit the test script installed (`scripts/test.sh` sets the variable).
fn pre_commit() -> PathBuf {
    let path = std::env::var_os("GIT_BATCH_TEST_PRE_COMMIT").map(PathBuf::from);
    match path {
        Some(path) if path.exists() => path,
        _ => panic!(
            "pre-commit is needed: run the tests with ./scripts/test.sh, which installs it into \
             a virtual environment and sets GIT_BATCH_TEST_PRE_COMMIT"
        ),
    }
}

/// `pre-commit try-repo THIS-REPOSITORY HOOK --all-files` in `dir`, with the real cargo (the
/// sealed environment keeps git's configuration confined; cargo keeps the user's toolchain and
/// caches, and a target folder under target/ so that a second run does not rebuild).
fn try_repo(fleet: &Fleet, dir: &Path, hook: &str) -> std::process::Output {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tools = crate_dir.join("target/test-tools");
    let path = locked_cargo_first(fleet);
    let mut command = Command::new(pre_commit());
    command
        .args([
            "try-repo",
            crate_dir.to_str().expect("UTF-8"),
            hook,
            "--all-files",
        ])
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", &fleet.home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .envs(crate::fixture::source_build_env())
        .env("PRE_COMMIT_HOME", tools.join("pre-commit-home"))
        .env("LC_ALL", "C.UTF-8");
    command.output().expect("run pre-commit")
}

/// PATH with a `cargo` in front that adds `--locked` to pre-commit's `cargo install --path`:
/// without it cargo resolves the newest dependencies instead of Cargo.lock's and compiles a
/// second set of them (the Action's build from source compiles the locked set in the same
/// target folder). Only the versions change; the hook is pre-commit's, built from this
/// repository.
fn locked_cargo_first(fleet: &Fleet) -> std::ffi::OsString {
    use std::os::unix::fs::PermissionsExt;
    let shim = fleet.base.join("locked-cargo");
    fs::create_dir_all(&shim).expect("mkdir");
    let cargo = shim.join("cargo");
    let real = env!("CARGO");
    fs::write(
        &cargo,
        format!(
            "#!/bin/sh\nif [ \"$1\" = install ]; then shift; exec '{real}' install --locked \"$@\"; fi\n\
             exec '{real}' \"$@\"\n"
        ),
    )
    .expect("write the cargo shim");
    fs::set_permissions(&cargo, fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut dirs = vec![shim];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).expect("a PATH")
}

#[test]
fn pre_commit_runs_the_policy_hook_passing_and_failing() {
    let fleet = Fleet::new();
    policed_repo(&fleet, "app");
    let dir = fleet.path("app");

    let passed = try_repo(&fleet, &dir, "git-batch-policy-check");
    let said = |output: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };
    assert_eq!(passed.status.code(), Some(0), "{}", said(&passed));
    assert!(said(&passed).contains("Passed"), "{}", said(&passed));

    fleet.commit_file(
        "app",
        "src/b.rs",
        "// SPDX-License-Identifier: MIT\n",
        "drift",
    );
    let failed = try_repo(&fleet, &dir, "git-batch-policy-check");
    assert_eq!(failed.status.code(), Some(1), "{}", said(&failed));
    let text = said(&failed);
    assert!(text.contains("Failed"), "{text}");
    assert!(text.contains("would change src/b.rs"), "{text}");
}

#[test]
fn a_policy_on_the_command_line_replaces_the_files_and_reaches_the_hook() {
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "plain",
        &[
            ("a.rs", b"// SPDX-License-Identifier: ISC\n"),
            ("ci.yml", CI.as_bytes()),
        ],
    );
    let dir = fleet.path("plain");
    let template = fleet.base.join("ci-template.yml");
    fs::write(&template, "name: new\n").expect("write");
    let check = |args: &[&str]| {
        fleet
            .cmd_in(&dir)
            .args(["-t", ".", "--color", "never", "check"])
            .args(args)
            .output()
            .expect("run")
    };
    assert_eq!(check(&[]).status.code(), Some(2), "no policy at all");
    assert_eq!(
        check(&["--license", "MIT", "--forbid", "ISC"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        check(&["--license", "ISC", "--forbid", "MIT"])
            .status
            .code(),
        Some(0)
    );
    let file = format!("ci.yml={}", template.display());
    let drift = check(&["--file", &file]);
    assert_eq!(drift.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&drift.stdout).contains("would change ci.yml"));
    fleet
        .cmd_in(&dir)
        .args(["check", "--forbid", "MIT"])
        .assert()
        .code(2);

    // A wrapper hook hands the flags to hooks/pre-push after git's two arguments.
    let hook = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-push");
    let wrapper = dir.join(".git/hooks/pre-push");
    fs::create_dir_all(wrapper.parent().expect("a folder")).expect("mkdir");
    fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec '{}' \"$@\" --license MIT --forbid ISC\n",
            hook.display()
        ),
    )
    .expect("write the wrapper");
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).expect("chmod");
    fleet.commit_file("plain", "b.txt", "b\n", "more");
    let blocked = push(&fleet, "plain");
    assert!(!blocked.status.success());
    assert!(String::from_utf8_lossy(&blocked.stderr).contains("blocked"));
}

/// Runs `git-batch ARGS` from the root with colour off; returns the exit code and stdout.
fn checked(fleet: &Fleet, args: &[&str]) -> (Option<i32>, String) {
    let output = fleet
        .cmd()
        .args(["--color", "never"])
        .args(args)
        .output()
        .expect("run");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn a_check_that_could_not_decide_a_repository_fails_and_names_it() {
    // A repository skipped by a check was not checked: a CI job or a hook must not pass on it.
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "odd",
        &[
            ("LICENSE", b"Ask before use.\n"),
            ("a.rs", b"// SPDX-License-Identifier: MIT\n"),
        ],
    );
    repo_with(&fleet, "fine", &[("ci.yml", CI.as_bytes())]);
    fs::write(fleet.base.join("ci.yml"), CI).expect("write the template");
    let template = fleet.base.join("ci.yml");
    let template = template.to_str().expect("UTF-8 path");

    let (code, stdout) = checked(
        &fleet,
        &[
            "license-update",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
            "--check",
        ],
    );
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("1 repository could not be checked (skipped): odd"),
        "{stdout}"
    );
    assert!(!stdout.contains("no repository would change"), "{stdout}");

    let (code, stdout) = checked(
        &fleet,
        &["check", "--license", "Apache-2.0", "--forbid", "MIT"],
    );
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("could not be checked (skipped): odd"),
        "{stdout}"
    );

    // file-replace: a path that is a symbolic link is skipped, never followed.
    fleet.symlink("fine/link.yml", Path::new("ci.yml"));
    fleet.git(&fleet.path("fine"), &["add", "link.yml"]);
    fleet.git(&fleet.path("fine"), &["commit", "-q", "-m", "a link"]);
    let (code, stdout) = checked(
        &fleet,
        &[
            "-t",
            "fine",
            "file-replace",
            "--pattern",
            "link.yml",
            "--replacement",
            template,
            "--check",
        ],
    );
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("could not be checked (skipped): fine"),
        "{stdout}"
    );

    // Without a skip, a check that finds nothing still passes.
    let (code, stdout) = checked(
        &fleet,
        &[
            "-t",
            "fine",
            "file-replace",
            "--pattern",
            "ci.yml",
            "--replacement",
            template,
            "--check",
        ],
    );
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("no repository would change"), "{stdout}");
}

/// Runs `line` with `sh -c` in `dir`, as a user pasting it would: git-batch on PATH (so that
/// `git batch` finds it), git's configuration and the journal in the fleet's home.
pub fn paste(fleet: &Fleet, dir: &Path, line: &str) -> std::process::Output {
    let bin_dir = Path::new(GIT_BATCH).parent().expect("a folder");
    Command::new("sh")
        .args(["-c", line])
        .current_dir(dir)
        .env_clear()
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("HOME", &fleet.home)
        .env("XDG_CONFIG_HOME", fleet.home.join(".config"))
        .env("XDG_STATE_HOME", fleet.home.join(".local/state"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run sh")
}

#[test]
fn printed_fix_commands_are_shell_quoted_and_work_when_pasted() {
    // A policy path that closes a single quote, and a template name with a command
    // substitution: pasted unquoted, either would run `touch`.
    let path = "ci'; touch pwned; echo '.yml";
    let template = "templates/t$(touch pwned2).yml";
    let policy = format!(
        "[policy]\nlicense = \"Apache-2.0\"\nforbid = [\"MIT\"]\n\n\
         [[policy.files]]\npath = \"{path}\"\ntemplate = \"{template}\"\n"
    );
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "app",
        &[
            (".git-batch.toml", policy.as_bytes()),
            (template, CI.as_bytes()),
            (path, b"name: old\n"),
            ("src/a.rs", b"// SPDX-License-Identifier: MIT\n"),
        ],
    );
    let dir = fleet.path("app");
    let output = fleet
        .cmd_in(&dir)
        .args(["-t", ".", "--color", "never", "check"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let fixes: Vec<&str> = stdout
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("to fix"))
        .skip(1)
        .map(str::trim)
        .collect();
    assert_eq!(fixes.len(), 2, "{stdout}");
    for fix in &fixes {
        let pasted = paste(&fleet, &dir, fix);
        assert!(
            pasted.status.success(),
            "{fix}: {}{}",
            String::from_utf8_lossy(&pasted.stdout),
            String::from_utf8_lossy(&pasted.stderr)
        );
    }
    for marker in ["pwned", "pwned2"] {
        assert!(!dir.join(marker).exists(), "pasting ran `touch {marker}`");
    }
    // The fixes did what they said: the repository follows its policy now.
    let again = fleet
        .cmd_in(&dir)
        .args(["-t", ".", "--color", "never", "check"])
        .output()
        .expect("run");
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert_eq!(fs::read_to_string(dir.join(path)).expect("read"), CI);
}

#[test]
fn policy_templates_stay_in_the_configurations_folder_unless_written_absolute() {
    let fleet = Fleet::new();
    let outside = fleet.base.join("outside.yml");
    fs::write(&outside, CI).expect("write");
    let outside = outside.to_str().expect("UTF-8 path").to_owned();
    repo_with(&fleet, "app", &[("ci.yml", CI.as_bytes())]);
    let dir = fleet.path("app");
    std::os::unix::fs::symlink(&outside, dir.join("linked.yml")).expect("symlink");
    let check = |template: &str| {
        fs::write(
            dir.join(".git-batch.toml"),
            format!("[[policy.files]]\npath = \"ci.yml\"\ntemplate = \"{template}\"\n"),
        )
        .expect("write the policy");
        let output = fleet
            .cmd_in(&dir)
            .args(["-t", ".", "check"])
            .output()
            .expect("run");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    for template in [
        "../../../../../../etc/passwd",
        "../outside.yml",
        "linked.yml",
    ] {
        let (code, stderr) = check(template);
        assert_eq!(code, Some(2), "{template}: {stderr}");
        assert!(
            stderr.contains(template) && stderr.contains("absolute path"),
            "{template}: {stderr}"
        );
    }
    // Written as an absolute path, a template elsewhere is what the user asked for.
    let (code, stderr) = check(&outside);
    assert_eq!(code, Some(0), "{stderr}");
    // And one inside the folder is found as before.
    fs::write(dir.join("ci-template.yml"), CI).expect("write");
    let (code, stderr) = check("./ci-template.yml");
    assert_eq!(code, Some(0), "{stderr}");
}
