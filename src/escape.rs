//! Text that came from repositories (their names, file names, git's and hooks' messages) made
//! safe to print for people: a control character is shown, never sent, so that a hostile name
//! cannot set the terminal's title, clear the screen, or start a line of its own in a CI log
//! (a forged `::error::` annotation). JSON output is not escaped here: serde escapes it.

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

#[cfg(test)]
mod tests {
    use super::controls;

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
