//! Before a run that talks to remotes: each remote host is tried once (`git ls-remote`), so that
//! a host that refuses us (authentication, host key, name) is said once, with the fix, and its
//! repositories are not each asked in turn.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::git::{self, Git};
use crate::outcome::RepoReport;
use crate::pool;
use crate::targets::Repo;

/// The hosts that refused the probe: for each, git's message and the fix.
pub type Refusals = BTreeMap<String, (String, String)>;

/// One remote to try before the run: its host, the folder `git ls-remote` runs in, and the two
/// arguments it takes (a remote or URL, and a ref).
#[derive(Debug)]
pub struct Probe<'a> {
    pub host: &'a str,
    pub dir: &'a Path,
    pub remote: &'a str,
    pub reference: &'a str,
}

/// Tries each remote host once (`git ls-remote` for its first probe), in parallel. Returns the
/// hosts that refused, with git's message and the fix. Paths need no probe: nothing can refuse.
pub fn probe_hosts<'a>(probes: impl Iterator<Item = Probe<'a>>, timeout: Duration) -> Refusals {
    let mut first_of_host: BTreeMap<&str, Probe<'a>> = BTreeMap::new();
    for probe in probes {
        if probe.host != "local" {
            first_of_host.entry(probe.host).or_insert(probe);
        }
    }
    let probes: Vec<Probe<'a>> = first_of_host.into_values().collect();
    let workers = probes.len();
    let answers = pool::map(probes, workers, |probe| {
        let git = Git::new(probe.dir, timeout);
        let err = git
            .check(&["ls-remote", "--", probe.remote, probe.reference])
            .err()?;
        // The fix names the URL's host, port and user (`ssh-keyscan -p PORT HOST`).
        let url = git::remote::url_of_remote(&git, probe.remote);
        git::remote::refusal_fix_for(err.message(), &url).map(|fix| (err.message().to_owned(), fix))
    });
    // A probe that panicked decided nothing: its host's repositories fail rather than run blind.
    answers
        .into_iter()
        .filter_map(|(probe, answer)| {
            let refusal = answer.unwrap_or_else(|panic| {
                Some((
                    panic.to_string(),
                    "run again; report it if it persists".to_owned(),
                ))
            })?;
            Some((probe.host.to_owned(), refusal))
        })
        .collect()
}

/// The notes that tell the user which hosts refused, and how to fix each.
pub fn refusal_notes(refused: &Refusals) -> Vec<String> {
    refused
        .iter()
        .map(|(host, (message, fix))| {
            format!("{host} refused ({message}); its repositories were not tried. Fix: {fix}")
        })
        .collect()
}

/// The report of a repository whose host refused the probe.
pub fn not_tried(repo: &Repo, host: &str) -> RepoReport {
    RepoReport::failed(
        repo,
        format!("not tried: {host} refused (see the note above)"),
    )
}
