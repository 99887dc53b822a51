//! The forge layer against the local forge's GitHub flavour (REST v3).

use std::time::Duration;

use git_batch::forge::NewChangeRequest;

use crate::forge::{Flavour, ForgeFleet, TOKEN};
use crate::forge_cases as case;

const FORGE: Flavour = Flavour::GitHub;

#[test]
fn opens_once_with_its_decorations() {
    case::opens_once_with_its_decorations(FORGE);
}

#[test]
fn an_unknown_reviewer_is_a_problem_not_a_failure() {
    case::an_unknown_reviewer_is_a_problem_not_a_failure(FORGE);
}

#[test]
fn rate_limits_are_waited_out_within_the_budget() {
    case::rate_limits_are_waited_out_within_the_budget(FORGE);
}

#[test]
fn a_refused_token_is_typed_and_never_shown() {
    case::a_refused_token_is_typed_and_never_shown(FORGE);
}

#[test]
fn an_html_answer_is_garbage_naming_the_url() {
    case::an_html_answer_is_garbage_naming_the_url(FORGE);
}

#[test]
fn an_owner_is_listed_across_pages() {
    case::an_owner_is_listed_across_pages(FORGE);
}

#[test]
fn status_merge_and_close() {
    case::status_merge_and_close(FORGE);
}

#[test]
fn a_silent_forge_times_out() {
    case::a_silent_forge_times_out(FORGE);
}

#[test]
fn the_happy_path_costs_few_requests() {
    case::the_happy_path_costs_few_requests(FORGE);
}

/// Two threads opening change requests on one forge: the creations go one after the other
/// (GitHub's guidance against secondary rate limits), and both are opened.
#[test]
fn writes_to_one_forge_go_one_at_a_time() {
    let forge_fleet = ForgeFleet::new(FORGE);
    forge_fleet.add_served("beta");
    forge_fleet.push_branch_of("beta", "relicense", "LICENSE", "MIT\n");
    forge_fleet.server.state().write_delay = Duration::from_millis(300);
    let forge = forge_fleet.forge(Some(TOKEN), 10);
    let open = |repo: &str| {
        let new = NewChangeRequest {
            head: "relicense".into(),
            base: "main".into(),
            title: "Relicense".into(),
            ..NewChangeRequest::default()
        };
        forge.open(repo, &new).expect("opened").value.created
    };
    let both = std::thread::scope(|scope| {
        let alpha = scope.spawn(|| open("fleet/alpha"));
        let beta = scope.spawn(|| open("fleet/beta"));
        (alpha.join().expect("alpha"), beta.join().expect("beta"))
    });
    assert_eq!(both, (true, true));
    assert_eq!(forge_fleet.server.pulls().len(), 2);
    assert_eq!(forge_fleet.server.state().most_writes_at_once, 1);
}

#[test]
fn a_second_creation_is_typed_exists() {
    case::a_second_creation_is_typed_exists(FORGE);
}

#[test]
fn a_new_branch_is_created_at_once_and_an_open_one_found() {
    case::a_new_branch_is_created_at_once_and_an_open_one_found(FORGE);
}
