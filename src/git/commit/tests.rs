//! Each case builds the same repository twice, commits it once with `git commit` and once in
//! process, with the same fixed dates, and compares what came out: the commit's id, the reflog
//! entries, the index; `git fsck` must find nothing wrong. The cases git would treat otherwise
//! must fall back and leave the repository untouched.

use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use gix::bstr::BStr;

use super::{Made, Written, commit_files, commit_index, plan, ready::strip_space};
use crate::git::testing::written;

const DATES: [(&str, &str); 2] = [
    ("GIT_AUTHOR_DATE", "1767225600 +0100"),
    ("GIT_COMMITTER_DATE", "1767229200 -0230"),
];

/// Two identical repositories (`by_git`, `in_process`) under one temporary folder.
struct Pair {
    _dir: tempfile::TempDir,
    by_git: PathBuf,
    in_process: PathBuf,
    env: Vec<(String, String)>,
}

/// Runs git in `dir` with a sealed environment and `env`; panics when it fails.
fn git(dir: &Path, env: &[(String, String)], args: &[&str]) -> String {
    let home = dir
        .parent()
        .map_or_else(|| dir.to_path_buf(), |up| up.join("home"));
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .env("LC_ALL", "C")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Pair {
    /// `setup` runs in a fresh repository (branch `main`, user Jane Doe), which is then copied.
    fn new(env: &[(&str, &str)], setup: impl Fn(&Path, &[(String, String)])) -> Pair {
        let dir = tempfile::tempdir().expect("temp dir");
        let base = dir.path().canonicalize().expect("canonical");
        let by_git = base.join("by-git");
        fs::create_dir_all(&by_git).expect("mkdir");
        fs::create_dir_all(base.join("home")).expect("mkdir");
        let mut all: Vec<(String, String)> = DATES
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        for (k, v) in env {
            all.retain(|(key, _)| key != k);
            all.push(((*k).to_owned(), (*v).to_owned()));
        }
        git(&by_git, &all, &["init", "-q", "-b", "main"]);
        git(&by_git, &all, &["config", "user.name", "Jane Doe"]);
        git(&by_git, &all, &["config", "user.email", "jane@example.com"]);
        setup(&by_git, &all);
        let in_process = base.join("in-process");
        let copied = Command::new("cp")
            .args(["-a"])
            .arg(&by_git)
            .arg(&in_process)
            .status()
            .expect("cp");
        assert!(copied.success());
        Pair {
            _dir: dir,
            by_git,
            in_process,
            env: all,
        }
    }

    fn git(&self, dir: &Path, args: &[&str]) -> String {
        git(dir, &self.env, args)
    }

    fn open(&self) -> gix::Repository {
        let mut permissions = gix::open::Permissions::isolated();
        permissions.config.includes = true;
        gix::open_opts(
            &self.in_process,
            gix::open::Options::isolated().permissions(permissions),
        )
        .expect("open")
    }

    fn plan(&self, repo: &gix::Repository, message: &str) -> Result<super::Plan, String> {
        let env = |name: &str| -> Option<OsString> {
            self.env
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into())
        };
        plan(repo, message, &env)
    }

    /// `git add -A` in both; `git commit -m message` in one, [`commit_index`] in the other.
    fn commit_all(&self, message: &str) -> Made {
        self.git(&self.by_git, &["add", "-A"]);
        self.git(&self.in_process, &["add", "-A"]);
        self.git(&self.by_git, &["commit", "-q", "-m", message]);
        let repo = self.open();
        let head = repo.head_id().ok().map(|id| id.detach());
        let plan = self.plan(&repo, message).expect("eligible");
        commit_index(&repo, &plan, head).expect("committed")
    }

    /// What must be the same in both repositories after the commit, and `git fsck` clean.
    fn assert_same(&self) {
        for args in [
            &["rev-parse", "HEAD"][..],
            &["reflog", "-1", "--format=%H %gs %gn %ge %gd"],
            &["reflog", "-1", "--format=%H %gs %gn %ge %gd", "main"],
            &["ls-files", "-s"],
            &["status", "--porcelain", "--untracked-files=all"],
        ] {
            assert_eq!(
                self.git(&self.by_git, args),
                self.git(&self.in_process, args),
                "git {args:?} differs"
            );
        }
        let fsck = Command::new("git")
            .args(["fsck", "--strict", "--no-dangling"])
            .current_dir(&self.in_process)
            .output()
            .expect("fsck");
        assert!(
            fsck.status.success() && fsck.stdout.is_empty() && fsck.stderr.is_empty(),
            "{fsck:?}"
        );
        // The reflog lines themselves, byte for byte (dates fixed).
        for log in ["logs/HEAD", "logs/refs/heads/main"] {
            let read = |dir: &Path| fs::read(dir.join(".git").join(log)).expect("reflog");
            assert_eq!(read(&self.by_git), read(&self.in_process), "{log}");
        }
    }
}

fn write(dir: &Path, path: &str, content: &str) {
    let path = dir.join(path);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, content).expect("write");
}

fn first_commit(dir: &Path, env: &[(String, String)]) {
    write(dir, "README.md", "hello\n");
    write(dir, "src/lib.rs", "pub fn f() {}\n");
    write(dir, "src/deep/er/mod.rs", "// deep\n");
    git(dir, env, &["add", "-A"]);
    git(dir, env, &["commit", "-q", "-m", "first"]);
}

fn committed(made: &Made) -> usize {
    match made {
        Made::Committed { files, .. } => *files,
        other => panic!("not committed: {other:?}"),
    }
}

#[test]
fn a_plain_commit_is_the_one_git_makes() {
    let pair = Pair::new(&[], first_commit);
    for dir in [&pair.by_git, &pair.in_process] {
        write(dir, "README.md", "hello again\n");
        write(dir, "src/new/nested/file.txt", "new\n");
        fs::remove_file(dir.join("src/deep/er/mod.rs")).expect("rm");
    }
    assert_eq!(committed(&pair.commit_all("chore: batch update")), 3);
    pair.assert_same();
}

#[test]
fn the_first_commit_on_an_unborn_branch_is_the_one_git_makes() {
    let pair = Pair::new(&[], |dir, _| write(dir, "a/b/c.txt", "c\n"));
    assert_eq!(committed(&pair.commit_all("initial import")), 1);
    pair.assert_same();
    let log = fs::read_to_string(pair.in_process.join(".git/logs/HEAD")).expect("log");
    assert!(
        log.contains("\tcommit (initial): initial import\n"),
        "{log}"
    );
}

#[test]
fn modes_links_removals_and_odd_names_are_committed_as_git_does() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let pair = Pair::new(&[], first_commit);
    for dir in [&pair.by_git, &pair.in_process] {
        write(dir, "run.sh", "#!/bin/sh\n");
        fs::set_permissions(dir.join("run.sh"), fs::Permissions::from_mode(0o755)).expect("chmod");
        fs::set_permissions(dir.join("README.md"), fs::Permissions::from_mode(0o755))
            .expect("chmod");
        symlink("src/lib.rs", dir.join("link")).expect("symlink");
        fs::remove_file(dir.join("src/lib.rs")).expect("rm");
        let odd = std::ffi::OsStr::from_bytes(b"caf\xe9 \xff.txt");
        fs::write(dir.join("src").join(odd), "latin-1 name\n").expect("write");
        write(dir, "a-b", "sorts before a/\n");
        write(dir, "a/x", "in a folder\n");
        write(dir, "a.txt", "sorts before a/ too\n");
    }
    assert_eq!(committed(&pair.commit_all("modes, links and names")), 8);
    pair.assert_same();
}

#[test]
fn the_identity_comes_from_the_same_settings_and_variables_as_git() {
    let include = |dir: &Path, env: &[(String, String)]| {
        let base = dir.parent().expect("base");
        fs::write(
            base.join("work.config"),
            "[user]\n\tname = Jane at Work\n\temail = jane@work.example\n",
        )
        .expect("write");
        let mut config = fs::read_to_string(dir.join(".git/config")).expect("config");
        config.push_str(&format!(
            "[includeIf \"gitdir:{}/\"]\n\tpath = {}\n[committer]\n\temail = bot@example.com\n",
            base.display(),
            base.join("work.config").display()
        ));
        fs::write(dir.join(".git/config"), config).expect("config");
        first_commit(dir, env);
    };
    let pair = Pair::new(&[], include);
    for dir in [&pair.by_git, &pair.in_process] {
        write(dir, "README.md", "changed\n");
    }
    pair.commit_all("from work");
    pair.assert_same();
    let show = pair.git(&pair.in_process, &["log", "-1", "--format=%an %ae|%cn %ce"]);
    assert_eq!(
        show.trim(),
        "Jane at Work jane@work.example|Jane at Work bot@example.com"
    );

    let pair = Pair::new(
        &[
            ("GIT_AUTHOR_NAME", "Ann Other"),
            ("GIT_AUTHOR_EMAIL", "ann@example.org"),
            ("GIT_COMMITTER_NAME", "Release Bot"),
            ("GIT_AUTHOR_DATE", "@1700000000 +0530"),
            ("GIT_REFLOG_ACTION", "batch"),
        ],
        first_commit,
    );
    for dir in [&pair.by_git, &pair.in_process] {
        write(dir, "README.md", "changed\n");
    }
    pair.commit_all("from the environment");
    pair.assert_same();
    let show = pair.git(
        &pair.in_process,
        &["log", "-1", "--format=%an %ae %ad|%cn %ce", "--date=raw"],
    );
    assert_eq!(
        show.trim(),
        "Ann Other ann@example.org 1700000000 +0530|Release Bot jane@example.com"
    );
}

#[test]
fn the_message_is_cleaned_up_as_git_cleans_it() {
    let messy = "\n\n  \nsubject with  trailing space   \n\n\n\nbody\tline\t\n# not a comment by default\n\n\n";
    let pair = Pair::new(&[], first_commit);
    for dir in [&pair.by_git, &pair.in_process] {
        write(dir, "README.md", "changed\n");
    }
    pair.commit_all(messy);
    pair.assert_same();

    let pair = Pair::new(&[], |dir, env| {
        git(dir, env, &["config", "commit.cleanup", "strip"]);
        first_commit(dir, env);
    });
    for dir in [&pair.by_git, &pair.in_process] {
        write(dir, "README.md", "changed\n");
    }
    pair.commit_all(messy);
    pair.assert_same();
    assert_eq!(
        strip_space(b"  a \n\n\n b\r\n#c\n", true),
        gix::bstr::BString::from("  a\n\n b\n")
    );
}

#[test]
fn nothing_to_commit_writes_nothing() {
    let pair = Pair::new(&[], first_commit);
    let repo = pair.open();
    let head = repo.head_id().ok().map(|id| id.detach());
    let plan = pair.plan(&repo, "nothing").expect("eligible");
    assert_eq!(commit_index(&repo, &plan, head), Ok(Made::Nothing));
    assert_eq!(repo.head_id().ok().map(|id| id.detach()), head);
}

#[test]
fn a_moved_head_is_refused() {
    let pair = Pair::new(&[], first_commit);
    write(&pair.in_process, "README.md", "changed\n");
    pair.git(&pair.in_process, &["add", "-A"]);
    let repo = pair.open();
    let stale = repo.head_id().expect("head").detach();
    pair.git(&pair.in_process, &["commit", "-q", "-m", "meanwhile"]);
    write(&pair.in_process, "README.md", "changed again\n");
    pair.git(&pair.in_process, &["add", "-A"]);
    let plan = pair.plan(&repo, "late").expect("eligible");
    let err = commit_index(&repo, &plan, Some(stale)).expect_err("refused");
    assert!(err.contains("HEAD moved"), "{err}");
}

/// What a content operation does by hand: write `files`, `git add` the new ones, and
/// `git commit --include` (nothing else staged) or `--only` the paths.
fn commit_files_both(pair: &Pair, files: &[(&str, Option<&str>)], only: bool) -> Made {
    for dir in [&pair.by_git, &pair.in_process] {
        for (path, content) in files {
            match content {
                Some(content) => write(dir, path, content),
                None => fs::remove_file(dir.join(path)).expect("rm"),
            }
        }
    }
    let paths: Vec<&str> = files.iter().map(|(path, _)| *path).collect();
    let mut add = vec!["add", "--"];
    add.extend(paths.iter().filter(|path| pair.by_git.join(path).exists()));
    pair.git(&pair.by_git, &add);
    let mut commit = vec![
        "commit",
        "-q",
        "-m",
        "edit",
        if only { "--only" } else { "--include" },
        "--",
    ];
    commit.extend(&paths);
    pair.git(&pair.by_git, &commit);
    let repo = pair.open();
    let head = repo.head_id().ok().map(|id| id.detach());
    let plan = pair.plan(&repo, "edit").expect("eligible");
    commit_files(&repo, &plan, head, &written(files)).expect("committed")
}

#[test]
fn content_operations_commit_the_written_files_as_git_does() {
    let pair = Pair::new(&[], first_commit);
    let made = commit_files_both(
        &pair,
        &[
            ("README.md", Some("rewritten\n")),
            ("LICENSES/MIT.txt", Some("MIT\n")),
            ("src/deep/er/mod.rs", None),
            // After a new file: found in the index all the same, never staged twice.
            ("src/lib.rs", Some("pub fn g() {}\n")),
        ],
        false,
    );
    assert_eq!(committed(&made), 4);
    pair.assert_same();
}

#[test]
fn other_staged_work_stays_staged_and_out_of_the_commit() {
    let pair = Pair::new(&[], |dir, env| {
        first_commit(dir, env);
        write(dir, "src/lib.rs", "pub fn staged() {}\n");
        write(dir, "notes.txt", "staged new file\n");
        git(dir, env, &["add", "-A"]);
        write(dir, "src/lib.rs", "pub fn staged_then_changed() {}\n");
    });
    let made = commit_files_both(&pair, &[("README.md", Some("rewritten\n"))], true);
    assert_eq!(committed(&made), 1);
    pair.assert_same();
}

/// A repository that `adjust` makes different, with a change staged: the commit is left to git
/// and nothing is written.
fn falls_back(env: &[(&str, &str)], adjust: impl Fn(&Path, &[(String, String)])) -> String {
    let pair = Pair::new(env, |dir, env| {
        first_commit(dir, env);
        adjust(dir, env);
    });
    write(&pair.in_process, "README.md", "changed\n");
    pair.git(&pair.in_process, &["add", "-A"]);
    let repo = pair.open();
    let head = repo.head_id().ok().map(|id| id.detach());
    let why = match pair.plan(&repo, "msg") {
        Err(why) => why,
        Ok(plan) => {
            let written = [Written {
                path: BStr::new(b"README.md"),
                content: Some(b"changed\n"),
            }];
            match commit_files(&repo, &plan, head, &written) {
                Ok(Made::Fallback(why)) => why,
                other => panic!("not a fallback: {other:?}"),
            }
        }
    };
    assert_eq!(pair.open().head_id().ok().map(|id| id.detach()), head);
    why
}

fn hook(dir: &Path, folder: &str, name: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(folder).join(name);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(&path, "#!/bin/sh\nexit 0\n").expect("hook");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn hooks_leave_the_commit_to_git() {
    for name in [
        "pre-commit",
        "prepare-commit-msg",
        "commit-msg",
        "post-commit",
    ] {
        let why = falls_back(&[], |dir, _| hook(dir, ".git/hooks", name));
        assert!(why.contains(name), "{why}");
    }
    let why = falls_back(&[], |dir, env| {
        hook(dir, "tools/hooks", "commit-msg");
        git(dir, env, &["config", "core.hooksPath", "tools/hooks"]);
    });
    assert!(why.contains("commit-msg"), "{why}");
    let why = falls_back(&[], |dir, env| {
        git(dir, env, &["config", "hook.lint.command", "true"]);
    });
    assert!(why.contains("hook"), "{why}");
}

#[test]
fn signing_encodings_and_odd_settings_leave_the_commit_to_git() {
    let config = |key: &'static str, value: &'static str| {
        move |dir: &Path, env: &[(String, String)]| {
            git(dir, env, &["config", key, value]);
        }
    };
    for (key, value, said) in [
        ("commit.gpgSign", "true", "gpgSign"),
        ("i18n.commitEncoding", "ISO-8859-1", "commitEncoding"),
        ("commit.cleanup", "verbatim", "cleanup"),
        ("user.name", "Jane Doe Jr.", "name"),
        ("core.autocrlf", "true", "autocrlf"),
        ("core.fileMode", "false", "fileMode"),
    ] {
        let why = falls_back(&[], config(key, value));
        assert!(why.contains(said), "{key}: {why}");
    }
    let why = falls_back(&[("GIT_AUTHOR_DATE", "2026-01-01 10:00")], |_, _| {});
    assert!(why.contains("GIT_AUTHOR_DATE"), "{why}");
    let why = falls_back(&[("GIT_INDEX_FILE", "/tmp/elsewhere")], |_, _| {});
    assert!(why.contains("GIT_INDEX_FILE"), "{why}");
    let why = falls_back(&[], |dir, _| {
        fs::write(dir.join(".git/MERGE_HEAD"), "0\n").expect("write");
    });
    assert!(why.contains("MERGE_HEAD"), "{why}");
    let why = falls_back(
        &[("GIT_CONFIG_PARAMETERS", "'user.name'='Someone Else'")],
        |_, _| {},
    );
    assert!(why.contains("GIT_CONFIG_PARAMETERS"), "{why}");
    // git itself would stop at the lock; it says why.
    let pair = Pair::new(&[], first_commit);
    fs::write(pair.in_process.join(".git/index.lock"), "").expect("lock");
    let why = pair.plan(&pair.open(), "msg").expect_err("falls back");
    assert!(why.contains("index.lock"), "{why}");
}

#[test]
fn attributes_that_convert_the_file_leave_the_commit_to_git() {
    for attributes in [
        "* text=auto\n",
        "*.md eol=crlf\n",
        "README.md filter=lfs\n",
        "* ident\n",
    ] {
        let why = falls_back(&[], |dir, env| {
            write(dir, ".gitattributes", attributes);
            git(dir, env, &["add", ".gitattributes"]);
            git(dir, env, &["commit", "-q", "-m", "attributes"]);
        });
        assert!(why.contains("attribute"), "{attributes}: {why}");
    }
}

/// A `--branch` commit: the tree [`super::off_tree::tree_with`] writes is the one `git add` and
/// `git write-tree` make, and the commit the one `git commit-tree` makes of it, byte for byte;
/// the working tree and the index of the repository it is made in are not touched.
#[test]
fn an_off_tree_commit_is_what_git_commit_tree_makes() {
    use super::off_tree::{TreeFile, commit_in_process, tree_with};
    let pair = Pair::new(&[], |dir, env| {
        fs::create_dir_all(dir.join("src")).expect("mkdir");
        fs::write(dir.join("src/lib.rs"), "// MIT\n").expect("write");
        fs::write(dir.join("LICENSE"), "MIT\n").expect("write");
        git(dir, env, &["add", "-A"]);
        git(dir, env, &["commit", "-q", "-m", "initial"]);
    });
    let message = "chore: change license\n\nFrom MIT to ISC.\n";
    fs::write(pair.by_git.join("src/lib.rs"), "// ISC\n").expect("write");
    fs::write(pair.by_git.join("NOTICE"), "ISC\n").expect("write");
    pair.git(&pair.by_git, &["rm", "-q", "LICENSE"]);
    pair.git(&pair.by_git, &["add", "-A"]);
    let tree = pair.git(&pair.by_git, &["write-tree"]);
    let by_git = pair.git(
        &pair.by_git,
        &[
            "commit-tree",
            tree.trim(),
            "-p",
            "HEAD",
            "-m",
            message.trim_end(),
        ],
    );

    let status = pair.git(&pair.in_process, &["status", "--porcelain"]);
    let repo = pair.open();
    let head = repo.head_id().expect("HEAD").detach();
    let base = repo.head_tree_id().expect("HEAD's tree").detach();
    let files = [
        TreeFile {
            path: "src/lib.rs".into(),
            content: Some(b"// ISC\n"),
            executable: false,
        },
        TreeFile {
            path: "NOTICE".into(),
            content: Some(b"ISC\n"),
            executable: false,
        },
        TreeFile {
            path: "LICENSE".into(),
            content: None,
            executable: false,
        },
    ];
    let repo = crate::git::pack::staging(&repo);
    let made_tree = tree_with(&repo, base, &files).expect("tree written");
    assert_eq!(made_tree.to_string(), tree.trim());
    let env = |name: &str| -> Option<OsString> {
        pair.env
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into())
    };
    let made = commit_in_process(&repo, message, made_tree, head, &env)
        .expect("written")
        .expect("made in process");
    assert_eq!(made.to_string(), by_git.trim());
    crate::git::pack::persist(&repo).expect("objects written");
    let packs = fs::read_dir(pair.in_process.join(".git/objects/pack")).expect("pack folder");
    assert_eq!(packs.count(), 2, "one pack and its index");
    super::off_tree::set_branch(&repo, "relicense", made, None, "git-batch: commit")
        .expect("branch set");
    let reflog = pair.git(
        &pair.in_process,
        &["reflog", "--format=%H %gs", "relicense"],
    );
    assert_eq!(reflog.trim(), format!("{made} git-batch: commit"));
    let again = super::off_tree::set_branch(&repo, "relicense", head, None, "again");
    assert!(
        again.is_err(),
        "a branch that exists is not overwritten unseen"
    );
    assert_eq!(
        pair.git(&pair.in_process, &["status", "--porcelain"]),
        status
    );
    assert_eq!(
        pair.git(&pair.in_process, &["rev-parse", "HEAD"]).trim(),
        head.to_string()
    );
    let fsck = pair.git(&pair.in_process, &["fsck", "--strict", "--no-progress"]);
    assert!(fsck.is_empty(), "{fsck}");
}
