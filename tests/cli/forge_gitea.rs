//! The forge layer against the local forge's Gitea flavour (REST v1).

use crate::forge::Flavour;
use crate::forge_cases as case;

const FORGE: Flavour = Flavour::Gitea;

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

#[test]
fn a_second_creation_is_typed_exists() {
    case::a_second_creation_is_typed_exists(FORGE);
}

#[test]
fn a_new_branch_is_created_at_once_and_an_open_one_found() {
    case::a_new_branch_is_created_at_once_and_an_open_one_found(FORGE);
}
