//! Whether a license file holds a license: a word-level diff of the file against the license's
//! reference text, where a difference is allowed only where the SPDX matching guidelines allow
//! one. The title and the copyright notice at the top, the placeholders (`<year>`, `[name of
//! copyright owner]`, BSD's "the copyright holder"), and the optional tail (Apache's appendix,
//! the GNU licenses' "How to Apply These Terms") may differ; every other word must be there, in
//! order, and nothing may be added. A file that is not confidently the license is not matched.

use std::collections::{HashMap, HashSet};

use similar::{Algorithm, DiffOp, capture_diff_slices};

use super::words::{self, Word, is_copyright_line};

/// Words a file may put in a placeholder's place.
const MAX_VAR_WORDS: usize = 40;
/// Words a file may add or change at one place of the optional tail.
const MAX_TAIL_WORDS: usize = 12;
/// Words a line of a title may have.
const MAX_TITLE_WORDS: usize = 10;
/// Words a line continuing a copyright notice (holders, an address) may have.
const MAX_CONTINUATION_WORDS: usize = 14;
/// Words the title and copyright notice at the top of a file may have, all told.
const MAX_HEADER_WORDS: usize = 400;

/// Phrases of the BSD licenses a file puts its own names in place of: (before, placeholder,
/// after), in normalised words.
const PHRASE_VARS: &[(&str, &str, &str)] = &[
    (
        "neither the name of",
        "the copyright holder",
        "nor the names",
    ),
    (
        "provided by the",
        "copyright holders and contributors",
        "as is",
    ),
    (
        "in no event shall the",
        "copyright holder or contributors",
        "be liable",
    ),
];

/// A license's reference text, prepared for matching.
#[derive(Debug, Clone)]
pub struct Template {
    /// The words after the title and copyright notice, placeholders left out.
    body: Vec<String>,
    /// `slot[i]`: a placeholder stands right before `body[i]` (`slot[body.len()]`: at the end).
    slot: Vec<bool>,
    /// Where the optional tail starts in `body` (`body.len()` when there is none).
    tail_start: usize,
    /// The words of the template's title lines, which a file's title may be made of.
    title_words: HashSet<String>,
    /// The first words of the license's own copyright line (the FSF's), not the project's.
    own_notice: Option<Vec<String>>,
}

/// What a license file holds besides the license's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The file's copyright notice (its lines, trimmed, in order), to carry into a new text.
    pub notice: Vec<String>,
}

impl Template {
    /// Prepares the reference text `text` of a license.
    pub fn new(text: &str) -> Template {
        let lines: Vec<&str> = text.lines().collect();
        let header = header_lines(&lines);
        let mut title_words = HashSet::new();
        let mut own_notice = None;
        for line in &lines[..header] {
            if is_copyright_line(line) {
                if own_notice.is_none() && !has_placeholder(line) {
                    own_notice = Some(first_words(line));
                }
            } else {
                title_words.extend(words::words(line).into_iter().map(|word| word.text));
            }
        }
        let marked = mark_placeholders(&lines[header..].join("\n"));
        let mut body = Vec::new();
        let mut slot = vec![false];
        for word in words::words(&marked) {
            if word.text == PLACEHOLDER {
                if let Some(last) = slot.last_mut() {
                    *last = true;
                }
            } else {
                body.push(word.text);
                slot.push(false);
            }
        }
        mark_phrases(&mut body, &mut slot);
        // The GPL-2.0's reference text leaves out the last paragraph of its "How to Apply".
        let gpl2_end = ["ty", "coon", "president", "of", "vice"];
        if body.ends_with(&gpl2_end.map(String::from)) {
            for word in words::words(GPL2_LAST_PARAGRAPH) {
                body.push(word.text);
                slot.push(false);
            }
        }
        // Apache's appendix and the GNU licenses' "How to Apply" follow "END OF TERMS AND
        // CONDITIONS"; the LGPL-3.0's reference text has the GPL-3.0 it supplements after it.
        let gpl3 = [
            "gnu", "general", "public", "license", "version", "3", "29", "june", "2007",
        ];
        let tail_start = [
            find(&body, &["end", "of", "terms", "and", "conditions"]),
            find(&body, &gpl3).filter(|at| *at > 0),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(body.len());
        Template {
            body,
            slot,
            tail_start,
            title_words,
            own_notice,
        }
    }

    /// What `file` holds besides the terms, if it holds this license; `None` if it does not.
    pub fn find(&self, file: &str) -> Option<Found> {
        let found = words::words(file);
        let placeholders = self.slot.iter().filter(|s| **s).count();
        if found.len() < self.tail_start
            || found.len() > self.body.len() + MAX_HEADER_WORDS + placeholders * MAX_VAR_WORDS
        {
            return None;
        }
        let texts: Vec<&str> = found.iter().map(|word| word.text.as_str()).collect();
        let body: Vec<&str> = self.body.iter().map(String::as_str).collect();
        // Every word of the terms must be in the file: counted first, which answers most
        // other licenses' files at once, before the diff.
        let mut counts: HashMap<&str, isize> = HashMap::new();
        for word in &texts {
            *counts.entry(word).or_default() += 1;
        }
        for word in &body[..self.tail_start] {
            let count = counts.entry(word).or_default();
            *count -= 1;
            if *count < 0 {
                return None;
            }
        }
        // The terms and the optional tail are compared apart, the file cut where its tail
        // starts: a diff of the whole could pair the last words of the terms with words of the
        // tail and take the terms for cut short.
        let (terms, tail) = body.split_at(self.tail_start);
        let marker = &tail[..tail.len().min(5)];
        let cut = (!marker.is_empty())
            .then(|| {
                texts
                    .windows(marker.len())
                    .position(|window| window == marker)
            })
            .flatten()
            .unwrap_or(texts.len());
        let mut header_end = 0;
        for (old, new, offset, shift) in [
            (terms, &texts[..cut], 0, 0),
            (tail, &texts[cut..], self.tail_start, cut),
        ] {
            for op in capture_diff_slices(Algorithm::Myers, old, new) {
                let (at, removed, added) = match op {
                    DiffOp::Equal { .. } => continue,
                    DiffOp::Delete {
                        old_index, old_len, ..
                    } => (old_index, old_len, 0..0),
                    DiffOp::Insert {
                        old_index,
                        new_index,
                        new_len,
                    } => (old_index, 0, new_index..new_index + new_len),
                    DiffOp::Replace {
                        old_index,
                        old_len,
                        new_index,
                        new_len,
                    } => (old_index, old_len, new_index..new_index + new_len),
                };
                if offset == 0 && at == 0 && removed == 0 && added.start == 0 {
                    // The title and copyright notice above the terms.
                    header_end = added.end;
                    continue;
                }
                let added = added.start + shift..added.end + shift;
                if !self.allowed(at + offset, removed, &texts[added.clone()]) {
                    return None;
                }
            }
        }
        let lines: Vec<&str> = file.lines().collect();
        let header = &found[..header_end];
        self.header_notice(&lines, header)
            .map(|notice| Found { notice })
    }

    /// Whether `text` (a source file, comments and code) holds this license's terms somewhere,
    /// in order, with no more than a placeholder's worth of words between them.
    pub fn contained_in(&self, text: &str) -> bool {
        let terms = &self.body[..self.tail_start];
        let Some(first) = terms.get(..terms.len().min(6)) else {
            return false;
        };
        if first.is_empty() {
            return false;
        }
        let found = words::words(text);
        let texts: Vec<&str> = found.iter().map(|word| word.text.as_str()).collect();
        let first: Vec<&str> = first.iter().map(String::as_str).collect();
        let Some(start) = texts
            .windows(first.len())
            .position(|window| window == first)
        else {
            return false;
        };
        let slack = MAX_VAR_WORDS * self.slot.iter().filter(|s| **s).count();
        let mut at = start;
        for word in terms {
            let Some(next) = texts[at..].iter().position(|found| found == word) else {
                return false;
            };
            at += next + 1;
            if at - start > terms.len() + slack {
                return false;
            }
        }
        true
    }

    /// Whether the template's words `at..at + removed` may give way to the words `added` of a
    /// file.
    fn allowed(&self, at: usize, removed: usize, added: &[&str]) -> bool {
        let end = at + removed;
        // The title said again above the terms, as the GNU licenses do.
        let title_again = removed == 0
            && (3..=MAX_TITLE_WORDS).contains(&added.len())
            && added.iter().all(|word| self.title_words.contains(*word));
        if title_again {
            return true;
        }
        let added = added.len();
        let placeholder = self.slot[at..=end].iter().any(|s| *s);
        let in_tail = at >= self.tail_start && self.tail_start < self.body.len();
        if added == 0 {
            // Only the optional tail may be left out (all of it, or a part of it).
            return in_tail || (at == self.tail_start && removed == 0);
        }
        if placeholder && added <= MAX_VAR_WORDS {
            return true;
        }
        // A word or two of the tail's examples differ between editions; nothing is added after
        // the end of the text.
        in_tail && end < self.body.len() && added <= MAX_TAIL_WORDS
    }

    /// The copyright notice of a file whose words `header` stand above the terms, if those
    /// words are a title and copyright lines only; `None` if something else stands there.
    fn header_notice(&self, lines: &[&str], header: &[Word]) -> Option<Vec<String>> {
        let (Some(first), Some(last)) = (header.first(), header.last()) else {
            return Some(Vec::new());
        };
        if header.len() > MAX_HEADER_WORDS {
            return None;
        }
        let mut notice = Vec::new();
        let mut in_notice = false;
        let mut own = false;
        for line in &lines[first.line..=last.line] {
            let count = words::words(line).len();
            if line.trim().is_empty() {
                in_notice = false;
            } else if is_copyright_line(line) {
                let continues = in_notice && !starts_a_notice(line);
                if !continues {
                    own = self.own_notice.as_ref() == Some(&first_words(line));
                }
                in_notice = true;
                if !own {
                    notice.push(line.trim().to_owned());
                }
            } else if in_notice && count <= MAX_CONTINUATION_WORDS && continues_a_notice(line) {
                if !own {
                    notice.push(line.trim().to_owned());
                }
            } else if self.is_title(line) {
                in_notice = false;
            } else {
                return None;
            }
        }
        Some(notice)
    }

    /// Whether `line` may be a title: a short line that is no sentence and names a license
    /// (or is made of the template's own title words, or is an underline).
    fn is_title(&self, line: &str) -> bool {
        let found = words::words(line);
        if found.len() > MAX_TITLE_WORDS || ends_a_sentence(line) {
            return false;
        }
        let titled = |word: &Word| {
            self.title_words.contains(&word.text)
                || TITLE_WORDS.contains(&word.text.as_str())
                || word.text.chars().all(|c| c.is_ascii_digit())
        };
        // "Blackfriday is distributed under the Simplified BSD License:" introduces the text.
        let introduction =
            line.trim_end().ends_with(':') && found.iter().any(|word| word.text == "license");
        found.is_empty() || found.iter().all(titled) || introduction
    }
}

/// Words a license's title may have besides its template's own ("The MIT License (MIT)", "BSD
/// 3-Clause License", "Simplified BSD License").
const TITLE_WORDS: &[&str] = &[
    "the",
    "license",
    "licence",
    "licenses",
    "version",
    "mit",
    "bsd",
    "isc",
    "clause",
    "simplified",
    "new",
    "revised",
    "modified",
    "apache",
    "http",
    "www",
    "org",
    "txt",
    "html",
    "spdx",
];

/// The paragraph the GPL-2.0's text on gnu.org ends with.
const GPL2_LAST_PARAGRAPH: &str = "This General Public License does not permit incorporating your \
    program into proprietary programs. If your program is a subroutine library, you may consider \
    it more useful to permit linking proprietary applications with the library. If this is what \
    you want to do, use the GNU Lesser General Public License instead of this License.";

/// A word no license uses, standing for a placeholder.
const PLACEHOLDER: &str = "zzplaceholderzz";

/// The lines of a template's title and copyright notice: the leading paragraphs up to the last
/// copyright paragraph among its leading short ones, or its first paragraph when that is a title
/// and no copyright follows.
fn header_lines(lines: &[&str]) -> usize {
    let mut paragraphs = Vec::new();
    let mut start = None;
    for (at, line) in lines.iter().enumerate() {
        match (line.trim().is_empty(), start) {
            (false, None) => start = Some(at),
            (true, Some(from)) => {
                paragraphs.push(from..at);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        paragraphs.push(from..lines.len());
    }
    let is_title = |range: &std::ops::Range<usize>| {
        range.len() <= 4
            && lines[range.clone()]
                .iter()
                .all(|line| words::words(line).len() <= MAX_TITLE_WORDS && !ends_a_sentence(line))
    };
    let is_notice = |range: &std::ops::Range<usize>| is_copyright_line(lines[range.start]);
    let leading = paragraphs
        .iter()
        .take_while(|range| is_title(range) || is_notice(range))
        .count();
    match paragraphs[..leading].iter().rposition(is_notice) {
        Some(last) => paragraphs[last].end,
        None => paragraphs
            .first()
            .filter(|first| leading > 0 && is_title(first))
            .map_or(0, |first| first.end),
    }
}

/// `text` with each `<placeholder>` and `[placeholder]` replaced by [`PLACEHOLDER`] (a URL in
/// angle brackets stays: it is part of the text).
fn mark_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find(['<', '[']) {
        let close = if rest[open..].starts_with('<') {
            '>'
        } else {
            ']'
        };
        let Some(len) = rest[open..].find(close) else {
            break;
        };
        let inner = &rest[open + 1..open + len];
        out.push_str(&rest[..open]);
        let link = rest[open + len + 1..].starts_with('(');
        if link || inner.contains("://") || inner.starts_with("www.") || inner.contains('\n') {
            out.push_str(&rest[open..=open + len]);
        } else {
            out.push(' ');
            out.push_str(PLACEHOLDER);
            out.push(' ');
        }
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    out
}

/// Turns the words of [`PHRASE_VARS`] into placeholders.
fn mark_phrases(body: &mut Vec<String>, slot: &mut Vec<bool>) {
    for (before, var, after) in PHRASE_VARS {
        let before: Vec<&str> = before.split(' ').collect();
        let var: Vec<&str> = var.split(' ').collect();
        let after: Vec<&str> = after.split(' ').collect();
        let whole: Vec<&str> = [&before[..], &var[..], &after[..]].concat();
        while let Some(at) = find(body, &whole) {
            let from = at + before.len();
            body.drain(from..from + var.len());
            slot.drain(from..from + var.len());
            slot[from] = true;
        }
    }
}

/// Where the words `needle` first stand in `words`.
fn find(words: &[String], needle: &[&str]) -> Option<usize> {
    words
        .windows(needle.len())
        .position(|window| window.iter().zip(needle).all(|(a, b)| a == b))
}

fn has_placeholder(line: &str) -> bool {
    mark_placeholders(line).contains(PLACEHOLDER)
        || words::words(line)
            .iter()
            .any(|word| matches!(word.text.as_str(), "year" | "yyyy" | "owner" | "author"))
}

/// The first words of a copyright line, which tell whose it is.
fn first_words(line: &str) -> Vec<String> {
    words::words(line)
        .into_iter()
        .take(6)
        .map(|word| word.text)
        .collect()
}

/// Whether a copyright-like line starts a new notice rather than continuing one ("All rights
/// reserved." continues the line above).
fn starts_a_notice(line: &str) -> bool {
    !line
        .trim_start()
        .to_lowercase()
        .starts_with("all rights reserved")
}

/// Whether `line`, under a copyright line, continues it: names (`Ben Noordhuis, and
/// Contributors`), an address, an e-mail or a URL, rather than a sentence of terms.
fn continues_a_notice(line: &str) -> bool {
    if ends_a_sentence(line) {
        return false;
    }
    let marked = line.contains(|c: char| c.is_ascii_digit() || c == '@') || line.contains("://");
    let lower = line
        .split_whitespace()
        .filter(|word| word.starts_with(|c: char| c.is_lowercase()))
        .count();
    marked || lower <= 2
}

fn ends_a_sentence(line: &str) -> bool {
    let line = line.trim_end();
    line.ends_with('.') && !line.ends_with("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(id: &str) -> &'static str {
        spdx::license_id(id).expect("a known id").text()
    }

    #[test]
    fn templates_split_their_header_from_their_terms() {
        let mit = Template::new(text("MIT"));
        assert_eq!(mit.body[..3], ["permission", "is", "hereby"]);
        let gpl = Template::new(text("GPL-2.0-only"));
        assert_eq!(gpl.body[..2], ["everyone", "is"]);
        assert!(gpl.own_notice.is_some());
        let apache = Template::new(text("Apache-2.0"));
        assert_eq!(apache.body[..2], ["terms", "and"]);
        assert!(apache.tail_start < apache.body.len());
        let unlicense = Template::new(text("Unlicense"));
        assert_eq!(unlicense.body[..3], ["this", "is", "free"]);
    }

    #[test]
    fn bsd_names_are_placeholders() {
        let bsd = Template::new(text("BSD-3-Clause"));
        let file = text("BSD-3-Clause")
            .replace("<year> <owner>", "2010 Google Inc")
            .replace("the copyright holder nor", "Google Inc. nor");
        assert_eq!(
            bsd.find(&file).map(|found| found.notice),
            Some(vec!["Copyright (c) 2010 Google Inc.".to_owned()])
        );
    }

    #[test]
    fn nothing_may_be_added_after_the_end() {
        let mit = Template::new(text("MIT"));
        assert!(mit.find(text("MIT")).is_some());
        let longer = format!("{}\nAnd one more condition.\n", text("MIT"));
        assert!(mit.find(&longer).is_none());
    }

    #[test]
    fn the_license_own_notice_is_not_carried() {
        let gpl = Template::new(text("GPL-3.0-only"));
        let found = gpl.find(text("GPL-3.0-only")).expect("its own text");
        assert!(found.notice.is_empty(), "{:?}", found.notice);
    }
}
