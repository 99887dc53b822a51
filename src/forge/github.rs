//! GitHub's REST API v3 (github.com and GitHub Enterprise Server alike; no GraphQL): pull
//! requests, their labels, assignees and requested reviewers, combined status and check runs,
//! reviews, merges, and an organisation's or user's repositories.

use std::time::Duration;

use serde_json::{Value, json};

use super::api::{Api, ForgeError};
use super::{
    Answer, ChangeRequest, Checks, Forge, ForgeKind, ForgeRepository, MergeMethod,
    NewChangeRequest, Opened, RequestState, RequestStatus, Review, encode_component,
};

/// A GitHub (or GitHub Enterprise Server) API.
#[derive(Debug)]
pub struct GitHub {
    api: Api,
}

impl GitHub {
    pub fn new(api: Api) -> GitHub {
        GitHub { api }
    }
}

/// The string at `key` of `value`, or empty.
pub(crate) fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn pull_request(pull: &Value) -> ChangeRequest {
    let state = if pull.get("merged_at").is_some_and(|at| !at.is_null())
        || pull.get("merged").and_then(Value::as_bool) == Some(true)
    {
        RequestState::Merged
    } else if text(pull, "state") == "closed" {
        RequestState::Closed
    } else if pull.get("draft").and_then(Value::as_bool) == Some(true) {
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

/// GitHub's combined status and its check runs, as one verdict. A combined status with no
/// status at all says `pending`: that is nothing reported.
fn checks(combined: &Value, runs: &Value) -> Checks {
    let mut verdicts = Vec::new();
    if combined
        .get("total_count")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        > 0
    {
        verdicts.push(match text(combined, "state").as_str() {
            "success" => Checks::Success,
            "pending" => Checks::Pending,
            _ => Checks::Failure,
        });
    }
    for run in runs
        .get("check_runs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        verdicts.push(if text(run, "status") != "completed" {
            Checks::Pending
        } else {
            match text(run, "conclusion").as_str() {
                "success" | "neutral" | "skipped" => Checks::Success,
                _ => Checks::Failure,
            }
        });
    }
    combine(&verdicts)
}

/// Failure over pending over success; nothing is `None`.
pub(crate) fn combine(verdicts: &[Checks]) -> Checks {
    for verdict in [Checks::Failure, Checks::Pending, Checks::Success] {
        if verdicts.contains(&verdict) {
            return verdict;
        }
    }
    Checks::None
}

/// The latest review of each reviewer decides; requested reviewers who have not answered
/// make it `review_required`.
fn review(reviews: &[Value], pull: &Value) -> Review {
    let mut latest: Vec<(String, String)> = Vec::new();
    for item in reviews {
        let state = text(item, "state");
        if !matches!(
            state.as_str(),
            "APPROVED" | "CHANGES_REQUESTED" | "DISMISSED"
        ) {
            continue;
        }
        let login = text(&item["user"], "login");
        latest.retain(|(who, _)| *who != login);
        latest.push((login, state));
    }
    let requested = pull
        .get("requested_reviewers")
        .and_then(Value::as_array)
        .is_some_and(|list| !list.is_empty());
    if latest.iter().any(|(_, state)| state == "CHANGES_REQUESTED") {
        Review::ChangesRequested
    } else if requested {
        Review::ReviewRequired
    } else if latest.iter().any(|(_, state)| state == "APPROVED") {
        Review::Approved
    } else {
        Review::None
    }
}

impl GitHub {
    /// Adds labels, assignees and reviewers to a new pull request; what the forge refuses
    /// is returned as problems.
    fn decorate(&self, repo: &str, number: u64, new: &NewChangeRequest) -> (Vec<String>, Duration) {
        let mut problems = Vec::new();
        let mut waited = Duration::ZERO;
        let (teams, users): (Vec<&String>, Vec<&String>) = new
            .reviewers
            .iter()
            .partition(|reviewer| reviewer.contains('/'));
        let teams: Vec<&str> = teams
            .iter()
            .filter_map(|team| team.split_once('/').map(|(_, slug)| slug))
            .collect();
        let calls = [
            (
                !new.labels.is_empty(),
                format!("/repos/{repo}/issues/{number}/labels"),
                json!({"labels": new.labels}),
            ),
            (
                !new.assignees.is_empty(),
                format!("/repos/{repo}/issues/{number}/assignees"),
                json!({"assignees": new.assignees}),
            ),
            (
                !new.reviewers.is_empty(),
                format!("/repos/{repo}/pulls/{number}/requested_reviewers"),
                json!({"reviewers": users, "team_reviewers": teams}),
            ),
        ];
        for (wanted, path, body) in calls {
            if !wanted {
                continue;
            }
            match self.api.send("POST", &path, &body) {
                Ok((_, wait)) => waited += wait,
                Err(error) => problems.push(error.to_string()),
            }
        }
        (problems, waited)
    }
}

impl Forge for GitHub {
    fn kind(&self) -> ForgeKind {
        ForgeKind::Github
    }

    fn find_open(
        &self,
        repo: &str,
        head: &str,
    ) -> Result<Answer<Option<ChangeRequest>>, ForgeError> {
        let owner = repo.split('/').next().unwrap_or_default();
        let path = format!(
            "/repos/{repo}/pulls?state=open&head={}",
            encode_component(&format!("{owner}:{head}"))
        );
        let (reply, waited) = self.api.get(&path)?;
        let value = reply
            .json
            .as_array()
            .and_then(|pulls| pulls.first())
            .map(pull_request);
        Ok(Answer { value, waited })
    }

    fn open(&self, repo: &str, new: &NewChangeRequest) -> Result<Answer<Opened>, ForgeError> {
        let found = super::open_before(self, repo, new)?;
        if let Some(request) = found.value {
            let opened = Opened {
                request,
                created: false,
                problems: Vec::new(),
            };
            return Ok(Answer {
                value: opened,
                waited: found.waited,
            });
        }
        let body = json!({"title": new.title, "body": new.body, "head": new.head,
                          "base": new.base, "draft": new.draft});
        let (reply, mut waited) =
            match self
                .api
                .send("POST", &format!("/repos/{repo}/pulls"), &body)
            {
                Ok(created) => created,
                // Opened by someone else since the search: report that one.
                Err(ForgeError::Exists { .. }) => {
                    let again = self.find_open(repo, &new.head)?;
                    if let Some(request) = again.value {
                        let opened = Opened {
                            request,
                            created: false,
                            problems: Vec::new(),
                        };
                        return Ok(Answer {
                            value: opened,
                            waited: found.waited + again.waited,
                        });
                    }
                    return Err(ForgeError::NotFound {
                        url: self.api.url(&format!("/repos/{repo}/pulls")),
                    });
                }
                Err(error) => return Err(error),
            };
        waited += found.waited;
        let request = pull_request(&reply.json);
        let (problems, wait) = self.decorate(repo, request.number, new);
        Ok(Answer {
            value: Opened {
                request,
                created: true,
                problems,
            },
            waited: waited + wait,
        })
    }

    fn status(&self, repo: &str, number: u64) -> Result<Answer<RequestStatus>, ForgeError> {
        let (pull, mut waited) = self.api.get(&format!("/repos/{repo}/pulls/{number}"))?;
        let sha = text(&pull.json["head"], "sha");
        let (combined, wait) = self
            .api
            .get(&format!("/repos/{repo}/commits/{sha}/status"))?;
        waited += wait;
        let (runs, wait) = self
            .api
            .get(&format!("/repos/{repo}/commits/{sha}/check-runs"))?;
        waited += wait;
        let (reviews, wait) = self.api.get_all(&format!(
            "/repos/{repo}/pulls/{number}/reviews?per_page=100"
        ))?;
        waited += wait;
        let value = RequestStatus {
            request: pull_request(&pull.json),
            checks: checks(&combined.json, &runs.json),
            review: review(&reviews, &pull.json),
        };
        Ok(Answer { value, waited })
    }

    fn merge(
        &self,
        repo: &str,
        number: u64,
        method: MergeMethod,
    ) -> Result<Answer<()>, ForgeError> {
        let body = json!({"merge_method": method.as_str()});
        let (_, waited) =
            self.api
                .send("PUT", &format!("/repos/{repo}/pulls/{number}/merge"), &body)?;
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
        let (items, waited) = match self
            .api
            .get_all(&format!("/orgs/{owner}/repos?type=all&per_page=100"))
        {
            Err(ForgeError::NotFound { .. }) => self
                .api
                .get_all(&format!("/users/{owner}/repos?type=owner&per_page=100"))?,
            other => other?,
        };
        let value = items.iter().map(repository).collect();
        Ok(Answer { value, waited })
    }
}

/// A repository as GitHub and Gitea both describe it.
pub(crate) fn repository(item: &Value) -> ForgeRepository {
    ForgeRepository {
        path: text(item, "full_name"),
        clone_url: text(item, "clone_url"),
        ssh_url: text(item, "ssh_url"),
        default_branch: item
            .get("default_branch")
            .and_then(Value::as_str)
            .map(str::to_string),
        archived: item
            .get("archived")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        fork: item.get("fork").and_then(Value::as_bool).unwrap_or(false),
        topics: item
            .get("topics")
            .and_then(Value::as_array)
            .map(|topics| {
                topics
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_status_at_all_is_none_not_pending() {
        let empty = json!({"state": "pending", "total_count": 0, "statuses": []});
        assert_eq!(
            checks(&empty, &json!({"total_count": 0, "check_runs": []})),
            Checks::None
        );
        let failing_run = json!({"check_runs": [{"status": "completed", "conclusion": "failure"}]});
        assert_eq!(checks(&empty, &failing_run), Checks::Failure);
        let green = json!({"state": "success", "total_count": 1});
        let running = json!({"check_runs": [{"status": "in_progress", "conclusion": null}]});
        assert_eq!(checks(&green, &running), Checks::Pending);
        assert_eq!(checks(&green, &json!({"check_runs": []})), Checks::Success);
    }

    #[test]
    fn the_latest_review_of_each_reviewer_decides() {
        let pull = json!({"requested_reviewers": []});
        let reviews = [
            json!({"user": {"login": "ann"}, "state": "CHANGES_REQUESTED"}),
            json!({"user": {"login": "ann"}, "state": "APPROVED"}),
            json!({"user": {"login": "bob"}, "state": "COMMENTED"}),
        ];
        assert_eq!(review(&reviews, &pull), Review::Approved);
        assert_eq!(review(&reviews[..1], &pull), Review::ChangesRequested);
        assert_eq!(
            review(&[], &json!({"requested_reviewers": [{"login": "c"}]})),
            Review::ReviewRequired
        );
        assert_eq!(review(&[], &pull), Review::None);
    }
}
