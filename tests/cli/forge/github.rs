//! The GitHub flavour: REST v3 as docs.github.com describes pulls, issues' labels and
//! assignees, requested reviewers, combined status, check runs, reviews, merges and an
//! organisation's repositories.

use serde_json::{Value, json};

use super::{Pull, Request, Response, State};

fn pull_json(state: &State, pull: &Pull) -> Value {
    let sha = state.head_sha(pull);
    json!({
        "number": pull.number,
        "html_url": format!("{}/{}/pull/{}", state.base_url, pull.repo, pull.number),
        "url": format!("{}/api/v3/repos/{}/pulls/{}", state.base_url, pull.repo, pull.number),
        "state": if pull.closed { "closed" } else { "open" },
        "draft": pull.draft,
        "merged": pull.merged,
        "merged_at": if pull.merged { json!("2026-12-01T00:00:00Z") } else { Value::Null },
        "title": pull.title,
        "body": pull.body,
        "head": {"ref": pull.head, "sha": sha, "label": format!("{}:{}", owner(&pull.repo), pull.head)},
        "base": {"ref": pull.base},
        "labels": pull.labels.iter().map(|name| json!({"name": name})).collect::<Vec<_>>(),
        "assignees": pull.assignees.iter().map(|login| json!({"login": login})).collect::<Vec<_>>(),
        "requested_reviewers": pull.reviewers.iter()
            .filter(|login| !pull.reviews.iter().any(|(who, _)| who == *login))
            .map(|login| json!({"login": login})).collect::<Vec<_>>(),
    })
}

fn owner(repo: &str) -> &str {
    repo.split('/').next().unwrap_or_default()
}

fn validation(message: &str) -> Response {
    Response::json(
        422,
        &json!({"message": "Validation Failed",
                "errors": [{"resource": "PullRequest", "code": "custom", "message": message}],
                "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"}),
    )
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
    let number = |text: &str| text.parse::<u64>().ok();
    match rest {
        ["pulls"] if method == "GET" => {
            let wanted_state = request.param("state").unwrap_or_else(|| "open".into());
            let head = request.param("head");
            let items: Vec<Value> = state
                .pulls
                .iter()
                .filter(|pull| pull.repo == repo)
                .filter(|pull| match wanted_state.as_str() {
                    "open" => !pull.closed,
                    "closed" => pull.closed,
                    _ => true,
                })
                .filter(|pull| {
                    head.as_ref()
                        .is_none_or(|head| *head == format!("{}:{}", owner(repo), pull.head))
                })
                .map(|pull| pull_json(state, pull))
                .collect();
            Some(state.page(request, items))
        }
        ["pulls"] if method == "POST" => {
            let text = |key: &str| {
                body.get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let (head, base) = (text("head"), text("base"));
            if state.open_pull(repo, &head).is_some() {
                return Some(validation(&format!(
                    "A pull request already exists for {}:{head}.",
                    owner(repo)
                )));
            }
            if state.tip(repo, &head).is_none() {
                return Some(Response::json(
                    422,
                    &json!({"message": "Validation Failed",
                            "errors": [{"resource": "PullRequest", "field": "head", "code": "invalid"}]}),
                ));
            }
            let draft = body.get("draft").and_then(Value::as_bool).unwrap_or(false);
            let pull = state.new_pull(repo, &head, &base, &text("title"), &text("body"), draft);
            let json = pull_json(state, &pull);
            Some(Response::json(201, &json))
        }
        ["pulls", n] => {
            let n = number(n)?;
            if method == "PATCH" {
                let pull = state.pull_at(repo, n)?;
                if body.get("state").and_then(Value::as_str) == Some("closed") {
                    pull.closed = true;
                }
            }
            let pull = state.pull_at(repo, n)?.clone();
            Some(Response::json(200, &pull_json(state, &pull)))
        }
        ["pulls", n, "merge"] if method == "PUT" => {
            let n = number(n)?;
            if state.pull_at(repo, n)?.draft {
                return Some(Response::json(
                    405,
                    &json!({"message": "Pull Request is still a draft"}),
                ));
            }
            let method = body
                .get("merge_method")
                .and_then(Value::as_str)
                .unwrap_or("merge")
                .to_string();
            Some(match state.merge(repo, n, &method) {
                Ok(sha) => Response::json(
                    200,
                    &json!({"sha": sha, "merged": true, "message": "Pull Request successfully merged"}),
                ),
                Err(why) => Response::json(405, &json!({"message": why})),
            })
        }
        ["pulls", n, "requested_reviewers"] if method == "POST" => {
            let n = number(n)?;
            let asked: Vec<String> = strings(&body, "reviewers");
            if asked.iter().any(|login| !state.users.contains(login)) {
                return Some(Response::json(
                    422,
                    &json!({"message": format!(
                    "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the {repo} repository.")}),
                ));
            }
            state.pull_at(repo, n)?.reviewers.extend(asked);
            let pull = state.pull_at(repo, n)?.clone();
            Some(Response::json(201, &pull_json(state, &pull)))
        }
        ["pulls", n, "reviews"] if method == "GET" => {
            let pull = state.pull_at(repo, number(n)?)?.clone();
            let items = pull
                .reviews
                .iter()
                .enumerate()
                .map(|(id, (login, verdict))| json!({"id": id + 1, "user": {"login": login}, "state": verdict}))
                .collect();
            Some(state.page(request, items))
        }
        ["issues", n, "labels"] if method == "POST" => {
            let pull = state.pull_at(repo, number(n)?)?;
            pull.labels.extend(strings(&body, "labels"));
            let labels: Vec<Value> = pull
                .labels
                .iter()
                .map(|name| json!({"name": name}))
                .collect();
            Some(Response::json(200, &Value::Array(labels)))
        }
        ["issues", n, "assignees"] if method == "POST" => {
            let n = number(n)?;
            // GitHub silently drops assignees without access; here every login is kept.
            state
                .pull_at(repo, n)?
                .assignees
                .extend(strings(&body, "assignees"));
            let pull = state.pull_at(repo, n)?.clone();
            Some(Response::json(201, &pull_json(state, &pull)))
        }
        ["commits", sha, "status"] if request.method == "GET" => {
            let checks = checks_of(state, repo, sha);
            let statuses: Vec<Value> = match checks.as_str() {
                "none" => Vec::new(),
                verdict => vec![json!({"state": verdict, "context": "ci/test"})],
            };
            let combined = if statuses.is_empty() {
                "pending"
            } else {
                checks.as_str()
            };
            Some(Response::json(
                200,
                &json!({"state": combined, "total_count": statuses.len(), "statuses": statuses, "sha": sha}),
            ))
        }
        ["commits", _, "check-runs"] if request.method == "GET" => Some(Response::json(
            200,
            &json!({"total_count": 0, "check_runs": []}),
        )),
        _ => None,
    }
}

/// The checks the test set on the open pull request whose head is at `sha`.
pub fn checks_of(state: &State, repo: &str, sha: &str) -> String {
    state
        .pulls
        .iter()
        .filter(|pull| pull.repo == repo)
        .find(|pull| state.head_sha(pull) == sha)
        .map_or_else(|| "none".to_string(), |pull| pull.checks.clone())
}

pub fn strings(body: &Value, key: &str) -> Vec<String> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
