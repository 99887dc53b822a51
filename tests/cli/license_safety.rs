//! `license-update` and the user's work: what is uncommitted never goes into the commit, undo
//! restores the old license and keeps the user's work, refuses a file edited since the run and
//! takes a pushed relicensing back only by a revert with `undo --push`, pushing is as safe as
//! sync's, and unsafe repositories are skipped while `--check` still reads them.

use crate::fixture::{Fleet, repo};
use crate::license::{MIT_LICENSE, committed_paths, outcome, repo_with, text};
use crate::observe::UserState;

#[test]
fn the_users_work_is_never_mixed_into_the_commit() {
    let fleet = Fleet::new();
    for name in ["edited", "elsewhere", "staged"] {
        repo_with(
            &fleet,
            name,
            &[
                ("a.rs", b"// SPDX-License-Identifier: MIT\n"),
                ("b.txt", b"b\n"),
            ],
        );
    }
    // An unstaged edit to a file the update touches: the repository is skipped.
    fleet.write("edited", "a.rs", "// SPDX-License-Identifier: MIT\nmine\n");
    // Staged work in a file the update touches: skipped too.
    fleet.write(
        "staged",
        "a.rs",
        "// SPDX-License-Identifier: MIT\nstaged\n",
    );
    fleet.git(&fleet.path("staged"), &["add", "a.rs"]);
    // Work elsewhere: the update goes ahead and commits only its own file; the rest stays.
    fleet.write("elsewhere", "b.txt", "b, edited\n");
    fleet.write("elsewhere", "c.txt", "staged\n");
    fleet.git(&fleet.path("elsewhere"), &["add", "c.txt"]);

    let edited = UserState::of(&fleet, "edited");
    let staged = UserState::of(&fleet, "staged");
    let run = fleet.json_exit(
        &[
            "license-update",
            "--old",
            "MIT",
            "--new",
            "ISC",
            "--ids-only",
        ],
        0,
    );
    assert_eq!(outcome(&run, "edited"), "skipped");
    assert_eq!(outcome(&run, "staged"), "skipped");
    assert!(repo(&run, "edited")["message"].to_string().contains("a.rs"));
    assert_eq!(UserState::of(&fleet, "edited"), edited);
    assert_eq!(UserState::of(&fleet, "staged"), staged);

    assert_eq!(outcome(&run, "elsewhere"), "changed");
    assert_eq!(committed_paths(&fleet, "elsewhere"), ["a.rs"]);
    let status = fleet.git(&fleet.path("elsewhere"), &["status", "--porcelain"]);
    assert_eq!(
        status, " M b.txt\nA  c.txt\n",
        "the user's work is as it was"
    );
    assert_eq!(text(&fleet, "elsewhere", "b.txt"), "b, edited\n");
}

#[test]
fn undo_restores_the_old_license_and_keeps_the_users_work() {
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "app",
        &[
            ("LICENSE", MIT_LICENSE.as_bytes()),
            ("a.rs", b"// SPDX-License-Identifier: MIT\n"),
        ],
    );
    repo_with(
        &fleet,
        "loose",
        &[("a.rs", b"// SPDX-License-Identifier: MIT\n")],
    );
    fleet.write("app", "wip.txt", "work in progress\n");
    let app = UserState::of(&fleet, "app");
    let loose = UserState::of(&fleet, "loose");
    let head = fleet.head("app");

    fleet.json_exit(
        &[
            "-t",
            "app",
            "license-update",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
        ],
        0,
    );
    assert_ne!(fleet.head("app"), head);
    let no_commit = fleet.json_exit(
        &[
            "-t",
            "loose",
            "license-update",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
            "--no-commit",
        ],
        0,
    );
    assert_eq!(outcome(&no_commit, "loose"), "changed");
    assert!(
        UserState::of(&fleet, "loose").is_dirty(),
        "--no-commit leaves the change unstaged"
    );

    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "loose"), "changed", "{undone}");
    assert_eq!(UserState::of(&fleet, "loose"), loose);
    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "changed", "{undone}");
    assert_eq!(
        UserState::of(&fleet, "app"),
        app,
        "HEAD, index and every byte as before"
    );
}

#[test]
fn undo_refuses_a_file_edited_since_the_run() {
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "app",
        &[("a.rs", b"// SPDX-License-Identifier: MIT\n")],
    );
    fleet.json_exit(
        &[
            "license-update",
            "--old",
            "MIT",
            "--new",
            "ISC",
            "--no-commit",
        ],
        0,
    );
    fleet.write(
        "app",
        "a.rs",
        "// SPDX-License-Identifier: ISC\nand my edit\n",
    );
    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "skipped");
    assert_eq!(
        text(&fleet, "app", "a.rs"),
        "// SPDX-License-Identifier: ISC\nand my edit\n"
    );
}

#[test]
fn pushing_is_as_safe_as_sync() {
    let fleet = Fleet::new();
    for name in ["fine", "behind"] {
        repo_with(
            &fleet,
            name,
            &[("a.rs", b"// SPDX-License-Identifier: MIT\n")],
        );
    }
    fleet.advance_remote("behind", "other.txt", "someone else\n");
    let behind_remote = fleet.remote_head("behind");
    let run = fleet.json_exit(
        &["license-update", "--old", "MIT", "--new", "ISC", "--push"],
        1,
    );
    assert_eq!(outcome(&run, "fine"), "changed");
    assert_eq!(repo(&run, "fine")["pushed"], true);
    assert_eq!(fleet.remote_head("fine"), fleet.head("fine"));
    assert_eq!(outcome(&run, "behind"), "failed");
    let message = repo(&run, "behind")["message"].as_str().expect("a reason");
    assert!(
        message.contains("rejected") && message.contains("stays local"),
        "{message}"
    );
    assert_eq!(fleet.remote_head("behind"), behind_remote, "never forced");
}

#[test]
fn unsafe_repositories_are_skipped_but_check_still_reads_them() {
    let fleet = Fleet::new();
    for name in ["detached", "locked", "rebasing", "refusing"] {
        repo_with(
            &fleet,
            name,
            &[("a.rs", b"// SPDX-License-Identifier: MIT\n")],
        );
    }
    fleet.detach("detached");
    fleet.lock_index("locked");
    fleet.start_conflicting_rebase("rebasing");
    fleet.hook(
        "refusing",
        "pre-commit",
        "echo 'no relicensing here' >&2; exit 1",
    );
    let states: Vec<UserState> = ["detached", "locked", "rebasing", "refusing"]
        .iter()
        .map(|name| UserState::of(&fleet, name))
        .collect();
    let run = fleet.json_exit(&["license-update", "--old", "MIT", "--new", "ISC"], 1);
    assert_eq!(outcome(&run, "detached"), "skipped");
    assert_eq!(outcome(&run, "locked"), "skipped");
    assert_eq!(outcome(&run, "rebasing"), "skipped");
    assert_eq!(outcome(&run, "refusing"), "failed");
    let message = repo(&run, "refusing")["message"]
        .as_str()
        .expect("a reason");
    assert!(
        message.contains("no relicensing here") && message.contains("as they were"),
        "{message}"
    );
    for (name, before) in ["detached", "locked", "rebasing", "refusing"]
        .iter()
        .zip(states)
    {
        assert_eq!(UserState::of(&fleet, name), before, "{name} is untouched");
    }
    // --check reads even a detached HEAD (as CI checks out) and a locked index (as in a hook).
    let check = fleet.json_exit(
        &["license-update", "--old", "MIT", "--new", "ISC", "--check"],
        1,
    );
    assert_eq!(outcome(&check, "detached"), "changed");
    assert_eq!(outcome(&check, "locked"), "changed");
}

#[test]
fn a_pushed_relicensing_is_undone_only_by_a_revert_with_undo_push() {
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "app",
        &[
            ("LICENSE", MIT_LICENSE.as_bytes()),
            ("a.rs", b"// SPDX-License-Identifier: MIT\n"),
        ],
    );
    fleet.json_exit(
        &[
            "license-update",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
            "--push",
        ],
        0,
    );
    let pushed = fleet.remote_head("app");
    assert_eq!(pushed, fleet.head("app"));

    let refused = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&refused, "app"), "skipped");
    assert!(
        repo(&refused, "app")["message"]
            .to_string()
            .contains("--push")
    );
    assert_eq!(
        fleet.remote_head("app"),
        pushed,
        "nothing undone remotely without --push"
    );

    let undone = fleet.json_exit(&["undo", "--push"], 0);
    assert_eq!(outcome(&undone, "app"), "changed", "{undone}");
    let head = fleet.head("app");
    assert_eq!(fleet.remote_head("app"), head, "the revert is pushed");
    let parent = fleet.git(&fleet.path("app"), &["rev-parse", "HEAD^"]);
    assert_eq!(parent.trim(), pushed, "a new commit on top, never a force");
    assert_eq!(
        text(&fleet, "app", "a.rs"),
        "// SPDX-License-Identifier: MIT\n"
    );
    assert_eq!(text(&fleet, "app", "LICENSE"), MIT_LICENSE);
    assert!(!UserState::of(&fleet, "app").is_dirty());
}
