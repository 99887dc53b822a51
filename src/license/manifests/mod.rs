//! License declarations of package manifests, rewritten by editing the bytes of the license
//! value alone, so that every other byte (formatting, key order, comments) survives: the value's
//! span is found, and only that span is replaced; a document is never re-serialised.
//!
//! Forms whose meaning is exact are rewritten: SPDX-valued fields (`Cargo.toml`,
//! `pyproject.toml`, `package.json` and its legacy forms, `composer.json`, `setup.cfg`,
//! `setup.py`, `*.gemspec`, `pom.xml`, `REUSE.toml`) and Trove license classifiers where the new
//! id has exactly one. Every other place that names the old license (prose in a license field, a
//! classifier without a counterpart) is returned as a mention, left alone.

mod classifiers;
mod dep5;
mod json;
mod pom;
mod python;
mod ruby;
mod toml;

pub use dep5::rewrite_dep5;

use super::expr::{self, ExprError};

/// A manifest whose license field cannot be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{file} is not valid: {reason}")]
    Invalid { file: String, reason: String },
    #[error(transparent)]
    Expression(#[from] ExprError),
}

/// A line that names the old license and is left alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// 1-based.
    pub line: usize,
    /// The line, trimmed.
    pub text: String,
}

/// What a manifest becomes: its new text (`None` when nothing changes) and the mentions left
/// alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestEdit {
    pub rewritten: Option<String>,
    pub mentions: Vec<Found>,
}

/// The manifest formats this module knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manifest {
    Cargo,
    Pyproject,
    PackageJson,
    ComposerJson,
    SetupCfg,
    SetupPy,
    Gemspec,
    Pom,
    ReuseToml,
}

impl Manifest {
    /// The format of a file, by its name.
    pub fn of(file_name: &str) -> Option<Manifest> {
        Some(match file_name {
            "Cargo.toml" => Manifest::Cargo,
            "pyproject.toml" => Manifest::Pyproject,
            "package.json" => Manifest::PackageJson,
            "composer.json" => Manifest::ComposerJson,
            "setup.cfg" => Manifest::SetupCfg,
            "setup.py" => Manifest::SetupPy,
            "pom.xml" => Manifest::Pom,
            "REUSE.toml" => Manifest::ReuseToml,
            name if name.ends_with(".gemspec") => Manifest::Gemspec,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Manifest::Cargo => "Cargo.toml",
            Manifest::Pyproject => "pyproject.toml",
            Manifest::PackageJson => "package.json",
            Manifest::ComposerJson => "composer.json",
            Manifest::SetupCfg => "setup.cfg",
            Manifest::SetupPy => "setup.py",
            Manifest::Gemspec => "gemspec",
            Manifest::Pom => "pom.xml",
            Manifest::ReuseToml => "REUSE.toml",
        }
    }
}

/// The manifests this module knows, by file name.
pub fn is_manifest(file_name: &str) -> bool {
    Manifest::of(file_name).is_some()
}

/// Rewrites `old` to `new` in the license declarations of the manifest `file_name` holding
/// `text`, and finds the mentions of `old` it leaves alone.
pub fn edit_manifest(
    file_name: &str,
    text: &str,
    old: &str,
    new: &str,
) -> Result<ManifestEdit, ManifestError> {
    let Some(kind) = Manifest::of(file_name) else {
        return Ok(ManifestEdit::default());
    };
    let mut edits = Edits::new(text);
    let invalid = |reason: String| ManifestError::Invalid {
        file: kind.name().to_owned(),
        reason,
    };
    match kind {
        Manifest::Cargo | Manifest::Pyproject | Manifest::ReuseToml => {
            toml::edit(kind, text, old, new, &mut edits).map_err(invalid)?
        }
        Manifest::PackageJson | Manifest::ComposerJson => {
            json::edit(kind, text, old, new, &mut edits).map_err(invalid)?
        }
        Manifest::SetupCfg => python::edit_setup_cfg(text, old, new, &mut edits)?,
        Manifest::SetupPy => python::edit_setup_py(text, old, new, &mut edits)?,
        Manifest::Gemspec => ruby::edit(text, old, new, &mut edits)?,
        Manifest::Pom => pom::edit(text, old, new, &mut edits)?,
    }
    Ok(edits.finish())
}

/// Rewrites `old` to `new` in the license field of the manifest `file_name` holding `text`.
/// `None` when the manifest declares no license or not `old`.
pub fn rewrite_manifest(
    file_name: &str,
    text: &str,
    old: &str,
    new: &str,
) -> Result<Option<String>, ManifestError> {
    edit_manifest(file_name, text, old, new).map(|edit| edit.rewritten)
}

/// The byte-range replacements of one manifest, and its mentions: applied at the end, so no
/// byte outside a replaced range can change.
#[derive(Debug)]
struct Edits<'t> {
    text: &'t str,
    replacements: Vec<(std::ops::Range<usize>, String)>,
    mentions: Vec<Found>,
}

impl<'t> Edits<'t> {
    fn new(text: &'t str) -> Self {
        Edits {
            text,
            replacements: Vec::new(),
            mentions: Vec::new(),
        }
    }

    /// Replaces the bytes of `range` with `with`. A range that overlaps one already replaced is
    /// ignored: the first decision stands.
    fn replace(&mut self, range: std::ops::Range<usize>, with: String) {
        if self
            .replacements
            .iter()
            .any(|(taken, _)| taken.start < range.end && range.start < taken.end)
        {
            return;
        }
        self.replacements.push((range, with));
    }

    /// Records the line holding byte `at` as a mention left alone (once per line).
    fn mention(&mut self, at: usize) {
        let found = line_at(self.text, at);
        if !self.mentions.iter().any(|m| m.line == found.line) {
            self.mentions.push(found);
        }
    }

    /// Rewrites the SPDX expression at `range` (the value without its quotes): rewritten when it
    /// is a valid expression naming `old`; an error when it is not valid.
    fn expression(
        &mut self,
        range: std::ops::Range<usize>,
        old: &str,
        new: &str,
    ) -> Result<(), ExprError> {
        if let Some(rewritten) = expr::rewrite(&self.text[range.clone()], old, new)? {
            self.replace(range, rewritten);
        }
        Ok(())
    }

    /// Like [`Edits::expression`] for a field that may hold prose (`license = MIT License`, a
    /// pom's `<name>`): a value that is not an expression is a mention when it names `old`.
    fn expression_or_prose(&mut self, range: std::ops::Range<usize>, old: &str, new: &str) {
        let value = &self.text[range.clone()];
        match expr::rewrite(value, old, new) {
            Ok(Some(rewritten)) => self.replace(range, rewritten),
            Ok(None) => {}
            Err(_) => {
                if super::mentions::names_license(value, old) {
                    self.mention(range.start);
                }
            }
        }
    }

    fn finish(mut self) -> ManifestEdit {
        self.mentions.sort_by_key(|m| m.line);
        if self.replacements.is_empty() {
            return ManifestEdit {
                rewritten: None,
                mentions: self.mentions,
            };
        }
        self.replacements.sort_by_key(|(range, _)| range.start);
        let mut out = String::with_capacity(self.text.len() + 32);
        let mut at = 0;
        for (range, with) in &self.replacements {
            out.push_str(&self.text[at..range.start]);
            out.push_str(with);
            at = range.end;
        }
        out.push_str(&self.text[at..]);
        ManifestEdit {
            rewritten: (out != self.text).then_some(out),
            mentions: self.mentions,
        }
    }
}

/// The line holding byte `at` of `text`.
pub fn line_at(text: &str, at: usize) -> Found {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    Found {
        line: text[..start].matches('\n').count() + 1,
        text: super::mentions::shorten(text[start..end].trim()),
    }
}

/// The range of a quoted literal's content, `raw` being the literal with its quotes (`"…"`,
/// `'…'`, `"""…"""`), starting at byte `start` of the document; `None` for a literal with escapes,
/// whose bytes are not its value.
fn unquoted(raw: &str, start: usize) -> Option<std::ops::Range<usize>> {
    let quote = ["\"\"\"", "'''", "\"", "'"]
        .into_iter()
        .find(|q| raw.len() >= 2 * q.len() && raw.starts_with(q) && raw.ends_with(q))?;
    let inner = &raw[quote.len()..raw.len() - quote.len()];
    if quote.starts_with('"') && inner.contains('\\') {
        return None;
    }
    Some(start + quote.len()..start + raw.len() - quote.len())
}

#[cfg(test)]
mod tests;
