//! A fleet served by a local forge: the starting point of every forge test.

use std::time::Duration;

use crate::fixture::Fleet;

use super::{Flavour, ForgeServer};

/// What each forge test starts from: a fleet whose `alpha` is served by a forge of
/// `flavour`, with branch `relicense` pushed to it over smart HTTP.
#[derive(Debug)]
pub struct ForgeFleet {
    pub fleet: Fleet,
    pub server: ForgeServer,
}

/// The token the test forges accept.
pub const TOKEN: &str = "test-token-5ecret";

impl ForgeFleet {
    pub fn new(flavour: Flavour) -> ForgeFleet {
        let fleet = Fleet::new();
        fleet.add_repo("alpha");
        let server = ForgeServer::start(flavour, TOKEN);
        server.serve_fleet(&fleet, &["alpha"]);
        let clone = fleet.path("alpha");
        fleet.git(
            &clone,
            &[
                "remote",
                "set-url",
                "origin",
                &server.git_url("fleet/alpha"),
            ],
        );
        let forge_fleet = ForgeFleet { fleet, server };
        forge_fleet.push_branch("relicense", "LICENSE", "MIT\n");
        forge_fleet
    }

    /// Commits `file` on a new branch `branch` of `alpha` and pushes it over smart HTTP.
    pub fn push_branch(&self, branch: &str, file: &str, content: &str) {
        self.push_branch_of("alpha", branch, file, content);
    }

    /// Commits `file` on a new branch `branch` of repository `name` and pushes it.
    pub fn push_branch_of(&self, name: &str, branch: &str, file: &str, content: &str) {
        let clone = self.fleet.path(name);
        self.fleet
            .git(&clone, &["switch", "-q", "-c", branch, "main"]);
        self.fleet
            .commit_file(name, file, content, &format!("add {file}"));
        self.fleet.git(&clone, &["push", "-q", "origin", branch]);
        self.fleet.git(&clone, &["switch", "-q", "main"]);
    }

    /// Adds repository `name` to the fleet, served by the forge as `fleet/NAME`.
    pub fn add_served(&self, name: &str) {
        self.fleet.add_repo(name);
        self.server.serve_fleet(&self.fleet, &[name]);
        let url = self.server.git_url(&format!("fleet/{name}"));
        self.fleet.git(
            &self.fleet.path(name),
            &["remote", "set-url", "origin", &url],
        );
    }

    /// The `[[forges]]` entry of the test forge.
    pub fn entry(&self) -> git_batch::forge::ForgeEntry {
        let kind = match self.server.state().flavour {
            Flavour::GitHub => git_batch::forge::ForgeKind::Github,
            Flavour::GitLab => git_batch::forge::ForgeKind::Gitlab,
            Flavour::Gitea => git_batch::forge::ForgeKind::Gitea,
        };
        git_batch::forge::ForgeEntry {
            host: self.server.host(),
            kind,
            api: self.server.api_root(),
        }
    }

    /// A client of the forge's API with `token`, each call allowed `seconds`.
    pub fn forge(&self, token: Option<&str>, seconds: u64) -> Box<dyn git_batch::forge::Forge> {
        let token = token.map(git_batch::forge::Token::new);
        git_batch::forge::connect(&self.entry(), token, Duration::from_secs(seconds))
    }

    /// The HTTP layer under [`ForgeFleet::forge`], for calls the trait makes only in passing.
    pub fn api(&self) -> git_batch::forge::Api {
        let token = Some(git_batch::forge::Token::new(TOKEN));
        git_batch::forge::Api::new(&self.entry(), token, Duration::from_secs(10))
    }

    /// The API requests made so far, as `METHOD /path?query`.
    pub fn api_calls(&self) -> Vec<String> {
        let prefix = self.server.state().flavour.api_prefix();
        self.server
            .requests()
            .iter()
            .filter(|request| request.path().starts_with(prefix))
            .map(|request| format!("{} {}", request.method, &request.target[prefix.len()..]))
            .collect()
    }
}
