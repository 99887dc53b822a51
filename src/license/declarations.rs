//! `SPDX-License-Identifier:` lines in a file's bytes, whatever the comment style around them:
//! the expression is rewritten in place and every other byte (line endings, a byte-order mark,
//! a missing final newline, text that is not UTF-8) is kept. Lines inside REUSE ignore blocks
//! (`REUSE-IgnoreStart` … `REUSE-IgnoreEnd`) are neither parsed nor rewritten.

use super::expr::{self, ExprError};

use gix::bstr::ByteSlice as _;

const TAG: &[u8] = b"SPDX-License-Identifier:";
const IGNORE_START: &[u8] = b"REUSE-IgnoreStart";
const IGNORE_END: &[u8] = b"REUSE-IgnoreEnd";

/// The byte ranges of `content` that REUSE ignores: from each `REUSE-IgnoreStart` to the next
/// `REUSE-IgnoreEnd` (both included), or to the end of the file when none follows, as the
/// reuse tool reads them (`filter_ignore_block` in reuse's `extract.py`).
pub fn ignored_ranges(content: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(start) = find(&content[from..], IGNORE_START).map(|at| from + at) {
        let after = start + IGNORE_START.len();
        match find(&content[after..], IGNORE_END) {
            Some(at) => {
                let end = after + at + IGNORE_END.len();
                ranges.push(start..end);
                from = end;
            }
            None => {
                ranges.push(start..content.len());
                break;
            }
        }
    }
    ranges
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.find(needle)
}

/// Whether `content` looks binary (a NUL byte in its first 8000 bytes, as git decides). Binary
/// files are never rewritten.
pub fn is_binary(content: &[u8]) -> bool {
    content.iter().take(8000).any(|b| *b == 0)
}

/// Rewrites `old` to `new` in every `SPDX-License-Identifier:` line of `content`. `None` when
/// nothing would change (or the file is binary).
pub fn rewrite_identifier_lines(
    content: &[u8],
    old: &str,
    new: &str,
) -> Result<Option<Vec<u8>>, ExprError> {
    if is_binary(content) || !contains(content, TAG) {
        return Ok(None);
    }
    let ignored = ignored_ranges(content);
    let mut out = Vec::with_capacity(content.len() + 16);
    let mut changed = false;
    let mut offset = 0;
    for line in content.split_inclusive(|b| *b == b'\n') {
        let start = offset;
        offset += line.len();
        let in_ignore_block = !ignored.is_empty()
            && find(line, TAG)
                .is_some_and(|at| ignored.iter().any(|range| range.contains(&(start + at))));
        if in_ignore_block {
            out.extend_from_slice(line);
            continue;
        }
        match rewrite_line(line, old, new)? {
            Some(rewritten) => {
                out.extend_from_slice(&rewritten);
                changed = true;
            }
            None => out.extend_from_slice(line),
        }
    }
    Ok(changed.then_some(out))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.find(needle).is_some()
}

fn rewrite_line(line: &[u8], old: &str, new: &str) -> Result<Option<Vec<u8>>, ExprError> {
    let Some(tag_at) = line.windows(TAG.len()).position(|w| w == TAG) else {
        return Ok(None);
    };
    let after_tag = tag_at + TAG.len();
    let start = after_tag
        + line[after_tag..]
            .iter()
            .take_while(|b| **b == b' ' || **b == b'\t')
            .count();
    // The expression runs while the bytes can belong to one; a comment's closing `*/`, `-->`,
    // a quote or the line ending stops it.
    let len = line[start..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || b" .-+:()".contains(b))
        .count();
    let mut region = &line[start..start + len];
    // A trailing word without a letter or digit (`--` of `-->`) closes a comment, not the
    // expression.
    loop {
        let end = region.len() - region.iter().rev().take_while(|b| **b == b' ').count();
        region = &region[..end];
        let word_start = region
            .iter()
            .rposition(|b| *b == b' ')
            .map_or(0, |at| at + 1);
        let word = &region[word_start..];
        if word.is_empty() || word.iter().any(|b| b.is_ascii_alphanumeric() || *b == b')') {
            break;
        }
        region = &region[..word_start];
    }
    let trimmed = region.len();
    let Ok(expression) = std::str::from_utf8(&region[..trimmed]) else {
        return Ok(None);
    };
    if expression.is_empty() {
        return Ok(None);
    }
    let Some(rewritten) = expr::rewrite(expression, old, new)? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(line.len() + rewritten.len());
    out.extend_from_slice(&line[..start]);
    out.extend_from_slice(rewritten.as_bytes());
    out.extend_from_slice(&line[start + trimmed..]);
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(content: &[u8]) -> Option<Vec<u8>> {
        rewrite_identifier_lines(content, "MIT", "Apache-2.0").expect("valid")
    }

    #[test]
    fn every_comment_style() {
        for (before, after) in [
            (
                "// SPDX-License-Identifier: MIT\n",
                "// SPDX-License-Identifier: Apache-2.0\n",
            ),
            (
                "# SPDX-License-Identifier: MIT\n",
                "# SPDX-License-Identifier: Apache-2.0\n",
            ),
            (
                "/* SPDX-License-Identifier: MIT */\n",
                "/* SPDX-License-Identifier: Apache-2.0 */\n",
            ),
            (
                "<!-- SPDX-License-Identifier: MIT -->\n",
                "<!-- SPDX-License-Identifier: Apache-2.0 -->\n",
            ),
            (
                "-- SPDX-License-Identifier: MIT OR ISC\n",
                "-- SPDX-License-Identifier: Apache-2.0 OR ISC\n",
            ),
            (
                "\"SPDX-License-Identifier: MIT\",\n",
                "\"SPDX-License-Identifier: Apache-2.0\",\n",
            ),
        ] {
            assert_eq!(
                rw(before.as_bytes()).as_deref(),
                Some(after.as_bytes()),
                "{before}"
            );
        }
    }

    #[test]
    fn line_endings_bom_and_a_missing_final_newline_are_kept() {
        let crlf = b"// SPDX-License-Identifier: MIT\r\nfn main() {}\r\n";
        assert_eq!(
            rw(crlf).as_deref(),
            Some(&b"// SPDX-License-Identifier: Apache-2.0\r\nfn main() {}\r\n"[..])
        );
        let bom = b"\xef\xbb\xbf# SPDX-License-Identifier: MIT";
        assert_eq!(
            rw(bom).as_deref(),
            Some(&b"\xef\xbb\xbf# SPDX-License-Identifier: Apache-2.0"[..])
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_kept_byte_for_byte() {
        let latin1 = b"# Auteur: Andr\xe9\n# SPDX-License-Identifier: MIT\n";
        assert_eq!(
            rw(latin1).as_deref(),
            Some(&b"# Auteur: Andr\xe9\n# SPDX-License-Identifier: Apache-2.0\n"[..])
        );
    }

    #[test]
    fn reuse_ignore_blocks_are_neither_parsed_nor_rewritten() {
        let text = b"// SPDX-License-Identifier: MIT\n/* REUSE-IgnoreStart */\n\
                     // SPDX-License-Identifier: MIT OR\n// SPDX-License-Identifier: MIT\n\
                     /* REUSE-IgnoreEnd */\n// SPDX-License-Identifier: MIT\n";
        let expected = b"// SPDX-License-Identifier: Apache-2.0\n/* REUSE-IgnoreStart */\n\
                     // SPDX-License-Identifier: MIT OR\n// SPDX-License-Identifier: MIT\n\
                     /* REUSE-IgnoreEnd */\n// SPDX-License-Identifier: Apache-2.0\n";
        assert_eq!(rw(text).as_deref(), Some(&expected[..]));
        // An unclosed block runs to the end of the file, as reuse reads it.
        let open = b"# REUSE-IgnoreStart\n# SPDX-License-Identifier: MIT OR\n";
        assert_eq!(rw(open), None);
        // Start and end on the tag's own line: the tag after the end is read.
        let inline =
            b"<!-- REUSE-IgnoreStart --><!-- REUSE-IgnoreEnd --> SPDX-License-Identifier: MIT\n";
        assert!(rw(inline).is_some());
    }

    #[test]
    fn binary_files_prose_and_other_ids_are_left_alone() {
        assert_eq!(rw(b"\0\x01SPDX-License-Identifier: MIT\n"), None);
        assert_eq!(rw(b"This project is MIT licensed.\n"), None);
        assert_eq!(rw(b"// SPDX-License-Identifier: MIT-0\n"), None);
        assert_eq!(rw(b"// SPDX-License-Identifier:\n"), None);
    }
}
