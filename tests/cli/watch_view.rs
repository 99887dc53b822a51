//! `watch`'s full-screen view on a real terminal: `git batch watch` in a bash inside a tmux
//! server of the test's own (its socket in the fleet's folder), read back with `capture-pane`.
//! The table shows, follows a change, narrows with the window, and `q` or Ctrl-C give the shell
//! back with the alternate screen left. Skipped, saying so, where tmux is not installed
//! (scripts/test.sh installs it).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::fixture::{Fleet, GIT_BATCH};

/// The shell's prompt in the pane, to know when the shell has the terminal again.
const PROMPT: &str = "shell-prompt$";

/// How long the screen may take to show what a step expects.
const SCREEN_LIMIT: Duration = Duration::from_secs(10);

/// A tmux server for one test, killed with it.
struct Tmux<'a> {
    fleet: &'a Fleet,
    socket: PathBuf,
}

impl<'a> Tmux<'a> {
    /// A detached session of `width`×`height` running bash with a known prompt, or `None`
    /// (said on stderr) when tmux is not installed.
    fn start(fleet: &'a Fleet, width: u16, height: u16) -> Option<Tmux<'a>> {
        let found = Command::new("tmux").arg("-V").output();
        if !found.is_ok_and(|output| output.status.success()) {
            eprintln!("skipped: tmux is not installed (scripts/test.sh installs it with apt-get)");
            return None;
        }
        let tmux = Tmux {
            fleet,
            socket: fleet.base.join("tmux.sock"),
        };
        let (width, height) = (width.to_string(), height.to_string());
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "view",
            "-x",
            &width,
            "-y",
            &height,
            "bash --norc --noprofile",
        ]);
        tmux.keys(&[&format!("PS1='{PROMPT} '; clear"), "Enter"]);
        tmux.wait_for("the shell's prompt", |screen| screen.contains(PROMPT));
        Some(tmux)
    }

    /// Runs `tmux ARGS` against this server, in the fleet's sealed environment (which the
    /// session's shell, and so git-batch, inherits).
    fn output(&self, args: &[&str]) -> Output {
        let mut command = self.fleet.sealed("tmux", &self.fleet.root);
        command
            .arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"]);
        command.args(args).output().expect("run tmux")
    }

    fn run(&self, args: &[&str]) -> String {
        let output = self.output(args);
        assert!(
            output.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "view"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// What the pane shows now.
    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "view"])
    }

    /// Whether the pane is on the alternate screen.
    fn alternate_on(&self) -> bool {
        self.run(&["display", "-p", "-t", "view", "#{alternate_on}"])
            .trim()
            .eq("1")
    }

    /// Waits until the screen satisfies `ready`; returns it, or fails saying `what`.
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < SCREEN_LIMIT,
                "waited {SCREEN_LIMIT:?} for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Starts `git batch ARGS` at the prompt and waits for its view.
    fn watch(&self, args: &str) -> String {
        self.keys(&[&format!("clear; '{GIT_BATCH}' watch {args}"), "Enter"]);
        self.wait_for("the view", |screen| screen.contains("git batch watch"))
    }

    /// Waits for the shell to have the terminal back after the view; returns the screen.
    fn back_at_the_prompt(&self) -> String {
        let screen = self.wait_for("the prompt after the view", |screen| {
            screen.trim_end().ends_with(PROMPT)
        });
        assert!(!self.alternate_on(), "the alternate screen is still on");
        assert!(
            !screen.contains("repositories:"),
            "the view was left on the screen:\n{screen}"
        );
        screen
    }
}

impl Drop for Tmux<'_> {
    fn drop(&mut self) {
        let _ = self.output(&["kill-server"]);
    }
}

/// The line of the screen that starts with `name`.
fn row<'s>(screen: &'s str, name: &str) -> &'s str {
    screen
        .lines()
        .find(|line| line.starts_with(name))
        .unwrap_or_else(|| panic!("no row for {name}:\n{screen}"))
}

fn three_repositories() -> Fleet {
    let fleet = Fleet::new();
    for name in ["alpha", "beta", "gamma"] {
        fleet.add_repo(name);
    }
    fleet.make_dirty("beta");
    fleet
}

#[test]
fn the_view_shows_the_table_narrows_and_q_gives_the_shell_back() {
    let fleet = three_repositories();
    let Some(tmux) = Tmux::start(&fleet, 120, 30) else {
        return;
    };
    let screen = tmux.watch("");
    assert!(
        tmux.alternate_on(),
        "the view is not on the alternate screen"
    );
    let screen = if screen.contains("gamma") {
        screen
    } else {
        tmux.wait_for("the rows", |screen| screen.contains("gamma"))
    };
    assert!(
        screen.contains(&fleet.root.display().to_string()),
        "{screen}"
    );
    assert!(
        screen.contains("3 repositories: 2 clean, 1 dirty"),
        "{screen}"
    );
    let heading = row(&screen, "repository");
    for column in ["branch", "upstream", "sync", "changes", "state"] {
        assert!(heading.contains(column), "{heading}");
    }
    assert!(row(&screen, "alpha").ends_with("clean"), "{screen}");
    let beta = row(&screen, "beta");
    assert!(
        beta.contains("main") && beta.contains("origin/main"),
        "{beta}"
    );
    assert!(beta.contains("~1") && beta.ends_with("dirty"), "{beta}");

    // A narrower window: columns go, nothing wraps, every name stays.
    tmux.run(&["resize-window", "-t", "view", "-x", "40"]);
    let narrow = tmux.wait_for("the narrower table", |screen| {
        screen
            .lines()
            .any(|line| line.starts_with("repository") && !line.contains("upstream"))
    });
    for name in ["alpha", "beta", "gamma"] {
        assert_eq!(
            narrow.lines().filter(|line| line.starts_with(name)).count(),
            1,
            "{narrow}"
        );
    }
    assert!(row(&narrow, "beta").ends_with("dirty"), "{narrow}");
    assert!(narrow.lines().all(|line| line.chars().count() <= 40));

    tmux.keys(&["q"]);
    tmux.back_at_the_prompt();
    tmux.keys(&["echo \"watch exited $?\"", "Enter"]);
    tmux.wait_for("the exit code", |screen| screen.contains("watch exited 0"));
}

#[test]
fn ctrl_c_quits_too_and_quiet_shows_only_what_needs_attention() {
    let fleet = three_repositories();
    let Some(tmux) = Tmux::start(&fleet, 100, 20) else {
        return;
    };
    let screen = tmux.watch("-q");
    let screen = if screen.contains("beta") {
        screen
    } else {
        tmux.wait_for("the rows", |screen| screen.contains("beta"))
    };
    assert!(screen.contains("3 repositories (1 shown)"), "{screen}");
    assert!(row(&screen, "beta").ends_with("dirty"), "{screen}");
    assert!(
        !screen.lines().any(|line| line.starts_with("alpha")),
        "{screen}"
    );

    tmux.keys(&["C-c"]);
    tmux.back_at_the_prompt();
    tmux.keys(&["echo \"watch exited $?\"", "Enter"]);
    tmux.wait_for("the exit code", |screen| screen.contains("watch exited 0"));
}

/// A terminal that goes away under the view (its window closed; here its tmux server killed)
/// ends git-batch: before, the view gave up but waited for its key reader, which spun on the
/// dead terminal's end-of-file forever, at most of a core.
#[test]
fn the_view_ends_when_its_terminal_goes_away() {
    let fleet = three_repositories();
    let Some(tmux) = Tmux::start(&fleet, 100, 20) else {
        return;
    };
    tmux.watch("");
    let shell: u32 = tmux
        .run(&["display", "-p", "-t", "view", "#{pane_pid}"])
        .trim()
        .parse()
        .expect("the pane's process id");
    let watch = children_of(shell)
        .into_iter()
        .find(|pid| command_of(*pid).is_some_and(|command| command.contains("watch")))
        .expect("git-batch watch runs in the pane's shell");
    tmux.run(&["kill-server"]);
    let start = Instant::now();
    while command_of(watch).is_some() {
        assert!(
            start.elapsed() < SCREEN_LIMIT,
            "git batch watch (process {watch}) still runs {SCREEN_LIMIT:?} after its terminal went away"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The processes whose parent is `pid` (from /proc).
fn children_of(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc") {
        let Some(child) = entry
            .ok()
            .and_then(|entry| entry.file_name().to_str()?.parse().ok())
        else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
        // pid (comm) state ppid …: the command may hold spaces and parentheses.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        if after.split_whitespace().nth(1) == Some(&pid.to_string()) {
            children.push(child);
        }
    }
    children
}

/// The command line of a live process `pid`; `None` once it has ended (a zombie included).
fn command_of(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let state = stat.rsplit_once(')')?.1.split_whitespace().next()?;
    if state == "Z" || state == "X" {
        return None;
    }
    let command = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(String::from_utf8_lossy(&command).replace('\0', " "))
}

/// `f` reads the fleet again (and, with the engine, fetches): a file written since shows.
#[test]
fn f_brings_a_change_into_its_row() {
    let fleet = three_repositories();
    let Some(tmux) = Tmux::start(&fleet, 120, 30) else {
        return;
    };
    tmux.watch("");
    tmux.wait_for("alpha clean", |screen| {
        screen
            .lines()
            .any(|line| line.starts_with("alpha") && line.ends_with("clean"))
    });
    fleet.add_untracked("alpha");
    tmux.keys(&["f"]);
    let screen = tmux.wait_for("alpha's change", |screen| {
        screen
            .lines()
            .any(|line| line.starts_with("alpha") && line.ends_with("dirty"))
    });
    assert!(row(&screen, "alpha").contains("?1"), "{screen}");
    assert!(
        screen.contains("3 repositories: 1 clean, 2 dirty"),
        "{screen}"
    );
    tmux.keys(&["q"]);
    tmux.back_at_the_prompt();
}

/// A change shows in its row by itself, without a key pressed: the engine follows the
/// repository (how fast is bench/watch.sh's to measure, not a test's).
#[test]
fn a_change_appears_in_its_row_by_itself() {
    let fleet = three_repositories();
    let Some(tmux) = Tmux::start(&fleet, 120, 30) else {
        return;
    };
    tmux.watch("");
    tmux.wait_for("alpha clean", |screen| {
        screen
            .lines()
            .any(|line| line.starts_with("alpha") && line.ends_with("clean"))
    });
    fleet.write("alpha", "notes.txt", "a new file\n");
    tmux.wait_for("alpha's change", |screen| {
        screen
            .lines()
            .any(|line| line.starts_with("alpha") && line.contains("?1"))
    });
    tmux.keys(&["q"]);
    tmux.back_at_the_prompt();
}

/// SIGTERM ends the watch (the engine closes the view's events): the terminal is given back and
/// the exit code is 0.
#[test]
fn sigterm_ends_it_with_the_terminal_given_back() {
    let fleet = three_repositories();
    let Some(tmux) = Tmux::start(&fleet, 100, 20) else {
        return;
    };
    tmux.watch("");
    let shell = tmux.run(&["display", "-p", "-t", "view", "#{pane_pid}"]);
    let children = Command::new("pgrep")
        .args(["-P", shell.trim()])
        .output()
        .expect("run pgrep");
    let watch = String::from_utf8_lossy(&children.stdout).trim().to_owned();
    assert!(!watch.is_empty(), "git-batch is not the shell's child");
    let killed = Command::new("kill")
        .args(["-TERM", &watch])
        .status()
        .expect("run kill");
    assert!(killed.success());
    tmux.back_at_the_prompt();
    tmux.keys(&["echo \"watch exited $?\"", "Enter"]);
    tmux.wait_for("the exit code", |screen| screen.contains("watch exited 0"));
}
