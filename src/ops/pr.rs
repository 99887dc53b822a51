//! A repository's change request: opened (or found) after its branch is pushed, and closed
//! again by `undo`. The forge is reached through the run's [`Session`], which knows each
//! repository's forge from its remote URL and says a refusal once per forge.

use crate::forge::session::{Session, Target};
use crate::forge::{ChangeRequest, NewChangeRequest, RequestState};
use crate::ops::change::PrOptions;
use crate::outcome::{ChangeBranch, PrRecord};

/// The title and body of a change request: `--title`, else the commit's subject; `--body`,
/// else the commit's body and a line naming the run.
pub fn title_and_body(options: &PrOptions, commit_message: &str, run_id: &str) -> (String, String) {
    let message = commit_message.trim();
    let (subject, rest) = message.split_once('\n').unwrap_or((message, ""));
    let title = options
        .title
        .clone()
        .unwrap_or_else(|| subject.trim().to_string());
    let body = options.body.clone().unwrap_or_else(|| {
        let rest = rest.trim();
        let line = format!("Made by `git batch`, run {run_id}.");
        if rest.is_empty() {
            line
        } else {
            format!("{rest}\n\n{line}")
        }
    });
    (title, body)
}

/// The journal's and the report's record of `request` on `target`.
pub fn record_of(target: &Target, request: &ChangeRequest, created: bool) -> PrRecord {
    PrRecord {
        number: request.number,
        url: request.url.clone(),
        state: state_word(request.state).to_string(),
        created,
        forge: target.forge.clone(),
        repo: target.repo.clone(),
    }
}

/// `open`, `draft`, `merged` or `closed`.
pub fn state_word(state: RequestState) -> &'static str {
    match state {
        RequestState::Open => "open",
        RequestState::Draft => "draft",
        RequestState::Merged => "merged",
        RequestState::Closed => "closed",
    }
}

/// Opens the change request from `branch.name` into `branch.base` on `target`'s forge, or
/// finds the one already open for the branch (`created: false`, nothing duplicated). Returns
/// its record and what to add to the repository's message: what the forge refused after
/// opening it (an unknown reviewer: the change request is open all the same) and how long a
/// rate limit made it wait. `Err` is the repository's failure (a refusal of the token is said
/// in full once per forge, shortly after that).
pub fn open_change_request(
    session: &Session,
    target: &Target,
    branch: &ChangeBranch,
    options: &PrOptions,
    commit_message: &str,
    run_id: &str,
) -> Result<(PrRecord, Vec<String>), String> {
    let (title, body) = title_and_body(options, commit_message, run_id);
    let new = NewChangeRequest {
        head: branch.name.clone(),
        base: branch.base.clone(),
        title,
        body,
        draft: options.draft,
        labels: options.labels.clone(),
        reviewers: options.reviewers.clone(),
        assignees: options.assignees.clone(),
        // Pushed by this run where there was no branch: nothing can be open for it yet.
        new_branch: branch.commit.is_some() && branch.remote_before.is_none(),
    };
    let (opened, waited) = session.call(target, |forge, repo| forge.open(repo, &new))?;
    let mut said = opened.problems;
    said.extend(waited);
    Ok((record_of(target, &opened.request, opened.created), said))
}

/// What `undo` did with a run's change request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrUndo {
    /// It was open (or a draft) and is closed now: "closed #12".
    Closed(String),
    /// Someone closed it already: nothing to do.
    AlreadyClosed(String),
    /// It was merged: left alone (skip the repository), with the way to revert it.
    Merged(String),
}

/// Closes the change request a `--branch --pr` run opened, for `undo`. A merged one is left
/// as it is, with the way to revert it; the branch is the caller's to delete (after this, and
/// not when it was merged).
pub fn undo_change_request(session: &Session, record: &PrRecord) -> Result<PrUndo, String> {
    let target = session.target_of(&record.forge, &record.repo)?;
    let (status, mut said) =
        session.call(&target, |forge, repo| forge.status(repo, record.number))?;
    let word = target.kind.change_request_word();
    let number = record.number;
    let outcome = match status.request.state {
        RequestState::Merged => PrUndo::Merged(format!(
            "{word} #{number} was merged ({}): revert it on the forge, or with `git revert -m 1 \
             <merge commit>` on {}",
            record.url, status.request.base
        )),
        RequestState::Closed => PrUndo::AlreadyClosed(format!("{word} #{number} already closed")),
        RequestState::Open | RequestState::Draft => {
            let ((), waited) = session.call(&target, |forge, repo| forge.close(repo, number))?;
            said = said.or(waited);
            PrUndo::Closed(format!("closed {word} #{number}"))
        }
    };
    Ok(match (outcome, said) {
        (PrUndo::Closed(text), Some(wait)) => PrUndo::Closed(format!("{text} ({wait})")),
        (outcome, _) => outcome,
    })
}
