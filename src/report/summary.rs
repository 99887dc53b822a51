//! The closing lines of a human report: what the run did (or found), in the command's own words,
//! then every failure again.

use owo_colors::OwoColorize;

use crate::escape::controls;
use crate::outcome::{Outcome, RunReport, Summary};
use crate::settings::Verbosity;

use super::plural;

/// The closing lines of a human report: counts, time, and every failure again.
pub(super) fn summary_text(run: &RunReport, verbosity: Verbosity) -> String {
    let Summary {
        changed,
        unchanged,
        skipped,
        failed,
        total,
        duration_ms,
    } = run.summary;
    let mut text = String::new();
    if verbosity != Verbosity::Quiet || failed > 0 || run.interrupted {
        text.push_str(&format!(
            "{} changed, {} unchanged, {} skipped, {} failed, {} total in {:.2}s\n",
            changed,
            unchanged,
            skipped,
            if failed > 0 {
                failed.red().bold().to_string()
            } else {
                failed.to_string()
            },
            total,
            duration_ms as f64 / 1000.0
        ));
    }
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
    if !failures.is_empty() {
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
