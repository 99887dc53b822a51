//! `clone`: the repositories come from URLs, not from discovery, and each remote host is
//! probed once before any clone starts.

use std::path::Path;
use std::time::Instant;

use crate::engine::in_pool;
use crate::error::UsageError;
use crate::git;
use crate::hosts::{HostGate, Probe, Refusals, not_tried, probe_hosts, refusal_notes};
use crate::ops;
use crate::ops::clone::Source;
use crate::outcome::RunReport;
use crate::report::{Layout, RunHeader};
use crate::settings::Settings;
use crate::targets::Repo;

/// What one repository is cloned from: the source, and its host (probed once per host).
struct From {
    source: Source,
    host: String,
}

/// `clone`: the repositories come from URLs, not from discovery; the root is made if missing.
pub fn clone(
    settings: &Settings,
    items: &[String],
    list: Option<&Path>,
    base_url: &str,
    start: Instant,
) -> Result<RunReport, UsageError> {
    let mut all = items.to_vec();
    if let Some(list) = list {
        all.extend(ops::clone::read_list(list).map_err(UsageError::Request)?);
    }
    if all.is_empty() {
        return Err(UsageError::Request(
            "clone needs URLs or OWNER/NAMEs, or --list FILE".into(),
        ));
    }
    let sources = ops::clone::sources(&all, base_url).map_err(UsageError::Request)?;
    clone_sources(settings, sources, Vec::new(), start)
}

/// Clones `sources` into the root (made if missing), each host probed once first; `notes` are
/// said once for the whole run, before the hosts that refused.
pub(super) fn clone_sources(
    settings: &Settings,
    sources: Vec<Source>,
    mut notes: Vec<String>,
    start: Instant,
) -> Result<RunReport, UsageError> {
    let root = &settings.selection.root;
    if !settings.dry_run {
        std::fs::create_dir_all(root).map_err(|err| {
            UsageError::Request(format!("cannot make the root {}: {err}", root.display()))
        })?;
    }
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
    let items: Vec<(Repo, From)> = sources
        .into_iter()
        .map(|source| {
            let repo = ops::clone::repo_of(&root, &source);
            let host = git::remote::host_of(&source.url);
            (repo, From { source, host })
        })
        .collect();
    let refused = if settings.dry_run {
        Refusals::new()
    } else {
        let probes = items.iter().map(|(_, from)| Probe {
            host: &from.host,
            dir: &root,
            remote: &from.source.url,
            reference: "HEAD",
        });
        probe_hosts(probes, settings.timeout)
    };
    let header = RunHeader {
        command: "clone",
        run_id: None,
        root: root.clone(),
        dry_run: settings.dry_run,
        total: items.len(),
        workers: settings.workers(items.len(), false),
        notes: {
            notes.extend(refusal_notes(&refused));
            notes
        },
        check: false,
        fixes: Vec::new(),
    };
    let options = ops::clone::CloneOptions {
        dry_run: settings.dry_run,
        timeout: settings.timeout,
    };
    let gate = HostGate::new(settings.per_host);
    let run = in_pool(
        settings,
        header,
        &items,
        Layout::Lines,
        start,
        |(repo, from): &(Repo, From)| {
            if refused.contains_key(&from.host) {
                return not_tried(repo, &from.host);
            }
            ops::clone::clone(repo, &from.source, &options, &gate)
        },
    );
    Ok(run)
}
