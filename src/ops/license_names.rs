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

/// Whether `path` is a top-level `LICENSE-<NEW>` file.
pub fn names_new_license_file(path: &BStr, new: &str) -> bool {
    let Ok(path) = path.to_str() else {
        return false;
    };
    let upper = path.to_ascii_uppercase();
    let stem = upper.split('.').next().unwrap_or_default();
    !path.contains('/')
        && stem
            .strip_prefix("LICENSE-")
            .is_some_and(|suffix| names_license(suffix, new))
}

/// The name `LICENSE-<OLD>` takes for the new license, in the same style (`LICENSE-MIT` →
/// `LICENSE-APACHE`; `LICENSE-GPL-3.0-only` → `LICENSE-Apache-2.0`).
pub fn named_license_file(path: &BStr, old: &str, new: &str) -> BString {
    let path = path.to_str_lossy();
    let (stem, ext) = match path.find('.') {
        Some(at) if !path[..at].ends_with(|c: char| c.is_ascii_digit()) => path.split_at(at),
        _ => (path.as_ref(), ""),
    };
    let prefix_len = "LICENSE-".len();
    let suffix = &stem[prefix_len.min(stem.len())..];
    let short_style = suffix.eq_ignore_ascii_case(family(old)) && !suffix.contains('.');
    let name = if short_style && family(new) != new {
        family(new).to_ascii_uppercase()
    } else if short_style {
        new.to_ascii_uppercase()
    } else {
        new.to_owned()
    };
    BString::from(format!(
        "{}{name}{ext}",
        &stem[..prefix_len.min(stem.len())]
    ))
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
    }

    #[test]
    fn license_suffixes_name_ids_or_their_family() {
        assert!(names_license("APACHE", "Apache-2.0"));
        assert!(names_license("MIT", "MIT"));
        assert!(!names_license("MIT", "MIT-0"));
        assert!(!names_license("APACHE", "MIT"));
    }
}
