//! What opens the change requests of a `--branch --pr` run: one forge session for the run, each
//! repository's forge and path found from its remote URL before anything is pushed, each forge
//! tried once, and the call after a repository's push.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::forge::Forges;
use crate::forge::session::{Session, Target};
use crate::git;
use crate::ops;
use crate::ops::change::BranchOptions;
use crate::outcome::ChangeBranch;
use crate::targets::Repo;

/// The commit message and run id of a run's options.
pub(super) trait RunWords {
    fn message(&self) -> &str;
    fn run_id(&self) -> &str;
}

impl RunWords for ops::edit::EditOptions {
    fn message(&self) -> &str {
        &self.message
    }
    fn run_id(&self) -> &str {
        &self.run_id
    }
}

impl RunWords for ops::sync::SyncOptions {
    fn message(&self) -> &str {
        &self.message
    }
    fn run_id(&self) -> &str {
        &self.run_id
    }
}

/// What opens the change requests of a `--pr` run: the run's forge session, each repository's
/// forge and path, and what the change request says.
pub(super) struct PrOpener {
    session: Session,
    targets: HashMap<PathBuf, Result<Target, String>>,
    pr: crate::ops::change::PrOptions,
    branch: String,
    message: String,
    run_id: String,
}

impl PrOpener {
    /// `None` without `--pr`. `words` is the run's commit message and id.
    fn new<'r>(
        forges: Forges,
        repos: impl Iterator<Item = &'r Repo>,
        branch: Option<&BranchOptions>,
        words: &impl RunWords,
        timeout: Duration,
    ) -> Option<PrOpener> {
        let pr = branch?.pr.clone()?;
        let session = Session::new(forges, timeout);
        let targets = repos
            .map(|repo| (repo.path.clone(), forge_target(&session, repo)))
            .collect();
        Some(PrOpener {
            session,
            targets,
            pr,
            branch: branch?.name.clone(),
            message: words.message().to_owned(),
            run_id: words.run_id().to_owned(),
        })
    }

    /// The opener of a run about to write (`forges` is `None` without `--pr` or for a dry run),
    /// each forge already tried once: its refusals are added to `notes`, one per forge.
    pub(super) fn start<'r>(
        forges: Option<Forges>,
        repos: impl Iterator<Item = &'r Repo>,
        branch: Option<&BranchOptions>,
        words: &impl RunWords,
        timeout: Duration,
        notes: &mut Vec<String>,
    ) -> Option<PrOpener> {
        let opener = PrOpener::new(forges?, repos, branch, words, timeout)?;
        notes.extend(opener.probe());
        Some(opener)
    }

    /// Each forge tried once before the parallel work: the refusals to say, one per forge.
    fn probe(&self) -> Vec<String> {
        let name = self.branch.clone();
        let targets: Vec<(Target, String)> = self
            .targets
            .values()
            .filter_map(|found| found.as_ref().ok())
            .map(|target| (target.clone(), name.clone()))
            .collect();
        self.session.probe(&targets)
    }

    /// Whether `repo` may be worked on: its forge is known and did not refuse the token (then
    /// nothing is pushed either).
    pub(super) fn ready(&self, repo: &Repo) -> Result<(), String> {
        match self.targets.get(&repo.path) {
            Some(Err(err)) => Err(err.clone()),
            Some(Ok(target)) if self.session.refused(target) => Err(format!(
                "not tried: {} refused the token (see the note above)",
                target.forge
            )),
            _ => Ok(()),
        }
    }

    pub(super) fn open(
        &self,
        repo: &Repo,
        branch: &ChangeBranch,
    ) -> Result<(crate::outcome::PrRecord, Vec<String>), String> {
        let target = self
            .targets
            .get(&repo.path)
            .ok_or_else(|| "no forge known for it".to_owned())?
            .as_ref()
            .map_err(Clone::clone)?;
        let opened = ops::pr::open_change_request(
            &self.session,
            target,
            branch,
            &self.pr,
            &self.message,
            &self.run_id,
        );
        opened.map_err(|err| format!("the change request could not be opened: {err}"))
    }
}

/// The forge and path of `repo`, from the URL of the remote its branch is pushed to.
fn forge_target(session: &Session, repo: &Repo) -> Result<Target, String> {
    let opened = git::open(&repo.path).map_err(|err| err.to_string())?;
    let remote = ops::edit::target::remote_of(&opened).map_err(|no| match no {
        ops::edit::target::NoTarget::Skip(reason) | ops::edit::target::NoTarget::Failed(reason) => {
            reason
        }
    })?;
    let url = opened
        .find_remote(remote.as_str())
        .ok()
        .and_then(|found| {
            found
                .url(gix::remote::Direction::Push)
                .map(|url| url.to_bstring().to_string())
        })
        .ok_or_else(|| format!("the remote {remote} has no URL"))?;
    session.locate(&url)
}
