//! `git batch prs` on each forge kind: the cases of prs_cases against the GitHub, GitLab and
//! Gitea flavours of the local forge.

use crate::forge::Flavour;
use crate::prs_cases as case;

mod github {
    use super::*;
    const FORGE: Flavour = Flavour::GitHub;

    #[test]
    fn lists_state_checks_and_review() {
        case::lists_state_checks_and_review(FORGE);
    }

    #[test]
    fn merge_merges_only_the_green_and_approved() {
        case::merge_merges_only_the_green_and_approved(FORGE);
    }

    #[test]
    fn close_closes_and_deletes_branches() {
        case::close_closes_and_deletes_branches(FORGE);
    }

    #[test]
    fn a_refused_token_is_said_once() {
        case::a_refused_token_is_said_once(FORGE);
    }

    #[test]
    fn an_html_answer_fails_the_repository() {
        case::an_html_answer_fails_the_repository(FORGE);
    }

    #[test]
    fn no_run_with_change_requests_is_exit_2() {
        case::no_run_with_change_requests_is_exit_2(FORGE);
    }

    #[test]
    fn an_unknown_forge_fails_with_the_table_to_add() {
        case::an_unknown_forge_fails_with_the_table_to_add(FORGE);
    }

    #[test]
    fn merge_method_squash_makes_one_commit() {
        case::merge_method_squash_makes_one_commit(FORGE);
    }

    #[test]
    fn a_rate_limit_wait_is_said() {
        case::a_rate_limit_wait_is_said(FORGE);
    }
}

mod gitlab {
    use super::*;
    const FORGE: Flavour = Flavour::GitLab;

    #[test]
    fn lists_state_checks_and_review() {
        case::lists_state_checks_and_review(FORGE);
    }

    #[test]
    fn merge_merges_only_the_green_and_approved() {
        case::merge_merges_only_the_green_and_approved(FORGE);
    }

    #[test]
    fn close_closes_and_deletes_branches() {
        case::close_closes_and_deletes_branches(FORGE);
    }

    #[test]
    fn a_refused_token_is_said_once() {
        case::a_refused_token_is_said_once(FORGE);
    }

    #[test]
    fn an_html_answer_fails_the_repository() {
        case::an_html_answer_fails_the_repository(FORGE);
    }

    #[test]
    fn no_run_with_change_requests_is_exit_2() {
        case::no_run_with_change_requests_is_exit_2(FORGE);
    }

    #[test]
    fn an_unknown_forge_fails_with_the_table_to_add() {
        case::an_unknown_forge_fails_with_the_table_to_add(FORGE);
    }

    #[test]
    fn merge_method_squash_makes_one_commit() {
        case::merge_method_squash_makes_one_commit(FORGE);
    }

    #[test]
    fn a_rate_limit_wait_is_said() {
        case::a_rate_limit_wait_is_said(FORGE);
    }
}

mod gitea {
    use super::*;
    const FORGE: Flavour = Flavour::Gitea;

    #[test]
    fn lists_state_checks_and_review() {
        case::lists_state_checks_and_review(FORGE);
    }

    #[test]
    fn merge_merges_only_the_green_and_approved() {
        case::merge_merges_only_the_green_and_approved(FORGE);
    }

    #[test]
    fn close_closes_and_deletes_branches() {
        case::close_closes_and_deletes_branches(FORGE);
    }

    #[test]
    fn a_refused_token_is_said_once() {
        case::a_refused_token_is_said_once(FORGE);
    }

    #[test]
    fn an_html_answer_fails_the_repository() {
        case::an_html_answer_fails_the_repository(FORGE);
    }

    #[test]
    fn no_run_with_change_requests_is_exit_2() {
        case::no_run_with_change_requests_is_exit_2(FORGE);
    }

    #[test]
    fn an_unknown_forge_fails_with_the_table_to_add() {
        case::an_unknown_forge_fails_with_the_table_to_add(FORGE);
    }

    #[test]
    fn merge_method_squash_makes_one_commit() {
        case::merge_method_squash_makes_one_commit(FORGE);
    }

    #[test]
    fn a_rate_limit_wait_is_said() {
        case::a_rate_limit_wait_is_said(FORGE);
    }
}
