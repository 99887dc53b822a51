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

/// When git's message says the whole host refused (rather than one repository failing),
/// the fix to tell the user once.
pub fn host_refusal_fix(message: &str) -> Option<&'static str> {
    let m = message.to_ascii_lowercase();
    let any = |needles: &[&str]| needles.iter().any(|needle| m.contains(needle));
    if any(&[
        "terminal prompts disabled",
        "could not read username",
        "could not read password",
        "authentication failed",
        "401",
        "403",
        "permission denied (publickey",
        "invalid username or password",
    ]) {
        Some(
            "git cannot authenticate to this host without asking: set up a credential helper \
             (git config --global credential.helper …) or an ssh key loaded in ssh-agent, \
             check it with `git ls-remote` in one repository, then rerun with -t @failed",
        )
    } else if any(&["host key verification failed", "no matching host key"]) {
        Some(
            "ssh does not know this host's key: connect once by hand (ssh -T git@HOST) to \
             accept it, then rerun with -t @failed",
        )
    } else if any(&[
        "could not resolve host",
        "name or service not known",
        "connection refused",
        "connection timed out",
        "network is unreachable",
        "timed out",
    ]) {
        Some(
            "the host cannot be reached: check the network and the remote URL, then rerun with -t @failed",
        )
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{host_of, host_refusal_fix};

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
}
