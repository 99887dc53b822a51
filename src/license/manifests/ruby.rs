//! `*.gemspec`: `spec.license = "MIT"` and `spec.licenses = ["MIT", 'Apache-2.0']` (or
//! `%w[MIT Apache-2.0]`), whatever the receiver is called; only plain literals are touched.

use super::Edits;
use super::python::string_literal;
use crate::license::expr::ExprError;

/// Rewrites `old` to `new` in the plain literals assigned to `.license` or `.licenses`.
pub(super) fn edit(
    text: &str,
    old: &str,
    new: &str,
    edits: &mut Edits<'_>,
) -> Result<(), ExprError> {
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices(".license") {
        let Some(i) = assigned_value(bytes, at + ".license".len()) else {
            continue;
        };
        match bytes.get(i) {
            Some(b'"' | b'\'') => {
                if let Some(range) = string_literal(text, i) {
                    edits.expression_or_prose(range, old, new);
                }
            }
            Some(b'[') => edit_array(text, i, old, new, edits),
            Some(b'%') if matches!(bytes.get(i + 1), Some(b'w' | b'W')) => {
                edit_word_array(text, i, old, new, edits);
            }
            _ => {}
        }
    }
    Ok(())
}

/// Where the value assigned after `.license` (ending at `i`) starts: an optional `s`, then
/// `=` (not `==`), spaces around it. `None` when this is no such assignment (`.license_file`,
/// a comparison).
fn assigned_value(bytes: &[u8], mut i: usize) -> Option<usize> {
    let skip_space = |mut i: usize| {
        while bytes.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
            i += 1;
        }
        i
    };
    if bytes.get(i) == Some(&b's') {
        i += 1;
    }
    if bytes
        .get(i)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        return None;
    }
    i = skip_space(i);
    if bytes.get(i) != Some(&b'=') || bytes.get(i + 1) == Some(&b'=') {
        return None;
    }
    Some(skip_space(i + 1))
}

/// `["MIT", 'Apache-2.0']` starting at `i`, possibly over several lines: each string literal.
fn edit_array(text: &str, i: usize, old: &str, new: &str, edits: &mut Edits<'_>) {
    let end = text[i..].find(']').map_or(text.len(), |e| i + e);
    let mut j = i + 1;
    while j < end {
        match string_literal(text, j) {
            Some(range) => {
                j = range.end + 1;
                edits.expression_or_prose(range, old, new);
            }
            None => j += 1,
        }
    }
}

/// `%w[MIT Apache-2.0]` starting at `i`, with any of Ruby's delimiters: each word.
fn edit_word_array(text: &str, i: usize, old: &str, new: &str, edits: &mut Edits<'_>) {
    let bytes = text.as_bytes();
    let Some(&open) = bytes.get(i + 2) else {
        return;
    };
    let close = match open {
        b'[' => b']',
        b'(' => b')',
        b'{' => b'}',
        b'<' => b'>',
        other => other,
    };
    let start = i + 3;
    let Some(len) = text[start..].find(close as char) else {
        return;
    };
    let words = &text[start..start + len];
    let mut offset = start;
    for word in words.split_inclusive(char::is_whitespace) {
        let trimmed = word.trim_end();
        if !trimmed.trim_start().is_empty() {
            let lead = trimmed.len() - trimmed.trim_start().len();
            edits.expression_or_prose(offset + lead..offset + trimmed.len(), old, new);
        }
        offset += word.len();
    }
}
