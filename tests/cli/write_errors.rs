//! A report that cannot be written (a full disk under `--format json > report.json`) is exit 1
//! with the reason on stderr, never exit 0 with half a document; a reader that went away
//! (`| head -c1`) is no error and nothing is said.

use std::fs::File;
use std::process::{Output, Stdio};

use crate::fixture::Fleet;

fn fleet() -> Fleet {
    let fleet = Fleet::new();
    for name in ["alpha", "beta"] {
        fleet.add_repo(name);
    }
    // A run in the journal, for `runs` to list.
    fleet.make_dirty("alpha");
    let sync = fleet
        .cmd()
        .args(["sync", "--no-push"])
        .output()
        .expect("sync");
    assert_eq!(sync.status.code(), Some(0));
    fleet
}

/// `git-batch ARGS` with its standard output on `stdout`.
fn run_into(fleet: &Fleet, args: &[&str], stdout: impl Into<Stdio>) -> Output {
    let mut command = fleet.batch_in(&fleet.root);
    command.args(args).stdout(stdout.into());
    command.output().expect("run")
}

const RUNS: [&[&str]; 8] = [
    &["completions", "bash"],
    &["status"],
    &["--format", "json", "status"],
    &["--format", "jsonl", "exec", "--", "true"],
    &["list"],
    &["--format", "json", "list"],
    &["runs"],
    &["--format", "json", "runs"],
];

#[test]
fn a_full_disk_is_exit_1_with_the_reason() {
    let fleet = fleet();
    for args in RUNS {
        let full = File::options()
            .write(true)
            .open("/dev/full")
            .expect("open /dev/full");
        let output = run_into(&fleet, args, full);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write the report: No space left on device"),
            "{args:?}: {stderr}"
        );
    }
    // The man pages are written, but the list of them is not.
    let full = File::options()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    let man = fleet.base.join("man");
    let output = run_into(&fleet, &["manpages", man.to_str().expect("UTF-8")], full);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("No space left on device"), "{stderr}");
    // Failures of the run itself are still exit 1, and the write error is said as well.
    let full = File::options()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    let output = run_into(&fleet, &["exec", "--", "false"], full);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("No space left on device"), "{stderr}");
}

#[test]
fn a_closed_pipe_is_quiet() {
    let fleet = fleet();
    for args in RUNS {
        // The reading end is closed before git-batch starts: its first write gets EPIPE.
        let (reader, writer) = nix::unistd::pipe().expect("pipe");
        drop(reader);
        let output = run_into(&fleet, args, writer);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(
            output.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let (reader, writer) = nix::unistd::pipe().expect("pipe");
    drop(reader);
    let man = fleet.base.join("man");
    let output = run_into(&fleet, &["manpages", man.to_str().expect("UTF-8")], writer);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stderr.is_empty(), "{output:?}");
}
