//! Where a repository lives on its forge, read from its remote URL: the host (with its port),
//! the owner path (a user, an organisation, or GitLab's nested groups) and the name. The plan
//! needs this for every repository before anything is pushed, so it is pure string work.

use std::fmt;

/// A remote URL taken apart: `https://host/owner/name.git`, `git@host:owner/name.git`,
/// `ssh://git@host:2222/owner/name`, and the same with nested groups (`group/sub/name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteUrl {
    /// Lower-case host name, with `:PORT` when the URL names a port other than its scheme's
    /// default (`git.example.com:8443`).
    pub host: String,
    /// Everything between the host and the name: `owner`, or `group/subgroup` on GitLab.
    pub owner: String,
    /// The repository's name without `.git`.
    pub name: String,
    /// How git reaches it: `https`, `http`, `ssh` (also the scp-like form) or `git`.
    pub scheme: String,
}

impl RemoteUrl {
    /// `owner/name`, the path every forge API names a repository by.
    pub fn path(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The host without its port: what an ssh remote and a web address have in common.
    pub fn host_name(&self) -> &str {
        strip_port(&self.host)
    }
}

impl fmt::Display for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.host, self.path())
    }
}

/// Why a remote URL names no repository on a forge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteUrlError {
    #[error("a relative URL ({0}) names a repository only beside its superproject")]
    Relative(String),
    #[error("{0} is a path on this machine, not a forge")]
    Local(String),
    #[error("{0}: the {1}:// scheme is not one git-batch knows a forge for")]
    Scheme(String, String),
    #[error("{0}: no host")]
    NoHost(String),
    #[error("{0}: the path names no owner and repository (OWNER/NAME)")]
    NoOwner(String),
}

/// Takes a remote URL apart. Accepts what git accepts for a network remote: `scheme://`
/// URLs (https, http, ssh, git, git+ssh) with or without a user, a port, `.git` and a
/// trailing slash, and the scp-like `[user@]host:path`. Refuses local paths and relative
/// submodule URLs, which name no forge.
pub fn parse_remote_url(url: &str) -> Result<RemoteUrl, RemoteUrlError> {
    let url = url.trim();
    if url.starts_with("./") || url.starts_with("../") {
        return Err(RemoteUrlError::Relative(url.to_string()));
    }
    if let Some((scheme, rest)) = url.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        let scheme = match scheme.as_str() {
            "https" | "http" | "ssh" | "git" => scheme,
            "git+ssh" | "ssh+git" => "ssh".to_string(),
            "file" => return Err(RemoteUrlError::Local(url.to_string())),
            _ => return Err(RemoteUrlError::Scheme(url.to_string(), scheme)),
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = host_of(authority, &scheme);
        if host.is_empty() {
            return Err(RemoteUrlError::NoHost(url.to_string()));
        }
        // An ssh URL may spell a home-relative path `/~user/…`; that is no forge path.
        return split_path(url, host, path, scheme);
    }
    // git's rule (connect.c, parse_connect_url): a colon before any slash makes the scp-like
    // syntax, unless what precedes it looks like a Windows drive letter.
    if let Some(colon) = url.find(':') {
        let before = &url[..colon];
        let drive_letter = before.len() == 1 && before.as_bytes()[0].is_ascii_alphabetic();
        if !before.contains('/') && !drive_letter {
            let authority = before.rsplit_once('@').map_or(before, |(_, host)| host);
            let host = authority.to_ascii_lowercase();
            if host.is_empty() {
                return Err(RemoteUrlError::NoHost(url.to_string()));
            }
            return split_path(url, host, &url[colon + 1..], "ssh".to_string());
        }
    }
    Err(RemoteUrlError::Local(url.to_string()))
}

/// The lower-case host of an authority (`user:pass@host:port`), its port kept unless it is
/// the scheme's default.
fn host_of(authority: &str, scheme: &str) -> String {
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host_port = host_port.to_ascii_lowercase();
    let default = match scheme {
        "https" => "443",
        "http" => "80",
        "ssh" => "22",
        _ => "9418",
    };
    match host_port.rsplit_once(':') {
        Some((host, port)) if port == default || port.is_empty() => host.to_string(),
        _ => host_port,
    }
}

fn split_path(
    url: &str,
    host: String,
    path: &str,
    scheme: String,
) -> Result<RemoteUrl, RemoteUrlError> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    if let Some(last) = segments.last_mut() {
        *last = last.strip_suffix(".git").unwrap_or(last);
    }
    segments.retain(|segment| !segment.is_empty());
    match segments.split_last() {
        Some((name, owner)) if !owner.is_empty() && !owner[0].starts_with('~') => Ok(RemoteUrl {
            host,
            owner: owner.join("/"),
            name: (*name).to_string(),
            scheme,
        }),
        _ => Err(RemoteUrlError::NoOwner(url.to_string())),
    }
}

/// `host` without a trailing `:PORT`.
pub fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(url: &str) -> (String, String, String) {
        let remote = parse_remote_url(url).unwrap_or_else(|error| panic!("{url}: {error}"));
        (remote.host, remote.owner, remote.name)
    }

    fn triple(host: &str, owner: &str, name: &str) -> (String, String, String) {
        (host.to_string(), owner.to_string(), name.to_string())
    }

    #[test]
    fn https_with_and_without_dot_git_and_slash() {
        for url in [
            "https://github.com/octo/hello.git",
            "https://github.com/octo/hello",
            "https://github.com/octo/hello/",
            "https://github.com/octo/hello.git/",
            "https://user:secret@GitHub.com/octo/hello.git",
            "https://github.com:443/octo/hello",
            "  https://github.com/octo/hello.git\n",
        ] {
            assert_eq!(parts(url), triple("github.com", "octo", "hello"), "{url}");
        }
    }

    #[test]
    fn ssh_scp_like_and_ssh_urls() {
        for url in [
            "git@github.com:octo/hello.git",
            "github.com:octo/hello",
            "ssh://git@github.com/octo/hello.git",
            "ssh://git@github.com:22/octo/hello",
            "git+ssh://git@github.com/octo/hello.git",
        ] {
            assert_eq!(parts(url), triple("github.com", "octo", "hello"), "{url}");
        }
        assert_eq!(
            parts("ssh://git@git.example.com:2222/team/tool.git"),
            triple("git.example.com:2222", "team", "tool")
        );
        assert_eq!(
            parse_remote_url("git@github.com:octo/hello.git").map(|r| r.scheme),
            Ok("ssh".to_string())
        );
    }

    #[test]
    fn nested_gitlab_groups_stay_in_the_owner() {
        assert_eq!(
            parts("https://gitlab.com/group/sub/deeper/name.git"),
            triple("gitlab.com", "group/sub/deeper", "name")
        );
        assert_eq!(
            parts("git@gitlab.com:group/sub/name.git"),
            triple("gitlab.com", "group/sub", "name")
        );
    }

    #[test]
    fn ports_other_than_the_default_are_kept() {
        assert_eq!(
            parts("http://127.0.0.1:8080/fleet/alpha.git"),
            triple("127.0.0.1:8080", "fleet", "alpha")
        );
        assert_eq!(parts("http://host:80/a/b"), triple("host", "a", "b"));
    }

    #[test]
    fn what_names_no_forge_repository_is_refused() {
        assert!(matches!(
            parse_remote_url("../math.git"),
            Err(RemoteUrlError::Relative(_))
        ));
        assert!(matches!(
            parse_remote_url("/srv/git/x.git"),
            Err(RemoteUrlError::Local(_))
        ));
        assert!(matches!(
            parse_remote_url("file:///srv/x.git"),
            Err(RemoteUrlError::Local(_))
        ));
        assert!(matches!(
            parse_remote_url("C:\\repos\\x"),
            Err(RemoteUrlError::Local(_))
        ));
        assert!(matches!(
            parse_remote_url("git://host/x"),
            Err(RemoteUrlError::NoOwner(_))
        ));
        assert!(matches!(
            parse_remote_url("https:///a/b"),
            Err(RemoteUrlError::NoHost(_))
        ));
        assert!(matches!(
            parse_remote_url("svn://host/a/b"),
            Err(RemoteUrlError::Scheme(..))
        ));
        assert!(matches!(
            parse_remote_url("ssh://me@host/~me/x.git"),
            Err(RemoteUrlError::NoOwner(_))
        ));
    }

    #[test]
    fn strip_port_leaves_a_bare_host() {
        assert_eq!(strip_port("git.example.com:8443"), "git.example.com");
        assert_eq!(strip_port("git.example.com"), "git.example.com");
    }
}
