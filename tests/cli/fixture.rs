//! The fleet builder: real repositories with real bare remotes in a temporary folder, every git
//! call and every `git-batch` run in one sealed environment (after git-branchless's
//! `testing.rs`), so that no user or system configuration can change what a test sees. The
//! less used builders are in submodules: repositories stopped on a conflict or a lock in
//! `conflicts`, git's own view of a repository's state (`GitStatus`) in `status`.

use std::cell::Cell;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

mod conflicts;
mod status;

pub use status::GitStatus;

/// Seconds since the epoch of the first commit's date: 2026-01-01T00:00:00Z.
const EPOCH: u64 = 1_767_225_600;

/// The binary under test.
pub const GIT_BATCH: &str = env!("CARGO_BIN_EXE_git-batch");

/// `CARGO_HOME` and `RUSTUP_HOME` of the user running the tests (rustup's defaults under the
/// real `$HOME` when unset), for a sealed command that must still find the toolchain and the
/// crate caches: pre-commit and the Action building git-batch.
pub fn real_cargo_env() -> [(&'static str, PathBuf); 2] {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let from = |variable: &str, default: &str| {
        std::env::var_os(variable).map_or_else(|| home.join(default), PathBuf::from)
    };
    [
        ("CARGO_HOME", from("CARGO_HOME", ".cargo")),
        ("RUSTUP_HOME", from("RUSTUP_HOME", ".rustup")),
    ]
}

/// The environment of a `cargo install` of this repository run by a test (pre-commit's rust
/// hooks, the Action's build from source): [`real_cargo_env`], one target folder under
/// target/ shared by all of them (cargo's lock takes them in turn, the second is incremental),
/// and the release profile without optimisation, link-time optimisation or few codegen units.
/// What these tests check is that the build from source happens and its git-batch behaves,
/// which an unoptimised release build (still no debug assertions, no overflow checks) shows
/// as well: the optimised, link-time optimised build of git-batch alone kept the Action's test
/// busy 690 s on the loaded 2-core machine; unoptimised, git-batch and all its dependencies
/// took 188 s of processor time.
pub fn source_build_env() -> Vec<(&'static str, PathBuf)> {
    let mut env = real_cargo_env().to_vec();
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/pre-commit-target");
    env.push(("CARGO_TARGET_DIR", target));
    for (variable, value) in [
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
        ("CARGO_PROFILE_RELEASE_LTO", "off"),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256"),
        ("CARGO_PROFILE_RELEASE_INCREMENTAL", "true"),
    ] {
        env.push((variable, PathBuf::from(value)));
    }
    env
}

/// How long any one `git-batch` run may take before the test fails instead of hanging.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// A temporary folder holding `root/` (the repositories), `remotes/` (their bare remotes),
/// `home/` (the sealed `$HOME`) and `scratch/` (second clones used to push from elsewhere).
#[derive(Debug)]
pub struct Fleet {
    _dir: TempDir,
    /// The canonical temporary folder (no symbolic links: git-batch prints canonical paths).
    pub base: PathBuf,
    pub root: PathBuf,
    pub remotes: PathBuf,
    pub home: PathBuf,
    pub scratch: PathBuf,
    /// Advances once per git call, so that every commit has its own, reproducible date.
    clock: Cell<u64>,
}

impl Fleet {
    /// An empty fleet: the folders and the sealed configuration, no repository yet.
    pub fn new() -> Fleet {
        let dir = tempfile::Builder::new()
            .prefix("git-batch-test-")
            .tempdir()
            .expect("create a temporary folder");
        let base = fs::canonicalize(dir.path()).expect("canonicalize the temporary folder");
        let fleet = Fleet {
            root: base.join("root"),
            remotes: base.join("remotes"),
            home: base.join("home"),
            scratch: base.join("scratch"),
            base,
            _dir: dir,
            clock: Cell::new(0),
        };
        for folder in [&fleet.root, &fleet.remotes, &fleet.scratch] {
            fs::create_dir_all(folder).expect("create a fleet folder");
        }
        fs::create_dir_all(fleet.home.join(".config")).expect("create the sealed home");
        // The only configuration git (and gix) may read: who commits, and the first branch's
        // name. Nothing else, so that tests see git's defaults whatever the machine has.
        fs::write(
            fleet.home.join(".gitconfig"),
            "[user]\n\tname = Fleet Tester\n\temail = tester@example.com\n\
             [init]\n\tdefaultBranch = main\n",
        )
        .expect("write the sealed .gitconfig");
        fleet
    }

    /// Applies the sealed environment to `command`: nothing inherited but `PATH` (and what a
    /// test harness needs to report), git's configuration confined to the temporary home.
    /// Clearing the environment also drops `GIT_DIR`, `GIT_WORK_TREE`, `GIT_INDEX_FILE` and the
    /// rest of what a calling git (a hook running `cargo test`) may have set. Commit dates are
    /// fixed: `date` is the fleet's clock, which advances a minute per git call.
    fn seal(&self, command: &mut Command, date: u64) {
        command.env_clear();
        for keep in ["PATH", "RUST_BACKTRACE", "LLVM_PROFILE_FILE"] {
            if let Some(value) = std::env::var_os(keep) {
                command.env(keep, value);
            }
        }
        let date = format!("@{date} +0000");
        command
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_STATE_HOME", self.home.join(".local/state"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .env("TZ", "UTC")
            .env("LC_ALL", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            // A merge or rebase that wants a message must never open an editor.
            .env("GIT_EDITOR", "true")
            .stdin(Stdio::null());
    }

    fn tick(&self) -> u64 {
        let now = self.clock.get();
        self.clock.set(now + 1);
        EPOCH + now * 60
    }

    /// A `git` command in `dir`, sealed, not yet run.
    pub fn git_command(&self, dir: &Path) -> Command {
        let mut command = Command::new("git");
        let date = self.tick();
        self.seal(&mut command, date);
        command.current_dir(dir);
        command
    }

    /// Runs `git ARGS` in `dir` and returns what it did, success or not.
    pub fn git_output<S: AsRef<OsStr>>(&self, dir: &Path, args: &[S]) -> Output {
        self.git_command(dir)
            .args(args)
            .output()
            .expect("run the git program")
    }

    /// Runs `git ARGS` in `dir`, which must succeed; returns its standard output.
    pub fn git<S: AsRef<OsStr>>(&self, dir: &Path, args: &[S]) -> String {
        let output = self.git_output(dir, args);
        assert!(
            output.status.success(),
            "git {:?} in {} failed: {}",
            args.iter().map(AsRef::as_ref).collect::<Vec<_>>(),
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("git printed UTF-8")
    }

    /// A std `Command` for the binary under test, sealed like git, in `dir`.
    pub fn batch_in(&self, dir: &Path) -> Command {
        let mut command = Command::new(GIT_BATCH);
        self.seal(&mut command, EPOCH);
        command.current_dir(dir);
        command
    }

    /// Any program, sealed like git, in `dir` (for a wrapper such as `script` around git-batch).
    pub fn sealed(&self, program: &str, dir: &Path) -> Command {
        let mut command = Command::new(program);
        self.seal(&mut command, EPOCH);
        command.current_dir(dir);
        command
    }

    /// `git-batch` run from the root, sealed like git, with a deadline so no test can hang.
    pub fn cmd(&self) -> assert_cmd::Command {
        self.cmd_in(&self.root)
    }

    /// `git-batch` run from `dir`.
    pub fn cmd_in(&self, dir: &Path) -> assert_cmd::Command {
        let mut command = assert_cmd::Command::from_std(self.batch_in(dir));
        command.timeout(RUN_LIMIT);
        command
    }

    /// Runs `git-batch ARGS --format json` from the root and returns the document, whatever
    /// the exit code (asserted by the caller through [`Fleet::cmd`] when it matters).
    pub fn json<S: AsRef<OsStr>>(&self, args: &[S]) -> Value {
        let output = self
            .cmd()
            // Before the arguments: after `exec --` it would be part of the command.
            .args(["--format", "json"])
            .args(args)
            .output()
            .expect("run git-batch");
        serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
            panic!(
                "git-batch {:?} printed no JSON ({err}); stdout: {}; stderr: {}",
                args.iter().map(AsRef::as_ref).collect::<Vec<_>>(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        })
    }

    /// The names `git-batch list ARGS` prints, one a line, after checking it succeeded.
    pub fn list<S: AsRef<OsStr>>(&self, args: &[S]) -> Vec<String> {
        self.list_in(&self.root, args)
    }

    /// [`Fleet::list`] run from `dir`.
    pub fn list_in<S: AsRef<OsStr>>(&self, dir: &Path, args: &[S]) -> Vec<String> {
        let output = self
            .cmd_in(dir)
            .args(args)
            .arg("list")
            .output()
            .expect("run git-batch");
        assert!(
            output.status.success(),
            "git-batch {:?} list failed ({:?}): {}",
            args.iter().map(AsRef::as_ref).collect::<Vec<_>>(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .expect("UTF-8 names")
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The working tree of the repository called `name`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The bare remote of the repository called `name`.
    pub fn remote_path(&self, name: &str) -> PathBuf {
        self.remotes
            .join(format!("{}.git", name.replace('/', "__")))
    }

    /// A repository cloned from a new bare remote, with one commit pushed and `main` tracking
    /// `origin/main`.
    pub fn add_repo(&self, name: &str) -> PathBuf {
        let remote = self.remote_path(name);
        self.git(
            &self.base,
            &[
                OsStr::new("init"),
                OsStr::new("-q"),
                OsStr::new("--bare"),
                remote.as_os_str(),
            ],
        );
        let path = self.path(name);
        // Cloning an empty remote leaves an unborn `main` with `origin` already configured.
        self.git(
            &self.base,
            &[
                OsStr::new("clone"),
                OsStr::new("-q"),
                remote.as_os_str(),
                path.as_os_str(),
            ],
        );
        self.commit_file(name, "README.md", &format!("# {name}\n"), "initial commit");
        self.git(&path, &["push", "-q", "-u", "origin", "main"]);
        path
    }

    /// A repository with one commit and no remote at all.
    pub fn add_repo_without_remote(&self, name: &str) -> PathBuf {
        let path = self.add_unborn(name);
        self.commit_file(name, "README.md", &format!("# {name}\n"), "initial commit");
        path
    }

    /// A repository with no commit yet (HEAD names an unborn `main`).
    pub fn add_unborn(&self, name: &str) -> PathBuf {
        let path = self.path(name);
        self.git(
            &self.base,
            &[OsStr::new("init"), OsStr::new("-q"), path.as_os_str()],
        );
        path
    }

    /// Writes `file` (making folders) in the repository `name` and commits it.
    pub fn commit_file(&self, name: &str, file: &str, content: &str, message: &str) {
        let path = self.path(name);
        self.write(name, file, content);
        self.git(&path, &["add", "--", file]);
        self.git(&path, &["commit", "-q", "-m", message]);
    }

    /// Writes `file` (making folders) in the repository `name`, without telling git.
    pub fn write(&self, name: &str, file: &str, content: &str) {
        let target = self.path(name).join(file);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).expect("create folders");
        }
        fs::write(&target, content).expect("write a file");
    }

    /// Modifies the tracked `README.md` without staging it.
    pub fn make_dirty(&self, name: &str) {
        let readme = self.path(name).join("README.md");
        let mut text = fs::read_to_string(&readme).expect("README.md is tracked");
        text.push_str("an unstaged change\n");
        fs::write(readme, text).expect("modify README.md");
    }

    /// Adds a new file `staged.txt` to the index.
    pub fn stage(&self, name: &str) {
        self.write(name, "staged.txt", "staged\n");
        self.git(&self.path(name), &["add", "staged.txt"]);
    }

    /// Writes a file git does not track.
    pub fn add_untracked(&self, name: &str) {
        self.write(name, "untracked.txt", "untracked\n");
    }

    /// Writes an untracked folder of three files (`git status` shows it as one entry).
    pub fn add_untracked_folder(&self, name: &str) {
        for file in ["a.txt", "b.txt", "deeper/c.txt"] {
            self.write(name, &format!("new-folder/{file}"), file);
        }
    }

    /// `n` local commits that the upstream does not have.
    pub fn make_ahead(&self, name: &str, n: usize) {
        for i in 0..n {
            let file = format!("ahead-{i}.txt");
            self.commit_file(name, &file, "ahead\n", &format!("local commit {i}"));
        }
    }

    /// A second clone of `name`'s remote, up to date with it, to push from elsewhere.
    fn other_clone(&self, name: &str) -> PathBuf {
        let other = self
            .scratch
            .join(format!("{}-other", name.replace('/', "__")));
        if !other.exists() {
            let remote = self.remote_path(name);
            self.git(
                &self.base,
                &[
                    OsStr::new("clone"),
                    OsStr::new("-q"),
                    remote.as_os_str(),
                    other.as_os_str(),
                ],
            );
        } else {
            self.git(&other, &["pull", "-q", "--ff-only"]);
        }
        other
    }

    /// Commits `file` with `content` from a second clone and pushes it, without fetching it
    /// here: the remote is ahead and this repository does not know it yet. Returns the commit.
    pub fn advance_remote(&self, name: &str, file: &str, content: &str) -> String {
        let other = self.other_clone(name);
        fs::write(other.join(file), content).expect("write in the second clone");
        self.git(&other, &["add", "--", file]);
        self.git(
            &other,
            &["commit", "-q", "-m", &format!("remote change to {file}")],
        );
        self.git(&other, &["push", "-q", "origin", "HEAD"]);
        self.remote_head(name)
    }

    /// `n` commits pushed to the remote from a second clone, then fetched here (not merged).
    pub fn make_behind(&self, name: &str, n: usize) {
        let other = self.other_clone(name);
        for i in 0..n {
            let file = format!("behind-{i}.txt");
            fs::write(other.join(&file), "from elsewhere\n").expect("write in the second clone");
            self.git(&other, &["add", "--", &file]);
            self.git(
                &other,
                &["commit", "-q", "-m", &format!("remote commit {i}")],
            );
        }
        self.git(&other, &["push", "-q", "origin", "HEAD"]);
        self.git(&self.path(name), &["fetch", "-q"]);
    }

    /// Puts HEAD on the current commit rather than a branch.
    pub fn detach(&self, name: &str) {
        self.git(&self.path(name), &["checkout", "-q", "--detach", "HEAD"]);
    }

    /// `git worktree add` of a new branch `wt-…` of `repo` at `ROOT/name` (its `.git` is a file).
    pub fn add_worktree(&self, repo: &str, name: &str) -> PathBuf {
        let path = self.path(name);
        let branch = format!("wt-{}", name.replace(['/', ' '], "-"));
        self.git(
            &self.path(repo),
            &[
                OsStr::new("worktree"),
                OsStr::new("add"),
                OsStr::new("-q"),
                OsStr::new("-b"),
                OsStr::new(&branch),
                path.as_os_str(),
            ],
        );
        assert!(path.join(".git").is_file(), "a worktree has a .git file");
        path
    }

    /// A symbolic link `ROOT/link` pointing to `target` (absolute, or relative to the link).
    pub fn symlink(&self, link: &str, target: &Path) {
        std::os::unix::fs::symlink(target, self.path(link)).expect("create a symbolic link");
    }

    /// The commit HEAD names in `name` (the repository must have one).
    pub fn head(&self, name: &str) -> String {
        self.git(&self.path(name), &["rev-parse", "HEAD"])
            .trim()
            .to_owned()
    }

    /// The commit `main` names in `name`'s bare remote.
    pub fn remote_head(&self, name: &str) -> String {
        self.git(&self.remote_path(name), &["rev-parse", "refs/heads/main"])
            .trim()
            .to_owned()
    }

    /// Installs `.git/hooks/HOOK` in `name`: a `sh` script running `body`.
    pub fn hook(&self, name: &str, hook: &str, body: &str) {
        use std::os::unix::fs::PermissionsExt;
        let path = self.path(name).join(".git/hooks").join(hook);
        fs::create_dir_all(path.parent().expect("a hooks folder")).expect("create .git/hooks");
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write the hook");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod the hook");
    }

    /// Copies the repository `template` and its bare remote to each of `names`, pointing each
    /// copy's `origin` at its own remote: a large fleet without thousands of git calls.
    pub fn add_copies(&self, template: &str, names: &[String]) {
        let template_remote = self.remote_path(template);
        let from = template_remote.to_str().expect("a UTF-8 temporary path");
        for name in names {
            copy_tree(&self.path(template), &self.path(name));
            copy_tree(&template_remote, &self.remote_path(name));
            let config = self.path(name).join(".git/config");
            let text = fs::read_to_string(&config).expect("read .git/config");
            let to = self.remote_path(name);
            let text = text.replace(from, to.to_str().expect("a UTF-8 temporary path"));
            fs::write(&config, text).expect("write .git/config");
        }
    }
}

/// Copies the folder `from` to `to` (files keep their mode; symbolic links are not expected),
/// leaving out git's sample hooks and reflogs: creating files is what makes copies slow.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create a copy's folder");
    for entry in fs::read_dir(from).expect("read a folder to copy") {
        let entry = entry.expect("an entry");
        let name = entry.file_name();
        if name == "logs" || name.to_string_lossy().ends_with(".sample") {
            continue;
        }
        let target = to.join(name);
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// The repositories of a JSON document, by name.
pub fn repo<'a>(document: &'a Value, name: &str) -> &'a Value {
    document["repos"]
        .as_array()
        .expect("a `repos` array")
        .iter()
        .find(|repo| repo["name"] == name)
        .unwrap_or_else(|| panic!("no repository `{name}` in {document:#}"))
}

/// The names of a JSON document's repositories, in document order.
pub fn names(document: &Value) -> Vec<String> {
    document["repos"]
        .as_array()
        .expect("a `repos` array")
        .iter()
        .map(|repo| repo["name"].as_str().expect("a name").to_owned())
        .collect()
}

/// `items` as owned strings, for comparisons with [`Fleet::list`].
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}
