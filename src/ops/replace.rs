//! `file-replace --pattern PATH --replacement FILE`: puts FILE's content at PATH (or at every
//! tracked file a glob matches) in each repository, keeping each file's mode; `--create` adds
//! it where a plain path is missing; `--to` moves it as it replaces.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use gix::bstr::{BStr, BString, ByteSlice};

use crate::ops::edit::{Change, Decision, EntryKind, Snapshot, Tracked};
use crate::outcome::{Outcome, RunReport};
use crate::repo_path;

/// One file-replace, validated before any repository is read.
#[derive(Debug, Clone)]
pub struct FileReplace {
    pub pattern: Pattern,
    /// The content to put in place.
    pub content: Vec<u8>,
    /// Whether the replacement file is executable (the mode of files `--create` adds).
    pub executable: bool,
    pub create: bool,
    /// `--to`: where the content goes; the matched file is removed.
    pub to: Option<BString>,
    /// Set once some repository has a file the run works on: a tracked match, `--to`'s target,
    /// or a file `--create` adds. Shared by the clones the workers use.
    found: Arc<AtomicBool>,
}

/// Which tracked files a run replaces.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// One path, relative to the repository, with `/`.
    Path(BString),
    /// A glob over tracked paths (`*` does not cross `/`; `**` does).
    Glob {
        text: String,
        matcher: globset::GlobMatcher,
    },
}

/// A pattern that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("--pattern {pattern}: {reason}")]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

impl Pattern {
    /// Parses `--pattern` (or `--to`): a path inside the repository ([`repo_path::confined`]);
    /// a glob when it holds a glob character.
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        let fail = |reason: &str| PatternError {
            pattern: text.to_owned(),
            reason: reason.to_owned(),
        };
        let path = repo_path::confined(text).map_err(|reason| fail(&reason))?;
        if !repo_path::is_glob(text) {
            return Ok(Pattern::Path(path));
        }
        let text = path.to_str_lossy().into_owned();
        let matcher = repo_path::glob(&text).map_err(|err| fail(&err.kind().to_string()))?;
        Ok(Pattern::Glob { text, matcher })
    }

    fn shown(&self) -> String {
        match self {
            Pattern::Path(path) => path.to_str_lossy().into_owned(),
            Pattern::Glob { text, .. } => text.clone(),
        }
    }
}

impl FileReplace {
    /// Validates a request before any repository is read; `Err` is a usage error.
    pub fn from_request(
        pattern: &str,
        replacement: &std::path::Path,
        create: bool,
        to: Option<&str>,
    ) -> Result<FileReplace, String> {
        use std::os::unix::fs::PermissionsExt;
        let pattern = Pattern::parse(pattern).map_err(|err| err.to_string())?;
        let to = match to {
            None => None,
            Some(to) => match Pattern::parse(to) {
                Ok(Pattern::Path(path)) => Some(path),
                Ok(Pattern::Glob { .. }) => {
                    return Err(format!("--to {to}: must be a plain path, not a glob"));
                }
                Err(err) => return Err(err.to_string().replacen("--pattern", "--to", 1)),
            },
        };
        if let Pattern::Glob { text, .. } = &pattern {
            if to.is_some() {
                return Err(format!(
                    "--to needs a plain --pattern path, not the glob {text}: a move has one source"
                ));
            }
            if create {
                return Err(format!(
                    "--create needs a plain --pattern path, not the glob {text}: there is no one \
                     name to create"
                ));
            }
        }
        let shown = replacement.display();
        let meta = std::fs::metadata(replacement)
            .map_err(|err| format!("cannot read --replacement {shown}: {err}"))?;
        if !meta.is_file() {
            return Err(format!("--replacement {shown} is not a file"));
        }
        let content = crate::ops::files::read_given_file(replacement)
            .map_err(|err| format!("cannot read --replacement {shown}: {err}"))?;
        Ok(FileReplace {
            pattern,
            content,
            executable: meta.permissions().mode() & 0o111 != 0,
            create,
            to,
            found: Arc::default(),
        })
    }

    /// After a run where every repository was read and none had a file the pattern matches
    /// (a typo, as `git add` says of a pathspec that matches nothing): what to tell the user.
    pub fn matched_nowhere(&self, run: &RunReport) -> Option<String> {
        let all_read = !run.repos.is_empty()
            && !run.interrupted
            && run.repos.iter().all(|r| r.outcome == Outcome::Unchanged);
        if !all_read || self.found.load(Ordering::SeqCst) {
            return None;
        }
        let create = match self.pattern {
            Pattern::Path(_) if !self.create => " (--create adds it where it is missing)",
            _ => "",
        };
        Some(format!(
            "--pattern {} matched no tracked file in any repository{create}",
            self.pattern.shown()
        ))
    }

    /// A commit message naming the change.
    pub fn default_message(&self) -> String {
        match &self.to {
            Some(to) => format!(
                "chore: move {} to {} with new content",
                self.pattern.shown(),
                to.to_str_lossy()
            ),
            None => match &self.pattern {
                Pattern::Path(path) => format!("chore: update {}", path.to_str_lossy()),
                Pattern::Glob { text, .. } => format!("chore: update {}", glob_in_words(text)),
            },
        }
    }

    /// What changes in the repository of `snapshot`.
    pub fn decide(&self, snapshot: &Snapshot) -> Decision {
        let matched: Vec<&Tracked> = match &self.pattern {
            Pattern::Path(path) => snapshot.entry(path.as_bstr()).into_iter().collect(),
            Pattern::Glob { matcher, .. } => snapshot
                .tracked
                .iter()
                .filter(|t| t.path.to_str().is_ok_and(|path| matcher.is_match(path)))
                .collect(),
        };
        if let Some(link) = matched.iter().find(|t| t.kind == EntryKind::Symlink) {
            return Decision::Skip(format!(
                "{} is a symbolic link; it is not followed",
                link.path.to_str_lossy()
            ));
        }
        if let Some(module) = matched.iter().find(|t| t.kind == EntryKind::Submodule) {
            return Decision::Skip(format!(
                "{} is a submodule, not a file",
                module.path.to_str_lossy()
            ));
        }
        if matched.is_empty() {
            return refuse_case_clash(snapshot, self.missing(snapshot));
        }
        self.found.store(true, Ordering::SeqCst);
        let mut changes = Vec::new();
        for tracked in matched {
            let old = match snapshot.read(tracked.path.as_bstr()) {
                Ok(old) => old,
                Err(err) => {
                    return Decision::Skip(format!(
                        "cannot read {}: {err}",
                        tracked.path.to_str_lossy()
                    ));
                }
            };
            match &self.to {
                Some(to) if *to != tracked.path => {
                    changes.push(Change {
                        path: tracked.path.clone(),
                        old: Some(old),
                        new: None,
                        executable: false,
                    });
                    match self.put_at(snapshot, to.as_bstr(), tracked.kind) {
                        Ok(Some(change)) => changes.push(change),
                        Ok(None) => {}
                        Err(reason) => return Decision::Skip(reason),
                    }
                }
                _ if snapshot.stored_alike(tracked.path.as_bstr(), &old, &self.content) => {}
                _ => changes.push(Change {
                    path: tracked.path.clone(),
                    old: Some(old),
                    new: Some(self.content.clone()),
                    executable: tracked.kind == EntryKind::Executable,
                }),
            }
        }
        if changes.is_empty() {
            return Decision::Unchanged("already identical".into());
        }
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        refuse_case_clash(snapshot, Decision::Change(changes))
    }

    /// No tracked file matches: `--create` adds one at a plain path, or at `--to`.
    fn missing(&self, snapshot: &Snapshot) -> Decision {
        let target = match (&self.to, &self.pattern) {
            (Some(to), _) => to,
            (None, Pattern::Path(path)) => path,
            (None, Pattern::Glob { text, .. }) => {
                return Decision::Unchanged(format!("no tracked file matches {text}"));
            }
        };
        if let Some(tracked) = snapshot.entry(target.as_bstr()) {
            self.found.store(true, Ordering::SeqCst);
            // `--to`'s target is there already and the pattern is gone: only its content counts.
            return match self.put_at(snapshot, tracked.path.as_bstr(), tracked.kind) {
                Ok(Some(change)) => Decision::Change(vec![change]),
                Ok(None) => Decision::Unchanged("already identical".into()),
                Err(reason) => Decision::Skip(reason),
            };
        }
        let shown = self.pattern.shown();
        if !self.create {
            return Decision::Unchanged(format!("no {shown} here (--create adds it)"));
        }
        self.found.store(true, Ordering::SeqCst);
        if let Some(tracked) = in_the_way(snapshot, target.as_bstr()) {
            let what = match tracked.kind {
                EntryKind::Symlink => "a tracked symbolic link, not a folder (it is not followed)",
                EntryKind::Submodule => "a submodule, whose files are its own repository's",
                EntryKind::File | EntryKind::Executable => "a tracked file, not a folder",
            };
            return Decision::Skip(format!(
                "cannot create {}: {} is {what}",
                target.to_str_lossy(),
                tracked.path.to_str_lossy()
            ));
        }
        Decision::Change(vec![Change {
            path: target.clone(),
            old: None,
            new: Some(self.content.clone()),
            executable: self.executable,
        }])
    }

    /// The change that puts the content at `path` (tracked or not), keeping a tracked file's
    /// mode; `None` when it is there already.
    fn put_at(
        &self,
        snapshot: &Snapshot,
        path: &BStr,
        moved_kind: EntryKind,
    ) -> Result<Option<Change>, String> {
        match snapshot.entry(path) {
            Some(tracked) if !tracked.is_file() => Err(format!(
                "{} is a symbolic link or submodule; it is not followed",
                path.to_str_lossy()
            )),
            Some(tracked) => {
                let old = snapshot
                    .read(path)
                    .map_err(|err| format!("cannot read {}: {err}", path.to_str_lossy()))?;
                Ok(
                    (!snapshot.stored_alike(path, &old, &self.content)).then(|| Change {
                        path: tracked.path.clone(),
                        old: Some(old),
                        new: Some(self.content.clone()),
                        executable: tracked.kind == EntryKind::Executable,
                    }),
                )
            }
            None => Ok(Some(Change {
                path: path.to_owned(),
                old: None,
                new: Some(self.content.clone()),
                executable: moved_kind == EntryKind::Executable,
            })),
        }
    }
}

/// A glob as a commit message says it: its files named when braces list a few
/// (`.github/workflows/{ci,test}.yml` is `ci.yml and test.yml in .github/workflows`), a folder's
/// files by extension (`docs/*.md` is `the .md files in docs`, `docs/**/*.md` `the .md files
/// under docs`), else `the files matching GLOB`.
fn glob_in_words(glob: &str) -> String {
    let (folder, name) = match glob.rsplit_once('/') {
        Some((folder, name)) => (Some(folder), name),
        None => (None, glob),
    };
    let matching = || format!("the files matching {glob}");
    if glob.contains('\\') {
        return matching();
    }
    // `**/` ahead of the name: every folder, or every folder under a plain one.
    let (folder, under) = match folder {
        Some("**") => (None, true),
        Some(folder) => match folder.strip_suffix("/**") {
            Some(top) => (Some(top), true),
            None => (Some(folder), false),
        },
        None => (None, false),
    };
    if folder.is_some_and(repo_path::is_glob) {
        return matching();
    }
    let place = match (folder, under) {
        (Some(folder), false) => format!(" in {folder}"),
        (Some(folder), true) => format!(" under {folder}"),
        (None, true) => " in every folder".to_owned(),
        (None, false) => String::new(),
    };
    if let Some(names) = brace_names(name).filter(|names| !under && names.len() <= 3) {
        let (last, rest) = names.split_last().expect("two or more");
        return format!("{} and {last}{place}", rest.join(", "));
    }
    match name {
        "*" if place.is_empty() => "every file at the top level".to_owned(),
        "*" => format!("every file{place}"),
        _ => match name.strip_prefix("*.") {
            Some(ext) if !ext.is_empty() && !repo_path::is_glob(ext) => {
                let place = if place.is_empty() {
                    " at the top level"
                } else {
                    &place
                };
                format!("the .{ext} files{place}")
            }
            _ => matching(),
        },
    }
}

/// The names `PREFIX{A,B,…}SUFFIX` stands for, when that is all the glob it holds.
fn brace_names(name: &str) -> Option<Vec<String>> {
    let (prefix, rest) = name.split_once('{')?;
    let (inside, suffix) = rest.split_once('}')?;
    if repo_path::is_glob(prefix) || repo_path::is_glob(inside) || repo_path::is_glob(suffix) {
        return None;
    }
    let names: Vec<String> = inside
        .split(',')
        .map(|alternative| format!("{prefix}{alternative}{suffix}"))
        .collect();
    (names.len() >= 2).then_some(names)
}

/// `decision`, unless it creates a file whose path differs from a tracked one (or whose folder
/// differs from a tracked folder) only in case: `ci.yml` beside `CI.yml` is two files for git and
/// one on a case-insensitive checkout (macOS, Windows), where one overwrites the other. Then the
/// repository is skipped, naming the file in the way. A file the same change removes (a move
/// that only changes the case) is not in the way.
fn refuse_case_clash(snapshot: &Snapshot, decision: Decision) -> Decision {
    let Decision::Change(changes) = &decision else {
        return decision;
    };
    let removed = |path: &BStr| changes.iter().any(|c| c.new.is_none() && c.path == path);
    for created in changes.iter().filter(|c| c.old.is_none()) {
        let in_the_way = snapshot.tracked.iter().find(|tracked| {
            !removed(tracked.path.as_bstr())
                && differs_only_in_case(created.path.as_bstr(), tracked.path.as_bstr())
        });
        if let Some(tracked) = in_the_way {
            return Decision::Skip(format!(
                "cannot create {}: the tracked {} differs from it only in case, and on a macOS \
                 or Windows checkout the two would be one; rename one of them first",
                created.path.to_str_lossy(),
                tracked.path.to_str_lossy()
            ));
        }
    }
    decision
}

/// Whether `a` and `b` (`/`-separated) name the same file or folder on a case-insensitive file
/// system but not on git's: the first component where they differ differs only in case.
fn differs_only_in_case(a: &BStr, b: &BStr) -> bool {
    for (x, y) in a.split_str("/").zip(b.split_str("/")) {
        if x == y {
            continue;
        }
        return x.to_lowercase() == y.to_lowercase();
    }
    false
}

/// The tracked entry (a file, a symbolic link, a submodule) where a folder on the way to `path`
/// would have to be (`a` tracked, creating `a/b`).
fn in_the_way<'s>(snapshot: &'s Snapshot, path: &BStr) -> Option<&'s Tracked> {
    path.char_indices()
        .filter(|(_, _, c)| *c == '/')
        .find_map(|(at, _, _)| snapshot.entry(path[..at].as_bstr()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_paths_or_globs_inside_the_repository() {
        for bad in ["", "../x", ".git/config", "a/["] {
            assert!(Pattern::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(matches!(
            Pattern::parse("./.github//workflows/ci.yml"),
            Ok(Pattern::Path(path)) if path == ".github/workflows/ci.yml"
        ));
        assert!(matches!(
            Pattern::parse("./.github/workflows/*.yml"),
            Ok(Pattern::Glob { text, .. }) if text == ".github/workflows/*.yml"
        ));
    }

    #[test]
    fn globs_are_said_in_words() {
        for (glob, words) in [
            (
                ".github/workflows/{ci,test}.yml",
                "ci.yml and test.yml in .github/workflows",
            ),
            ("{a,b,c}.md", "a.md, b.md and c.md"),
            (
                ".github/workflows/*.yml",
                "the .yml files in .github/workflows",
            ),
            ("*.md", "the .md files at the top level"),
            ("**/*.md", "the .md files in every folder"),
            ("docs/**/*.md", "the .md files under docs"),
            ("docs/*", "every file in docs"),
            ("{a,b,c,d}.md", "the files matching {a,b,c,d}.md"),
            ("*/ci.yml", "the files matching */ci.yml"),
            ("ci-?.yml", "the files matching ci-?.yml"),
            ("{a,b}*.md", "the files matching {a,b}*.md"),
        ] {
            assert_eq!(glob_in_words(glob), words, "{glob}");
        }
    }

    #[test]
    fn case_only_differences_are_found_component_by_component() {
        let clash = |a: &str, b: &str| differs_only_in_case(a.into(), b.into());
        assert!(clash(
            ".github/workflows/ci.yml",
            ".github/workflows/CI.yml"
        ));
        assert!(clash(
            ".github/workflows/ci.yml",
            ".GitHub/workflows/other.yml"
        ));
        assert!(clash("ÉTÉ.md", "été.md"));
        assert!(!clash(
            ".github/workflows/ci.yml",
            ".github/workflows/cd.yml"
        ));
        assert!(!clash(".github/workflows/ci.yml", "docs/CI.yml"));
        assert!(!clash("a/b", "a/b"));
        assert!(!clash("a", "a/b"));
    }
}
