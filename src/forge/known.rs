//! Which forge answers for a host: the three public ones built in, any other named in
//! `.git-batch.toml` as `[[forges]]` tables (host, kind, api). A leaf: plain data and lookups.

use serde::Deserialize;

use super::remote::{RemoteUrl, RemoteUrlError, parse_remote_url, strip_port};

/// The REST dialects git-batch speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ForgeKind {
    /// GitHub and GitHub Enterprise Server, REST v3.
    Github,
    /// GitLab, REST v4.
    Gitlab,
    /// Gitea and Forgejo, REST v1.
    Gitea,
}

impl ForgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ForgeKind::Github => "github",
            ForgeKind::Gitlab => "gitlab",
            ForgeKind::Gitea => "gitea",
        }
    }

    /// What the forge calls a change request, for messages.
    pub fn change_request_word(self) -> &'static str {
        match self {
            ForgeKind::Gitlab => "merge request",
            ForgeKind::Github | ForgeKind::Gitea => "pull request",
        }
    }
}

/// One `[[forges]]` table: a host as the remote URLs spell it, its kind and its API root.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgeEntry {
    pub host: String,
    pub kind: ForgeKind,
    pub api: String,
}

impl ForgeEntry {
    fn new(host: &str, kind: ForgeKind, api: &str) -> ForgeEntry {
        ForgeEntry {
            host: host.to_string(),
            kind,
            api: api.to_string(),
        }
    }

    /// The API root without a trailing slash.
    pub fn api_root(&self) -> &str {
        self.api.trim_end_matches('/')
    }
}

/// A `[[forges]]` table that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForgeEntryError {
    #[error("[[forges]]: a table has an empty host")]
    EmptyHost,
    #[error("[[forges]] host {host}: api must start with https:// or http:// (got {api:?})")]
    Api { host: String, api: String },
    #[error("[[forges]] host {0} is named twice")]
    Twice(String),
}

/// Why a repository's forge is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocateError {
    #[error(transparent)]
    Url(#[from] RemoteUrlError),
    #[error("{host} is not a forge git-batch knows; name it in .git-batch.toml:\n{table}")]
    UnknownHost { host: String, table: String },
}

/// The forges git-batch knows: the configured ones first (they may override a public host,
/// for a proxy), then github.com, gitlab.com and codeberg.org.
#[derive(Debug, Clone)]
pub struct Forges {
    entries: Vec<ForgeEntry>,
}

impl Forges {
    /// The public forges and the configured `[[forges]]`, checked: a host once, an API URL
    /// with its scheme spelled out (plain http only when written so).
    pub fn new(configured: &[ForgeEntry]) -> Result<Forges, ForgeEntryError> {
        let mut entries: Vec<ForgeEntry> = Vec::new();
        for entry in configured {
            let host = entry.host.trim().to_ascii_lowercase();
            if host.is_empty() {
                return Err(ForgeEntryError::EmptyHost);
            }
            if !(entry.api.starts_with("https://") || entry.api.starts_with("http://")) {
                return Err(ForgeEntryError::Api {
                    host,
                    api: entry.api.clone(),
                });
            }
            if entries.iter().any(|known| known.host == host) {
                return Err(ForgeEntryError::Twice(host));
            }
            entries.push(ForgeEntry {
                host,
                kind: entry.kind,
                api: entry.api.clone(),
            });
        }
        entries.extend([
            ForgeEntry::new("github.com", ForgeKind::Github, "https://api.github.com"),
            ForgeEntry::new("gitlab.com", ForgeKind::Gitlab, "https://gitlab.com/api/v4"),
            ForgeEntry::new(
                "codeberg.org",
                ForgeKind::Gitea,
                "https://codeberg.org/api/v1",
            ),
        ]);
        Ok(Forges { entries })
    }

    /// The forge of a remote: the entry naming its host exactly (with the port), else the
    /// entry naming the host without a port — an ssh remote on port 2222 belongs to the forge
    /// whose web address has none. GitHub's ssh-over-443 host counts as github.com.
    pub fn resolve(&self, remote: &RemoteUrl) -> Option<&ForgeEntry> {
        let host = match remote.host.as_str() {
            "ssh.github.com" | "ssh.github.com:443" => "github.com",
            "altssh.gitlab.com" | "altssh.gitlab.com:443" => "gitlab.com",
            host => host,
        };
        self.entries
            .iter()
            .find(|entry| entry.host == host)
            .or_else(|| {
                let bare = strip_port(host);
                self.entries.iter().find(|entry| entry.host == bare)
            })
    }

    /// The forge `--forge HOST` names: as [`Forges::resolve`] finds a remote's, the host
    /// compared without regard to case.
    pub fn by_host(&self, host: &str) -> Option<&ForgeEntry> {
        let remote = RemoteUrl {
            host: host.trim().to_ascii_lowercase(),
            owner: String::new(),
            name: String::new(),
            scheme: String::new(),
        };
        self.resolve(&remote)
    }

    /// The forge and place of a repository from its remote URL, as the plan needs them
    /// before anything is pushed.
    pub fn locate(&self, url: &str) -> Result<(RemoteUrl, &ForgeEntry), LocateError> {
        let remote = parse_remote_url(url)?;
        match self.resolve(&remote) {
            Some(entry) => Ok((remote, entry)),
            None => Err(LocateError::UnknownHost {
                table: Forges::table_to_add(&remote.host),
                host: remote.host,
            }),
        }
    }

    /// The table to add to `.git-batch.toml` for a host no forge answers for.
    pub fn table_to_add(host: &str) -> String {
        format!(
            "[[forges]]\nhost = \"{host}\"\nkind = \"github\"   # github | gitlab | gitea\n\
             api = \"https://{}/api/v3\"",
            strip_port(host)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::remote::parse_remote_url;

    fn kind_and_api(forges: &Forges, url: &str) -> Option<(ForgeKind, String)> {
        let remote = parse_remote_url(url).expect("a remote URL");
        forges
            .resolve(&remote)
            .map(|entry| (entry.kind, entry.api_root().to_string()))
    }

    #[test]
    fn public_hosts_are_known() {
        let forges = Forges::new(&[]).expect("no table");
        assert_eq!(
            kind_and_api(&forges, "git@github.com:o/n.git"),
            Some((ForgeKind::Github, "https://api.github.com".into()))
        );
        assert_eq!(
            kind_and_api(&forges, "https://gitlab.com/g/s/n"),
            Some((ForgeKind::Gitlab, "https://gitlab.com/api/v4".into()))
        );
        assert_eq!(
            kind_and_api(&forges, "https://codeberg.org/o/n.git"),
            Some((ForgeKind::Gitea, "https://codeberg.org/api/v1".into()))
        );
        assert_eq!(
            kind_and_api(&forges, "ssh://git@ssh.github.com:443/o/n.git"),
            Some((ForgeKind::Github, "https://api.github.com".into()))
        );
        assert_eq!(kind_and_api(&forges, "https://git.example.com/o/n"), None);
    }

    #[test]
    fn configured_hosts_match_with_or_without_port() {
        let text = "host = \"Git.Example.com\"\nkind = \"gitlab\"\napi = \"https://git.example.com/api/v4/\"\n";
        let entry: ForgeEntry = toml::from_str(text).expect("a table");
        let forges = Forges::new(&[entry]).expect("valid");
        assert_eq!(
            kind_and_api(&forges, "ssh://git@git.example.com:2222/a/b/c.git"),
            Some((ForgeKind::Gitlab, "https://git.example.com/api/v4".into()))
        );
        let ported = ForgeEntry::new(
            "127.0.0.1:9999",
            ForgeKind::Gitea,
            "http://127.0.0.1:9999/api/v1",
        );
        let forges = Forges::new(&[ported]).expect("valid");
        assert!(kind_and_api(&forges, "http://127.0.0.1:9999/o/n.git").is_some());
        assert!(kind_and_api(&forges, "http://127.0.0.1:9998/o/n.git").is_none());
    }

    #[test]
    fn bad_tables_are_refused() {
        let unknown_kind = toml::from_str::<ForgeEntry>(
            "host = \"h\"\nkind = \"bitbucket\"\napi = \"https://h\"\n",
        );
        assert!(unknown_kind.is_err());
        let typo = toml::from_str::<ForgeEntry>(
            "host = \"h\"\nkind = \"gitea\"\napi = \"https://h\"\napi_url = \"x\"\n",
        );
        assert!(typo.is_err());
        let no_scheme = ForgeEntry::new("h", ForgeKind::Gitea, "h/api/v1");
        assert!(matches!(
            Forges::new(&[no_scheme]),
            Err(ForgeEntryError::Api { .. })
        ));
        let twice = ForgeEntry::new("h", ForgeKind::Gitea, "https://h/api/v1");
        assert!(matches!(
            Forges::new(&[twice.clone(), twice]),
            Err(ForgeEntryError::Twice(_))
        ));
        assert!(
            Forges::table_to_add("git.example.com:2222")
                .contains("host = \"git.example.com:2222\"")
        );
    }

    #[test]
    fn locate_names_the_table_to_add_for_an_unknown_host() {
        let forges = Forges::new(&[]).expect("no table");
        let (remote, entry) = forges.locate("git@gitlab.com:g/s/n.git").expect("known");
        assert_eq!(
            (remote.path().as_str(), entry.kind),
            ("g/s/n", ForgeKind::Gitlab)
        );
        let error = forges
            .locate("https://git.example.com/o/n")
            .expect_err("unknown");
        let text = error.to_string();
        assert!(text.starts_with("git.example.com is not a forge"), "{text}");
        assert!(
            text.contains("[[forges]]\nhost = \"git.example.com\""),
            "{text}"
        );
        assert!(matches!(
            forges.locate("../x.git"),
            Err(LocateError::Url(_))
        ));
    }
}
