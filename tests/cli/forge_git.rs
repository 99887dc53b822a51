//! The local forge's git side: a fleet clone pushes to and fetches from the server's smart
//! HTTP (the real `git http-backend`), on the same host as the API, and no token goes there.

use std::fs;

use git_batch::forge::ForgeKind;
use git_batch::forge::token::{TokenSource, find_token};

use crate::forge::{Flavour, ForgeFleet, TOKEN};

#[test]
fn a_fleet_clone_pushes_and_fetches_over_smart_http() {
    let forge = ForgeFleet::new(Flavour::GitHub);
    let (fleet, server) = (&forge.fleet, &forge.server);
    // The branch pushed over HTTP is in the bare remote, at the clone's commit.
    let remote = fleet.remote_path("alpha");
    let pushed = fleet.git(&remote, &["rev-parse", "refs/heads/relicense"]);
    let local = fleet.git(&fleet.path("alpha"), &["rev-parse", "relicense"]);
    assert_eq!(pushed, local);
    // A second clone over HTTP sees it too.
    let copy = fleet.scratch.join("copy");
    let url = server.git_url("fleet/alpha");
    fleet.git(
        &fleet.scratch,
        &["clone", "-q", &url, copy.to_str().expect("UTF-8 path")],
    );
    assert_eq!(fleet.git(&copy, &["rev-parse", "origin/relicense"]), local);
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.method == "POST" && r.path().ends_with("/git-receive-pack"))
    );
    assert!(
        requests
            .iter()
            .any(|r| r.path().ends_with("/git-upload-pack"))
    );
    assert!(
        requests.iter().all(|r| r.header("authorization").is_none()),
        "git was sent no token"
    );
}

/// Without a token in the environment, `git credential fill` is asked for the API's host
/// (on stdin), and what the user's helper stores is the token; with no helper, there is none
/// and nobody is prompted.
#[test]
fn the_token_comes_from_git_credential_helpers_for_the_api_host() {
    let forge = ForgeFleet::new(Flavour::Gitea);
    let (fleet, server) = (&forge.fleet, &forge.server);
    let api = server.api_root();
    let none = find_token(
        ForgeKind::Gitea,
        &api,
        |_| None,
        &mut fleet.git_command(&fleet.base),
    );
    assert_eq!(none, None);

    let store = fleet.home.join("git-credentials");
    fs::write(
        &store,
        format!("http://fleet-tester:{TOKEN}@{}\n", server.host()),
    )
    .expect("write the store");
    let helper = format!("store --file={}", store.display());
    fleet.git(
        &fleet.base,
        &["config", "--global", "credential.helper", &helper],
    );
    let (token, source) = find_token(
        ForgeKind::Gitea,
        &api,
        |_| None,
        &mut fleet.git_command(&fleet.base),
    )
    .expect("the helper's password");
    assert_eq!(
        (token.secret(), source),
        (TOKEN, TokenSource::CredentialHelper)
    );
    assert!(
        forge
            .forge(Some(token.secret()), 10)
            .find_open("fleet/alpha", "relicense")
            .is_ok()
    );
}
