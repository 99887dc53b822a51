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

#[cfg(test)]
mod tests {
    use super::host_of;

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
}
