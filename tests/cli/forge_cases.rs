//! The forge layer's behaviour, the same on every forge: each case runs against the local
//! forge server of one flavour (tests/cli/forge) through the library's `Forge` trait, and the
//! test module forge_kinds calls each of them once per forge kind.

use std::time::{Duration, Instant};

use git_batch::forge::{Checks, ForgeError, MergeMethod, NewChangeRequest, RequestState, Review};

use crate::forge::{Fault, Flavour, ForgeFleet, TOKEN};

fn new_request(head: &str) -> NewChangeRequest {
    NewChangeRequest {
        head: head.to_string(),
        base: "main".to_string(),
        title: "Relicense under MIT".to_string(),
        body: "git-batch run 1".to_string(),
        draft: false,
        ..NewChangeRequest::default()
    }
}

/// Opens with labels, reviewers, assignees and draft; a second open finds it instead of
/// making another; the token goes to the API and nowhere else.
pub fn opens_once_with_its_decorations(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let forge = forge_fleet.forge(Some(TOKEN), 10);
    let mut new = new_request("relicense");
    new.draft = true;
    new.labels = vec!["licensing".into()];
    new.reviewers = vec!["ann".into()];
    new.assignees = vec!["bob".into()];
    let opened = forge.open("fleet/alpha", &new).expect("opened").value;
    assert!(opened.created);
    assert_eq!(opened.problems, Vec::<String>::new());
    assert_eq!(opened.request.state, RequestState::Draft);
    assert_eq!(
        (opened.request.head.as_str(), opened.request.base.as_str()),
        ("relicense", "main")
    );
    assert!(
        opened
            .request
            .url
            .starts_with(&forge_fleet.server.base_url()),
        "{}",
        opened.request.url
    );
    let pulls = forge_fleet.server.pulls();
    assert_eq!(pulls.len(), 1);
    let pull = &pulls[0];
    assert!(pull.draft && pull.body == "git-batch run 1");
    assert_eq!(
        (
            pull.labels.clone(),
            pull.reviewers.clone(),
            pull.assignees.clone()
        ),
        (
            vec!["licensing".to_string()],
            vec!["ann".to_string()],
            vec!["bob".to_string()]
        )
    );

    let again = forge.open("fleet/alpha", &new).expect("found").value;
    assert!(!again.created);
    assert_eq!(again.request.number, opened.request.number);
    assert_eq!(forge_fleet.server.pulls().len(), 1, "not duplicated");

    let prefix = flavour.api_prefix();
    for request in forge_fleet.server.requests() {
        let carries = request
            .headers
            .iter()
            .any(|(_, value)| value.contains(TOKEN));
        assert_eq!(
            carries,
            request.path().starts_with(prefix),
            "{} {}",
            request.method,
            request.target
        );
    }
}

/// A reviewer the forge refuses is reported; the change request is open all the same.
pub fn an_unknown_reviewer_is_a_problem_not_a_failure(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let forge = forge_fleet.forge(Some(TOKEN), 10);
    let mut new = new_request("relicense");
    new.reviewers = vec!["nobody-here".into()];
    let opened = forge.open("fleet/alpha", &new).expect("opened").value;
    assert!(opened.created);
    assert_eq!(opened.problems.len(), 1, "{:?}", opened.problems);
    assert_eq!(forge_fleet.server.pulls().len(), 1);
}

/// A rate limit with `Retry-After`, and one with the remaining count at 0 and a reset time,
/// are waited out and the wait is returned; one longer than the budget is an error at once.
pub fn rate_limits_are_waited_out_within_the_budget(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let forge = forge_fleet.forge(Some(TOKEN), 10);
    forge_fleet
        .server
        .fault(Fault::RateLimit { retry_after: 1 });
    let found = forge
        .find_open("fleet/alpha", "relicense")
        .expect("after the wait");
    assert_eq!(found.value, None);
    assert!(found.waited >= Duration::from_secs(1), "{:?}", found.waited);
    forge_fleet.server.fault(Fault::Exhausted { seconds: 1 });
    let found = forge
        .find_open("fleet/alpha", "relicense")
        .expect("after the reset");
    assert!(found.waited >= Duration::from_secs(1), "{:?}", found.waited);

    let short = forge_fleet.forge(Some(TOKEN), 3);
    forge_fleet
        .server
        .fault(Fault::RateLimit { retry_after: 120 });
    let started = Instant::now();
    let error = short
        .find_open("fleet/alpha", "relicense")
        .expect_err("too long to wait");
    assert!(
        matches!(error, ForgeError::RateLimited { wanted, .. } if wanted == Duration::from_secs(120)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

/// A wrong or missing token is `Unauthorized`, and the token is in no message.
pub fn a_refused_token_is_typed_and_never_shown(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let wrong = "wrong-token-do-not-show";
    for token in [Some(wrong), None] {
        let forge = forge_fleet.forge(token, 10);
        let error = forge
            .find_open("fleet/alpha", "relicense")
            .expect_err("refused");
        assert!(
            matches!(error, ForgeError::Unauthorized { status: 401, .. }),
            "{error:?}"
        );
        for shown in [
            error.to_string(),
            format!("{error:?}"),
            format!("{forge:?}"),
        ] {
            assert!(!shown.contains(wrong) && !shown.contains(TOKEN), "{shown}");
        }
    }
}

/// An HTML page where JSON was promised is `Garbage`, naming the URL.
pub fn an_html_answer_is_garbage_naming_the_url(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let forge = forge_fleet.forge(Some(TOKEN), 10);
    forge_fleet.server.fault(Fault::Html);
    let error = forge.status("fleet/alpha", 1).expect_err("not JSON");
    let ForgeError::Garbage {
        url,
        status,
        snippet,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert!(url.starts_with(&forge_fleet.server.api_root()), "{url}");
    assert_eq!(*status, 200);
    assert!(snippet.contains("<!DOCTYPE html>"));
    assert!(error.to_string().contains(url.as_str()));
}

/// An owner's repositories come across pages, archived ones and forks included with their
/// flags (leaving them out is the caller's choice).
pub fn an_owner_is_listed_across_pages(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let server = &forge_fleet.server;
    server.add_repo("org/active", false, false, &["rust"]);
    server.add_repo("org/old", true, false, &[]);
    server.add_repo("org/copy", false, true, &[]);
    server.add_repo("org/docs", false, false, &["docs", "rust"]);
    server.add_repo("org/tools", false, false, &[]);
    server.state().max_page = 2;
    let forge = forge_fleet.forge(Some(TOKEN), 10);
    let listed = forge.list_repositories("org").expect("listed").value;
    let paths: Vec<&str> = listed.iter().map(|repo| repo.path.as_str()).collect();
    assert_eq!(
        paths,
        ["org/active", "org/old", "org/copy", "org/docs", "org/tools"]
    );
    assert!(listed[1].archived && !listed[0].archived);
    assert!(listed[2].fork && !listed[3].fork);
    assert_eq!(listed[3].topics, ["docs", "rust"]);
    assert!(
        listed[0].clone_url.ends_with("/org/active.git"),
        "{}",
        listed[0].clone_url
    );
    let pages = forge_fleet
        .api_calls()
        .iter()
        .filter(|call| call.contains("/repos") || call.contains("/projects"))
        .count();
    assert_eq!(pages, 3, "{:?}", forge_fleet.api_calls());
}

/// State, checks and review are read; a merge is made in the bare repository; a close
/// closes.
pub fn status_merge_and_close(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let (fleet, server) = (&forge_fleet.fleet, &forge_fleet.server);
    let forge = forge_fleet.forge(Some(TOKEN), 10);
    let mut new = new_request("relicense");
    new.reviewers = vec!["ann".into()];
    let number = forge
        .open("fleet/alpha", &new)
        .expect("opened")
        .value
        .request
        .number;

    let status = forge.status("fleet/alpha", number).expect("read").value;
    assert_eq!(
        (status.request.state, status.checks, status.review),
        (RequestState::Open, Checks::None, Review::ReviewRequired)
    );
    server.set_checks(number, "failure");
    server.add_review(number, "ann", "CHANGES_REQUESTED");
    let status = forge.status("fleet/alpha", number).expect("read").value;
    assert_eq!(
        (status.checks, status.review),
        (Checks::Failure, Review::ChangesRequested)
    );
    server.set_checks(number, "success");
    server.add_review(number, "ann", "APPROVED");
    let status = forge.status("fleet/alpha", number).expect("read").value;
    assert_eq!(
        (status.checks, status.review),
        (Checks::Success, Review::Approved)
    );

    forge
        .merge("fleet/alpha", number, MergeMethod::Merge)
        .expect("merged");
    let remote = fleet.remote_path("alpha");
    let parents = fleet.git(&remote, &["rev-list", "--parents", "-n", "1", "main"]);
    assert_eq!(
        parents.split_whitespace().count(),
        3,
        "a merge commit: {parents}"
    );
    assert_eq!(fleet.git(&remote, &["show", "main:LICENSE"]), "MIT\n");
    let status = forge.status("fleet/alpha", number).expect("read").value;
    assert_eq!(status.request.state, RequestState::Merged);

    forge_fleet.push_branch("second", "NOTICE", "notice\n");
    let second = forge
        .open("fleet/alpha", &new_request("second"))
        .expect("opened")
        .value
        .request
        .number;
    forge.close("fleet/alpha", second).expect("closed");
    assert_eq!(
        forge
            .status("fleet/alpha", second)
            .expect("read")
            .value
            .request
            .state,
        RequestState::Closed
    );
    assert_eq!(
        forge
            .find_open("fleet/alpha", "second")
            .expect("searched")
            .value,
        None
    );
}

/// A forge that does not answer is given up after the call's timeout, as a transport error
/// naming the URL.
pub fn a_silent_forge_times_out(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let forge = forge_fleet.forge(Some(TOKEN), 1);
    forge_fleet.server.fault(Fault::Silent { seconds: 4 });
    let started = Instant::now();
    let error = forge
        .find_open("fleet/alpha", "relicense")
        .expect_err("no answer");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let ForgeError::Transport { url, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(url.starts_with(&forge_fleet.server.api_root()), "{url}");
}

/// The happy path stays cheap, as the change-request contract wants (no more than 3 API
/// requests a repository): opening is one search and one creation; reading a status for
/// `prs` is at most four reads.
pub fn the_happy_path_costs_few_requests(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let forge = forge_fleet.forge(Some(TOKEN), 10);
    let number = forge
        .open("fleet/alpha", &new_request("relicense"))
        .expect("opened")
        .value
        .request
        .number;
    let opening = forge_fleet.api_calls();
    assert_eq!(opening.len(), 2, "{opening:#?}");
    forge.status("fleet/alpha", number).expect("read");
    let reading = forge_fleet.api_calls().len() - opening.len();
    assert!(reading <= 4, "{:#?}", forge_fleet.api_calls());
    eprintln!(
        "{flavour:?}: open {} requests, status {reading}",
        opening.len()
    );
}

/// Creating a change request for a branch that already has one is the typed `Exists`, in
/// each forge's words (GitHub's 422 "A pull request already exists", GitLab's and Gitea's
/// 409); the trait's `open` turns it into the one found.
pub fn a_second_creation_is_typed_exists(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let api = forge_fleet.api();
    let (path, body) = match flavour {
        Flavour::GitLab => (
            "/projects/fleet%2Falpha/merge_requests",
            serde_json::json!({"source_branch": "relicense", "target_branch": "main", "title": "T"}),
        ),
        Flavour::GitHub | Flavour::Gitea => (
            "/repos/fleet/alpha/pulls",
            serde_json::json!({"head": "relicense", "base": "main", "title": "T"}),
        ),
    };
    let (created, _) = api.send("POST", path, &body).expect("created");
    assert_eq!(created.status, 201);
    let error = api.send("POST", path, &body).expect_err("a second one");
    let ForgeError::Exists {
        status, message, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    let expected = if flavour == Flavour::GitHub { 422 } else { 409 };
    assert_eq!(*status, expected);
    assert!(message.contains("already exists"), "{message}");
    assert_eq!(forge_fleet.server.pulls().len(), 1);
}

/// A branch the run has just pushed where there was none: the change request is created at once
/// (one request, no search first); when one is open for the branch all the same, the forge's
/// "already exists" (GitHub's 422, GitLab's and Gitea's 409) makes `open` find that one, not
/// fail and not duplicate it.
pub fn a_new_branch_is_created_at_once_and_an_open_one_found(flavour: Flavour) {
    let forge_fleet = ForgeFleet::new(flavour);
    let forge = forge_fleet.forge(Some(TOKEN), 10);
    let mut new = new_request("relicense");
    new.new_branch = true;
    let first = forge.open("fleet/alpha", &new).expect("opened").value;
    assert!(first.created);
    let calls = forge_fleet.api_calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert!(calls[0].starts_with("POST "), "{calls:#?}");

    let again = forge.open("fleet/alpha", &new).expect("found").value;
    assert!(!again.created);
    assert_eq!(again.request.number, first.request.number);
    assert_eq!(forge_fleet.server.pulls().len(), 1, "not duplicated");
    let calls = forge_fleet.api_calls();
    assert_eq!(calls.len(), 3, "{calls:#?}");
    assert!(
        calls[1].starts_with("POST ") && calls[2].starts_with("GET "),
        "{calls:#?}"
    );
}
