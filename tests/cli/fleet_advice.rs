//! What a user new to git-batch is told on a fleet: fix commands that fix exactly the drifted
//! repositories when pasted from anywhere, what a dry run would do to each file, and the way out
//! of a skip.

use std::fs;

use crate::fixture::Fleet;
use crate::hooks::paste;
use crate::license::{MIT_LICENSE, repo_with};

const MIT_ID: &[u8] = b"// SPDX-License-Identifier: MIT\n";
const APACHE_ID: &str = "// SPDX-License-Identifier: Apache-2.0\n";

/// The lines printed under "to fix …:".
fn fix_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("to fix"))
        .skip(1)
        .map(|line| line.trim().to_owned())
        .filter(|line| !line.is_empty())
        .collect()
}

/// Three repositories, two declaring MIT where the policy wants Apache-2.0.
fn drifted_fleet() -> Fleet {
    let fleet = Fleet::new();
    repo_with(&fleet, "api", &[("src/a.rs", MIT_ID)]);
    repo_with(&fleet, "web", &[("src/b.rs", MIT_ID)]);
    repo_with(&fleet, "fine", &[("src/c.rs", APACHE_ID.as_bytes())]);
    fleet
}

#[test]
fn checks_fix_line_fixes_exactly_the_drifted_repositories_from_any_folder() {
    let fleet = drifted_fleet();
    fs::write(
        fleet.root.join(".git-batch.toml"),
        "[policy]\nlicense = \"Apache-2.0\"\nforbid = [\"MIT\"]\n",
    )
    .expect("write the policy");
    let output = fleet
        .cmd()
        .args(["--color", "never", "check"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let fixes = fix_lines(&stdout);
    assert_eq!(fixes.len(), 1, "{stdout}");
    assert!(fixes[0].contains(" -t 'api,web' "), "{stdout}");

    let untouched = fleet.head("fine");
    let before = [fleet.head("api"), fleet.head("web")];
    // Pasted from a folder that is neither the root nor a repository.
    let pasted = paste(&fleet, &fleet.scratch, &fixes[0]);
    assert!(
        pasted.status.success(),
        "{}: {}{}",
        fixes[0],
        String::from_utf8_lossy(&pasted.stdout),
        String::from_utf8_lossy(&pasted.stderr)
    );
    for (name, file) in [("api", "src/a.rs"), ("web", "src/b.rs")] {
        assert_eq!(
            fs::read_to_string(fleet.path(name).join(file)).expect("read"),
            APACHE_ID,
            "{name}"
        );
    }
    assert_ne!([fleet.head("api"), fleet.head("web")], before);
    assert_eq!(
        fleet.head("fine"),
        untouched,
        "a repository in line was left alone"
    );
    let again = fleet
        .cmd()
        .args(["--color", "never", "check"])
        .output()
        .expect("run");
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}

#[test]
fn check_flags_fix_line_is_the_same_command_on_the_drifted_repositories() {
    let fleet = drifted_fleet();
    let template = fleet.base.join("ci.yml");
    fs::write(&template, "name: ci\n").expect("write a template");
    repo_with(&fleet, "ci-ok", &[("ci.yml", b"name: ci\n")]);
    repo_with(&fleet, "ci-old", &[("ci.yml", b"name: old\n")]);
    // Given a relative root and a relative replacement, from the fleet's base folder.
    for (args, drifted, pasted_in) in [
        (
            vec![
                "-C",
                "root",
                "license-update",
                "--old",
                "MIT",
                "--new",
                "Apache-2.0",
            ],
            "api,web",
            fleet.home.clone(),
        ),
        (
            vec![
                "-C",
                "root",
                "file-replace",
                "--pattern",
                "ci.yml",
                "--replacement",
                "ci.yml",
            ],
            "ci-old",
            fleet.scratch.clone(),
        ),
    ] {
        let mut full = vec!["--color", "never"];
        full.extend(args.iter().copied());
        full.push("--check");
        let output = fleet.cmd_in(&fleet.base).args(&full).output().expect("run");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stdout}");
        let fixes = fix_lines(&stdout);
        assert_eq!(fixes.len(), 1, "{args:?}: {stdout}");
        assert!(
            fixes[0].contains(&format!(" -t {drifted} "))
                || fixes[0].contains(&format!(" -t '{drifted}' ")),
            "{stdout}"
        );
        assert!(!fixes[0].contains("--check"), "{stdout}");
        let heads: Vec<String> = ["api", "web", "fine", "ci-ok", "ci-old"]
            .iter()
            .map(|name| fleet.head(name))
            .collect();
        let pasted = paste(&fleet, &pasted_in, &fixes[0]);
        assert!(
            pasted.status.success(),
            "{}: {}{}",
            fixes[0],
            String::from_utf8_lossy(&pasted.stdout),
            String::from_utf8_lossy(&pasted.stderr)
        );
        for (name, before) in ["api", "web", "fine", "ci-ok", "ci-old"].iter().zip(&heads) {
            let moved = fleet.head(name) != *before;
            assert_eq!(
                moved,
                drifted.split(',').any(|d| d == *name),
                "{args:?}: {name}"
            );
        }
        let again = fleet.cmd_in(&fleet.base).args(&full).output().expect("run");
        assert_eq!(
            again.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&again.stdout)
        );
    }
}

#[test]
fn a_license_file_named_old_dash_license_is_renamed_in_its_style() {
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "gem",
        &[
            ("MIT-LICENSE", MIT_LICENSE.as_bytes()),
            ("lib/gem.rb", b"# SPDX-License-Identifier: MIT\n"),
        ],
    );
    let output = fleet
        .cmd()
        .args([
            "--color",
            "never",
            "license-update",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
        ])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let dir = fleet.path("gem");
    assert!(!dir.join("MIT-LICENSE").exists(), "{stdout}");
    let renamed = fs::read_to_string(dir.join("APACHE-LICENSE")).expect("APACHE-LICENSE");
    assert!(renamed.contains("Apache License"), "{renamed}");
    assert!(renamed.contains("Copyright (c) 2021 Jane Doe"), "{renamed}");
    let committed = fleet.git(&dir, &["show", "--name-status", "--format=", "HEAD"]);
    assert_eq!(
        committed, "A\tAPACHE-LICENSE\nD\tMIT-LICENSE\nM\tlib/gem.rb\n",
        "{stdout}"
    );
}

#[test]
fn dry_runs_say_what_they_would_do_to_each_file() {
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "lib",
        &[
            ("LICENSE-MIT", MIT_LICENSE.as_bytes()),
            ("src/a.rs", MIT_ID),
            ("old-ci.yml", b"name: old\n"),
        ],
    );
    let template = fleet.base.join("ci.yml");
    fs::write(&template, "name: ci\n").expect("write a template");
    let template = template.to_str().expect("UTF-8");
    let image = fleet.git(&fleet.path("lib"), &["status", "--porcelain", "--ignored"]);
    for (args, said) in [
        (
            vec!["license-update", "--old", "MIT", "--new", "Apache-2.0"],
            vec![
                "would create LICENSE-APACHE",
                "would remove LICENSE-MIT",
                "would change src/a.rs",
            ],
        ),
        (
            vec![
                "file-replace",
                "--pattern",
                "old-ci.yml",
                "--replacement",
                template,
                "--to",
                "ci.yml",
            ],
            vec!["would create ci.yml", "would remove old-ci.yml"],
        ),
    ] {
        let mut full = vec!["--color", "never", "-n"];
        full.extend(args.iter().copied());
        let output = fleet.cmd().args(&full).output().expect("run");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert_eq!(output.status.code(), Some(0), "{stdout}");
        let lines: Vec<&str> = stdout
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with("would "))
            .collect();
        assert_eq!(lines, said, "{stdout}");
        // JSON keeps its fields: the paths, nothing more.
        full.extend(["--format", "json"]);
        let json = fleet.cmd().args(&full).output().expect("run");
        let document: serde_json::Value =
            serde_json::from_slice(&json.stdout).expect("a JSON document");
        let files = &document["repos"][0]["files"];
        assert_eq!(
            files.as_array().map(Vec::len),
            Some(said.len()),
            "{document}"
        );
        assert!(document["repos"][0].get("planned").is_none());
    }
    assert_eq!(
        fleet.git(&fleet.path("lib"), &["status", "--porcelain", "--ignored"]),
        image,
        "a dry run writes nothing"
    );
}

#[test]
fn check_shows_the_mentions_license_update_leaves_alone() {
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "app",
        &[
            ("README.md", b"# app\n\nReleased under the MIT License.\n"),
            ("src/a.rs", MIT_ID),
        ],
    );
    let run = |args: &[&str]| {
        let output = fleet
            .cmd()
            .args(["--color", "never"])
            .args(args)
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(1));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let mentioned = |stdout: &str| -> Vec<String> {
        stdout
            .lines()
            .filter(|line| line.contains("mentioned at"))
            .map(str::to_owned)
            .collect()
    };
    let update = run(&[
        "license-update",
        "--old",
        "MIT",
        "--new",
        "Apache-2.0",
        "--check",
    ]);
    let check = run(&["check", "--license", "Apache-2.0", "--forbid", "MIT"]);
    let said = mentioned(&update);
    assert_eq!(said.len(), 1, "{update}");
    assert!(said[0].contains("README.md:3, left alone"), "{update}");
    assert_eq!(mentioned(&check), said, "{check}");
}

#[test]
fn checks_skip_for_another_license_text_says_the_way_out() {
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "odd",
        &[
            ("LICENSE", b"All rights reserved by the odd company.\n"),
            ("src/a.rs", MIT_ID),
        ],
    );
    let output = fleet
        .cmd()
        .args([
            "--color",
            "never",
            "check",
            "--license",
            "Apache-2.0",
            "--forbid",
            "MIT",
        ])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let skipped = stdout
        .lines()
        .find(|line| line.contains("odd: skipped"))
        .unwrap_or_else(|| panic!("a skip: {stdout}"));
    assert!(
        skipped.contains("LICENSE holds another text than the MIT license"),
        "{stdout}"
    );
    assert!(
        skipped.contains("run license-update with --ids-only to change only the declarations"),
        "{stdout}"
    );
}

#[test]
fn a_skip_for_a_nested_repository_says_what_to_do_and_its_command_works() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    let nested = fleet.path("app").join("sub");
    fleet.git(
        &fleet.base,
        &["init", "-q", nested.to_str().expect("UTF-8")],
    );
    fleet.git(&nested, &["commit", "-q", "--allow-empty", "-m", "first"]);
    let template = fleet.base.join("new.sh");
    fs::write(&template, "echo new\n").expect("write a template");
    let output = fleet
        .cmd()
        .args([
            "--color",
            "never",
            "file-replace",
            "--pattern",
            "sub/new.sh",
        ])
        .args(["--create", "--replacement"])
        .arg(&template)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let skipped = stdout
        .lines()
        .find(|line| line.contains("app: skipped"))
        .unwrap_or_else(|| panic!("a skip: {stdout}"));
    assert!(skipped.contains("sub is another repository"), "{stdout}");
    assert!(
        skipped.contains("or leave this repository out with --exclude"),
        "{stdout}"
    );
    // The command it names runs in the nested repository.
    let named = format!("-t {} ", nested.display());
    assert!(skipped.contains(&named), "{stdout}");
    let there = fleet
        .cmd()
        .args(["--color", "never", "-t"])
        .arg(&nested)
        .args([
            "file-replace",
            "--pattern",
            "new.sh",
            "--create",
            "--no-commit",
        ])
        .arg("--replacement")
        .arg(&template)
        .output()
        .expect("run");
    assert_eq!(
        there.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&there.stdout)
    );
    assert_eq!(
        fs::read_to_string(nested.join("new.sh")).expect("written"),
        "echo new\n"
    );
}
