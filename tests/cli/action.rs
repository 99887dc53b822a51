//! The GitHub Action without GitHub: `action.yml` parsed and checked against the script it
//! runs, and the example workflows of `examples/workflows/` executed step by step through
//! `scripts/action.sh` (inputs in `INPUT_*`, as the composite step maps them) against a fleet of
//! local bare repositories, asserting on `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, the error
//! annotations and the remotes.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::fixture::{Fleet, GIT_BATCH};
use crate::license::MIT_LICENSE;

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A YAML file as JSON, read by PyYAML from the virtual environment `scripts/test.sh` made
/// (pre-commit depends on it).
pub(crate) fn yaml(path: &Path) -> Value {
    let pre_commit = std::env::var_os("GIT_BATCH_TEST_PRE_COMMIT").map(PathBuf::from);
    let python = pre_commit
        .as_deref()
        .and_then(Path::parent)
        .map(|bin| bin.join("python3"))
        .filter(|python| python.exists())
        .unwrap_or_else(|| {
            panic!("PyYAML is needed: run the tests with ./scripts/test.sh, which installs it")
        });
    let output = Command::new(python)
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(path)
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

#[test]
fn every_input_the_script_reads_is_declared_and_mapped_through_env() {
    let action = yaml(&crate_dir().join("action.yml"));
    let script = fs::read_to_string(crate_dir().join("scripts/action.sh")).expect("read");
    let declared: Vec<&str> = action["inputs"]
        .as_object()
        .expect("inputs")
        .keys()
        .map(String::as_str)
        .collect();
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let run_step = steps
        .iter()
        .find(|step| step.get("run").is_some())
        .expect("a run step");
    let run = run_step["run"].as_str().expect("a run line");
    assert!(
        !run.contains("${{"),
        "inputs must reach the script through env:, not its text: {run}"
    );
    assert!(run.contains("scripts/action.sh"), "{run}");
    let env = run_step["env"].as_object().expect("env");

    let mut read: Vec<String> = script
        .match_indices("INPUT_")
        .map(|(at, _)| {
            script[at..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| name.len() > "INPUT_".len())
        .collect();
    read.sort();
    read.dedup();
    assert!(read.len() >= 8, "{read:?}");
    for variable in &read {
        let input = variable["INPUT_".len()..].to_lowercase().replace('_', "-");
        assert!(
            declared.contains(&input.as_str()),
            "{variable}: no input {input}"
        );
        assert_eq!(
            env.get(variable).and_then(Value::as_str),
            Some(format!("${{{{ inputs.{input} }}}}").as_str()),
            "{variable} is not mapped from inputs.{input}"
        );
    }
    for input in &declared {
        let variable = format!("INPUT_{}", input.to_uppercase().replace('-', "_"));
        assert!(read.contains(&variable), "input {input} is never read");
    }
    for output in ["changed", "unchanged", "skipped", "failed", "report", "prs"] {
        assert_eq!(
            action["outputs"][output]["value"],
            format!("${{{{ steps.run.outputs.{output} }}}}")
        );
        assert!(script.contains(&format!("{output}=")) || script.contains("for key in"));
    }
}

/// `git clone -q FROM TO`.
pub(crate) fn clone(fleet: &Fleet, from: &Path, to: &Path) {
    fleet.git(
        &fleet.base,
        &[
            OsStr::new("clone"),
            OsStr::new("-q"),
            from.as_os_str(),
            to.as_os_str(),
        ],
    );
}

/// A bare remote `REMOTES/my-org/NAME.git` whose `main` holds `files` (path, content).
pub(crate) fn remote_with(fleet: &Fleet, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let bare = fleet.remotes.join(format!("my-org/{name}.git"));
    fs::create_dir_all(&bare).expect("mkdir");
    fleet.git(&bare, &["init", "-q", "--bare"]);
    let work = fleet.scratch.join(name);
    clone(fleet, &bare, &work);
    for (path, content) in files {
        fs::write(work.join(path), content).expect("write");
    }
    fleet.git(&work, &["add", "-A"]);
    fleet.git(&work, &["commit", "-q", "-m", "first"]);
    fleet.git(&work, &["push", "-q", "origin", "main"]);
    bare
}

/// A bare remote `REMOTES/my-org/NAME.git` whose `main` declares MIT everywhere.
pub(crate) fn mit_remote(fleet: &Fleet, name: &str) -> PathBuf {
    remote_with(
        fleet,
        name,
        &[
            ("LICENSE", MIT_LICENSE),
            ("lib.rs", "// SPDX-License-Identifier: MIT\n"),
        ],
    )
}

/// What one run of the action's step left.
pub(crate) struct StepRun {
    pub(crate) output: Output,
    pub(crate) outputs: BTreeMap<String, String>,
    pub(crate) summary: String,
}

impl StepRun {
    pub(crate) fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
}

/// Runs `scripts/action.sh` as the composite step would, on a fresh runner (its own
/// RUNNER_TEMP), with `with` as the inputs.
pub(crate) fn run_step(fleet: &Fleet, runner: &str, with: &BTreeMap<String, String>) -> StepRun {
    let temp = fleet.base.join("runners").join(runner);
    fs::create_dir_all(&temp).expect("mkdir");
    let (outputs_file, summary_file) = (temp.join("output"), temp.join("summary.md"));
    let bin_dir = Path::new(GIT_BATCH).parent().expect("a folder");
    let mut command = Command::new("bash");
    command
        .arg(crate_dir().join("scripts/action.sh"))
        .current_dir(&temp)
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
        .env("XDG_STATE_HOME", fleet.home.join(".local/state"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("LC_ALL", "C")
        .env("GITHUB_OUTPUT", &outputs_file)
        .env("GITHUB_STEP_SUMMARY", &summary_file)
        .env("GITHUB_ACTION_PATH", crate_dir())
        .env("GITHUB_WORKSPACE", &temp)
        .env("RUNNER_TEMP", &temp);
    let action = yaml(&crate_dir().join("action.yml"));
    for (input, spec) in action["inputs"].as_object().expect("inputs") {
        let value = with
            .get(input)
            .cloned()
            .or_else(|| spec["default"].as_str().map(str::to_owned))
            .unwrap_or_default();
        command.env(
            format!("INPUT_{}", input.to_uppercase().replace('-', "_")),
            value,
        );
    }
    let output = command.output().expect("run the action's script");
    let outputs = fs::read_to_string(&outputs_file)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    StepRun {
        output,
        outputs,
        summary: fs::read_to_string(&summary_file).unwrap_or_default(),
    }
}

/// The `with:` of the git-batch step of an example workflow, with `${{ … }}` expressions
/// replaced as GitHub would (`values`), and `base-url` pointed at the local remotes.
fn example_inputs(
    workflow: &Value,
    fleet: &Fleet,
    values: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let jobs = workflow["jobs"].as_object().expect("jobs");
    let steps = jobs.values().next().expect("a job")["steps"]
        .as_array()
        .expect("steps");
    let step = steps
        .iter()
        .find(|step| {
            step["uses"]
                .as_str()
                .is_some_and(|uses| uses.contains("git-batch"))
        })
        .expect("a git-batch step");
    let mut with: BTreeMap<String, String> = step["with"]
        .as_object()
        .expect("with")
        .iter()
        .map(|(k, v)| {
            let mut text = v.as_str().expect("a string").to_owned();
            for (expression, value) in values {
                text = text.replace(expression, value);
            }
            assert!(
                !text.contains("${{"),
                "unreplaced expression in {k}: {text}"
            );
            (k.clone(), text)
        })
        .collect();
    with.insert("base-url".into(), fleet.remotes.display().to_string());
    with
}

#[test]
fn the_example_workflows_relicense_a_fleet_in_shards_and_check_for_drift() {
    let fleet = Fleet::new();
    for name in ["api", "web", "cli", "docs"] {
        mit_remote(&fleet, name);
    }
    // The docs remote refuses every push, with a message that needs escaping in an annotation.
    let hook = fleet.remotes.join("my-org/docs.git/hooks/pre-receive");
    fs::create_dir_all(hook.parent().expect("a folder")).expect("mkdir");
    fs::write(
        &hook,
        "#!/bin/sh\necho 'denied: 100% sure, no relicensing' >&2\nexit 1\n",
    )
    .expect("write");
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).expect("chmod");

    let drift = yaml(&crate_dir().join("examples/workflows/drift-check.yml"));
    let check_inputs = example_inputs(&drift, &fleet, &[("${{ secrets.FLEET_TOKEN }}", "")]);
    let before = run_step(&fleet, "drift-1", &check_inputs);
    assert_eq!(before.output.status.code(), Some(1), "{}", before.stdout());
    assert_eq!(before.outputs["changed"], "4");
    assert!(before.summary.contains("(check)"), "{}", before.summary);

    let relicense = yaml(&crate_dir().join("examples/workflows/relicense.yml"));
    let shards: Vec<String> = relicense["jobs"]["relicense"]["strategy"]["matrix"]["shard"]
        .as_array()
        .expect("a shard matrix")
        .iter()
        .map(|s| s.as_str().expect("K/N").to_owned())
        .collect();
    assert_eq!(shards.len(), 4);
    let (mut changed, mut failed) = (0, 0);
    let mut annotations = String::new();
    let mut summaries = String::new();
    for (i, shard) in shards.iter().enumerate() {
        let inputs = example_inputs(
            &relicense,
            &fleet,
            &[
                ("${{ matrix.shard }}", shard),
                ("${{ secrets.FLEET_TOKEN }}", ""),
            ],
        );
        let run = run_step(&fleet, &format!("shard-{i}"), &inputs);
        let count = |key: &str| run.outputs[key].parse::<usize>().expect("a count");
        changed += count("changed");
        failed += count("failed");
        assert!(Path::new(&run.outputs["report"]).is_file());
        let expected = if count("failed") > 0 {
            Some(1)
        } else {
            Some(0)
        };
        assert_eq!(run.output.status.code(), expected, "{}", run.stdout());
        annotations.push_str(&run.stdout());
        summaries.push_str(&run.summary);
    }
    assert_eq!(
        (changed, failed),
        (3, 1),
        "every repository in exactly one shard"
    );
    for name in ["api", "web", "cli"] {
        let remote = fleet.remotes.join(format!("my-org/{name}.git"));
        let subject = fleet.git(&remote, &["log", "-1", "--format=%s", "main"]);
        assert_eq!(subject, "chore: relicense under Apache-2.0\n", "{name}");
    }
    assert!(summaries.contains("| api | changed |"), "{summaries}");
    assert!(summaries.contains("| docs | failed |"), "{summaries}");
    let annotation = annotations
        .lines()
        .find(|line| line.starts_with("::error "))
        .expect("an annotation for the failed repository");
    assert!(
        annotation.starts_with("::error title=git batch license-update%3A docs failed::"),
        "{annotation}"
    );
    assert!(annotation.contains("100%25 sure"), "{annotation}");
    assert!(!annotation["::error ".len()..].contains('\n'));

    let after = run_step(&fleet, "drift-2", &check_inputs);
    assert_eq!(after.output.status.code(), Some(1));
    assert_eq!(
        after.outputs["changed"], "1",
        "only docs still declares MIT"
    );
}

#[test]
fn args_are_split_like_a_shell_and_never_evaluated() {
    let fleet = Fleet::new();
    mit_remote(&fleet, "api");
    let canary = fleet.base.join("canary");
    let mut with = BTreeMap::new();
    with.insert("repositories".to_owned(), "my-org/api".to_owned());
    with.insert("base-url".to_owned(), fleet.remotes.display().to_string());
    with.insert("command".to_owned(), "license-update".to_owned());
    with.insert(
        "args".to_owned(),
        format!(
            "--old MIT --new Apache-2.0 -m 'chore: a \"quoted\" $(touch {0}) message' --no-commit",
            canary.display()
        ),
    );
    let run = run_step(&fleet, "split", &with);
    assert_eq!(run.output.status.code(), Some(0), "{}", run.stdout());
    assert!(!canary.exists(), "the args were evaluated");
    assert_eq!(run.outputs["changed"], "1");

    with.insert("command".to_owned(), "$(touch x)".to_owned());
    let bad = run_step(&fleet, "bad", &with);
    assert_eq!(bad.output.status.code(), Some(2));
    assert!(
        bad.stdout().contains("::error title=git-batch::"),
        "{}",
        bad.stdout()
    );
}

/// Symbolic links in `into` to every program of folder `dir` but `git-batch`.
fn link_programs_but_git_batch(dir: &Path, into: &Path) {
    fs::create_dir_all(into).expect("mkdir");
    for entry in fs::read_dir(dir).expect("read a PATH folder") {
        let entry = entry.expect("a folder entry");
        if entry.file_name() != "git-batch" {
            std::os::unix::fs::symlink(entry.path(), into.join(entry.file_name()))
                .expect("symlink");
        }
    }
}

/// `path` without any `git-batch`: each folder holding one is replaced by a folder (under
/// `scratch`) of links to its other programs, since dropping it would also drop what sits next
/// to git-batch (cargo, when `cargo install` put it in `~/.cargo/bin`).
pub(crate) fn path_without_git_batch(path: &str, scratch: &Path) -> String {
    path.split(':')
        .enumerate()
        .map(|(i, dir)| {
            if Path::new(dir).join("git-batch").exists() {
                let shadow = scratch.join(i.to_string());
                // A second call with the same `scratch` (one test, several steps) finds the
                // links already made.
                if !shadow.exists() {
                    link_programs_but_git_batch(Path::new(dir), &shadow);
                }
                shadow.display().to_string()
            } else {
                dir.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(":")
}

#[test]
fn without_git_batch_on_path_the_action_builds_it_from_its_own_source() {
    let fleet = Fleet::new();
    mit_remote(&fleet, "api");
    let temp = fleet.base.join("runner");
    fs::create_dir_all(&temp).expect("mkdir");
    // As on a machine where the README's `cargo install --locked --path .` was run: a
    // git-batch sits in cargo's own folder (`~/.cargo/bin`), which must stay on PATH for cargo.
    let path = std::env::var("PATH").unwrap_or_default();
    let cargo_dir = path
        .split(':')
        .find(|dir| Path::new(dir).join("cargo").is_file())
        .expect("cargo on PATH");
    let installed = fleet.base.join("installed-bin");
    link_programs_but_git_batch(Path::new(cargo_dir), &installed);
    std::os::unix::fs::symlink(GIT_BATCH, installed.join("git-batch")).expect("symlink");
    let path = path
        .split(':')
        .map(|dir| {
            if dir == cargo_dir {
                installed.display().to_string()
            } else {
                dir.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(":");
    let path = path_without_git_batch(&path, &fleet.base.join("path"));
    let output = Command::new("bash")
        .arg(crate_dir().join("scripts/action.sh"))
        .current_dir(&temp)
        .env_clear()
        .env("PATH", path)
        .env("HOME", &fleet.home)
        // Shared with the pre-commit test's build, so that the second one is incremental.
        .envs(crate::fixture::source_build_env())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GITHUB_OUTPUT", temp.join("output"))
        .env("GITHUB_STEP_SUMMARY", temp.join("summary.md"))
        .env("GITHUB_ACTION_PATH", crate_dir())
        .env("RUNNER_TEMP", &temp)
        .env("INPUT_COMMAND", "license-update")
        .env("INPUT_ARGS", "--old MIT --new Apache-2.0 --check")
        .env("INPUT_REPOSITORIES", "my-org/api")
        .env("INPUT_BASE_URL", &fleet.remotes)
        .env("INPUT_INSTALL", "auto")
        .output()
        .expect("run the action's script");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("::group::Install git-batch"), "{stdout}");
    assert!(fleet.home.join(".cargo/bin/git-batch").is_file());
    let outputs = fs::read_to_string(temp.join("output")).expect("outputs");
    assert!(outputs.contains("changed=1\n"), "{outputs}");
}

#[test]
fn the_token_goes_into_a_git_configuration_file_and_never_into_the_log() {
    let fleet = Fleet::new();
    let token = "ghp_s3cret-token";
    let mut with = BTreeMap::new();
    with.insert("command".to_owned(), "status".to_owned());
    with.insert("repositories".to_owned(), "my-org/api".to_owned());
    // Nothing listens on port 1: the clone fails at once, after the configuration is written.
    with.insert("base-url".to_owned(), "https://127.0.0.1:1".to_owned());
    with.insert("token".to_owned(), token.to_owned());
    let run = run_step(&fleet, "token", &with);
    assert_eq!(run.output.status.code(), Some(2), "{}", run.stdout());
    let log = format!(
        "{}{}",
        run.stdout(),
        String::from_utf8_lossy(&run.output.stderr)
    );
    assert!(!log.contains(token), "the token is in the log: {log}");
    let config = fs::read_to_string(
        fleet
            .base
            .join("runners/token/git-batch-credentials.gitconfig"),
    )
    .expect("the credentials file");
    let expected = {
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "printf 'x-access-token:{token}' | base64 | tr -d '\\n'"
            ))
            .output()
            .expect("base64");
        String::from_utf8(output.stdout).expect("ASCII")
    };
    assert!(
        config.contains("[http \"https://127.0.0.1:1/\"]")
            && config.contains(&format!("extraheader = AUTHORIZATION: basic {expected}")),
        "{config}"
    );
    assert!(log.contains(&format!("::add-mask::{expected}")), "{log}");
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(
            fleet
                .base
                .join("runners/token/git-batch-credentials.gitconfig"),
        )
        .expect("stat")
        .permissions()
        .mode()
            & 0o777
    };
    assert_eq!(mode, 0o600);
}
