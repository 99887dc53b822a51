//! The token a forge's API is called with: from the environment, else from git's credential
//! helpers. It is held so that it cannot be printed: `Debug` hides it, no message carries it,
//! and it reaches `git credential` on stdin, never on a command line.

use std::fmt;
use std::io::Write;
use std::process::{Command, Stdio};

use super::known::ForgeKind;

/// A forge token. `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(secret: impl Into<String>) -> Token {
        Token(secret.into())
    }

    /// The secret itself, for the one header that carries it.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where a token was found, for the report (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Environment(&'static str),
    CredentialHelper,
}

/// The environment variables read for `kind`, in order: `GIT_BATCH_TOKEN` first, then the
/// forge's own.
pub fn variables(kind: ForgeKind) -> &'static [&'static str] {
    match kind {
        ForgeKind::Github => &["GIT_BATCH_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"],
        ForgeKind::Gitlab => &["GIT_BATCH_TOKEN", "GITLAB_TOKEN"],
        ForgeKind::Gitea => &["GIT_BATCH_TOKEN", "GITEA_TOKEN"],
    }
}

/// The fix to print when a forge has no token or refuses it: where git-batch looks, in order.
pub fn advice(kind: ForgeKind, api_root: &str) -> String {
    let host = api_root
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(api_root);
    format!(
        "set {} to a token the {} API at {api_root} accepts, or store one for {host} in a git \
         credential helper (`git credential approve`)",
        variables(kind).join(" or "),
        kind.as_str()
    )
}

/// The token for a forge of `kind` whose API is `api_root`: the first non-empty variable of
/// [`variables`] (read through `env`), else the password `git credential fill` gives for the
/// API's protocol and host. `None` when neither has one.
pub fn find_token(
    kind: ForgeKind,
    api_root: &str,
    env: impl Fn(&str) -> Option<String>,
    git: &mut Command,
) -> Option<(Token, TokenSource)> {
    for name in variables(kind) {
        if let Some(value) = env(name).filter(|value| !value.trim().is_empty()) {
            return Some((Token::new(value.trim()), TokenSource::Environment(name)));
        }
    }
    credential_fill(api_root, git).map(|token| (token, TokenSource::CredentialHelper))
}

/// Asks git's credential helpers for `api_root`'s host. `git` is the git command to run
/// (the caller's environment, so the user's helpers answer); `credential fill` is added here.
/// Prompts are off: a missing credential is `None`, not a question on the terminal.
fn credential_fill(api_root: &str, git: &mut Command) -> Option<Token> {
    let (protocol, rest) = api_root.split_once("://")?;
    let host = rest.split('/').next().filter(|host| !host.is_empty())?;
    let mut child = git
        .args(["credential", "fill"])
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .env("SSH_ASKPASS", "")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let question = format!("protocol={protocol}\nhost={host}\n\n");
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits early closes the pipe; the answer below tells.
        let _ = stdin.write_all(question.as_bytes());
    }
    let output = child.wait_with_output().ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("password="))
        .filter(|password| !password.is_empty())
        .map(Token::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_git() -> Command {
        Command::new("/nonexistent/git")
    }

    #[test]
    fn the_environment_is_read_in_order() {
        let env = |name: &str| match name {
            "GITHUB_TOKEN" => Some("from-github-token".to_string()),
            "GITLAB_TOKEN" => Some("from-gitlab".to_string()),
            "GH_TOKEN" => Some("  ".to_string()),
            _ => None,
        };
        let (token, source) = find_token(
            ForgeKind::Github,
            "https://api.github.com",
            env,
            &mut no_git(),
        )
        .expect("a token");
        assert_eq!(token.secret(), "from-github-token");
        assert_eq!(source, TokenSource::Environment("GITHUB_TOKEN"));
        let first = |name: &str| (name == "GIT_BATCH_TOKEN").then(|| "batch".to_string());
        let (token, _) = find_token(
            ForgeKind::Gitea,
            "https://codeberg.org/api/v1",
            first,
            &mut no_git(),
        )
        .expect("a token");
        assert_eq!(token.secret(), "batch");
        assert!(
            find_token(
                ForgeKind::Gitea,
                "https://x/api/v1",
                |_| None,
                &mut no_git()
            )
            .is_none()
        );
    }

    #[test]
    fn the_advice_names_the_variables_and_the_host() {
        let advice = advice(ForgeKind::Github, "https://api.github.com");
        assert!(
            advice.starts_with("set GIT_BATCH_TOKEN or GH_TOKEN or GITHUB_TOKEN to a token"),
            "{advice}"
        );
        assert!(
            advice.contains("for api.github.com in a git credential helper"),
            "{advice}"
        );
    }

    #[test]
    fn a_token_never_shows_in_debug_or_display() {
        let token = Token::new("ghp_secret");
        assert_eq!(format!("{token:?} {token}"), "Token(***) ***");
        assert!(!format!("{:?}", Some(token)).contains("ghp_secret"));
    }
}
