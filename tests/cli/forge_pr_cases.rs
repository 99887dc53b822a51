//! Opening and taking back a repository's change request through the run's forge session
//! (`ops::pr`), against the local forge server of one flavour, with branches pushed by plain
//! git. The per-forge modules (forge_pr) call each case.

use std::time::Duration;

use git_batch::forge::{Forges, Session, Target};
use git_batch::ops::change::PrOptions;
use git_batch::ops::pr::{PrUndo, open_change_request, undo_change_request};
use git_batch::outcome::ChangeBranch;

use crate::forge::{Fault, Flavour, ForgeFleet, TOKEN};

/// A session over the test forge (named as a `[[forges]]` table) whose token is `token`.
pub fn session(forge_fleet: &ForgeFleet, token: Option<&str>) -> Session {
    let forges = Forges::new(&[forge_fleet.entry()]).expect("a valid table");
    let token = token.map(str::to_string);
    Session::with_tokens(
        forges,
        Duration::from_secs(10),
        Box::new(move |_| token.clone().map(git_batch::forge::Token::new)),
    )
}

pub fn branch(name: &str) -> ChangeBranch {
    ChangeBranch {
        name: name.to_string(),
        base: "main".to_string(),
        remote: "origin".to_string(),
        pushed: true,
        ..ChangeBranch::default()
    }
}

/// The target of `fleet/NAME`, located from its remote URL as the plan does.
pub fn target(forge_fleet: &ForgeFleet, session: &Session, name: &str) -> Target {
    let url = forge_fleet.server.git_url(&format!("fleet/{name}"));
    session.locate(&url).expect("a known forge")
}

const MESSAGE: &str = "chore: relicense under MIT\n\nThe fleet moves to MIT.\n";

/// Title from the commit's subject, body from its body and a line naming the run; labels,
/// reviewers, assignees and draft reach the forge; a second call finds it (created false).
pub fn opens_with_defaults_then_finds_it(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let session = session(&forge_fleet, Some(TOKEN));
    let target = target(&forge_fleet, &session, "alpha");
    assert_eq!(target.repo, "fleet/alpha");
    let options = PrOptions {
        draft: true,
        labels: vec!["licensing".into()],
        reviewers: vec!["ann".into()],
        assignees: vec!["bob".into()],
        ..PrOptions::default()
    };
    let run_id = "20261201T150000Z-abcd";
    let (record, said) = open_change_request(
        &session,
        &target,
        &branch("relicense"),
        &options,
        MESSAGE,
        run_id,
    )
    .expect("opened");
    assert!(said.is_empty(), "{said:?}");
    assert!(record.created);
    assert_eq!(record.state, "draft");
    assert_eq!(record.forge, forge_fleet.server.host());
    assert_eq!(record.repo, "fleet/alpha");
    let pulls = forge_fleet.server.pulls();
    assert_eq!(pulls.len(), 1);
    let pull = &pulls[0];
    // GitLab and Gitea mark a draft in the title (`Draft: `, `WIP: `).
    assert!(
        pull.title.ends_with("chore: relicense under MIT"),
        "{}",
        pull.title
    );
    assert!(
        pull.body.starts_with("The fleet moves to MIT."),
        "{}",
        pull.body
    );
    assert!(pull.body.contains(run_id), "{}", pull.body);
    assert!(pull.draft);
    assert_eq!(pull.labels, ["licensing"]);
    assert_eq!(pull.reviewers, ["ann"]);
    assert_eq!(pull.assignees, ["bob"]);

    let given = PrOptions {
        title: Some("Relicense".into()),
        body: Some("Please merge.".into()),
        ..PrOptions::default()
    };
    let (again, _) = open_change_request(
        &session,
        &target,
        &branch("relicense"),
        &given,
        MESSAGE,
        "another-run",
    )
    .expect("found");
    assert!(!again.created);
    assert_eq!((again.number, &again.url), (record.number, &record.url));
    assert_eq!(forge_fleet.server.pulls().len(), 1, "not duplicated");
}

/// A refused token is said once for the forge, with the fix, by the probe before the run;
/// the forge's repositories are then not tried at all.
pub fn a_refusal_is_said_once_per_forge(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    forge_fleet.add_served("beta");
    forge_fleet.push_branch_of("beta", "relicense", "LICENSE", "MIT\n");
    let wrong = "wrong-token-never-shown";
    let session = session(&forge_fleet, Some(wrong));
    let targets: Vec<(Target, String)> = ["alpha", "beta"]
        .iter()
        .map(|name| {
            (
                target(&forge_fleet, &session, name),
                "relicense".to_string(),
            )
        })
        .collect();
    let notes = session.probe(&targets);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("refused the token"), "{}", notes[0]);
    assert!(notes[0].contains("GIT_BATCH_TOKEN"), "{}", notes[0]);
    let calls = forge_fleet.api_calls().len();
    assert_eq!(calls, 1, "{:?}", forge_fleet.api_calls());
    for (target, _) in &targets {
        let error = open_change_request(
            &session,
            target,
            &branch("relicense"),
            &PrOptions::default(),
            MESSAGE,
            "run",
        )
        .expect_err("not tried");
        assert!(error.starts_with("not tried"), "{error}");
        assert!(!error.contains(wrong) && !error.contains(TOKEN), "{error}");
    }
    assert_eq!(
        forge_fleet.api_calls().len(),
        calls,
        "nothing more was tried"
    );
    assert!(forge_fleet.server.pulls().is_empty());

    // Without a probe, the first repository says it in full and the next one shortly.
    let session = crate::forge_pr_cases::session(&forge_fleet, None);
    let first = open_change_request(
        &session,
        &targets[0].0,
        &branch("relicense"),
        &PrOptions::default(),
        MESSAGE,
        "run",
    )
    .expect_err("refused");
    assert!(first.contains("GIT_BATCH_TOKEN"), "{first}");
    let second = open_change_request(
        &session,
        &targets[1].0,
        &branch("relicense"),
        &PrOptions::default(),
        MESSAGE,
        "run",
    )
    .expect_err("not tried");
    assert!(second.starts_with("not tried"), "{second}");
}

/// A rate limit is waited out and the wait is said with the result.
pub fn a_rate_limit_wait_is_said(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let session = session(&forge_fleet, Some(TOKEN));
    let target = target(&forge_fleet, &session, "alpha");
    forge_fleet
        .server
        .fault(Fault::RateLimit { retry_after: 1 });
    let (record, said) = open_change_request(
        &session,
        &target,
        &branch("relicense"),
        &PrOptions::default(),
        MESSAGE,
        "run",
    )
    .expect("opened after the wait");
    assert!(record.created);
    let expected = format!("waited 1 s for {}'s rate limit", forge_fleet.server.host());
    assert_eq!(said, [expected]);
}

/// A forge that answers HTML fails the repository with a message naming the URL.
pub fn an_html_answer_fails_naming_the_url(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let session = session(&forge_fleet, Some(TOKEN));
    let target = target(&forge_fleet, &session, "alpha");
    forge_fleet.server.fault(Fault::Html);
    let error = open_change_request(
        &session,
        &target,
        &branch("relicense"),
        &PrOptions::default(),
        MESSAGE,
        "run",
    )
    .expect_err("not JSON");
    assert!(error.contains(&forge_fleet.server.api_root()), "{error}");
    assert!(error.contains("not JSON"), "{error}");
}

/// Undo closes an open change request; a closed one is left; a merged one is left with the
/// way to revert it.
pub fn undo_closes_and_leaves_merged_ones(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    forge_fleet.push_branch("second", "NOTICE", "notice\n");
    let session = session(&forge_fleet, Some(TOKEN));
    let target = target(&forge_fleet, &session, "alpha");
    let open = |name: &str| {
        open_change_request(
            &session,
            &target,
            &branch(name),
            &PrOptions::default(),
            MESSAGE,
            "run",
        )
        .expect("opened")
        .0
    };
    let first = open("relicense");
    let second = open("second");
    let undone = undo_change_request(&session, &first).expect("closed");
    assert!(
        matches!(&undone, PrUndo::Closed(said) if said.contains(&format!("#{}", first.number))),
        "{undone:?}"
    );
    let pulls = forge_fleet.server.pulls();
    assert!(pulls[0].closed && !pulls[0].merged);
    assert!(matches!(
        undo_change_request(&session, &first),
        Ok(PrUndo::AlreadyClosed(_))
    ));
    forge_fleet
        .forge(Some(TOKEN), 10)
        .merge(
            "fleet/alpha",
            second.number,
            git_batch::forge::MergeMethod::Merge,
        )
        .expect("merged");
    let merged = undo_change_request(&session, &second).expect("read");
    let PrUndo::Merged(said) = merged else {
        panic!("{merged:?}")
    };
    assert!(said.contains("git revert -m 1"), "{said}");
    assert!(!forge_fleet.server.pulls()[1].closed || forge_fleet.server.pulls()[1].merged);
}

/// Repositories opened from parallel workers: the forge's token is looked up once, and the
/// creations reach it one at a time.
pub fn one_token_lookup_and_one_creation_at_a_time(flavour: Flavour) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let forge_fleet = ForgeFleet::new(flavour);
    let names = ["beta", "gamma", "delta"];
    for name in names {
        forge_fleet.add_served(name);
        forge_fleet.push_branch_of(name, "relicense", "LICENSE", "MIT\n");
    }
    forge_fleet.server.state().write_delay = Duration::from_millis(150);
    let lookups = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&lookups);
    let session = Session::with_tokens(
        Forges::new(&[forge_fleet.entry()]).expect("a valid table"),
        Duration::from_secs(10),
        Box::new(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
            Some(git_batch::forge::Token::new(TOKEN))
        }),
    );
    let targets: Vec<Target> = ["alpha", "beta", "gamma", "delta"]
        .iter()
        .map(|name| target(&forge_fleet, &session, name))
        .collect();
    std::thread::scope(|scope| {
        for target in &targets {
            let session = &session;
            scope.spawn(move || {
                open_change_request(
                    session,
                    target,
                    &branch("relicense"),
                    &PrOptions::default(),
                    MESSAGE,
                    "run",
                )
                .expect("opened")
            });
        }
    });
    assert_eq!(forge_fleet.server.pulls().len(), 4);
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        1,
        "one lookup for the forge"
    );
    assert_eq!(forge_fleet.server.state().most_writes_at_once, 1);
}
