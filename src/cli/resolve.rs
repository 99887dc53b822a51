//! The subcommands' flags turned into [`settings::Command`], once: past this point the program
//! sees plain settings, not clap's types.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use super::commands::{
    CliCommand, CloneArgs, FileReplaceArgs, LicenseUpdateArgs, MergeMethodArg, RunsAction, Shell,
};
use crate::settings;

impl CliCommand {
    /// The command with its flags resolved against `cwd`; `trailing` is `exec`'s command.
    pub(super) fn into_command(self, cwd: &Path, trailing: Vec<OsString>) -> settings::Command {
        match self {
            CliCommand::List => settings::Command::List,
            CliCommand::Watch {
                fetch_every,
                sync,
                quiet_for,
                message,
            } => settings::Command::Watch(watch_options(fetch_every, sync, quiet_for, message)),
            CliCommand::Status => settings::Command::Status,
            CliCommand::Exec => settings::Command::Exec { argv: trailing },
            CliCommand::Sync {
                message,
                pull,
                no_push,
                branch,
            } => settings::Command::Sync {
                message,
                pull,
                push: !no_push,
                branch: branch.into_options(),
            },
            CliCommand::Undo { run_id, push } => settings::Command::Undo { run_id, push },
            CliCommand::Prs {
                run_id,
                merge,
                method,
                close,
            } => settings::Command::Prs {
                run_id,
                action: prs_action(merge, close, method),
            },
            CliCommand::Runs { action: None } => settings::Command::Runs,
            CliCommand::Runs {
                action: Some(RunsAction::Prune { older_than, keep }),
            } => settings::Command::RunsPrune { older_than, keep },
            CliCommand::Check {
                license,
                forbid,
                file,
            } => settings::Command::Check {
                policy: policy(license, forbid, file, cwd),
            },
            CliCommand::Completions { shell } => settings::Command::Completions {
                shell: shell.name(),
            },
            CliCommand::Manpages { dir } => settings::Command::Manpages { dir: cwd.join(dir) },
            CliCommand::Clone(args) => args.into_command(cwd),
            CliCommand::LicenseUpdate(args) => args.into_command(cwd),
            CliCommand::FileReplace(args) => args.into_command(cwd),
        }
    }
}

/// `watch`'s options: with `--sync`, the quiet time before a change is synced and its message.
fn watch_options(
    fetch_every: Option<Duration>,
    sync: bool,
    quiet_for: u64,
    message: String,
) -> settings::WatchOptions {
    settings::WatchOptions {
        fetch_every,
        sync: sync.then(|| settings::AutoSync {
            quiet_for: Duration::from_secs(quiet_for),
            message,
        }),
    }
}

/// What `prs` is to do: `--merge` (with `--method`) over `--close` over listing.
fn prs_action(merge: bool, close: bool, method: MergeMethodArg) -> settings::PrsAction {
    match (merge, close) {
        (true, _) => settings::PrsAction::Merge(method.method()),
        (false, true) => settings::PrsAction::Close,
        (false, false) => settings::PrsAction::List,
    }
}

impl CloneArgs {
    /// `clone` with its files resolved against `cwd`; with `--org`, the listing to ask for.
    fn into_command(self, cwd: &Path) -> settings::Command {
        settings::Command::Clone {
            items: self.urls,
            list: self.list.map(|file| cwd.join(file)),
            base_url: self.base_url,
            org: self.org.map(|owner| settings::OrgListing {
                owner,
                forge: self.forge,
                archived: self.archived,
                forks: self.forks,
                topics: self.topic,
            }),
        }
    }
}

impl LicenseUpdateArgs {
    /// `license-update` with `--license-file` resolved against `cwd`.
    fn into_command(self, cwd: &Path) -> settings::Command {
        settings::Command::LicenseUpdate {
            old: self.old,
            new: self.new,
            license_file: self.license_file.map(|file| cwd.join(file)),
            ids_only: self.ids_only,
            copyright: self.copyright,
            rewrite_vendored: self.rewrite_vendored,
            edit: self.edit.into_flags(),
        }
    }
}

impl FileReplaceArgs {
    /// `file-replace` with `--replacement` resolved against `cwd`.
    fn into_command(self, cwd: &Path) -> settings::Command {
        settings::Command::FileReplace {
            pattern: self.pattern,
            replacement: cwd.join(self.replacement),
            create: self.create,
            to: self.to,
            edit: self.edit.into_flags(),
        }
    }
}

/// `check`'s policy from its flags, or `None` to use `.git-batch.toml`'s.
fn policy(
    license: Option<String>,
    forbid: Vec<String>,
    file: Vec<(String, String)>,
    cwd: &Path,
) -> Option<crate::config::Policy> {
    (license.is_some() || !file.is_empty()).then(|| crate::config::Policy {
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
    })
}

impl Shell {
    fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
        }
    }
}
