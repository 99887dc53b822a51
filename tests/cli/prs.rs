//! `git batch prs` on each forge kind: the cases of prs_cases against the GitHub, GitLab and
//! Gitea flavours of the local forge.

crate::forge::each_forge!(crate::prs_cases:
    lists_state_checks_and_review,
    merge_merges_only_the_green_and_approved,
    close_closes_and_deletes_branches,
    a_refused_token_is_said_once,
    an_html_answer_fails_the_repository,
    no_run_with_change_requests_is_exit_2,
    an_unknown_forge_fails_with_the_table_to_add,
    merge_method_squash_makes_one_commit,
    a_rate_limit_wait_is_said,
);
