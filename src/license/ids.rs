//! License ids as the user types them: the SPDX list matches ids case-insensitively, so
//! `--old mit` means `MIT` and `--new apache-2.0` means `Apache-2.0`; an id the list does not
//! have gets a "did you mean" when one is close.

/// The SPDX list's spelling of `id` (`mit` → `MIT`, `gpl-3.0+` → `GPL-3.0+`), or `id` itself
/// when the list does not have it (a `LicenseRef-…`, an id outside the list).
pub fn canonical(id: &str) -> String {
    let (bare, plus) = match id.strip_suffix('+') {
        Some(bare) => (bare, "+"),
        None => (id, ""),
    };
    if bare.starts_with("LicenseRef-") || spdx::license_id(bare).is_some() {
        return id.to_owned();
    }
    spdx::identifiers::LICENSES
        .iter()
        .find(|license| license.name.eq_ignore_ascii_case(bare))
        .map_or_else(
            || id.to_owned(),
            |license| format!("{}{plus}", license.name),
        )
}

/// A listed id that `id`, which the list does not have, may have meant: the same letters and
/// digits (`apache2.0` → `Apache-2.0`), or a common name (`Apache 2` → `Apache-2.0`).
pub fn suggestion(id: &str) -> Option<&'static str> {
    let key = |text: &str| -> String {
        text.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let wanted = key(id);
    if wanted.is_empty() {
        return None;
    }
    let same_letters = spdx::identifiers::LICENSES
        .iter()
        .find(|license| key(license.name) == wanted)
        .map(|license| license.name);
    let by_prefix = || {
        spdx::identifiers::LICENSES
            .iter()
            .filter(|license| key(license.name).starts_with(&wanted))
            .map(|license| license.name)
            .find(|name| spdx::license_id(name).is_some_and(|found| !found.is_deprecated()))
    };
    let imprecise = || spdx::imprecise_license_id(id).map(|(license, _)| license.name);
    // `bsd-3` says which version it means: the ids that start so first.
    let versioned = wanted.contains(|c: char| c.is_ascii_digit());
    let close = if versioned {
        by_prefix().or_else(imprecise)
    } else {
        imprecise().or_else(by_prefix)
    };
    same_letters.or(close).filter(|name| *name != id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_spelled_as_the_list_spells_them() {
        assert_eq!(canonical("mit"), "MIT");
        assert_eq!(canonical("apache-2.0"), "Apache-2.0");
        assert_eq!(canonical("gpl-3.0-or-later"), "GPL-3.0-or-later");
        assert_eq!(canonical("gpl-2.0+"), "GPL-2.0+");
        assert_eq!(canonical("MIT"), "MIT");
        assert_eq!(canonical("LicenseRef-mine"), "LicenseRef-mine");
        assert_eq!(canonical("not-a-license"), "not-a-license");
    }

    #[test]
    fn close_ids_are_suggested() {
        assert_eq!(suggestion("apache2.0"), Some("Apache-2.0"));
        assert_eq!(suggestion("apache"), Some("Apache-2.0"));
        assert_eq!(suggestion("bsd-3"), Some("BSD-3-Clause"));
        assert_eq!(suggestion("zzzz"), None);
    }
}
