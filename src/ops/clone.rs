//! `clone URL…` / `clone --list FILE`: brings a fleet into the root, in parallel. A repository
//! already there is left alone; a clone that fails or times out leaves no folder behind (it is
//! made under a temporary name and renamed only once complete).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::git::{Git, remote};
use crate::hosts::{HostGate, host_refusal_fix};

use crate::outcome::{Outcome, RepoReport};
use crate::targets::Repo;

/// One repository to clone: where from, and the folder under the root it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub url: String,
    /// The folder's name under the root (the URL's last part, without `.git`).
    pub name: String,
}

/// Resolves the command line's URLs and the lines of `--list` into sources. `owner/name` is
/// joined to `base_url`. Every name must be a plain folder name, and no two may be the same.
pub fn sources(items: &[String], base_url: &str) -> Result<Vec<Source>, String> {
    let mut sources: Vec<Source> = Vec::with_capacity(items.len());
    for item in items {
        let item = item.trim();
        let url = if is_short_name(item) {
            join(base_url, item)
        } else {
            item.to_owned()
        };
        let name = folder_name(&url)
            .ok_or_else(|| format!("cannot tell which folder {item} should be cloned into"))?;
        if let Some(other) = sources.iter().find(|s| s.name == name) {
            return Err(format!(
                "{} and {} would both be cloned into {name}",
                other.url, url
            ));
        }
        sources.push(Source { url, name });
    }
    Ok(sources)
}

/// The entries of a `--list` file: one URL or `owner/name` a line; blank lines and `#`
/// comments are ignored.
pub fn read_list(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read --list {}: {err}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

/// `owner/name`: exactly one slash, no scheme, no `host:` and not a path.
fn is_short_name(item: &str) -> bool {
    let mut parts = item.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(owner), Some(name), None)
            if !owner.is_empty() && !name.is_empty() && owner != "." && owner != ".."
    ) && !item.contains(':')
}

/// `base_url` and `owner/name`. A local base (a folder) whose `owner/name` is missing but
/// `owner/name.git` exists gets the latter, as bare repositories are usually named.
fn join(base_url: &str, short: &str) -> String {
    let joined = format!("{}/{short}", base_url.trim_end_matches('/'));
    if remote::host_of(base_url) == "local" && !base_url.contains("://") {
        let bare = format!("{joined}.git");
        if !Path::new(&joined).exists() && Path::new(&bare).exists() {
            return bare;
        }
    }
    joined
}

/// The folder a URL clones into, as `git clone` would name it.
fn folder_name(url: &str) -> Option<String> {
    let trimmed = url.trim_end_matches('/');
    let last = trimmed.rsplit(['/', ':']).next()?;
    let name = last.strip_suffix(".git").unwrap_or(last);
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.starts_with('.')
        && !name.contains(['\\', '\0']);
    plain.then(|| name.to_owned())
}

/// How to clone.
#[derive(Debug, Clone)]
pub struct CloneOptions {
    pub dry_run: bool,
    pub timeout: Duration,
}

/// The repository entry a source fills, under `root`.
pub fn repo_of(root: &Path, source: &Source) -> Repo {
    Repo {
        name: source.name.clone(),
        path: root.join(&source.name),
        unreadable: None,
    }
}

/// Clones `source` into `repo.path`, unless something is there already.
pub fn clone(repo: &Repo, source: &Source, options: &CloneOptions, gate: &HostGate) -> RepoReport {
    match std::fs::symlink_metadata(&repo.path) {
        Ok(_) if repo.path.join(".git").exists() => {
            return RepoReport::new(repo, Outcome::Unchanged, "already cloned");
        }
        Ok(_) => {
            return RepoReport::new(
                repo,
                Outcome::Skipped,
                format!(
                    "{} exists and is not a repository; left alone",
                    repo.path.display()
                ),
            );
        }
        Err(_) => {}
    }
    if options.dry_run {
        return RepoReport::new(
            repo,
            Outcome::Changed,
            format!("would clone {}", source.url),
        );
    }
    let Some(root) = repo.path.parent() else {
        return RepoReport::failed(repo, "no folder to clone into");
    };
    let partial = partial_path(root, &source.name);
    let host = remote::host_of(&source.url);
    let result = {
        let _permit = gate.enter(&host);
        Git::new(root, options.timeout).check(&[
            std::ffi::OsStr::new("clone"),
            std::ffi::OsStr::new("--quiet"),
            std::ffi::OsStr::new("--"),
            std::ffi::OsStr::new(&source.url),
            partial.as_os_str(),
        ])
    };
    match result {
        Ok(()) => match std::fs::rename(&partial, &repo.path) {
            Ok(()) => RepoReport::new(repo, Outcome::Changed, format!("cloned {}", source.url)),
            Err(err) => {
                let _ = std::fs::remove_dir_all(&partial);
                RepoReport::failed(repo, format!("cannot move the clone into place: {err}"))
            }
        },
        Err(err) => {
            let _ = std::fs::remove_dir_all(&partial);
            let message = match host_refusal_fix(err.message()) {
                Some(fix) => format!("{err} — {fix}"),
                None => err.to_string(),
            };
            RepoReport::failed(repo, message)
        }
    }
}

/// Where a clone is made before it is complete: hidden, beside its final place (so the rename
/// stays within one file system), and not found by discovery (it has no `.git` until git makes
/// one, and a dot folder is skipped).
fn partial_path(root: &Path, name: &str) -> PathBuf {
    root.join(format!(".{name}.git-batch-clone-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_joined_to_the_base_url() {
        let s = sources(
            &[
                "rust-lang/cargo".into(),
                "https://gitlab.com/a/b.git".into(),
            ],
            "https://github.com/",
        )
        .expect("valid");
        assert_eq!(s[0].url, "https://github.com/rust-lang/cargo");
        assert_eq!(s[0].name, "cargo");
        assert_eq!(s[1].url, "https://gitlab.com/a/b.git");
        assert_eq!(s[1].name, "b");
        let scp = sources(&["git@github.com:o/tool.git".into()], "x").expect("valid");
        assert_eq!(
            (scp[0].url.as_str(), scp[0].name.as_str()),
            ("git@github.com:o/tool.git", "tool")
        );
    }

    #[test]
    fn names_must_be_plain_and_distinct() {
        assert!(sources(&["a/x".into(), "b/x".into()], "https://h").is_err());
        assert!(sources(&["https://h/..".into()], "https://h").is_err());
        assert!(sources(&["https://h/.hidden".into()], "https://h").is_err());
    }
}
