//! The GitLab flavour: REST v4 as docs.gitlab.com describes merge requests (projects named by
//! their URL-encoded path), approvals, users, merges and a group's projects.

use serde_json::{Value, json};

use super::{Pull, Request, Response, State};

/// The latest verdict of each reviewer, in the order they first reviewed.
pub fn latest_reviews(pull: &Pull) -> Vec<(String, String)> {
    let mut latest: Vec<(String, String)> = Vec::new();
    for (login, verdict) in &pull.reviews {
        latest.retain(|(who, _)| who != login);
        latest.push((login.clone(), verdict.clone()));
    }
    latest
}

fn user_json(state: &State, login: &str) -> Value {
    let id = state
        .users
        .iter()
        .position(|user| user == login)
        .map_or(0, |at| at + 1);
    json!({"id": id, "username": login})
}

fn mr_json(state: &State, pull: &Pull) -> Value {
    let pipeline = match pull.checks.as_str() {
        "none" => Value::Null,
        "success" => json!({"status": "success"}),
        "failure" => json!({"status": "failed"}),
        _ => json!({"status": "running"}),
    };
    let changes = latest_reviews(pull)
        .iter()
        .any(|(_, verdict)| verdict == "CHANGES_REQUESTED");
    json!({
        "id": pull.number + 1000,
        "iid": pull.number,
        "web_url": format!("{}/{}/-/merge_requests/{}", state.base_url, pull.repo, pull.number),
        "state": if pull.merged { "merged" } else if pull.closed { "closed" } else { "opened" },
        "draft": pull.draft,
        "work_in_progress": pull.draft,
        "title": pull.title,
        "description": pull.body,
        "source_branch": pull.head,
        "target_branch": pull.base,
        "sha": state.head_sha(pull),
        "labels": pull.labels,
        "assignees": pull.assignees.iter().map(|login| user_json(state, login)).collect::<Vec<_>>(),
        "reviewers": pull.reviewers.iter().map(|login| user_json(state, login)).collect::<Vec<_>>(),
        "head_pipeline": pipeline,
        "detailed_merge_status": if changes { "requested_changes" } else { "mergeable" },
    })
}

fn logins(state: &State, body: &Value, key: &str) -> Vec<String> {
    body.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .filter_map(|id| state.users.get((id as usize).checked_sub(1)?).cloned())
        .collect()
}

pub fn route(state: &mut State, request: &Request, segments: &[&str]) -> Option<Response> {
    let method = request.method.as_str();
    match segments {
        ["users"] if method == "GET" => {
            let wanted = request.param("username")?;
            let found: Vec<Value> = state
                .users
                .iter()
                .filter(|user| **user == wanted)
                .map(|user| user_json(state, user))
                .collect();
            Some(Response::json(200, &Value::Array(found)))
        }
        ["groups" | "users", owner, "projects"] if method == "GET" => {
            let prefix = format!("{owner}/");
            let items: Vec<Value> = state
                .repos
                .iter()
                .filter(|repo| repo.path.starts_with(&prefix))
                .filter(|repo| request.param("include_subgroups").is_some() || !repo.path[prefix.len()..].contains('/'))
                .map(|repo| {
                    json!({"path_with_namespace": repo.path, "default_branch": "main",
                           "http_url_to_repo": format!("{}/{}.git", state.base_url, repo.path),
                           "ssh_url_to_repo": format!("git@127.0.0.1:{}.git", repo.path),
                           "archived": repo.archived, "topics": repo.topics,
                           "forked_from_project": if repo.fork { json!({"id": 1}) } else { Value::Null }})
                })
                .collect();
            if items.is_empty() {
                return Some(Response::json(
                    404,
                    &json!({"message": "404 Group Not Found"}),
                ));
            }
            Some(state.page(request, items))
        }
        ["projects", project, rest @ ..] => {
            if !state.has_repo(project) {
                return Some(Response::json(
                    404,
                    &json!({"message": "404 Project Not Found"}),
                ));
            }
            project_route(state, request, project, rest)
        }
        _ => None,
    }
}

fn project_route(
    state: &mut State,
    request: &Request,
    repo: &str,
    rest: &[&str],
) -> Option<Response> {
    let method = request.method.as_str();
    let body = request.json();
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    match rest {
        ["merge_requests"] if method == "GET" => {
            let opened = request.param("state").as_deref() == Some("opened");
            let source = request.param("source_branch");
            let items: Vec<Value> = state
                .pulls
                .iter()
                .filter(|pull| pull.repo == repo && (!opened || !pull.closed))
                .filter(|pull| source.as_ref().is_none_or(|source| *source == pull.head))
                .map(|pull| mr_json(state, pull))
                .collect();
            Some(state.page(request, items))
        }
        ["merge_requests"] if method == "POST" => {
            let head = text("source_branch");
            if let Some(open) = state.open_pull(repo, &head) {
                let message = format!(
                    "Another open merge request already exists for this source branch: !{}",
                    open.number
                );
                return Some(Response::json(409, &json!({"message": [message]})));
            }
            let title = text("title");
            let draft = title.starts_with("Draft:") || title.starts_with("[Draft]");
            let mut pull = state.new_pull(
                repo,
                &head,
                &text("target_branch"),
                &title,
                &text("description"),
                draft,
            );
            let labels: Vec<String> = text("labels")
                .split(',')
                .filter(|label| !label.is_empty())
                .map(str::to_string)
                .collect();
            let (assignees, reviewers) = (
                logins(state, &body, "assignee_ids"),
                logins(state, &body, "reviewer_ids"),
            );
            let stored = state.pull_at(repo, pull.number)?;
            (stored.labels, stored.assignees, stored.reviewers) = (labels, assignees, reviewers);
            pull = stored.clone();
            Some(Response::json(201, &mr_json(state, &pull)))
        }
        ["merge_requests", iid, more @ ..] => {
            let iid: u64 = iid.parse().ok()?;
            let pull = state.pull_at(repo, iid)?.clone();
            match (method, more) {
                ("GET", []) => Some(Response::json(200, &mr_json(state, &pull))),
                ("PUT", []) => {
                    if text("state_event") == "close" {
                        state.pull_at(repo, iid)?.closed = true;
                    }
                    let pull = state.pull_at(repo, iid)?.clone();
                    Some(Response::json(200, &mr_json(state, &pull)))
                }
                ("PUT", ["merge"]) => {
                    if pull.draft {
                        return Some(Response::json(
                            405,
                            &json!({"message": "405 Method Not Allowed"}),
                        ));
                    }
                    let squash = body.get("squash").and_then(Value::as_bool) == Some(true);
                    match state.merge(repo, iid, if squash { "squash" } else { "merge" }) {
                        Ok(_) => {
                            let pull = state.pull_at(repo, iid)?.clone();
                            Some(Response::json(200, &mr_json(state, &pull)))
                        }
                        Err(_) => Some(Response::json(
                            405,
                            &json!({"message": "405 Method Not Allowed"}),
                        )),
                    }
                }
                ("GET", ["approvals"]) => {
                    let approved: Vec<String> = latest_reviews(&pull)
                        .into_iter()
                        .filter(|(_, verdict)| verdict == "APPROVED")
                        .map(|(login, _)| login)
                        .collect();
                    let left = pull
                        .reviewers
                        .iter()
                        .filter(|login| !approved.contains(login))
                        .count();
                    let by: Vec<Value> = approved
                        .iter()
                        .map(|login| json!({"user": user_json(state, login)}))
                        .collect();
                    Some(Response::json(
                        200,
                        &json!({"iid": iid, "approvals_required": pull.reviewers.len(),
                                "approvals_left": left, "approved_by": by, "approved": left == 0}),
                    ))
                }
                _ => None,
            }
        }
        _ => None,
    }
}
