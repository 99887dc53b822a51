//! A `--branch` run killed outright (`kill -9`) while its push is on its way: the git it
//! started stops with it instead of finishing the push afterwards, and `undo` run at once takes
//! back everything, on the remote too — asking the remote itself whether the push got there.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::branch_edit::mit_repo;
use crate::fixture::{Fleet, repo};
use crate::license::outcome;
use crate::observe::UserState;

/// How long the remote's `pre-receive` hook takes to accept a push.
const HOOK_SECS: u64 = 3;

/// Makes `name`'s bare remote slow to accept a push: its `pre-receive` hook leaves `started`
/// in `marks`, sleeps, then leaves `done`. Returns `marks`.
fn slow_remote(fleet: &Fleet, name: &str) -> PathBuf {
    let marks = fleet.scratch.join(format!("{name}-marks"));
    fs::create_dir_all(&marks).expect("mkdir marks");
    let hook = fleet.remote_path(name).join("hooks/pre-receive");
    fs::create_dir_all(hook.parent().expect("hooks")).expect("mkdir hooks");
    let marks_text = marks.display();
    fs::write(
        &hook,
        format!(
            "#!/bin/sh\ncat >/dev/null\ntouch '{marks_text}/started'\nsleep {HOOK_SECS}\n\
             touch '{marks_text}/done'\n"
        ),
    )
    .expect("write the hook");
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).expect("chmod the hook");
    marks
}

/// A repository for each kind of `--branch` run, with the user's work in it; returns the
/// run's arguments.
fn prepared(fleet: &Fleet, kind: &str) -> Vec<&'static str> {
    match kind {
        "license-update" => {
            mit_repo(fleet, "app");
            fleet.write("app", "src/main.rs", "// work in progress\n");
            fleet.write("app", "notes.txt", "untracked\n");
            vec![
                "license-update",
                "--old",
                "MIT",
                "--new",
                "Apache-2.0",
                "--branch",
                "relicense",
            ]
        }
        _ => {
            fleet.add_repo("app");
            fleet.make_dirty("app");
            fleet.write("app", "staged.txt", "staged\n");
            fleet.git(&fleet.path("app"), &["add", "staged.txt"]);
            fleet.write("app", "new.txt", "untracked\n");
            vec!["sync", "-m", "feat: x", "--branch", "relicense"]
        }
    }
}

fn start(fleet: &Fleet, args: &[&str]) -> Child {
    fleet
        .batch_in(&fleet.root)
        .args(["--format", "json"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn git-batch")
}

/// Waits (at most 30 s) for `file` to exist.
fn wait_for(file: &Path) {
    let start = Instant::now();
    while !file.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{} never appeared",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The branch as the remote itself lists it.
fn on_remote(fleet: &Fleet, name: &str, branch: &str) -> Option<String> {
    let remote = fleet.remote_path(name);
    let listed = fleet.git(
        &fleet.path(name),
        &[
            "ls-remote",
            remote.to_str().expect("UTF-8"),
            &format!("refs/heads/{branch}"),
        ],
    );
    listed.split_whitespace().next().map(str::to_owned)
}

fn local_branch(fleet: &Fleet, name: &str, branch: &str) -> bool {
    fleet
        .git_output(
            &fleet.path(name),
            &[
                "rev-parse",
                "-q",
                "--verify",
                &format!("refs/heads/{branch}"),
            ],
        )
        .status
        .success()
}

/// The processes working in the fleet's folders (their current folder is in it).
fn strays(base: &Path) -> Vec<String> {
    fs::read_dir("/proc")
        .expect("read /proc")
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter(|entry| {
            fs::read_link(entry.path().join("cwd")).is_ok_and(|cwd| cwd.starts_with(base))
        })
        .filter_map(|entry| fs::read_to_string(entry.path().join("cmdline")).ok())
        .map(|cmdline| cmdline.replace('\0', " "))
        .collect()
}

/// The process groups of `pid`'s children.
fn child_groups(pid: u32) -> Vec<String> {
    let mut groups = Vec::new();
    for entry in fs::read_dir("/proc")
        .expect("read /proc")
        .filter_map(Result::ok)
    {
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "PID (COMM) STATE PPID PGRP ..." — COMM may hold spaces, so read after its ")".
        let Some((_, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(1) == Some(&pid.to_string().as_str()) {
            groups.extend(fields.get(2).map(|group| (*group).to_owned()));
        }
    }
    groups
}

fn kill_9(child: &mut Child) {
    child.kill().expect("kill -9 git-batch");
    let _ = child.wait();
}

fn index_bytes(fleet: &Fleet) -> Vec<u8> {
    fs::read(fleet.path("app").join(".git/index")).expect("read the index")
}

/// `kill -9` once the push is on its way, `undo` at once; once the remote's hook would have
/// finished: nothing of the run anywhere, the user's work as it was.
fn killed_mid_push_then_undone_at_once(kind: &str) {
    let fleet = Fleet::new();
    let args = prepared(&fleet, kind);
    let state = UserState::of(&fleet, "app");
    let index = index_bytes(&fleet);
    let marks = slow_remote(&fleet, "app");
    let mut run = start(&fleet, &args);
    wait_for(&marks.join("started"));
    kill_9(&mut run);
    let killed = Instant::now();

    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "changed", "{undone:#}");
    // Whatever was still on its way would have landed by now.
    std::thread::sleep(Duration::from_secs(HOOK_SECS + 1).saturating_sub(killed.elapsed()));
    assert_eq!(on_remote(&fleet, "app", "relicense"), None, "{undone:#}");
    assert!(!local_branch(&fleet, "app", "relicense"), "{undone:#}");
    assert_eq!(UserState::of(&fleet, "app"), state, "{undone:#}");
    if kind == "license-update" {
        assert_eq!(index_bytes(&fleet), index, "the index, byte for byte");
    }
}

#[test]
fn a_license_update_killed_mid_push_is_undone_at_once_remote_included() {
    killed_mid_push_then_undone_at_once("license-update");
}

#[test]
fn a_sync_branch_killed_mid_push_is_undone_at_once_remote_included() {
    killed_mid_push_then_undone_at_once("sync");
}

#[test]
fn the_git_a_killed_run_started_stops_with_it() {
    let fleet = Fleet::new();
    let args = prepared(&fleet, "license-update");
    let marks = slow_remote(&fleet, "app");
    let mut run = start(&fleet, &args);
    wait_for(&marks.join("started"));
    kill_9(&mut run);
    let killed = Instant::now();
    // The push, the remote's receive-pack and its hook: gone well before the hook would end.
    loop {
        let left = strays(&fleet.base);
        if left.is_empty() {
            break;
        }
        assert!(
            killed.elapsed() < Duration::from_millis(2500),
            "still running after git-batch was killed: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_secs(HOOK_SECS + 1).saturating_sub(killed.elapsed()));
    assert!(
        !marks.join("done").exists(),
        "the remote's hook ran to its end"
    );
    assert_eq!(on_remote(&fleet, "app", "relicense"), None);
}

/// A remote out of the kill's reach (a server: here its receive-pack leaves the push's
/// process group) gets the whole push, and the push dies before it hears back: the
/// remote-tracking ref never moves. `undo` asks the remote and takes the branch off it.
#[test]
fn undo_asks_the_remote_whether_a_killed_push_got_there() {
    let fleet = Fleet::new();
    let args = prepared(&fleet, "license-update");
    let state = UserState::of(&fleet, "app");
    let marks = slow_remote(&fleet, "app");
    fleet.git(
        &fleet.path("app"),
        &[
            "config",
            "remote.origin.receivepack",
            "setsid git-receive-pack",
        ],
    );
    let mut run = start(&fleet, &args);
    wait_for(&marks.join("started"));
    let groups = child_groups(run.id());
    kill_9(&mut run);
    for group in groups {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .status();
    }
    wait_for(&marks.join("done"));
    let start = Instant::now();
    let landed = loop {
        if let Some(tip) = on_remote(&fleet, "app", "relicense") {
            break tip;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the push never landed"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let tracking = fleet.git_output(
        &fleet.path("app"),
        &[
            "rev-parse",
            "-q",
            "--verify",
            "refs/remotes/origin/relicense",
        ],
    );
    assert!(
        !tracking.status.success(),
        "the killed push never heard back"
    );

    let would = fleet.json_exit(&["-n", "undo"], 0);
    let said = repo(&would, "app")["message"].as_str().expect("a message");
    assert!(
        said.contains("would delete relicense on origin"),
        "{would:#}"
    );
    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "changed", "{undone:#}");
    let said = repo(&undone, "app")["message"].as_str().expect("a message");
    assert!(said.contains("deleted relicense on origin"), "{said}");
    assert_eq!(on_remote(&fleet, "app", "relicense"), None, "was {landed}");
    assert!(!local_branch(&fleet, "app", "relicense"));
    assert_eq!(UserState::of(&fleet, "app"), state);
}

/// `runs` after a `kill -9`: the repository the run was still working on did not fail, it is
/// unfinished — its own count, in the JSON document and in the listing.
#[test]
fn runs_counts_a_repository_a_killed_run_was_working_on_as_unfinished() {
    let fleet = Fleet::new();
    let args = prepared(&fleet, "license-update");
    let marks = slow_remote(&fleet, "app");
    let mut run = start(&fleet, &args);
    wait_for(&marks.join("started"));
    kill_9(&mut run);

    let listed = fleet.json_exit(&["runs"], 0);
    let killed = &listed["runs"][0];
    assert_eq!(killed["finished"], serde_json::Value::Null, "{listed:#}");
    assert_eq!(killed["unfinished"], 1, "{listed:#}");
    assert_eq!(killed["failed"], 0, "{listed:#}");
    assert_eq!(killed["total"], 1, "{listed:#}");
    let human = fleet
        .batch_in(&fleet.root)
        .args(["--color", "never", "runs"])
        .output()
        .expect("run git-batch runs");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("0 changed, 0 skipped, 0 failed, 1 unfinished, 1 total (did not finish)"),
        "{text}"
    );
}

/// Rewrites `name`'s entry in the last run's record as a `kill -9` between the change request's
/// opening and the record of it leaves it: started, nothing of the commit, push or change
/// request recorded.
fn killed_before_the_record(fleet: &Fleet, name: &str) {
    fleet.cut_short_record(None, name, "failed", |entry| {
        entry.insert("commit".into(), serde_json::Value::Null);
        entry.insert("pushed".into(), false.into());
        entry["change_branch"]["commit"] = serde_json::Value::Null;
        entry["change_branch"]["pushed"] = false.into();
        entry.remove("pr");
    });
}

#[test]
fn undo_closes_the_change_request_a_killed_run_opened_without_recording_it() {
    use crate::branch_pr::{configure, replace_with_pr};
    use crate::forge::{Flavour, ForgeFleet, TOKEN};
    let forge_fleet = ForgeFleet::new(Flavour::GitHub);
    configure(&forge_fleet, Flavour::GitHub);
    let (output, document) = replace_with_pr(&forge_fleet);
    assert_eq!(output.status.code(), Some(0), "{document:#}");
    let fleet = &forge_fleet.fleet;
    killed_before_the_record(fleet, "alpha");

    let output = fleet
        .cmd()
        .env("GIT_BATCH_TOKEN", TOKEN)
        .args(["--format", "json", "undo"])
        .output()
        .expect("run git-batch");
    let undone: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(outcome(&undone, "alpha"), "changed", "{undone:#}");
    let said = repo(&undone, "alpha")["message"]
        .as_str()
        .expect("a message");
    assert!(said.contains("closed"), "{said}");
    assert!(said.contains("deleted ci on origin"), "{said}");
    let pulls = forge_fleet.server.pulls();
    assert!(pulls[0].closed, "closed on the forge: {pulls:?}");
    let alpha = fleet.path("alpha");
    let remote = fleet.git(&alpha, &["ls-remote", "origin", "refs/heads/ci"]);
    assert!(remote.is_empty(), "{remote}");
    assert!(!local_branch(fleet, "alpha", "ci"));
}

/// An `index.lock` left behind (a git killed with the run): undo of `sync --branch` changes
/// nothing, the remote included, and says why; once the lock is gone it takes everything back.
#[test]
fn undo_of_sync_branch_waits_for_a_left_index_lock_before_touching_anything() {
    let fleet = Fleet::new();
    let args = prepared(&fleet, "sync");
    let state = UserState::of(&fleet, "app");
    let run = fleet.json_exit(&args, 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run:#}");
    let pushed = on_remote(&fleet, "app", "relicense").expect("pushed");
    let lock = fleet.path("app").join(".git/index.lock");
    fs::write(&lock, "").expect("leave index.lock");

    let refused = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&refused, "app"), "skipped", "{refused:#}");
    let said = repo(&refused, "app")["message"]
        .as_str()
        .expect("a message");
    assert!(said.contains("index.lock"), "{said}");
    assert_eq!(on_remote(&fleet, "app", "relicense"), Some(pushed));
    assert!(local_branch(&fleet, "app", "relicense"));
    let head = fleet.git(&fleet.path("app"), &["symbolic-ref", "--short", "HEAD"]);
    assert_eq!(head.trim(), "relicense");

    fs::remove_file(&lock).expect("remove index.lock");
    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "changed", "{undone:#}");
    assert_eq!(on_remote(&fleet, "app", "relicense"), None);
    assert!(!local_branch(&fleet, "app", "relicense"));
    assert_eq!(UserState::of(&fleet, "app"), state);
}

/// A commit of the user's on the run's branch between the kill and the undo: the run's commit is
/// no longer the branch's tip, and undo says so instead of "the run made no commit here".
#[test]
fn undo_of_a_killed_branch_run_the_user_committed_on_since_is_left_to_do_by_hand() {
    let fleet = Fleet::new();
    let args = prepared(&fleet, "license-update");
    let run = fleet.json_exit(&args, 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run:#}");
    killed_before_the_record(&fleet, "app");
    let dir = fleet.path("app");
    fleet.git(&dir, &["stash", "-q", "-u"]);
    fleet.git(&dir, &["switch", "-q", "relicense"]);
    fleet.commit_file("app", "mine.txt", "my work\n", "my work");
    let mine = fleet.head("app");
    fleet.git(&dir, &["switch", "-q", "main"]);
    fleet.git(&dir, &["stash", "pop", "-q"]);
    let pushed = on_remote(&fleet, "app", "relicense");

    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "skipped", "{undone:#}");
    let said = repo(&undone, "app")["message"].as_str().expect("a message");
    assert!(said.contains("relicense moved since the run"), "{said}");
    let tip = fleet.git(&dir, &["rev-parse", "refs/heads/relicense"]);
    assert_eq!(tip.trim(), mine, "the user's commit stays");
    assert_eq!(on_remote(&fleet, "app", "relicense"), pushed);
}

/// `sync --branch` killed after `git switch -c NAME` and `git add -A`, before its commit: undo
/// puts the checkout back on the old branch with the staging area as it was, and NAME goes.
#[test]
fn a_sync_branch_killed_before_its_commit_is_put_back() {
    let fleet = Fleet::new();
    let args = prepared(&fleet, "sync");
    let state = UserState::of(&fleet, "app");
    let run = fleet.json_exit(&args, 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run:#}");
    // As the kill leaves it: on NAME at the old HEAD, everything staged, nothing pushed.
    let dir = fleet.path("app");
    fleet.git(&dir, &["reset", "-q", "--soft", "HEAD^"]);
    // NAME's reflog as `git switch -c` alone leaves it.
    let before = fleet.head("app");
    fleet.git(&dir, &["update-ref", "-d", "refs/heads/relicense"]);
    fleet.git(
        &dir,
        &[
            "update-ref",
            "-m",
            "branch: Created from HEAD",
            "refs/heads/relicense",
            &before,
        ],
    );
    let remote = fleet.remote_path("app");
    fleet.git(&remote, &["update-ref", "-d", "refs/heads/relicense"]);
    fleet.git(&dir, &["update-ref", "-d", "refs/remotes/origin/relicense"]);
    killed_before_the_record(&fleet, "app");

    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "changed", "{undone:#}");
    assert!(!local_branch(&fleet, "app", "relicense"));
    assert_eq!(UserState::of(&fleet, "app"), state);
}

/// A plain `sync` whose push reached a remote out of the kill's reach, the push itself killed
/// before it heard back: undo does not take the commit back as if it were local only (the
/// remote has it); it says `undo --push`, which reverts it there.
#[test]
fn undo_of_a_sync_whose_killed_push_reached_the_remote_says_undo_push() {
    let fleet = Fleet::new();
    fleet.add_repo("app");
    fleet.make_dirty("app");
    let marks = slow_remote(&fleet, "app");
    fleet.git(
        &fleet.path("app"),
        &[
            "config",
            "remote.origin.receivepack",
            "setsid git-receive-pack",
        ],
    );
    let mut run = start(&fleet, &["sync", "-m", "feat: x"]);
    wait_for(&marks.join("started"));
    let groups = child_groups(run.id());
    kill_9(&mut run);
    for group in groups {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .status();
    }
    wait_for(&marks.join("done"));
    let head = fleet.head("app");
    let start = Instant::now();
    while on_remote(&fleet, "app", "main").as_deref() != Some(head.as_str()) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the push never landed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "skipped", "{undone:#}");
    let said = repo(&undone, "app")["message"].as_str().expect("a message");
    assert!(said.contains("undo --push"), "{said}");
    assert_eq!(fleet.head("app"), head, "nothing taken back here");

    let reverted = fleet.json_exit(&["undo", "--push"], 0);
    assert_eq!(outcome(&reverted, "app"), "changed", "{reverted:#}");
    assert_ne!(on_remote(&fleet, "app", "main"), Some(head));
}

/// A killed `--branch` run whose remote cannot be asked: nothing changes, here or there, until
/// it answers; then undo takes everything back.
#[test]
fn undo_of_a_killed_branch_run_waits_for_its_remote_to_answer() {
    let fleet = Fleet::new();
    let args = prepared(&fleet, "license-update");
    let state = UserState::of(&fleet, "app");
    let run = fleet.json_exit(&args, 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run:#}");
    killed_before_the_record(&fleet, "app");
    let remote = fleet.remote_path("app");
    let away = remote.with_extension("away");
    fs::rename(&remote, &away).expect("take the remote away");

    let waiting = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&waiting, "app"), "skipped", "{waiting:#}");
    let said = repo(&waiting, "app")["message"]
        .as_str()
        .expect("a message");
    assert!(
        said.contains("cannot say whether its push got there"),
        "{said}"
    );
    assert!(
        local_branch(&fleet, "app", "relicense"),
        "kept until the remote answers"
    );

    fs::rename(&away, &remote).expect("bring the remote back");
    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "changed", "{undone:#}");
    assert_eq!(on_remote(&fleet, "app", "relicense"), None);
    assert!(!local_branch(&fleet, "app", "relicense"));
    assert_eq!(UserState::of(&fleet, "app"), state);
}
