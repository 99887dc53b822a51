//! The content operations (`license-update`, `file-replace`, `check`): `decide` says what
//! changes in each repository; writing, committing, pushing and journaling are shared.

use std::time::Instant;

use super::pr_open::PrOpener;
use crate::engine::{RunGuard, in_pool};
use crate::error::UsageError;
use crate::forge::Forges;
use crate::git::{self, Tracking};
use crate::hosts::{HostGate, Probe, Refusals, not_tried, probe_hosts, refusal_notes};
use crate::journal::Journal;
use crate::ops;
use crate::ops::edit::{EditOptions, Mode, Snapshot};
use crate::outcome::{ChangeBranch, Outcome, RepoReport, RunReport};
use crate::pool::{self, Panicked};
use crate::report::{Layout, RunHeader};
use crate::settings::Settings;
use crate::targets::Repo;

/// Where a repository's change is pushed, read before the run so that each host is probed once:
/// its tracking branch and host (`None` without one, or when the run does not push), or the
/// panic that kept it from being read.
type Upstream = Result<Option<(Tracking, String)>, Panicked>;

/// A content operation over `repos`: `decide` says what changes in each; writing, committing,
/// pushing and journaling are shared; with `forges` (`--pr`), the change requests are opened.
#[allow(clippy::too_many_arguments)]
pub fn edit<D, R>(
    settings: &Settings,
    mut header: RunHeader,
    repos: Vec<Repo>,
    mut options: EditOptions,
    decide: &D,
    journal: &Journal,
    start: Instant,
    forges: Option<Forges>,
) -> Result<RunReport, UsageError>
where
    D: Fn(&Snapshot) -> R + Sync,
    R: Into<ops::edit::Decided>,
{
    let writes = options.mode == Mode::Apply;
    let mut guard = RunGuard::lock(journal, &header.root, header.command, writes)?;
    if let Some(run_id) = guard.run_id() {
        options.run_id = run_id.to_owned();
        header.run_id = Some(run_id.to_owned());
    }
    guard.open()?;
    let items = upstreams(settings, repos, &options);
    let refused = refused_hosts(&items, settings);
    header.notes.extend(refusal_notes(&refused));
    let gate = HostGate::new(settings.per_host);
    // With --pr: one forge session for the run, and each repository's forge and path found from
    // its remote URL before anything is pushed.
    let opener = PrOpener::start(
        forges.filter(|_| writes),
        items.iter().map(|(repo, _)| repo),
        options.branch.as_ref(),
        &options,
        settings.timeout,
        &mut header.notes,
    );
    let open_pr = opener
        .as_ref()
        .map(|opener| |repo: &Repo, branch: &ChangeBranch| opener.open(repo, branch));
    let open_pr: Option<&ops::edit::OpenPr<'_>> = open_pr.as_ref().map(|open| open as _);
    let started = |record: &_| guard.started(record);
    let run = in_pool(
        settings,
        header,
        &items,
        Layout::Lines,
        start,
        |(repo, upstream): &(Repo, Upstream)| {
            // A repository whose host could not be read for a panic fails alone, unchanged.
            let upstream = match upstream {
                Ok(upstream) => upstream,
                Err(panic) => return RepoReport::failed(repo, panic.to_string()),
            };
            if let Some((_, host)) = upstream.as_ref().filter(|(_, h)| refused.contains_key(h)) {
                return not_tried(repo, host);
            }
            // A forge that cannot be told from the remote fails the repository before its push.
            if let Some(opener) = &opener {
                if let Err(reason) = opener.ready(repo) {
                    return RepoReport::failed(repo, reason);
                }
            }
            let report = ops::edit::edit(repo, &options, &gate, decide, &started, open_pr);
            if matches!(report.outcome, Outcome::Changed | Outcome::Failed) {
                guard.keep(&report);
            }
            report
        },
    );
    guard.finish(&run)?;
    Ok(run)
}

/// Each repository with where its change is pushed, read in parallel: with `--branch`, the
/// remote the branch goes to; with `--push`, the tracking branch; else nothing to read. Only a
/// run that writes pushes.
fn upstreams(
    settings: &Settings,
    repos: Vec<Repo>,
    options: &EditOptions,
) -> Vec<(Repo, Upstream)> {
    let writes = options.mode == Mode::Apply;
    if writes && options.branch.is_some() {
        let workers = settings.workers(repos.len(), true);
        pool::map(repos, workers, branch_remote_of)
    } else if writes && options.push {
        let workers = settings.workers(repos.len(), true);
        pool::map(repos, workers, upstream_of)
    } else {
        repos.into_iter().map(|repo| (repo, Ok(None))).collect()
    }
}

/// The hosts that refuse, each tried once through the first repository that will push there:
/// with `--push` or `--branch`, one that refuses is asked once, not once per repository.
fn refused_hosts(items: &[(Repo, Upstream)], settings: &Settings) -> Refusals {
    probe_hosts(
        items.iter().filter_map(|(repo, upstream)| {
            let (tracking, host) = upstream.as_ref().ok()?.as_ref()?;
            Some(Probe {
                host,
                dir: &repo.path,
                remote: &tracking.push_remote,
                reference: &tracking.merge_ref,
            })
        }),
        settings.timeout,
    )
}

/// The tracking branch of `repo`'s HEAD and its host, if it has one.
fn upstream_of(repo: &Repo) -> Option<(Tracking, String)> {
    let tracking = git::tracking_of_head(&git::open(&repo.path).ok()?).ok()??;
    let host = ops::sync::host_of(&tracking);
    Some((tracking, host))
}

/// For `--branch`: the remote the branch is pushed to, as the probe asks it (its `HEAD`), and
/// its host.
fn branch_remote_of(repo: &Repo) -> Option<(Tracking, String)> {
    let opened = git::open(&repo.path).ok()?;
    let remote = ops::edit::target::remote_of(&opened).ok()?;
    let host = ops::edit::target::host_of_remote(&opened, &remote);
    let tracking = Tracking {
        push_remote: remote.clone(),
        fetch_remote: remote,
        merge_ref: "HEAD".into(),
        tracking_ref: None,
        push_url: None,
    };
    Some((tracking, host))
}
