//! Running child programs (git, or the user's command): no standard input, never a prompt, a
//! process group of their own, output captured whole, and a deadline.

use std::ffi::OsStr;
use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

mod orphans;

/// Variables that tie git to one repository (`git rev-parse --local-env-vars`). A hook runs with
/// some of them set for *its* repository; left in place they would send every child's git to it.
const REPOSITORY_LOCAL_ENV: &[&str] = &[
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_OBJECT_DIRECTORY",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
];

/// What a finished child left behind.
#[derive(Debug)]
#[must_use]
pub struct Captured {
    /// `None` only when the child was killed for running past its deadline.
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub timed_out: bool,
}

/// Process groups of the children running now, so that a second Ctrl-C can stop them.
static RUNNING: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// Prepares `command` to run in `dir` the way every child of git-batch runs.
pub fn prepare(command: &mut Command, dir: &std::path::Path) {
    for var in REPOSITORY_LOCAL_ENV {
        command.env_remove(var);
    }
    command
        .current_dir(dir)
        // Nothing may wait on a password or a question: no stdin, and git told not to ask.
        .stdin(Stdio::null())
        .env("GIT_TERMINAL_PROMPT", "0")
        // ssh reads passwords, passphrases and host-key questions from the terminal itself,
        // whatever its standard input is. Told to ask a program instead, and given one that
        // always says no, it fails at once instead of waiting on a prompt nobody sees.
        .env("SSH_ASKPASS_REQUIRE", "force")
        .env("SSH_ASKPASS", "false")
        // A process group of its own: Ctrl-C at the terminal reaches git-batch alone, which
        // lets the children in flight finish instead of dying halfway through a write. (Not a
        // session of its own: that needs a fork in the child, which costs a multi-threaded
        // parent far more than the spawn it replaces — measured 0.7 s against 0.35 s for a
        // 20-repository sync on 8 workers.) Nor a parent-death signal (`PR_SET_PDEATHSIG`), for
        // the same reason: it is set in the forked child, and costs as much (`exec -- true` over
        // 150 repositories: 186 ms against 107 ms). A git-batch killed outright has its
        // children stopped by the watchdog instead (`orphans`), once `run` has told it of them.
        .process_group(0);
}

/// How long the output pipes may stay open once the child has exited and nothing is left in
/// its process group: whatever still holds them left the group (`setsid cmd &`), cannot be
/// killed by it, and is not waited for.
const ESCAPED_GRACE: Duration = Duration::from_millis(500);

/// How long a killed process group gets to close its pipes, so that its last output is kept.
const KILL_SETTLE: Duration = Duration::from_millis(200);

/// How long a process group stopped at its deadline gets between SIGTERM and SIGKILL: git
/// removes its lock files (`index.lock`) on SIGTERM, and a hook gets to stop cleanly. A SIGKILL
/// straight away would leave `index.lock` behind, and the repository locked for every git.
const TERM_GRACE: Duration = Duration::from_secs(2);

/// Stops the process group `pgid` at its deadline: SIGTERM, then SIGKILL once `TERM_GRACE` has
/// passed or as soon as `exited` says the child is gone (what is left of the group then gets
/// its SIGKILL at once).
fn stop_group(pgid: Pid, exited: &crossbeam_channel::Receiver<()>) {
    let _ = killpg(pgid, Signal::SIGTERM);
    let _ = exited.recv_timeout(TERM_GRACE);
    let _ = killpg(pgid, Signal::SIGKILL);
}

/// Runs `command` (already [`prepare`]d) to completion or until `timeout`, capturing its output.
/// Past the deadline the whole process group is stopped (SIGTERM, SIGKILL after a short grace) and `timed_out` is set. The output pipes
/// are read until they close, but never past the deadline, and not for long once the child has
/// exited and only a program that left its process group still holds them.
pub fn run(mut command: Command, timeout: Duration) -> io::Result<Captured> {
    let started = Instant::now();
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn()?;
    let pgid = Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX));
    register(pgid.as_raw());
    let (closed_tx, closed) = crossbeam_channel::bounded::<()>(2);
    let stdout = Drain::start(child.stdout.take(), closed_tx.clone());
    let stderr = Drain::start(child.stderr.take(), closed_tx);
    let timed_out = AtomicBool::new(false);
    let (done, watch) = crossbeam_channel::bounded::<()>(0);
    let status = std::thread::scope(|scope| {
        scope.spawn(|| {
            if watch.recv_timeout(timeout) == Err(RecvTimeoutError::Timeout) {
                timed_out.store(true, Ordering::SeqCst);
                // The group, not the pid: a shell's children must go too, or they would keep
                // the output pipes open.
                stop_group(pgid, &watch);
            }
        });
        let status = child.wait();
        drop(done);
        status
    });
    let mut open = 2 - closed.try_iter().count();
    let deadline = started.checked_add(timeout);
    let mut escaped_since = None;
    while open > 0 {
        let now = Instant::now();
        if timed_out.load(Ordering::SeqCst) || deadline.is_some_and(|d| now >= d) {
            // What is left of the group is killed as at any deadline; what left the group is
            // no longer waited for.
            if !timed_out.swap(true, Ordering::SeqCst) {
                let _ = killpg(pgid, Signal::SIGKILL);
            }
            let settle = now + KILL_SETTLE;
            while open > 0 && closed.recv_deadline(settle).is_ok() {
                open -= 1;
            }
            break;
        }
        // Signal 0 only asks whether the group still has a member. (The child was reaped, so
        // its id could in principle name a new group; that needs the system to go through
        // every process id in the moments since, and the question sends nothing anyway.)
        let group_alive = killpg(pgid, None).is_ok();
        if group_alive {
            escaped_since = None;
        } else if escaped_since.is_none_or(|since: Instant| now - since < ESCAPED_GRACE) {
            escaped_since.get_or_insert(now);
        } else {
            break;
        }
        if closed.recv_timeout(Duration::from_millis(50)).is_ok() {
            open -= 1;
        }
    }
    unregister(pgid.as_raw());
    let status = status?;
    let timed_out = timed_out.load(Ordering::SeqCst);
    Ok(Captured {
        status: (!timed_out).then_some(status),
        stdout: stdout.take(),
        stderr: stderr.take(),
        timed_out,
    })
}

/// One output pipe, read to its end on a thread of its own. The thread is not joined: a program
/// that left the child's process group may hold the pipe open for as long as it likes, and the
/// run must not wait for it; what was read until then is kept.
struct Drain(Arc<Mutex<Vec<u8>>>);

impl Drain {
    fn start(
        pipe: Option<impl Read + Send + 'static>,
        closed: crossbeam_channel::Sender<()>,
    ) -> Drain {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let Some(mut pipe) = pipe else {
            let _ = closed.send(());
            return Drain(buffer);
        };
        let filled = Arc::clone(&buffer);
        std::thread::spawn(move || {
            let mut chunk = [0_u8; 8192];
            loop {
                match pipe.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => match filled.lock() {
                        Ok(mut buffer) => buffer.extend_from_slice(&chunk[..n]),
                        Err(_) => break,
                    },
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = closed.send(());
        });
        Drain(buffer)
    }

    /// What was read so far.
    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .map(|mut buffer| std::mem::take(&mut *buffer))
            .unwrap_or_default()
    }
}

fn register(pgid: i32) {
    orphans::started(pgid);
    if let Ok(mut running) = RUNNING.lock() {
        running.push(pgid);
    }
}

fn unregister(pgid: i32) {
    if let Ok(mut running) = RUNNING.lock() {
        running.retain(|p| *p != pgid);
    }
    orphans::done(pgid);
}

/// Sends SIGTERM to every child process group still running (the second Ctrl-C).
pub fn terminate_all() {
    if let Ok(running) = RUNNING.lock() {
        for pgid in running.iter() {
            let _ = killpg(Pid::from_raw(*pgid), Signal::SIGTERM);
        }
    }
}

/// A short, printable name for a program, for messages.
pub fn display_program(program: &OsStr) -> String {
    program.to_string_lossy().into_owned()
}
