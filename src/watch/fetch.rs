//! `watch --fetch-every`: every repository's upstream fetched, as `sync --pull` fetches it: each
//! remote host probed once (a refusing host is said once, not per repository), at most
//! `--per-host` fetches at once against a host, no prompt, a deadline for each.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::git::{self, Git};
use crate::hosts::{HostGate, Probe, probe_hosts, refusal_notes};
use crate::pool;

/// What fetching needs from the settings.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    pub timeout: Duration,
    pub per_host: usize,
    pub workers: usize,
}

/// The remote a repository's upstream is fetched from, and its host.
#[derive(Debug)]
struct Upstream {
    remote: String,
    merge_ref: String,
    host: String,
}

/// Fetches the upstream of every repository at `paths` that has one; returns the notes to say
/// (a host that refused).
pub fn fetch_all(paths: Vec<PathBuf>, settings: &FetchSettings) -> Vec<String> {
    let upstreams: Vec<(PathBuf, Upstream)> =
        pool::map(paths, settings.workers, |path| upstream_of(path))
            .into_iter()
            .filter_map(|(path, upstream)| Some((path, upstream.ok()??)))
            .collect();
    let probes = upstreams.iter().map(|(path, upstream)| Probe {
        host: &upstream.host,
        dir: path,
        remote: &upstream.remote,
        reference: &upstream.merge_ref,
    });
    let refused = probe_hosts(probes, settings.timeout);
    let gate = HostGate::new(settings.per_host);
    let tried: Vec<(PathBuf, Upstream)> = upstreams
        .into_iter()
        .filter(|(_, upstream)| !refused.contains_key(&upstream.host))
        .collect();
    // A fetch that fails (a repository gone from the server) shows as a status that does not
    // move; the next period tries again.
    pool::map(tried, settings.workers, |(path, upstream)| {
        let _permit = gate.enter(&upstream.host);
        let git = Git::new(path, settings.timeout);
        git.check(&["fetch", "--quiet", "--no-tags", upstream.remote.as_str()])
            .is_ok()
    });
    refusal_notes(&refused)
}

/// The upstream of HEAD's branch, when it has one on a remote (a local upstream needs no
/// fetch).
fn upstream_of(path: &Path) -> Option<Upstream> {
    let opened = git::open(path).ok()?;
    let tracking = git::tracking_of_head(&opened).ok()??;
    if tracking.fetch_remote == "." {
        return None;
    }
    let host = tracking
        .push_url
        .as_deref()
        .map_or_else(|| "local".to_owned(), git::remote::host_of);
    Some(Upstream {
        remote: tracking.fetch_remote,
        merge_ref: tracking.merge_ref,
        host,
    })
}
