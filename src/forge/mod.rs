//! The forges' REST APIs (GitHub, GitLab, Gitea/Forgejo): which forge a remote belongs to.

pub mod known;
pub mod remote;

pub use known::{ForgeEntry, ForgeKind, Forges};
pub use remote::{RemoteUrl, RemoteUrlError, parse_remote_url};
