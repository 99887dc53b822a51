//! How `--branch` pushes: built on the remote-tracking refs without asking the remote first (one
//! round trip less a repository), the push naming the tip it built on; when the remote has moved
//! since those refs were fetched (someone else's commit on the branch, or the branch deleted),
//! the push is refused, and the run asks the remote, builds on what it has and pushes again,
//! never forcing.

use std::fs;

use serde_json::Value;

use crate::branch_edit::{mit_repo, relicense, remote_ref};
use crate::fixture::{Fleet, repo};
use crate::forge::{Flavour, ForgeFleet, TOKEN};
use crate::license::outcome;

/// `file-replace` of `.github/workflows/ci.yml` with `content` onto branch `ci` of `alpha`, with
/// `--pr`, against the forge of `forge_fleet` (GitHub's dialect).
fn ci_with_pr(forge_fleet: &ForgeFleet, content: &str) -> Value {
    let fleet = &forge_fleet.fleet;
    let entry = forge_fleet.entry();
    fs::write(
        fleet.root.join(".git-batch.toml"),
        format!(
            "[[forges]]\nhost = \"{}\"\nkind = \"github\"\napi = \"{}\"\n",
            entry.host, entry.api
        ),
    )
    .expect("write the configuration");
    let template = fleet.base.join("ci.yml");
    fs::write(&template, content).expect("write the template");
    let output = fleet
        .cmd()
        .env("GIT_BATCH_TOKEN", TOKEN)
        .args(["--format", "json", "-t", "alpha", "file-replace"])
        .args(["--pattern", ".github/workflows/ci.yml", "--create"])
        .arg("--replacement")
        .arg(&template)
        .args(["--branch", "ci", "--pr"])
        .output()
        .expect("run git-batch");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// The smart-HTTP requests the server saw, as `(GET, service)` for the ref advertisements:
/// how many for fetching (`git-upload-pack`: `ls-remote`, `fetch`) and for pushing.
fn advertisements(forge_fleet: &ForgeFleet) -> (usize, usize) {
    let requests = forge_fleet.server.requests();
    let count = |service: &str| {
        requests
            .iter()
            .filter(|request| {
                request.method == "GET"
                    && request.path().ends_with("/info/refs")
                    && request.param("service").as_deref() == Some(service)
            })
            .count()
    };
    (count("git-upload-pack"), count("git-receive-pack"))
}

#[test]
fn the_push_needs_no_question_first_and_a_moved_branch_is_built_on_never_forced() {
    let forge_fleet = ForgeFleet::new(Flavour::GitHub);
    let fleet = &forge_fleet.fleet;
    let dir = fleet.path("alpha");
    forge_fleet.server.state().requests.clear();

    // A repository whose remote's default branch is not named here (no origin/HEAD): the run
    // asks the remote once (`ls-remote`, and a fetch of what it lacks) and records it.
    assert!(
        !fleet
            .git_output(&dir, &["symbolic-ref", "-q", "refs/remotes/origin/HEAD"])
            .status
            .success()
    );
    let first = ci_with_pr(&forge_fleet, "on: push\n");
    let entry = repo(&first, "alpha");
    assert_eq!(entry["outcome"], "changed", "{entry}");
    assert_eq!(entry["pr"]["created"], true, "{entry}");
    assert_eq!(advertisements(&forge_fleet).1, 1, "one push");
    assert_eq!(
        fleet
            .git(&dir, &["symbolic-ref", "refs/remotes/origin/HEAD"])
            .trim(),
        "refs/remotes/origin/main"
    );
    // A new branch: one API request to open the change request (and the run's probe).
    let calls = forge_fleet.api_calls();
    assert_eq!(
        calls.iter().filter(|call| call.starts_with("POST")).count(),
        1,
        "{calls:#?}"
    );
    assert!(calls.len() <= 2, "{calls:#?}");
    let ours = remote_ref(fleet, "alpha", "refs/heads/ci").expect("pushed");
    assert_eq!(
        fleet
            .git(&dir, &["rev-parse", "refs/remotes/origin/ci"])
            .trim(),
        ours,
        "the push recorded the remote-tracking ref"
    );

    // Someone else adds a commit to the branch, elsewhere: origin/ci here is behind now.
    let other = fleet.scratch.join("other");
    let remote = fleet.remote_path("alpha");
    fleet.git(
        &fleet.base,
        &[
            "clone",
            "-q",
            "-b",
            "ci",
            remote.to_str().expect("UTF-8"),
            other.to_str().expect("UTF-8"),
        ],
    );
    fs::write(other.join("NOTES"), "theirs\n").expect("write");
    fleet.git(&other, &["add", "NOTES"]);
    fleet.git(&other, &["commit", "-q", "-m", "their commit"]);
    fleet.git(&other, &["push", "-q", "origin", "ci"]);
    let theirs = remote_ref(fleet, "alpha", "refs/heads/ci").expect("pushed");
    forge_fleet.server.state().requests.clear();

    // The run builds on origin/ci as last fetched, the remote refuses it; it asks, fetches,
    // builds on their commit and pushes a fast-forward.
    let second = ci_with_pr(&forge_fleet, "on: [push, pull_request]\n");
    let entry = repo(&second, "alpha");
    assert_eq!(entry["outcome"], "changed", "{entry}");
    let message = entry["message"].as_str().expect("a message");
    assert!(message.contains("on top of origin/ci"), "{message}");
    assert_eq!(
        entry["pr"]["created"], false,
        "found, not duplicated: {entry}"
    );
    assert_eq!(forge_fleet.server.pulls().len(), 1);
    let tip = remote_ref(fleet, "alpha", "refs/heads/ci").expect("pushed");
    assert_eq!(
        fleet.git(&dir, &["rev-parse", &format!("{tip}^")]).trim(),
        theirs,
        "built on their commit"
    );
    assert_eq!(
        fleet
            .git(&dir, &["rev-parse", &format!("{theirs}^")])
            .trim(),
        ours,
        "their commit stays in the branch's history, on top of ours"
    );
    assert_eq!(
        fleet.git(&remote, &["show", &format!("{tip}:NOTES")]),
        "theirs\n"
    );
    assert_eq!(
        fleet.git(
            &remote,
            &["show", &format!("{tip}:.github/workflows/ci.yml")]
        ),
        "on: [push, pull_request]\n"
    );
    // Besides the run's one try of the host (`ls-remote HEAD`, before any repository): one
    // refused push, one `ls-remote` and one fetch, one push that went through.
    assert_eq!(advertisements(&forge_fleet), (1 + 2, 2));
    for reference in ["refs/heads/ci", "refs/remotes/origin/ci"] {
        assert_eq!(fleet.git(&dir, &["rev-parse", reference]).trim(), tip);
    }

    // With the refs up to date, the next change is one push and nothing asked before it.
    forge_fleet.server.state().requests.clear();
    let third = ci_with_pr(&forge_fleet, "on: [push]\n");
    let entry = repo(&third, "alpha");
    assert_eq!(entry["outcome"], "changed", "{entry}");
    assert_eq!(
        advertisements(&forge_fleet),
        (1, 1),
        "the host's try, one push"
    );
    let third_tip = remote_ref(fleet, "alpha", "refs/heads/ci").expect("pushed");
    assert_eq!(
        fleet
            .git(&dir, &["rev-parse", &format!("{third_tip}^")])
            .trim(),
        tip
    );
    assert_eq!(
        fleet.git(&dir, &["status", "--porcelain"]),
        "",
        "the working tree stays clean"
    );
}

#[test]
fn a_branch_gone_from_the_remote_is_not_built_on_from_its_stale_remote_tracking_ref() {
    let fleet = Fleet::new();
    mit_repo(&fleet, "app");
    let dir = fleet.path("app");
    let main = fleet.remote_head("app");
    // Someone pushed a branch `relicense` with other work; it was fetched here, then deleted on
    // the remote (merged, or dropped). origin/relicense still names it here.
    fleet.git(&dir, &["switch", "-q", "-c", "relicense"]);
    fleet.commit_file("app", "NOTES", "other work\n", "other work");
    fleet.git(&dir, &["push", "-q", "origin", "relicense"]);
    fleet.git(&dir, &["switch", "-q", "main"]);
    let stale = fleet
        .git(&dir, &["rev-parse", "relicense"])
        .trim()
        .to_owned();
    fleet.git(&dir, &["branch", "-q", "-D", "relicense"]);
    fleet.git(
        &fleet.remote_path("app"),
        &["update-ref", "-d", "refs/heads/relicense"],
    );
    assert_eq!(
        fleet
            .git(&dir, &["rev-parse", "refs/remotes/origin/relicense"])
            .trim(),
        stale
    );
    // The remote's default branch is named here, as a clone names it: nothing is asked first.
    fleet.git(&dir, &["remote", "set-head", "origin", "main"]);

    let run = relicense(&fleet, &["--branch", "relicense"], 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run}");
    let message = repo(&run, "app")["message"].as_str().expect("a message");
    assert!(message.contains("from origin/main"), "{message}");
    let tip = remote_ref(&fleet, "app", "refs/heads/relicense").expect("pushed");
    assert_eq!(
        fleet.git(&dir, &["rev-parse", &format!("{tip}^")]).trim(),
        main,
        "built on the base, not on the branch the remote no longer has"
    );
    assert_eq!(
        fleet
            .git(&dir, &["rev-parse", "refs/remotes/origin/relicense"])
            .trim(),
        tip
    );
    let history = fleet.git(&dir, &["rev-list", &tip]);
    assert!(!history.contains(&stale), "{history}");
}

#[test]
fn a_branch_the_refs_here_do_not_know_is_found_on_the_remote_before_skipping() {
    let fleet = Fleet::new();
    mit_repo(&fleet, "app");
    let dir = fleet.path("app");
    fleet.git(&dir, &["remote", "set-head", "origin", "main"]);
    let first = relicense(&fleet, &["--branch", "relicense"], 0);
    assert_eq!(outcome(&first, "app"), "changed", "{first}");
    let ours = remote_ref(&fleet, "app", "refs/heads/relicense").expect("pushed");
    // The remote-tracking ref is gone here (`git branch -dr`), and someone adds a file still
    // declaring MIT to the branch, elsewhere.
    fleet.git(&dir, &["branch", "-q", "-d", "-r", "origin/relicense"]);
    let other = fleet.scratch.join("other");
    let remote = fleet.remote_path("app");
    fleet.git(
        &fleet.base,
        &[
            "clone",
            "-q",
            "-b",
            "relicense",
            remote.to_str().expect("UTF-8"),
            other.to_str().expect("UTF-8"),
        ],
    );
    fs::write(other.join("extra.rs"), crate::branch_edit::SOURCE_MIT).expect("write");
    fleet.git(&other, &["add", "extra.rs"]);
    fleet.git(&other, &["commit", "-q", "-m", "more MIT"]);
    fleet.git(&other, &["push", "-q", "origin", "relicense"]);
    let theirs = remote_ref(&fleet, "app", "refs/heads/relicense").expect("pushed");

    // Built on origin/main, the local branch (at our first commit) would lose commits: before
    // skipping for that, the run asks the remote, which has the branch, and builds on it.
    let second = relicense(&fleet, &["--branch", "relicense"], 0);
    assert_eq!(outcome(&second, "app"), "changed", "{second}");
    let tip = remote_ref(&fleet, "app", "refs/heads/relicense").expect("pushed");
    assert_eq!(
        fleet.git(&dir, &["rev-parse", &format!("{tip}^")]).trim(),
        theirs
    );
    assert_eq!(
        fleet
            .git(&dir, &["rev-parse", &format!("{theirs}^")])
            .trim(),
        ours
    );
}
