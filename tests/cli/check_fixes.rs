//! `check` as a user meets it: what it says when there is no policy to check, and fix commands
//! that work as printed.

use std::fs;

use crate::fixture::Fleet;

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
