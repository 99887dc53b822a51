//! The names of license files: `LICENSE-MIT` names MIT, and becomes `LICENSE-APACHE` when the
//! project moves to Apache-2.0, in the same style; and the line endings a replaced file keeps.

use gix::bstr::{BStr, BString, ByteSlice};

/// `text` with CRLF line endings when the file it replaces used them.
pub fn keep_line_endings(old: &[u8], text: String) -> String {
    if old.find(b"\r\n").is_some() {
        text.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        text
    }
}

/// The short name a `LICENSE-<NAME>` file uses for `id`: the id itself, or its family without
/// the version (`APACHE` for `Apache-2.0`, as Rust projects name theirs).
fn family(id: &str) -> &str {
    match id.split_once('-') {
        Some((family, rest))
            if rest.starts_with(|c: char| c.is_ascii_digit())
                && rest
                    .split('-')
                    .next()
                    .is_some_and(|version| version.contains('.')) =>
        {
            family
        }
        _ => id,
    }
}

/// Whether the upper-cased `suffix` of a `LICENSE-<SUFFIX>` file names the license `id`.
pub fn names_license(suffix: &str, id: &str) -> bool {
    suffix.eq_ignore_ascii_case(id) || suffix.eq_ignore_ascii_case(family(id))
}

/// `name` without the extension a license file may have (`.md`, `.txt`, `.rst`, `.markdown`).
pub fn license_stem(name: &str) -> &str {
    ["md", "txt", "rst", "markdown"]
        .iter()
        .find_map(|ext| {
            name.len()
                .checked_sub(ext.len() + 1)
                .filter(|at| {
                    name.is_char_boundary(*at)
                        && name[*at..].eq_ignore_ascii_case(&format!(".{ext}"))
                })
                .map(|at| &name[..at])
        })
        .unwrap_or(name)
}

/// The license name in the stem of a named license file: `MIT` in `LICENSE-MIT` (as Rust
/// projects write it) and in `MIT-LICENSE` (as Ruby gems do), `LICENCE` spelt either way.
pub fn named_part(stem: &str) -> Option<&str> {
    let upper = stem.to_ascii_uppercase();
    if upper.starts_with("LICENSE-") || upper.starts_with("LICENCE-") {
        return Some(&stem["LICENSE-".len()..]);
    }
    if upper.ends_with("-LICENSE") || upper.ends_with("-LICENCE") {
        return Some(&stem[..stem.len() - "-LICENSE".len()]);
    }
    None
}

/// Whether `path` is a top-level `LICENSE-<NEW>` (or `<NEW>-LICENSE`) file.
pub fn names_new_license_file(path: &BStr, new: &str) -> bool {
    let Ok(path) = path.to_str() else {
        return false;
    };
    if path.contains('/') {
        return false;
    }
    let upper = path.to_ascii_uppercase();
    let stem = upper.split('.').next().unwrap_or_default();
    named_part(stem)
        .or_else(|| named_part(license_stem(&upper)))
        .is_some_and(|suffix| names_license(suffix, new))
}

/// The name `LICENSE-<OLD>` (or `<OLD>-LICENSE`) takes for the new license, in the same style
/// (`LICENSE-MIT` → `LICENSE-APACHE`; `MIT-LICENSE` → `APACHE-LICENSE`;
/// `LICENSE-GPL-3.0-only` → `LICENSE-Apache-2.0`).
pub fn named_license_file(path: &BStr, old: &str, new: &str) -> BString {
    let path = path.to_str_lossy();
    let upper = path.to_ascii_uppercase();
    if !upper.starts_with("LICENSE-") && !upper.starts_with("LICENCE-") {
        let stem = license_stem(&path);
        if let Some(written) = named_part(stem) {
            // `MIT-LICENSE.txt`: the name, then `-LICENSE` and the extension as they were.
            return BString::from(format!(
                "{}{}",
                styled(written, old, new),
                &path[written.len()..]
            ));
        }
    }
    let (stem, ext) = match path.find('.') {
        Some(at) if !path[..at].ends_with(|c: char| c.is_ascii_digit()) => path.split_at(at),
        _ => (path.as_ref(), ""),
    };
    let prefix_len = "LICENSE-".len();
    let suffix = &stem[prefix_len.min(stem.len())..];
    BString::from(format!(
        "{}{}{ext}",
        &stem[..prefix_len.min(stem.len())],
        styled(suffix, old, new)
    ))
}

/// The new license's name, written as `written` wrote the old one: its upper-cased family when
/// the old was written so (`MIT`, `APACHE`), else the new id.
fn styled(written: &str, old: &str, new: &str) -> String {
    let short_style = written.eq_ignore_ascii_case(family(old)) && !written.contains('.');
    if short_style && family(new) != new {
        family(new).to_ascii_uppercase()
    } else if short_style {
        new.to_ascii_uppercase()
    } else {
        new.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_license_files_keep_their_style() {
        let rename = |path: &str, old, new| named_license_file(path.into(), old, new).to_string();
        assert_eq!(rename("LICENSE-MIT", "MIT", "Apache-2.0"), "LICENSE-APACHE");
        assert_eq!(rename("LICENSE-APACHE", "Apache-2.0", "MIT"), "LICENSE-MIT");
        assert_eq!(rename("LICENSE-MIT.md", "MIT", "ISC"), "LICENSE-ISC.md");
        assert_eq!(
            rename("LICENSE-GPL-3.0-only", "GPL-3.0-only", "Apache-2.0"),
            "LICENSE-Apache-2.0"
        );
        assert_eq!(rename("MIT-LICENSE", "MIT", "Apache-2.0"), "APACHE-LICENSE");
        assert_eq!(rename("MIT-LICENSE.txt", "MIT", "ISC"), "ISC-LICENSE.txt");
        assert_eq!(
            rename("GPL-3.0-LICENSE", "GPL-3.0", "Apache-2.0"),
            "Apache-2.0-LICENSE"
        );
    }

    #[test]
    fn named_license_files_name_the_license_before_or_after() {
        assert_eq!(named_part("LICENSE-MIT"), Some("MIT"));
        assert_eq!(named_part("MIT-LICENSE"), Some("MIT"));
        assert_eq!(named_part("mit-licence"), Some("mit"));
        assert_eq!(named_part("LICENSE"), None);
        assert!(names_new_license_file(
            "APACHE-LICENSE".into(),
            "Apache-2.0"
        ));
        assert!(names_new_license_file(
            "Apache-2.0-LICENSE.txt".into(),
            "Apache-2.0"
        ));
        assert!(!names_new_license_file("docs/MIT-LICENSE".into(), "MIT"));
    }

    #[test]
    fn license_suffixes_name_ids_or_their_family() {
        assert!(names_license("APACHE", "Apache-2.0"));
        assert!(names_license("MIT", "MIT"));
        assert!(!names_license("MIT", "MIT-0"));
        assert!(!names_license("APACHE", "MIT"));
    }
}
