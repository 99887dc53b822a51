//! The validated request the rest of the program works from, once the command line is parsed.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::targets::{Shard, WhereFilter};

/// The command to run, with its own options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    List,
    Status,
    Exec { argv: Vec<OsString> },
}

impl Command {
    /// The command's name as the user types it and as JSON reports it.
    pub fn name(&self) -> &'static str {
        match self {
            Command::List => "list",
            Command::Status => "status",
            Command::Exec { .. } => "exec",
        }
    }
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Jsonl,
}

/// Whether to colour human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// How much human output to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// Which repositories a run works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The folder scanned for repositories (absolute).
    pub root: PathBuf,
    /// `find -maxdepth` semantics: 2 finds `ROOT/.git` and `ROOT/*/.git`.
    pub depth: usize,
    /// The target spec as typed (`@all-repos` when not given).
    pub targets: String,
    pub exclude: Vec<String>,
    pub filters: Vec<WhereFilter>,
    pub shard: Option<Shard>,
}

/// Everything a run needs, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    pub command: Command,
    pub selection: Selection,
    /// Worker threads; `None` means the number of repositories, capped at 8.
    pub parallel: Option<usize>,
    pub dry_run: bool,
    pub format: Format,
    pub color: Color,
    pub verbosity: Verbosity,
    /// Per repository, for anything that can wait.
    pub timeout: Duration,
    pub per_host: usize,
}

/// The default number of workers: one per repository, at most 8.
pub const MAX_DEFAULT_WORKERS: usize = 8;

impl Settings {
    /// The number of worker threads for `repo_count` repositories.
    pub fn workers(&self, repo_count: usize) -> usize {
        self.parallel
            .unwrap_or_else(|| repo_count.min(MAX_DEFAULT_WORKERS))
            .max(1)
    }
}
