//! Paths and globs inside a repository, as the user writes them (`--pattern`, `--to`,
//! `-w has=PATH`, `[[policy.files]] path`), and globs over repository names (`-t`): the one rule
//! that keeps a path inside the repository and the one way a glob is built. A leaf: it names no
//! other module.

use gix::bstr::BString;

/// `text` as a path inside a repository, with `/`: relative, no `..`, no component that names a
/// `.git` folder however spelled. `.` and empty components are dropped, as git drops them from
/// a pathspec (`./docs//x.md` is `docs/x.md`); a trailing `/` too.
pub fn confined(text: &str) -> Result<BString, String> {
    if text.is_empty() {
        return Err("is empty".into());
    }
    if text.starts_with('/') || std::path::Path::new(text).is_absolute() {
        return Err("must be relative to each repository, not absolute".into());
    }
    let parts: Vec<&str> = text
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    if parts.contains(&"..") {
        return Err("may not contain `..`: it must stay inside the repository".into());
    }
    if let Some(part) = parts.iter().find(|part| names_git_dir(part)) {
        return Err(format!(
            "`{part}` is a repository's `.git` folder, which is git's, not the repository's \
             files: name a path outside it"
        ));
    }
    if parts.is_empty() {
        return Err("names no file".into());
    }
    Ok(BString::from(parts.join("/")))
}

/// Whether `text` is a glob rather than a plain path: it holds `*`, `?`, `[` or `{`.
pub fn is_glob(text: &str) -> bool {
    text.contains(['*', '?', '[', '{'])
}

/// The matcher for `glob`: `*` and `?` do not cross `/` (`**` does), `{a,b}` alternates, and a
/// backslash escapes the character after it.
pub fn glob(glob: &str) -> Result<globset::GlobMatcher, globset::Error> {
    globset::GlobBuilder::new(glob)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map(|glob| glob.compile_matcher())
}

/// Whether a path component names a `.git` folder on some file system git supports, as git's
/// own `verify_path` sees it: in any case (`.GIT`), with the trailing dots and spaces or the
/// `:stream` suffix that NTFS ignores (`.git.`, `.git::$INDEX_ALLOCATION`), as its 8.3 short
/// name (`git~1`), or with the invisible code points that HFS+ ignores inside it. A backslash
/// separates folders on Windows, so each of its pieces counts too (`a\.git\hooks`).
pub fn names_git_dir(part: &str) -> bool {
    part.split('\\').any(names_git_dir_alone)
}

fn names_git_dir_alone(part: &str) -> bool {
    let visible: String = part
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{200c}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{206a}'..='\u{206f}' | '\u{feff}'
            )
        })
        .collect();
    let name = visible.split(':').next().unwrap_or_default();
    let name = name.trim_end_matches([' ', '.']);
    name.eq_ignore_ascii_case(".git") || name.eq_ignore_ascii_case("git~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_repository() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/..",
            ".",
            "./",
            ".git/config",
            "sub/.git/hooks/pre-commit",
            "sub/.GIT/hooks/pre-commit",
            "a/.Git",
            ".git./config",
            ".git /config",
            "x/git~1/hooks/pre-commit",
            ".git::$INDEX_ALLOCATION/config",
            "a/.g\u{200c}it/config",
            "sub\\.git\\hooks\\pre-commit",
        ] {
            assert!(confined(bad).is_err(), "{bad:?} should be refused");
        }
        for (given, plain) in [
            (".gitignore", ".gitignore"),
            (".github/x", ".github/x"),
            ("a/.gitmodules", "a/.gitmodules"),
            ("git", "git"),
            ("a/.git2", "a/.git2"),
            ("./docs/guide.md", "docs/guide.md"),
            ("a//b/./c/", "a/b/c"),
        ] {
            assert_eq!(confined(given), Ok(BString::from(plain)), "{given:?}");
        }
    }

    #[test]
    fn a_glob_star_stays_in_its_folder() {
        let matcher = glob(".github/workflows/*.yml").expect("a glob");
        assert!(matcher.is_match(".github/workflows/ci.yml"));
        assert!(!matcher.is_match(".github/workflows/old/ci.yml"));
        assert!(!matcher.is_match("x/.github/workflows/ci.yml"));
        assert!(glob("**/*.yml").expect("a glob").is_match("a/b/c.yml"));
        assert!(glob("a/\\*").expect("a glob").is_match("a/*"));
        assert!(glob("a/[").is_err());
        assert!(is_glob("{ci,test}.yml") && !is_glob("ci.yml"));
    }
}
