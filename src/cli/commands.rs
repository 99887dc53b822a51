//! The subcommands and their own flags, as clap parses them; `resolve` turns them into
//! [`settings::Command`].

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use crate::settings;

#[derive(Debug, Subcommand)]
pub(super) enum CliCommand {
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
        #[arg(long, conflicts_with = "branch")]
        pull: bool,
        /// Commit, but do not push
        #[arg(long, conflicts_with = "branch")]
        no_push: bool,
        #[command(flatten)]
        branch: BranchArgs,
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
    /// The change requests a run opened, with state, checks and review; merge or close them
    #[command(
        after_help = "--merge merges those that are open, not drafts, with checks success \
                            or none and a review that is approved or none; the others are \
                            skipped with the reason. --close closes the open ones and deletes \
                            their branches on the remote (through git, with git's \
                            credentials).\n\n\
                            Examples:\n  git batch prs\n  git batch prs --merge --method squash\n  \
                            git batch prs 20261201T101500Z-3f2a --close -n"
    )]
    Prs {
        /// The run [default: the last run on this root that opened any]
        run_id: Option<String>,
        /// Merge the open, green and approved ones
        #[arg(long, conflicts_with = "close")]
        merge: bool,
        /// How --merge merges
        #[arg(long, value_enum, requires = "merge", default_value = "merge")]
        method: MergeMethodArg,
        /// Close the open ones and delete their branches
        #[arg(long)]
        close: bool,
    },
    /// List the runs recorded for this root
    Runs {
        #[command(subcommand)]
        action: Option<RunsAction>,
    },
    /// Clone repositories into the root, in parallel; ones already there are left alone
    #[command(
        after_help = "OWNER/NAME is joined to --base-url. A failed clone leaves no \
                            folder behind. --org lists an owner's repositories through the \
                            forge's API (token from GIT_BATCH_TOKEN, the forge's own variable \
                            or `git credential fill`).\n\n\
                            Examples:\n  git batch -C ~/src clone rust-lang/cargo rust-lang/rustup\n  \
                            git batch clone --list fleet.txt --base-url https://gitlab.com\n  \
                            git batch clone git@github.com:me/tool.git\n  \
                            git batch clone --org my-org --topic rust\n  \
                            git batch clone --org my-group --forge gitlab.com"
    )]
    Clone(CloneArgs),
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
    LicenseUpdate(LicenseUpdateArgs),
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
    FileReplace(FileReplaceArgs),
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
    /// Follow every repository live: a full-screen view on a terminal, a JSON line per change
    /// off it
    #[command(
        after_help = "Changes are seen through file notifications, only the repository that \
                      changed is read again. Off a terminal (or with --format jsonl) it prints \
                      one JSON line per repository, then one per change. In the view: q or Ctrl-C \
                      quits, f fetches now, the arrows and Page Up/Down scroll; -w and -q choose \
                      the rows as for status.\n\n\
                      Examples:\n  git batch watch\n  \
                      git batch watch --fetch-every 5m\n  \
                      git batch watch --format jsonl | jq -c 'select(.state != \"clean\")'\n  \
                      git batch watch -t notes --sync --quiet-for 120 -m 'notes: autosave'"
    )]
    Watch {
        /// Fetch every remote on this period: a number and s, m or h (30s, 5m)
        #[arg(long, value_name = "DURATION", value_parser = crate::journal::parse_duration)]
        fetch_every: Option<Duration>,
        /// Commit and push a repository once its working tree has been quiet (as `sync`)
        #[arg(long)]
        sync: bool,
        /// Seconds of quiet after a change before --sync commits
        #[arg(long, value_name = "SECS", default_value_t = 60, requires = "sync",
              value_parser = clap::value_parser!(u64).range(1..))]
        quiet_for: u64,
        /// The commit message of --sync
        #[arg(short, long, default_value = "chore: batch update", requires = "sync")]
        message: String,
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

/// `clone`'s own flags; its help is the variant's in [`CliCommand`].
#[derive(Debug, Args)]
pub(super) struct CloneArgs {
    /// URLs or OWNER/NAMEs to clone
    #[arg(value_name = "URL")]
    pub(super) urls: Vec<String>,
    /// A file of URLs or OWNER/NAMEs, one a line (`#` starts a comment)
    #[arg(long, value_name = "FILE")]
    pub(super) list: Option<PathBuf>,
    /// What OWNER/NAME is joined to
    #[arg(long, value_name = "URL", default_value = "https://github.com")]
    pub(super) base_url: String,
    /// Clone every repository of OWNER (organisation, user, GitLab group with subgroups)
    #[arg(long, value_name = "OWNER", conflicts_with_all = ["urls", "list", "base_url"])]
    pub(super) org: Option<String>,
    /// The forge --org asks: github.com (default), gitlab.com, codeberg.org or a [[forges]] host
    #[arg(long, value_name = "HOST", requires = "org")]
    pub(super) forge: Option<String>,
    /// With --org: archived repositories too
    #[arg(long, requires = "org")]
    pub(super) archived: bool,
    /// With --org: forks too
    #[arg(long, requires = "org")]
    pub(super) forks: bool,
    /// With --org: only repositories with this topic (repeatable: with all of them)
    #[arg(long, value_name = "TOPIC", requires = "org")]
    pub(super) topic: Vec<String>,
}

/// `license-update`'s own flags; its help is the variant's in [`CliCommand`].
#[derive(Debug, Args)]
pub(super) struct LicenseUpdateArgs {
    /// The license id to replace
    #[arg(long, value_name = "ID")]
    pub(super) old: String,
    /// The license id to put in its place
    #[arg(long, value_name = "ID")]
    pub(super) new: String,
    /// The new license's text, for an id the bundled SPDX list has no text for
    #[arg(long, value_name = "FILE", conflicts_with = "ids_only")]
    pub(super) license_file: Option<PathBuf>,
    /// Rewrite identifiers and manifests only; leave license files alone
    #[arg(long)]
    pub(super) ids_only: bool,
    /// The copyright line a new license text gets where the old file has none (MIT-0 to MIT)
    #[arg(long, value_name = "TEXT", conflicts_with = "ids_only")]
    pub(super) copyright: Option<String>,
    /// Also rewrite files that carry their own copyright and the old license's full text
    /// (vendored third-party code, left alone by default)
    #[arg(long)]
    pub(super) rewrite_vendored: bool,
    #[command(flatten)]
    pub(super) edit: EditArgs,
}

/// `file-replace`'s own flags; its help is the variant's in [`CliCommand`].
#[derive(Debug, Args)]
pub(super) struct FileReplaceArgs {
    /// The path in each repository, or a glob over tracked files (`*` stays in a folder)
    #[arg(long, value_name = "PATH")]
    pub(super) pattern: String,
    /// The file whose content is put in place
    #[arg(long, value_name = "FILE")]
    pub(super) replacement: PathBuf,
    /// Add the file (and its folders) where the plain path is missing
    #[arg(long)]
    pub(super) create: bool,
    /// Write the content at PATH instead and remove the matched file (a move)
    #[arg(long, value_name = "PATH")]
    pub(super) to: Option<String>,
    #[command(flatten)]
    pub(super) edit: EditArgs,
}

/// The flags `license-update` and `file-replace` share.
#[derive(Debug, Args)]
pub(super) struct EditArgs {
    /// Change nothing; exit 1 if any repository would change or had to be skipped (for hooks
    /// and CI)
    #[arg(long, conflicts_with_all = ["no_commit", "push", "branch"])]
    check: bool,
    /// Show a unified diff of each change
    #[arg(long)]
    diff: bool,
    /// The commit message [default: one naming the change]
    #[arg(short, long)]
    message: Option<String>,
    /// Change the files, but do not commit
    #[arg(long, conflicts_with_all = ["push", "branch"])]
    no_commit: bool,
    /// Push the commit to the upstream (never forced)
    #[arg(long)]
    push: bool,
    #[command(flatten)]
    branch: BranchArgs,
}

impl EditArgs {
    pub(super) fn into_flags(self) -> settings::EditFlags {
        settings::EditFlags {
            check: self.check,
            diff: self.diff,
            commit: !self.no_commit,
            push: self.push,
            message: self.message,
            branch: self.branch.into_options(),
        }
    }
}

/// `--branch NAME [--base BRANCH]` and `--pr` with its flags (`sync`, `license-update`,
/// `file-replace`).
#[derive(Debug, Args)]
pub(super) struct BranchArgs {
    /// Put the change on branch NAME, pushed to the remote, not on the checked-out branch
    #[arg(long, value_name = "NAME")]
    branch: Option<String>,
    /// The branch NAME starts from and merges into [default: the remote's default branch]
    #[arg(long, value_name = "BRANCH", requires = "branch")]
    base: Option<String>,
    /// Open a pull request (merge request) from NAME into the base after the push
    #[arg(long, requires = "branch")]
    pr: bool,
    /// The change request's title [default: the commit's subject]
    #[arg(long, value_name = "TEXT", requires = "pr")]
    title: Option<String>,
    /// The change request's description [default: the commit's body and the run id]
    #[arg(
        long,
        value_name = "TEXT",
        requires = "pr",
        conflicts_with = "body_file"
    )]
    body: Option<String>,
    /// Read the change request's description from FILE
    #[arg(long, value_name = "FILE", requires = "pr")]
    body_file: Option<PathBuf>,
    /// Open the change request as a draft
    #[arg(long, requires = "pr")]
    draft: bool,
    /// A label for the change request (repeatable)
    #[arg(long = "label", value_name = "NAME", requires = "pr")]
    labels: Vec<String>,
    /// A reviewer to request (repeatable)
    #[arg(long = "reviewer", value_name = "LOGIN", requires = "pr")]
    reviewers: Vec<String>,
    /// An assignee (repeatable)
    #[arg(long = "assignee", value_name = "LOGIN", requires = "pr")]
    assignees: Vec<String>,
}

impl BranchArgs {
    /// Checks what can be checked before any repository is looked at, and reads `--body-file`
    /// (relative to the current directory) into the body.
    pub(super) fn validate(&mut self) -> Result<(), String> {
        let Some(name) = &self.branch else {
            return Ok(());
        };
        valid_branch_name(name, "--branch")?;
        if let Some(base) = &self.base {
            valid_branch_name(base, "--base")?;
            if base == name {
                return Err(format!(
                    "--branch {name} is the base branch: the change must go on a branch of its \
                     own (give another --branch, or another --base)"
                ));
            }
        }
        if let Some(file) = self.body_file.take() {
            let body = std::fs::read_to_string(&file)
                .map_err(|err| format!("cannot read --body-file {}: {err}", file.display()))?;
            self.body = Some(body);
        }
        Ok(())
    }

    pub(super) fn into_options(self) -> Option<crate::ops::change::BranchOptions> {
        let name = self.branch?;
        let pr = self.pr.then_some(crate::ops::change::PrOptions {
            title: self.title,
            body: self.body,
            draft: self.draft,
            labels: self.labels,
            reviewers: self.reviewers,
            assignees: self.assignees,
        });
        Some(crate::ops::change::BranchOptions {
            name,
            base: self.base,
            pr,
        })
    }
}

/// A name git takes for a branch (`git check-ref-format --branch`): a valid `refs/heads/NAME`,
/// not starting with `-`, and not `HEAD`.
fn valid_branch_name(name: &str, flag: &str) -> Result<(), String> {
    let full = format!("refs/heads/{name}");
    let refused = |why: String| {
        Err(format!(
            "{flag} {name:?} is not a name git takes for a branch ({why})"
        ))
    };
    if name.starts_with('-') {
        return refused("it starts with `-`".into());
    }
    if name == "HEAD" {
        return refused("HEAD is reserved".into());
    }
    match gix::validate::reference::name(full.as_str().into()) {
        Ok(_) => Ok(()),
        Err(err) => refused(err.to_string()),
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum MergeMethodArg {
    Merge,
    Squash,
    Rebase,
}

impl MergeMethodArg {
    pub(super) fn method(self) -> crate::forge::MergeMethod {
        match self {
            MergeMethodArg::Merge => crate::forge::MergeMethod::Merge,
            MergeMethodArg::Squash => crate::forge::MergeMethod::Squash,
            MergeMethodArg::Rebase => crate::forge::MergeMethod::Rebase,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum Shell {
    Bash,
    Zsh,
    Fish,
}

fn parse_policy_file(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((path, template)) if !path.is_empty() && !template.is_empty() => {
            Ok((path.to_owned(), template.to_owned()))
        }
        _ => Err("expected PATH=TEMPLATE".into()),
    }
}

#[derive(Debug, Subcommand)]
pub(super) enum RunsAction {
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

impl CliCommand {
    /// The `--branch` flags of the command, for those that take them.
    pub(super) fn branch_args_mut(&mut self) -> Option<&mut BranchArgs> {
        match self {
            CliCommand::Sync { branch, .. } => Some(branch),
            CliCommand::LicenseUpdate(LicenseUpdateArgs { edit, .. })
            | CliCommand::FileReplace(FileReplaceArgs { edit, .. }) => Some(&mut edit.branch),
            _ => None,
        }
    }
}
