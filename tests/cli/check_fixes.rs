//! `check` as a user meets it: what it says when there is no policy to check, and fix commands
//! that work as printed.

use std::fs;

use crate::fixture::Fleet;
use crate::hooks::paste;
use crate::license::repo_with;

#[test]
fn check_without_a_policy_says_whether_the_file_exists_with_a_plain_path() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    let root = fleet.root.display().to_string();
    let roundabout = fleet.root.join("app").join("..");
    let run = || {
        let output = fleet
            .cmd()
            .args(["-C", roundabout.to_str().expect("UTF-8"), "check"])
            .output()
            .expect("run git-batch");
        assert_eq!(output.status.code(), Some(2));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let stderr = run();
    assert!(
        stderr.contains(&format!("there is no .git-batch.toml in {root};")),
        "{stderr}"
    );
    assert!(!stderr.contains(".."), "{stderr}");
    fs::write(
        fleet.root.join(".git-batch.toml"),
        "[groups]\nweb = [\"app\"]\n",
    )
    .expect("write");
    let stderr = run();
    assert!(
        stderr.contains(&format!("{root}/.git-batch.toml has no [policy]")),
        "{stderr}"
    );
}

#[test]
fn the_printed_fix_leaves_out_what_it_would_skip_and_says_why() {
    let fleet = Fleet::new();
    let path = ".github/workflows/ci.yml";
    for name in ["dirty", "detached", "fine"] {
        repo_with(&fleet, name, &[(path, b"old\n")]);
    }
    fs::create_dir(fleet.root.join("templates")).expect("a folder");
    fs::write(fleet.root.join("templates/ci.yml"), "new\n").expect("write");
    fs::write(
        fleet.root.join(".git-batch.toml"),
        format!("[[policy.files]]\npath = \"{path}\"\ntemplate = \"templates/ci.yml\"\n"),
    )
    .expect("write the policy");
    fleet.write("dirty", path, "the user's edit\n");
    fleet.detach("detached");
    let output = fleet
        .cmd()
        .args(["--color", "never", "check"])
        .output()
        .expect("run git-batch");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let lines: Vec<&str> = stdout.lines().map(str::trim).collect();
    let after = |heading: &str| -> Vec<&str> {
        lines
            .iter()
            .skip_while(|line| !line.starts_with(heading))
            .skip(1)
            .take_while(|line| !line.starts_with("left out") && !line.starts_with("to fix"))
            .copied()
            .collect()
    };
    let fixes = after("to fix");
    assert_eq!(fixes.len(), 1, "{stdout}");
    assert!(fixes[0].contains(" -t fine "), "{stdout}");
    assert_eq!(
        after("left out, as the fix would skip them as they are"),
        [
            "detached: detached HEAD: check out a branch first (or use --no-commit to change \
             the files only)",
            "dirty: uncommitted changes to .github/workflows/ci.yml: commit or stash them first",
        ],
        "{stdout}"
    );
    // The JSON says it too.
    let document = fleet.json(&["check"]);
    assert!(
        crate::fixture::repo(&document, "dirty")["fix_blocked"]
            .as_str()
            .is_some_and(|reason| reason.contains("commit or stash")),
        "{document}"
    );
    assert!(crate::fixture::repo(&document, "fine")["fix_blocked"].is_null());
    // The command works as printed: it changes the one repository it names, and fails none.
    let pasted = paste(&fleet, &fleet.scratch, fixes[0]);
    let said = String::from_utf8_lossy(&pasted.stdout);
    assert!(pasted.status.success(), "{said}");
    assert!(said.contains("1 changed, 0 unchanged, 0 skipped"), "{said}");
}
