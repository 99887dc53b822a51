//! The license files of a license-update: a top-level `LICENSE`, `COPYING` or `LICENSE-<OLD>`
//! gets the new text, with the copyright notice it carried, but only when it holds the old
//! license; REUSE's `LICENSES/<OLD>.txt` becomes `LICENSES/<NEW>.txt`.

use gix::bstr::{BStr, BString, ByteSlice};

use super::LicenseUpdate;
use crate::license::mentions;
use crate::license::text::{self, Template};
use crate::ops::edit::{Change, Snapshot, Tracked};
use crate::ops::license_names::{
    keep_line_endings, license_stem, named_license_file, named_part, names_license,
    names_new_license_file,
};

/// A license file at the top of a repository, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LicenseFile {
    /// `LICENSE`, `LICENSE.md`, `COPYING`, …: the project's license, whatever it is.
    Plain,
    /// `LICENSE-MIT`, `LICENSE-APACHE`, `MIT-LICENSE`: one license of several, named for it.
    Named,
}

/// What becomes of a license file.
pub(super) enum FileVerdict {
    /// It holds the old license: these changes replace it.
    Replace(Vec<Change>),
    /// It holds the new license already, or the user deleted it: nothing to do.
    LeftAlone,
    /// It holds something else, which is not ours to overwrite.
    Foreign,
    /// It holds no license, only says where the license files are (its content): left alone,
    /// its lines that name the old license noted.
    Pointer(Vec<u8>),
}

impl LicenseUpdate {
    /// Whether the top-level file `name` is a license file this update looks at.
    pub(super) fn license_file_kind(&self, name: &BStr) -> Option<LicenseFile> {
        let name = name.to_str().ok()?;
        let stem = license_stem(name);
        let upper = stem.to_ascii_uppercase();
        if matches!(upper.as_str(), "LICENSE" | "LICENCE" | "COPYING") {
            return Some(LicenseFile::Plain);
        }
        let suffix = named_part(stem)?;
        names_license(suffix, &self.old).then_some(LicenseFile::Named)
    }

    /// What becomes of one license file.
    pub(super) fn replace_license_file(
        &self,
        snapshot: &Snapshot,
        tracked: &Tracked,
        kind: LicenseFile,
        new_text: &str,
    ) -> Result<FileVerdict, String> {
        let Some(content) = read_license_file(snapshot, tracked)? else {
            return Ok(FileVerdict::LeftAlone);
        };
        let file_text = String::from_utf8_lossy(&content);
        let holds = |template: &Option<Template>| {
            template
                .as_ref()
                .is_some_and(|template| template.find(&file_text).is_some())
        };
        if holds(&self.templates.new) || holds(&self.templates.reference) {
            return Ok(FileVerdict::LeftAlone);
        }
        let Some(found) = self
            .templates
            .old
            .as_ref()
            .and_then(|old| old.find(&file_text))
        else {
            if text::is_pointer(&file_text) && mentions::names_license(&file_text, &self.old) {
                return Ok(FileVerdict::Pointer(content));
            }
            return Ok(FileVerdict::Foreign);
        };
        let notice = self.notice_to_carry(found.notice);
        let changes = self.replacement(snapshot, tracked, kind, content, new_text, &notice)?;
        Ok(FileVerdict::Replace(changes))
    }

    /// The copyright notice the new text gets: the old file's, or `--copyright` where it had
    /// none. A copyright line that is itself a placeholder (`Copyright <YEAR> <COPYRIGHT
    /// HOLDER>`) carries nothing.
    fn notice_to_carry(&self, found: Vec<String>) -> Vec<String> {
        let carried: Vec<String> = found
            .into_iter()
            .filter(|line| !text::is_placeholder_line(line))
            .collect();
        if !carried.is_empty() {
            return carried;
        }
        self.copyright
            .iter()
            .map(|given| text::as_notice(given))
            .collect()
    }

    /// The changes that put `new_text`, with `notice`, in place of the license file `tracked`
    /// (its `content` holds the old license). A `LICENSE-<OLD>` is renamed for the new license,
    /// or just removed when the new one's file is there already. Refused when the text written
    /// needs a copyright line and there is none to give it.
    fn replacement(
        &self,
        snapshot: &Snapshot,
        tracked: &Tracked,
        kind: LicenseFile,
        content: Vec<u8>,
        new_text: &str,
        notice: &[String],
    ) -> Result<Vec<Change>, String> {
        let target = match kind {
            LicenseFile::Plain => tracked.path.clone(),
            LicenseFile::Named => named_license_file(tracked.path.as_bstr(), &self.old, &self.new),
        };
        let renamed = target != tracked.path;
        // `LICENSE-APACHE` is already there: the old one just goes, and nothing is written.
        let new_one_there = renamed
            && snapshot
                .tracked
                .iter()
                .any(|t| names_new_license_file(t.path.as_bstr(), &self.new));
        if !new_one_there && notice.is_empty() && text::has_copyright_placeholder(new_text) {
            return Err(format!(
                "{} has no copyright line to carry into the {} text, which needs one: pass \
                 --copyright \"Copyright (c) YEAR NAME\" (the text would otherwise say \
                 <year> <copyright holders>); left alone",
                tracked.path.to_str_lossy(),
                self.new
            ));
        }
        let filled = text::fill_template(new_text, notice);
        let filled = keep_line_endings(&content, filled).into_bytes();
        if !renamed {
            return Ok(vec![Change {
                path: target,
                old: Some(content),
                new: Some(filled),
                executable: false,
            }]);
        }
        let mut changes = vec![Change {
            path: tracked.path.clone(),
            old: Some(content),
            new: None,
            executable: false,
        }];
        if !new_one_there {
            changes.push(Change {
                path: target,
                old: None,
                new: Some(filled),
                executable: false,
            });
        }
        Ok(changes)
    }

    /// REUSE: `LICENSES/<OLD>.txt` becomes `LICENSES/<NEW>.txt`, unless that is there already.
    pub(super) fn rename_reuse_text(
        &self,
        snapshot: &Snapshot,
        tracked: &Tracked,
        new_text: &str,
    ) -> Result<Vec<Change>, String> {
        let content = snapshot
            .read(tracked.path.as_bstr())
            .map_err(|err| format!("cannot read {}: {err}", tracked.path.to_str_lossy()))?;
        let file_text = String::from_utf8_lossy(&content);
        let holds_old = self
            .templates
            .old
            .as_ref()
            .is_some_and(|old| old.find(&file_text).is_some());
        if !holds_old {
            return Err(format!(
                "{} does not hold the {} license's text; left alone (check it by hand, or \
                 {})",
                tracked.path.to_str_lossy(),
                self.old,
                self.way_out
            ));
        }
        let mut changes = vec![Change {
            path: tracked.path.clone(),
            old: Some(content),
            new: None,
            executable: false,
        }];
        let new_path = BString::from(format!("LICENSES/{}.txt", self.new));
        if snapshot.entry(new_path.as_bstr()).is_none() {
            let mut text = new_text.to_owned();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            changes.push(Change {
                path: new_path,
                old: None,
                new: Some(text.into_bytes()),
                executable: false,
            });
        }
        Ok(changes)
    }
}

/// A license file's content; `None` when it is deleted in the work tree (the user's change,
/// left as it is).
fn read_license_file(snapshot: &Snapshot, tracked: &Tracked) -> Result<Option<Vec<u8>>, String> {
    match snapshot.read(tracked.path.as_bstr()) {
        Ok(content) => Ok(Some(content)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(format!(
            "cannot read {}: {err}",
            tracked.path.to_str_lossy()
        )),
    }
}
