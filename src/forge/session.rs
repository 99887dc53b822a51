//! The forges of one run: each repository's forge and `owner/name` resolved from its remote URL
//! before anything is pushed, one client per forge with its token looked up once, a refusal
//! said once per forge (with the fix) and that forge's other repositories not tried, and the
//! time rate limits made a call wait said with its result.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use super::api::ForgeError;
use super::known::{ForgeEntry, ForgeKind, Forges};
use super::token::{Token, advice, find_token};
use super::{Answer, Forge};

/// Where a repository's change requests live: its forge (by the host `[[forges]]` or the
/// known list names it) and its path there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The forge's host as its entry names it (with `:PORT` when it has one).
    pub forge: String,
    pub kind: ForgeKind,
    /// `owner/name`, `group/sub/name` on GitLab.
    pub repo: String,
}

/// How a session finds a forge's token; never called twice for one forge.
pub type TokenLookup = dyn Fn(&ForgeEntry) -> Option<Token> + Send + Sync;

/// One forge's client, connected on first use.
struct Client {
    entry: ForgeEntry,
    forge: OnceLock<Box<dyn Forge>>,
    /// Set once the forge refused the token: its other repositories are not tried.
    refused: Mutex<bool>,
    /// How long rate limits made this forge's calls wait, in all.
    waited: Mutex<Duration>,
}

/// The forges of one run.
pub struct Session {
    forges: Forges,
    timeout: Duration,
    tokens: Box<TokenLookup>,
    clients: Mutex<BTreeMap<String, Arc<Client>>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("forges", &self.forges)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session whose tokens come from the environment (`GIT_BATCH_TOKEN`, then the forge's
    /// own variables), else from `git credential fill` for the API's host.
    pub fn new(forges: Forges, timeout: Duration) -> Session {
        let lookup = |entry: &ForgeEntry| {
            let env = |name: &str| std::env::var(name).ok();
            let mut git = Command::new("git");
            git.stdin(std::process::Stdio::null());
            find_token(entry.kind, entry.api_root(), env, &mut git).map(|(token, _)| token)
        };
        Session::with_tokens(forges, timeout, Box::new(lookup))
    }

    /// A session whose tokens come from `tokens` (for tests and for callers that hold one).
    pub fn with_tokens(forges: Forges, timeout: Duration, tokens: Box<TokenLookup>) -> Session {
        Session {
            forges,
            timeout,
            tokens,
            clients: Mutex::new(BTreeMap::new()),
        }
    }

    /// The forge and path of the repository whose remote is `url`: part of the plan, before
    /// anything is pushed. An unknown host is an error with the `[[forges]]` table to add.
    pub fn locate(&self, url: &str) -> Result<Target, String> {
        let (remote, entry) = self.forges.locate(url).map_err(|err| err.to_string())?;
        Ok(Target {
            forge: entry.host.clone(),
            kind: entry.kind,
            repo: remote.path(),
        })
    }

    /// The target a journal record names (`PrRecord`'s `forge` and `repo`).
    pub fn target_of(&self, forge: &str, repo: &str) -> Result<Target, String> {
        let entry = self.entry_of(forge)?;
        Ok(Target {
            forge: entry.host,
            kind: entry.kind,
            repo: repo.to_string(),
        })
    }

    fn entry_of(&self, forge: &str) -> Result<ForgeEntry, String> {
        self.forges.by_host(forge).cloned().ok_or_else(|| {
            format!(
                "{forge} is not a forge git-batch knows any more; name it in .git-batch.toml:\n{}",
                Forges::table_to_add(forge)
            )
        })
    }

    fn client(&self, target: &Target) -> Result<Arc<Client>, String> {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = clients.get(&target.forge) {
            return Ok(Arc::clone(client));
        }
        let client = Arc::new(Client {
            entry: self.entry_of(&target.forge)?,
            forge: OnceLock::new(),
            refused: Mutex::new(false),
            waited: Mutex::new(Duration::ZERO),
        });
        clients.insert(target.forge.clone(), Arc::clone(&client));
        Ok(client)
    }

    /// One call to `target`'s forge: the value and, when a rate limit made it wait, the
    /// sentence that says so. A refusal of the token is said in full (with the fix) the first
    /// time; after it, the forge's other repositories are not tried and get a short reason.
    pub fn call<T>(
        &self,
        target: &Target,
        call: impl FnOnce(&dyn Forge, &str) -> Result<Answer<T>, ForgeError>,
    ) -> Result<(T, Option<String>), String> {
        let client = self.client(target)?;
        if *client
            .refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
        {
            return Err(not_tried(&client.entry));
        }
        let forge = client.forge.get_or_init(|| {
            let token = (self.tokens)(&client.entry);
            super::connect(&client.entry, token, self.timeout)
        });
        match call(forge.as_ref(), &target.repo) {
            Ok(answer) => {
                *client.waited.lock().unwrap_or_else(PoisonError::into_inner) += answer.waited;
                Ok((answer.value, waited(&client.entry, answer.waited)))
            }
            Err(error @ ForgeError::Unauthorized { .. }) => {
                let mut refused = client
                    .refused
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if std::mem::replace(&mut *refused, true) {
                    return Err(not_tried(&client.entry));
                }
                let entry = &client.entry;
                Err(format!("{error}; {}", advice(entry.kind, entry.api_root())))
            }
            Err(error) => Err(error.to_string()),
        }
    }

    /// Tries each forge of `targets` once, with a read, before parallel work: a forge that
    /// refuses the token is marked so that its repositories are not tried, and the sentence
    /// to say once (with the fix) is returned, one per refusing forge.
    pub fn probe(&self, targets: &[(Target, String)]) -> Vec<String> {
        let mut tried: Vec<&str> = Vec::new();
        let mut notes = Vec::new();
        for (target, head) in targets {
            if tried.contains(&target.forge.as_str()) {
                continue;
            }
            tried.push(&target.forge);
            if let Err(said) = self.call(target, |forge, repo| forge.find_open(repo, head)) {
                if self.refused(target) {
                    notes.push(said);
                }
            }
        }
        notes
    }

    /// For the end of a run, one sentence per forge whose rate limits made it wait:
    /// "waited 75 s in all for github.com's rate limit".
    pub fn wait_notes(&self) -> Vec<String> {
        let clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        clients
            .values()
            .filter_map(|client| {
                let total = *client.waited.lock().unwrap_or_else(PoisonError::into_inner);
                waited(&client.entry, total).map(|said| said.replacen(" s for", " s in all for", 1))
            })
            .collect()
    }

    /// Whether `target`'s forge refused the token in this session.
    pub fn refused(&self, target: &Target) -> bool {
        self.client(target).is_ok_and(|client| {
            *client
                .refused
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        })
    }
}

/// The short reason of a repository whose forge refused the token earlier in the run.
fn not_tried(entry: &ForgeEntry) -> String {
    format!(
        "not tried: the {} API at {} refused the token (said above, with the fix)",
        entry.kind.as_str(),
        entry.api_root()
    )
}

/// "waited 12 s for github.com's rate limit", when a call waited at all.
fn waited(entry: &ForgeEntry, waited: Duration) -> Option<String> {
    (!waited.is_zero()).then(|| {
        format!(
            "waited {} s for {}'s rate limit",
            waited.as_secs_f64().round() as u64,
            entry.host
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_host_fails_in_the_plan_with_the_table_to_add() {
        let session = Session::with_tokens(
            Forges::new(&[]).expect("no table"),
            Duration::from_secs(1),
            Box::new(|_| None),
        );
        let target = session
            .locate("git@gitlab.com:group/sub/tool.git")
            .expect("known");
        assert_eq!(
            (target.forge.as_str(), target.kind, target.repo.as_str()),
            ("gitlab.com", ForgeKind::Gitlab, "group/sub/tool")
        );
        let error = session
            .locate("https://git.example.com:8443/team/tool")
            .expect_err("unknown");
        assert!(
            error.contains("[[forges]]\nhost = \"git.example.com:8443\""),
            "{error}"
        );
        assert!(session.target_of("git.example.com", "a/b").is_err());
        assert_eq!(
            session.target_of("github.com", "o/n").map(|t| t.kind),
            Ok(ForgeKind::Github)
        );
    }

    #[test]
    fn waits_are_said_in_whole_seconds() {
        let entry = ForgeEntry {
            host: "github.com".into(),
            kind: ForgeKind::Github,
            api: "https://api.github.com".into(),
        };
        assert_eq!(waited(&entry, Duration::ZERO), None);
        assert_eq!(
            waited(&entry, Duration::from_millis(12_300)).as_deref(),
            Some("waited 12 s for github.com's rate limit")
        );
    }
}
