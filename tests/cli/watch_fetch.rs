//! `watch --fetch-every`: the remotes are fetched on the period, so behind counts come true
//! without a hand-run fetch; a host that refuses is said once, not per repository or period.

use std::time::{Duration, Instant};

use crate::fixture::Fleet;
use crate::watch::Watching;

#[test]
fn fetching_on_a_period_shows_what_the_remote_gained_and_a_refusing_host_once() {
    let fleet = Fleet::new();
    for name in ["fetched", "lost-1", "lost-2"] {
        fleet.add_repo(name);
    }
    // Two repositories whose remote's host has no address: the probe asks it once.
    for name in ["lost-1", "lost-2"] {
        let url = format!("https://git.invalid/{name}.git");
        fleet.git(&fleet.path(name), &["remote", "set-url", "origin", &url]);
    }
    let mut watching = Watching::start(&fleet, &["--fetch-every", "1s"], &[]);
    watching.first_lines(&["fetched", "lost-1", "lost-2"]);
    fleet.advance_remote("fetched", "remote.txt", "from elsewhere\n");
    // Seen without any fetch by hand; then two more periods go by.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut behind = false;
    while !behind {
        let line = watching
            .next(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|| panic!("the fetch was never seen: {:?}", watching.seen));
        behind = line["name"] == "fetched" && line["behind"] == 1;
    }
    let fetches = |watching: &Watching| {
        watching
            .seen
            .iter()
            .filter(|line| line["event"] == "fetched")
            .count()
    };
    let first = fetches(&watching);
    let deadline = Instant::now() + Duration::from_secs(20);
    while fetches(&watching) < first + 2 && Instant::now() < deadline {
        watching.next(Duration::from_millis(500));
    }
    assert!(fetches(&watching) >= first + 2, "{:?}", watching.seen);
    let notes: Vec<_> = watching
        .seen
        .iter()
        .filter(|line| line["event"] == "note")
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = notes[0]["message"].as_str().expect("a message");
    assert!(note.contains("git.invalid"), "{note}");
    let fetched = watching
        .seen
        .iter()
        .find(|line| line["event"] == "fetched")
        .expect("a fetched line");
    assert!(
        fetched["at"].as_str().is_some_and(|at| at.ends_with('Z')),
        "{fetched}"
    );
    // The repositories behind the refusing host changed in nothing.
    for line in &watching.seen {
        if line["event"] == "status" && line["name"] != "fetched" {
            assert_eq!(line["behind"], 0, "{line}");
        }
    }
    assert_eq!(watching.stop("TERM"), Some(0));
}
