//! The closing lines of a human report: what the run did (or found), in the command's own words,
//! then every failure again.

use std::collections::BTreeMap;

use owo_colors::OwoColorize;

use crate::escape::controls;
use crate::outcome::{Details, Outcome, RunReport, Summary};
use crate::settings::Verbosity;

use super::RunHeader;
use crate::words::plural;

/// The closing lines of a human report: what the run did (or found) and how long it took, and
/// every failure again (not with `-q`, which prints each failure once, as it comes).
pub(super) fn summary_text(run: &RunReport, header: &RunHeader, verbosity: Verbosity) -> String {
    let Summary {
        total, duration_ms, ..
    } = run.summary;
    let mut text = format!(
        "{}, {} total in {:.2}s\n",
        counts(run, header),
        total,
        duration_ms as f64 / 1000.0
    );
    if run.interrupted {
        text.push_str(&format!(
            "{} interrupted: {} of {} {} not started, left alone\n",
            "!".yellow().bold(),
            run.not_started,
            run.not_started + total,
            plural(run.not_started + total, "repository", "repositories"),
        ));
    }
    let failures: Vec<_> = run
        .repos
        .iter()
        .filter(|r| r.outcome == Outcome::Failed)
        .collect();
    if !failures.is_empty() && verbosity != Verbosity::Quiet {
        text.push_str(&format!("{}\n", "failures:".red().bold()));
        for report in failures {
            text.push_str(&format!(
                "  {} {}: {}\n",
                "✗".red(),
                controls(&report.name),
                controls(&report.message)
            ));
        }
    }
    text
}

/// What the counts mean depends on the command: a write says what it changed, a dry run what
/// it would change, a check what drifted, a read (`status`, `list`) how many it read, `exec`
/// how its command exited, `undo` what it undid and `clone` what it cloned.
fn counts(run: &RunReport, header: &RunHeader) -> String {
    let Summary {
        changed,
        unchanged,
        skipped,
        failed,
        ..
    } = run.summary;
    let failed = if failed > 0 {
        format!("{} failed", failed.red().bold())
    } else {
        "0 failed".to_owned()
    };
    // The command names are the CLI's own: the commands that only read, and exec.
    match header.command {
        _ if header.check => {
            format!("{changed} drifted, {unchanged} in line, {skipped} skipped, {failed}")
        }
        "status" | "list" => format!("{} read, {skipped} skipped, {failed}", changed + unchanged),
        "exec" => exec_counts(run),
        // A write whose outcomes have words of their own: what `undo` took back, what `clone`
        // brought in and what was already there.
        "undo" if header.dry_run => {
            format!("{changed} would be undone, {unchanged} unchanged, {skipped} skipped, {failed}")
        }
        "undo" => format!("{changed} undone, {unchanged} unchanged, {skipped} skipped, {failed}"),
        "clone" if header.dry_run => format!(
            "{changed} would be cloned, {unchanged} already there, {skipped} skipped, {failed}"
        ),
        "clone" => {
            format!("{changed} cloned, {unchanged} already there, {skipped} skipped, {failed}")
        }
        _ if header.dry_run => {
            format!("{changed} would change, {unchanged} unchanged, {skipped} skipped, {failed}")
        }
        _ => format!("{changed} changed, {unchanged} unchanged, {skipped} skipped, {failed}"),
    }
}

/// `exec`'s counts: how many ran, and how they exited (`6 ran: 5 exited 0, 1 exited 2`); a
/// command killed (by a signal or `--timeout`) or that could not start has no exit code.
fn exec_counts(run: &RunReport) -> String {
    let mut exits: BTreeMap<Option<i32>, usize> = BTreeMap::new();
    let mut not_run_failed = 0;
    for report in &run.repos {
        match &report.details {
            Details::Exec(exec) => *exits.entry(exec.exit_code).or_default() += 1,
            _ if report.outcome == Outcome::Failed => not_run_failed += 1,
            _ => {}
        }
    }
    let ran: usize = exits.values().sum();
    // Exit 0 first, then the other codes in order, then those without one.
    let mut order: Vec<(Option<i32>, usize)> = exits.into_iter().collect();
    order.sort_by_key(|(code, _)| (*code != Some(0), code.is_none(), *code));
    let said: Vec<String> = order
        .into_iter()
        .map(|(code, n)| match code {
            Some(0) => format!("{n} exited 0"),
            Some(code) => format!("{n} exited {code}").red().to_string(),
            None => format!("{n} without exit code").red().to_string(),
        })
        .collect();
    let mut text = format!("{ran} ran");
    if !said.is_empty() {
        text.push_str(&format!(": {}", said.join(", ")));
    }
    text.push_str(&format!("; {} skipped", run.summary.skipped));
    if not_run_failed > 0 {
        text.push_str(&format!(", {} failed", not_run_failed.red().bold()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{ExecDetails, RepoReport};

    fn ran(name: &str, exit_code: Option<i32>) -> RepoReport {
        RepoReport {
            name: name.into(),
            path: name.into(),
            outcome: if exit_code == Some(0) {
                Outcome::Changed
            } else {
                Outcome::Failed
            },
            message: String::new(),
            duration_ms: 0,
            details: Details::Exec(ExecDetails {
                exit_code,
                stdout: String::new(),
                stderr: String::new(),
            }),
        }
    }

    #[test]
    fn exec_counts_exit_0_first_then_the_codes_in_order_then_those_without_one() {
        let mut repos = vec![
            ran("a", Some(2)),
            ran("b", None),
            ran("c", Some(0)),
            ran("d", Some(1)),
            ran("e", Some(0)),
            ran("f", Some(2)),
        ];
        let mut refused = RepoReport {
            details: Details::None,
            ..ran("g", None)
        };
        refused.outcome = Outcome::Skipped;
        repos.push(refused);
        let mut unreadable = RepoReport {
            details: Details::None,
            ..ran("h", None)
        };
        unreadable.outcome = Outcome::Failed;
        repos.push(unreadable);
        let summary = Summary::of(&repos, std::time::Duration::ZERO);
        let run = RunReport {
            command: "exec".into(),
            run_id: None,
            root: "/fleet".into(),
            dry_run: false,
            repos,
            summary,
            interrupted: false,
            notes: Vec::new(),
            not_started: 0,
            internal_error: None,
        };
        // Colour is taken off by the output stream, as it is here.
        assert_eq!(
            anstream::adapter::strip_str(&exec_counts(&run)).to_string(),
            "6 ran: 2 exited 0, 1 exited 1, 2 exited 2, 1 without exit code; 1 skipped, 1 failed"
        );
    }
}
