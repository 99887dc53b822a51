//! GitLab's REST API v4: merge requests (a project named by its URL-encoded path, so nested
//! groups work), their pipeline and approvals, merges, and a group's projects with its
//! subgroups (or a user's).

use std::time::Duration;

use serde_json::{Value, json};

use super::api::{Api, ForgeError};
use super::github::text;
use super::{
    Answer, ChangeRequest, Checks, Forge, ForgeKind, ForgeRepository, MergeMethod,
    NewChangeRequest, Opened, RequestState, RequestStatus, Review, encode_component,
};

/// A GitLab API.
#[derive(Debug)]
pub struct GitLab {
    api: Api,
}

impl GitLab {
    pub fn new(api: Api) -> GitLab {
        GitLab { api }
    }

    /// The user ids of `logins`, and the logins GitLab does not know.
    fn user_ids(&self, logins: &[String]) -> Result<(Vec<u64>, Vec<String>, Duration), ForgeError> {
        let (mut ids, mut unknown, mut waited) = (Vec::new(), Vec::new(), Duration::ZERO);
        for login in logins {
            let (reply, wait) = self
                .api
                .get(&format!("/users?username={}", encode_component(login)))?;
            waited += wait;
            match reply
                .json
                .as_array()
                .and_then(|users| users.first())
                .and_then(|user| user["id"].as_u64())
            {
                Some(id) => ids.push(id),
                None => unknown.push(login.clone()),
            }
        }
        Ok((ids, unknown, waited))
    }
}

fn project(repo: &str) -> String {
    format!("/projects/{}", encode_component(repo))
}

fn merge_request(mr: &Value) -> ChangeRequest {
    let draft = mr.get("draft").and_then(Value::as_bool).unwrap_or(false)
        || mr
            .get("work_in_progress")
            .and_then(Value::as_bool)
            .unwrap_or(false);
    let state = match text(mr, "state").as_str() {
        "merged" => RequestState::Merged,
        "closed" | "locked" => RequestState::Closed,
        _ if draft => RequestState::Draft,
        _ => RequestState::Open,
    };
    ChangeRequest {
        number: mr.get("iid").and_then(Value::as_u64).unwrap_or_default(),
        url: text(mr, "web_url"),
        state,
        head: text(mr, "source_branch"),
        base: text(mr, "target_branch"),
    }
}

fn pipeline_checks(mr: &Value) -> Checks {
    let pipeline = match mr.get("head_pipeline").filter(|p| !p.is_null()) {
        Some(pipeline) => pipeline,
        None => match mr.get("pipeline").filter(|p| !p.is_null()) {
            Some(pipeline) => pipeline,
            None => return Checks::None,
        },
    };
    match text(pipeline, "status").as_str() {
        "success" | "skipped" => Checks::Success,
        "failed" | "canceled" => Checks::Failure,
        _ => Checks::Pending,
    }
}

fn approval_review(mr: &Value, approvals: &Value) -> Review {
    if text(mr, "detailed_merge_status") == "requested_changes" {
        return Review::ChangesRequested;
    }
    let left = approvals
        .get("approvals_left")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let approved = approvals
        .get("approved_by")
        .and_then(Value::as_array)
        .is_some_and(|by| !by.is_empty());
    match (left, approved) {
        (0, true) => Review::Approved,
        (0, false) => Review::None,
        _ => Review::ReviewRequired,
    }
}

impl Forge for GitLab {
    fn kind(&self) -> ForgeKind {
        ForgeKind::Gitlab
    }

    fn find_open(
        &self,
        repo: &str,
        head: &str,
    ) -> Result<Answer<Option<ChangeRequest>>, ForgeError> {
        let path = format!(
            "{}/merge_requests?state=opened&source_branch={}",
            project(repo),
            encode_component(head)
        );
        let (reply, waited) = self.api.get(&path)?;
        let value = reply
            .json
            .as_array()
            .and_then(|mrs| mrs.first())
            .map(merge_request);
        Ok(Answer { value, waited })
    }

    fn open(&self, repo: &str, new: &NewChangeRequest) -> Result<Answer<Opened>, ForgeError> {
        let found = super::open_before(self, repo, new)?;
        let mut waited = found.waited;
        if let Some(request) = found.value {
            return Ok(Answer {
                value: Opened {
                    request,
                    created: false,
                    problems: Vec::new(),
                },
                waited,
            });
        }
        let mut problems = Vec::new();
        let (assignee_ids, unknown_assignees, wait) = self.user_ids(&new.assignees)?;
        waited += wait;
        let (reviewer_ids, unknown_reviewers, wait) = self.user_ids(&new.reviewers)?;
        waited += wait;
        for login in unknown_assignees.iter().chain(&unknown_reviewers) {
            problems.push(format!("GitLab knows no user {login}"));
        }
        let title = if new.draft {
            format!("Draft: {}", new.title)
        } else {
            new.title.clone()
        };
        let body = json!({
            "source_branch": new.head, "target_branch": new.base, "title": title,
            "description": new.body, "labels": new.labels.join(","),
            "assignee_ids": assignee_ids, "reviewer_ids": reviewer_ids,
        });
        let path = format!("{}/merge_requests", project(repo));
        match self.api.send("POST", &path, &body) {
            Ok((reply, wait)) => {
                let value = Opened {
                    request: merge_request(&reply.json),
                    created: true,
                    problems,
                };
                Ok(Answer {
                    value,
                    waited: waited + wait,
                })
            }
            Err(ForgeError::Exists {
                url,
                status,
                message,
            }) => {
                let again = self.find_open(repo, &new.head)?;
                match again.value {
                    Some(request) => {
                        let value = Opened {
                            request,
                            created: false,
                            problems: Vec::new(),
                        };
                        Ok(Answer {
                            value,
                            waited: waited + again.waited,
                        })
                    }
                    None => Err(ForgeError::Exists {
                        url,
                        status,
                        message,
                    }),
                }
            }
            Err(error) => Err(error),
        }
    }

    fn status(&self, repo: &str, number: u64) -> Result<Answer<RequestStatus>, ForgeError> {
        let path = format!("{}/merge_requests/{number}", project(repo));
        let (mr, mut waited) = self.api.get(&path)?;
        let (approvals, wait) = self.api.get(&format!("{path}/approvals"))?;
        waited += wait;
        let value = RequestStatus {
            request: merge_request(&mr.json),
            checks: pipeline_checks(&mr.json),
            review: approval_review(&mr.json, &approvals.json),
        };
        Ok(Answer { value, waited })
    }

    /// GitLab merges the way the project is set up to; `squash` asks for a squash. A rebase
    /// is the project's "fast-forward merge" setting, not a per-request choice.
    fn merge(
        &self,
        repo: &str,
        number: u64,
        method: MergeMethod,
    ) -> Result<Answer<()>, ForgeError> {
        let body = json!({"squash": method == MergeMethod::Squash});
        let path = format!("{}/merge_requests/{number}/merge", project(repo));
        let (_, waited) = self.api.send("PUT", &path, &body)?;
        Ok(Answer { value: (), waited })
    }

    fn close(&self, repo: &str, number: u64) -> Result<Answer<()>, ForgeError> {
        let path = format!("{}/merge_requests/{number}", project(repo));
        let (_, waited) = self
            .api
            .send("PUT", &path, &json!({"state_event": "close"}))?;
        Ok(Answer { value: (), waited })
    }

    fn list_repositories(&self, owner: &str) -> Result<Answer<Vec<ForgeRepository>>, ForgeError> {
        let id = encode_component(owner);
        let group = format!("/groups/{id}/projects?include_subgroups=true&per_page=100");
        let (items, waited) = match self.api.get_all(&group) {
            Err(ForgeError::NotFound { .. }) => self
                .api
                .get_all(&format!("/users/{id}/projects?per_page=100"))?,
            other => other?,
        };
        let value = items
            .iter()
            .map(|item| ForgeRepository {
                path: text(item, "path_with_namespace"),
                clone_url: text(item, "http_url_to_repo"),
                ssh_url: text(item, "ssh_url_to_repo"),
                default_branch: item
                    .get("default_branch")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                archived: item
                    .get("archived")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                fork: item
                    .get("forked_from_project")
                    .is_some_and(|from| !from.is_null()),
                topics: item
                    .get("topics")
                    .or_else(|| item.get("tag_list"))
                    .and_then(Value::as_array)
                    .map(|topics| {
                        topics
                            .iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
        Ok(Answer { value, waited })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipelines_and_approvals_are_read() {
        assert_eq!(
            pipeline_checks(&json!({"head_pipeline": null})),
            Checks::None
        );
        assert_eq!(
            pipeline_checks(&json!({"head_pipeline": {"status": "running"}})),
            Checks::Pending
        );
        assert_eq!(
            pipeline_checks(&json!({"pipeline": {"status": "failed"}})),
            Checks::Failure
        );
        let mr = json!({"detailed_merge_status": "mergeable"});
        assert_eq!(
            approval_review(&mr, &json!({"approvals_left": 1, "approved_by": []})),
            Review::ReviewRequired
        );
        let approved = json!({"approvals_left": 0, "approved_by": [{"user": {"username": "a"}}]});
        assert_eq!(approval_review(&mr, &approved), Review::Approved);
        let asked = json!({"detailed_merge_status": "requested_changes"});
        assert_eq!(approval_review(&asked, &approved), Review::ChangesRequested);
        assert_eq!(
            merge_request(&json!({"state": "opened", "draft": true})).state,
            RequestState::Draft
        );
    }
}
