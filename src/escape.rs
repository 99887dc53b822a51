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

/// `COMMAND FLAGS…` as words to paste into a shell, after a `git batch …` that says where: every
/// word quoted as the shell needs (a policy path may hold `'`, `$(…)` or `;`), and a value that
/// starts with `-` joined to its flag (`--pattern=-x`) so that it is not read as a flag.
pub fn fix_command(command: &str, flags: &[(&str, Option<&str>)]) -> String {
    let mut argv: Vec<String> = vec![command.to_owned()];
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

/// The whole line that runs `fix` (from [`fix_command`]) on exactly the repositories `names`
/// under `root`, from any folder: `git batch -C ROOT -t 'a,b' FIX` (a name is looked up under
/// the root before anything else). `None` when no `-t` list can name them exactly (a name with a
/// comma, a control character or spaces around it, a list read as a group or a flag); the
/// caller then says to run [`fix_in_each`] in each of them.
pub fn fix_line(root: &std::path::Path, names: &[&str], fix: &str) -> Option<String> {
    let odd = |name: &&str| {
        name.is_empty()
            || name.contains(',')
            || name.trim() != *name
            || name.chars().any(char::is_control)
    };
    if names.is_empty() || names.iter().any(odd) {
        return None;
    }
    let root = root
        .to_str()
        .filter(|root| !root.chars().any(char::is_control))?;
    let list = names.join(",");
    if list.starts_with(['@', '-']) {
        return None;
    }
    let head = shlex::try_join(["git", "batch", "-C", root, "-t", list.as_str()]).ok()?;
    Some(format!("{head} {fix}"))
}

/// The line to run `fix` in one repository, from its folder: `git batch -t . FIX`.
pub fn fix_in_each(fix: &str) -> String {
    format!("git batch -t . {fix}")
}

#[cfg(test)]
mod tests {
    use super::{controls, fix_command, fix_line};

    #[test]
    fn fix_commands_quote_every_word_and_keep_values_from_reading_as_flags() {
        assert_eq!(
            fix_command(
                "file-replace",
                &[("--pattern", Some("ci.yml")), ("--create", None)]
            ),
            "file-replace --pattern ci.yml --create"
        );
        let hostile = fix_command("file-replace", &[("--pattern", Some("a'; touch x; '"))]);
        assert_eq!(
            shlex::split(&hostile).expect("splits"),
            ["file-replace", "--pattern", "a'; touch x; '"]
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
    fn fix_lines_name_the_root_and_exactly_the_repositories() {
        let root = std::path::Path::new("/srv/fleet of repos");
        let line = fix_line(root, &["api", "web/app"], "check-me --x").expect("a line");
        assert_eq!(
            line,
            "git batch -C '/srv/fleet of repos' -t 'api,web/app' check-me --x"
        );
        assert_eq!(
            fix_line(root, &["it's"], "f").expect("a line"),
            "git batch -C '/srv/fleet of repos' -t \"it's\" f"
        );
        for names in [&["a,b"][..], &["@group"], &["-rf"], &["new\nline"], &[]] {
            assert_eq!(fix_line(root, names, "f"), None, "{names:?}");
        }
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
