//! Seeing what a run did from outside: snapshots of what a user has in a repository (HEAD,
//! staging area, status, every working-tree byte and mode) and of whole folders, to compare
//! before with after; the refs and journal files git-batch leaves; and a logging `git` shim
//! that shows which git calls a run made, and how many ran at once.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use crate::fixture::Fleet;

/// A repository as its user sees it: what `git` says about it, read without writing anything
/// (`--no-optional-locks` keeps `git status` from refreshing the index), and every file of the
/// working tree outside `.git`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserState {
    /// `HEAD`'s commit, or `None` on an unborn branch.
    pub head: Option<String>,
    /// The branch HEAD names, or `None` when detached.
    pub branch: Option<String>,
    /// `git ls-files --stage`: mode, blob and stage of every entry of the index.
    pub index: String,
    /// `git status --porcelain=v2 --untracked-files=all -z`, without the branch header.
    pub status: String,
    /// Every file of the working tree: its bytes (or a symbolic link's target) and its mode.
    pub files: BTreeMap<PathBuf, (Vec<u8>, u32)>,
}

impl UserState {
    /// Reads the state of the repository `name` of `fleet`.
    pub fn of(fleet: &Fleet, name: &str) -> UserState {
        let dir = fleet.path(name);
        let quiet = |args: &[&str]| -> String {
            let mut full = vec!["--no-optional-locks"];
            full.extend_from_slice(args);
            fleet.git(&dir, &full)
        };
        let head_output = fleet.git_output(&dir, &["rev-parse", "-q", "--verify", "HEAD"]);
        let head = head_output.status.success().then(|| {
            String::from_utf8_lossy(&head_output.stdout)
                .trim()
                .to_owned()
        });
        let branch_output = fleet.git_output(&dir, &["symbolic-ref", "-q", "HEAD"]);
        let branch = branch_output.status.success().then(|| {
            String::from_utf8_lossy(&branch_output.stdout)
                .trim()
                .to_owned()
        });
        UserState {
            head,
            branch,
            index: quiet(&["ls-files", "--stage", "-z"]),
            status: quiet(&["status", "--porcelain=v2", "--untracked-files=all", "-z"]),
            files: working_tree(&dir),
        }
    }

    /// Whether the repository has anything uncommitted (staged, unstaged or untracked).
    pub fn is_dirty(&self) -> bool {
        !self.status.is_empty()
    }
}

/// What git-batch printed, and left in a repository and in its state folder.
impl Fleet {
    /// Runs `git-batch --format json ARGS` from the root, checks that it exited with `code`,
    /// and returns the document.
    pub fn json_exit(&self, args: &[&str], code: i32) -> Value {
        let output = self
            .cmd()
            .args(["--format", "json"])
            .args(args)
            .output()
            .expect("run git-batch");
        assert_eq!(
            output.status.code(),
            Some(code),
            "git-batch {args:?}: stdout {} stderr {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("a JSON document")
    }

    /// The refs git-batch keeps in `name` (backup and index refs), one a line.
    pub fn batch_refs(&self, name: &str) -> Vec<String> {
        self.git(
            &self.path(name),
            &["for-each-ref", "--format=%(refname)", "refs/git-batch/"],
        )
        .lines()
        .map(str::to_owned)
        .collect()
    }

    /// Rewrites the record of the run `run_id` (`None`: the last run) as a `kill -9` leaves it:
    /// the run unfinished and `name`'s entry started, with `outcome` and `edit` applied to it
    /// (what the killed run had not recorded yet).
    pub fn cut_short_record(
        &self,
        run_id: Option<&str>,
        name: &str,
        outcome: &str,
        edit: impl Fn(&mut serde_json::Map<String, Value>),
    ) {
        let mut files = self.journal_files().into_iter();
        let file = match run_id {
            Some(id) => files.find(|path| path.ends_with(format!("{id}.json"))),
            None => files.max(),
        }
        .expect("the run's record");
        let mut record: Value =
            serde_json::from_slice(&fs::read(&file).expect("read")).expect("a record");
        record["finished"] = Value::Null;
        for entry in record["repos"].as_array_mut().expect("repos") {
            if entry["name"] == name {
                entry["started"] = Value::Bool(true);
                entry["outcome"] = Value::from(outcome);
                edit(entry.as_object_mut().expect("an entry"));
            }
        }
        fs::write(&file, serde_json::to_vec_pretty(&record).expect("JSON")).expect("write");
    }

    /// The run records in the sealed journal (`$XDG_STATE_HOME/git-batch/runs`).
    pub fn journal_files(&self) -> Vec<PathBuf> {
        let dir = self.home.join(".local/state/git-batch/runs");
        match fs::read_dir(dir) {
            Ok(entries) => entries
                .map(|entry| entry.expect("a journal entry").path())
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// Every file under `dir` except the top-level `.git`: bytes (a link's target) and mode.
fn working_tree(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).expect("read a folder") {
            let path = entry.expect("an entry").path();
            if folder == dir && path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            let meta = fs::symlink_metadata(&path).expect("metadata");
            let relative = path.strip_prefix(dir).expect("under dir").to_path_buf();
            if meta.is_dir() {
                pending.push(path);
            } else if meta.file_type().is_symlink() {
                let target = fs::read_link(&path).expect("read a link");
                let bytes = target.as_os_str().as_encoded_bytes().to_vec();
                files.insert(relative, (bytes, meta.mode()));
            } else {
                let bytes = fs::read(&path).expect("read a file");
                files.insert(relative, (bytes, meta.permissions().mode()));
            }
        }
    }
    files
}

/// Every file under a folder, `.git` included: bytes, mode and modification time. Equal
/// images mean nothing under the folder was written (not even rewritten with the same bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderImage(BTreeMap<PathBuf, (Vec<u8>, u32, SystemTime)>);

impl FolderImage {
    /// Reads every file under `dir` (an absent folder gives an empty image).
    pub fn of(dir: &Path) -> FolderImage {
        let mut files = BTreeMap::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(folder) = pending.pop() {
            let Ok(entries) = fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries {
                let path = entry.expect("an entry").path();
                let meta = fs::symlink_metadata(&path).expect("metadata");
                if meta.is_dir() {
                    pending.push(path);
                } else {
                    let bytes = fs::read(&path).unwrap_or_default();
                    let modified = meta.modified().expect("an mtime");
                    files.insert(path, (bytes, meta.mode(), modified));
                }
            }
        }
        FolderImage(files)
    }

    /// The paths that differ between `self` (before) and `after`: written, added or removed.
    pub fn changes(&self, after: &FolderImage) -> Vec<PathBuf> {
        let mut changed: Vec<PathBuf> = after
            .0
            .iter()
            .filter(|(path, state)| self.0.get(*path) != Some(state))
            .map(|(path, _)| path.clone())
            .collect();
        changed.extend(
            self.0
                .keys()
                .filter(|path| !after.0.contains_key(*path))
                .cloned(),
        );
        changed
    }
}

/// A `git` first on `PATH` that logs each call (`start ARGS` and `end ARGS`, one a line) and
/// runs the real git: what a run spawned, and how many of a kind ran at once, seen from outside.
#[derive(Debug)]
pub struct GitShim {
    dir: PathBuf,
    log: PathBuf,
}

impl GitShim {
    /// Writes the shim under the fleet's base folder.
    pub fn new(fleet: &Fleet) -> GitShim {
        let dir = fleet.base.join("shim");
        fs::create_dir_all(&dir).expect("create the shim folder");
        let log = fleet.base.join("git-calls.log");
        let real = find_real_git();
        let script = format!(
            "#!/bin/sh\necho \"start $*\" >> '{log}'\n'{real}' \"$@\"\nstatus=$?\n\
             echo \"end $*\" >> '{log}'\nexit $status\n",
            log = log.display(),
            real = real.display()
        );
        let shim = dir.join("git");
        fs::write(&shim, script).expect("write the shim");
        fs::set_permissions(&shim, fs::Permissions::from_mode(0o755)).expect("chmod the shim");
        GitShim { dir, log }
    }

    /// The `PATH` that puts the shim before the real git.
    pub fn path_env(&self) -> std::ffi::OsString {
        let mut path = self.dir.clone().into_os_string();
        if let Some(rest) = std::env::var_os("PATH") {
            path.push(":");
            path.push(rest);
        }
        path
    }

    /// Every logged line so far.
    pub fn lines(&self) -> Vec<String> {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The git calls started so far (their arguments).
    pub fn calls(&self) -> Vec<String> {
        self.lines()
            .iter()
            .filter_map(|line| line.strip_prefix("start ").map(str::to_owned))
            .collect()
    }

    /// The most calls whose arguments start with `prefix` that ran at the same time.
    pub fn most_at_once(&self, prefix: &str) -> usize {
        let (mut running, mut most) = (0usize, 0usize);
        for line in self.lines() {
            if line
                .strip_prefix("start ")
                .is_some_and(|a| a.starts_with(prefix))
            {
                running += 1;
                most = most.max(running);
            } else if line
                .strip_prefix("end ")
                .is_some_and(|a| a.starts_with(prefix))
            {
                running = running.saturating_sub(1);
            }
        }
        most
    }
}

/// The git program on `PATH`.
fn find_real_git() -> PathBuf {
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join("git"))
        .find(|candidate| candidate.is_file())
        .expect("git on PATH")
}

/// A folder of markers, one per hostile program that ran: each program a script that creates
/// its marker, then passes its input through (a harmless `clean`/`smudge` filter).
#[derive(Debug)]
pub struct Markers {
    dir: PathBuf,
    scripts: PathBuf,
}

impl Markers {
    pub fn new(fleet: &Fleet) -> Markers {
        let markers = Markers {
            dir: fleet.base.join("markers"),
            scripts: fleet.base.join("scripts"),
        };
        fs::create_dir_all(&markers.dir).expect("mkdir markers");
        fs::create_dir_all(&markers.scripts).expect("mkdir scripts");
        markers
    }

    /// The path of a new script that marks `name` when it runs.
    pub fn script(&self, name: &str) -> PathBuf {
        let path = self.scripts.join(format!("{name}.sh"));
        fs::write(
            &path,
            format!(
                "#!/bin/sh\ntouch '{}'\nexec cat\n",
                self.dir.join(name).display()
            ),
        )
        .expect("write a script");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod +x");
        path
    }

    /// The names of the scripts that ran, sorted.
    pub fn ran(&self) -> Vec<String> {
        let mut ran: Vec<String> = fs::read_dir(&self.dir)
            .expect("read markers")
            .map(|entry| {
                entry
                    .expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        ran.sort();
        ran
    }
}

/// Makes a file's content differ at the same size and dates it long ago, so that only
/// reading the content (through the filters) can tell it changed.
pub fn change_in_place(path: &Path) {
    let mut content = fs::read(path).expect("read");
    content[0] = if content[0] == b'x' { b'y' } else { b'x' };
    fs::write(path, content).expect("write");
    let touched = std::process::Command::new("touch")
        .args(["-d", "2001-01-01 00:00:00"])
        .arg(path)
        .status()
        .expect("touch");
    assert!(touched.success());
}

#[test]
fn reading_runs_no_filter_of_a_submodule_or_of_the_users_configuration() {
    let fleet = Fleet::new();
    let markers = Markers::new(&fleet);
    // The submodule's own repository: every file through the `evil` filter, `*.bin` through
    // git-lfs's `lfs`, as a user's global configuration defines it.
    let source = fleet.base.join("module");
    fleet.git(
        &fleet.base,
        &["init", "-q", source.to_str().expect("UTF-8")],
    );
    fs::write(
        source.join(".gitattributes"),
        "* filter=evil\n*.bin filter=lfs\n",
    )
    .expect("write");
    fs::write(source.join("a.txt"), "module text\n").expect("write");
    fs::write(source.join("b.bin"), "module data\n").expect("write");
    fleet.git(&source, &["add", "-A"]);
    fleet.git(&source, &["commit", "-q", "-m", "module"]);
    fleet.add_repo("trap");
    let trap = fleet.path("trap");
    // The top-level repository sends `*.bin` through git-lfs too.
    fleet.commit_file("trap", ".gitattributes", "*.bin filter=lfs\n", "lfs");
    fleet.commit_file("trap", "top.bin", "top-level data\n", "data");
    fleet.git(
        &trap,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            source.to_str().expect("UTF-8"),
            "sub",
        ],
    );
    fleet.git(&trap, &["commit", "-q", "-m", "submodule"]);
    let sub = trap.join("sub");
    // Armed only now, so that building the trap ran none of it.
    for (key, script) in [
        ("filter.evil.clean", "sub-clean"),
        ("filter.evil.process", "sub-process"),
        ("core.fsmonitor", "sub-fsmonitor"),
    ] {
        let path = markers.script(script);
        fleet.git(&sub, &["config", key, path.to_str().expect("UTF-8")]);
    }
    let mut global = fs::read_to_string(fleet.home.join(".gitconfig")).expect("read");
    global.push_str(&format!(
        "[filter \"lfs\"]\n\tclean = {}\n\tprocess = {}\n\trequired = true\n",
        markers.script("global-clean").display(),
        markers.script("global-process").display()
    ));
    fs::write(fleet.home.join(".gitconfig"), global).expect("write the global configuration");
    change_in_place(&sub.join("a.txt"));
    change_in_place(&sub.join("b.bin"));
    change_in_place(&trap.join("top.bin"));
    assert_eq!(markers.ran(), Vec::<String>::new(), "building ran none");

    let document = fleet.json(&["status"]);
    let entry = crate::fixture::repo(&document, "trap");
    assert_eq!(entry["unstaged"], 2, "top.bin and the submodule: {entry}");
    let listed = fleet.json(&["-w", "dirty", "list"]);
    assert_eq!(crate::fixture::names(&listed), ["trap"]);
    let _ = fleet.json(&["sync", "-n"]);
    assert_eq!(markers.ran(), Vec::<String>::new(), "git-batch ran them");

    // The trap is armed: git itself runs them in the same repository.
    let _ = fleet.git_output(&trap, &["status", "--porcelain"]);
    assert!(
        !markers.ran().is_empty(),
        "git status should have sprung the trap"
    );
}
