//! Gitea's and Forgejo's REST API v1: pull requests (draft as a `WIP:` title, labels by id),
//! combined commit status, reviews, merges, and an organisation's or user's repositories.

use std::time::Duration;

use serde_json::{Value, json};

use super::api::{Api, ForgeError};
use super::github::{combine, repository, text};
use super::{
    Answer, ChangeRequest, Checks, Forge, ForgeKind, ForgeRepository, MergeMethod,
    NewChangeRequest, Opened, RequestState, RequestStatus, Review, encode_component,
};

/// A Gitea or Forgejo API.
#[derive(Debug)]
pub struct Gitea {
    api: Api,
}

impl Gitea {
    pub fn new(api: Api) -> Gitea {
        Gitea { api }
    }

    /// The ids of the repository's labels named in `names`, and the names it has no label for.
    fn label_ids(
        &self,
        repo: &str,
        names: &[String],
    ) -> Result<(Vec<u64>, Vec<String>, Duration), ForgeError> {
        if names.is_empty() {
            return Ok((Vec::new(), Vec::new(), Duration::ZERO));
        }
        let (labels, waited) = self
            .api
            .get_all(&format!("/repos/{repo}/labels?limit=50"))?;
        let (mut ids, mut unknown) = (Vec::new(), Vec::new());
        for name in names {
            match labels.iter().find(|label| text(label, "name") == *name) {
                Some(label) => ids.push(label["id"].as_u64().unwrap_or_default()),
                None => unknown.push(name.clone()),
            }
        }
        Ok((ids, unknown, waited))
    }
}

/// Gitea's default `WIP:` prefixes (setting `WORK_IN_PROGRESS_PREFIXES`).
fn is_wip(title: &str) -> bool {
    let upper = title.trim_start().to_ascii_uppercase();
    upper.starts_with("WIP:") || upper.starts_with("[WIP]")
}

fn pull_request(pull: &Value) -> ChangeRequest {
    let state = if pull.get("merged").and_then(Value::as_bool) == Some(true) {
        RequestState::Merged
    } else if text(pull, "state") == "closed" {
        RequestState::Closed
    } else if pull.get("draft").and_then(Value::as_bool) == Some(true)
        || is_wip(&text(pull, "title"))
    {
        RequestState::Draft
    } else {
        RequestState::Open
    };
    ChangeRequest {
        number: pull
            .get("number")
            .and_then(Value::as_u64)
            .unwrap_or_default(),
        url: text(pull, "html_url"),
        state,
        head: text(&pull["head"], "ref"),
        base: text(&pull["base"], "ref"),
    }
}

fn status_checks(combined: &Value) -> Checks {
    if combined
        .get("total_count")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        == 0
    {
        return Checks::None;
    }
    combine(&[match text(combined, "state").as_str() {
        "success" | "warning" => Checks::Success,
        "pending" => Checks::Pending,
        _ => Checks::Failure,
    }])
}

fn reviews_verdict(reviews: &[Value]) -> Review {
    let mut latest: Vec<(String, String)> = Vec::new();
    for item in reviews {
        let state = text(item, "state");
        if item.get("dismissed").and_then(Value::as_bool) == Some(true) || state == "COMMENT" {
            continue;
        }
        let login = text(&item["user"], "login");
        latest.retain(|(who, _)| *who != login);
        latest.push((login, state));
    }
    if latest.iter().any(|(_, state)| state == "REQUEST_CHANGES") {
        Review::ChangesRequested
    } else if latest.iter().any(|(_, state)| state == "REQUEST_REVIEW") {
        Review::ReviewRequired
    } else if latest.iter().any(|(_, state)| state == "APPROVED") {
        Review::Approved
    } else {
        Review::None
    }
}

impl Forge for Gitea {
    fn kind(&self) -> ForgeKind {
        ForgeKind::Gitea
    }

    /// Gitea's list of pull requests has no filter by head branch: its open ones are read
    /// and the one from `head` picked.
    fn find_open(
        &self,
        repo: &str,
        head: &str,
    ) -> Result<Answer<Option<ChangeRequest>>, ForgeError> {
        let (pulls, waited) = self
            .api
            .get_all(&format!("/repos/{repo}/pulls?state=open&limit=50"))?;
        let value = pulls
            .iter()
            .map(pull_request)
            .find(|request| request.head == head);
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
        let (label_ids, unknown, wait) = self.label_ids(repo, &new.labels)?;
        waited += wait;
        let mut problems: Vec<String> = unknown
            .iter()
            .map(|name| format!("the repository has no label {name}"))
            .collect();
        let title = if new.draft {
            format!("WIP: {}", new.title)
        } else {
            new.title.clone()
        };
        let body = json!({"head": new.head, "base": new.base, "title": title, "body": new.body,
                          "labels": label_ids, "assignees": new.assignees});
        let (reply, wait) = match self
            .api
            .send("POST", &format!("/repos/{repo}/pulls"), &body)
        {
            Ok(created) => created,
            Err(ForgeError::Exists {
                url,
                status,
                message,
            }) => {
                let again = self.find_open(repo, &new.head)?;
                return match again.value {
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
                };
            }
            Err(error) => return Err(error),
        };
        waited += wait;
        let request = pull_request(&reply.json);
        if !new.reviewers.is_empty() {
            let path = format!("/repos/{repo}/pulls/{}/requested_reviewers", request.number);
            match self
                .api
                .send("POST", &path, &json!({"reviewers": new.reviewers}))
            {
                Ok((_, wait)) => waited += wait,
                Err(error) => problems.push(error.to_string()),
            }
        }
        Ok(Answer {
            value: Opened {
                request,
                created: true,
                problems,
            },
            waited,
        })
    }

    fn status(&self, repo: &str, number: u64) -> Result<Answer<RequestStatus>, ForgeError> {
        let (pull, mut waited) = self.api.get(&format!("/repos/{repo}/pulls/{number}"))?;
        let sha = text(&pull.json["head"], "sha");
        let (combined, wait) = self
            .api
            .get(&format!("/repos/{repo}/commits/{sha}/status"))?;
        waited += wait;
        let (reviews, wait) = self
            .api
            .get_all(&format!("/repos/{repo}/pulls/{number}/reviews?limit=50"))?;
        waited += wait;
        let value = RequestStatus {
            request: pull_request(&pull.json),
            checks: status_checks(&combined.json),
            review: reviews_verdict(&reviews),
        };
        Ok(Answer { value, waited })
    }

    fn merge(
        &self,
        repo: &str,
        number: u64,
        method: MergeMethod,
    ) -> Result<Answer<()>, ForgeError> {
        let body = json!({"Do": method.as_str()});
        let (_, waited) = self.api.send(
            "POST",
            &format!("/repos/{repo}/pulls/{number}/merge"),
            &body,
        )?;
        Ok(Answer { value: (), waited })
    }

    fn close(&self, repo: &str, number: u64) -> Result<Answer<()>, ForgeError> {
        let body = json!({"state": "closed"});
        let (_, waited) =
            self.api
                .send("PATCH", &format!("/repos/{repo}/pulls/{number}"), &body)?;
        Ok(Answer { value: (), waited })
    }

    fn list_repositories(&self, owner: &str) -> Result<Answer<Vec<ForgeRepository>>, ForgeError> {
        let owner = encode_component(owner);
        let (items, waited) = match self.api.get_all(&format!("/orgs/{owner}/repos?limit=50")) {
            Err(ForgeError::NotFound { .. }) => self
                .api
                .get_all(&format!("/users/{owner}/repos?limit=50"))?,
            other => other?,
        };
        Ok(Answer {
            value: items.iter().map(repository).collect(),
            waited,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wip_titles_are_drafts_and_reviews_are_read() {
        let pull = json!({"state": "open", "title": "WIP: relicense", "head": {"ref": "x"}});
        assert_eq!(pull_request(&pull).state, RequestState::Draft);
        assert_eq!(
            status_checks(&json!({"state": "", "total_count": 0})),
            Checks::None
        );
        assert_eq!(
            status_checks(&json!({"state": "error", "total_count": 2})),
            Checks::Failure
        );
        let reviews = [
            json!({"user": {"login": "a"}, "state": "REQUEST_REVIEW"}),
            json!({"user": {"login": "a"}, "state": "APPROVED"}),
        ];
        assert_eq!(reviews_verdict(&reviews), Review::Approved);
        assert_eq!(reviews_verdict(&reviews[..1]), Review::ReviewRequired);
    }
}
