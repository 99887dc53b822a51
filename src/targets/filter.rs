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
            _ => status.as_ref().is_some_and(|s| match filter {
                WhereFilter::Dirty => s.is_dirty(),
                WhereFilter::Clean => !s.is_dirty(),
                WhereFilter::Ahead => s.ahead > 0,
                WhereFilter::Behind => s.behind > 0,
                WhereFilter::Detached => s.branch.is_none(),
                WhereFilter::NoUpstream => s.branch.is_some() && s.upstream.is_none(),
                WhereFilter::Has(_) | WhereFilter::Branch(_) => false,
            }),
        };
        if !matched {
            return Ok(false);
        }
    }
    Ok(true)
}
