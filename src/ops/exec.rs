//! `exec`: run a command (argv, never through a shell) in each repository and keep its output.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::outcome::{Details, ExecDetails, Outcome, RepoReport};
use crate::process;
use crate::targets::Repo;

/// Checks, once for the whole run, that a program named without a `/` is on `PATH` (git-batch's
/// own, which every command inherits): one that is not would fail the same way in every
/// repository. A name with a `/` (`./fix.sh`) is looked up in each repository, and so is any
/// name when `PATH` is unset or holds a relative folder (an empty entry means the current one),
/// since then the answer can differ from one repository to the next.
pub fn check_on_path(argv: &[OsString]) -> Result<(), String> {
    use std::os::unix::ffi::OsStrExt;
    let Some(program) = argv.first() else {
        return Ok(());
    };
    let Some(path) = std::env::var_os("PATH") else {
        return Ok(());
    };
    if program.as_bytes().contains(&b'/') {
        return Ok(());
    }
    for folder in std::env::split_paths(&path) {
        if !folder.is_absolute() || is_executable(&folder.join(program)) {
            return Ok(());
        }
    }
    let name = process::display_program(program);
    Err(format!(
        "{name}: not found on PATH (a program inside each repository is run as ./{name})"
    ))
}

/// A file (or a link to one) with an execute bit, as `execvp` would run it.
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// Runs `argv` in `repo` with the deadline `timeout`. Exit 0 is `changed` (the command ran);
/// anything else is `failed` with the exit code, and the output is kept either way.
pub fn exec(repo: &Repo, argv: &[OsString], timeout: Duration) -> RepoReport {
    let Some((program, args)) = argv.split_first() else {
        return RepoReport::failed(repo, "no command given");
    };
    let mut command = Command::new(program);
    command.args(args);
    process::prepare(&mut command, &repo.path);
    let name = process::display_program(program);
    let captured = match process::run(command, timeout) {
        Ok(captured) => captured,
        Err(err) => {
            return RepoReport::failed(repo, format!("cannot run {name}: {err}")).with_details(
                Details::Exec(ExecDetails {
                    exit_code: None,
                    stdout: String::new(),
                    stderr: String::new(),
                }),
            );
        }
    };
    let exit_code = captured.status.and_then(|status| status.code());
    let (outcome, message) = if captured.timed_out {
        (
            Outcome::Failed,
            format!("timed out after {}s, killed", timeout.as_secs()),
        )
    } else {
        match (exit_code, captured.status) {
            (Some(0), _) => (Outcome::Changed, "exited 0".to_owned()),
            (Some(code), _) => (Outcome::Failed, format!("{name} exited with code {code}")),
            (None, Some(status)) => {
                use std::os::unix::process::ExitStatusExt;
                let signal = status.signal().unwrap_or_default();
                (
                    Outcome::Failed,
                    format!("{name} was killed by signal {signal}"),
                )
            }
            (None, None) => (Outcome::Failed, format!("{name} did not finish")),
        }
    };
    RepoReport::new(repo, outcome, message).with_details(Details::Exec(ExecDetails {
        exit_code,
        stdout: String::from_utf8_lossy(&captured.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&captured.stderr).into_owned(),
    }))
}
