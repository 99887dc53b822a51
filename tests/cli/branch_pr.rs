//! `--branch --pr` end to end against the local forge server (GitHub, GitLab and Gitea
//! flavours): the branch pushed over smart HTTP, one change request opened with the flags given,
//! and a rerun with nothing new finding it rather than opening another.

use std::process::Output;

use serde_json::Value;

use crate::fixture::repo;
use crate::forge::{Flavour, ForgeFleet, TOKEN};

/// `.git-batch.toml` naming the test forge.
pub(crate) fn configure(forge_fleet: &ForgeFleet, flavour: Flavour) {
    let entry = forge_fleet.entry();
    let kind = match flavour {
        Flavour::GitHub => "github",
        Flavour::GitLab => "gitlab",
        Flavour::Gitea => "gitea",
    };
    std::fs::write(
        forge_fleet.fleet.root.join(".git-batch.toml"),
        format!(
            "[[forges]]\nhost = \"{}\"\nkind = \"{kind}\"\napi = \"{}\"\n",
            entry.host, entry.api
        ),
    )
    .expect("write the configuration");
}

pub(crate) fn replace_with_pr(forge_fleet: &ForgeFleet) -> (Output, Value) {
    replace_with_token(forge_fleet, TOKEN)
}

fn replace_with_token(forge_fleet: &ForgeFleet, token: &str) -> (Output, Value) {
    let fleet = &forge_fleet.fleet;
    let template = fleet.base.join("ci.yml");
    std::fs::write(&template, "on: push\n").expect("write the template");
    let output = fleet
        .cmd()
        .env("GIT_BATCH_TOKEN", token)
        .args(["--format", "json", "-t", "alpha", "file-replace"])
        .args(["--pattern", ".github/workflows/ci.yml", "--create"])
        .arg("--replacement")
        .arg(&template)
        .args(["--branch", "ci", "--pr", "--draft", "--label", "fleet"])
        .args(["--title", "CI for the fleet"])
        .output()
        .expect("run git-batch");
    let document = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "no JSON ({err}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output, document)
}

fn opens_then_finds(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    configure(&forge_fleet, flavour);
    let (output, document) = replace_with_pr(&forge_fleet);
    assert_eq!(output.status.code(), Some(0), "{document:#}");
    let entry = repo(&document, "alpha");
    assert_eq!(entry["outcome"], "changed", "{entry}");
    assert_eq!(entry["branch"], "ci");
    assert_eq!(entry["pr"]["created"], true, "{entry}");
    let url = entry["pr"]["url"].as_str().expect("a URL");
    assert!(
        entry["message"].as_str().is_some_and(|m| m.contains(url)),
        "the line names the URL: {entry}"
    );
    let pulls = forge_fleet.server.pulls();
    assert_eq!(pulls.len(), 1, "{pulls:?}");
    assert_eq!(
        (pulls[0].head.as_str(), pulls[0].base.as_str()),
        ("ci", "main")
    );
    // GitLab marks a draft in its title.
    assert!(pulls[0].title.ends_with("CI for the fleet"), "{pulls:?}");
    assert!(pulls[0].draft);
    if flavour == Flavour::GitHub {
        assert_eq!(pulls[0].labels, ["fleet"]);
    }
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!printed.contains(TOKEN), "the token is never printed");

    let (output, document) = replace_with_pr(&forge_fleet);
    assert_eq!(output.status.code(), Some(0), "{document:#}");
    let entry = repo(&document, "alpha");
    assert_eq!(entry["outcome"], "unchanged", "{entry}");
    assert_eq!(entry["pr"]["created"], false, "{entry}");
    assert_eq!(entry["pr"]["url"], url);
    assert_eq!(forge_fleet.server.pulls().len(), 1, "not duplicated");
}

#[test]
fn github_opens_then_finds() {
    opens_then_finds(Flavour::GitHub);
}

#[test]
fn gitlab_opens_then_finds() {
    opens_then_finds(Flavour::GitLab);
}

#[test]
fn gitea_opens_then_finds() {
    opens_then_finds(Flavour::Gitea);
}

/// `undo` of the `--pr` run closes the change request, then deletes the branch there and here.
fn undo_closes_and_deletes(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    configure(&forge_fleet, flavour);
    let (output, document) = replace_with_pr(&forge_fleet);
    assert_eq!(output.status.code(), Some(0), "{document:#}");
    let fleet = &forge_fleet.fleet;
    let alpha = fleet.path("alpha");

    let would = fleet
        .cmd()
        .env("GIT_BATCH_TOKEN", TOKEN)
        .args(["--format", "json", "-n", "undo"])
        .output()
        .expect("run git-batch");
    let would: Value = serde_json::from_slice(&would.stdout).expect("JSON");
    let said = repo(&would, "alpha")["message"]
        .as_str()
        .expect("a message");
    assert!(said.starts_with("would close http"), "{said}");
    assert!(!forge_fleet.server.pulls()[0].closed);

    let output = fleet
        .cmd()
        .env("GIT_BATCH_TOKEN", TOKEN)
        .args(["--format", "json", "undo"])
        .output()
        .expect("run git-batch");
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(output.status.code(), Some(0), "{document:#}");
    let entry = repo(&document, "alpha");
    assert_eq!(entry["outcome"], "changed", "{entry}");
    assert!(
        entry["message"]
            .as_str()
            .is_some_and(|m| m.contains("closed")),
        "{entry}"
    );
    assert!(forge_fleet.server.pulls()[0].closed, "closed on the forge");
    let remote = fleet.git(&alpha, &["ls-remote", "origin", "refs/heads/ci"]);
    assert!(remote.is_empty(), "{remote}");
    let local = fleet.git(&alpha, &["for-each-ref", "refs/heads/ci"]);
    assert!(local.is_empty(), "{local}");
}

#[test]
fn github_undo_closes_and_deletes() {
    undo_closes_and_deletes(Flavour::GitHub);
}

#[test]
fn gitlab_undo_closes_and_deletes() {
    undo_closes_and_deletes(Flavour::GitLab);
}

#[test]
fn gitea_undo_closes_and_deletes() {
    undo_closes_and_deletes(Flavour::Gitea);
}

#[test]
fn a_refused_token_is_said_once_and_nothing_is_pushed() {
    let forge_fleet = ForgeFleet::new(Flavour::GitHub);
    configure(&forge_fleet, Flavour::GitHub);
    let (output, document) = replace_with_token(&forge_fleet, "not-the-token");
    assert_eq!(output.status.code(), Some(1), "{document:#}");
    let notes = document["notes"].as_array().expect("notes");
    assert_eq!(notes.len(), 1, "{document:#}");
    let entry = repo(&document, "alpha");
    assert_eq!(entry["outcome"], "failed", "{entry}");
    assert!(
        entry["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("not tried")),
        "{entry}"
    );
    let alpha = forge_fleet.fleet.path("alpha");
    let remote = forge_fleet
        .fleet
        .git(&alpha, &["ls-remote", "origin", "refs/heads/ci"]);
    assert!(remote.is_empty(), "nothing pushed: {remote}");
    assert!(forge_fleet.server.pulls().is_empty());
}

#[test]
fn sync_branch_pr_opens_from_the_new_branch_and_undo_closes_it() {
    let forge_fleet = ForgeFleet::new(Flavour::GitHub);
    configure(&forge_fleet, Flavour::GitHub);
    let fleet = &forge_fleet.fleet;
    fleet.make_dirty("alpha");
    let run = |args: &[&str]| -> Value {
        let output = fleet
            .cmd()
            .env("GIT_BATCH_TOKEN", TOKEN)
            .args(["--format", "json"])
            .args(args)
            .output()
            .expect("run git-batch");
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        serde_json::from_slice(&output.stdout).expect("JSON")
    };
    let document = run(&["sync", "-m", "docs: a note", "--branch", "feature", "--pr"]);
    let entry = repo(&document, "alpha");
    assert_eq!(entry["outcome"], "changed", "{entry}");
    assert_eq!(entry["pr"]["created"], true, "{entry}");
    let pulls = forge_fleet.server.pulls();
    assert_eq!(pulls.len(), 1, "{pulls:?}");
    assert_eq!(
        (pulls[0].head.as_str(), pulls[0].base.as_str()),
        ("feature", "main")
    );
    assert_eq!(pulls[0].title, "docs: a note");

    let document = run(&["undo"]);
    assert_eq!(
        repo(&document, "alpha")["outcome"],
        "changed",
        "{document:#}"
    );
    assert!(forge_fleet.server.pulls()[0].closed);
}
