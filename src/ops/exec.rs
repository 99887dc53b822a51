//! `exec`: run a command (argv, never through a shell) in each repository and keep its output.

use std::ffi::OsString;
use std::process::Command;
use std::time::Duration;

use crate::outcome::{Details, ExecDetails, Outcome, RepoReport};
use crate::process;
use crate::targets::Repo;

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
