//! What every mutating run shares: the root lock, the run record written before the first
//! repository is touched and completed after the last, and the host probe that keeps a host
//! that refuses us from being asked once per repository. Also `runs`, `undo` and `clone`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::engine::in_pool;
use crate::error::UsageError;
use crate::git::{self, Git, Tracking};
use crate::hosts::HostGate;
use crate::journal::{Journal, RepoRecord, RootLock, RunRecord};
use crate::ops;
use crate::ops::edit::{EditOptions, Mode, Snapshot};
use crate::ops::sync::{Plan, SyncOptions};
use crate::outcome::{Details, Outcome, RepoReport, RunReport};
use crate::pool;
use crate::report::{Layout, RunHeader};
use crate::settings::{Format, Settings};
use crate::targets::Repo;

/// How long a run waits for another run on the same root before refusing.
const LOCK_PATIENCE: Duration = Duration::from_secs(3);

/// `sync` over `repos`: plan in process, probe each remote host once, then work.
pub fn sync(
    settings: &Settings,
    mut header: RunHeader,
    repos: &[Repo],
    mut options: SyncOptions,
    journal: &Journal,
    start: Instant,
) -> Result<RunReport, UsageError> {
    // A dry run writes nothing at all: no lock file, no record, no ref.
    let _lock = if settings.dry_run {
        None
    } else {
        Some(RootLock::acquire(&header.root, LOCK_PATIENCE)?)
    };
    let record = RunRecord::start(&header.root, "sync");
    if !settings.dry_run {
        options.run_id = record.run_id.clone();
        header.run_id = Some(record.run_id.clone());
    }
    // A panic while planning fails that repository alone, in its own place.
    let plans: Vec<Plan> = pool::map(repos, settings.workers(repos.len(), true), |repo| {
        ops::sync::plan(repo, &options)
    })
    .into_iter()
    .map(|plan| plan.unwrap_or_else(|panic| Plan::Fail(panic.to_string())))
    .collect();
    let refused = if settings.dry_run {
        BTreeMap::new()
    } else {
        let probes = repos
            .iter()
            .zip(&plans)
            .filter_map(|(repo, plan)| match plan {
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
    };
    header.notes = refusal_notes(&refused);
    let has_work = plans.iter().any(|plan| matches!(plan, Plan::Work(_)));
    if !settings.dry_run && has_work {
        journal.save(&record)?;
    }
    let gate = HostGate::new(settings.per_host);
    let progress = ProgressLog::new(journal, &options.run_id);
    let index_of: BTreeMap<&Path, usize> = repos
        .iter()
        .enumerate()
        .map(|(i, repo)| (repo.path.as_path(), i))
        .collect();
    let run = in_pool(
        settings,
        header,
        repos,
        Layout::Lines,
        start,
        |repo: &Repo| {
            let plan = &plans[index_of[repo.path.as_path()]];
            match plan
                .host()
                .and_then(|host| refused.get(host).map(|r| (host, r)))
            {
                Some((host, _)) => not_tried(repo, host),
                None => {
                    let started = |record: &RepoRecord| {
                        journal
                            .append_progress(&options.run_id, record)
                            .map_err(|err| err.to_string())
                    };
                    let report = ops::sync::sync(repo, plan, &options, &gate, &started);
                    if !settings.dry_run && matches!(plan, Plan::Work(_)) {
                        // Kept as soon as it is known, so a run killed outright can be undone.
                        progress.keep(&repo_record(&report));
                    }
                    report
                }
            }
        },
    );
    if !settings.dry_run && has_work {
        finish(journal, record, &run)?;
    }
    Ok(run)
}

/// One remote to try before the run: its host, the folder `git ls-remote` runs in, and the two
/// arguments it takes (a remote or URL, and a ref).
pub(crate) struct Probe<'a> {
    pub host: &'a str,
    pub dir: &'a Path,
    pub remote: &'a str,
    pub reference: &'a str,
}

/// Tries each remote host once (`git ls-remote` for its first probe), in parallel. Returns the
/// hosts that refused, with git's message and the fix. Paths need no probe: nothing can refuse.
pub(crate) fn probe_hosts<'a>(
    probes: impl Iterator<Item = Probe<'a>>,
    timeout: Duration,
) -> BTreeMap<String, (String, String)> {
    let mut first_of_host: BTreeMap<&str, Probe<'a>> = BTreeMap::new();
    for probe in probes {
        if probe.host != "local" {
            first_of_host.entry(probe.host).or_insert(probe);
        }
    }
    let probes: Vec<Probe<'a>> = first_of_host.into_values().collect();
    let answers = pool::map(&probes, probes.len(), |probe| {
        let git = Git::new(probe.dir, timeout);
        let err = git
            .check(&["ls-remote", "--", probe.remote, probe.reference])
            .err()?;
        // The fix names the URL's host, port and user (`ssh-keyscan -p PORT HOST`).
        let url = git::remote::url_of_remote(&git, probe.remote);
        git::remote::refusal_fix_for(err.message(), &url).map(|fix| (err.message().to_owned(), fix))
    });
    // A probe that panicked decided nothing: its host's repositories fail rather than run blind.
    probes
        .into_iter()
        .zip(answers)
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
pub(crate) fn refusal_notes(refused: &BTreeMap<String, (String, String)>) -> Vec<String> {
    refused
        .iter()
        .map(|(host, (message, fix))| {
            format!("{host} refused ({message}); its repositories were not tried. Fix: {fix}")
        })
        .collect()
}

/// The report of a repository whose host refused the probe.
pub(crate) fn not_tried(repo: &Repo, host: &str) -> RepoReport {
    RepoReport::failed(
        repo,
        format!("not tried: {host} refused (see the note above)"),
    )
}

/// A content operation (`license-update`, `file-replace`) over `repos`: `decide` says what
/// changes in each; writing, committing, pushing and journaling are shared.
pub fn edit<D, R>(
    settings: &Settings,
    mut header: RunHeader,
    repos: &[Repo],
    mut options: EditOptions,
    decide: &D,
    journal: &Journal,
    start: Instant,
) -> Result<RunReport, UsageError>
where
    D: Fn(&Snapshot) -> R + Sync,
    R: Into<ops::edit::Decided>,
{
    let writes = options.mode == Mode::Apply;
    let _lock = if writes {
        Some(RootLock::acquire(&header.root, LOCK_PATIENCE)?)
    } else {
        None
    };
    let record = RunRecord::start(&header.root, header.command);
    if writes {
        options.run_id = record.run_id.clone();
        header.run_id = Some(record.run_id.clone());
        journal.save(&record)?;
    }
    // With --push, each repository's host, so that one that refuses is asked once.
    let hosts: Vec<Result<Option<(Tracking, String)>, pool::Panicked>> = if writes && options.push {
        pool::map(repos, settings.workers(repos.len(), true), |repo| {
            let tracking = git::tracking_of_head(&git::open(&repo.path).ok()?).ok()??;
            let host = ops::sync::host_of(&tracking);
            Some((tracking, host))
        })
    } else {
        Vec::new()
    };
    // A repository whose host could not be read for a panic fails alone, before any change.
    let panicked: BTreeMap<&Path, String> = repos
        .iter()
        .zip(&hosts)
        .filter_map(|(repo, host)| Some((repo.path.as_path(), host.as_ref().err()?.to_string())))
        .collect();
    let refused = probe_hosts(
        repos.iter().zip(&hosts).filter_map(|(repo, host)| {
            host.as_ref().ok()?.as_ref().map(|(tracking, host)| Probe {
                host,
                dir: &repo.path,
                remote: &tracking.push_remote,
                reference: &tracking.merge_ref,
            })
        }),
        settings.timeout,
    );
    header.notes.extend(refusal_notes(&refused));
    let host_of: BTreeMap<&Path, &str> = repos
        .iter()
        .zip(&hosts)
        .filter_map(|(repo, host)| {
            let (_, host) = host.as_ref().ok()?.as_ref()?;
            Some((repo.path.as_path(), host.as_str()))
        })
        .collect();
    let gate = HostGate::new(settings.per_host);
    let progress = ProgressLog::new(journal, &options.run_id);
    let run = in_pool(
        settings,
        header,
        repos,
        Layout::Lines,
        start,
        |repo: &Repo| {
            if let Some(panic) = panicked.get(repo.path.as_path()) {
                return RepoReport::failed(repo, panic.clone());
            }
            if let Some(host) = host_of
                .get(repo.path.as_path())
                .filter(|host| refused.contains_key(**host))
            {
                return not_tried(repo, host);
            }
            let started = |record: &RepoRecord| {
                journal
                    .append_progress(&options.run_id, record)
                    .map_err(|err| err.to_string())
            };
            let report = ops::edit::edit(repo, &options, &gate, decide, &started);
            if writes && matches!(report.outcome, Outcome::Changed | Outcome::Failed) {
                // Kept as soon as it is known, so a run killed outright can be undone.
                progress.keep(&repo_record(&report));
            }
            report
        },
    );
    if writes {
        finish(journal, record, &run)?;
    }
    Ok(run)
}

/// Completes the run's record with every repository. After an internal error the record is left
/// as a killed run leaves it, with its progress log, which `runs` and `undo` read.
fn finish(journal: &Journal, mut record: RunRecord, run: &RunReport) -> Result<(), UsageError> {
    if run.internal_error.is_some() {
        crate::report::print_warning(&format!(
            "the record of run {id} is kept with every repository it started: `git batch runs` \
             lists it and `git batch undo {id}` takes it back",
            id = record.run_id
        ));
        return Ok(());
    }
    record.repos = run.repos.iter().map(repo_record).collect();
    record.finished = Some(crate::journal::timestamp_now());
    journal.save(&record).map_err(UsageError::Unrecorded)?;
    Ok(())
}

/// A run's progress log, as its workers append to it. A write that fails breaks the promise that
/// a run killed outright can be undone: that is said at once on stderr, once for the run.
struct ProgressLog<'a> {
    journal: &'a Journal,
    run_id: &'a str,
    warned: std::sync::atomic::AtomicBool,
}

impl<'a> ProgressLog<'a> {
    fn new(journal: &'a Journal, run_id: &'a str) -> ProgressLog<'a> {
        ProgressLog {
            journal,
            run_id,
            warned: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Appends `record`; the first failure of the run is said on stderr, the rest are not.
    fn keep(&self, record: &RepoRecord) {
        use std::sync::atomic::Ordering;
        let Err(err) = self.journal.append_progress(self.run_id, record) else {
            return;
        };
        if !self.warned.swap(true, Ordering::SeqCst) {
            crate::report::print_warning(&format!(
                "{err}: if run {} is killed before it finishes, `git batch undo` cannot tell \
                 what it did (each repository it changes keeps its state before the run in \
                 refs/git-batch/backup/{})",
                self.run_id, self.run_id
            ));
        }
    }
}

fn repo_record(report: &RepoReport) -> RepoRecord {
    if let Details::Edit(details) = &report.details {
        return RepoRecord {
            name: report.name.clone(),
            path: report.path.clone(),
            outcome: report.outcome,
            message: report.message.clone(),
            head_before: details.head_before.clone(),
            index_tree: details.index_tree.clone(),
            head_after: details.head_after.clone(),
            commit: details.commit.clone(),
            pushed: details.pushed,
            branch: details.branch.clone(),
            files: details.written.clone(),
            started: false,
            intent_to_add: Vec::new(),
            undone_by: None,
        };
    }
    let details = match &report.details {
        Details::Sync(details) => Some(details),
        _ => None,
    };
    RepoRecord {
        name: report.name.clone(),
        path: report.path.clone(),
        outcome: report.outcome,
        message: report.message.clone(),
        head_before: details.and_then(|d| d.head_before.clone()),
        index_tree: details.and_then(|d| d.index_tree.clone()),
        head_after: details.and_then(|d| d.head_after.clone()),
        commit: details.and_then(|d| d.commit.clone()),
        pushed: details.is_some_and(|d| d.pushed),
        branch: details.and_then(|d| d.branch.clone()),
        files: Vec::new(),
        started: false,
        intent_to_add: details.map(|d| d.intent_to_add.clone()).unwrap_or_default(),
        undone_by: None,
    }
}

/// `runs`: the journal's runs for this root, oldest first.
pub fn print_runs(settings: &Settings, root: &Path, journal: &Journal) -> Result<(), UsageError> {
    use owo_colors::OwoColorize;
    use std::io::Write;
    let (runs, damaged) = journal.scan(root)?;
    for damaged in damaged {
        let path = crate::escape::controls(&damaged.path.to_string_lossy()).into_owned();
        let mut err = anstream::stderr();
        let _ = writeln!(
            err,
            "warning: the record of run {} ({path}) is damaged ({}); `git batch undo {}` says \
             what can still be done",
            damaged.run_id, damaged.message, damaged.run_id
        );
    }
    let mut out = anstream::stdout();
    if settings.format != Format::Human {
        let listed: Vec<serde_json::Value> = runs
            .iter()
            .map(|run| {
                let count = |outcome| run.repos.iter().filter(|r| r.outcome == outcome).count();
                serde_json::json!({
                    "run_id": run.run_id, "command": run.command, "started": run.started,
                    "finished": run.finished, "undone_by": run.undone_by, "undoes": run.undoes,
                    "changed": count(Outcome::Changed), "unchanged": count(Outcome::Unchanged),
                    "skipped": count(Outcome::Skipped), "failed": count(Outcome::Failed),
                    "total": run.repos.len(),
                })
            })
            .collect();
        let document = serde_json::json!({"command": "runs", "root": root, "runs": listed});
        crate::report::wrote(writeln!(out, "{document}"));
        return Ok(());
    }
    if runs.is_empty() {
        crate::report::wrote(writeln!(out, "no runs recorded for {}", root.display()));
        return Ok(());
    }
    // `license-update` is the longest command name; pad to the longest listed so columns align.
    let command_width = runs.iter().map(|run| run.command.len()).max().unwrap_or(0);
    for run in &runs {
        let count = |outcome| run.repos.iter().filter(|r| r.outcome == outcome).count();
        let state = match (&run.undone_by, &run.finished) {
            (Some(by), _) => format!(" (undone by {by})"),
            (None, None) => " (did not finish)".to_owned(),
            _ => String::new(),
        };
        crate::report::wrote(writeln!(
            out,
            "{}  {}  {:<command_width$}  {} changed, {} skipped, {} failed, {} total{}",
            run.run_id.bold(),
            run.started,
            run.command,
            count(Outcome::Changed),
            count(Outcome::Skipped),
            count(Outcome::Failed).to_string().red(),
            run.repos.len(),
            state.yellow()
        ));
    }
    Ok(())
}

mod clone;
mod prune;
mod undo;
pub use clone::clone;
pub use prune::prune;
pub use undo::{UndoRequest, undo};
