//! The forge layer against the local forge's GitLab flavour (REST v4).

use crate::forge::{Flavour, ForgeFleet, TOKEN};
use crate::forge_cases as case;

const FORGE: Flavour = Flavour::GitLab;

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

/// A project in a subgroup is named by its whole path, URL-encoded as one segment, and a
/// group's listing takes in its subgroups.
#[test]
fn nested_groups_are_one_encoded_project_id() {
    let forge_fleet = ForgeFleet::new(FORGE);
    forge_fleet
        .server
        .add_repo("org/sub/tool", false, false, &[]);
    forge_fleet.server.add_repo("org/top", false, false, &[]);
    let forge = forge_fleet.forge(Some(TOKEN), 10);
    let found = forge
        .find_open("org/sub/tool", "relicense")
        .expect("searched");
    assert_eq!(found.value, None);
    let listed = forge.list_repositories("org").expect("listed").value;
    let paths: Vec<&str> = listed.iter().map(|repo| repo.path.as_str()).collect();
    assert_eq!(paths, ["org/sub/tool", "org/top"]);
    let calls = forge_fleet.api_calls();
    assert_eq!(
        calls,
        [
            "GET /projects/org%2Fsub%2Ftool/merge_requests?state=opened&source_branch=relicense",
            "GET /groups/org/projects?include_subgroups=true&per_page=100",
        ]
    );
}

#[test]
fn the_happy_path_costs_few_requests() {
    case::the_happy_path_costs_few_requests(FORGE);
}

#[test]
fn a_second_creation_is_typed_exists() {
    case::a_second_creation_is_typed_exists(FORGE);
}

#[test]
fn a_new_branch_is_created_at_once_and_an_open_one_found() {
    case::a_new_branch_is_created_at_once_and_an_open_one_found(FORGE);
}
