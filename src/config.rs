//! The optional `.git-batch.toml` at the root: named groups of repositories for `-t @NAME`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The file's name, looked up at the root.
pub const FILE_NAME: &str = ".git-batch.toml";

/// What `.git-batch.toml` holds. Unknown keys are errors, so that a typo is not silently ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[groups] web = ["site", "api-*"]`: names or globs, usable as `-t @web`.
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<String>>,
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
}

/// Loads `.git-batch.toml` from `root`; an absent file is the empty configuration.
pub fn load(root: &Path) -> Result<Config, ConfigError> {
    let path = root.join(FILE_NAME);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(source) => return Err(ConfigError::Read { path, source }),
    };
    toml::from_str(&text).map_err(|err| ConfigError::Invalid {
        path,
        message: err.message().to_owned(),
    })
}

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
}
