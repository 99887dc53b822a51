//! `.git-batch.toml` errors point at the file, line, column and key, and say what was expected.

use std::fs;

use crate::fixture::Fleet;

/// Runs `git-batch list` on a fleet whose configuration is `text`; it must be a usage error
/// (exit 2, nothing listed). Returns stderr and the configuration's path.
fn config_error(text: &str) -> (String, String) {
    let fleet = Fleet::new();
    fleet.add_repo_without_remote("alpha");
    let path = fleet.root.join(".git-batch.toml");
    fs::write(&path, text).expect("write the config");
    let output = fleet.cmd().arg("list").output().expect("run");
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(output.stdout.is_empty(), "a usage error lists nothing");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8 stderr");
    (stderr, path.display().to_string())
}

#[test]
fn a_value_of_the_wrong_type_is_named_by_file_line_column_and_key() {
    let (stderr, path) = config_error("[groups]\nweb = [\"alpha\"]\nbogus_key = 3\n");
    assert!(
        stderr.contains(&format!(
            "{path}:3:13: groups.bogus_key: invalid type: integer `3`, expected an array"
        )),
        "{stderr}"
    );
}

#[test]
fn an_unknown_key_in_defaults_or_policy_is_named_with_its_line() {
    let (stderr, path) = config_error("[defaults]\ndepth = 2\nparalel = 4\n");
    assert!(
        stderr.contains(&format!(
            "{path}:3:1: defaults.paralel: unknown field `paralel`, expected one of"
        )),
        "{stderr}"
    );
    let (stderr, path) = config_error("[policy]\n  licence = \"MIT\"\n");
    assert!(
        stderr.contains(&format!(
            "{path}:2:3: policy.licence: unknown field `licence`"
        )),
        "{stderr}"
    );
}

#[test]
fn a_value_out_of_range_is_named_by_its_line() {
    let (stderr, path) = config_error("[defaults]\n\nparallel = 0\n");
    assert!(
        stderr.contains(&format!("{path}:3:1: defaults.parallel must be at least 1")),
        "{stderr}"
    );
}
