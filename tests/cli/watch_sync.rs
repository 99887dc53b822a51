//! `watch --sync`: a repository whose working tree went quiet is committed and pushed once, as a
//! journaled `sync` run that `undo` takes back; one mid-rebase, one with an index.lock and one
//! on a detached HEAD are left alone.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixture::Fleet;
use crate::watch::Watching;

/// Reads lines until a note about `name` comes (at most `wait`).
fn note_about(watching: &mut Watching, name: &str, wait: Duration) -> Option<Value> {
    let deadline = Instant::now() + wait;
    loop {
        let line = watching.next(deadline.saturating_duration_since(Instant::now()))?;
        let about = line["message"]
            .as_str()
            .is_some_and(|message| message.starts_with(&format!("{name}: ")));
        if line["event"] == "note" && about {
            return Some(line);
        }
    }
}

/// Leaves `name` mid-rebase: its commit and the remote's change the same line.
fn mid_rebase(fleet: &Fleet, name: &str) {
    let path = fleet.path(name);
    fleet.commit_file(name, "README.md", "ours\n", "our change");
    fleet.advance_remote(name, "README.md", "theirs\n");
    fleet.git(&path, &["fetch", "-q"]);
    let rebase = fleet.git_output(&path, &["rebase", "origin/main"]);
    assert!(!rebase.status.success(), "the rebase stops on the conflict");
}

#[test]
fn a_quiet_change_is_committed_and_pushed_once_and_undo_takes_it_back() {
    let fleet = Fleet::new();
    let names = ["detached", "edited", "locked", "rebasing"];
    for name in names {
        fleet.add_repo(name);
    }
    mid_rebase(&fleet, "rebasing");
    fleet.detach("detached");
    // Another git at work there (or one killed and its lock left).
    std::fs::write(fleet.path("locked").join(".git/index.lock"), "").expect("write a lock");
    let original = fleet.head("edited");
    let left_alone: Vec<(&str, String)> = ["detached", "locked", "rebasing"]
        .into_iter()
        .map(|name| (name, fleet.head(name)))
        .collect();
    let mut watching = Watching::start(&fleet, &["--sync", "--quiet-for", "1"], &[]);
    watching.first_lines(&names);
    // A burst of writes: one sync after the quiet second, not one per write.
    for i in 0..4 {
        fleet.write("edited", "notes.txt", &format!("draft {i}\n"));
        std::thread::sleep(Duration::from_millis(150));
    }
    for (name, _) in &left_alone {
        fleet.write(name, "scratch.txt", "not to be synced\n");
    }
    let note =
        note_about(&mut watching, "edited", Duration::from_secs(15)).expect("a note on the sync");
    let message = note["message"].as_str().expect("a message").to_owned();
    assert!(message.contains("synced"), "{message}");
    let synced = fleet.head("edited");
    assert_ne!(synced, original);
    assert_eq!(fleet.remote_head("edited"), synced, "pushed");
    let count = fleet.git(
        &fleet.path("edited"),
        &["rev-list", "--count", &format!("{original}..HEAD")],
    );
    assert_eq!(count.trim(), "1");
    // Its own writes start no second sync, and the repository mid-rebase is left alone.
    assert!(note_about(&mut watching, "edited", Duration::from_secs(3)).is_none());
    let notes: Vec<&Value> = watching
        .seen
        .iter()
        .filter(|line| line["event"] == "note")
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    for (name, head) in &left_alone {
        assert_eq!(&fleet.head(name), head, "{name} was synced");
    }
    assert!(fleet.path("rebasing").join(".git/rebase-merge").exists());
    assert_eq!(watching.stop("INT"), Some(0));

    // A journaled run: `runs` lists it, `undo --push` takes it back with a revert.
    let run_id = message
        .split("run ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .expect("the run id in the note")
        .to_owned();
    let runs = fleet.json(&["runs"]);
    assert!(runs.to_string().contains(&run_id), "{runs:#}");
    let undo = fleet.json(&["-t", "edited", "undo", "--push", &run_id]);
    assert_eq!(
        crate::fixture::repo(&undo, "edited")["outcome"],
        "changed",
        "{undo:#}"
    );
    let bare = fleet.remote_path("edited");
    let tree = |rev: &str| fleet.git(&bare, &["rev-parse", &format!("{rev}^{{tree}}")]);
    assert_eq!(tree("main"), tree(&original));
}
