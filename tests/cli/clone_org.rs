//! `clone --org OWNER`: an owner's repositories listed through the local forge's API, page
//! after page, archived ones and forks left out unless asked, `--topic` keeping those with
//! every topic given, then cloned over the same server's smart HTTP (the real
//! `git http-backend`) exactly as `clone` clones a list.

use std::fs;
use std::process::Output;

use serde_json::Value;

use crate::clone::bare_remote;
use crate::fixture::{Fleet, names, repo};
use crate::forge::{Fault, Flavour, ForgeServer, TOKEN};

/// A fleet root and a forge whose owner `org` has five repositories, two a page: `api`
/// (topic rust), `web`, `tool` (rust and cli; in subgroup `sub` on GitLab), an archived `old`
/// and a fork `copy` (rust). Each is a real bare repository the server serves over git.
struct OrgForge {
    fleet: Fleet,
    server: ForgeServer,
    flavour: Flavour,
}

impl OrgForge {
    fn new(flavour: Flavour) -> OrgForge {
        let fleet = Fleet::new();
        let server = ForgeServer::start(flavour, TOKEN);
        let tool = match flavour {
            Flavour::GitLab => "org/sub/tool",
            Flavour::GitHub | Flavour::Gitea => "org/tool",
        };
        let repos: [(&str, bool, bool, &[&str]); 5] = [
            ("org/api", false, false, &["rust"]),
            ("org/old", true, false, &["rust"]),
            ("org/web", false, false, &[]),
            ("org/copy", false, true, &["rust"]),
            (tool, false, false, &["rust", "cli"]),
        ];
        let served = server.state().project_root.clone();
        for (path, archived, fork, topics) in repos {
            let bare = bare_remote(&fleet, &format!("{path}.git"));
            let link = served.join(format!("{path}.git"));
            fs::create_dir_all(link.parent().expect("a parent")).expect("the owner folder");
            std::os::unix::fs::symlink(&bare, &link).expect("serve the bare repository");
            server.add_repo(path, archived, fork, topics);
        }
        server.state().max_page = 2;
        let org = OrgForge {
            fleet,
            server,
            flavour,
        };
        org.write_config();
        org
    }

    /// `.git-batch.toml` at the root naming the test forge, its API in plain http.
    fn write_config(&self) {
        let kind = match self.flavour {
            Flavour::GitHub => "github",
            Flavour::GitLab => "gitlab",
            Flavour::Gitea => "gitea",
        };
        fs::write(
            self.fleet.root.join(".git-batch.toml"),
            format!(
                "[[forges]]\nhost = \"{}\"\nkind = \"{kind}\"\napi = \"{}\"\n",
                self.server.host(),
                self.server.api_root()
            ),
        )
        .expect("write the configuration");
    }

    /// `git batch --format json clone --org org --forge HOST ARGS…` with `token` in
    /// `GIT_BATCH_TOKEN`.
    fn clone(&self, token: Option<&str>, args: &[&str]) -> Output {
        let host = self.server.host();
        let mut command = self.fleet.cmd();
        if let Some(token) = token {
            command.env("GIT_BATCH_TOKEN", token);
        }
        command
            .args([
                "--format", "json", "clone", "--org", "org", "--forge", &host,
            ])
            .args(args)
            .output()
            .expect("run git-batch")
    }

    /// The document of a run that exits 0.
    fn cloned(&self, args: &[&str]) -> Value {
        let output = self.clone(Some(TOKEN), args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("a JSON document")
    }

    /// The API's listing requests so far (each page is one).
    fn listing_calls(&self) -> usize {
        let prefix = self.flavour.api_prefix();
        self.server
            .requests()
            .iter()
            .filter(|r| r.path().starts_with(prefix))
            .filter(|r| r.path().ends_with("/repos") || r.path().ends_with("/projects"))
            .count()
    }

    fn git_calls(&self) -> usize {
        let prefix = self.flavour.api_prefix();
        self.server
            .requests()
            .iter()
            .filter(|r| !r.path().starts_with(prefix))
            .count()
    }

    /// The folders under the root, sorted.
    fn folders(&self) -> Vec<String> {
        let mut found: Vec<String> = fs::read_dir(&self.fleet.root)
            .expect("read the root")
            .map(|entry| {
                entry
                    .expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|name| name != ".git-batch.toml")
            .collect();
        found.sort();
        found
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Across three pages, the kept repositories are cloned from the server's git side and are
/// usable; archived ones and forks are not; a dry run before clones nothing; a rerun finds
/// them all there; the token went to the API only.
fn an_owner_is_cloned_across_pages(flavour: Flavour) {
    let org = OrgForge::new(flavour);
    let dry = org.cloned(&["-n"]);
    assert_eq!(names(&dry), ["api", "tool", "web"], "{dry:#}");
    assert_eq!(repo(&dry, "tool")["outcome"], "changed");
    assert!(org.folders().is_empty(), "{:?}", org.folders());
    assert_eq!(org.git_calls(), 0, "a dry run clones nothing");
    assert_eq!(org.listing_calls(), 3, "five repositories, two a page");

    let document = org.cloned(&[]);
    assert_eq!(names(&document), ["api", "tool", "web"], "{document:#}");
    assert_eq!(document["summary"]["changed"], 3);
    assert_eq!(org.folders(), ["api", "tool", "web"]);
    let notes = document["notes"].to_string();
    assert!(
        notes.contains("left out: 1 archived (--archived clones it), 1 fork (--forks"),
        "{notes}"
    );
    let tool = org.fleet.root.join("tool");
    let log = org.fleet.git(&tool, &["log", "--format=%s"]);
    assert_eq!(log, "first\n");
    let remote = org.fleet.git(&tool, &["remote", "get-url", "origin"]);
    assert!(
        remote.trim().starts_with(&org.server.base_url()) && remote.trim().ends_with("/tool.git"),
        "{remote}"
    );
    let readme = fs::read_to_string(tool.join("README.md")).expect("a checked-out file");
    assert!(readme.contains("/tool.git"), "{readme}");
    let prefix = flavour.api_prefix();
    for request in org.server.requests() {
        let carries =
            request.header("authorization").is_some() || request.header("private-token").is_some();
        assert_eq!(
            carries,
            request.path().starts_with(prefix),
            "the token goes to the API and nowhere else: {}",
            request.path()
        );
    }

    let again = org.cloned(&[]);
    assert_eq!(again["summary"]["unchanged"], 3, "{again:#}");
    assert_eq!(repo(&again, "api")["message"], "already cloned");
}

/// `--archived` and `--forks` bring what is left out; `--topic` keeps those with every topic.
fn flags_choose_what_is_cloned(flavour: Flavour) {
    let org = OrgForge::new(flavour);
    let all = org.cloned(&["-n", "--archived", "--forks"]);
    assert_eq!(names(&all), ["api", "copy", "old", "tool", "web"]);
    let archived = org.cloned(&["-n", "--archived"]);
    assert_eq!(names(&archived), ["api", "old", "tool", "web"]);
    let rust = org.cloned(&["-n", "--topic", "rust"]);
    assert_eq!(names(&rust), ["api", "tool"]);
    let both = org.cloned(&["-n", "--topic", "rust", "--topic", "cli", "--forks"]);
    assert_eq!(names(&both), ["tool"]);
    let none = org.cloned(&["-n", "--topic", "nothing-has-it"]);
    assert_eq!(none["summary"]["total"], 0, "{none:#}");
    assert!(
        none["notes"].to_string().contains("without every --topic"),
        "{none:#}"
    );
    assert!(org.folders().is_empty());
}

/// A token the forge refuses, or none at all, is one error with the fix (exit 1), after one
/// request; the token is not printed and nothing is cloned.
fn a_refused_token_is_said_once(flavour: Flavour) {
    let org = OrgForge::new(flavour);
    let wrong = "wrong-token-0dd";
    let output = org.clone(Some(wrong), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let said = stderr(&output);
    assert_eq!(said.matches("refused the token").count(), 1, "{said}");
    assert!(said.contains("set GIT_BATCH_TOKEN or"), "{said}");
    assert!(!said.contains(wrong), "{said}");
    assert!(output.stdout.is_empty());
    assert_eq!(
        org.server.requests().len(),
        1,
        "{:?}",
        org.server.requests()
    );

    let output = org.clone(None, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("asks for a token (HTTP 401) and none was found; set"),
        "{}",
        stderr(&output)
    );
    assert!(org.folders().is_empty());
}

#[test]
fn github_owner_across_pages() {
    an_owner_is_cloned_across_pages(Flavour::GitHub);
}

#[test]
fn gitlab_group_with_a_subgroup_across_pages() {
    an_owner_is_cloned_across_pages(Flavour::GitLab);
}

#[test]
fn gitea_owner_across_pages() {
    an_owner_is_cloned_across_pages(Flavour::Gitea);
}

#[test]
fn github_flags() {
    flags_choose_what_is_cloned(Flavour::GitHub);
}

#[test]
fn gitlab_flags() {
    flags_choose_what_is_cloned(Flavour::GitLab);
}

#[test]
fn gitea_flags() {
    flags_choose_what_is_cloned(Flavour::Gitea);
}

#[test]
fn github_refused_token() {
    a_refused_token_is_said_once(Flavour::GitHub);
}

#[test]
fn gitlab_refused_token() {
    a_refused_token_is_said_once(Flavour::GitLab);
}

#[test]
fn gitea_refused_token() {
    a_refused_token_is_said_once(Flavour::Gitea);
}

/// A forge not named in `.git-batch.toml` is a usage error with the table to add, before any
/// request: the test forge's plain-http API is used only because the file says so.
#[test]
fn an_unknown_forge_is_exit_2_with_the_table() {
    let org = OrgForge::new(Flavour::Gitea);
    fs::remove_file(org.fleet.root.join(".git-batch.toml")).expect("remove the table");
    let output = org.clone(Some(TOKEN), &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let table = format!("\n    [[forges]]\n    host = \"{}\"\n", org.server.host());
    assert!(stderr(&output).contains(&table), "{}", stderr(&output));
    assert!(org.server.requests().is_empty());
    let flags = org
        .fleet
        .cmd()
        .args(["clone", "--forks", "org/api"])
        .output()
        .expect("run");
    assert_eq!(flags.status.code(), Some(2), "--forks needs --org");
    let both = org
        .fleet
        .cmd()
        .args(["clone", "--org", "org", "org/api"])
        .output()
        .expect("run");
    assert_eq!(both.status.code(), Some(2), "--org takes no URLs");
}

/// An owner the forge does not know is its 404 said plainly (exit 1); an answer that is not
/// JSON names the URL (exit 1); neither clones anything.
#[test]
fn an_unknown_owner_and_a_garbage_answer_fail_clearly() {
    for flavour in [Flavour::GitHub, Flavour::GitLab] {
        let org = OrgForge::new(flavour);
        let host = org.server.host();
        let output = org
            .fleet
            .cmd()
            .env("GIT_BATCH_TOKEN", TOKEN)
            .args(["clone", "--org", "nobody", "--forge", &host])
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert!(
            stderr(&output).contains(" nobody (") && stderr(&output).contains("HTTP 404"),
            "{}",
            stderr(&output)
        );
        org.server.fault(Fault::Html);
        let output = org.clone(Some(TOKEN), &[]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let said = stderr(&output);
        assert!(said.contains("the answer is not JSON"), "{said}");
        assert!(said.contains(&org.server.api_root()), "{said}");
        assert!(org.folders().is_empty());
    }
}

/// With no token in the environment, the one git's credential helper stores for the API's
/// host is used; a rate limit on the way is waited out and said.
#[test]
fn the_token_of_a_credential_helper_and_a_rate_limit_waited_out() {
    let org = OrgForge::new(Flavour::GitHub);
    let store = org.fleet.home.join("git-credentials");
    fs::write(
        &store,
        format!("http://fleet-tester:{TOKEN}@{}\n", org.server.host()),
    )
    .expect("write the store");
    let helper = format!("store --file={}", store.display());
    let home = org.fleet.home.clone();
    org.fleet
        .git(&home, &["config", "--global", "credential.helper", &helper]);
    org.server.fault(Fault::RateLimit { retry_after: 1 });
    let output = org.clone(None, &["-n"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let document: Value = serde_json::from_slice(&output.stdout).expect("a JSON document");
    assert_eq!(names(&document), ["api", "tool", "web"]);
    assert!(
        document["notes"]
            .to_string()
            .contains("waited 1s for the forge's rate limit"),
        "{document:#}"
    );
}
