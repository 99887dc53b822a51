//! The clap definitions, and their translation into [`Settings`]. Nothing else sees clap types.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, ValueEnum};

use crate::settings::{self, Settings, Verbosity};
use crate::targets::{Selection, Shard, WhereFilter};

mod commands;
pub mod manuals;
mod resolve;

use commands::CliCommand;

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
    let mut cli = {
        use clap::FromArgMatches;
        Cli::from_arg_matches(&matches)?
    };
    if let Some(branch) = cli.command.branch_args_mut() {
        branch
            .validate()
            .map_err(|message| command_error(clap::error::ErrorKind::ValueValidation, &message))?;
    }
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
    // clap does not enforce `requires = "org"` once URLs are given (they conflict with --org).
    if let CliCommand::Clone(commands::CloneArgs {
        org: None,
        forge,
        archived,
        forks,
        topic,
        ..
    }) = &cli.command
    {
        if forge.is_some() || *archived || *forks || !topic.is_empty() {
            return Err(command_error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "--forge, --archived, --forks and --topic go with --org OWNER",
            ));
        }
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
        let command = self.cli.command.into_command(cwd, self.trailing);
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
