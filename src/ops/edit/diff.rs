//! `--diff`: the changes of one repository as `git diff` prints them — the `diff --git` line,
//! `new file mode` / `deleted file mode`, the `index` line with abbreviated blob ids and the
//! mode, the `---`/`+++` names, and hunks whose headers carry git's default function context.

use std::fmt::Write as _;

use gix::bstr::{BStr, ByteSlice};
use gix::prelude::ObjectIdExt as _;

use super::{Change, EntryKind, Snapshot};

/// The length git abbreviates an id to when nothing longer is needed to tell it apart.
const MIN_ABBREV: usize = 7;

/// Lines of context around each change, as git shows them.
const CONTEXT: usize = 3;

/// How much of a function line git puts after a hunk's `@@`.
const FUNC_LINE_MAX: usize = 80;

/// A unified diff of `changes` in the repository of `snapshot`, as `git diff` would print it once
/// the changes are written (`git diff --no-renames`: a move shows as a deletion and a creation).
pub(super) fn unified(snapshot: &Snapshot, changes: &[Change]) -> String {
    let repo = &snapshot.repo;
    let hash = repo.object_hash();
    let abbrev = default_abbrev(repo);
    let short = |id: gix::ObjectId| {
        id.attach(repo)
            .shorten()
            .map(|prefix| prefix.to_string())
            .unwrap_or_else(|_| id.to_hex_with_len(abbrev).to_string())
    };
    let blob = |bytes: &[u8]| {
        gix::objs::compute_hash(hash, gix::objs::Kind::Blob, bytes)
            .unwrap_or_else(|_| gix::ObjectId::null(hash))
    };
    let null = gix::ObjectId::null(hash)
        .to_hex_with_len(abbrev)
        .to_string();
    let mut out = String::new();
    for change in changes {
        let path = change.path.as_bstr();
        let (a_name, b_name) = (quoted("a/", path), quoted("b/", path));
        let _ = writeln!(out, "diff --git {a_name} {b_name}");
        let old_mode = match snapshot.entry(path).map(|tracked| tracked.kind) {
            Some(EntryKind::Executable) => "100755",
            _ => "100644",
        };
        let new_mode = if change.old.is_some() {
            old_mode
        } else if change.executable {
            "100755"
        } else {
            "100644"
        };
        let old_id = change.old.as_deref().map(blob);
        let new_id = change.new.as_deref().map(blob);
        let (old_short, new_short) = (
            old_id.map_or_else(|| null.clone(), short),
            new_id.map_or_else(|| null.clone(), short),
        );
        match (&change.old, &change.new) {
            (None, _) => {
                let _ = writeln!(out, "new file mode {new_mode}");
                let _ = writeln!(out, "index {old_short}..{new_short}");
            }
            (_, None) => {
                let _ = writeln!(out, "deleted file mode {old_mode}");
                let _ = writeln!(out, "index {old_short}..{new_short}");
            }
            (Some(_), Some(_)) => {
                let _ = writeln!(out, "index {old_short}..{new_short} {old_mode}");
            }
        }
        let (a, b) = (
            change.old.as_deref().unwrap_or_default(),
            change.new.as_deref().unwrap_or_default(),
        );
        let old_name = if change.old.is_some() {
            a_name
        } else {
            "/dev/null".into()
        };
        let new_name = if change.new.is_some() {
            b_name
        } else {
            "/dev/null".into()
        };
        let binary = |bytes: &[u8]| crate::license::declarations::is_binary(bytes);
        if binary(a) || binary(b) {
            let _ = writeln!(out, "Binary files {old_name} and {new_name} differ");
            continue;
        }
        let hunks = hunks(a, b);
        // An empty file created or removed has no hunk, and git then prints no names either.
        if !hunks.is_empty() {
            let _ = write!(out, "--- {old_name}\n+++ {new_name}\n{hunks}");
        }
    }
    out
}

/// The hunks of a text diff from `a` to `b`, three lines of context, each header with git's
/// function line.
fn hunks(a: &[u8], b: &[u8]) -> String {
    // Text that is not UTF-8 (Latin-1, say) is shown with replacement characters; the bytes
    // written are the file's own.
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    let diff = similar::TextDiff::from_lines(a.as_ref(), b.as_ref());
    let old_lines = diff.old_slices();
    let mut hunks = String::new();
    for hunk in diff
        .unified_diff()
        .context_radius(CONTEXT)
        .missing_newline_hint(true)
        .iter_hunks()
    {
        let start = hunk.ops().first().map_or(0, |op| op.old_range().start);
        let rendered = hunk.to_string();
        let (header, body) = rendered.split_once('\n').unwrap_or((&rendered, ""));
        match function_line(&old_lines[..start.min(old_lines.len())]) {
            Some(function) => {
                let _ = writeln!(hunks, "{header} {function}");
            }
            None => {
                let _ = writeln!(hunks, "{header}");
            }
        }
        hunks.push_str(body);
    }
    hunks
}

/// The line git's default function-name rule finds for a hunk that starts after `before`: the
/// last one that begins with a letter, `_` or `$`, without its trailing white space, cut at
/// [`FUNC_LINE_MAX`] bytes.
fn function_line(before: &[&str]) -> Option<String> {
    let line = before.iter().rev().find(|line| {
        line.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'$')
    })?;
    let bytes = line.as_bytes();
    let cut = &bytes[..bytes.len().min(FUNC_LINE_MAX)];
    Some(String::from_utf8_lossy(cut).trim_end().to_owned())
}

/// git's abbreviation length when `core.abbrev` is not set: 7, or more in a large repository.
fn default_abbrev(repo: &gix::Repository) -> usize {
    let objects = repo.objects.packed_object_count().unwrap_or(0);
    let bits = 64 - objects.leading_zeros() as usize;
    bits.div_ceil(2).max(MIN_ABBREV)
}

/// `prefix` and `path` as git prints a name in a diff: as they are, or in double quotes with C
/// escapes when the path holds a control character, a quote, a backslash or a byte outside
/// ASCII (`core.quotePath`'s default).
fn quoted(prefix: &str, path: &BStr) -> String {
    let needs = |b: u8| b < 0x20 || b == b'"' || b == b'\\' || b >= 0x7f;
    if !path.iter().any(|&b| needs(b)) {
        return format!("{prefix}{}", path.to_str_lossy());
    }
    let mut out = format!("\"{prefix}");
    for &b in path.iter() {
        match b {
            b'\x07' => out.push_str("\\a"),
            b'\x08' => out.push_str("\\b"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\x0b' => out.push_str("\\v"),
            b'\x0c' => out.push_str("\\f"),
            b'\r' => out.push_str("\\r"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            _ if needs(b) => {
                let _ = write!(out, "\\{b:03o}");
            }
            _ => out.push(char::from(b)),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_as_git_quotes_them() {
        assert_eq!(quoted("a/", "docs/ci.yml".into()), "a/docs/ci.yml");
        assert_eq!(
            quoted("b/", "été \"x\".md".into()),
            "\"b/\\303\\251t\\303\\251 \\\"x\\\".md\""
        );
        assert_eq!(quoted("a/", "tab\there".into()), "\"a/tab\\there\"");
    }

    #[test]
    fn the_function_line_is_the_last_that_starts_with_a_name() {
        assert_eq!(
            function_line(&["fn main() {  \n", "    let x = 1;\n"]),
            Some("fn main() {".to_owned())
        );
        assert_eq!(function_line(&["    indented\n", "\n"]), None);
        assert_eq!(function_line(&[]), None);
        let long = format!("{}\n", "x".repeat(100));
        assert_eq!(function_line(&[&long]).map(|l| l.len()), Some(80));
    }
}
