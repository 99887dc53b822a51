//! Children must not outlive git-batch. Ctrl-C is handled in-process (the children in flight
//! finish, a second Ctrl-C stops them), but a git-batch killed outright (`kill -9`, the OOM
//! killer, a CI job cancelled) runs no code at all: its children, each in a process group of
//! its own, would go on and finish their writes afterwards — a push landing on the remote after
//! `undo` has already looked there.
//!
//! So the first child spawned also starts a watchdog: a small `sh` in a process group of its
//! own, deaf to the terminal's signals, reading a pipe whose write end only git-batch holds
//! (close-on-exec, so no child inherits it). git-batch writes `+PGID` when a child starts and
//! `-PGID` when it is done. The kernel closes the pipe when git-batch dies, however it dies;
//! the watchdog then reads end-of-file and stops every group still listed: SIGTERM (git removes
//! its lock files and temporary packs on it), SIGKILL two seconds later. On a normal exit the
//! list is empty and it just exits.
//!
//! Why not `PR_SET_PDEATHSIG`: it must be set in the forked child before `exec`, which needs
//! `unsafe` (denied in this crate) and forces std off its fast `posix_spawn` path (measured in
//! `process.rs`). The watchdog costs one `sh` per run and a short write per child.
//!
//! What still can happen: a child started in the instant between its spawn and its `+PGID`
//! line is not stopped; a program that left its process group (`setsid`) is not either; and
//! what a push already handed to the remote cannot be taken back (the server may finish it) —
//! `undo` asks the remote itself for that reason.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Mutex;

/// The watchdog's script: keeps the list of live process groups from its input, and on
/// end-of-file stops the ones still listed. (`kill -TERM -PGID`, without `--`: dash's `kill`
/// takes `--` for a process id.)
const SCRIPT: &str = r#"trap '' HUP INT QUIT TERM PIPE
groups=' '
while read -r op id; do
  case $op in
    +) groups="$groups$id " ;;
    -) case $groups in *" $id "*) groups="${groups%% $id *} ${groups#* $id }" ;; esac ;;
  esac
done
set -- $groups
[ $# -eq 0 ] && exit 0
for id; do kill -TERM "-$id" 2>/dev/null; done
sleep 2
for id; do kill -KILL "-$id" 2>/dev/null; done
exit 0
"#;

/// The watchdog's input; `None` before the first child, or once it could not be started or
/// stopped reading.
static WATCHDOG: Mutex<Option<Watchdog>> = Mutex::new(None);

#[derive(Debug)]
enum Watchdog {
    Running(ChildStdin),
    Unavailable,
}

fn start() -> Watchdog {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(SCRIPT)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env_remove("ENV")
        // Holds no folder of the user's busy (it may outlive git-batch by a couple of seconds).
        .current_dir("/")
        .process_group(0);
    match command.spawn() {
        // Never waited for: it ends when git-batch does, and is reaped by whoever adopts it.
        Ok(mut child) => child
            .stdin
            .take()
            .map_or(Watchdog::Unavailable, Watchdog::Running),
        Err(_) => Watchdog::Unavailable,
    }
}

fn tell(line: &str) {
    let Ok(mut watchdog) = WATCHDOG.lock() else {
        return;
    };
    let slot = watchdog.get_or_insert_with(start);
    let written = match slot {
        Watchdog::Running(input) => input.write_all(line.as_bytes()).is_ok(),
        Watchdog::Unavailable => true,
    };
    if !written {
        *slot = Watchdog::Unavailable;
    }
}

/// The child whose process group is `pgid` has started: stopped if git-batch dies first.
pub(super) fn started(pgid: i32) {
    tell(&format!("+ {pgid}\n"));
}

/// The child whose process group is `pgid` is done.
pub(super) fn done(pgid: i32) {
    tell(&format!("- {pgid}\n"));
}

#[cfg(test)]
mod tests {
    use super::SCRIPT;
    use std::io::Write;
    use std::os::unix::process::CommandExt;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    fn sleeper() -> Child {
        Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .expect("spawn sleep")
    }

    /// Waits (at most 5 s) for `child` to end; whether it did.
    fn ended(child: &mut Child) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if child.try_wait().expect("try_wait").is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    #[test]
    fn the_watchdog_stops_the_groups_still_listed_when_its_input_closes() {
        let (mut done, mut running, mut twice) = (sleeper(), sleeper(), sleeper());
        let mut watchdog = Command::new("sh")
            .arg("-c")
            .arg(SCRIPT)
            .stdin(Stdio::piped())
            .spawn()
            .expect("spawn the watchdog");
        let mut input = watchdog.stdin.take().expect("stdin");
        let (d, r, t) = (done.id(), running.id(), twice.id());
        // `twice` is listed twice and done once: a group id reused before its old "done" line
        // arrived must stay listed.
        write!(
            input,
            "+ {d}\n+ {r}\n+ {t}\n+ {t}\n- {d}\n- {t}\n- 999999\n"
        )
        .expect("write");
        drop(input);
        assert!(ended(&mut running), "a listed group is stopped");
        assert!(
            ended(&mut twice),
            "a group listed twice and done once is stopped"
        );
        assert!(
            !ended_soon(&mut done),
            "a group that was done is left alone"
        );
        let _ = watchdog.wait();
        let _ = done.kill();
        let _ = done.wait();
    }

    fn ended_soon(child: &mut Child) -> bool {
        std::thread::sleep(Duration::from_millis(300));
        child.try_wait().expect("try_wait").is_some()
    }
}
