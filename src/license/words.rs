//! The words of a license text, normalised as the SPDX matching guidelines allow: case,
//! punctuation, quotes, dashes, bullets and list markup, whitespace and line wrapping do not
//! count; `http` and `https` are one; `©` and `(c)` are no words; the varietal spellings
//! (`licence`, `acknowledgement`, …) read as their usual form.

/// One word of a text and the line (from 0) it stands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub line: usize,
}

/// Spellings the SPDX guidelines count as the same word (the list's `equivalentwords`, for
/// the words the common licenses use).
const VARIANTS: &[(&str, &str)] = &[
    ("licence", "license"),
    ("licences", "licenses"),
    ("licenced", "licensed"),
    ("licencing", "licensing"),
    ("licencor", "licensor"),
    ("licencee", "licensee"),
    ("acknowledgement", "acknowledgment"),
    ("acknowledgements", "acknowledgments"),
    ("analogue", "analog"),
    ("authorisation", "authorization"),
    ("authorised", "authorized"),
    ("characterisation", "characterization"),
    ("characterise", "characterize"),
    ("organisation", "organization"),
    ("organisations", "organizations"),
    ("recognised", "recognized"),
    ("recognise", "recognize"),
    ("utilisation", "utilization"),
    ("wilful", "willful"),
    ("https", "http"),
    ("sublicence", "sublicense"),
    ("noninfringement", "non-infringement"),
];

/// The normalised words of `text`, in order.
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::with_capacity(text.len() / 5);
    let mut after_paragraph = true;
    for (line_no, line) in text.lines().enumerate() {
        let mut current = String::new();
        // A number or letter that starts a line is a list marker where a list item can start:
        // after a blank line or a sentence (`section\n7. This` is no list).
        let line_text = if after_paragraph {
            without_list_marker(line)
        } else {
            line
        };
        let trimmed = line.trim_end();
        after_paragraph = !trimmed.contains(char::is_alphanumeric) || ends_a_sentence(trimmed);
        let mut chars = line_text.char_indices().peekable();
        let mut previous = ' ';
        while let Some((at, c)) = chars.next() {
            if c == '(' && !previous.is_alphanumeric() {
                if let Some(len) = inline_marker(&line_text[at..]) {
                    flush(&mut current, line_no, &mut out);
                    while chars.next_if(|(next, _)| *next < at + len).is_some() {}
                    previous = ')';
                    continue;
                }
            }
            previous = c;
            if c.is_alphanumeric() {
                current.extend(c.to_lowercase());
            } else {
                flush(&mut current, line_no, &mut out);
            }
        }
        flush(&mut current, line_no, &mut out);
    }
    out
}

/// Whether a line ends a sentence, after which a list item may start (not `Licence, v.`).
fn ends_a_sentence(line: &str) -> bool {
    let Some(body) = line.strip_suffix(['.', ':', ';']) else {
        return false;
    };
    let last_word = body
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    last_word.chars().count() != 1 || line.ends_with([':', ';'])
}

/// The length of the list marker `(1)`, `(a)`, `(iv)` that `text` starts with, if it starts with
/// one followed by a space or the end of the line.
fn inline_marker(text: &str) -> Option<usize> {
    let close = text.find(')').filter(|close| (2..=4).contains(close))?;
    let inner = &text[1..close];
    let next = text[close + 1..].chars().next();
    (inner.chars().all(|c| c.is_ascii_alphanumeric()) && next.is_none_or(char::is_whitespace))
        .then_some(close + 1)
}

/// `line` without the list marker it starts with (`1.`, `1.1.`, `2)`, `(a)`, `b.`, `(iv)`), if
/// any: numbering and bullets do not count.
fn without_list_marker(line: &str) -> &str {
    let rest = line.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, '*' | '-' | '•' | '#' | '>')
    });
    let bytes = rest.as_bytes();
    let marker_end = if bytes.first() == Some(&b'(') {
        rest.find(')')
            .filter(|close| (2..=4).contains(close))
            .filter(|close| rest[1..*close].chars().all(|c| c.is_ascii_alphanumeric()))
            .map(|close| close + 1)
    } else {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let numbered = digits > 0 && bytes[0].is_ascii_digit();
        if numbered && rest[..digits].ends_with('.') {
            Some(digits)
        } else if numbered && bytes.get(digits) == Some(&b')') {
            Some(digits + 1)
        } else if bytes.len() >= 2
            && bytes[0].is_ascii_alphabetic()
            && matches!(bytes[1], b'.' | b')')
        {
            Some(2)
        } else {
            None
        }
    };
    match marker_end {
        Some(end) if rest[end..].is_empty() || rest[end..].starts_with(char::is_whitespace) => {
            &rest[end..]
        }
        _ => line,
    }
}

fn flush(current: &mut String, line: usize, out: &mut Vec<Word>) {
    if current.is_empty() {
        return;
    }
    let word = std::mem::take(current);
    let text = VARIANTS
        .iter()
        .find(|(variant, _)| *variant == word)
        .map_or(word, |(_, usual)| (*usual).to_owned());
    // "non-infringement" is written in one word or two: count it as two.
    if text == "non-infringement" {
        for part in ["non", "infringement"] {
            out.push(Word {
                text: part.into(),
                line,
            });
        }
        return;
    }
    out.push(Word { text, line });
}

/// The normalised words of `text` as one string, one space between words.
pub fn joined(text: &str) -> String {
    words(text)
        .into_iter()
        .map(|word| word.text)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `line` states a copyright: `Copyright (c) 2024 Jane`, `© 2024 Jane`, `(C) Jane`,
/// `Portions copyright …`, or the `All rights reserved.` that follows one.
pub fn is_copyright_line(line: &str) -> bool {
    let line = line
        .trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, '#' | '*' | '>' | '-' | '/' | ';' | '%' | '!')
        })
        .to_lowercase();
    line.starts_with("copyright")
        || line.starts_with("(c)")
        || line.starts_with('©')
        || line.starts_with("portions copyright")
        || line.starts_with("all rights reserved")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        words(text).into_iter().map(|word| word.text).collect()
    }

    #[test]
    fn case_punctuation_quotes_and_wrapping_do_not_count() {
        assert_eq!(joined("A  “quoted”\n--- Text!"), "a quoted text");
        assert_eq!(joined("\"AS IS\""), joined("''as is''"));
        assert_eq!(joined("and/or"), "and or");
    }

    #[test]
    fn variants_read_as_one_word() {
        assert_eq!(joined("Licence <https://x.org/>"), "license http x org");
        assert_eq!(joined("NONINFRINGEMENT"), joined("non-infringement"));
        assert_eq!(joined("Copyright © 2024"), joined("Copyright (C) 2024"));
    }

    #[test]
    fn list_markers_do_not_count() {
        for marked in [
            "1. Text",
            "  1.1. Text",
            "2) Text",
            "(a) Text",
            "b. Text",
            "(iv) Text",
        ] {
            assert_eq!(joined(marked), "text", "{marked}");
        }
        assert_eq!(joined("2.0 of it"), "2 0 of it");
        assert_eq!(joined("2004 by Jane"), "2004 by jane");
        assert_eq!(joined("A. B."), "b");
        assert_eq!(
            joined("steps: (1) assert it, and (2) offer"),
            "steps assert it and offer"
        );
        assert_eq!(joined("under section\n7. This"), "under section 7 this");
        assert_eq!(joined("License, v.\n2.0. If"), "license v 2 0 if");
        assert_eq!(joined("license(s) apply"), "license s apply");
    }

    #[test]
    fn words_keep_their_line() {
        let found = words("MIT License\n\nCopyright 2020 X\n");
        assert_eq!(found[0].line, 0);
        assert_eq!(found[2].line, 2);
        assert_eq!(texts("a\nb"), ["a", "b"]);
    }

    #[test]
    fn copyright_lines_are_told_apart() {
        assert!(is_copyright_line("Copyright (c) 2020 Jane"));
        assert!(is_copyright_line("  © 2020 Jane"));
        assert!(is_copyright_line("All rights reserved."));
        // A line is only asked where a notice may stand: Apache's wrapped body has these.
        assert!(is_copyright_line("copyright notice that is included in"));
        assert!(!is_copyright_line("Permission is hereby granted"));
    }
}
