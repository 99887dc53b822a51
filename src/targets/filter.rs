//! `--where`: reading each selected repository, in parallel, to keep those whose state matches
//! every condition.

use crate::git;
use crate::pool;

use super::{Repo, WhereFilter};

/// Keeps the repositories whose state satisfies every filter. One that cannot be read is kept,
/// marked [`Repo::unreadable`] with the read error: reported failed, never silently left out,
/// and never worked on. A panic while reading one fails the run before any repository is
/// touched: the message names the repository.
pub fn keep_where(
    repos: Vec<Repo>,
    filters: &[WhereFilter],
    workers: usize,
) -> Result<Vec<Repo>, String> {
    let verdicts = pool::map(repos, workers, |repo| matches_all(repo, filters));
    let mut kept = Vec::new();
    for (mut repo, verdict) in verdicts {
        match verdict {
            Ok(Ok(true)) => kept.push(repo),
            Ok(Ok(false)) => {}
            Ok(Err(err)) => {
                repo.unreadable = Some(format!("cannot tell whether it matches --where: {err}"));
                kept.push(repo);
            }
            Err(panic) => {
                let name = crate::escape::controls(&repo.name);
                return Err(format!("{panic}, while reading {name} for --where"));
            }
        }
    }
    Ok(kept)
}

fn matches_all(repo: &Repo, filters: &[WhereFilter]) -> Result<bool, String> {
    let opened = git::open(&repo.path).map_err(|err| err.to_string())?;
    let needs_status = filters
        .iter()
        .any(|f| !matches!(f, WhereFilter::Has(_) | WhereFilter::Branch(_)));
    let status = if needs_status {
        Some(git::read_status_of(&opened).map_err(|err| err.to_string())?)
    } else {
        None
    };
    for filter in filters {
        let matched = match filter {
            WhereFilter::Has(path) => git::tracks(&opened, path).map_err(|err| err.to_string())?,
            WhereFilter::Branch(name) => opened
                .head_name()
                .map_err(|err| err.to_string())?
                .is_some_and(|head| head.shorten() == name.as_str()),
            _ => status
                .as_ref()
                .is_some_and(|s| status_matches(filter, s) == Some(true)),
        };
        if !matched {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether `status` satisfies `filter`, for the filters a status can tell (`watch` applies them
/// to each new reading); `None` for `has=PATH`, which needs the repository.
pub fn status_matches(filter: &WhereFilter, status: &git::RepoStatus) -> Option<bool> {
    Some(match filter {
        WhereFilter::Dirty => status.is_dirty(),
        WhereFilter::Clean => !status.is_dirty(),
        WhereFilter::Ahead => status.ahead > 0,
        WhereFilter::Behind => status.behind > 0,
        WhereFilter::Detached => status.branch.is_none(),
        WhereFilter::NoUpstream => status.branch.is_some() && status.upstream.is_none(),
        WhereFilter::Branch(name) => status.branch.as_deref() == Some(name.as_str()),
        WhereFilter::Has(_) => return None,
    })
}
