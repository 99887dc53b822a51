//! The commands printed to fix what a `--check` found: the command that was checked, without
//! `--check`, as words to paste after `git batch -C ROOT -t NAMES` (see [`crate::escape`]).

use crate::escape::fix_command;
use crate::settings::Command;

/// For `license-update --check` and `file-replace --check`: the same command without `--check`,
/// which makes the change the check found missing.
pub fn check_fixes(command: &Command) -> Vec<String> {
    match command {
        Command::LicenseUpdate {
            old,
            new,
            license_file,
            ids_only,
            copyright,
            rewrite_vendored,
            edit,
        } if edit.check => {
            let file = license_file.as_ref().map(|file| file.to_string_lossy());
            let mut flags = vec![("--old", Some(old.as_str())), ("--new", Some(new.as_str()))];
            if let Some(file) = &file {
                flags.push(("--license-file", Some(file)));
            }
            if *ids_only {
                flags.push(("--ids-only", None));
            }
            if let Some(copyright) = copyright {
                flags.push(("--copyright", Some(copyright)));
            }
            if *rewrite_vendored {
                flags.push(("--rewrite-vendored", None));
            }
            if let Some(message) = &edit.message {
                flags.push(("--message", Some(message)));
            }
            vec![fix_command("license-update", &flags)]
        }
        Command::FileReplace {
            pattern,
            replacement,
            create,
            to,
            edit,
        } if edit.check => {
            let replacement = replacement.to_string_lossy();
            let mut flags = vec![
                ("--pattern", Some(pattern.as_str())),
                ("--replacement", Some(&*replacement)),
            ];
            if *create {
                flags.push(("--create", None));
            }
            if let Some(to) = to {
                flags.push(("--to", Some(to)));
            }
            if let Some(message) = &edit.message {
                flags.push(("--message", Some(message)));
            }
            vec![fix_command("file-replace", &flags)]
        }
        _ => Vec::new(),
    }
}

/// `fixes`, with the run's `--depth` when it is not the default: a repository deeper than the
/// default is not found by name without it.
pub fn at_depth(fixes: Vec<String>, depth: usize) -> Vec<String> {
    if depth == DEFAULT_DEPTH {
        return fixes;
    }
    fixes
        .into_iter()
        .map(|fix| format!("{fix} --depth {depth}"))
        .collect()
}

/// `--depth`'s default.
const DEFAULT_DEPTH: usize = 2;
