//! Narrowing the repositories a run works on by what they are and where they fall: `--where`
//! keeps repositories by state and refuses paths that leave the repository, and `--shard` cuts
//! the fleet into slices that cover it exactly once and stay put.

use std::collections::BTreeSet;

use crate::fixture::{Fleet, strings};
use crate::targets::named_fleet;

/// One repository per state that `--where` can ask about.
fn state_fleet() -> Fleet {
    let fleet = Fleet::new();
    for name in [
        "clean",
        "dirty",
        "staged",
        "untracked",
        "ahead",
        "behind",
        "detached",
    ] {
        fleet.add_repo(name);
    }
    fleet.make_dirty("dirty");
    fleet.stage("staged");
    fleet.add_untracked("untracked");
    fleet.make_ahead("ahead", 1);
    fleet.commit_file("ahead", "docs/guide.md", "guide\n", "add a guide");
    fleet.make_behind("behind", 2);
    fleet.detach("detached");
    fleet.add_repo_without_remote("local");
    fleet.add_repo("feature");
    fleet.git(&fleet.path("feature"), &["checkout", "-q", "-b", "feature"]);
    fleet
}

#[test]
fn where_keeps_repositories_by_state() {
    let fleet = state_fleet();
    let cases: &[(&[&str], &[&str])] = &[
        (&["-w", "dirty"], &["dirty", "staged", "untracked"]),
        (
            &["-w", "clean"],
            &["ahead", "behind", "clean", "detached", "feature", "local"],
        ),
        (&["-w", "ahead"], &["ahead"]),
        (&["-w", "behind"], &["behind"]),
        (&["-w", "detached"], &["detached"]),
        (&["-w", "no-upstream"], &["feature", "local"]),
        (&["-w", "branch=feature"], &["feature"]),
        (
            &["--where", "branch=main"],
            &[
                "ahead",
                "behind",
                "clean",
                "dirty",
                "local",
                "staged",
                "untracked",
            ],
        ),
        (&["-w", "has=docs/guide.md"], &["ahead"]),
        (&["-w", "has=./docs/guide.md"], &["ahead"]),
        (&["-w", "clean", "-w", "no-upstream"], &["feature", "local"]),
        (&["-w", "dirty", "-w", "has=staged.txt"], &["staged"]),
        (&["-w", "ahead", "-w", "behind"], &[]),
    ];
    for (args, expected) in cases {
        assert_eq!(fleet.list(args), strings(expected), "{args:?}");
    }
    // A file that exists but is not tracked does not count for `has=`.
    assert_eq!(fleet.list(&["-w", "has=untracked.txt"]), strings(&[]));
}

#[test]
fn where_refuses_paths_that_leave_the_repository() {
    let fleet = named_fleet();
    for state in ["has=../alpha/README.md", "has=/etc/passwd", "sparkly"] {
        let output = fleet
            .cmd()
            .args(["-w", state, "list"])
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(2), "-w {state}");
    }
}

/// The documented shard hash, FNV-1a 64: a repository is in slice `hash(name) % N + 1`.
fn fnv1a_64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn shards(fleet: &Fleet, count: u64) -> Vec<Vec<String>> {
    (1..=count)
        .map(|index| fleet.list(&["--shard", &format!("{index}/{count}")]))
        .collect()
}

#[test]
fn shards_cover_the_fleet_exactly_once_and_stay_put() {
    let fleet = Fleet::new();
    let mut all: Vec<String> = (1..=12).map(|i| format!("repo-{i:02}")).collect();
    all.extend(["gamma ray".to_owned(), "délta".to_owned()]);
    for name in &all {
        fleet.add_repo_without_remote(name);
    }
    all.sort();
    let mut before = Vec::new();
    for count in 1..=5 {
        let slices = shards(&fleet, count);
        let mut seen = BTreeSet::new();
        for (index, slice) in (1..).zip(&slices) {
            for name in slice {
                assert!(
                    seen.insert(name.clone()),
                    "{name} is in two of {count} shards"
                );
                assert_eq!(
                    fnv1a_64(name.as_bytes()) % count + 1,
                    index,
                    "{name} is not in the documented shard of {count}"
                );
            }
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), all, "{count} shards");
        before.push(slices);
    }
    // Adding a repository moves no other between shards.
    fleet.add_repo_without_remote("newcomer");
    for (count, old) in (1..=5).zip(&before) {
        let new = shards(&fleet, count);
        for (old, mut new) in old.iter().zip(new) {
            new.retain(|name| name != "newcomer");
            assert_eq!(&new, old, "{count} shards after adding a repository");
        }
    }
}
