//! Remote hosts: which host a URL reaches, so that network work can be capped per host and a
//! host that refuses can be reported once.

/// The host a remote URL talks to, for grouping: `github.com` for
/// `https://github.com/o/r`, `git@github.com:o/r` and `ssh://git@github.com:22/o/r`;
/// `local` for paths and `file://` URLs.
pub fn host_of(url: &str) -> String {
    let url = url.trim();
    if let Some((scheme, rest)) = url.split_once("://") {
        if scheme.eq_ignore_ascii_case("file") {
            return "local".to_owned();
        }
        let authority = rest.split('/').next().unwrap_or(rest);
        let host_port = authority.rsplit('@').next().unwrap_or(authority);
        return strip_port(host_port).to_ascii_lowercase();
    }
    // scp-like `[user@]host:path`, as long as no slash comes before the colon (git's rule).
    if let Some((before, _)) = url.split_once(':') {
        if !before.contains('/') && !before.is_empty() && !is_windows_drive(before) {
            let host = before.rsplit('@').next().unwrap_or(before);
            return host.to_ascii_lowercase();
        }
    }
    "local".to_owned()
}

fn strip_port(host_port: &str) -> &str {
    if let Some(rest) = host_port.strip_prefix('[') {
        // [::1]:8080
        return rest.split(']').next().unwrap_or(rest);
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => host_port,
    }
}

fn is_windows_drive(before: &str) -> bool {
    before.len() == 1 && before.chars().all(|c| c.is_ascii_alphabetic())
}

/// How a whole host refused us, read from git's (and ssh's) message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// HTTP: no credentials git may use without asking.
    Credentials,
    /// ssh: no key the server accepts that ssh can use without asking (a key with a passphrase
    /// and no agent looks the same).
    SshKey,
    /// ssh: the host's key is not in known_hosts.
    UnknownHostKey,
    /// ssh: the host's key differs from the one in known_hosts.
    ChangedHostKey,
    /// Not reached at all: name, connection, timeout.
    Unreachable,
}

fn refusal_of(message: &str) -> Option<Refusal> {
    let m = message.to_ascii_lowercase();
    let any = |needles: &[&str]| needles.iter().any(|needle| m.contains(needle));
    // ssh's warning fills git's summary before its last line ("Host key verification failed.")
    // is reached: the warning itself decides.
    if any(&["remote host identification has changed"]) {
        Some(Refusal::ChangedHostKey)
    } else if any(&["host key verification failed"]) {
        Some(Refusal::UnknownHostKey)
    } else if any(&["permission denied (publickey"]) {
        Some(Refusal::SshKey)
    } else if any(&[
        "terminal prompts disabled",
        "could not read username",
        "could not read password",
        "authentication failed",
        "invalid username or password",
    ]) || has_status(&m, "401")
        || has_status(&m, "403")
    {
        Some(Refusal::Credentials)
    } else if any(&[
        "could not resolve host",
        "name or service not known",
        "connection refused",
        "connection timed out",
        "network is unreachable",
        "timed out",
    ]) {
        Some(Refusal::Unreachable)
    } else {
        None
    }
}

/// Whether `message` holds the HTTP status `code` as a number of its own: not the `401` of an
/// ssh port such as 40123 in "connect to host … port 40123: Connection refused".
fn has_status(message: &str, code: &str) -> bool {
    message.match_indices(code).any(|(at, _)| {
        let digit_before = message[..at].ends_with(|c: char| c.is_ascii_digit());
        let digit_after = message[at + code.len()..].starts_with(|c: char| c.is_ascii_digit());
        !digit_before && !digit_after
    })
}

/// When git's message says the whole host refused (rather than one repository failing),
/// the fix to tell the user once.
pub fn host_refusal_fix(message: &str) -> Option<&'static str> {
    Some(match refusal_of(message)? {
        Refusal::Credentials => {
            "git cannot authenticate to this host without asking: set up a credential helper \
             (git config --global credential.helper …) or an ssh key loaded in ssh-agent, \
             check it with `git ls-remote` in one repository, then rerun with -t @failed"
        }
        Refusal::SshKey => {
            "ssh has no key this host accepts that it can use without asking (a key with a \
             passphrase must be loaded in ssh-agent: `ssh-add`): check it with `ssh -T \
             USER@HOST`, then rerun with -t @failed"
        }
        Refusal::UnknownHostKey => {
            "ssh does not know this host's key: add it with `ssh-keyscan [-p PORT] HOST >> \
             ~/.ssh/known_hosts` (after checking it against the fingerprint the host publishes) \
             or connect once by hand (`ssh -T USER@HOST`) and accept it, then rerun with -t \
             @failed"
        }
        Refusal::ChangedHostKey => {
            "the host's key is not the one in ~/.ssh/known_hosts (ssh warns of a possible \
             attack): if the host really changed its key, remove the old one (`ssh-keygen -R \
             HOST`) and add the new one after checking it, then rerun with -t @failed"
        }
        Refusal::Unreachable => {
            "the host cannot be reached: check the network and the remote URL, then rerun with \
             -t @failed"
        }
    })
}

/// [`host_refusal_fix`] for the remote `url`: for an ssh URL, the commands name its user,
/// host and port, ready to run.
pub fn refusal_fix_for(message: &str, url: &str) -> Option<String> {
    let refusal = refusal_of(message)?;
    let generic = host_refusal_fix(message).map(str::to_owned);
    let Some(ssh) = SshTarget::of(url) else {
        return generic;
    };
    let login = ssh.login();
    let port = ssh
        .port
        .map(|port| format!(" -p {port}"))
        .unwrap_or_default();
    let host = ssh.host;
    Some(match refusal {
        Refusal::SshKey => format!(
            "ssh has no key this host accepts that it can use without asking (a key with a \
             passphrase must be loaded in ssh-agent: `ssh-add`): check it with \
             `ssh -T{port} {login}`, then rerun with -t @failed"
        ),
        Refusal::UnknownHostKey => format!(
            "ssh does not know this host's key: add it with \
             `ssh-keyscan{port} {host} >> ~/.ssh/known_hosts` (after checking it against the \
             fingerprint the host publishes) or connect once by hand (`ssh -T{port} {login}`) \
             and accept it, then rerun with -t @failed"
        ),
        Refusal::ChangedHostKey => {
            let entry = match ssh.port {
                Some(port) => format!("'[{host}]:{port}'"),
                None => host.to_owned(),
            };
            format!(
                "the host's key is not the one in ~/.ssh/known_hosts (ssh warns of a possible \
                 attack): if the host really changed its key, remove the old one \
                 (`ssh-keygen -R {entry}`) and add the new one after checking it, then rerun \
                 with -t @failed"
            )
        }
        Refusal::Credentials | Refusal::Unreachable => return generic,
    })
}

/// The user, host and port an ssh URL logs in with (`ssh://[user@]host[:port]/path`,
/// `git+ssh://…`, scp-like `[user@]host:path`); the port only when it is not 22.
#[derive(Debug, PartialEq, Eq)]
struct SshTarget<'a> {
    user: Option<&'a str>,
    host: &'a str,
    port: Option<&'a str>,
}

impl SshTarget<'_> {
    fn of(url: &str) -> Option<SshTarget<'_>> {
        let url = url.trim();
        let (user_host, port) = if let Some((scheme, rest)) = url.split_once("://") {
            if !["ssh", "git+ssh", "ssh+git"].contains(&scheme.to_ascii_lowercase().as_str()) {
                return None;
            }
            let authority = rest.split('/').next().unwrap_or(rest);
            let (user_host, port) = match authority.rsplit_once(':') {
                Some((before, port))
                    if !port.is_empty()
                        && port.chars().all(|c| c.is_ascii_digit())
                        && (!before.contains('[') || before.ends_with(']')) =>
                {
                    (before, Some(port))
                }
                _ => (authority, None),
            };
            (user_host, port.filter(|port| *port != "22"))
        } else {
            let (before, _) = url.split_once(':')?;
            if before.contains('/') || before.is_empty() || is_windows_drive(before) {
                return None;
            }
            (before, None)
        };
        let (user, host) = match user_host.rsplit_once('@') {
            Some((user, host)) => (Some(user), host),
            None => (None, user_host),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        (!host.is_empty()).then_some(SshTarget { user, host, port })
    }

    /// `user@host`, or `host` when the URL names no user.
    fn login(&self) -> String {
        match self.user {
            Some(user) => format!("{user}@{}", self.host),
            None => self.host.to_owned(),
        }
    }
}

/// The URL `git ls-remote REMOTE` talks to from `git`'s folder: the configured remote's URL
/// (after `insteadOf`), or `remote` itself when no remote has that name (it is a URL then).
pub fn url_of_remote(git: &super::Git<'_>, remote: &str) -> String {
    git.read(&["remote", "get-url", remote])
        .unwrap_or_else(|_| remote.to_owned())
}

#[cfg(test)]
mod tests {
    use super::{SshTarget, host_of, host_refusal_fix, refusal_fix_for};

    #[test]
    fn hosts_of_the_url_forms_git_knows() {
        for (url, host) in [
            ("https://github.com/owner/repo.git", "github.com"),
            ("https://user:token@GitHub.com/owner/repo", "github.com"),
            ("http://127.0.0.1:8080/r.git", "127.0.0.1"),
            ("ssh://git@example.org:2222/r.git", "example.org"),
            ("git@github.com:owner/repo.git", "github.com"),
            ("example.org:repo.git", "example.org"),
            ("http://[::1]:9000/r.git", "::1"),
            ("/srv/git/repo.git", "local"),
            ("../remotes/repo.git", "local"),
            ("file:///srv/git/repo.git", "local"),
            ("./a:b/repo.git", "local"),
        ] {
            assert_eq!(host_of(url), host, "{url}");
        }
    }

    #[test]
    fn refusals_are_told_from_repository_failures() {
        assert!(
            host_refusal_fix(
                "fatal: could not read Username for 'http://127.0.0.1': terminal prompts disabled"
            )
            .is_some()
        );
        assert!(host_refusal_fix("git@github.com: Permission denied (publickey).").is_some());
        assert!(host_refusal_fix("Host key verification failed.").is_some());
        assert!(host_refusal_fix("fatal: repository 'x' not found").is_none());
        assert!(host_refusal_fix("! [rejected] main -> main (fetch first)").is_none());
    }

    #[test]
    fn an_ssh_port_is_not_an_http_status() {
        let message = "ssh: connect to host example.org port 40123: Connection refused";
        let fix = host_refusal_fix(message).expect("a refusal");
        assert!(fix.contains("cannot be reached"), "{fix}");
        let http = "fatal: unable to access 'https://h/r/': The requested URL returned error: 403";
        let fix = host_refusal_fix(http).expect("a refusal");
        assert!(fix.contains("credential"), "{fix}");
    }

    #[test]
    fn ssh_fixes_name_the_host_port_and_user() {
        let unknown =
            "Host key verification failed.; fatal: Could not read from remote repository.";
        let fix = refusal_fix_for(unknown, "ssh://git@example.org:2222/r.git").expect("a fix");
        assert!(
            fix.contains("`ssh-keyscan -p 2222 example.org >> ~/.ssh/known_hosts`"),
            "{fix}"
        );
        assert!(fix.contains("`ssh -T -p 2222 git@example.org`"), "{fix}");
        let fix = refusal_fix_for(unknown, "git@github.com:o/r.git").expect("a fix");
        assert!(
            fix.contains("`ssh-keyscan github.com >> ~/.ssh/known_hosts`"),
            "{fix}"
        );
        let denied = "git@github.com: Permission denied (publickey).";
        let fix = refusal_fix_for(denied, "ssh://git@github.com:22/o/r").expect("a fix");
        assert!(
            fix.contains("ssh-add") && fix.contains("`ssh -T git@github.com`"),
            "{fix}"
        );
        let changed = "@@@@@; @    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @; @@@@@";
        let fix = refusal_fix_for(changed, "ssh://h.example:2222/r").expect("a fix");
        assert!(fix.contains("`ssh-keygen -R '[h.example]:2222'`"), "{fix}");
        // Not ssh: the fix in general words.
        let prompt = "fatal: could not read Username for 'https://h': terminal prompts disabled";
        assert_eq!(
            refusal_fix_for(prompt, "https://h/r.git").as_deref(),
            host_refusal_fix(prompt)
        );
        assert_eq!(
            refusal_fix_for("fatal: repository 'x' not found", "h:r"),
            None
        );
    }

    #[test]
    fn ssh_targets_of_the_url_forms() {
        for (url, user, host, port) in [
            (
                "ssh://git@example.org:2222/r.git",
                Some("git"),
                "example.org",
                Some("2222"),
            ),
            ("ssh://example.org/r.git", None, "example.org", None),
            ("git+ssh://u@h:22/r", Some("u"), "h", None),
            ("ssh://git@[::1]:2200/r", Some("git"), "::1", Some("2200")),
            ("git@github.com:o/r.git", Some("git"), "github.com", None),
        ] {
            assert_eq!(
                SshTarget::of(url),
                Some(SshTarget { user, host, port }),
                "{url}"
            );
        }
        for url in [
            "https://h/r.git",
            "/srv/r.git",
            "file:///srv/r.git",
            "./a:b/r",
        ] {
            assert_eq!(SshTarget::of(url), None, "{url}");
        }
    }
}
