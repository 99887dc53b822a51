//! The Gitea (and Forgejo) flavour: REST v1 as Gitea's swagger describes pulls (draft as a
//! `WIP:` title, labels by id), requested reviewers, reviews, commit status, merges and an
//! organisation's repositories.

use serde_json::{Value, json};

use super::github::{checks_of, strings};
use super::{Pull, Request, Response, State};

fn pull_json(state: &State, pull: &Pull) -> Value {
    let labels: Vec<Value> = pull
        .labels
        .iter()
        .map(|name| json!({"id": state.labels.iter().position(|l| l == name).map_or(0, |at| at + 1), "name": name}))
        .collect();
    json!({
        "number": pull.number,
        "html_url": format!("{}/{}/pulls/{}", state.base_url, pull.repo, pull.number),
        "state": if pull.closed { "closed" } else { "open" },
        "merged": pull.merged,
        "title": pull.title,
        "body": pull.body,
        "head": {"ref": pull.head, "sha": state.head_sha(pull)},
        "base": {"ref": pull.base},
        "labels": labels,
        "assignees": pull.assignees.iter().map(|login| json!({"login": login})).collect::<Vec<_>>(),
        "requested_reviewers": pull.reviewers.iter().map(|login| json!({"login": login})).collect::<Vec<_>>(),
    })
}

pub fn route(state: &mut State, request: &Request, segments: &[&str]) -> Option<Response> {
    let method = request.method.as_str();
    match segments {
        ["orgs" | "users", owner, "repos"] if method == "GET" => {
            let prefix = format!("{owner}/");
            let items: Vec<Value> = state
                .repos
                .iter()
                .filter(|repo| repo.path.starts_with(&prefix))
                .map(|repo| {
                    json!({"name": repo.path.rsplit('/').next(), "full_name": repo.path,
                           "clone_url": format!("{}/{}.git", state.base_url, repo.path),
                           "ssh_url": format!("git@127.0.0.1:{}.git", repo.path),
                           "default_branch": "main", "archived": repo.archived,
                           "fork": repo.fork, "topics": repo.topics})
                })
                .collect();
            if items.is_empty() {
                return None;
            }
            Some(state.page(request, items))
        }
        ["repos", o, r, rest @ ..] => {
            let repo = format!("{o}/{r}");
            if !state.has_repo(&repo) {
                return None;
            }
            repo_route(state, request, &repo, rest)
        }
        _ => None,
    }
}

fn repo_route(state: &mut State, request: &Request, repo: &str, rest: &[&str]) -> Option<Response> {
    let method = request.method.as_str();
    let body = request.json();
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let number = |text: &str| text.parse::<u64>().ok();
    match rest {
        ["labels"] if method == "GET" => {
            let items = state
                .labels
                .iter()
                .enumerate()
                .map(|(at, name)| json!({"id": at + 1, "name": name}))
                .collect();
            Some(state.page(request, items))
        }
        ["pulls"] if method == "GET" => {
            let open = request.param("state").as_deref() != Some("all");
            let items: Vec<Value> = state
                .pulls
                .iter()
                .filter(|pull| pull.repo == repo && (!open || !pull.closed))
                .map(|pull| pull_json(state, pull))
                .collect();
            Some(state.page(request, items))
        }
        ["pulls"] if method == "POST" => {
            let (head, base) = (text("head"), text("base"));
            if let Some(open) = state.open_pull(repo, &head) {
                let message = format!(
                    "pull request already exists for these targets [id: {0}, issue_id: {0}, head_repo_id: 1, \
                     base_repo_id: 1, head_branch: {head}, base_branch: {base}]",
                    open.number
                );
                return Some(Response::json(
                    409,
                    &json!({"message": message, "url": format!("{}/api/swagger", state.base_url)}),
                ));
            }
            let assignees = strings(&body, "assignees");
            if let Some(unknown) = assignees.iter().find(|login| !state.users.contains(login)) {
                return Some(Response::json(
                    422,
                    &json!({"message": format!("user does not exist [uid: 0, name: {unknown}]")}),
                ));
            }
            let labels: Vec<String> = body
                .get("labels")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64)
                .filter_map(|id| state.labels.get((id as usize).checked_sub(1)?).cloned())
                .collect();
            let title = text("title");
            let draft = title.starts_with("WIP:") || title.starts_with("[WIP]");
            let number = state
                .new_pull(repo, &head, &base, &title, &text("body"), draft)
                .number;
            let stored = state.pull_at(repo, number)?;
            (stored.labels, stored.assignees) = (labels, assignees);
            let pull = stored.clone();
            Some(Response::json(201, &pull_json(state, &pull)))
        }
        ["pulls", n] => {
            let n = number(n)?;
            if method == "PATCH" && text("state") == "closed" {
                state.pull_at(repo, n)?.closed = true;
            }
            let pull = state.pull_at(repo, n)?.clone();
            Some(Response::json(
                if method == "PATCH" { 201 } else { 200 },
                &pull_json(state, &pull),
            ))
        }
        ["pulls", n, "merge"] if method == "POST" => {
            let n = number(n)?;
            if state.pull_at(repo, n)?.draft {
                return Some(Response::json(
                    405,
                    &json!({"message": "The pull request is a work in progress"}),
                ));
            }
            let how = match text("Do").as_str() {
                "" => "merge".to_string(),
                other => other.to_string(),
            };
            Some(match state.merge(repo, n, &how) {
                Ok(_) => Response {
                    status: 200,
                    headers: Vec::new(),
                    body: Vec::new(),
                },
                Err(why) => Response::json(405, &json!({"message": why})),
            })
        }
        ["pulls", n, "requested_reviewers"] if method == "POST" => {
            let n = number(n)?;
            let asked = strings(&body, "reviewers");
            if let Some(unknown) = asked.iter().find(|login| !state.users.contains(login)) {
                return Some(Response::json(
                    422,
                    &json!({"message": format!("user does not exist [uid: 0, name: {unknown}]")}),
                ));
            }
            state
                .pull_at(repo, n)?
                .reviewers
                .extend(asked.iter().cloned());
            let items: Vec<Value> = asked
                .iter()
                .map(|login| json!({"user": {"login": login}, "state": "REQUEST_REVIEW"}))
                .collect();
            Some(Response::json(201, &Value::Array(items)))
        }
        ["pulls", n, "reviews"] if method == "GET" => {
            let pull = state.pull_at(repo, number(n)?)?.clone();
            let requested = pull
                .reviewers
                .iter()
                .map(|login| (login.clone(), "REQUEST_REVIEW".to_string()));
            let items = requested
                .chain(pull.reviews.iter().map(|(login, verdict)| {
                    let verdict = if verdict == "CHANGES_REQUESTED" { "REQUEST_CHANGES" } else { verdict.as_str() };
                    (login.clone(), verdict.to_string())
                }))
                .enumerate()
                .map(|(id, (login, verdict))| json!({"id": id + 1, "user": {"login": login}, "state": verdict, "dismissed": false}))
                .collect();
            Some(state.page(request, items))
        }
        ["commits", sha, "status"] if method == "GET" => {
            let checks = checks_of(state, repo, sha);
            let (combined, statuses) = match checks.as_str() {
                "none" => (String::new(), Vec::new()),
                "failure" => (
                    "failure".to_string(),
                    vec![json!({"status": "failure", "context": "ci"})],
                ),
                verdict => (
                    verdict.to_string(),
                    vec![json!({"status": verdict, "context": "ci"})],
                ),
            };
            Some(Response::json(
                200,
                &json!({"state": combined, "sha": sha, "total_count": statuses.len(), "statuses": statuses}),
            ))
        }
        _ => None,
    }
}
