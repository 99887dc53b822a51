//! The forges' REST APIs (GitHub, GitLab, Gitea/Forgejo): which forge a remote belongs to,
//! and one trait to find, open, read, merge and close a change request and to list an owner's
//! repositories. Blocking calls over one `ureq` agent per forge: this program has a pool of
//! threads and no async runtime.

pub mod api;
pub mod gitea;
pub mod github;
pub mod gitlab;
pub mod known;
pub mod remote;
pub mod session;
pub mod token;

use std::time::Duration;

use serde::Serialize;

pub use api::{Api, ForgeError};
pub use known::{ForgeEntry, ForgeKind, Forges, LocateError};
pub use remote::{RemoteUrl, RemoteUrlError, parse_remote_url};
pub use session::{Session, Target};
pub use token::Token;

/// A value from a forge and how long rate limits made the calls behind it wait, so that the
/// report can say it rather than hide it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer<T> {
    pub value: T,
    pub waited: Duration,
}

/// The state of a change request, as `prs` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Open,
    Draft,
    Merged,
    Closed,
}

/// The combined result of a change request's CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Checks {
    Success,
    Failure,
    Pending,
    /// Nothing reported at all (GitHub's combined status says `pending` then).
    None,
}

/// Where a change request's review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    Approved,
    ChangesRequested,
    ReviewRequired,
    None,
}

/// A change request (pull request, merge request) as a forge describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeRequest {
    /// GitHub's and Gitea's number, GitLab's `iid`.
    pub number: u64,
    /// The page a person opens.
    pub url: String,
    pub state: RequestState,
    /// The branch it merges from.
    pub head: String,
    /// The branch it merges into.
    pub base: String,
}

/// What to open: from `head` into `base` of one repository.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewChangeRequest {
    pub head: String,
    pub base: String,
    pub title: String,
    pub body: String,
    pub draft: bool,
    pub labels: Vec<String>,
    pub reviewers: Vec<String>,
    pub assignees: Vec<String>,
    /// The branch did not exist before this run pushed it: [`Forge::open`] creates at once and
    /// looks one up only when the forge answers that one exists (a request saved on the happy
    /// path); `false`: it looks first, so that a rerun makes no failed creation.
    pub new_branch: bool,
}

/// For [`Forge::open`]: the change request already open for `new.head`, looked up unless
/// `new.new_branch` says there can be none but one the creation's "already exists" finds.
pub(crate) fn open_before<F: Forge + ?Sized>(
    forge: &F,
    repo: &str,
    new: &NewChangeRequest,
) -> Result<Answer<Option<ChangeRequest>>, ForgeError> {
    if new.new_branch {
        return Ok(Answer {
            value: None,
            waited: Duration::ZERO,
        });
    }
    forge.find_open(repo, &new.head)
}

/// The change request a call to [`Forge::open`] leaves open, whether it made it or found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub request: ChangeRequest,
    /// `false` when one was already open for the branch: it was reported, not duplicated.
    pub created: bool,
    /// What the forge refused after opening it (an unknown reviewer, a label it would not
    /// add): the change request is open all the same.
    pub problems: Vec<String>,
}

/// State, checks and review of one change request, for `prs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestStatus {
    pub request: ChangeRequest,
    pub checks: Checks,
    pub review: Review,
}

/// How `prs --merge` merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeMethod {
    Merge,
    Squash,
    Rebase,
}

impl MergeMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            MergeMethod::Merge => "merge",
            MergeMethod::Squash => "squash",
            MergeMethod::Rebase => "rebase",
        }
    }
}

/// One repository of an owner, as `clone --org` lists them. Archived ones and forks are in
/// the list with their flags: leaving them out is the caller's choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForgeRepository {
    /// `owner/name` (`group/sub/name` on GitLab).
    pub path: String,
    pub clone_url: String,
    pub ssh_url: String,
    pub default_branch: Option<String>,
    pub archived: bool,
    pub fork: bool,
    pub topics: Vec<String>,
}

/// One forge's REST API. `repo` is the repository's `owner/name` path as its remote URL
/// names it (see [`RemoteUrl::path`]).
pub trait Forge: Send + Sync + std::fmt::Debug {
    fn kind(&self) -> ForgeKind;

    /// The open change request from `head`, if there is one.
    fn find_open(
        &self,
        repo: &str,
        head: &str,
    ) -> Result<Answer<Option<ChangeRequest>>, ForgeError>;

    /// Opens a change request, or reports the one already open for its branch.
    fn open(&self, repo: &str, new: &NewChangeRequest) -> Result<Answer<Opened>, ForgeError>;

    /// State, checks and review of change request `number`.
    fn status(&self, repo: &str, number: u64) -> Result<Answer<RequestStatus>, ForgeError>;

    /// Merges change request `number`.
    fn merge(&self, repo: &str, number: u64, method: MergeMethod)
    -> Result<Answer<()>, ForgeError>;

    /// Closes change request `number` without merging it.
    fn close(&self, repo: &str, number: u64) -> Result<Answer<()>, ForgeError>;

    /// Every repository of `owner` (an organisation, a user, a GitLab group with its
    /// subgroups), following the pages.
    fn list_repositories(&self, owner: &str) -> Result<Answer<Vec<ForgeRepository>>, ForgeError>;
}

/// The client for one forge: its kind's dialect over one agent with `timeout` per call (and
/// as the most it waits out rate limits in one call).
pub fn connect(entry: &ForgeEntry, token: Option<Token>, timeout: Duration) -> Box<dyn Forge> {
    let api = Api::new(entry, token, timeout);
    match entry.kind {
        ForgeKind::Github => Box::new(github::GitHub::new(api)),
        ForgeKind::Gitlab => Box::new(gitlab::GitLab::new(api)),
        ForgeKind::Gitea => Box::new(gitea::Gitea::new(api)),
    }
}

/// Percent-encodes one path segment or query value (RFC 3986 unreserved characters kept):
/// GitLab names a project by its whole path encoded as one segment (`group%2Fsub%2Fname`).
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
