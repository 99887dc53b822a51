//! `sync`: plan every repository in process, probe each remote host once, then work.

use std::time::Instant;

use super::pr_open::PrOpener;
use crate::engine::{RunGuard, in_pool};
use crate::error::UsageError;
use crate::hosts::{HostGate, Probe, Refusals, not_tried, probe_hosts, refusal_notes};
use crate::journal::Journal;
use crate::ops;
use crate::ops::sync::{Plan, SyncOptions};
use crate::outcome::{ChangeBranch, RepoReport, RunReport};
use crate::pool;
use crate::report::{Layout, RunHeader};
use crate::settings::Settings;
use crate::targets::Repo;

/// `sync` over `repos`: plan in process, probe each remote host once, then work.
pub fn sync(
    settings: &Settings,
    mut header: RunHeader,
    repos: Vec<Repo>,
    mut options: SyncOptions,
    journal: &Journal,
    start: Instant,
    forges: Option<crate::forge::Forges>,
) -> Result<RunReport, UsageError> {
    // A dry run writes nothing at all: no lock file, no record, no ref.
    let mut guard = RunGuard::lock(journal, &header.root, "sync", !settings.dry_run)?;
    if let Some(run_id) = guard.run_id() {
        options.run_id = run_id.to_owned();
        header.run_id = Some(run_id.to_owned());
    }
    let items = plan_each(settings, repos, &options);
    let refused = if settings.dry_run {
        Refusals::new()
    } else {
        refused_hosts(&items, settings)
    };
    header.notes = refusal_notes(&refused);
    if items.iter().any(|(_, plan)| matches!(plan, Plan::Work(_))) {
        guard.open()?;
    }
    let gate = HostGate::new(settings.per_host);
    // With --pr: one forge session, each repository's forge found before anything is pushed.
    let opener = PrOpener::start(
        forges.filter(|_| !settings.dry_run),
        items
            .iter()
            .filter(|(_, plan)| matches!(plan, Plan::Work(_)))
            .map(|(repo, _)| repo),
        options.branch.as_ref(),
        &options,
        settings.timeout,
        &mut header.notes,
    );
    let open_pr = opener
        .as_ref()
        .map(|opener| |repo: &Repo, branch: &ChangeBranch| opener.open(repo, branch));
    let open_pr: Option<&ops::change::OpenPr<'_>> = open_pr.as_ref().map(|open| open as _);
    let started = |record: &_| guard.started(record);
    let run = in_pool(
        settings,
        header,
        &items,
        Layout::Lines,
        start,
        |(repo, plan): &(Repo, Plan)| {
            if let Some(host) = plan.host().filter(|host| refused.contains_key(*host)) {
                return not_tried(repo, host);
            }
            if let Some(Err(reason)) = opener.as_ref().map(|opener| opener.ready(repo)) {
                return RepoReport::failed(repo, reason);
            }
            let report = ops::sync::sync(repo, plan, &options, &gate, &started, open_pr);
            if matches!(plan, Plan::Work(_)) {
                guard.keep(&report);
            }
            report
        },
    );
    guard.finish(&run)?;
    Ok(run)
}

/// Each repository's plan, made in parallel. A panic while planning fails that repository
/// alone: its plan goes with it.
fn plan_each(settings: &Settings, repos: Vec<Repo>, options: &SyncOptions) -> Vec<(Repo, Plan)> {
    let workers = settings.workers(repos.len(), true);
    pool::map(repos, workers, |repo| ops::sync::plan(repo, options))
        .into_iter()
        .map(|(repo, plan)| {
            (
                repo,
                plan.unwrap_or_else(|panic| Plan::Fail(panic.to_string())),
            )
        })
        .collect()
}

/// The hosts that refuse, each tried once through the first repository that will push there.
fn refused_hosts(items: &[(Repo, Plan)], settings: &Settings) -> Refusals {
    let probes = items.iter().filter_map(|(repo, plan)| match plan {
        Plan::Work(work) => {
            let tracking = work.tracking.as_ref()?;
            Some(Probe {
                host: work.host.as_deref()?,
                dir: &repo.path,
                remote: &tracking.push_remote,
                reference: &tracking.merge_ref,
            })
        }
        _ => None,
    });
    probe_hosts(probes, settings.timeout)
}
