//! `clone --org OWNER`: an owner's repositories as its forge's API lists them (every page),
//! archived ones, forks and those without the asked topics left out, then cloned as `clone`
//! clones a list.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::error::UsageError;
use crate::forge::{self, ForgeEntry, ForgeError, ForgeKind, ForgeRepository, Forges, token};
use crate::ops::clone::sources;
use crate::outcome::RunReport;
use crate::settings::{OrgListing, Settings};
use crate::words::plural;

use super::clone::clone_sources;

/// The forge `--org` asks when `--forge` names none.
const DEFAULT_FORGE: &str = "github.com";

/// Lists `org.owner`'s repositories on its forge and clones those `org` keeps into the root.
/// An unknown forge is a usage error (exit 2); a forge that refuses, does not know the owner
/// or answers garbage stops the run before anything is cloned (exit 1).
pub fn clone_org(
    settings: &Settings,
    forges: &Forges,
    org: &OrgListing,
    cwd: &Path,
    start: Instant,
) -> Result<RunReport, UsageError> {
    let host = forge_host(org.forge.as_deref());
    let entry = forges.by_host(&host).ok_or_else(|| {
        UsageError::Request(format!(
            "--forge {host}: not a forge git-batch knows; name it in .git-batch.toml:\n{}",
            Forges::table_to_add(&host)
        ))
    })?;
    let owner = org.owner.trim().trim_matches('/');
    if owner.is_empty() {
        return Err(UsageError::Request("--org needs an owner's name".into()));
    }
    let mut git = Command::new("git");
    crate::process::prepare(&mut git, cwd);
    let token = token::find_token(
        entry.kind,
        entry.api_root(),
        |name| std::env::var(name).ok(),
        &mut git,
    )
    .map(|(token, _)| token);
    let had_token = token.is_some();
    let listed = forge::connect(entry, token, settings.timeout)
        .list_repositories(owner)
        .map_err(|err| listing_error(&err, entry, owner, had_token))?;
    let (kept, mut notes) = choose(&listed.value, org);
    notes.insert(
        0,
        format!(
            "{owner} on {}: {} repositories listed, {} to clone",
            entry.host,
            listed.value.len(),
            kept.len()
        ),
    );
    if !listed.waited.is_zero() {
        notes.push(format!(
            "waited {}s for the forge's rate limit",
            listed.waited.as_secs()
        ));
    }
    let urls: Vec<String> = kept.iter().map(|repo| repo.clone_url.clone()).collect();
    let mut sources = sources(&urls, "").map_err(UsageError::Request)?;
    // The run's lines come in name order whatever order the forge listed them in.
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    clone_sources(settings, sources, notes, start)
}

/// The host `--forge` names: a host, or a URL whose host is taken.
fn forge_host(forge: Option<&str>) -> String {
    let given = forge.unwrap_or(DEFAULT_FORGE).trim();
    let host = given.split_once("://").map_or(given, |(_, rest)| rest);
    host.split('/').next().unwrap_or(host).to_ascii_lowercase()
}

/// What the forge's refusal means for `clone --org`, with the fix.
fn listing_error(err: &ForgeError, entry: &ForgeEntry, owner: &str, had_token: bool) -> UsageError {
    let message = match err {
        ForgeError::Unauthorized { url, status, .. } if !had_token => format!(
            "{url}: the forge asks for a token (HTTP {status}) and none was found; {}",
            token::advice(entry.kind, entry.api_root())
        ),
        ForgeError::Unauthorized { .. } => {
            format!("{err}; {}", token::advice(entry.kind, entry.api_root()))
        }
        ForgeError::NotFound { url } => {
            let what = match entry.kind {
                ForgeKind::Gitlab => "group or user",
                ForgeKind::Github | ForgeKind::Gitea => "organisation or user",
            };
            format!(
                "{} knows no {what} {owner} ({url}: HTTP 404); a private one needs a token \
                 that can see it",
                entry.host
            )
        }
        _ => format!(
            "cannot list {owner}'s repositories on {}: {err}",
            entry.host
        ),
    };
    UsageError::Forge(message)
}

/// The repositories `org` keeps, in the forge's order, and a note for each kind left out.
fn choose<'a>(
    listed: &'a [ForgeRepository],
    org: &OrgListing,
) -> (Vec<&'a ForgeRepository>, Vec<String>) {
    let mut kept = Vec::new();
    let (mut archived, mut forks, mut topics) = (0, 0, 0);
    let mut notes = Vec::new();
    for repo in listed {
        if repo.archived && !org.archived {
            archived += 1;
        } else if repo.fork && !org.forks {
            forks += 1;
        } else if !has_topics(repo, &org.topics) {
            topics += 1;
        } else if !(repo.clone_url.starts_with("https://") || repo.clone_url.starts_with("http://"))
        {
            notes.push(format!(
                "{}: left out, its clone URL {:?} is not http(s)",
                repo.path, repo.clone_url
            ));
        } else {
            kept.push(repo);
        }
    }
    let left_out = [
        (
            archived,
            "archived (--archived clones it)",
            "archived (--archived clones them)",
        ),
        (
            forks,
            "fork (--forks clones it)",
            "forks (--forks clones them)",
        ),
        (topics, "without every --topic", "without every --topic"),
    ];
    let said: Vec<String> = left_out
        .iter()
        .filter(|(count, _, _)| *count > 0)
        .map(|&(count, one, many)| format!("{count} {}", plural(count, one, many)))
        .collect();
    if !said.is_empty() {
        notes.insert(0, format!("left out: {}", said.join(", ")));
    }
    (kept, notes)
}

/// Whether `repo` has every one of `topics` (as `gh repo list --topic` filters); forges keep
/// topics in lower case, so the comparison ignores case.
fn has_topics(repo: &ForgeRepository, topics: &[String]) -> bool {
    topics.iter().all(|wanted| {
        repo.topics
            .iter()
            .any(|topic| topic.eq_ignore_ascii_case(wanted))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(path: &str, archived: bool, fork: bool, topics: &[&str]) -> ForgeRepository {
        ForgeRepository {
            path: path.into(),
            clone_url: format!("https://h/{path}.git"),
            ssh_url: String::new(),
            default_branch: None,
            archived,
            fork,
            topics: topics.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn paths(kept: &[&ForgeRepository]) -> Vec<String> {
        kept.iter().map(|repo| repo.path.clone()).collect()
    }

    #[test]
    fn archived_forks_and_topics_are_left_out_and_said() {
        let listed = [
            repo("o/a", false, false, &["rust", "cli"]),
            repo("o/old", true, false, &["rust"]),
            repo("o/copy", false, true, &[]),
            repo("o/docs", false, false, &["Rust"]),
        ];
        let mut org = OrgListing::default();
        let (kept, notes) = choose(&listed, &org);
        assert_eq!(paths(&kept), ["o/a", "o/docs"]);
        assert_eq!(
            notes,
            ["left out: 1 archived (--archived clones it), 1 fork (--forks clones it)"]
        );
        org.topics = vec!["rust".into(), "cli".into()];
        org.archived = true;
        org.forks = true;
        let (kept, notes) = choose(&listed, &org);
        assert_eq!(paths(&kept), ["o/a"]);
        assert_eq!(notes, ["left out: 3 without every --topic"]);
        org.topics = vec!["RUST".into()];
        assert_eq!(paths(&choose(&listed, &org).0), ["o/a", "o/old", "o/docs"]);
    }

    #[test]
    fn a_clone_url_that_is_not_http_is_left_out() {
        let mut odd = repo("o/odd", false, false, &[]);
        odd.clone_url = "ext::sh -c touch% /tmp/x".into();
        let (kept, notes) = choose(std::slice::from_ref(&odd), &OrgListing::default());
        assert!(kept.is_empty());
        assert!(notes[0].starts_with("o/odd: left out"), "{notes:?}");
    }

    #[test]
    fn the_forge_is_named_by_host_or_url() {
        assert_eq!(forge_host(None), "github.com");
        assert_eq!(forge_host(Some("GitLab.com")), "gitlab.com");
        assert_eq!(
            forge_host(Some("https://git.example.com:8443/")),
            "git.example.com:8443"
        );
    }
}
