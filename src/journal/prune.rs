//! Forgetting runs (`runs prune`): which runs go, the refs of a run inside a repository, and the
//! small tombstone that lets `undo` of a pruned run say it was pruned.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::{Journal, JournalError, RunRecord, io_error};

/// The file of tombstones in the journal's folder: one line for each run pruned.
const TOMBSTONES: &str = "pruned.jsonl";

/// What is left of a pruned run: enough for `undo` to say it was pruned, and when.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tombstone {
    pub run_id: String,
    pub root: PathBuf,
    /// RFC 3339, UTC.
    pub pruned: String,
}

/// Which runs `runs prune` forgets: those older than a duration, those past the newest N, or
/// those both say when both are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PruneRule {
    pub older_than: Option<Duration>,
    pub keep: Option<usize>,
}

/// A run `runs prune` would forget but keeps, and why.
#[derive(Debug, Clone)]
pub struct Kept {
    pub run: RunRecord,
    pub reason: String,
}

impl PruneRule {
    /// Splits `runs` (oldest first) into the runs to forget and the runs the rule names but
    /// that are kept, with the reason. Without `--keep`, the latest run is never forgotten; a
    /// run that did not finish (still going, or killed) never is.
    pub fn choose(&self, runs: Vec<RunRecord>, now: SystemTime) -> (Vec<RunRecord>, Vec<Kept>) {
        let now_ms = super::unix_ms(now);
        let count = runs.len();
        let (mut prune, mut kept) = (Vec::new(), Vec::new());
        for (at, run) in runs.into_iter().enumerate() {
            let newer = count - 1 - at;
            let past_keep = self.keep.is_none_or(|keep| newer >= keep);
            let old_enough = self.older_than.is_none_or(|age| {
                u128::from(now_ms.saturating_sub(run.started_ms)) > age.as_millis()
            });
            if !(past_keep && old_enough) {
                continue;
            }
            if self.keep.is_none() && newer == 0 {
                kept.push(Kept {
                    run,
                    reason: "the latest run is kept (`--keep 0` prunes it)".into(),
                });
            } else if run.finished.is_none() {
                kept.push(Kept {
                    run,
                    reason: "it did not finish (still going, or killed): `git batch undo` may \
                             still need its record"
                        .into(),
                });
            } else {
                prune.push(run);
            }
        }
        (prune, kept)
    }
}

/// Parses a duration as `runs prune --older-than` takes it: a whole number and a unit, `s`,
/// `m`, `h`, `d` or `w` (`30d`, `12h`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad = || format!("`{text}` is not a duration: give a number and a unit, as 30d, 12h, 45m");
    let number: u64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(bad()),
    };
    number
        .checked_mul(seconds)
        .map(Duration::from_secs)
        .ok_or_else(bad)
}

/// Whether `name` (a full ref name) is one of run `run_id`'s refs: under `refs/git-batch/`,
/// its last part the run id, or the run id, `@` and a linked worktree's id.
pub fn is_run_ref(name: &str, run_id: &str) -> bool {
    let Some(rest) = name.strip_prefix("refs/git-batch/") else {
        return false;
    };
    let last = rest.rsplit('/').next().unwrap_or(rest);
    last == run_id
        || last
            .strip_prefix(run_id)
            .is_some_and(|tail| tail.starts_with('@'))
}

impl Journal {
    /// Forgets `run`: leaves a tombstone, then removes its record and its progress log.
    pub fn forget(&self, run: &RunRecord) -> Result<(), JournalError> {
        use std::io::Write;
        let stone = Tombstone {
            run_id: run.run_id.clone(),
            root: run.root.clone(),
            pruned: super::timestamp_now(),
        };
        let path = self.dir.join(TOMBSTONES);
        let mut line = serde_json::to_string(&stone).map_err(|err| JournalError::Damaged {
            path: path.clone(),
            message: err.to_string(),
        })?;
        line.push('\n');
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(line.as_bytes()))
            .map_err(io_error(&path))?;
        for file in [self.file(&run.run_id), self.progress_file(&run.run_id)] {
            match fs::remove_file(&file) {
                Err(err) if err.kind() != io::ErrorKind::NotFound => {
                    return Err(io_error(&file)(err));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The error for a root with no run recorded: none yet, or every one pruned.
    pub(super) fn no_runs(&self, root: &Path) -> JournalError {
        let pruned = fs::read_to_string(self.dir.join(TOMBSTONES)).is_ok_and(|text| {
            text.lines()
                .filter_map(|line| serde_json::from_str::<Tombstone>(line).ok())
                .any(|stone| stone.root == root)
        });
        if pruned {
            JournalError::AllPruned
        } else {
            JournalError::NoRuns
        }
    }

    /// The tombstone of run `run_id` on `root`, if it was pruned.
    pub fn tombstone(&self, root: &Path, run_id: &str) -> Option<Tombstone> {
        let text = fs::read_to_string(self.dir.join(TOMBSTONES)).ok()?;
        text.lines()
            .filter_map(|line| serde_json::from_str::<Tombstone>(line).ok())
            .find(|stone| stone.run_id == run_id && stone.root == root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_number_and_a_unit() {
        assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(12 * 3_600)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        for bad in ["30", "d", "3x", "-1d", "1.5h", ""] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_runs_refs_are_named_by_its_id_alone_or_with_a_worktree() {
        let id = "20261126T101500Z-3f2a";
        assert!(is_run_ref(&format!("refs/git-batch/backup/{id}"), id));
        assert!(is_run_ref(
            &format!("refs/git-batch/index/{id}@feature"),
            id
        ));
        assert!(!is_run_ref(&format!("refs/git-batch/backup/{id}0"), id));
        assert!(!is_run_ref(&format!("refs/heads/{id}"), id));
        assert!(!is_run_ref(
            "refs/git-batch/backup/20261126T101500Z-3f2b",
            id
        ));
    }
}
