//! The HTTP side of every forge: one `ureq` agent, the token in the header the forge's
//! dialect wants (never in a URL, an error or a `Debug`), JSON in and out, rate limits waited
//! out within the call's budget, and the forge's status codes turned into typed errors.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use ureq::http::{self, HeaderMap};

use super::known::{ForgeEntry, ForgeKind};
use super::token::Token;

/// Why a call to a forge failed. Messages name the URL (which never carries the token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForgeError {
    /// 401, or 403 without a rate limit: the token is missing, wrong or lacks a scope.
    #[error("{url}: the forge refused the token (HTTP {status}): {message}")]
    Unauthorized {
        url: String,
        status: u16,
        message: String,
    },
    #[error("{url}: not found (HTTP 404)")]
    NotFound { url: String },
    /// GitHub's 422 "A pull request already exists", GitLab's and Gitea's 409.
    #[error("{url}: already exists (HTTP {status}): {message}")]
    Exists {
        url: String,
        status: u16,
        message: String,
    },
    /// An answer that is not the JSON the API promises (an HTML page, a proxy's error).
    #[error("{url}: the answer is not JSON (HTTP {status}): {snippet:?}")]
    Garbage {
        url: String,
        status: u16,
        snippet: String,
    },
    /// A rate limit that would outlast the call's budget.
    #[error(
        "{url}: rate limited; the forge asked to wait {wanted:?}, more than the {budget:?} left"
    )]
    RateLimited {
        url: String,
        wanted: Duration,
        budget: Duration,
    },
    /// The connection failed or timed out.
    #[error("{url}: {message}")]
    Transport { url: String, message: String },
    #[error("{url}: HTTP {status}: {message}")]
    Other {
        url: String,
        status: u16,
        message: String,
    },
}

/// One answer of a forge with a 2xx status.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub url: String,
    pub json: Value,
    /// The `rel="next"` URL of a `Link` header, for pagination.
    pub next: Option<String>,
    /// GitLab's `x-next-page`, when it sends no `Link`.
    pub next_page: Option<String>,
}

/// The HTTP client of one forge.
pub struct Api {
    agent: ureq::Agent,
    root: String,
    kind: ForgeKind,
    token: Option<Token>,
    budget: Duration,
    /// Held by every call that creates or changes something: on one forge those go one at
    /// a time (GitHub's guidance against secondary rate limits), reads run in parallel.
    writes: Mutex<()>,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("root", &self.root)
            .field("kind", &self.kind)
            .field("token", &self.token)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

/// How many times one call is retried after rate limits before giving up.
const MAX_RATE_LIMIT_RETRIES: usize = 5;

impl Api {
    /// A client for `entry`'s API; each HTTP exchange may take `timeout`, and waiting out
    /// rate limits within one call may take as long again.
    pub fn new(entry: &ForgeEntry, token: Option<Token>, timeout: Duration) -> Api {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .user_agent(concat!("git-batch/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Api {
            agent,
            root: entry.api_root().to_string(),
            kind: entry.kind,
            token,
            budget: timeout,
            writes: Mutex::new(()),
        }
    }

    pub fn kind(&self) -> ForgeKind {
        self.kind
    }

    /// The API URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.root, path)
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Result<(Reply, Duration), ForgeError> {
        self.call("GET", &self.url(path), None)
    }

    /// `method path` with a JSON body.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        body: &Value,
    ) -> Result<(Reply, Duration), ForgeError> {
        self.call(method, &self.url(path), Some(body))
    }

    /// Every element of the JSON arrays of `path` and the pages after it (`Link: rel="next"`,
    /// or GitLab's `x-next-page`). A next page outside this API is refused: the token goes
    /// nowhere else.
    pub fn get_all(&self, path: &str) -> Result<(Vec<Value>, Duration), ForgeError> {
        let mut items = Vec::new();
        let mut waited = Duration::ZERO;
        let mut url = self.url(path);
        for _ in 0..10_000 {
            let (reply, wait) = self.call("GET", &url, None)?;
            waited += wait;
            match reply.json {
                Value::Array(page) => items.extend(page),
                _ => return Err(garbage(&url, reply.status, "a JSON array was expected")),
            }
            let next = match (reply.next, reply.next_page) {
                (Some(next), _) => next,
                (None, Some(page)) if !page.is_empty() => with_page(&url, &page),
                _ => return Ok((items, waited)),
            };
            if !next.starts_with(&format!("{}/", self.root)) {
                return Err(ForgeError::Other {
                    url,
                    status: 200,
                    message: format!("the next page {next} is outside the API; not followed"),
                });
            }
            url = next;
        }
        Ok((items, waited))
    }

    /// One call, retried while the forge rate-limits it and the budget allows.
    pub fn call(
        &self,
        method: &str,
        url: &str,
        body: Option<&Value>,
    ) -> Result<(Reply, Duration), ForgeError> {
        let _one_at_a_time = (method != "GET").then(|| {
            self.writes
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        });
        let started = Instant::now();
        let mut waited = Duration::ZERO;
        let mut last_wanted = Duration::ZERO;
        for _ in 0..=MAX_RATE_LIMIT_RETRIES {
            let (status, headers, text) = self.exchange(method, url, body)?;
            if matches!(status, 403 | 429) {
                if let Some(wanted) = rate_limit_wait(status, &headers, &text) {
                    let budget = self.budget.saturating_sub(started.elapsed());
                    if wanted > budget {
                        return Err(ForgeError::RateLimited {
                            url: url.to_string(),
                            wanted,
                            budget,
                        });
                    }
                    std::thread::sleep(wanted);
                    waited += wanted;
                    last_wanted = wanted;
                    continue;
                }
            }
            return self
                .judge(url, status, &headers, &text)
                .map(|reply| (reply, waited));
        }
        // Still limited after every retry: the last wait asked for, and what is left.
        Err(ForgeError::RateLimited {
            url: url.to_string(),
            wanted: last_wanted,
            budget: self.budget.saturating_sub(started.elapsed()),
        })
    }

    fn exchange(
        &self,
        method: &str,
        url: &str,
        body: Option<&Value>,
    ) -> Result<(u16, HeaderMap, String), ForgeError> {
        let transport = |message: String| ForgeError::Transport {
            url: url.to_string(),
            message,
        };
        let mut request = http::Request::builder().method(method).uri(url);
        let accept = match self.kind {
            ForgeKind::Github => "application/vnd.github+json",
            ForgeKind::Gitlab | ForgeKind::Gitea => "application/json",
        };
        request = request.header("Accept", accept);
        if self.kind == ForgeKind::Github {
            request = request.header("X-GitHub-Api-Version", "2022-11-28");
        }
        if let Some(token) = &self.token {
            let (name, value) = match self.kind {
                ForgeKind::Github => ("Authorization", format!("Bearer {}", token.secret())),
                ForgeKind::Gitlab => ("PRIVATE-TOKEN", token.secret().to_string()),
                ForgeKind::Gitea => ("Authorization", format!("token {}", token.secret())),
            };
            request = request.header(name, value);
        }
        let response = match body {
            Some(body) => {
                let request = request
                    .header("Content-Type", "application/json")
                    .body(body.to_string().into_bytes())
                    .map_err(|error| transport(error.to_string()))?;
                self.agent.run(request)
            }
            None => {
                let request = request
                    .body(())
                    .map_err(|error| transport(error.to_string()))?;
                self.agent.run(request)
            }
        };
        let mut response = response.map_err(|error| transport(self.scrub(&error.to_string())))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .map_err(|error| transport(self.scrub(&error.to_string())))?;
        Ok((status, headers, text))
    }

    /// Turns a final answer into a reply or a typed error.
    fn judge(
        &self,
        url: &str,
        status: u16,
        headers: &HeaderMap,
        text: &str,
    ) -> Result<Reply, ForgeError> {
        let url = url.to_string();
        let json = if text.trim().is_empty() {
            Ok(Value::Null)
        } else {
            serde_json::from_str::<Value>(text)
        };
        if (200..300).contains(&status) {
            let json = json.map_err(|_| garbage(&url, status, &self.scrub(text)))?;
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            return Ok(Reply {
                status,
                url,
                json,
                next: header("link").and_then(|link| next_link(&link)),
                next_page: header("x-next-page"),
            });
        }
        let message = match &json {
            Ok(json) => self.scrub(&error_message(json)),
            Err(_) if matches!(status, 401 | 403 | 404) => String::new(),
            Err(_) => return Err(garbage(&url, status, &self.scrub(text))),
        };
        Err(match status {
            401 | 403 => ForgeError::Unauthorized {
                url,
                status,
                message,
            },
            404 => ForgeError::NotFound { url },
            409 => ForgeError::Exists {
                url,
                status,
                message,
            },
            422 if message.contains("already exist") => ForgeError::Exists {
                url,
                status,
                message,
            },
            _ => ForgeError::Other {
                url,
                status,
                message,
            },
        })
    }

    /// `text` with the token blanked out, should a forge ever echo it.
    fn scrub(&self, text: &str) -> String {
        match &self.token {
            Some(token) if !token.secret().is_empty() => text.replace(token.secret(), "***"),
            _ => text.to_string(),
        }
    }
}

fn garbage(url: &str, status: u16, text: &str) -> ForgeError {
    let snippet: String = text.chars().take(80).collect();
    ForgeError::Garbage {
        url: url.to_string(),
        status,
        snippet,
    }
}

/// The forge's own words from an error body: `message` (GitHub, Gitea, GitLab's string or
/// field map), `error` (GitLab's OAuth errors), and GitHub's `errors[].message`.
fn error_message(json: &Value) -> String {
    let mut parts = Vec::new();
    match json.get("message") {
        Some(Value::String(text)) => parts.push(text.clone()),
        Some(Value::Array(items)) => parts.extend(items.iter().map(value_text)),
        Some(other @ Value::Object(_)) => parts.push(other.to_string()),
        _ => {}
    }
    if let Some(error) = json.get("error").and_then(Value::as_str) {
        parts.push(error.to_string());
    }
    if let Some(errors) = json.get("errors").and_then(Value::as_array) {
        for error in errors {
            match error.get("message").and_then(Value::as_str) {
                Some(text) => parts.push(text.to_string()),
                None => parts.push(value_text(error)),
            }
        }
    }
    parts.join("; ")
}

fn value_text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}

/// How long a 403/429 asks to wait, if it is a rate limit at all: `Retry-After` (seconds),
/// else `x-ratelimit-remaining: 0` with `x-ratelimit-reset` (epoch seconds; GitLab spells
/// them `RateLimit-Remaining`/`RateLimit-Reset`), else GitHub's secondary rate limit message
/// (its documentation: wait at least a minute).
fn rate_limit_wait(status: u16, headers: &HeaderMap, body: &str) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(seconds) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_secs(seconds.max(1)));
    }
    for (remaining, reset) in [
        ("x-ratelimit-remaining", "x-ratelimit-reset"),
        ("ratelimit-remaining", "ratelimit-reset"),
    ] {
        if header(remaining) == Some("0") {
            if let Some(reset) = header(reset).and_then(|v| v.parse::<u64>().ok()) {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                return Some(Duration::from_secs(reset.saturating_sub(now).max(1)));
            }
        }
    }
    if status == 429 || body.to_ascii_lowercase().contains("secondary rate limit") {
        return Some(Duration::from_secs(60));
    }
    None
}

/// The `rel="next"` target of a `Link` header (RFC 8288).
fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|param| matches!(param.trim(), "rel=\"next\"" | "rel=next"));
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| target.to_string())
    })
}

/// `url` with its `page` query parameter set to `page`.
fn with_page(url: &str, page: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<String> = query
        .split('&')
        .filter(|param| !param.is_empty() && !param.starts_with("page="))
        .map(str::to_string)
        .collect();
    params.push(format!("page={page}"));
    format!("{base}?{}", params.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("a header value"));
        }
        map
    }

    #[test]
    fn link_headers_give_the_next_page() {
        let link = "<https://api.github.com/orgs/o/repos?page=2>; rel=\"next\", \
                    <https://api.github.com/orgs/o/repos?page=5>; rel=\"last\"";
        assert_eq!(
            next_link(link).as_deref(),
            Some("https://api.github.com/orgs/o/repos?page=2")
        );
        assert_eq!(next_link("<https://x/?page=1>; rel=\"prev\""), None);
        assert_eq!(
            with_page("https://x/p?per_page=100&page=1", "2"),
            "https://x/p?per_page=100&page=2"
        );
    }

    #[test]
    fn rate_limits_are_told_from_refusals() {
        let retry = headers(&[("retry-after", "3")]);
        assert_eq!(
            rate_limit_wait(403, &retry, ""),
            Some(Duration::from_secs(3))
        );
        let soon = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("now")
            .as_secs()
            + 2;
        let reset = soon.to_string();
        let spent = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", &reset),
        ]);
        assert!(rate_limit_wait(403, &spent, "").is_some_and(|d| d <= Duration::from_secs(2)));
        let gitlab = headers(&[("ratelimit-remaining", "0"), ("ratelimit-reset", &reset)]);
        assert!(rate_limit_wait(429, &gitlab, "").is_some());
        let left = headers(&[("x-ratelimit-remaining", "4999")]);
        assert_eq!(
            rate_limit_wait(403, &left, "{\"message\":\"Must have admin rights\"}"),
            None
        );
        let secondary = "{\"message\":\"You have exceeded a secondary rate limit.\"}";
        assert_eq!(
            rate_limit_wait(403, &HeaderMap::new(), secondary),
            Some(Duration::from_secs(60))
        );
    }

    #[test]
    fn the_token_is_blanked_from_messages_and_debug() {
        let entry = ForgeEntry {
            host: "git.example.com".into(),
            kind: ForgeKind::Gitea,
            api: "https://git.example.com/api/v1/".into(),
        };
        let api = Api::new(
            &entry,
            Some(Token::new("s3cret-value")),
            Duration::from_secs(1),
        );
        assert_eq!(api.scrub("echoed s3cret-value back"), "echoed *** back");
        assert!(!format!("{api:?}").contains("s3cret-value"));
        assert_eq!(
            api.url("/repos/o/n"),
            "https://git.example.com/api/v1/repos/o/n"
        );
    }

    #[test]
    fn error_bodies_are_read_in_each_dialect() {
        let github: Value = serde_json::json!({"message": "Validation Failed",
            "errors": [{"resource": "PullRequest", "code": "custom",
                        "message": "A pull request already exists for o:b."}]});
        assert_eq!(
            error_message(&github),
            "Validation Failed; A pull request already exists for o:b."
        );
        let gitlab: Value =
            serde_json::json!({"message": ["Another open merge request already exists"]});
        assert_eq!(
            error_message(&gitlab),
            "Another open merge request already exists"
        );
        assert_eq!(
            error_message(&serde_json::json!({"error": "invalid_token"})),
            "invalid_token"
        );
    }
}
