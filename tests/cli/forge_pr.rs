//! Opening and taking back change requests (`ops::pr`) on each forge kind: the cases of
//! forge_pr_cases against the GitHub, GitLab and Gitea flavours of the local forge.

crate::forge::each_forge!(crate::forge_pr_cases:
    opens_with_defaults_then_finds_it,
    a_refusal_is_said_once_per_forge,
    a_rate_limit_wait_is_said,
    an_html_answer_fails_naming_the_url,
    undo_closes_and_leaves_merged_ones,
    one_token_lookup_and_one_creation_at_a_time,
);
