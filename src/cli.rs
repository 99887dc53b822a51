//! The clap definitions, and their translation into [`Settings`]. Nothing else sees clap types.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::settings::{self, Settings, Verbosity};
use crate::targets::{Selection, Shard, WhereFilter};

pub mod manuals;

const EXAMPLES: &str = "\
Examples:
  git batch status                        state of every repository under this folder
  git batch -C ~/src status -w dirty      only the repositories with uncommitted changes
  git batch list -t '@api-*' -x api-old   the repositories whose names match a glob
  git batch exec -- git log -1 --oneline  run a command in each repository
  git batch status --format json          the same, for scripts
  git batch status --shard 2/4            the second quarter of the fleet, for a CI matrix";

/// Run one git operation over many repositories at once.
#[derive(Debug, Parser)]
#[command(
    name = "git-batch",
    bin_name = "git batch",
    version,
    about,
    after_help = EXAMPLES,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: CliCommand,
}

#[derive(Debug, Args)]
struct GlobalArgs {
    /// The folder scanned for repositories [default: the current directory]
    #[arg(short = 'C', long = "root", value_name = "DIR", global = true)]
    root: Option<PathBuf>,

    /// How deep to look for `.git`, as `find ROOT -maxdepth N -name .git`
    #[arg(long, value_name = "N", default_value_t = 2, global = true)]
    depth: usize,

    /// Which repositories: @all-repos, @GLOB, @GROUP, a,b,c, a list file or a folder
    #[arg(
        short = 't',
        long = "targets",
        value_name = "SPEC",
        default_value = "@all-repos",
        global = true
    )]
    targets: String,

    /// Leave out repositories whose names match GLOB (repeatable)
    #[arg(short = 'x', long, value_name = "GLOB", global = true)]
    exclude: Vec<String>,

    /// Keep repositories in STATE: dirty, clean, ahead, behind, detached, no-upstream,
    /// branch=NAME, has=PATH (repeatable; all must hold)
    #[arg(short = 'w', long = "where", value_name = "STATE", global = true,
          value_parser = parse_where)]
    filters: Vec<WhereFilter>,

    /// Keep slice K of N (1-based) of the repositories, by a stable hash of their names
    #[arg(long, value_name = "K/N", global = true, value_parser = parse_shard)]
    shard: Option<Shard>,

    /// Worker threads [default: the number of repositories, at most 8]
    #[arg(short = 'j', long = "parallel", value_name = "N", global = true,
          value_parser = clap::value_parser!(u16).range(1..))]
    parallel: Option<u16>,

    /// Report what would happen; change nothing at all
    #[arg(short = 'n', long, global = true)]
    dry_run: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human, global = true)]
    format: Format,

    /// When to colour output (NO_COLOR and CLICOLOR are honoured with `auto`)
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN", global = true)]
    color: Color,

    /// Print only failures and the summary
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,

    /// Print more about each repository
    #[arg(short, long, global = true)]
    verbose: bool,

    /// Seconds allowed per repository for anything that can wait (a network, a command);
    /// from 1 to 604800 (a week)
    #[arg(long, value_name = "SECS", default_value_t = 300, global = true,
          value_parser = parse_timeout)]
    timeout: u64,

    /// Most network operations at once against one remote host
    #[arg(long, value_name = "N", default_value_t = 4, global = true,
          value_parser = clap::value_parser!(u16).range(1..))]
    per_host: u16,
}

#[derive(Debug, Subcommand)]
enum CliCommand {
    /// Print the resolved repositories, one a line
    List,
    /// Show branch, upstream, ahead/behind, changes and state of each repository
    Status,
    /// Commit every change, optionally rebase onto the upstream, and push
    #[command(
        visible_alias = "git-sync",
        after_help = "Clean repositories with nothing to push are left alone without \
                            running git. A failure before the push puts the repository back \
                            as it was; `git batch undo` takes a whole run back.\n\n\
                            Examples:\n  git batch sync -m 'docs: fix typo'\n  \
                            git batch sync --pull -t @failed\n  git batch sync -n"
    )]
    Sync {
        /// The commit message
        #[arg(short, long, default_value = "chore: batch update")]
        message: String,
        /// Fetch and rebase onto the upstream before pushing
        #[arg(long)]
        pull: bool,
        /// Commit, but do not push
        #[arg(long)]
        no_push: bool,
    },
    /// Put the repositories of a run back as they were before it
    #[command(
        after_help = "Commits the run made are undone and their content comes back as \
                            uncommitted changes. A repository whose HEAD moved since is \
                            skipped. A pushed commit is reverted only with --push, by a new \
                            commit and a normal push, never by force."
    )]
    Undo {
        /// The run to undo [default: the last run on this root]
        run_id: Option<String>,
        /// Revert pushed commits with a new commit, and push it
        #[arg(long)]
        push: bool,
    },
    /// List the runs recorded for this root
    Runs {
        #[command(subcommand)]
        action: Option<RunsAction>,
    },
    /// Clone repositories into the root, in parallel; ones already there are left alone
    #[command(
        after_help = "OWNER/NAME is joined to --base-url. A failed clone leaves no \
                            folder behind.\n\n\
                            Examples:\n  git batch -C ~/src clone rust-lang/cargo rust-lang/rustup\n  \
                            git batch clone --list fleet.txt --base-url https://gitlab.com\n  \
                            git batch clone git@github.com:me/tool.git"
    )]
    Clone {
        /// URLs or OWNER/NAMEs to clone
        #[arg(value_name = "URL")]
        urls: Vec<String>,
        /// A file of URLs or OWNER/NAMEs, one a line (`#` starts a comment)
        #[arg(long, value_name = "FILE")]
        list: Option<PathBuf>,
        /// What OWNER/NAME is joined to
        #[arg(long, value_name = "URL", default_value = "https://github.com")]
        base_url: String,
    },
    /// Switch every declaration of one license to another: license files, SPDX lines, manifests
    #[command(
        after_help = "Identifiers are rewritten as whole SPDX tokens inside expressions \
                            (`--old MIT` never touches MIT-0). A license file is replaced only \
                            when it holds the old license's text; otherwise the repository is \
                            skipped. Prose and binary files are never edited.\n\n\
                            Examples:\n  git batch license-update --old MIT --new Apache-2.0 -n --diff\n  \
                            git batch license-update --old GPL-3.0 --new GPL-3.0-only --ids-only\n  \
                            git batch -t . license-update --old AGPL-3.0 --new AGPL-3.0-only --check"
    )]
    LicenseUpdate {
        /// The license id to replace
        #[arg(long, value_name = "ID")]
        old: String,
        /// The license id to put in its place
        #[arg(long, value_name = "ID")]
        new: String,
        /// The new license's text, for an id the bundled SPDX list has no text for
        #[arg(long, value_name = "FILE", conflicts_with = "ids_only")]
        license_file: Option<PathBuf>,
        /// Rewrite identifiers and manifests only; leave license files alone
        #[arg(long)]
        ids_only: bool,
        /// The copyright line a new license text gets where the old file has none (MIT-0 to MIT)
        #[arg(long, value_name = "TEXT", conflicts_with = "ids_only")]
        copyright: Option<String>,
        /// Also rewrite files that carry their own copyright and the old license's full text
        /// (vendored third-party code, left alone by default)
        #[arg(long)]
        rewrite_vendored: bool,
        #[command(flatten)]
        edit: EditArgs,
    },
    /// Put one file's content at a path (or every tracked file a glob matches) in each repository
    #[command(
        after_help = "The replaced file keeps its mode. Symbolic links are never \
                            followed. A file with uncommitted changes is never overwritten: \
                            its repository is skipped.\n\n\
                            Examples:\n  git batch file-replace --pattern .github/workflows/ci.yml \
                            --replacement ci.yml --create\n  \
                            git batch file-replace --pattern '.github/workflows/*.yml' \
                            --replacement ci.yml -n --diff\n  \
                            git batch file-replace --pattern .github/workflows/old-ci.yml \
                            --to .github/workflows/ci.yml --replacement ci.yml"
    )]
    FileReplace {
        /// The path in each repository, or a glob over tracked files (`*` stays in a folder)
        #[arg(long, value_name = "PATH")]
        pattern: String,
        /// The file whose content is put in place
        #[arg(long, value_name = "FILE")]
        replacement: PathBuf,
        /// Add the file (and its folders) where the plain path is missing
        #[arg(long)]
        create: bool,
        /// Write the content at PATH instead and remove the matched file (a move)
        #[arg(long, value_name = "PATH")]
        to: Option<String>,
        #[command(flatten)]
        edit: EditArgs,
    },
    /// Check each repository against a policy ([policy] of .git-batch.toml); exit 1 on drift
    #[command(
        after_help = "The policy: `license = \"ID\"` with `forbid = [\"OLD\", …]` (no \
                      repository may still declare OLD), and `[[policy.files]]` entries with \
                      `path` and `template` (the file must hold the template's content; \
                      templates are relative to the root and stay inside it, unless written \
                      as absolute paths). Flags given here replace the file's policy. Nothing \
                      is written.\n\n\
                      Examples:\n  git batch check\n  \
                      git batch -t . check    (what hooks/pre-push runs)\n  \
                      git batch check --license Apache-2.0 --forbid MIT --forbid ISC\n  \
                      git batch check --file .github/workflows/ci.yml=templates/ci.yml"
    )]
    Check {
        /// The license every repository is to declare (with --forbid)
        #[arg(long, value_name = "ID", requires = "forbid")]
        license: Option<String>,
        /// A license id no repository may still declare (repeatable)
        #[arg(long, value_name = "ID", requires = "license")]
        forbid: Vec<String>,
        /// PATH in each repository must hold TEMPLATE's content (repeatable)
        #[arg(long, value_name = "PATH=TEMPLATE", value_parser = parse_policy_file)]
        file: Vec<(String, String)>,
    },
    /// Print a completion script for bash, zsh or fish
    #[command(after_help = "Examples:\n  \
                            git batch completions bash > ~/.local/share/bash-completion/completions/git-batch\n  \
                            git batch completions zsh > ~/.zfunc/_git-batch\n  \
                            git batch completions fish > ~/.config/fish/completions/git-batch.fish")]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Write the man pages (git-batch.1 and one per command) into DIR
    #[command(hide = true)]
    Manpages {
        /// The folder, e.g. ~/.local/share/man/man1
        dir: PathBuf,
    },
    /// Run a command in each repository: `exec -- CMD [ARGS…]` (no shell: write `sh -c '…'`)
    #[command(
        override_usage = "git batch exec [OPTIONS] -- CMD [ARGS]...",
        after_help = "Everything after `--` is the command, run as argv in each repository.\n\n\
                      Examples:\n  git batch exec -- git fetch --prune\n  \
                      git batch exec -j4 -t @web -- sh -c 'make lint && make test'"
    )]
    Exec,
}

/// The flags `license-update` and `file-replace` share.
#[derive(Debug, Args)]
struct EditArgs {
    /// Change nothing; exit 1 if any repository would change or had to be skipped (for hooks
    /// and CI)
    #[arg(long, conflicts_with_all = ["no_commit", "push"])]
    check: bool,
    /// Show a unified diff of each change
    #[arg(long)]
    diff: bool,
    /// The commit message [default: one naming the change]
    #[arg(short, long)]
    message: Option<String>,
    /// Change the files, but do not commit
    #[arg(long, conflicts_with = "push")]
    no_commit: bool,
    /// Push the commit to the upstream (never forced)
    #[arg(long)]
    push: bool,
}

impl EditArgs {
    fn into_flags(self) -> settings::EditFlags {
        settings::EditFlags {
            check: self.check,
            diff: self.diff,
            commit: !self.no_commit,
            push: self.push,
            message: self.message,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Jsonl,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn parse_policy_file(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((path, template)) if !path.is_empty() && !template.is_empty() => {
            Ok((path.to_owned(), template.to_owned()))
        }
        _ => Err("expected PATH=TEMPLATE".into()),
    }
}

fn parse_timeout(value: &str) -> Result<u64, String> {
    let max = crate::config::MAX_TIMEOUT_SECS;
    match value.trim().parse::<u64>() {
        Ok(secs) if (1..=max).contains(&secs) => Ok(secs),
        _ => Err(format!(
            "`{value}` is not a number of seconds from 1 to {max} (a week)"
        )),
    }
}

fn parse_where(value: &str) -> Result<WhereFilter, String> {
    value.parse()
}

fn parse_shard(value: &str) -> Result<Shard, String> {
    value.parse()
}

#[derive(Debug, Subcommand)]
enum RunsAction {
    /// Forget old runs: their journal records and their refs inside each repository
    #[command(
        after_help = "The latest run is kept unless --keep says otherwise, and a run that \
                            did not finish is always kept. A pruned run can no longer be \
                            undone. -n says what would go.\n\n\
                            Examples:\n  git batch runs prune --older-than 30d\n  \
                            git batch runs prune --keep 10 -n"
    )]
    #[command(group = clap::ArgGroup::new("rule").required(true).multiple(true))]
    Prune {
        /// Forget runs started longer ago than DURATION: a number and s, m, h, d or w (30d)
        #[arg(long, value_name = "DURATION", group = "rule",
              value_parser = crate::journal::parse_duration)]
        older_than: Option<Duration>,
        /// Keep the N newest runs, forget the rest
        #[arg(long, value_name = "N", group = "rule")]
        keep: Option<usize>,
    },
}

/// The parsed command line: clap's part, and the command after `--` for `exec`.
#[derive(Debug)]
pub struct Parsed {
    cli: Cli,
    trailing: Vec<OsString>,
    /// The global flags given on the command line (or in their environment variable), which
    /// `.git-batch.toml`'s `[defaults]` do not override.
    explicit: settings::Explicit,
}

/// Parses `args` (with the program name first). Errors are clap's, ready to print.
///
/// Everything after the first `--` is set aside before clap sees the rest: it is `exec`'s
/// command, verbatim. (Left to clap, a trailing positional swallows attached short options
/// such as `-j4` that come before the `--`.)
pub fn parse<I, T>(args: I) -> Result<Parsed, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let trailing = match args.iter().position(|arg| arg == "--") {
        Some(at) => {
            let trailing = args.split_off(at + 1);
            args.pop();
            trailing
        }
        None => Vec::new(),
    };
    let matches = {
        use clap::CommandFactory;
        Cli::command().try_get_matches_from(&args)?
    };
    let cli = {
        use clap::FromArgMatches;
        Cli::from_arg_matches(&matches)?
    };
    let given = |id: &str| {
        let in_sub = matches.subcommand().is_some_and(|(_, sub)| {
            sub.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
        });
        in_sub || matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
    };
    let explicit = settings::Explicit {
        depth: given("depth"),
        parallel: given("parallel"),
        exclude: given("exclude"),
        timeout: given("timeout"),
        per_host: given("per_host"),
    };
    let is_exec = matches!(cli.command, CliCommand::Exec);
    if is_exec && trailing.is_empty() {
        return Err(command_error(
            clap::error::ErrorKind::MissingRequiredArgument,
            "exec needs the command to run after `--`: git batch exec -- CMD [ARGS]...",
        ));
    }
    if !is_exec && !trailing.is_empty() {
        return Err(command_error(
            clap::error::ErrorKind::UnknownArgument,
            "only `exec` takes a command after `--`",
        ));
    }
    Ok(Parsed {
        cli,
        trailing,
        explicit,
    })
}

fn command_error(kind: clap::error::ErrorKind, message: &str) -> clap::Error {
    use clap::CommandFactory;
    Cli::command().error(kind, message)
}

impl Parsed {
    /// Resolves the parsed arguments against the current directory into plain settings.
    pub fn into_settings(self, cwd: &std::path::Path) -> Settings {
        let g = self.cli.global;
        let root = match g.root {
            Some(root) if root.is_absolute() => root,
            Some(root) => cwd.join(root),
            None => cwd.to_path_buf(),
        };
        let command = match self.cli.command {
            CliCommand::List => settings::Command::List,
            CliCommand::Status => settings::Command::Status,
            CliCommand::Exec => settings::Command::Exec {
                argv: self.trailing,
            },
            CliCommand::Sync {
                message,
                pull,
                no_push,
            } => settings::Command::Sync {
                message,
                pull,
                push: !no_push,
            },
            CliCommand::Undo { run_id, push } => settings::Command::Undo { run_id, push },
            CliCommand::Runs { action: None } => settings::Command::Runs,
            CliCommand::Runs {
                action: Some(RunsAction::Prune { older_than, keep }),
            } => settings::Command::RunsPrune { older_than, keep },
            CliCommand::Check {
                license,
                forbid,
                file,
            } => settings::Command::Check {
                policy: (license.is_some() || !file.is_empty()).then(|| crate::config::Policy {
                    license,
                    forbid,
                    files: file
                        .into_iter()
                        .map(|(path, template)| crate::config::PolicyFile {
                            path,
                            // Relative to where the command runs, not to the root.
                            template: cwd.join(template).to_string_lossy().into_owned(),
                        })
                        .collect(),
                }),
            },
            CliCommand::Completions { shell } => settings::Command::Completions {
                shell: match shell {
                    Shell::Bash => "bash",
                    Shell::Zsh => "zsh",
                    Shell::Fish => "fish",
                },
            },
            CliCommand::Manpages { dir } => settings::Command::Manpages { dir: cwd.join(dir) },
            CliCommand::Clone {
                urls,
                list,
                base_url,
            } => settings::Command::Clone {
                items: urls,
                list: list.map(|file| cwd.join(file)),
                base_url,
            },
            CliCommand::LicenseUpdate {
                old,
                new,
                license_file,
                ids_only,
                copyright,
                rewrite_vendored,
                edit,
            } => settings::Command::LicenseUpdate {
                old,
                new,
                license_file: license_file.map(|file| cwd.join(file)),
                ids_only,
                copyright,
                rewrite_vendored,
                edit: edit.into_flags(),
            },
            CliCommand::FileReplace {
                pattern,
                replacement,
                create,
                to,
                edit,
            } => settings::Command::FileReplace {
                pattern,
                replacement: cwd.join(replacement),
                create,
                to,
                edit: edit.into_flags(),
            },
        };
        Settings {
            command,
            selection: Selection {
                root,
                depth: g.depth,
                targets: g.targets,
                exclude: g.exclude,
                filters: g.filters,
                shard: g.shard,
            },
            parallel: g.parallel.map(usize::from),
            dry_run: g.dry_run,
            format: match g.format {
                Format::Human => settings::Format::Human,
                Format::Json => settings::Format::Json,
                Format::Jsonl => settings::Format::Jsonl,
            },
            color: match g.color {
                Color::Auto => settings::Color::Auto,
                Color::Always => settings::Color::Always,
                Color::Never => settings::Color::Never,
            },
            verbosity: if g.quiet {
                Verbosity::Quiet
            } else if g.verbose {
                Verbosity::Verbose
            } else {
                Verbosity::Normal
            },
            timeout: Duration::from_secs(g.timeout),
            per_host: usize::from(g.per_host),
            explicit: self.explicit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_go_before_or_after_the_command() {
        let before = parse(["git-batch", "-t", "a,b", "status"]).expect("parses");
        let after = parse(["git-batch", "status", "-t", "a,b"]).expect("parses");
        assert_eq!(before.cli.global.targets, "a,b");
        assert_eq!(after.cli.global.targets, "a,b");
    }

    #[test]
    fn exec_keeps_the_command_verbatim() {
        let parsed = parse(["git-batch", "exec", "--", "git", "log", "--", "-1"]).expect("parses");
        assert!(matches!(parsed.cli.command, CliCommand::Exec));
        assert_eq!(parsed.trailing, ["git", "log", "--", "-1"]);
    }

    #[test]
    fn flags_before_the_separator_belong_to_git_batch() {
        let parsed = parse([
            "git-batch",
            "exec",
            "-j4",
            "-ta,b",
            "--",
            "sh",
            "-c",
            "echo -n x",
        ])
        .expect("parses");
        assert_eq!(parsed.cli.global.parallel, Some(4));
        assert_eq!(parsed.cli.global.targets, "a,b");
        assert_eq!(parsed.trailing, ["sh", "-c", "echo -n x"]);
    }

    #[test]
    fn flags_given_on_the_command_line_are_told_from_defaults() {
        let parsed = parse(["git-batch", "-j", "3", "status", "--timeout", "9"]).expect("parses");
        assert!(parsed.explicit.parallel && parsed.explicit.timeout);
        assert!(!parsed.explicit.depth && !parsed.explicit.per_host && !parsed.explicit.exclude);
        let parsed = parse(["git-batch", "status", "-x", "a"]).expect("parses");
        assert!(parsed.explicit.exclude && !parsed.explicit.parallel);
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for args in [
            &["git-batch", "status", "--shard", "0/4"][..],
            &["git-batch", "status", "-w", "sparkly"],
            &["git-batch", "status", "-j", "0"],
            &["git-batch", "exec"],
            &["git-batch", "exec", "--"],
            &["git-batch", "exec", "make"],
            &["git-batch", "status", "--", "make"],
            &["git-batch", "status", "-q", "-v"],
        ] {
            assert!(parse(args.iter().copied()).is_err(), "{args:?} should fail");
        }
    }
}
