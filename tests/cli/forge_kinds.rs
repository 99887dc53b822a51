//! The forge layer (`git_batch::forge`) on each forge kind: the cases of forge_cases against the
//! GitHub (REST v3), GitLab (REST v4) and Gitea (REST v1) flavours of the local forge. What
//! only one kind does is tested in forge_github and forge_gitlab.

crate::forge::each_forge!(crate::forge_cases:
    opens_once_with_its_decorations,
    an_unknown_reviewer_is_a_problem_not_a_failure,
    rate_limits_are_waited_out_within_the_budget,
    a_refused_token_is_typed_and_never_shown,
    an_html_answer_is_garbage_naming_the_url,
    an_owner_is_listed_across_pages,
    status_merge_and_close,
    a_silent_forge_times_out,
    the_happy_path_costs_few_requests,
    a_second_creation_is_typed_exists,
    a_new_branch_is_created_at_once_and_an_open_one_found,
);
