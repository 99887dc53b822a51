//! `git batch prs` against the local forge server of one flavour. The change requests are
//! opened through the library (`ops::pr::open_change_request`, on branches pushed by plain
//! git) and the run that opened them is written into the journal through the library's
//! journal API (`Journal::save`), as a `--branch --pr` run records it: this tests `prs` on its
//! own, before and besides the end-to-end tests of `--branch --pr`.

use std::process::Output;

use git_batch::journal::{Journal, RepoRecord, RunRecord};
use git_batch::ops::change::PrOptions;
use git_batch::ops::pr::open_change_request;
use git_batch::outcome::Outcome;
use serde_json::Value;

use crate::fixture::repo;
use crate::forge::{Fault, Flavour, ForgeFleet, TOKEN};
use crate::forge_pr_cases::{branch, session, target};

/// A fleet of `alpha` and `beta`, each with branch `relicense` pushed and a change request
/// opened for it, the opening run journaled, and `.git-batch.toml` naming the forge.
pub fn opened(flavour: Flavour) -> (ForgeFleet, String) {
    let forge_fleet = ForgeFleet::new(flavour);
    forge_fleet.add_served("beta");
    forge_fleet.push_branch_of("beta", "relicense", "LICENSE", "MIT\n");
    let fleet = &forge_fleet.fleet;
    let entry = forge_fleet.entry();
    let kind = match flavour {
        Flavour::GitHub => "github",
        Flavour::GitLab => "gitlab",
        Flavour::Gitea => "gitea",
    };
    std::fs::write(
        fleet.root.join(".git-batch.toml"),
        format!(
            "[[forges]]\nhost = \"{}\"\nkind = \"{kind}\"\napi = \"{}\"\n",
            entry.host, entry.api
        ),
    )
    .expect("write the configuration");
    let session = session(&forge_fleet, Some(TOKEN));
    let mut run = RunRecord::start(&fleet.root, "license-update");
    for name in ["alpha", "beta"] {
        let target = target(&forge_fleet, &session, name);
        let branch = branch("relicense");
        let (pr, _) = open_change_request(
            &session,
            &target,
            &branch,
            &PrOptions::default(),
            "chore: relicense",
            &run.run_id,
        )
        .expect("opened");
        run.repos.push(RepoRecord {
            name: name.to_string(),
            path: fleet.path(name),
            outcome: Outcome::Changed,
            message: "committed on relicense, pushed".into(),
            head_before: None,
            index_tree: None,
            head_after: None,
            commit: None,
            pushed: true,
            branch: None,
            files: Vec::new(),
            started: false,
            intent_to_add: Vec::new(),
            undone_by: None,
            change_branch: Some(branch),
            pr: Some(pr),
        });
    }
    run.finished = Some(git_batch::journal::timestamp_now());
    journal(&forge_fleet).save(&run).expect("journaled");
    let run_id = run.run_id.clone();
    (forge_fleet, run_id)
}

pub fn journal(forge_fleet: &ForgeFleet) -> Journal {
    Journal::in_dir(forge_fleet.fleet.home.join(".local/state/git-batch/runs"))
}

fn prs(forge_fleet: &ForgeFleet, token: &str, args: &[&str]) -> (Output, Value) {
    let output = forge_fleet
        .fleet
        .cmd()
        .env("GIT_BATCH_TOKEN", token)
        .args(["--format", "json", "prs"])
        .args(args)
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

fn number_of(document: &Value, name: &str) -> u64 {
    repo(document, name)["pr"]["number"]
        .as_u64()
        .expect("a number")
}

/// State, checks and review per repository, in the contract's JSON; the last run that opened
/// any is the default; the token never shows.
pub fn lists_state_checks_and_review(flavour: Flavour) {
    let (forge_fleet, run_id) = opened(flavour);
    let (output, document) = prs(&forge_fleet, TOKEN, &[]);
    assert!(output.status.success(), "{document}");
    assert_eq!(document["command"], "prs");
    assert_eq!(document["run_id"], Value::Null, "a listing writes nothing");
    let alpha = repo(&document, "alpha");
    assert_eq!(alpha["outcome"], "unchanged");
    let pr = &alpha["pr"];
    assert_eq!(pr["state"], "open");
    assert_eq!(pr["checks"], "none");
    assert_eq!(pr["review"], "none");
    assert!(
        pr["url"]
            .as_str()
            .expect("a URL")
            .starts_with(&forge_fleet.server.base_url())
    );
    let beta = number_of(&document, "beta");
    forge_fleet.server.set_checks(beta, "failure");
    forge_fleet
        .server
        .add_review(beta, "ann", "CHANGES_REQUESTED");
    let (_, document) = prs(&forge_fleet, TOKEN, &[&run_id]);
    let pr = &repo(&document, "beta")["pr"];
    assert_eq!(
        (&pr["checks"], &pr["review"]),
        (&"failure".into(), &"changes_requested".into())
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    let human = forge_fleet
        .fleet
        .cmd()
        .env("GIT_BATCH_TOKEN", TOKEN)
        .arg("prs")
        .output()
        .expect("run git-batch");
    let text = String::from_utf8_lossy(&human.stdout);
    let url = repo(&document, "beta")["pr"]["url"]
        .as_str()
        .expect("a URL")
        .to_string();
    let line = text
        .lines()
        .find(|line| line.contains("beta"))
        .expect("a line for beta");
    assert!(
        line.contains("checks failure") && line.contains(&url),
        "{text}"
    );
    // -t narrows to the repositories named.
    let (_, document) = prs(&forge_fleet, TOKEN, &["-t", "beta"]);
    assert_eq!(document["summary"]["total"], 1, "{document}");
}

/// `--merge` merges only the open, green and approved one, in the bare repository; the
/// others are skipped with the reason; the run is journaled.
pub fn merge_merges_only_the_green_and_approved(flavour: Flavour) {
    let (forge_fleet, _) = opened(flavour);
    let (_, document) = prs(&forge_fleet, TOKEN, &[]);
    let (alpha, beta) = (number_of(&document, "alpha"), number_of(&document, "beta"));
    let server = &forge_fleet.server;
    server.set_checks(alpha, "success");
    server.add_review(alpha, "ann", "APPROVED");
    server.set_checks(beta, "failure");
    let (dry, document) = prs(&forge_fleet, TOKEN, &["--merge", "-n"]);
    assert!(dry.status.success());
    assert_eq!(repo(&document, "alpha")["outcome"], "changed");
    assert!(
        server.pulls().iter().all(|pull| !pull.merged),
        "a dry run merges nothing"
    );

    let (output, document) = prs(&forge_fleet, TOKEN, &["--merge"]);
    assert!(output.status.success(), "{document}");
    let merged = repo(&document, "alpha");
    assert_eq!(merged["outcome"], "changed", "{merged}");
    assert_eq!(merged["pr"]["state"], "merged");
    let skipped = repo(&document, "beta");
    assert_eq!(skipped["outcome"], "skipped");
    assert!(
        skipped["message"]
            .as_str()
            .expect("a reason")
            .contains("checks failed"),
        "{skipped}"
    );
    let fleet = &forge_fleet.fleet;
    let remote = fleet.remote_path("alpha");
    assert_eq!(fleet.git(&remote, &["show", "main:LICENSE"]), "MIT\n");
    let parents = fleet.git(&remote, &["rev-list", "--parents", "-n", "1", "main"]);
    assert_eq!(parents.split_whitespace().count(), 3, "{parents}");
    let untouched = fleet.remote_path("beta");
    assert!(
        fleet
            .git_output(&untouched, &["cat-file", "-e", "main:LICENSE"])
            .status
            .code()
            != Some(0)
    );
    // Green checks do not outweigh a review that asks for changes.
    server.set_checks(beta, "success");
    server.add_review(beta, "ann", "CHANGES_REQUESTED");
    let (_, again) = prs(&forge_fleet, TOKEN, &["--merge", "-t", "beta"]);
    let skipped = repo(&again, "beta");
    assert_eq!(skipped["outcome"], "skipped", "{skipped}");
    assert!(
        skipped["message"]
            .as_str()
            .expect("a reason")
            .contains("requested changes"),
        "{skipped}"
    );
    assert!(
        server
            .pulls()
            .iter()
            .all(|pull| pull.repo != "fleet/beta" || !pull.merged)
    );
    let run_id = document["run_id"].as_str().expect("a run id");
    let runs = journal(&forge_fleet)
        .runs_for(&fleet.root)
        .expect("the journal");
    assert!(
        runs.iter()
            .any(|run| run.run_id == run_id && run.command == "prs")
    );
    // The default run stays the one that opened them.
    let (_, document) = prs(&forge_fleet, TOKEN, &[]);
    assert_eq!(document["summary"]["total"], 2);
}

/// `--close` closes the open ones and deletes their branches on the remote; a merged one is
/// left as it is.
pub fn close_closes_and_deletes_branches(flavour: Flavour) {
    let (forge_fleet, _) = opened(flavour);
    let (_, document) = prs(&forge_fleet, TOKEN, &[]);
    let alpha = number_of(&document, "alpha");
    forge_fleet
        .forge(Some(TOKEN), 10)
        .merge("fleet/alpha", alpha, git_batch::forge::MergeMethod::Merge)
        .expect("merged");
    let (output, document) = prs(&forge_fleet, TOKEN, &["--close"]);
    assert!(output.status.success(), "{document}");
    let beta = repo(&document, "beta");
    assert_eq!(beta["outcome"], "changed", "{beta}");
    assert_eq!(beta["pr"]["state"], "closed");
    assert_eq!(repo(&document, "alpha")["outcome"], "unchanged");
    let pulls = forge_fleet.server.pulls();
    assert!(
        pulls
            .iter()
            .any(|pull| pull.repo == "fleet/beta" && pull.closed && !pull.merged)
    );
    let fleet = &forge_fleet.fleet;
    let gone = fleet.git(
        &fleet.remote_path("beta"),
        &["branch", "--list", "relicense"],
    );
    assert_eq!(gone, "", "the remote branch is deleted");
    let kept = fleet.git(
        &fleet.remote_path("alpha"),
        &["branch", "--list", "relicense"],
    );
    assert!(kept.contains("relicense"), "a merged one keeps its branch");
}

/// A refused token is said once, with the fix, and no repository's change request is tried.
pub fn a_refused_token_is_said_once(flavour: Flavour) {
    let (forge_fleet, _) = opened(flavour);
    let before = forge_fleet.api_calls().len();
    let (output, document) = prs(&forge_fleet, "wrong-token", &[]);
    assert_eq!(output.status.code(), Some(1));
    let notes = document["notes"].as_array().expect("notes");
    let refusals: Vec<&Value> = notes
        .iter()
        .filter(|note| {
            note.as_str()
                .unwrap_or_default()
                .contains("refused the token")
        })
        .collect();
    assert_eq!(refusals.len(), 1, "{notes:?}");
    assert!(
        refusals[0]
            .as_str()
            .expect("text")
            .contains("GIT_BATCH_TOKEN")
    );
    for name in ["alpha", "beta"] {
        let entry = repo(&document, name);
        assert_eq!(entry["outcome"], "failed");
        assert!(
            entry["message"]
                .as_str()
                .expect("why")
                .starts_with("not tried"),
            "{entry}"
        );
    }
    assert_eq!(
        forge_fleet.api_calls().len(),
        before + 1,
        "one probe, nothing else"
    );
}

/// A forge that answers HTML fails the repository with the URL, without a panic.
pub fn an_html_answer_fails_the_repository(flavour: Flavour) {
    let (forge_fleet, _) = opened(flavour);
    forge_fleet.server.fault(Fault::Html);
    forge_fleet.server.fault(Fault::Html);
    let (output, document) = prs(&forge_fleet, TOKEN, &["-t", "alpha"]);
    assert_eq!(output.status.code(), Some(1), "{document}");
    let alpha = repo(&document, "alpha");
    assert_eq!(alpha["outcome"], "failed");
    let message = alpha["message"].as_str().expect("why");
    assert!(
        message.contains("not JSON") && message.contains(&forge_fleet.server.api_root()),
        "{message}"
    );
}

/// A root whose runs opened no change request is a usage error naming the way to open them.
pub fn no_run_with_change_requests_is_exit_2(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let output = forge_fleet
        .fleet
        .cmd()
        .arg("prs")
        .output()
        .expect("run git-batch");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--pr"));
}

/// A change request whose forge `.git-batch.toml` no longer names fails with the table to
/// add, and nothing is sent anywhere.
pub fn an_unknown_forge_fails_with_the_table_to_add(flavour: Flavour) {
    let (forge_fleet, _) = opened(flavour);
    std::fs::remove_file(forge_fleet.fleet.root.join(".git-batch.toml")).expect("removed");
    let before = forge_fleet.api_calls().len();
    let (output, document) = prs(&forge_fleet, TOKEN, &[]);
    assert_eq!(output.status.code(), Some(1), "{document}");
    let message = repo(&document, "alpha")["message"]
        .as_str()
        .expect("why")
        .to_string();
    assert!(message.contains("[[forges]]"), "{message}");
    assert!(
        message.contains(&format!("host = \"{}\"", forge_fleet.server.host())),
        "{message}"
    );
    assert_eq!(forge_fleet.api_calls().len(), before);
}

/// `--method squash` lands the change as one commit on the base, not a merge commit.
pub fn merge_method_squash_makes_one_commit(flavour: Flavour) {
    let (forge_fleet, _) = opened(flavour);
    let (output, document) = prs(
        &forge_fleet,
        TOKEN,
        &["--merge", "--method", "squash", "-t", "alpha"],
    );
    assert!(output.status.success(), "{document}");
    assert_eq!(repo(&document, "alpha")["outcome"], "changed", "{document}");
    let fleet = &forge_fleet.fleet;
    let remote = fleet.remote_path("alpha");
    let parents = fleet.git(&remote, &["rev-list", "--parents", "-n", "1", "main"]);
    assert_eq!(
        parents.split_whitespace().count(),
        2,
        "one parent: {parents}"
    );
    assert_eq!(fleet.git(&remote, &["show", "main:LICENSE"]), "MIT\n");
    let usage = fleet
        .cmd()
        .args(["prs", "--method", "squash"])
        .output()
        .expect("run");
    assert_eq!(usage.status.code(), Some(2), "--method needs --merge");
}

/// A rate limit is waited out: said on the repository's line and, in all, once at the end.
pub fn a_rate_limit_wait_is_said(flavour: Flavour) {
    let (forge_fleet, _) = opened(flavour);
    // The probe's read is the first API request of the run.
    forge_fleet
        .server
        .fault(crate::forge::Fault::RateLimit { retry_after: 1 });
    let (output, document) = prs(&forge_fleet, TOKEN, &["-t", "alpha"]);
    assert!(output.status.success(), "{document}");
    let host = forge_fleet.server.host();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("waited 1 s in all for {host}'s rate limit")),
        "{stderr}"
    );
}
