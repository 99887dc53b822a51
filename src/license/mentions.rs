//! Places that name a license but are not declarations this tool rewrites: a README's license
//! badge or sentence, a manifest field holding prose, a build file or workflow naming a license
//! file the run renames. They are reported ("mentioned at FILE:LINE, left alone"), never edited.

use gix::bstr::ByteSlice as _;

use super::declarations;
use super::manifests::Found;

/// The longest text kept of a mentioning line.
const MAX_TEXT: usize = 160;

/// `text` cut to a length fit for a report line.
pub fn shorten(text: &str) -> String {
    if text.len() <= MAX_TEXT {
        return text.to_owned();
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Whether `text` names the license `id`: the id as a whole token (`MIT` but not `MIT-0` or
/// `submit`; `Apache--2.0` as shields.io badges write it), or its full name from the SPDX list
/// (`The MIT License`, `Apache Software License, Version 2.0`).
pub fn names_license(text: &str, id: &str) -> bool {
    if id.is_empty() {
        return false;
    }
    // A badge doubles the hyphen (`Apache--2.0`); prose often writes a space (`Apache 2.0`).
    let badge_form = id.replace('-', "--");
    let prose_form = id.replace('-', " ");
    if has_token(text, id)
        || (badge_form != id && has_token(text, &badge_form))
        || (prose_form != id && has_token(text, &prose_form))
    {
        return true;
    }
    let Some(full) = spdx::license_id(id).map(|license| license.full_name) else {
        return false;
    };
    let name = words(full);
    !name.is_empty() && format!(" {} ", words(text)).contains(&format!(" {name} "))
}

/// Lower-cased words of `text`, without the filler that full names and prose differ by.
fn words(text: &str) -> String {
    text.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !matches!(*w, "the" | "version" | "v" | "software"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `id` occurs in `text` (ASCII case ignored) as a whole license token.
fn has_token(text: &str, id: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let needle = id.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    lower.match_indices(&needle).any(|(at, _)| {
        let before_ok = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let rest = &lower[at + needle.len()..];
        let mut chars = rest.chars();
        let after_ok = match chars.next() {
            None => true,
            Some(c) if c.is_ascii_alphanumeric() || c == '+' => false,
            // `MIT-0`, `GPL-2.0-only`; but `License-MIT-yellow` (a badge) names MIT.
            Some('-') => {
                let next = chars.as_str();
                !next.starts_with(|c: char| c.is_ascii_digit())
                    && !next.starts_with("only")
                    && !next.starts_with("or-later")
            }
            // `Apache-2` against `Apache-2.0`; a full stop ending a sentence is fine.
            Some('.') => !chars.as_str().starts_with(|c: char| c.is_ascii_digit()),
            Some(_) => true,
        };
        before_ok && after_ok
    })
}

/// The lines of a README that name the license `id` (a badge, "Licensed under the MIT
/// License"): lines that say "licen…" and name it. Lines inside REUSE ignore blocks and
/// `SPDX-License-Identifier:` lines (rewritten as declarations) are not mentions.
pub fn readme_mentions(content: &[u8], id: &str) -> Vec<Found> {
    let ignored = declarations::ignored_ranges(content);
    let mut found = Vec::new();
    let mut offset = 0;
    // Under a "License" heading, a line that names the id is a mention without saying
    // "license" itself (`MIT © Jane Doe`).
    let mut in_license_section = false;
    for (index, line) in content.split(|b| *b == b'\n').enumerate() {
        let start = offset;
        offset += line.len() + 1;
        if ignored.iter().any(|range| range.contains(&start)) {
            continue;
        }
        let line = String::from_utf8_lossy(line);
        if line.contains("SPDX-License-Identifier:") {
            continue;
        }
        let says_license = line.to_ascii_lowercase().contains("licen");
        if let Some(heading) = heading(&line) {
            in_license_section = heading.to_ascii_lowercase().contains("licen");
        }
        if (says_license || in_license_section) && names_license(&line, id) {
            found.push(Found {
                line: index + 1,
                text: shorten(line.trim()),
            });
        }
    }
    found
}

/// The text of a Markdown heading (`## License`), or of a line that is only a word such as
/// `License` or `Licensing` (an underlined reStructuredText or AsciiDoc title).
fn heading(line: &str) -> Option<&str> {
    let trimmed = line.trim();
    // Markdown `## License`, AsciiDoc `== License`; a bare `=====` underlines the line before.
    for mark in ['#', '='] {
        if let Some(text) = trimmed.strip_prefix(mark) {
            let text = text.trim_start_matches(mark).trim();
            return (!text.is_empty()).then_some(text);
        }
    }
    let lower = trimmed.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "license" | "licence" | "licensing" | "license:"
    )
    .then_some(trimmed)
}

/// The lines of `content` that name one of `names` (file names such as `LICENSE-MIT`) as a
/// whole word, with the name each one names.
pub fn file_name_mentions<'n>(content: &[u8], names: &'n [String]) -> Vec<(&'n str, Found)> {
    let mut found = Vec::new();
    // Most files name none: one fast search each before looking at lines.
    if !names.iter().any(|name| content.find(name).is_some()) {
        return found;
    }
    for (index, line) in content.split(|b| *b == b'\n').enumerate() {
        if !names.iter().any(|name| line.find(name).is_some()) {
            continue;
        }
        let line = String::from_utf8_lossy(line);
        if let Some(name) = names.iter().find(|name| names_file(&line, name)) {
            found.push((
                name.as_str(),
                Found {
                    line: index + 1,
                    text: shorten(line.trim()),
                },
            ));
        }
    }
    found
}

/// Whether `line` names the file `name` as a whole (not `LICENSE-MIT-0`, `LICENSE-MIT.md`).
fn names_file(line: &str, name: &str) -> bool {
    let bytes = line.as_bytes();
    line.match_indices(name).any(|(at, _)| {
        let part = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        let before_ok = at == 0 || !part(bytes[at - 1]);
        let after = at + name.len();
        let after_ok = match bytes.get(after) {
            None => true,
            Some(b) if part(*b) => false,
            Some(b'.') => !bytes
                .get(after + 1)
                .is_some_and(|b| b.is_ascii_alphanumeric()),
            Some(_) => true,
        };
        before_ok && after_ok
    })
}

/// The mentions a run finds as it goes, by file path.
#[derive(Debug, Default)]
pub struct Noted {
    found: Vec<(String, Found)>,
    /// Mentions of a license file by name (file, path, line): kept only if the run renames or
    /// removes that file.
    naming: Vec<(String, String, Found)>,
}

impl Noted {
    /// Mentions found in the file at `path`.
    pub fn add(&mut self, path: &str, found: Vec<Found>) {
        self.found
            .extend(found.into_iter().map(|found| (path.to_owned(), found)));
    }

    /// A line of the file at `path` that names the license file `file`.
    pub fn naming(&mut self, file: &str, path: &str, found: Found) {
        self.naming.push((file.to_owned(), path.to_owned(), found));
    }

    /// Keeps the mentions by name of the files in `moved` (renamed or removed by the run); the
    /// others name a file that stays, and are forgotten.
    pub fn keep_names_of(&mut self, moved: &[String]) {
        for (file, path, found) in std::mem::take(&mut self.naming) {
            if moved.contains(&file) {
                self.found.push((path, found));
            }
        }
    }

    /// Every mention kept, by path and line, each line once.
    pub fn finish(mut self) -> Vec<(String, Found)> {
        self.found
            .sort_by(|a, b| (&a.0, a.1.line).cmp(&(&b.0, b.1.line)));
        self.found
            .dedup_by(|a, b| a.0 == b.0 && a.1.line == b.1.line);
        self.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_named_as_whole_tokens_or_full_names() {
        assert!(names_license(
            "[![License: MIT](https://img.shields.io/badge/License-MIT-yellow.svg)]",
            "MIT"
        ));
        assert!(names_license("The MIT License (MIT)", "MIT"));
        assert!(names_license(
            "The Apache Software License, Version 2.0",
            "Apache-2.0"
        ));
        assert!(names_license(
            "https://img.shields.io/badge/License-Apache--2.0-blue",
            "Apache-2.0"
        ));
        assert!(names_license("Licensed under MIT.", "MIT"));
        assert!(names_license("<name>Apache 2.0</name>", "Apache-2.0"));
        assert!(!names_license("Apache 2.01", "Apache-2.0"));
        assert!(!names_license("License: MIT-0", "MIT"));
        assert!(!names_license("submit a license", "MIT"));
        assert!(!names_license("GPL-2.0-only", "GPL-2.0"));
        assert!(!names_license("GPL-2.0+", "GPL-2.0"));
        assert!(!names_license("Eclipse Public License 1.0", "MIT"));
    }

    #[test]
    fn readme_lines_that_name_the_license_are_mentions() {
        let readme = b"# x\n[![License: MIT](https://img.shields.io/badge/License-MIT-yellow.svg)](LICENSE)\n\
                       MIT is nice.\n<!-- REUSE-IgnoreStart -->\nLicense: MIT\n<!-- REUSE-IgnoreEnd -->\n\
                       ## License\nThis project is licensed under the MIT License.\n\nMIT \xc2\xa9 Jane\n\
                       ## Thanks\nMIT folks.\nLicense\n=======\n\nMIT\n";
        let lines: Vec<usize> = readme_mentions(readme, "MIT")
            .iter()
            .map(|f| f.line)
            .collect();
        assert_eq!(lines, vec![2, 8, 10, 16]);
    }

    #[test]
    fn file_names_are_whole_words() {
        let names = vec!["LICENSE-MIT".to_owned()];
        let text = b"include = [\"LICENSE-MIT\"]\ncp LICENSE-MIT.md x\ncp LICENSE-MIT-0 y\ncp ./LICENSE-MIT z\n";
        let lines: Vec<usize> = file_name_mentions(text, &names)
            .iter()
            .map(|(_, f)| f.line)
            .collect();
        assert_eq!(lines, vec![1, 4]);
    }
}
