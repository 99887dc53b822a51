//! The forge's model of its pull requests: lookups, opening, merging in the bare repository
//! with git itself, and pages with the `Link` header every forge sends.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::{Pull, Request, Response, State};

impl State {
    pub fn has_repo(&self, path: &str) -> bool {
        self.repos.iter().any(|repo| repo.path == path)
    }

    /// The bare repository of `repo`, when it is a served fleet repository.
    fn bare(&self, repo: &str) -> Option<PathBuf> {
        let path = self.project_root.join(format!("{repo}.git"));
        path.exists().then_some(path)
    }

    /// The tip of `branch` in `repo`'s bare repository.
    pub fn tip(&self, repo: &str, branch: &str) -> Option<String> {
        let bare = self.bare(repo)?;
        let out = git(
            &bare,
            &[
                "rev-parse",
                "--verify",
                "-q",
                &format!("refs/heads/{branch}"),
            ],
        )?;
        Some(out)
    }

    /// The head commit a pull request's checks are reported on.
    pub fn head_sha(&self, pull: &Pull) -> String {
        self.tip(&pull.repo, &pull.head)
            .unwrap_or_else(|| format!("{:040x}", pull.number))
    }

    pub fn pull_at(&mut self, repo: &str, number: u64) -> Option<&mut Pull> {
        self.pulls
            .iter_mut()
            .find(|pull| pull.repo == repo && pull.number == number)
    }

    /// The open pull request of `repo` from `head`.
    pub fn open_pull(&self, repo: &str, head: &str) -> Option<&Pull> {
        self.pulls
            .iter()
            .find(|p| p.repo == repo && p.head == head && !p.closed && !p.merged)
    }

    /// Opens a pull request; its number counts across the forge, as issues and pulls share
    /// one sequence per repository on every forge (one sequence is enough here).
    pub fn new_pull(
        &mut self,
        repo: &str,
        head: &str,
        base: &str,
        title: &str,
        body: &str,
        draft: bool,
    ) -> Pull {
        let pull = Pull {
            number: self.pulls.len() as u64 + 1,
            repo: repo.to_string(),
            head: head.to_string(),
            base: base.to_string(),
            title: title.to_string(),
            body: body.to_string(),
            draft,
            labels: Vec::new(),
            reviewers: Vec::new(),
            assignees: Vec::new(),
            closed: false,
            merged: false,
            checks: "none".to_string(),
            reviews: Vec::new(),
        };
        self.pulls.push(pull.clone());
        pull
    }

    /// Merges pull request `number` of `repo` in its bare repository: a merge commit, or one
    /// commit on the base for squash and rebase. `Err` says why it cannot.
    pub fn merge(&mut self, repo: &str, number: u64, method: &str) -> Result<String, String> {
        let pull = self
            .pull_at(repo, number)
            .ok_or("no such pull request")?
            .clone();
        if pull.closed || pull.merged {
            return Err("Pull Request is not mergeable".into());
        }
        let bare = self.bare(repo).ok_or("no bare repository")?;
        let base = self.tip(repo, &pull.base).ok_or("no base branch")?;
        let head = self.tip(repo, &pull.head).ok_or("no head branch")?;
        let tree =
            git(&bare, &["merge-tree", "--write-tree", &base, &head]).ok_or("merge conflict")?;
        let message = format!("{} (#{number})", pull.title);
        let commit = match method {
            "merge" => git(
                &bare,
                &[
                    "commit-tree",
                    &tree,
                    "-p",
                    &base,
                    "-p",
                    &head,
                    "-m",
                    &message,
                ],
            ),
            _ => git(&bare, &["commit-tree", &tree, "-p", &base, "-m", &message]),
        }
        .ok_or("commit-tree failed")?;
        git(
            &bare,
            &[
                "update-ref",
                &format!("refs/heads/{}", pull.base),
                &commit,
                &base,
            ],
        )
        .ok_or("update-ref")?;
        let pull = self.pull_at(repo, number).expect("still there");
        pull.merged = true;
        pull.closed = true;
        Ok(commit)
    }

    /// One page of `items` as the request asks (`page`, and `per_page` or `limit` up to the
    /// server's maximum), with the `Link` header every forge sends.
    pub fn page(&self, request: &Request, items: Vec<Value>) -> Response {
        let asked = request
            .param("per_page")
            .or_else(|| request.param("limit"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(30usize);
        let size = asked.clamp(1, self.max_page);
        let page: usize = request
            .param("page")
            .and_then(|n| n.parse().ok())
            .unwrap_or(1)
            .max(1);
        let last = items.len().div_ceil(size).max(1);
        let slice: Vec<Value> = items
            .into_iter()
            .skip((page - 1) * size)
            .take(size)
            .collect();
        let mut response = Response::json(200, &Value::Array(slice));
        let link = |n: usize| {
            let query: Vec<&str> = request
                .query()
                .split('&')
                .filter(|p| !p.is_empty() && !p.starts_with("page="))
                .collect();
            let mut query = query.join("&");
            if !query.is_empty() {
                query.push('&');
            }
            format!("{}{}?{query}page={n}", self.base_url, request.path())
        };
        let mut links = Vec::new();
        if page < last {
            links.push(format!("<{}>; rel=\"next\"", link(page + 1)));
            links.push(format!("<{}>; rel=\"last\"", link(last)));
            response = response.with_header("X-Next-Page", &(page + 1).to_string());
        }
        if page > 1 {
            links.push(format!("<{}>; rel=\"first\"", link(1)));
            links.push(format!("<{}>; rel=\"prev\"", link(page - 1)));
        }
        if !links.is_empty() {
            response = response.with_header("Link", &links.join(", "));
        }
        response
    }
}

/// Runs git in `dir` with a fixed identity; its trimmed stdout, or `None` when it fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "Forge")
        .env("GIT_AUTHOR_EMAIL", "forge@example.com")
        .env("GIT_COMMITTER_NAME", "Forge")
        .env("GIT_COMMITTER_EMAIL", "forge@example.com")
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}
