//! For the unit tests: the real `git` in a folder, sealed from the user's configuration.

use std::path::Path;
use std::process::Command;

use gix::bstr::BStr;

use super::commit::Written;

/// `git ARGS` in `dir` with no system or global configuration and a fixed identity; what it
/// printed on standard output. Panics, with what git said, when it fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Jane Doe",
            "-c",
            "user.email=jane@example.com",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `files` (a path, and its new content or `None` to remove it) as an in-process commit takes
/// them.
pub fn written<'a>(files: &[(&'a str, Option<&'a str>)]) -> Vec<Written<'a>> {
    files
        .iter()
        .map(|(path, content)| Written {
            path: BStr::new(path.as_bytes()),
            content: content.map(str::as_bytes),
        })
        .collect()
}
