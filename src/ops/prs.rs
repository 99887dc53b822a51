//! `prs` on one repository: its change request read (state, checks, review), and with
//! `--merge` merged when it is open, not a draft, green and not refused by review, or with
//! `--close` closed and its branch deleted on the remote (through git: git's credentials).

use std::time::Duration;

use crate::forge::session::Session;
use crate::forge::{Checks, MergeMethod, RequestState, RequestStatus, Review};
use crate::git::{self, Git, PushResult};
use crate::ops::pr::state_word;
use crate::outcome::{ChangeBranch, Details, Outcome, PrDetails, PrRecord, PrStatus, RepoReport};
use crate::settings::PrsAction;
use crate::targets::Repo;

/// One repository's change request, as its run recorded it.
#[derive(Debug, Clone)]
pub struct PrsJob {
    pub record: PrRecord,
    /// The branch the run pushed (for `--close`, which deletes it).
    pub branch: Option<ChangeBranch>,
}

/// How `prs` runs.
#[derive(Debug, Clone, Copy)]
pub struct PrsOptions {
    pub action: PrsAction,
    pub dry_run: bool,
    pub timeout: Duration,
}

/// `prs` on `repo`'s change request.
pub fn prs(repo: &Repo, job: &PrsJob, options: &PrsOptions, session: &Session) -> RepoReport {
    let record = &job.record;
    let target = match session.target_of(&record.forge, &record.repo) {
        Ok(target) => target,
        Err(error) => return RepoReport::failed(repo, error),
    };
    let number = record.number;
    let (status, waited) = match session.call(&target, |forge, path| forge.status(path, number)) {
        Ok(read) => read,
        Err(error) => return RepoReport::failed(repo, error),
    };
    let word = target.kind.change_request_word();
    let (outcome, said, state) = match options.action {
        PrsAction::List => (Outcome::Unchanged, described(&status), None),
        PrsAction::Merge(method) => match refusal_to_merge(&status) {
            Some(reason) => (Outcome::Skipped, format!("not merged: {reason}"), None),
            None if options.dry_run => (
                Outcome::Changed,
                format!("would merge {word} #{number} ({})", method.as_str()),
                None,
            ),
            None => merge(session, &target, number, method, word),
        },
        PrsAction::Close => close(repo, job, options, (session, &target), &status, word),
    };
    let mut pr = status_of(record, &status);
    if let Some(state) = state {
        pr.state = state.to_string();
    }
    let mut message = format!("{said}: {}", pr.url);
    if let Some(wait) = waited {
        message.push_str(&format!(" ({wait})"));
    }
    RepoReport::new(repo, outcome, message).with_details(Details::Pr(PrDetails { pr }))
}

fn status_of(record: &PrRecord, status: &RequestStatus) -> PrStatus {
    let url = if status.request.url.is_empty() {
        record.url.clone()
    } else {
        status.request.url.clone()
    };
    PrStatus {
        number: record.number,
        url,
        state: state_word(status.request.state).to_string(),
        checks: checks_word(status.checks).to_string(),
        review: review_word(status.review).to_string(),
    }
}

/// "#12 open, checks success, review approved".
fn described(status: &RequestStatus) -> String {
    format!(
        "#{} {}, checks {}, review {}",
        status.request.number,
        state_word(status.request.state),
        checks_word(status.checks),
        review_word(status.review)
    )
}

pub fn checks_word(checks: Checks) -> &'static str {
    match checks {
        Checks::Success => "success",
        Checks::Failure => "failure",
        Checks::Pending => "pending",
        Checks::None => "none",
    }
}

pub fn review_word(review: Review) -> &'static str {
    match review {
        Review::Approved => "approved",
        Review::ChangesRequested => "changes_requested",
        Review::ReviewRequired => "review_required",
        Review::None => "none",
    }
}

/// Why `--merge` leaves a change request alone, if it does: not open, a draft, checks not
/// green, or a review that asks for changes or has not answered yet.
pub fn refusal_to_merge(status: &RequestStatus) -> Option<String> {
    match status.request.state {
        RequestState::Open => {}
        RequestState::Draft => return Some("it is a draft".into()),
        state => return Some(format!("it is {}", state_word(state))),
    }
    match status.checks {
        Checks::Success | Checks::None => {}
        Checks::Failure => return Some("its checks failed".into()),
        Checks::Pending => return Some("its checks are still running".into()),
    }
    match status.review {
        Review::Approved | Review::None => None,
        Review::ChangesRequested => Some("a reviewer requested changes".into()),
        Review::ReviewRequired => Some("its review is still required".into()),
    }
}

fn merge(
    session: &Session,
    target: &crate::forge::Target,
    number: u64,
    method: MergeMethod,
    word: &str,
) -> (Outcome, String, Option<&'static str>) {
    match session.call(target, |forge, path| forge.merge(path, number, method)) {
        Ok(((), waited)) => {
            let mut said = format!("merged {word} #{number} ({})", method.as_str());
            if let Some(wait) = waited {
                said.push_str(&format!(", {wait}"));
            }
            (Outcome::Changed, said, Some("merged"))
        }
        Err(error) => (
            Outcome::Failed,
            format!("merging {word} #{number} failed: {error}"),
            None,
        ),
    }
}

fn close(
    repo: &Repo,
    job: &PrsJob,
    options: &PrsOptions,
    (session, target): (&Session, &crate::forge::Target),
    status: &RequestStatus,
    word: &str,
) -> (Outcome, String, Option<&'static str>) {
    let number = job.record.number;
    if !matches!(
        status.request.state,
        RequestState::Open | RequestState::Draft
    ) {
        let state = state_word(status.request.state);
        return (
            Outcome::Unchanged,
            format!("{word} #{number} is {state}"),
            None,
        );
    }
    let branch = job
        .branch
        .as_ref()
        .map_or_else(|| status.request.head.clone(), |b| b.name.clone());
    let remote = job
        .branch
        .as_ref()
        .map_or_else(|| "origin".to_string(), |b| b.remote.clone());
    if options.dry_run {
        let said = format!("would close {word} #{number} and delete {remote}/{branch}");
        return (Outcome::Changed, said, None);
    }
    if let Err(error) = session.call(target, |forge, path| forge.close(path, number)) {
        let said = format!("closing {word} #{number} failed: {error}");
        return (Outcome::Failed, said, None);
    }
    match delete_remote_branch(repo, &remote, &branch, options.timeout) {
        Ok(()) => (
            Outcome::Changed,
            format!("closed {word} #{number}, deleted {remote}/{branch}"),
            Some("closed"),
        ),
        Err(error) => (
            Outcome::Failed,
            format!("closed {word} #{number}; deleting {remote}/{branch} failed: {error}"),
            Some("closed"),
        ),
    }
}

/// `git push REMOTE :refs/heads/BRANCH` in the repository: git's credentials, never forced.
/// A branch the remote no longer has is already as wanted.
pub fn delete_remote_branch(
    repo: &Repo,
    remote: &str,
    branch: &str,
    timeout: Duration,
) -> Result<(), String> {
    let git = Git::new(&repo.path, timeout);
    match git::push(&git, remote, &format!(":refs/heads/{branch}")) {
        PushResult::Pushed { .. } => Ok(()),
        PushResult::Other(error) if error.message().contains("remote ref does not exist") => Ok(()),
        other => Err(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::ChangeRequest;

    fn status(state: RequestState, checks: Checks, review: Review) -> RequestStatus {
        let request = ChangeRequest {
            number: 1,
            url: String::new(),
            state,
            head: "b".into(),
            base: "main".into(),
        };
        RequestStatus {
            request,
            checks,
            review,
        }
    }

    #[test]
    fn only_open_green_and_unrefused_ones_are_merged() {
        use {Checks as C, RequestState as S, Review as R};
        for (state, checks, review, merged) in [
            (S::Open, C::Success, R::Approved, true),
            (S::Open, C::None, R::None, true),
            (S::Draft, C::Success, R::Approved, false),
            (S::Merged, C::Success, R::Approved, false),
            (S::Closed, C::None, R::None, false),
            (S::Open, C::Failure, R::Approved, false),
            (S::Open, C::Pending, R::Approved, false),
            (S::Open, C::Success, R::ChangesRequested, false),
            (S::Open, C::Success, R::ReviewRequired, false),
        ] {
            let refusal = refusal_to_merge(&status(state, checks, review));
            assert_eq!(
                refusal.is_none(),
                merged,
                "{state:?} {checks:?} {review:?}: {refusal:?}"
            );
        }
    }
}
