//! Opening and taking back change requests (`ops::pr`) on each forge kind: the cases of
//! forge_pr_cases against the GitHub, GitLab and Gitea flavours of the local forge.

use crate::forge::Flavour;
use crate::forge_pr_cases as case;

mod github {
    use super::*;
    const FORGE: Flavour = Flavour::GitHub;

    #[test]
    fn opens_with_defaults_then_finds_it() {
        case::opens_with_defaults_then_finds_it(FORGE);
    }

    #[test]
    fn a_refusal_is_said_once_per_forge() {
        case::a_refusal_is_said_once_per_forge(FORGE);
    }

    #[test]
    fn a_rate_limit_wait_is_said() {
        case::a_rate_limit_wait_is_said(FORGE);
    }

    #[test]
    fn an_html_answer_fails_naming_the_url() {
        case::an_html_answer_fails_naming_the_url(FORGE);
    }

    #[test]
    fn undo_closes_and_leaves_merged_ones() {
        case::undo_closes_and_leaves_merged_ones(FORGE);
    }

    #[test]
    fn one_token_lookup_and_one_creation_at_a_time() {
        case::one_token_lookup_and_one_creation_at_a_time(FORGE);
    }
}

mod gitlab {
    use super::*;
    const FORGE: Flavour = Flavour::GitLab;

    #[test]
    fn opens_with_defaults_then_finds_it() {
        case::opens_with_defaults_then_finds_it(FORGE);
    }

    #[test]
    fn a_refusal_is_said_once_per_forge() {
        case::a_refusal_is_said_once_per_forge(FORGE);
    }

    #[test]
    fn a_rate_limit_wait_is_said() {
        case::a_rate_limit_wait_is_said(FORGE);
    }

    #[test]
    fn an_html_answer_fails_naming_the_url() {
        case::an_html_answer_fails_naming_the_url(FORGE);
    }

    #[test]
    fn undo_closes_and_leaves_merged_ones() {
        case::undo_closes_and_leaves_merged_ones(FORGE);
    }

    #[test]
    fn one_token_lookup_and_one_creation_at_a_time() {
        case::one_token_lookup_and_one_creation_at_a_time(FORGE);
    }
}

mod gitea {
    use super::*;
    const FORGE: Flavour = Flavour::Gitea;

    #[test]
    fn opens_with_defaults_then_finds_it() {
        case::opens_with_defaults_then_finds_it(FORGE);
    }

    #[test]
    fn a_refusal_is_said_once_per_forge() {
        case::a_refusal_is_said_once_per_forge(FORGE);
    }

    #[test]
    fn a_rate_limit_wait_is_said() {
        case::a_rate_limit_wait_is_said(FORGE);
    }

    #[test]
    fn an_html_answer_fails_naming_the_url() {
        case::an_html_answer_fails_naming_the_url(FORGE);
    }

    #[test]
    fn undo_closes_and_leaves_merged_ones() {
        case::undo_closes_and_leaves_merged_ones(FORGE);
    }

    #[test]
    fn one_token_lookup_and_one_creation_at_a_time() {
        case::one_token_lookup_and_one_creation_at_a_time(FORGE);
    }
}
