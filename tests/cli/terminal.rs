//! Terminal conventions, tried for real: bash completion (on its own and through git's own
//! completion for `git batch …`), zsh and fish scripts, man pages that `git batch --help` opens,
//! and `-h` with examples.

use std::path::Path;
use std::process::Command;

use crate::fixture::{Fleet, GIT_BATCH};

/// Runs `script` in bash with git-batch's folder first on PATH; returns its standard output.
fn bash(fleet: &Fleet, script: &str) -> String {
    let dir = Path::new(GIT_BATCH).parent().expect("a folder");
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("PATH", path)
        .env("HOME", &fleet.home)
        .output()
        .expect("run bash");
    assert!(
        output.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn bash_completes_commands_and_their_flags() {
    let fleet = Fleet::new();
    let out = bash(
        &fleet,
        r#"source <(git-batch completions bash)
           complete_line() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ));
               _git__batch git-batch "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}";
               echo "${COMPREPLY[*]}"; }
           complete_line git-batch lic
           complete_line git-batch file-replace --pat
           complete_line git-batch completions z"#,
    );
    assert_eq!(out, "license-update\n--pattern\nzsh\n");
}

#[test]
fn git_batch_completes_through_gits_own_completion() {
    let git_completion = "/usr/share/bash-completion/completions/git";
    assert!(
        Path::new(git_completion).exists(),
        "git's bash completion ({git_completion}) is needed for this test"
    );
    let fleet = Fleet::new();
    let out = bash(
        &fleet,
        &format!(
            r#"source {git_completion}
               source <(git-batch completions bash)
               COMP_WORDS=(git batch license-update --ol); COMP_CWORD=3
               COMP_LINE="git batch license-update --ol"; COMP_POINT=${{#COMP_LINE}}
               __git_wrap__git_main; echo "${{COMPREPLY[*]}}""#
        ),
    );
    assert_eq!(out.trim(), "--old");
}

#[test]
fn zsh_and_fish_scripts_name_every_command() {
    for shell in ["zsh", "fish"] {
        let output = Command::new(GIT_BATCH)
            .args(["completions", shell])
            .output()
            .expect("run");
        assert!(output.status.success());
        let script = String::from_utf8_lossy(&output.stdout);
        for command in ["license-update", "file-replace", "clone", "sync", "undo"] {
            assert!(script.contains(command), "{shell}: {command} missing");
        }
    }
    let bad = Command::new(GIT_BATCH)
        .args(["completions", "tcsh"])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn git_batch_help_opens_the_installed_man_page() {
    let fleet = Fleet::new();
    let man1 = fleet.home.join("man/man1");
    let output = Command::new(GIT_BATCH)
        .arg("manpages")
        .arg(&man1)
        .output()
        .expect("run");
    assert!(output.status.success());
    for page in [
        "git-batch.1",
        "git-batch-sync.1",
        "git-batch-license-update.1",
    ] {
        assert!(man1.join(page).is_file(), "{page}");
    }
    // `git batch --help` is git's `git help batch`, which opens `man git-batch`.
    let out = bash(
        &fleet,
        &format!(
            "MANPATH={} MANPAGER=cat GIT_PAGER=cat MANWIDTH=100 git batch --help",
            fleet.home.join("man").display()
        ),
    );
    assert!(out.contains("GIT-BATCH(1)"), "{out}");
    assert!(out.contains("license-update"), "{out}");
}

#[test]
fn short_help_shows_examples() {
    for args in [&["-h"][..], &["license-update", "-h"], &["clone", "-h"]] {
        let output = Command::new(GIT_BATCH).args(args).output().expect("run");
        assert!(output.status.success());
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("Examples:"), "{args:?}: {text}");
    }
}
