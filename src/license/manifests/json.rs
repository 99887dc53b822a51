//! JSON manifests (`package.json`, `composer.json`): a small scanner finds the byte range of
//! each string value near the top of the document, so that only the license strings change.
//! serde_json decides whether the document is valid.

use std::ops::Range;

use super::{Edits, Manifest};

/// One step of the way to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Rewrites the license strings of `package.json` (`license`, the legacy `license.type` and
/// `licenses[].type`) or `composer.json` (`license`, a string or an array).
pub(super) fn edit(
    kind: Manifest,
    text: &str,
    old: &str,
    new: &str,
    edits: &mut Edits<'_>,
) -> Result<(), String> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|err| err.to_string())?;
    let strings = string_values(text, 3);
    let key = |step: &Step, name: &str| matches!(step, Step::Key(k) if k == name);
    for (path, range) in &strings {
        let is_declaration = match (kind, path.as_slice()) {
            (_, [license]) => key(license, "license"),
            // npm's legacy `"license": {"type": …}`, `"licenses": ["MIT"]`; composer's
            // `"license": ["MIT", …]`.
            (Manifest::PackageJson, [license, ty]) => {
                (key(license, "license") && key(ty, "type"))
                    || (key(license, "licenses") && matches!(ty, Step::Index(_)))
            }
            (Manifest::ComposerJson, [license, Step::Index(_)]) => key(license, "license"),
            // npm's legacy `"licenses": [{"type": …, "url": …}]`.
            (Manifest::PackageJson, [licenses, Step::Index(_), ty]) => {
                key(licenses, "licenses") && key(ty, "type")
            }
            _ => false,
        };
        let is_url = kind == Manifest::PackageJson
            && path.last().is_some_and(|last| key(last, "url"))
            && path
                .first()
                .is_some_and(|first| key(first, "license") || key(first, "licenses"));
        if is_declaration {
            // npm also allows `SEE LICENSE IN <file>` and `UNLICENSED`: not expressions, and not
            // an error.
            edits.expression_or_prose(range.clone(), old, new);
        } else if is_url && crate::license::mentions::names_license(&text[range.clone()], old) {
            edits.mention(range.start);
        }
    }
    Ok(())
}

/// Every string value at most `max_depth` levels deep, with its path and the range of its
/// content (quotes excluded). Strings with escapes are left out: their bytes are not their
/// value. The text must be valid JSON.
fn string_values(text: &str, max_depth: usize) -> Vec<(Vec<Step>, Range<usize>)> {
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        at: 0,
        path: Vec::new(),
        max_depth,
        out: Vec::new(),
    };
    scanner.value();
    scanner.out
}

struct Scanner<'t> {
    bytes: &'t [u8],
    at: usize,
    path: Vec<Step>,
    max_depth: usize,
    out: Vec<(Vec<Step>, Range<usize>)>,
}

impl Scanner<'_> {
    fn skip_space(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    /// Skips a string literal starting at `self.at`; its content's range, and whether it has
    /// escapes.
    fn string(&mut self) -> (Range<usize>, bool) {
        let start = self.at + 1;
        let mut i = start;
        let mut escaped = false;
        while let Some(&byte) = self.bytes.get(i) {
            match byte {
                b'\\' => {
                    escaped = true;
                    i += 2;
                }
                b'"' => break,
                _ => i += 1,
            }
        }
        self.at = i + 1;
        (start..i.min(self.bytes.len()), escaped)
    }

    fn value(&mut self) {
        self.skip_space();
        match self.bytes.get(self.at) {
            Some(b'{') => {
                self.at += 1;
                loop {
                    self.skip_space();
                    match self.bytes.get(self.at) {
                        Some(b'"') => {}
                        Some(b',') => {
                            self.at += 1;
                            continue;
                        }
                        _ => {
                            self.at += 1;
                            return;
                        }
                    }
                    let (range, _) = self.string();
                    let key = String::from_utf8_lossy(&self.bytes[range]).into_owned();
                    self.skip_space();
                    self.at += 1; // the `:`
                    self.path.push(Step::Key(key));
                    self.value();
                    self.path.pop();
                }
            }
            Some(b'[') => {
                self.at += 1;
                let mut index = 0;
                loop {
                    self.skip_space();
                    match self.bytes.get(self.at) {
                        Some(b']') | None => {
                            self.at += 1;
                            return;
                        }
                        Some(b',') => {
                            self.at += 1;
                            continue;
                        }
                        _ => {}
                    }
                    self.path.push(Step::Index(index));
                    self.value();
                    self.path.pop();
                    index += 1;
                }
            }
            Some(b'"') => {
                let (range, escaped) = self.string();
                if !escaped && self.path.len() <= self.max_depth {
                    self.out.push((self.path.clone(), range));
                }
            }
            Some(_) => {
                while self
                    .bytes
                    .get(self.at)
                    .is_some_and(|b| !b",]}".contains(b) && !b.is_ascii_whitespace())
                {
                    self.at += 1;
                }
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_values_are_found_with_their_paths() {
        let text = r#"{"a": "x", "b": {"c": ["y", {"d": "z\"q"}]}, "e": 1, "f": [true, "w"]}"#;
        let found: Vec<(Vec<Step>, &str)> = string_values(text, 4)
            .into_iter()
            .map(|(path, range)| (path, &text[range]))
            .collect();
        let key = |k: &str| Step::Key(k.into());
        assert_eq!(
            found,
            vec![
                (vec![key("a")], "x"),
                (vec![key("b"), key("c"), Step::Index(0)], "y"),
                (vec![key("f"), Step::Index(1)], "w"),
            ]
        );
    }
}
