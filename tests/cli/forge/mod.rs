//! A local forge for the tests: one server on 127.0.0.1 that serves the fleet's bare remotes
//! over git's smart HTTP (the real `git http-backend`) and answers the REST endpoints
//! git-batch calls the way GitHub, GitLab or Gitea document them, so that push and API share
//! one host as on a real forge. Every request is recorded, so a test can check what was sent
//! and where the token went. Merges are made in the bare repositories with git itself.

mod fleet;
mod gitea;
mod github;
mod gitlab;
mod http;
mod state;

use std::collections::VecDeque;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;
use tempfile::TempDir;

use crate::fixture::Fleet;
pub use fleet::{ForgeFleet, TOKEN};
pub use http::{Request, Response};

/// One test per forge kind for each named case: `each_forge!(cases_module: case_a, case_b)`
/// makes modules `github`, `gitlab` and `gitea`, each with a `#[test] fn case_a()` calling
/// `cases_module::case_a(Flavour::…)`.
macro_rules! each_forge {
    ($cases:path: $($case:ident),+ $(,)?) => {
        $crate::forge::each_forge!(@kind github, GitHub, $cases: $($case),+);
        $crate::forge::each_forge!(@kind gitlab, GitLab, $cases: $($case),+);
        $crate::forge::each_forge!(@kind gitea, Gitea, $cases: $($case),+);
    };
    (@kind $module:ident, $flavour:ident, $cases:path: $($case:ident),+) => {
        mod $module {
            use $cases as cases;
            $(
                #[test]
                fn $case() {
                    cases::$case($crate::forge::Flavour::$flavour);
                }
            )+
        }
    };
}
pub(crate) use each_forge;

/// Which forge's REST dialect the server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    GitHub,
    GitLab,
    Gitea,
}

impl Flavour {
    /// The API root's path on the server, as each forge's self-hosted edition has it.
    pub fn api_prefix(self) -> &'static str {
        match self {
            Flavour::GitHub => "/api/v3",
            Flavour::GitLab => "/api/v4",
            Flavour::Gitea => "/api/v1",
        }
    }
}

/// What the next API request gets instead of its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 403 (GitHub, Gitea) or 429 (GitLab) with `Retry-After` — GitHub's secondary limit.
    RateLimit { retry_after: u64 },
    /// 403/429 with the remaining count at 0 and the reset `seconds` from now, no Retry-After.
    Exhausted { seconds: u64 },
    /// An HTML page with status 200, as a proxy or a login page would send.
    Html,
    /// No answer for `seconds`, then the connection closed: a forge that hangs.
    Silent { seconds: u64 },
}

/// One repository the forge knows.
#[derive(Debug, Clone)]
pub struct ServedRepo {
    pub path: String,
    pub archived: bool,
    pub fork: bool,
    pub topics: Vec<String>,
}

/// One change request on the forge.
#[derive(Debug, Clone)]
pub struct Pull {
    pub number: u64,
    pub repo: String,
    pub head: String,
    pub base: String,
    pub title: String,
    pub body: String,
    pub draft: bool,
    pub labels: Vec<String>,
    pub reviewers: Vec<String>,
    pub assignees: Vec<String>,
    pub closed: bool,
    pub merged: bool,
    /// `none`, `success`, `failure` or `pending`, as set by the test.
    pub checks: String,
    /// (login, state) in the forge's own words, oldest first.
    pub reviews: Vec<(String, String)>,
}

/// Everything the server knows and has seen.
#[derive(Debug)]
pub struct State {
    pub flavour: Flavour,
    pub token: String,
    pub base_url: String,
    pub project_root: PathBuf,
    pub repos: Vec<ServedRepo>,
    pub pulls: Vec<Pull>,
    /// Logins the forge knows (reviewers, assignees).
    pub users: Vec<String>,
    /// Label names each repository has.
    pub labels: Vec<String>,
    pub faults: VecDeque<Fault>,
    pub requests: Vec<Request>,
    /// The most items a page holds, whatever the client asks.
    pub max_page: usize,
    /// How long each API write is held before it is answered, to see writes overlap.
    pub write_delay: std::time::Duration,
    writes_in_flight: usize,
    /// The most API writes that were in flight at once.
    pub most_writes_at_once: usize,
}

/// The running server; stopped when dropped.
#[derive(Debug)]
pub struct ForgeServer {
    pub port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    _root: TempDir,
}

impl ForgeServer {
    /// A server of `flavour` that accepts `token` on its API.
    pub fn start(flavour: Flavour, token: &str) -> ForgeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let port = listener.local_addr().expect("the bound address").port();
        let root = tempfile::Builder::new()
            .prefix("git-batch-forge-")
            .tempdir()
            .expect("a temp dir");
        let state = Arc::new(Mutex::new(State {
            flavour,
            token: token.to_string(),
            base_url: format!("http://127.0.0.1:{port}"),
            project_root: root.path().to_path_buf(),
            repos: Vec::new(),
            pulls: Vec::new(),
            users: vec!["ann".into(), "bob".into()],
            labels: vec!["licensing".into(), "chore".into()],
            faults: VecDeque::new(),
            requests: Vec::new(),
            max_page: 100,
            write_delay: std::time::Duration::ZERO,
            writes_in_flight: 0,
            most_writes_at_once: 0,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (Arc::clone(&state), Arc::clone(&stop));
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let state = Arc::clone(&state);
                    std::thread::spawn(move || serve(&state, &stream));
                }
            })
        };
        ForgeServer {
            port,
            state,
            stop,
            thread: Some(thread),
            _root: root,
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `http://127.0.0.1:PORT`, the host of both git and the API.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn api_root(&self) -> String {
        format!("{}{}", self.base_url(), self.state().flavour.api_prefix())
    }

    /// Serves the fleet's bare remote of each of `names` as `fleet/NAME` (git and API).
    pub fn serve_fleet(&self, fleet: &Fleet, names: &[&str]) {
        let owner = self.state().project_root.join("fleet");
        std::fs::create_dir_all(&owner).expect("the owner folder");
        for name in names {
            std::os::unix::fs::symlink(fleet.remote_path(name), owner.join(format!("{name}.git")))
                .expect("link the bare remote");
            self.add_repo(&format!("fleet/{name}"), false, false, &[]);
        }
    }

    /// A repository known to the API only (for listings).
    pub fn add_repo(&self, path: &str, archived: bool, fork: bool, topics: &[&str]) {
        let topics = topics.iter().map(|topic| topic.to_string()).collect();
        self.state().repos.push(ServedRepo {
            path: path.to_string(),
            archived,
            fork,
            topics,
        });
    }

    /// The clone URL of `fleet/NAME` on this server.
    pub fn git_url(&self, path: &str) -> String {
        format!("{}/{path}.git", self.base_url())
    }

    pub fn fault(&self, fault: Fault) {
        self.state().faults.push_back(fault);
    }

    /// Every request so far, git's and the API's.
    pub fn requests(&self) -> Vec<Request> {
        self.state().requests.clone()
    }

    pub fn pulls(&self) -> Vec<Pull> {
        self.state().pulls.clone()
    }

    pub fn set_checks(&self, number: u64, checks: &str) {
        self.with_pull(number, |pull| pull.checks = checks.to_string());
    }

    pub fn add_review(&self, number: u64, login: &str, state: &str) {
        self.with_pull(number, |pull| {
            pull.reviews.push((login.to_string(), state.to_string()))
        });
    }

    fn with_pull(&self, number: u64, change: impl FnOnce(&mut Pull)) {
        let mut state = self.state();
        let pull = state
            .pulls
            .iter_mut()
            .find(|pull| pull.number == number)
            .expect("that pull");
        change(pull);
    }
}

impl Drop for ForgeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(state: &Mutex<State>, stream: &TcpStream) {
    let Some(request) = http::read_request(stream) else {
        return;
    };
    let lock = || {
        state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    };
    let mut guard = lock();
    guard.requests.push(request.clone());
    let is_write =
        request.method != "GET" && request.path().starts_with(guard.flavour.api_prefix());
    let delay = guard.write_delay;
    if is_write && !delay.is_zero() {
        guard.writes_in_flight += 1;
        guard.most_writes_at_once = guard.most_writes_at_once.max(guard.writes_in_flight);
        drop(guard);
        std::thread::sleep(delay);
        guard = lock();
        guard.writes_in_flight -= 1;
    }
    let prefix = guard.flavour.api_prefix();
    if let Some(Fault::Silent { seconds }) = guard.faults.front().copied() {
        guard.faults.pop_front();
        drop(guard);
        std::thread::sleep(std::time::Duration::from_secs(seconds));
        return;
    }
    let response = if let Some(rest) = request.path().strip_prefix(prefix) {
        let rest = rest.to_string();
        api(&mut guard, &request, &rest)
    } else {
        let root = guard.project_root.clone();
        drop(guard);
        http::git_http_backend(&root, &request)
    };
    http::write_response(stream, &response);
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// Faults first, then the token, then the flavour's routes.
fn api(state: &mut State, request: &Request, path: &str) -> Response {
    if let Some(fault) = state.faults.pop_front() {
        let status = if state.flavour == Flavour::GitLab {
            429
        } else {
            403
        };
        return match fault {
            Fault::RateLimit { retry_after } => Response::json(
                status,
                &json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}),
            )
            .with_header("Retry-After", &retry_after.to_string()),
            Fault::Exhausted { seconds } => {
                let reset = (now() + seconds).to_string();
                let (remaining, reset_name) = match state.flavour {
                    Flavour::GitLab => ("RateLimit-Remaining", "RateLimit-Reset"),
                    _ => ("x-ratelimit-remaining", "x-ratelimit-reset"),
                };
                Response::json(status, &json!({"message": "API rate limit exceeded"}))
                    .with_header(remaining, "0")
                    .with_header(reset_name, &reset)
            }
            Fault::Silent { .. } => unreachable!("answered in serve"),
            Fault::Html => Response {
                status: 200,
                headers: vec![("Content-Type".into(), "text/html".into())],
                body: b"<!DOCTYPE html><html><body>Sign in to continue</body></html>".to_vec(),
            },
        };
    }
    let expected = match state.flavour {
        Flavour::GitHub => ("authorization", format!("Bearer {}", state.token)),
        Flavour::GitLab => ("private-token", state.token.clone()),
        Flavour::Gitea => ("authorization", format!("token {}", state.token)),
    };
    if request.header(expected.0) != Some(expected.1.as_str()) {
        let message = match state.flavour {
            Flavour::GitHub => "Bad credentials",
            Flavour::GitLab => "401 Unauthorized",
            Flavour::Gitea => "user does not exist [uid: 0, name: ]",
        };
        return Response::json(401, &json!({"message": message}));
    }
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(http::decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let response = match state.flavour {
        Flavour::GitHub => github::route(state, request, &segments),
        Flavour::GitLab => gitlab::route(state, request, &segments),
        Flavour::Gitea => gitea::route(state, request, &segments),
    };
    response.unwrap_or_else(|| not_found(state.flavour))
}

pub fn not_found(flavour: Flavour) -> Response {
    let message = match flavour {
        Flavour::GitHub => "Not Found",
        Flavour::GitLab => "404 Not found",
        Flavour::Gitea => "The target couldn't be found.",
    };
    Response::json(404, &json!({"message": message}))
}
