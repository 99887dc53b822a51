//! `license-update --old ID --new ID`: decides, from a repository's tracked files, every byte
//! that changes. `SPDX-License-Identifier:` lines and manifest license fields get the new id
//! (whole SPDX tokens only); the license file gets the new text, but only when it holds the old
//! license; REUSE's `LICENSES/<OLD>.txt` becomes `LICENSES/<NEW>.txt`. Prose, binary files and
//! untracked files are never touched.

use gix::bstr::{BStr, ByteSlice};

use crate::license::manifests::Found;
use crate::license::mentions::{self, Noted};
use crate::license::text::Template;
use crate::license::words::is_copyright_line;
use crate::license::{declarations, ids, manifests};
use crate::ops::edit::{Change, Decided, Decision, Mention, Snapshot, Tracked};

mod file;
use file::{FileVerdict, LicenseFile};

/// One license-update, validated before any repository is read.
#[derive(Debug, Clone)]
pub struct LicenseUpdate {
    pub old: String,
    pub new: String,
    /// The old license's reference text, to recognise a license file that holds it; `None`
    /// for an id the bundled SPDX list has no text for.
    pub old_text: Option<String>,
    /// The new license's text; `None` with `--ids-only` (license files are left alone).
    pub new_text: Option<String>,
    /// `--copyright`: the notice a new text gets where the old file had none.
    pub copyright: Option<String>,
    /// `--rewrite-vendored`: rewrite the declarations of files that carry their own copyright
    /// and the old license's full text too.
    pub rewrite_vendored: bool,
    /// What a skip for a license file that holds another text tells the user to do.
    way_out: &'static str,
    /// The texts above, prepared for matching once rather than for every repository: the old
    /// license's, the new text, and the new license's reference text.
    templates: Box<Templates>,
}

/// The license texts of an update, prepared for matching.
#[derive(Debug, Clone)]
struct Templates {
    old: Option<Template>,
    new: Option<Template>,
    reference: Option<Template>,
}

/// The choices of a license-update besides its ids and text.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub copyright: Option<String>,
    pub rewrite_vendored: bool,
    /// A rule of `check`'s policy: a skip's way out names `license-update`, which `check` is
    /// not.
    pub in_policy: bool,
}

impl LicenseUpdate {
    /// Validates a request before any repository is read. Returns the update and the notes to
    /// print once (deprecated ids); `Err` is a usage error, with the way out.
    pub fn from_request(
        old: &str,
        new: &str,
        license_file: Option<&std::path::Path>,
        ids_only: bool,
        options: &Options,
    ) -> Result<(LicenseUpdate, Vec<String>), String> {
        for (flag, id) in [("--old", old), ("--new", new)] {
            check_id(id).map_err(|reason| format!("{flag} {id}: {reason}"))?;
        }
        let (old, new) = (ids::canonical(old), ids::canonical(new));
        let (old, new) = (old.as_str(), new.as_str());
        if old.eq_ignore_ascii_case(new) {
            return Err(format!("--old and --new are the same license ({old})"));
        }
        let new_text = if ids_only {
            None
        } else {
            Some(new_license_text(new, license_file)?)
        };
        let notes = notes_on_ids(old, new);
        Ok((
            LicenseUpdate {
                old: old.to_owned(),
                new: new.to_owned(),
                old_text: listed(old).map(|id| id.text().to_owned()),
                copyright: options.copyright.clone(),
                rewrite_vendored: options.rewrite_vendored,
                way_out: if options.in_policy {
                    "run license-update with --ids-only to change only the declarations"
                } else {
                    "rerun with --ids-only to leave license files alone"
                },
                templates: Box::new(Templates {
                    old: listed(old).map(|id| Template::new(id.text())),
                    new: new_text.as_deref().map(Template::new),
                    reference: listed(new).map(|id| Template::new(id.text())),
                }),
                new_text,
            },
            notes,
        ))
    }

    /// What changes in the repository of `snapshot`.
    pub fn decide(&self, snapshot: &Snapshot) -> Decision {
        self.decide_noting(snapshot).decision
    }

    /// What changes in the repository of `snapshot`, and the mentions of the old license that
    /// are left alone: prose in a manifest field, a classifier without a counterpart, a README
    /// line, a file that names a license file the run renames.
    pub fn decide_noting(&self, snapshot: &Snapshot) -> Decided {
        let mut noted = Noted::default();
        let decision = self.decide_into(snapshot, &mut noted);
        let mentions = noted
            .finish()
            .into_iter()
            .map(|(path, found)| Mention {
                path,
                line: found.line,
                text: found.text,
            })
            .collect();
        Decided { decision, mentions }
    }

    fn decide_into(&self, snapshot: &Snapshot, noted: &mut Noted) -> Decision {
        let files = self.sort_files(snapshot);
        let movable = files.movable();
        let mut changes = Vec::new();
        for (tracked, name) in &files.others {
            match self.rewrite_declarations(snapshot, tracked, name, &movable, noted) {
                Ok(Some(change)) => changes.push(change),
                Ok(None) => {}
                Err(reason) => return Decision::Skip(reason),
            }
        }
        let declares_old = !changes.is_empty();
        let texts = match &self.new_text {
            Some(new_text) => match self.replace_texts(snapshot, &files, new_text, noted) {
                Ok(texts) => texts,
                Err(reason) => return Decision::Skip(reason),
            },
            None => Texts::default(),
        };
        changes.extend(texts.changes);
        if !texts.foreign.is_empty()
            && (declares_old || texts.holds_old || files.reuse_old.is_some())
        {
            return Decision::Skip(self.foreign_left_alone(&texts.foreign));
        }
        let moved: Vec<String> = changes
            .iter()
            .filter(|change| change.new.is_none())
            .map(|change| change.path.to_str_lossy().into_owned())
            .collect();
        noted.keep_names_of(&moved);
        if changes.is_empty() {
            return Decision::Unchanged(format!("declares no {}", self.old));
        }
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        Decision::Change(changes)
    }

    /// The tracked files of `snapshot`, sorted by what this update does with them.
    fn sort_files<'a>(&self, snapshot: &'a Snapshot) -> Files<'a> {
        let mut files = Files::default();
        let reuse_old_path = format!("LICENSES/{}.txt", self.old);
        for tracked in snapshot.tracked.iter().filter(|t| t.is_file()) {
            let path = tracked.path.as_bstr();
            let top_level = !path.contains(&b'/');
            let name = path.rsplit_str("/").next().unwrap_or(path.as_bytes());
            if top_level {
                if let Some(kind) = self.license_file_kind(name.as_bstr()) {
                    files.license_files.push((tracked, kind));
                    continue;
                }
            }
            if path == reuse_old_path.as_bytes() {
                files.reuse_old = Some(tracked);
                continue;
            }
            if path.starts_with(b"LICENSES/") {
                continue;
            }
            files.others.push((tracked, name.as_bstr()));
        }
        files
    }

    /// The license files and REUSE text of `files`, given `new_text` where they hold the old
    /// license; `Err` is why the repository is skipped.
    fn replace_texts(
        &self,
        snapshot: &Snapshot,
        files: &Files<'_>,
        new_text: &str,
        noted: &mut Noted,
    ) -> Result<Texts, String> {
        let mut texts = Texts::default();
        for (tracked, kind) in &files.license_files {
            match self.replace_license_file(snapshot, tracked, *kind, new_text)? {
                FileVerdict::Replace(mut replaced) => {
                    texts.holds_old = true;
                    texts.changes.append(&mut replaced);
                }
                FileVerdict::LeftAlone => {}
                FileVerdict::Pointer(content) => {
                    let path = tracked.path.to_str_lossy();
                    noted.add(&path, mentions::readme_mentions(&content, &self.old));
                }
                FileVerdict::Foreign => {
                    texts.foreign.push(tracked.path.to_str_lossy().into_owned())
                }
            }
        }
        if let Some(tracked) = files.reuse_old {
            let mut renamed = self.rename_reuse_text(snapshot, tracked, new_text)?;
            texts.changes.append(&mut renamed);
        }
        Ok(texts)
    }

    /// Why a repository whose `foreign` license files hold another text than the old license
    /// is skipped, with the way out.
    fn foreign_left_alone(&self, foreign: &[String]) -> String {
        let why = if self.old_text.is_some() {
            format!("holds another text than the {} license", self.old)
        } else {
            format!(
                "cannot be compared: the SPDX list has no text for {}",
                self.old
            )
        };
        format!(
            "{} {why}; left alone (check it by hand, or {})",
            foreign.join(", "),
            self.way_out
        )
    }

    /// The rewritten `SPDX-License-Identifier:` lines or manifest field of one tracked file; the
    /// mentions it holds go to `noted`.
    fn rewrite_declarations(
        &self,
        snapshot: &Snapshot,
        tracked: &Tracked,
        name: &BStr,
        movable: &[String],
        noted: &mut Noted,
    ) -> Result<Option<Change>, String> {
        let shown = || tracked.path.to_str_lossy().into_owned();
        let Some(content) = read_small(snapshot, tracked.path.as_bstr())
            .map_err(|err| format!("cannot read {}: {err}", shown()))?
        else {
            return Ok(None);
        };
        let name = name.to_str().unwrap_or_default();
        let top_level = !tracked.path.contains(&b'/');
        if top_level && name.to_ascii_uppercase().starts_with("README") {
            noted.add(&shown(), mentions::readme_mentions(&content, &self.old));
        }
        for (file, found) in mentions::file_name_mentions(&content, movable) {
            noted.naming(file, &shown(), found);
        }
        let rewritten = if tracked.path == ".reuse/dep5" {
            let Ok(text) = std::str::from_utf8(&content) else {
                return Ok(None);
            };
            manifests::rewrite_dep5(text, &self.old, &self.new)
                .map_err(|err| format!("{}: {err}; left alone", shown()))?
                .map(String::into_bytes)
        } else if manifests::is_manifest(name) {
            let Ok(text) = std::str::from_utf8(&content) else {
                return Ok(None);
            };
            let edit = manifests::edit_manifest(name, text, &self.old, &self.new)
                .map_err(|err| format!("{}: {err}; left alone", shown()))?;
            noted.add(&shown(), edit.mentions);
            // A manifest may carry its own REUSE header (`# SPDX-License-Identifier: …`).
            let fields = edit.rewritten.map(String::into_bytes);
            let base = fields.as_deref().unwrap_or(&content);
            declarations::rewrite_identifier_lines(base, &self.old, &self.new)
                .map_err(|err| format!("{}: {err}; left alone", shown()))?
                .or(fields)
        } else {
            let rewritten = declarations::rewrite_identifier_lines(&content, &self.old, &self.new)
                .map_err(|err| format!("{}: {err}; left alone", shown()))?;
            if rewritten.is_some() && !self.rewrite_vendored {
                if let Some(found) = self.vendored(&content) {
                    noted.add(&shown(), vec![found]);
                    return Ok(None);
                }
            }
            rewritten
        };
        Ok(rewritten.map(|new| Change {
            path: tracked.path.clone(),
            old: Some(content),
            new: Some(new),
            executable: false,
        }))
    }

    /// Whether `content`, a file that declares the old license, is vendored third-party code:
    /// it carries its own copyright line and the old license's full text. Its declaration is
    /// the upstream's, not the project's: left alone (unless `--rewrite-vendored`), its
    /// `SPDX-License-Identifier:` line noted with why.
    fn vendored(&self, content: &[u8]) -> Option<Found> {
        let template = self.templates.old.as_ref()?;
        let text = String::from_utf8_lossy(content);
        if !text.lines().any(is_copyright_line) || !template.contained_in(&text) {
            return None;
        }
        let (index, line) = text
            .lines()
            .enumerate()
            .find(|(_, line)| line.contains("SPDX-License-Identifier:"))?;
        Some(Found {
            line: index + 1,
            text: format!(
                "{} (vendored: carries its own copyright and the {} license's full text; \
                 --rewrite-vendored rewrites it)",
                mentions::shorten(line.trim()),
                self.old
            ),
        })
    }
}

/// The tracked files of a repository, by what a license-update does with them.
#[derive(Default)]
struct Files<'a> {
    /// Top-level license files.
    license_files: Vec<(&'a Tracked, LicenseFile)>,
    /// REUSE's `LICENSES/<OLD>.txt`.
    reuse_old: Option<&'a Tracked>,
    /// Every other file, with its name, that may declare the old license.
    others: Vec<(&'a Tracked, &'a BStr)>,
}

impl Files<'_> {
    /// The files that may be renamed or removed, whose names other files may spell out.
    fn movable(&self) -> Vec<String> {
        self.license_files
            .iter()
            .filter(|(_, kind)| *kind == LicenseFile::Named)
            .map(|(tracked, _)| tracked.path.to_str_lossy().into_owned())
            .chain(
                self.reuse_old
                    .map(|tracked| tracked.path.to_str_lossy().into_owned()),
            )
            .collect()
    }
}

/// What the license texts of a repository come to.
#[derive(Default)]
struct Texts {
    /// The changes that give license files and the REUSE text the new license.
    changes: Vec<Change>,
    /// The license files that hold another text, not ours to overwrite.
    foreign: Vec<String>,
    /// Whether a license file held the old license.
    holds_old: bool,
}

/// The SPDX list's entry for `id`, spelled exactly so.
fn listed(id: &str) -> Option<spdx::LicenseId> {
    spdx::license_id(id).filter(|found| found.name == id)
}

/// The new license's text: the `--license-file` given, or the bundled SPDX list's.
fn new_license_text(new: &str, license_file: Option<&std::path::Path>) -> Result<String, String> {
    let Some(file) = license_file else {
        return listed(new).map(|id| id.text().to_owned()).ok_or_else(|| {
            let meant = did_you_mean(new);
            format!(
                "the bundled SPDX license list has no text for {new}{meant}: give its text \
                 with --license-file FILE, or pass --ids-only to rewrite identifiers \
                 and manifests and leave license files alone"
            )
        });
    };
    let content = crate::ops::files::read_given_file(file)
        .map_err(|err| format!("cannot read --license-file {}: {err}", file.display()))?;
    String::from_utf8(content)
        .map_err(|_| format!("--license-file {} is not UTF-8 text", file.display()))
}

/// The notes to print once about `--old` and `--new`: a deprecated id, an id the SPDX list
/// does not have.
fn notes_on_ids(old: &str, new: &str) -> Vec<String> {
    let mut notes = Vec::new();
    for (flag, id) in [("--old", old), ("--new", new)] {
        let Some(found) = listed(id).filter(|found| found.is_deprecated()) else {
            continue;
        };
        let only = format!("{}-only", found.name);
        let later = format!("{}-or-later", found.name);
        if listed(&only).is_none() {
            notes.push(format!("{flag} {id} is a deprecated SPDX id"));
        } else if flag == "--new" {
            notes.push(format!(
                "--new {id} is a deprecated SPDX id: say which you mean, {only} or {later}"
            ));
        } else {
            notes.push(format!(
                "--old {id} is a deprecated SPDX id: only {id} itself is rewritten, not \
                 {only} or {later}"
            ));
        }
    }
    for (flag, id) in [("--old", old), ("--new", new)] {
        if listed(id).is_none() && !id.starts_with("LicenseRef-") {
            notes.push(format!(
                "{flag} {id} is not on the SPDX license list{}",
                did_you_mean(id)
            ));
        }
    }
    notes
}

/// ` (did you mean X?)` for an id the SPDX list does not have, when one is close; empty if not.
fn did_you_mean(id: &str) -> String {
    ids::suggestion(id).map_or_else(String::new, |meant| format!(" (did you mean {meant}?)"))
}

/// Why `id` cannot stand for one license in an expression, if it cannot: `--new "MIT OR X"`
/// would change the meaning of the expressions it lands in.
fn check_id(id: &str) -> Result<(), String> {
    let is_id_char = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    let bare = id.strip_suffix('+').unwrap_or(id);
    if bare.is_empty() || !bare.chars().all(is_id_char) || bare.starts_with('-') {
        return Err(
            "is not a single license identifier (letters, digits, `.` and `-`; an expression \
             is not allowed)"
                .into(),
        );
    }
    if ["AND", "OR", "WITH"]
        .iter()
        .any(|op| bare.eq_ignore_ascii_case(op))
    {
        return Err("is an operator, not a license identifier".into());
    }
    Ok(())
}

/// A file's content, unless it is binary or too large to hold a declaration worth rewriting.
/// A file deleted in the work tree is the user's change, not ours to look at: `None` too.
fn read_small(snapshot: &Snapshot, path: &BStr) -> std::io::Result<Option<Vec<u8>>> {
    let content = match snapshot.read(path) {
        Ok(content) => content,
        Err(err)
            if matches!(
                err.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::FileTooLarge
            ) =>
        {
            return Ok(None);
        }
        Err(err) => return Err(err),
    };
    if declarations::is_binary(&content) {
        return Ok(None);
    }
    Ok(Some(content))
}
