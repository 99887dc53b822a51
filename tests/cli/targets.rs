//! Which repositories a run works on: discovery (`--depth`, worktrees, symbolic links, paths
//! that are not UTF-8), every target spec form of the contract, `--exclude`, config defaults, and
//! the usage errors (exit 2, naming the culprit) when a target matches nothing. `--where` and
//! `--shard` are in `targets_filters`.

use std::fs;

use crate::fixture::{Fleet, names, strings};

/// Repositories at depth 2 (found by default) and at depth 3 (`api-x/web`, `team/*`), with a
/// space and a non-ASCII letter among the names. No remotes: discovery does not need them.
pub fn named_fleet() -> Fleet {
    let fleet = Fleet::new();
    for name in [
        "alpha",
        "beta",
        "api-users",
        "gamma ray",
        "délta",
        "team/web",
        "team/api-orders",
        "api-x/web",
    ] {
        fleet.add_repo_without_remote(name);
    }
    fleet
}

const DEPTH_2: &[&str] = &["alpha", "api-users", "beta", "délta", "gamma ray"];

/// Runs `git-batch ARGS list` from the root, expecting exit 2; returns stderr.
fn usage_error(fleet: &Fleet, args: &[&str]) -> String {
    let output = fleet.cmd().args(args).arg("list").output().expect("run");
    assert_eq!(
        output.status.code(),
        Some(2),
        "{args:?} should be a usage error; stdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(output.stdout.is_empty(), "a usage error prints no result");
    String::from_utf8(output.stderr).expect("UTF-8 stderr")
}

#[test]
fn all_repos_is_the_default_and_lists_every_repository_in_name_order() {
    let fleet = named_fleet();
    assert_eq!(fleet.list::<&str>(&[]), strings(DEPTH_2));
    assert_eq!(fleet.list(&["-t", "@all-repos"]), strings(DEPTH_2));
    let document = fleet.json(&["list"]);
    assert_eq!(names(&document), strings(DEPTH_2));
    assert_eq!(
        document["repos"][4]["path"],
        fleet.path("gamma ray").to_str().expect("UTF-8 path")
    );
}

#[test]
fn a_glob_without_a_slash_matches_the_last_component() {
    let fleet = named_fleet();
    assert_eq!(
        fleet.list(&["--depth", "3", "-t", "@api-*"]),
        strings(&["api-users", "team/api-orders"])
    );
    assert_eq!(
        fleet.list(&["-t", "@*a"]),
        strings(&["alpha", "beta", "délta"])
    );
}

#[test]
fn a_glob_with_a_slash_matches_the_whole_name() {
    let fleet = named_fleet();
    assert_eq!(
        fleet.list(&["--depth", "3", "-t", "@team/*"]),
        strings(&["team/api-orders", "team/web"])
    );
    assert_eq!(
        fleet.list(&["--depth", "3", "-t", "@*/web"]),
        strings(&["api-x/web", "team/web"])
    );
}

#[test]
fn a_comma_list_names_repositories_with_spaces_and_accents() {
    let fleet = named_fleet();
    assert_eq!(
        fleet.list(&["-t", "gamma ray,délta,alpha"]),
        strings(&["alpha", "délta", "gamma ray"])
    );
    assert_eq!(fleet.list(&["-t", "gamma ray"]), strings(&["gamma ray"]));
    assert_eq!(fleet.list(&["-t", "délta"]), strings(&["délta"]));
}

#[test]
fn a_comma_list_takes_paths_to_repositories_beyond_the_depth() {
    let fleet = named_fleet();
    assert_eq!(
        fleet.list(&["-t", "./beta,team/web"]),
        strings(&["beta", "team/web"])
    );
}

#[test]
fn names_are_relative_to_the_root_and_paths_to_the_current_folder() {
    let fleet = named_fleet();
    let base = &fleet.base;
    assert_eq!(
        fleet.list_in(base, &["-C", "root", "-t", "alpha,root/beta"]),
        strings(&["alpha", "beta"])
    );
    // The same repository named three ways is listed once.
    assert_eq!(
        fleet.list(&["-t", "alpha,./alpha,alpha/"]),
        strings(&["alpha"])
    );
    // A repository outside the root is named by its absolute path.
    fleet.git(base, &["init", "-q", "outside"]);
    let outside = base.join("outside");
    assert_eq!(
        fleet.list(&["-t", &format!("alpha,{}", outside.display())]),
        strings(&[outside.to_str().expect("UTF-8"), "alpha"]),
        "sorted by name, and `/` sorts first"
    );
}

#[test]
fn a_list_file_skips_comments_and_blank_lines() {
    let fleet = named_fleet();
    let list = fleet.base.join("targets.txt");
    // Paths in the file are relative to the file's own folder.
    fs::write(
        &list,
        "# the fleet\n\nalpha\n   \n# beta\n  gamma ray  \nroot/team/web\n",
    )
    .expect("write the list");
    assert_eq!(
        fleet.list(&["-t", "../targets.txt"]),
        strings(&["alpha", "gamma ray", "team/web"])
    );
    assert_eq!(
        fleet.list(&["-t", list.to_str().expect("UTF-8")]),
        strings(&["alpha", "gamma ray", "team/web"])
    );
}

#[test]
fn a_folder_is_scanned_instead_of_the_root() {
    let fleet = named_fleet();
    assert_eq!(
        fleet.list(&["-t", "team"]),
        strings(&["team/api-orders", "team/web"])
    );
}

#[test]
fn dot_inside_a_repository_is_that_repository() {
    let fleet = named_fleet();
    let alpha = fleet.path("alpha");
    assert_eq!(fleet.list_in(&alpha, &["-t", "."]), strings(&["."]));
    let output = fleet
        .cmd_in(&alpha)
        .args(["-t", ".", "status", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(names(&document), strings(&["."]));
    assert_eq!(document["repos"][0]["path"], alpha.to_str().expect("UTF-8"));
    // From the parent folder, `-C ..` and `-t .` still mean the repository the hook runs in.
    assert_eq!(
        fleet.list_in(&alpha, &["-C", "..", "-t", "."]),
        strings(&["alpha"])
    );
}

#[test]
fn a_worktree_counts_as_a_repository() {
    let fleet = Fleet::new();
    fleet.add_repo("alpha");
    fleet.add_worktree("alpha", "alpha-wt");
    assert_eq!(fleet.list::<&str>(&[]), strings(&["alpha", "alpha-wt"]));
    let document = fleet.json(&["status"]);
    let worktree = crate::fixture::repo(&document, "alpha-wt");
    assert_eq!(worktree["outcome"], "unchanged", "{worktree}");
    assert_eq!(worktree["branch"], "wt-alpha-wt");
    assert_eq!(worktree["state"], "no-upstream");
}

#[test]
fn symbolic_links_are_not_followed() {
    let fleet = Fleet::new();
    fleet.add_repo_without_remote("alpha");
    // A link to a repository inside the root, and one to a folder of repositories outside it.
    fleet.symlink("alpha-link", &fleet.path("alpha"));
    let elsewhere = fleet.base.join("elsewhere");
    fleet.git(&fleet.base, &["init", "-q", "elsewhere/hidden"]);
    fleet.symlink("elsewhere-link", &elsewhere);
    // A folder whose `.git` is a symbolic link to a real one is not a repository either.
    fs::create_dir(fleet.path("fake")).expect("mkdir");
    std::os::unix::fs::symlink(fleet.path("alpha/.git"), fleet.path("fake/.git"))
        .expect("symlink .git");
    assert_eq!(fleet.list(&["--depth", "4"]), strings(&["alpha"]));
}

/// `find ROOT -maxdepth N -name .git`, as names relative to ROOT: the contract's definition.
fn find_maxdepth(root: &std::path::Path, depth: usize) -> Vec<String> {
    let output = std::process::Command::new("find")
        .arg(root)
        .args(["-maxdepth", &depth.to_string(), "-name", ".git"])
        .output()
        .expect("run find");
    let mut found: Vec<String> = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|line| {
            let dir = line.strip_suffix("/.git").expect("ends in /.git");
            let rel = dir
                .strip_prefix(root.to_str().expect("UTF-8"))
                .expect("under root");
            match rel.trim_start_matches('/') {
                "" => ".".to_owned(),
                rel => rel.to_owned(),
            }
        })
        .collect();
    found.sort();
    found
}

#[test]
fn depth_means_find_maxdepth() {
    let fleet = Fleet::new();
    // The root itself is a repository, with others at every depth below it.
    fleet.add_repo_without_remote(".");
    for name in ["a", "x/b", "x/y/c", "x/y/z/d"] {
        fleet.add_repo_without_remote(name);
    }
    let expected: [&[&str]; 5] = [
        &["."],
        &[".", "a"],
        &[".", "a", "x/b"],
        &[".", "a", "x/b", "x/y/c"],
        &[".", "a", "x/b", "x/y/c", "x/y/z/d"],
    ];
    for (depth, expected) in (1..=5).zip(expected) {
        let listed = fleet.list(&["--depth", &depth.to_string()]);
        assert_eq!(listed, strings(expected), "--depth {depth}");
        assert_eq!(
            listed,
            find_maxdepth(&fleet.root, depth),
            "--depth {depth} vs find"
        );
    }
    assert_eq!(
        fleet.list::<&str>(&[]),
        strings(&[".", "a"]),
        "the default is 2"
    );
}

#[test]
fn exclude_is_repeatable_and_takes_globs() {
    let fleet = named_fleet();
    assert_eq!(
        fleet.list(&["-x", "alpha", "-x", "g*", "--exclude", "d*"]),
        strings(&["api-users", "beta"])
    );
    assert_eq!(
        fleet.list(&["--depth", "3", "-t", "@*web", "-x", "team/*"]),
        strings(&["api-x/web"])
    );
}

#[test]
fn a_group_wins_over_a_glob_of_the_same_spelling() {
    let fleet = named_fleet();
    fs::write(
        fleet.root.join(".git-batch.toml"),
        "[groups]\n\"api-*\" = [\"beta\"]\nweb = [\"alpha\", \"gamma*\"]\n\
         stale = [\"alpha\", \"retired-repo\"]\n",
    )
    .expect("write the config");
    assert_eq!(fleet.list(&["-t", "@api-*"]), strings(&["beta"]));
    assert_eq!(
        fleet.list(&["-t", "@web"]),
        strings(&["alpha", "gamma ray"])
    );
    // Without a group of that name, `@…` is still a glob.
    assert_eq!(fleet.list(&["-t", "@be*"]), strings(&["beta"]));
    // A group member that matches nothing is an error naming it, like any target.
    let stderr = usage_error(&fleet, &["-t", "@stale"]);
    assert!(stderr.contains("retired-repo"), "{stderr}");
}

#[test]
fn an_unknown_key_in_the_config_is_a_usage_error_naming_it() {
    let fleet = named_fleet();
    fs::write(
        fleet.root.join(".git-batch.toml"),
        "[grups]\nweb = [\"alpha\"]\n",
    )
    .expect("write the config");
    let stderr = usage_error(&fleet, &[]);
    assert!(stderr.contains("grups"), "{stderr}");
}

#[test]
fn a_target_that_matches_nothing_is_a_usage_error_naming_it() {
    let fleet = named_fleet();
    fs::create_dir(fleet.root.join("empty-folder")).expect("mkdir");
    fs::write(fleet.base.join("list.txt"), "alpha\nno-such-repo\n").expect("write");
    for (spec, culprit) in [
        ("nope", "nope"),
        ("alpha,nope", "nope"),
        ("@nope-*", "nope-*"),
        ("./no/such/folder", "no/such/folder"),
        ("empty-folder", "empty-folder"),
        ("../list.txt", "no-such-repo"),
    ] {
        let stderr = usage_error(&fleet, &["-t", spec]);
        assert!(stderr.contains(culprit), "-t {spec}: {stderr}");
    }
    let stderr = usage_error(&fleet, &["-C", "no-such-root"]);
    assert!(stderr.contains("no-such-root"), "{stderr}");
}

#[test]
fn failed_needs_the_journal_and_is_a_usage_error_for_now() {
    let fleet = named_fleet();
    let stderr = usage_error(&fleet, &["-t", "@failed"]);
    assert!(stderr.contains("@failed"), "{stderr}");
}

#[test]
fn a_root_without_repositories_is_a_usage_error_that_says_where_it_looked() {
    let fleet = Fleet::new();
    fs::create_dir(fleet.root.join("not-a-repo")).expect("mkdir");
    let stderr = usage_error(&fleet, &[]);
    assert!(stderr.contains("no repository under"), "{stderr}");
    assert!(stderr.contains("--depth 2"), "{stderr}");
    assert!(stderr.contains("-C DIR"), "{stderr}");
    // A shard or an exclusion that leaves nothing is not an error: the fleet exists.
    fleet.add_repo_without_remote("only");
    let document = fleet.json(&["-x", "only", "list"]);
    assert_eq!(document["summary"]["total"], 0);
}

#[test]
fn config_defaults_apply_unless_the_command_line_says_otherwise() {
    let fleet = named_fleet();
    fs::write(
        fleet.root.join(".git-batch.toml"),
        "[defaults]\nexclude = [\"g*\", \"api-*\"]\nparallel = 3\ntimeout = 7\n",
    )
    .expect("write the config");
    assert_eq!(
        fleet.list::<&str>(&[]),
        strings(&["alpha", "beta", "délta"])
    );
    // A flag on the command line replaces the default outright.
    assert_eq!(
        fleet.list(&["-x", "alpha"]),
        strings(&["api-users", "beta", "délta", "gamma ray"])
    );
    let header = |args: &[&str]| {
        let output = fleet.cmd().args(args).arg("status").output().expect("run");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(header(&[]).contains("3 repositories"), "{}", header(&[]));
    assert!(header(&["-x", "zzz", "-j", "1"]).contains("5 repositories"));
    assert!(header(&["-x", "zzz", "-j", "1"]).contains(", 1 worker"));
    assert!(header(&["-x", "zzz"]).contains(", 3 workers"));

    for (text, culprit) in [
        ("[defaults]\nparalel = 4\n", "paralel"),
        ("[defaults]\nparallel = 0\n", "defaults.parallel"),
        ("[defaults]\ntimeout = \"soon\"\n", "invalid type"),
        ("[policy]\nforbid = [\"MIT\"]\n", "policy.license"),
    ] {
        fs::write(fleet.root.join(".git-batch.toml"), text).expect("write the config");
        let stderr = usage_error(&fleet, &[]);
        assert!(
            stderr.contains(culprit) && stderr.contains(".git-batch.toml"),
            "{text}: {stderr}"
        );
    }
}

#[test]
fn an_empty_target_spec_is_a_usage_error_not_the_whole_root() {
    // `git batch -t "$UNSET" sync` must not act on every repository.
    let fleet = named_fleet();
    for spec in ["", " ", ",", " , ,"] {
        let stderr = usage_error(&fleet, &["-t", spec]);
        assert!(
            stderr.contains("names no repository"),
            "-t {spec:?}: {stderr}"
        );
    }
    let output = fleet
        .cmd()
        .args(["-t", "", "sync", "-n"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[test]
fn a_timeout_beyond_a_week_is_a_usage_error_not_a_panic() {
    let fleet = named_fleet();
    for value in ["18446744073709551615", "604801"] {
        let stderr = usage_error(&fleet, &["--timeout", value]);
        assert!(stderr.contains("604800"), "--timeout {value}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // The bound itself is accepted, and so is a `[defaults]` timeout under it; one over it is a
    // configuration error.
    assert_eq!(fleet.list(&["--timeout", "604800"]), strings(DEPTH_2));
    let output = fleet
        .cmd()
        .args(["-t", "alpha", "--timeout", "604800", "exec", "--", "true"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    fs::write(
        fleet.root.join(".git-batch.toml"),
        "[defaults]\ntimeout = 9999999\n",
    )
    .expect("write the config");
    let stderr = usage_error(&fleet, &[]);
    assert!(stderr.contains("defaults.timeout"), "{stderr}");
    let help = fleet.cmd().args(["help", "status"]).output().expect("run");
    assert!(String::from_utf8_lossy(&help.stdout).contains("604800"));
}

/// A repository at `ROOT/caf\xe9` (Latin-1, not UTF-8) cloned from its own bare remote, with a
/// pushed commit and an unstaged change; returns its path.
fn add_latin1_repo(fleet: &Fleet) -> std::path::PathBuf {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let name = OsStr::from_bytes(b"caf\xe9");
    let remote = fleet.remotes.join("latin1.git");
    let path = fleet.root.join(name);
    fleet.git(
        &fleet.base,
        &[
            OsStr::new("init"),
            OsStr::new("-q"),
            OsStr::new("--bare"),
            remote.as_os_str(),
        ],
    );
    fleet.git(
        &fleet.base,
        &[
            OsStr::new("clone"),
            OsStr::new("-q"),
            remote.as_os_str(),
            path.as_os_str(),
        ],
    );
    fs::write(path.join("README.md"), "# café\n").expect("write");
    fleet.git(&path, &["add", "README.md"]);
    fleet.git(&path, &["commit", "-q", "-m", "initial commit"]);
    fleet.git(&path, &["push", "-q", "-u", "origin", "main"]);
    fs::write(path.join("README.md"), "# café, changed\n").expect("write");
    path
}

#[test]
fn a_repository_whose_path_is_not_utf8_is_skipped_before_it_is_touched() {
    let fleet = Fleet::new();
    fleet.add_repo("plain");
    fleet.make_dirty("plain");
    let odd = add_latin1_repo(&fleet);
    let head = |dir: &std::path::Path| fleet.git(dir, &["rev-parse", "HEAD"]);
    let (odd_head, odd_remote) = (head(&odd), head(&fleet.remotes.join("latin1.git")));

    let skipped_odd = |document: &serde_json::Value| {
        let repos = document["repos"].as_array().expect("repos");
        let odd = repos
            .iter()
            .find(|repo| repo["name"] == "caf\u{fffd}")
            .unwrap_or_else(|| panic!("the odd repository is reported: {document}"));
        assert_eq!(odd["outcome"], "skipped", "{odd}");
        assert!(
            odd["message"]
                .as_str()
                .is_some_and(|m| m.contains("not UTF-8")),
            "{odd}"
        );
    };
    for args in [&["status"][..], &["list"]] {
        let output = fleet
            .cmd()
            .args(["--format", "json"])
            .args(args)
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        let document: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("a JSON document");
        assert_eq!(document["summary"]["total"], 2, "{document}");
        skipped_odd(&document);
    }

    // Listed for people: only the names a script can use; the odd one is said on stderr.
    let output = fleet.cmd().arg("list").output().expect("run");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "plain\n");
    assert!(String::from_utf8_lossy(&output.stderr).contains("not UTF-8"));

    // sync commits and pushes the other repository, leaves this one alone, and can be undone.
    let output = fleet
        .cmd()
        .args(["--format", "json", "sync"])
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("a JSON document");
    skipped_odd(&document);
    assert_eq!(
        crate::fixture::repo(&document, "plain")["outcome"],
        "changed"
    );
    assert_eq!(head(&odd), odd_head, "nothing committed");
    assert_eq!(
        head(&fleet.remotes.join("latin1.git")),
        odd_remote,
        "nothing pushed"
    );
    assert!(
        !fleet.git(&odd, &["status", "--porcelain"]).is_empty(),
        "the change is kept"
    );
    let undo = fleet.cmd().args(["undo", "--push"]).output().expect("run");
    assert_eq!(
        undo.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&undo.stdout)
    );

    // A check that cannot look at it does not pass.
    let template = fleet.base.join("README.md");
    fs::write(&template, "# anything\n").expect("write");
    let output = fleet
        .cmd()
        .args(["file-replace", "--pattern", "README.md", "--replacement"])
        .arg(&template)
        .arg("--check")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
}
