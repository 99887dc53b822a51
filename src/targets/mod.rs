//! Which repositories a run works on: finding them under the root and narrowing them down by
//! target spec, exclusion and shard ([`select`]), then by `--where` ([`keep_where`], which reads
//! each one). The selection itself, as plain data, is in [`selection`].

mod filter;
pub mod repo;
pub mod selection;

use std::fs;
use std::path::{Path, PathBuf};

use globset::GlobMatcher;
use walkdir::WalkDir;

use crate::config::Config;

pub use filter::{keep_where, status_matches};
pub use repo::Repo;
pub use selection::{Selection, Shard, WhereFilter, confined_path, fnv1a_64};

/// Why a selection could not be resolved. Every variant is a usage error (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("root folder {0} does not exist or cannot be read")]
    RootNotFound(PathBuf),
    #[error(
        "the root folder {} has a path that is not UTF-8, which git-batch cannot report or \
         journal exactly: rename it, or run from a folder inside it",
        .0.display()
    )]
    RootNotUtf8(PathBuf),
    #[error(
        "no repository under {root} (looked for `.git` down to --depth {depth}); \
         run from the folder that holds your repositories, or pass -C DIR"
    )]
    NoRepositories { root: PathBuf, depth: usize },
    #[error("no repository matches `{spec}` under {root}")]
    NoMatch { spec: String, root: PathBuf },
    #[error("group `{group}` in .git-batch.toml: `{member}` matches no repository under {root}")]
    EmptyGroupMember {
        group: String,
        member: String,
        root: PathBuf,
    },
    #[error("bad glob `{glob}`: {source}")]
    BadGlob {
        glob: String,
        source: globset::Error,
    },
    #[error("cannot read the target list {path}: {source}")]
    ListFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`@failed`: {0}")]
    Failed(String),
    #[error(
        "the target spec `-t {0:?}` names no repository (an unset variable?): give names, \
         a glob such as `@api-*`, or leave -t out for every repository"
    )]
    EmptySpec(String),
}

/// A target spec as typed after `-t`, classified but not yet resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    /// `@all-repos`
    AllRepos,
    /// `@failed`
    Failed,
    /// `@NAME`: a group of `.git-batch.toml` when one has that name, else a glob.
    GroupOrGlob(String),
    /// `a,b,c`: names or paths.
    List(Vec<String>),
    /// One word: a name, a path to a repository, a list file or a folder to scan.
    Single(String),
}

impl TargetSpec {
    /// Classifies a spec. Whether its words name anything is decided on resolution; a spec with
    /// no word at all (``, `,`: an unset shell variable) is refused here, because read as a path
    /// it would be the current folder, that is every repository.
    pub fn parse(spec: &str) -> Result<TargetSpec, TargetError> {
        let trimmed = spec.trim();
        let parsed = match trimmed.strip_prefix('@') {
            Some("all-repos") => TargetSpec::AllRepos,
            Some("failed") => TargetSpec::Failed,
            Some("") => return Err(TargetError::EmptySpec(spec.to_owned())),
            Some(pattern) => TargetSpec::GroupOrGlob(pattern.to_owned()),
            None if trimmed.contains(',') => TargetSpec::List(
                trimmed
                    .split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            None => TargetSpec::Single(trimmed.to_owned()),
        };
        match &parsed {
            TargetSpec::List(items) if items.is_empty() => {
                Err(TargetError::EmptySpec(spec.to_owned()))
            }
            TargetSpec::Single(word) if word.is_empty() => {
                Err(TargetError::EmptySpec(spec.to_owned()))
            }
            _ => Ok(parsed),
        }
    }
}

/// Whether `dir` holds a `.git` folder or gitfile (a symbolic link named `.git` does not count).
pub fn is_repository(dir: &Path) -> bool {
    fs::symlink_metadata(dir.join(".git")).is_ok_and(|meta| meta.is_dir() || meta.is_file())
}

/// Finds the repositories under `root` as `find ROOT -maxdepth DEPTH -name .git` would:
/// folders up to `depth - 1` below the root that hold `.git`. Never enters `.git`, never follows
/// symbolic links. Sorted by name. Folders that cannot be read are passed over.
pub fn discover(root: &Path, depth: usize) -> Vec<Repo> {
    if depth == 0 {
        return Vec::new();
    }
    let walker = WalkDir::new(root)
        .max_depth(depth - 1)
        .follow_links(false)
        .into_iter()
        .filter_entry(|entry| entry.file_name() != ".git");
    let mut repos: Vec<Repo> = walker
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_dir() && is_repository(entry.path()))
        .map(|entry| Repo {
            name: name_under(root, entry.path()).unwrap_or_else(|| lossy(entry.path())),
            path: entry.into_path(),
            unreadable: None,
        })
        .collect();
    repos.sort();
    repos
}

/// The `/`-separated name of `path` relative to `root`, `.` for the root; `None` outside it.
fn name_under(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    let parts: Vec<_> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    Some(if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    })
}

fn lossy(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// A glob over names: without `/` it matches the last component, with `/` the whole name.
#[derive(Debug, Clone)]
pub struct NameGlob {
    matcher: GlobMatcher,
    whole_name: bool,
}

impl NameGlob {
    pub fn new(glob: &str) -> Result<Self, TargetError> {
        let matcher = crate::repo_path::glob(glob).map_err(|source| TargetError::BadGlob {
            glob: glob.to_owned(),
            source,
        })?;
        Ok(NameGlob {
            matcher,
            whole_name: glob.contains('/'),
        })
    }

    pub fn is_match(&self, name: &str) -> bool {
        if self.whole_name {
            self.matcher.is_match(name)
        } else {
            self.matcher
                .is_match(name.rsplit('/').next().unwrap_or(name))
        }
    }
}

/// Resolves a selection into the canonical root and the sorted, deduplicated repositories it
/// names (before `--where`, which needs to read each repository). `failed` answers `@failed`:
/// given the canonical root, the paths of the repositories that failed in its last run.
pub fn select(
    selection: &Selection,
    cwd: &Path,
    config: &Config,
    failed: impl FnOnce(&Path) -> Result<Vec<PathBuf>, String>,
) -> Result<(PathBuf, Vec<Repo>), TargetError> {
    let root = fs::canonicalize(&selection.root)
        .map_err(|_| TargetError::RootNotFound(selection.root.clone()))?;
    if !root.is_dir() {
        return Err(TargetError::RootNotFound(selection.root.clone()));
    }
    if root.to_str().is_none() {
        return Err(TargetError::RootNotUtf8(root));
    }
    let resolver = Resolver {
        root: &root,
        cwd,
        depth: selection.depth,
        found: discover(&root, selection.depth),
    };
    let mut repos = match TargetSpec::parse(&selection.targets)? {
        TargetSpec::AllRepos if resolver.found.is_empty() => {
            return Err(TargetError::NoRepositories {
                root,
                depth: selection.depth,
            });
        }
        TargetSpec::AllRepos => resolver.found.clone(),
        TargetSpec::Failed => {
            let paths = failed(&root).map_err(TargetError::Failed)?;
            let mut repos = Vec::new();
            for path in paths {
                let repo = resolver.repository_at(&path).ok_or_else(|| {
                    TargetError::Failed(format!("{} is no longer a repository", path.display()))
                })?;
                repos.push(repo);
            }
            repos
        }
        TargetSpec::GroupOrGlob(name) => match config.groups.get(&name) {
            Some(members) => resolver.group(&name, members)?,
            None => resolver.glob(&selection.targets, &name)?,
        },
        TargetSpec::List(items) => items
            .iter()
            .map(|item| resolver.item(item))
            .collect::<Result<_, _>>()?,
        TargetSpec::Single(word) => resolver.single(&word)?,
    };
    let excludes = selection
        .exclude
        .iter()
        .map(|glob| NameGlob::new(glob))
        .collect::<Result<Vec<_>, _>>()?;
    repos.retain(|repo| !excludes.iter().any(|glob| glob.is_match(&repo.name)));
    if let Some(shard) = selection.shard {
        repos.retain(|repo| shard.contains(&repo.name));
    }
    repos.sort();
    repos.dedup_by(|a, b| a.path == b.path);
    Ok((root, repos))
}

struct Resolver<'a> {
    root: &'a Path,
    cwd: &'a Path,
    depth: usize,
    found: Vec<Repo>,
}

impl Resolver<'_> {
    fn no_match(&self, spec: &str) -> TargetError {
        TargetError::NoMatch {
            spec: spec.to_owned(),
            root: self.root.to_path_buf(),
        }
    }

    fn glob(&self, spec: &str, pattern: &str) -> Result<Vec<Repo>, TargetError> {
        let glob = NameGlob::new(pattern)?;
        let repos: Vec<Repo> = self
            .found
            .iter()
            .filter(|repo| glob.is_match(&repo.name))
            .cloned()
            .collect();
        if repos.is_empty() {
            return Err(self.no_match(spec));
        }
        Ok(repos)
    }

    fn group(&self, group: &str, members: &[String]) -> Result<Vec<Repo>, TargetError> {
        let mut repos = Vec::new();
        for member in members {
            let matched = if let Some(repo) = self.by_name(member) {
                vec![repo]
            } else {
                self.glob(member, member).unwrap_or_default()
            };
            if matched.is_empty() {
                return Err(TargetError::EmptyGroupMember {
                    group: group.to_owned(),
                    member: member.clone(),
                    root: self.root.to_path_buf(),
                });
            }
            repos.extend(matched);
        }
        Ok(repos)
    }

    fn by_name(&self, name: &str) -> Option<Repo> {
        let name = name.trim_end_matches('/');
        let name = name.strip_prefix("./").unwrap_or(name);
        let name = if name.is_empty() { "." } else { name };
        self.found.iter().find(|repo| repo.name == name).cloned()
    }

    /// One word of a list: a name found under the root, or a path to a repository.
    fn item(&self, item: &str) -> Result<Repo, TargetError> {
        if let Some(repo) = self.by_name(item) {
            return Ok(repo);
        }
        self.repository_at(&self.cwd.join(item))
            .ok_or_else(|| self.no_match(item))
    }

    fn repository_at(&self, path: &Path) -> Option<Repo> {
        let path = fs::canonicalize(path).ok()?;
        if !path.is_dir() || !is_repository(&path) {
            return None;
        }
        Some(Repo {
            name: name_under(self.root, &path).unwrap_or_else(|| lossy(&path)),
            path,
            unreadable: None,
        })
    }

    fn single(&self, word: &str) -> Result<Vec<Repo>, TargetError> {
        if let Some(repo) = self.by_name(word) {
            return Ok(vec![repo]);
        }
        let path = self.cwd.join(word);
        if path.is_file() {
            return self.list_file(&path);
        }
        if let Some(repo) = self.repository_at(&path) {
            return Ok(vec![repo]);
        }
        if path.is_dir() {
            // A folder that is not itself a repository: scan it instead of the root.
            let folder = fs::canonicalize(&path).map_err(|_| self.no_match(word))?;
            let repos: Vec<Repo> = discover(&folder, self.depth)
                .into_iter()
                .map(|repo| Repo {
                    name: name_under(self.root, &repo.path).unwrap_or(repo.name),
                    ..repo
                })
                .collect();
            if repos.is_empty() {
                return Err(self.no_match(word));
            }
            return Ok(repos);
        }
        Err(self.no_match(word))
    }

    fn list_file(&self, path: &Path) -> Result<Vec<Repo>, TargetError> {
        let text = fs::read_to_string(path).map_err(|source| TargetError::ListFile {
            path: path.to_path_buf(),
            source,
        })?;
        // Paths in a list file are relative to the file's folder, as a user reading it expects.
        let base = path.parent().unwrap_or(self.cwd);
        let relative = Resolver {
            root: self.root,
            cwd: base,
            depth: self.depth,
            found: Vec::new(),
        };
        let mut repos = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let repo = match self.by_name(line) {
                Some(repo) => repo,
                None => relative
                    .repository_at(&base.join(line))
                    .ok_or_else(|| self.no_match(line))?,
            };
            repos.push(repo);
        }
        Ok(repos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn specs_are_classified() {
        let parse = |spec: &str| TargetSpec::parse(spec).ok();
        assert_eq!(parse("@all-repos"), Some(TargetSpec::AllRepos));
        assert_eq!(parse("@failed"), Some(TargetSpec::Failed));
        assert_eq!(
            parse("@rsr-*"),
            Some(TargetSpec::GroupOrGlob("rsr-*".into()))
        );
        assert_eq!(
            parse("a, b,,c"),
            Some(TargetSpec::List(vec!["a".into(), "b".into(), "c".into()]))
        );
        assert_eq!(parse("."), Some(TargetSpec::Single(".".into())));
        assert_eq!(
            parse("repos.txt"),
            Some(TargetSpec::Single("repos.txt".into()))
        );
    }

    #[test]
    fn specs_without_a_word_are_refused() {
        for spec in ["", "  ", ",", " , ,", "@"] {
            assert!(
                matches!(TargetSpec::parse(spec), Err(TargetError::EmptySpec(_))),
                "{spec:?}"
            );
        }
    }

    #[test]
    fn globs_without_a_slash_match_the_last_component() {
        let glob = NameGlob::new("api-*").expect("valid");
        assert!(glob.is_match("api-users"));
        assert!(glob.is_match("team/api-users"));
        assert!(!glob.is_match("api-x/web"));
        let glob = NameGlob::new("team/*").expect("valid");
        assert!(glob.is_match("team/web"));
        assert!(!glob.is_match("other/web"));
        assert!(!glob.is_match("team/deep/web"));
    }

    proptest! {
        #[test]
        fn list_specs_keep_every_item(items in proptest::collection::vec("[a-z0-9_.-]{1,12}", 2..8)) {
            let spec = items.join(",");
            prop_assert_eq!(TargetSpec::parse(&spec).ok(), Some(TargetSpec::List(items)));
        }
    }
}
