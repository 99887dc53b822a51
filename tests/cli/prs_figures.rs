//! The figure the change-request contract asks of `prs`: 100 open change requests read against
//! the local forge server, wall time and API requests per repository. Ignored by default (it
//! measures, it asserts no time); run it with
//! `cargo test --test cli prs_figures -- --ignored --nocapture`.

use std::time::Instant;

use git_batch::journal::{RepoRecord, RunRecord};
use git_batch::ops::change::PrOptions;
use git_batch::ops::pr::open_change_request;
use git_batch::outcome::Outcome;

use crate::forge::{Flavour, ForgeFleet, TOKEN};
use crate::forge_pr_cases::{branch, session, target};
use crate::prs_cases::journal;

#[test]
#[ignore = "a measurement: run with --ignored --nocapture"]
fn prs_over_100_open_change_requests() {
    let forge_fleet = ForgeFleet::new(Flavour::GitHub);
    let names: Vec<String> = (1..100).map(|n| format!("repo-{n:03}")).collect();
    for name in &names {
        forge_fleet.add_served(name);
        forge_fleet.push_branch_of(name, "relicense", "LICENSE", "MIT\n");
    }
    let fleet = &forge_fleet.fleet;
    let entry = forge_fleet.entry();
    std::fs::write(
        fleet.root.join(".git-batch.toml"),
        format!(
            "[[forges]]\nhost = \"{}\"\nkind = \"github\"\napi = \"{}\"\n",
            entry.host, entry.api
        ),
    )
    .expect("write the configuration");
    let session = session(&forge_fleet, Some(TOKEN));
    let mut run = RunRecord::start(&fleet.root, "license-update");
    let all: Vec<String> = std::iter::once("alpha".to_string()).chain(names).collect();
    for name in &all {
        let target = target(&forge_fleet, &session, name);
        let (pr, _) = open_change_request(
            &session,
            &target,
            &branch("relicense"),
            &PrOptions::default(),
            "chore: relicense",
            &run.run_id,
        )
        .expect("opened");
        run.repos.push(RepoRecord {
            name: name.clone(),
            path: fleet.path(name),
            outcome: Outcome::Changed,
            message: String::new(),
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
            change_branch: Some(branch("relicense")),
            pr: Some(pr),
        });
    }
    run.finished = Some(git_batch::journal::timestamp_now());
    journal(&forge_fleet).save(&run).expect("journaled");
    let before = forge_fleet.api_calls().len();
    let started = Instant::now();
    let output = fleet
        .cmd()
        .env("GIT_BATCH_TOKEN", TOKEN)
        .args(["--format", "json", "prs"])
        .output()
        .expect("run git-batch");
    let elapsed = started.elapsed();
    assert!(output.status.success());
    let requests = forge_fleet.api_calls().len() - before;
    eprintln!(
        "prs over {} open change requests: {:.2} s, {requests} API requests ({:.2} a repository)",
        all.len(),
        elapsed.as_secs_f64(),
        requests as f64 / all.len() as f64
    );
}
