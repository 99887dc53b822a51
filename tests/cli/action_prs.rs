//! The Action and change requests: the token it is given reaches the forge's API as well as
//! git, its `prs` output lists the change requests' URLs as JSON, and the job summary links
//! each one. The change requests are opened and their run journaled through the library (see
//! prs_cases), then read by the Action's script running `git batch prs`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::action::{run_step, yaml};
use crate::forge::{Flavour, TOKEN};
use crate::prs_cases::opened;

#[test]
fn the_token_reaches_the_api_and_each_change_request_is_an_output_and_a_link() {
    let (forge_fleet, _) = opened(Flavour::GitHub);
    let fleet = &forge_fleet.fleet;
    let mut with = BTreeMap::new();
    with.insert("command".to_owned(), "prs".to_owned());
    with.insert("root".to_owned(), fleet.root.display().to_string());
    with.insert("token".to_owned(), TOKEN.to_owned());
    let run = run_step(fleet, "prs", &with);
    let log = format!(
        "{}{}",
        run.stdout(),
        String::from_utf8_lossy(&run.output.stderr)
    );
    assert_eq!(run.output.status.code(), Some(0), "{log}");
    assert!(!log.contains(TOKEN), "the token is in the log: {log}");
    let urls: Vec<String> = serde_json::from_str(&run.outputs["prs"]).expect("a JSON list");
    let base = forge_fleet.server.base_url();
    assert_eq!(
        urls,
        [
            format!("{base}/fleet/alpha/pull/1"),
            format!("{base}/fleet/beta/pull/2")
        ]
    );
    assert!(
        run.summary.contains(&format!(
            "| alpha | unchanged | [#1]({base}/fleet/alpha/pull/1) open | #1 open"
        )),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("| repository | outcome | change request | message | files |"),
        "{}",
        run.summary
    );

    // Without the token input the API refuses: what reached it was the Action's token.
    let mut without = with.clone();
    without.insert("token".to_owned(), String::new());
    let refused = run_step(fleet, "prs-without-token", &without);
    assert_eq!(
        refused.output.status.code(),
        Some(1),
        "{}",
        refused.stdout()
    );
    assert_eq!(refused.outputs["prs"], "[]");
}

#[test]
fn the_pull_request_example_opens_them_on_a_matrix_of_shards() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let workflow = yaml(&dir.join("examples/workflows/relicense-prs.yml"));
    let job = &workflow["jobs"]["relicense"];
    let shards = job["strategy"]["matrix"]["shard"]
        .as_array()
        .expect("a shard matrix");
    assert_eq!(shards.len(), 4);
    let steps = job["steps"].as_array().expect("steps");
    let batch = steps
        .iter()
        .find(|step| {
            step["uses"]
                .as_str()
                .is_some_and(|u| u.contains("git-batch"))
        })
        .expect("the git-batch step");
    let args = batch["with"]["args"].as_str().expect("args");
    for flag in ["--branch relicense-apache", "--pr", "--old MIT"] {
        assert!(args.contains(flag), "{args}");
    }
    assert_eq!(batch["with"]["shard"], "${{ matrix.shard }}");
    let uses_output = steps.iter().any(|step| {
        step["env"].as_object().is_some_and(|env| {
            env.values()
                .any(|v| v == &Value::from("${{ steps.batch.outputs.prs }}"))
        })
    });
    assert!(uses_output, "a step reads the prs output");
}
