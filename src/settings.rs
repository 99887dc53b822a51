//! The validated request the rest of the program works from, once the command line is parsed.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::targets::selection::Selection;

/// The command to run, with its own options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    List,
    Status,
    Exec {
        argv: Vec<OsString>,
    },
    Sync {
        message: String,
        pull: bool,
        push: bool,
        /// `--branch NAME`: the changes committed on a new branch NAME, checked out.
        branch: Option<crate::ops::change::BranchOptions>,
    },
    Undo {
        run_id: Option<String>,
        push: bool,
    },
    Runs,
    /// `runs prune`: forget the runs the rule names, their records and their refs.
    RunsPrune {
        older_than: Option<std::time::Duration>,
        keep: Option<usize>,
    },
    /// Check the repositories against a policy: the one given on the command line, else
    /// `.git-batch.toml`'s `[policy]`.
    Check {
        policy: Option<crate::config::Policy>,
    },
    /// Print a completion script.
    Completions {
        shell: &'static str,
    },
    /// Write the man pages.
    Manpages {
        dir: PathBuf,
    },
    Clone {
        /// URLs and `owner/name`s, from the command line and `--list`.
        items: Vec<String>,
        list: Option<PathBuf>,
        base_url: String,
        /// `--org OWNER`: the repositories come from the forge's API instead.
        org: Option<OrgListing>,
    },
    LicenseUpdate {
        old: String,
        new: String,
        license_file: Option<PathBuf>,
        ids_only: bool,
        copyright: Option<String>,
        rewrite_vendored: bool,
        edit: EditFlags,
    },
    /// `prs [RUN_ID]`: the change requests a run opened; `--merge` or `--close` them.
    Prs {
        run_id: Option<String>,
        action: PrsAction,
    },
    FileReplace {
        pattern: String,
        replacement: PathBuf,
        create: bool,
        to: Option<String>,
        edit: EditFlags,
    },
    /// Follow the fleet live.
    Watch(WatchOptions),
}

/// `watch`'s own flags.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WatchOptions {
    /// `--fetch-every`: fetch every remote on this period.
    pub fetch_every: Option<std::time::Duration>,
    /// `--sync`: commit and push a repository once its working tree has been quiet.
    pub sync: Option<AutoSync>,
}

/// `watch --sync`: when and how a quiet repository is synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoSync {
    /// How long the working tree stays quiet after a change before the sync.
    pub quiet_for: std::time::Duration,
    /// The commit message.
    pub message: String,
}

/// What `prs` does with each change request besides reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrsAction {
    List,
    /// `--merge [--method M]`: merge the open, green, not refused ones.
    Merge(crate::forge::MergeMethod),
    /// `--close`: close the open ones and delete their branches.
    Close,
}

/// `clone --org OWNER`: whose repositories, on which forge, and which of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrgListing {
    /// An organisation or user (GitHub, Gitea), a group (GitLab, subgroups included).
    pub owner: String,
    /// `--forge HOST`: a public forge or a `[[forges]]` host; `None` is github.com.
    pub forge: Option<String>,
    /// Archived repositories are cloned too.
    pub archived: bool,
    /// Forks are cloned too.
    pub forks: bool,
    /// Only repositories with every one of these topics.
    pub topics: Vec<String>,
}

/// The flags `license-update` and `file-replace` share.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EditFlags {
    /// Write nothing; exit 1 where a repository would change.
    pub check: bool,
    /// Show a unified diff of each change.
    pub diff: bool,
    pub commit: bool,
    pub push: bool,
    /// The commit message; `None` for one naming the change.
    pub message: Option<String>,
    /// `--branch NAME`: the change committed on NAME off the working tree, and pushed.
    pub branch: Option<crate::ops::change::BranchOptions>,
}

impl Command {
    /// Whether the command only reads repositories in process (no child process, no network):
    /// its work is bound by the CPU, so workers beyond the number of cores only add contention.
    pub fn is_local_read(&self) -> bool {
        matches!(self, Command::List | Command::Status | Command::Runs)
    }

    /// The command's name as the user types it and as JSON reports it.
    pub fn name(&self) -> &'static str {
        match self {
            Command::List => "list",
            Command::Status => "status",
            Command::Exec { .. } => "exec",
            Command::Sync { .. } => "sync",
            Command::Undo { .. } => "undo",
            Command::Runs => "runs",
            Command::RunsPrune { .. } => "runs prune",
            Command::Clone { .. } => "clone",
            Command::Check { .. } => "check",
            Command::Completions { .. } => "completions",
            Command::Manpages { .. } => "manpages",
            Command::LicenseUpdate { .. } => "license-update",
            Command::FileReplace { .. } => "file-replace",
            Command::Watch(_) => "watch",
            Command::Prs { .. } => "prs",
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
    /// Which global flags the command line gave.
    pub explicit: Explicit,
}

/// Which global flags were given on the command line, so that `.git-batch.toml`'s `[defaults]`
/// fill in only the others.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Explicit {
    pub depth: bool,
    pub parallel: bool,
    pub exclude: bool,
    pub timeout: bool,
    pub per_host: bool,
}

/// The default number of workers: one per repository, at most 8.
pub const MAX_DEFAULT_WORKERS: usize = 8;

impl Settings {
    /// These settings with `[defaults]` filling in every global flag the command line left out.
    #[must_use]
    pub fn with_defaults(mut self, defaults: &crate::config::Defaults) -> Settings {
        let given = self.explicit;
        if let (false, Some(depth)) = (given.depth, defaults.depth) {
            self.selection.depth = depth;
        }
        if let (false, Some(parallel)) = (given.parallel, defaults.parallel) {
            self.parallel = Some(usize::from(parallel));
        }
        if let (false, Some(exclude)) = (given.exclude, &defaults.exclude) {
            self.selection.exclude.clone_from(exclude);
        }
        if let (false, Some(timeout)) = (given.timeout, defaults.timeout) {
            self.timeout = Duration::from_secs(timeout);
        }
        if let (false, Some(per_host)) = (given.per_host, defaults.per_host) {
            self.per_host = usize::from(per_host);
        }
        self
    }

    /// The number of worker threads for `repo_count` repositories: `-j` when given; otherwise one
    /// per repository, at most 8, and for work that only reads in process (`status`, `--where`),
    /// also at most one per core.
    pub fn workers(&self, repo_count: usize, local_read: bool) -> usize {
        let default = || {
            let cap = if local_read {
                MAX_DEFAULT_WORKERS.min(cores())
            } else {
                MAX_DEFAULT_WORKERS
            };
            repo_count.min(cap)
        };
        self.parallel.unwrap_or_else(default).max(1)
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(parallel: Option<usize>) -> Settings {
        Settings {
            command: Command::Status,
            selection: Selection {
                root: PathBuf::from("/"),
                depth: 2,
                targets: "@all-repos".into(),
                exclude: Vec::new(),
                filters: Vec::new(),
                shard: None,
            },
            parallel,
            dry_run: false,
            format: Format::Human,
            color: Color::Never,
            verbosity: Verbosity::Normal,
            timeout: Duration::from_secs(300),
            per_host: 4,
            explicit: Explicit::default(),
        }
    }

    #[test]
    fn defaults_fill_in_only_what_the_command_line_left_out() {
        let defaults = crate::config::Defaults {
            parallel: Some(3),
            timeout: Some(20),
            exclude: Some(vec!["old-*".into()]),
            ..crate::config::Defaults::default()
        };
        let mut given = settings(Some(5));
        given.explicit.parallel = true;
        let applied = given.with_defaults(&defaults);
        assert_eq!(applied.parallel, Some(5), "the command line wins");
        assert_eq!(applied.timeout, Duration::from_secs(20));
        assert_eq!(applied.selection.exclude, ["old-*"]);
        assert_eq!(applied.per_host, 4, "no default given");
    }

    #[test]
    fn workers_default_to_one_per_repository_at_most_eight() {
        let s = settings(None);
        assert_eq!(s.workers(3, false), 3);
        assert_eq!(s.workers(500, false), 8);
        assert_eq!(s.workers(0, false), 1);
    }

    #[test]
    fn local_reads_use_no_more_workers_than_cores() {
        let s = settings(None);
        assert_eq!(s.workers(500, true), cores().min(8));
        assert_eq!(s.workers(1, true), 1);
    }

    #[test]
    fn an_explicit_count_wins() {
        let s = settings(Some(16));
        assert_eq!(s.workers(3, true), 16);
        assert_eq!(s.workers(3, false), 16);
    }
}
