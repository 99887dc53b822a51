//! Python's older manifests: `setup.cfg` (`license = MIT` in `[metadata]`, classifiers one a
//! line) and `setup.py` (`license="MIT"`, classifiers as string literals), read as text: a
//! `setup.py` is a program, so only plain literals are touched.

use std::ops::Range;

use super::{Edits, classifiers};
use crate::license::expr::ExprError;

/// `setup.cfg`: the `license` field of `[metadata]`, and the license classifiers.
pub(super) fn edit_setup_cfg(
    text: &str,
    old: &str,
    new: &str,
    edits: &mut Edits<'_>,
) -> Result<(), ExprError> {
    let mut section = String::new();
    let mut classifier_ranges = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\r', '\n']);
        let trimmed = body.trim();
        if trimmed.starts_with('[') {
            section = trimmed.trim_matches(['[', ']']).trim().to_ascii_lowercase();
            continue;
        }
        // The value of a `key = value` line (configparser also takes `:`), or the whole of an
        // indented continuation line.
        let (key, value_at) = match body.find(['=', ':']) {
            Some(at) if !body.starts_with([' ', '\t']) => (body[..at].trim(), at + 1),
            _ => ("", 0),
        };
        let value = &body[value_at..];
        let lead = value.len() - value.trim_start().len();
        let range = start + value_at + lead..start + value_at + value.trim_end().len();
        if range.is_empty() {
            continue;
        }
        if section == "metadata"
            && (key.eq_ignore_ascii_case("license")
                || key.eq_ignore_ascii_case("license_expression"))
        {
            edits.expression_or_prose(range, old, new);
        } else if text[range.clone()].starts_with("License ::") {
            classifier_ranges.push(range);
        }
    }
    classifiers::edit(&classifier_ranges, old, new, edits);
    Ok(())
}

/// `setup.py`: `license="…"` / `license_expression="…"` keyword arguments with a plain string
/// literal, and license classifiers in string literals.
pub(super) fn edit_setup_py(
    text: &str,
    old: &str,
    new: &str,
    edits: &mut Edits<'_>,
) -> Result<(), ExprError> {
    for key in ["license", "license_expression"] {
        for range in keyword_strings(text, key) {
            edits.expression_or_prose(range, old, new);
        }
    }
    classifiers::edit(&quoted_classifiers(text), old, new, edits);
    Ok(())
}

/// The contents of the string literals assigned to `key` (`key = "…"`, `key='…'`), where `key`
/// is a whole word.
pub(super) fn keyword_strings(text: &str, key: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut found = Vec::new();
    for (at, _) in text.match_indices(key) {
        if at > 0 && is_word(bytes[at - 1]) {
            continue;
        }
        let mut i = at + key.len();
        if bytes.get(i).is_some_and(|b| is_word(*b)) {
            continue;
        }
        while bytes.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') || bytes.get(i + 1) == Some(&b'=') {
            continue;
        }
        i += 1;
        while bytes.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
            i += 1;
        }
        if let Some(range) = string_literal(text, i) {
            found.push(range);
        }
    }
    found
}

/// The content of the one-line string literal (`"…"` or `'…'`, no escapes) that starts at byte
/// `at`.
pub(super) fn string_literal(text: &str, at: usize) -> Option<Range<usize>> {
    let quote = *text.as_bytes().get(at)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let rest = &text[at + 1..];
    let end = rest.find([quote as char, '\n', '\\'])?;
    (rest.as_bytes()[end] == quote).then_some(at + 1..at + 1 + end)
}

/// The contents of string literals that are license classifiers.
fn quoted_classifiers(text: &str) -> Vec<Range<usize>> {
    text.match_indices("License ::")
        .filter_map(|(at, _)| string_literal(text, at.checked_sub(1)?))
        .filter(|range| classifiers::is_classifier(&text[range.clone()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_strings_are_whole_words_with_plain_literals() {
        let text = "setup(\n    license='MIT',\n    license_files=['LICENSE'],\n    x = license == 'a',\n    license = \"BSD\\n\",\n)\n";
        let found: Vec<&str> = keyword_strings(text, "license")
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(found, vec!["MIT"]);
    }
}
