//! The forge layer against the local forge's GitLab flavour (REST v4).

use crate::forge::{Flavour, ForgeFleet, TOKEN};

const FORGE: Flavour = Flavour::GitLab;

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
