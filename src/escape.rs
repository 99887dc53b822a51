//! Text that came from repositories or their configuration (names, file names, git's and hooks'
//! messages, policy paths) made safe to print: for a terminal, a control character is shown,
//! never sent, so that a hostile name cannot set the terminal's title, clear the screen, or start
//! a line of its own in a CI log (a forged `::error::` annotation); for a shell, a command the
//! user is to paste is quoted word by word. JSON output is not escaped here: serde escapes it.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character written as git writes it under `core.quotePath`:
/// `\t`, `\n` and `\r` as such, any other (ESC, BEL, DEL, the C1 range) as the octal of its
/// UTF-8 bytes (`\033`, `\302\233`). Everything else, non-ASCII letters included, is kept.
pub fn controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => shown.push_str("\\t"),
            '\n' => shown.push_str("\\n"),
            '\r' => shown.push_str("\\r"),
            c if c.is_control() => {
                let mut bytes = [0; 4];
                for byte in c.encode_utf8(&mut bytes).bytes() {
                    let _ = write!(shown, "\\{byte:03o}");
                }
            }
            c => shown.push(c),
        }
    }
    Cow::Owned(shown)
}

/// [`controls`] for a path, decoded lossily first (a byte that is not UTF-8 shows as `�`).
pub fn path(path: &std::path::Path) -> String {
    controls(&path.to_string_lossy()).into_owned()
}

/// `git batch -t . COMMAND FLAGS…` as a line to paste into a shell: every word quoted as the
/// shell needs (a policy path may hold `'`, `$(…)` or `;`), and a value that starts with `-`
/// joined to its flag (`--pattern=-x`) so that it is not read as a flag.
pub fn fix_command(command: &str, flags: &[(&str, Option<&str>)]) -> String {
    let mut argv: Vec<String> = ["git", "batch", "-t", ".", command]
        .map(str::to_owned)
        .to_vec();
    for (flag, value) in flags {
        match value {
            Some(value) if value.starts_with('-') => argv.push(format!("{flag}={value}")),
            Some(value) => argv.extend([(*flag).to_owned(), (*value).to_owned()]),
            None => argv.push((*flag).to_owned()),
        }
    }
    shlex::try_join(argv.iter().map(String::as_str)).unwrap_or_else(|_| {
        "(a value of the policy holds a NUL byte: no shell command can name it)".to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::{controls, fix_command};

    #[test]
    fn fix_commands_quote_every_word_and_keep_values_from_reading_as_flags() {
        assert_eq!(
            fix_command(
                "file-replace",
                &[("--pattern", Some("ci.yml")), ("--create", None)]
            ),
            "git batch -t . file-replace --pattern ci.yml --create"
        );
        let hostile = fix_command("file-replace", &[("--pattern", Some("a'; touch x; '"))]);
        assert_eq!(
            shlex::split(&hostile).expect("splits"),
            [
                "git",
                "batch",
                "-t",
                ".",
                "file-replace",
                "--pattern",
                "a'; touch x; '"
            ]
        );
        let dashed = fix_command("file-replace", &[("--pattern", Some("-rf"))]);
        assert_eq!(
            shlex::split(&dashed)
                .expect("splits")
                .last()
                .map(String::as_str),
            Some("--pattern=-rf")
        );
        assert!(fix_command("x", &[("--pattern", Some("nul\0"))]).contains("NUL"));
    }

    #[test]
    fn control_characters_are_shown_as_git_shows_them() {
        assert_eq!(controls("plain délta"), "plain délta");
        assert!(matches!(controls("plain"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(controls("a\nb\tc\rd"), "a\\nb\\tc\\rd");
        assert_eq!(controls("\x1b]0;title\x07"), "\\033]0;title\\007");
        assert_eq!(controls("del\x7f"), "del\\177");
        assert_eq!(controls("csi\u{9b}2J"), "csi\\302\\2332J");
        assert_eq!(controls("nul\0"), "nul\\000");
    }
}
