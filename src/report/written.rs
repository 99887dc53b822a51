//! Whether the report reached standard output. A write that fails (a full disk under
//! `--format json > report.json`) must not end in exit 0 with half a document, so the first such
//! error is kept and the run ends with exit 1 and the reason. Standard output is one stream for
//! the whole process, written from the printer thread and from `list` and `runs`, so what went
//! wrong with it is kept for the process too.

use std::sync::OnceLock;

static FAILED: OnceLock<String> = OnceLock::new();

/// Notes the result of a write to standard output; true when it went through. A reader that went
/// away (EPIPE: `git batch status | head -1`) is not an error, as for git: the rest of the report
/// is not wanted, and nothing is said.
pub fn wrote(result: std::io::Result<()>) -> bool {
    match result {
        Ok(()) => true,
        Err(err) => {
            if err.kind() != std::io::ErrorKind::BrokenPipe {
                let _ = FAILED.set(err.to_string());
            }
            false
        }
    }
}

/// The first error that kept the report from standard output, if any (a closed pipe is none).
pub fn output_error() -> Option<&'static str> {
    FAILED.get().map(String::as_str)
}
