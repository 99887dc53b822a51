//! The forge layer against the local forge's GitHub flavour (REST v3).

use std::time::Duration;

use git_batch::forge::NewChangeRequest;

use crate::forge::{Flavour, ForgeFleet, TOKEN};

const FORGE: Flavour = Flavour::GitHub;

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
