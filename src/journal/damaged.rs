//! A run record that can no longer be read (a truncated file): what it still tells, and the
//! error that says what can be done.

use std::path::{Path, PathBuf};

use super::{JournalError, RunRecord};

/// A run file that cannot be read.
#[derive(Debug, Clone)]
pub struct DamagedRecord {
    pub run_id: String,
    pub path: PathBuf,
    pub message: String,
    /// When the run started, if the file still says.
    pub started_ms: Option<u64>,
}

impl DamagedRecord {
    pub(super) fn new(run_id: &str, path: &Path, message: String) -> DamagedRecord {
        DamagedRecord {
            run_id: run_id.to_owned(),
            path: path.to_path_buf(),
            message,
            started_ms: None,
        }
    }

    /// Whether the run may have started after `run`: when the file no longer says when it
    /// started, a run of the same second counts as later.
    pub(super) fn may_follow(&self, run: &RunRecord) -> bool {
        match self.started_ms {
            Some(ms) => (ms, &self.run_id) > (run.started_ms, &run.run_id),
            None => {
                let second = |id: &str| id.split('-').next().unwrap_or_default().to_owned();
                second(&self.run_id) >= second(&run.run_id)
            }
        }
    }

    /// The error that names the file and what can still be done.
    pub fn into_error(self) -> JournalError {
        JournalError::DamagedRun {
            run_id: self.run_id,
            path: self.path,
            message: self.message,
        }
    }
}

/// The value of `field` in a damaged (say, truncated) run file, when its text still holds it.
pub(super) fn field_of_damaged<T: serde::de::DeserializeOwned>(
    text: &[u8],
    field: &str,
) -> Option<T> {
    let text = String::from_utf8_lossy(text);
    let key = format!("\"{field}\"");
    let at = text.find(&key)? + key.len();
    let rest = text[at..].trim_start().strip_prefix(':')?.trim_start();
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<T>();
    stream.next()?.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_record_still_tells_its_root_and_start() {
        let text = b"{\n  \"run_id\": \"x\",\n  \"root\": \"/a \\\"b\\\"\",\n  \"started_ms\": 17,\n  \"rep";
        let root: Option<PathBuf> = field_of_damaged(text, "root");
        assert_eq!(root, Some(PathBuf::from("/a \"b\"")));
        assert_eq!(field_of_damaged::<u64>(text, "started_ms"), Some(17));
        assert_eq!(field_of_damaged::<u64>(text, "finished"), None);
        assert_eq!(
            field_of_damaged::<PathBuf>(b"{\"root\": \"/cut", "root"),
            None
        );
    }
}
