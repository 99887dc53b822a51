//! The optional `.git-batch.toml` at the root: defaults for the global flags, named groups of
//! repositories for `-t @NAME`, the policy that the hooks check, and the forges (`[[forges]]`)
//! other than the three public ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::forge::known::{ForgeEntry, ForgeEntryError, Forges};

/// The file's name, looked up at the root.
pub const FILE_NAME: &str = ".git-batch.toml";

/// The longest `--timeout` (and `[defaults] timeout`): a week, in seconds. A deadline is the
/// moment of a start plus the timeout, and a larger one would overflow the clock.
pub const MAX_TIMEOUT_SECS: u64 = 7 * 24 * 60 * 60;

/// What `.git-batch.toml` holds. Unknown keys are errors, so that a typo is not silently ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[groups] web = ["site", "api-*"]`: names or globs, usable as `-t @web`.
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<String>>,
    /// `[defaults]`: values for global flags that the command line does not give.
    #[serde(default)]
    pub defaults: Defaults,
    /// `[policy]`: what `hooks/pre-push` checks.
    #[serde(default)]
    pub policy: Policy,
    /// `[[forges]]`: a host other than github.com, gitlab.com and codeberg.org, its kind and
    /// its API root (checked by [`load`]; plain `http://` only when written here).
    #[serde(default)]
    pub forges: Vec<ForgeEntry>,
}

impl Config {
    /// The forges a remote or `--forge` may name: the `[[forges]]` tables, then the public ones.
    pub fn forges(&self) -> Result<Forges, ForgeEntryError> {
        Forges::new(&self.forges)
    }
}

/// `[defaults]`: the global flags a root sets for every run on it. A flag given on the command
/// line wins.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Defaults {
    pub depth: Option<usize>,
    pub parallel: Option<u16>,
    pub exclude: Option<Vec<String>>,
    /// Seconds.
    pub timeout: Option<u64>,
    pub per_host: Option<u16>,
}

/// `[policy]`: the license a repository must declare (and the ones it must not), and files that
/// must match templates.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The SPDX id every repository is to declare.
    pub license: Option<String>,
    /// Ids that must not be declared any more (each is checked against `license`).
    #[serde(default)]
    pub forbid: Vec<String>,
    /// `[[policy.files]]`: `path` in each repository must hold `template`'s content.
    #[serde(default)]
    pub files: Vec<PolicyFile>,
}

/// One `[[policy.files]]` entry.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// The path (or glob) in each repository.
    pub path: String,
    /// The file it must match, relative to the folder of `.git-batch.toml` (and inside it), or
    /// an absolute path.
    pub template: String,
}

/// A configuration file that exists but cannot be used (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// A value or key that can be pointed at: `FILE:LINE:COL: KEY: what was expected`.
    #[error("{path}:{line}:{column}: {message}")]
    At {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

/// Loads `.git-batch.toml` from `root`; an absent file is the empty configuration.
pub fn load(root: &Path) -> Result<Config, ConfigError> {
    let path = root.join(FILE_NAME);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(source) => return Err(ConfigError::Read { path, source }),
    };
    let config: Config =
        toml::from_str(&text).map_err(|err| located::parse_error(&path, &text, &err))?;
    let at = |key: &str, message: String| located::at_key(&path, &text, key, message);
    let d = &config.defaults;
    for (key, zero) in [
        ("parallel", d.parallel == Some(0)),
        ("timeout", d.timeout == Some(0)),
        ("per-host", d.per_host == Some(0)),
    ] {
        if zero {
            let key = format!("defaults.{key}");
            return Err(at(&key, format!("{key} must be at least 1")));
        }
    }
    if d.timeout.is_some_and(|secs| secs > MAX_TIMEOUT_SECS) {
        return Err(at(
            "defaults.timeout",
            format!(
                "defaults.timeout must be at most {} seconds (a week)",
                MAX_TIMEOUT_SECS
            ),
        ));
    }
    for (index, file) in config.policy.files.iter().enumerate() {
        confine_template(root, &file.template)
            .map_err(|message| at(&format!("policy.files[{index}].template"), message))?;
    }
    if config.policy.license.is_none() && !config.policy.forbid.is_empty() {
        return Err(at(
            "policy.forbid",
            "policy.forbid needs policy.license: the id that replaces them".into(),
        ));
    }
    check_forges(&config.forges).map_err(|(key, message)| at(&key, message))?;
    Ok(config)
}

/// Checks the `[[forges]]` tables (a host once, an API URL with its scheme), pointing at the
/// first that cannot be used: `forges[INDEX].KEY`.
fn check_forges(forges: &[ForgeEntry]) -> Result<(), (String, String)> {
    for index in 0..forges.len() {
        if let Err(err) = Forges::new(&forges[..=index]) {
            let key = match err {
                ForgeEntryError::Api { .. } => "api",
                ForgeEntryError::EmptyHost | ForgeEntryError::Twice(_) => "host",
            };
            return Err((format!("forges[{index}].{key}"), err.to_string()));
        }
    }
    Ok(())
}

/// Checks that a `[[policy.files]]` template written as a relative path stays in the folder of
/// `.git-batch.toml` (`root`): no `..`, no symbolic link that leads out. A configuration found in
/// a fleet (or a repository, for a hook) must not make `check` read, and print the difference
/// with, any file of the machine; an absolute path is taken as the user's explicit choice.
fn confine_template(root: &Path, template: &str) -> Result<(), String> {
    let relative = Path::new(template);
    if relative.is_absolute() {
        return Ok(());
    }
    let leaves = || {
        format!(
            "policy.files template `{template}` leads out of the folder of {FILE_NAME}: keep \
             templates inside it, or write an absolute path to use a file elsewhere"
        )
    };
    if relative
        .components()
        .any(|part| matches!(part, std::path::Component::ParentDir))
    {
        return Err(leaves());
    }
    // A symbolic link inside the folder may lead out; a template that does not exist is
    // reported later, with the rest of the request.
    if let (Ok(real), Ok(folder)) = (
        std::fs::canonicalize(root.join(relative)),
        std::fs::canonicalize(root),
    ) {
        if !real.starts_with(&folder) {
            return Err(leaves());
        }
    }
    Ok(())
}

mod located;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_read_and_unknown_keys_refused() {
        let config: Config = toml::from_str("[groups]\nweb = [\"site\", \"api-*\"]\n").expect("ok");
        assert_eq!(config.groups["web"], ["site", "api-*"]);
        let err = toml::from_str::<Config>("[grups]\nweb = []\n").expect_err("typo");
        assert!(err.message().contains("grups"), "{}", err.message());
    }

    #[test]
    fn defaults_and_policy_are_read() {
        let text = "[defaults]\nparallel = 4\nper-host = 2\nexclude = [\"old-*\"]\n\
                    [policy]\nlicense = \"Apache-2.0\"\nforbid = [\"MIT\"]\n\
                    [[policy.files]]\npath = \"ci.yml\"\ntemplate = \"templates/ci.yml\"\n";
        let config: Config = toml::from_str(text).expect("ok");
        assert_eq!(config.defaults.parallel, Some(4));
        assert_eq!(config.defaults.per_host, Some(2));
        assert_eq!(config.defaults.exclude, Some(vec!["old-*".to_owned()]));
        assert_eq!(config.policy.forbid, ["MIT"]);
        assert_eq!(config.policy.files[0].template, "templates/ci.yml");
        let err = toml::from_str::<Config>("[defaults]\nparalel = 4\n").expect_err("typo");
        assert!(err.message().contains("paralel"), "{}", err.message());
        let err = toml::from_str::<Config>("[defaults]\nparallel = \"four\"\n").expect_err("type");
        assert!(err.message().contains("invalid type"), "{}", err.message());
    }

    #[test]
    fn forges_are_read_and_checked_where_they_are_written() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let table = |host: &str, api: &str| {
            format!("[[forges]]\nhost = \"{host}\"\nkind = \"gitea\"\napi = \"{api}\"\n")
        };
        let good = table("git.example.com:3000", "http://git.example.com:3000/api/v1");
        std::fs::write(dir.path().join(FILE_NAME), &good).expect("write");
        let config = load(dir.path()).expect("valid");
        let forges = config.forges().expect("valid");
        let found = forges.by_host("git.example.com:3000").expect("configured");
        assert_eq!(found.api_root(), "http://git.example.com:3000/api/v1");
        let twice = format!(
            "{good}{}",
            table("git.example.com:3000", "https://x/api/v1")
        );
        std::fs::write(dir.path().join(FILE_NAME), twice).expect("write");
        let err = load(dir.path()).expect_err("named twice").to_string();
        assert!(
            err.contains(":6:1: [[forges]] host git.example.com:3000 is named twice"),
            "{err}"
        );
        std::fs::write(dir.path().join(FILE_NAME), table("h", "ftp://h/api")).expect("write");
        let err = load(dir.path()).expect_err("no scheme").to_string();
        assert!(
            err.contains(":4:1: [[forges]] host h: api must start with"),
            "{err}"
        );
    }
}
