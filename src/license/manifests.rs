//! License fields of package manifests, edited in place so that formatting, key order and
//! comments survive: `Cargo.toml` (`package.license`, `workspace.package.license`; a
//! `license.workspace = true` is left alone), `pyproject.toml` (`project.license` as a string or
//! `{ text = … }`, `tool.poetry.license`) and `package.json` (the top-level `license`).

use toml_edit::{DocumentMut, Item, Value};

use super::expr::{self, ExprError};

/// A manifest whose license field cannot be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{file} is not valid: {reason}")]
    Invalid { file: String, reason: String },
    #[error(transparent)]
    Expression(#[from] ExprError),
}

/// The manifests this module knows, by file name.
pub fn is_manifest(file_name: &str) -> bool {
    matches!(
        file_name,
        "Cargo.toml" | "pyproject.toml" | "package.json" | "REUSE.toml"
    )
}

/// Rewrites `old` to `new` in the license field of the manifest `file_name` holding `text`.
/// `None` when the manifest declares no license or not `old`.
pub fn rewrite_manifest(
    file_name: &str,
    text: &str,
    old: &str,
    new: &str,
) -> Result<Option<String>, ManifestError> {
    match file_name {
        "Cargo.toml" => rewrite_toml(
            file_name,
            text,
            &[
                &["package", "license"],
                &["workspace", "package", "license"],
            ],
            old,
            new,
        ),
        "pyproject.toml" => rewrite_toml(
            file_name,
            text,
            &[
                &["project", "license"],
                &["project", "license", "text"],
                &["tool", "poetry", "license"],
            ],
            old,
            new,
        ),
        "package.json" => rewrite_package_json(text, old, new),
        "REUSE.toml" => rewrite_reuse_toml(text, old, new),
        _ => Ok(None),
    }
}

fn rewrite_toml(
    file: &str,
    text: &str,
    paths: &[&[&str]],
    old: &str,
    new: &str,
) -> Result<Option<String>, ManifestError> {
    let mut document: DocumentMut =
        text.parse()
            .map_err(|err: toml_edit::TomlError| ManifestError::Invalid {
                file: file.to_owned(),
                reason: err.message().to_owned(),
            })?;
    let mut changed = false;
    for path in paths {
        let Some(value) = value_at(document.as_item_mut(), path) else {
            continue;
        };
        let Some(current) = value.as_str() else {
            // `license.workspace = true` and the like: not an expression.
            continue;
        };
        if let Some(rewritten) = expr::rewrite(current, old, new)? {
            let decor = value.decor().clone();
            *value = Value::from(rewritten);
            *value.decor_mut() = decor;
            changed = true;
        }
    }
    Ok(changed.then(|| document.to_string()))
}

/// REUSE.toml: the `SPDX-License-Identifier` of every `[[annotations]]` table (a string, or an
/// array of strings), edited in place.
fn rewrite_reuse_toml(text: &str, old: &str, new: &str) -> Result<Option<String>, ManifestError> {
    const KEY: &str = "SPDX-License-Identifier";
    let mut document: DocumentMut =
        text.parse()
            .map_err(|err: toml_edit::TomlError| ManifestError::Invalid {
                file: "REUSE.toml".into(),
                reason: err.message().to_owned(),
            })?;
    let mut changed = false;
    let mut rewrite_value = |value: &mut Value| -> Result<(), ManifestError> {
        let mut one = |value: &mut Value| -> Result<(), ManifestError> {
            if let Some(current) = value.as_str() {
                if let Some(rewritten) = expr::rewrite(current, old, new)? {
                    let decor = value.decor().clone();
                    *value = Value::from(rewritten);
                    *value.decor_mut() = decor;
                    changed = true;
                }
            }
            Ok(())
        };
        match value {
            Value::Array(items) => items.iter_mut().try_for_each(&mut one),
            other => one(other),
        }
    };
    match document.get_mut("annotations") {
        Some(Item::ArrayOfTables(tables)) => {
            for table in tables.iter_mut() {
                if let Some(Item::Value(value)) = table.get_mut(KEY) {
                    rewrite_value(value)?;
                }
            }
        }
        Some(Item::Value(Value::Array(tables))) => {
            for table in tables.iter_mut() {
                if let Some(value) = table.as_inline_table_mut().and_then(|t| t.get_mut(KEY)) {
                    rewrite_value(value)?;
                }
            }
        }
        _ => {}
    }
    Ok(changed.then(|| document.to_string()))
}

/// `.reuse/dep5` (the Debian copyright format REUSE used before REUSE.toml): the expression of
/// each `License:` field, every other byte kept.
pub fn rewrite_dep5(text: &str, old: &str, new: &str) -> Result<Option<String>, ExprError> {
    let mut out = String::with_capacity(text.len() + 16);
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let Some(rest) = line.strip_prefix("License:") else {
            out.push_str(line);
            continue;
        };
        let body = rest.trim_end_matches(['\r', '\n']);
        let ending = &rest[body.len()..];
        let expression = body.trim();
        match expr::rewrite(expression, old, new)? {
            Some(rewritten) => {
                let lead = &body[..body.len() - body.trim_start().len()];
                out.push_str("License:");
                out.push_str(lead);
                out.push_str(&rewritten);
                out.push_str(&body[lead.len() + expression.len()..]);
                out.push_str(ending);
                changed = true;
            }
            None => out.push_str(line),
        }
    }
    Ok(changed.then_some(out))
}

fn value_at<'d>(item: &'d mut Item, path: &[&str]) -> Option<&'d mut Value> {
    let (last, parents) = path.split_last()?;
    // `as_table_like_mut` rather than indexing: an index inserts the keys it does not find.
    let mut item = item;
    for key in parents {
        item = item.as_table_like_mut()?.get_mut(key)?;
    }
    match item.as_table_like_mut()?.get_mut(last)? {
        Item::Value(value) => Some(value),
        _ => None,
    }
}

/// Rewrites the top-level `"license": "…"` of a package.json, touching nothing but the string.
fn rewrite_package_json(text: &str, old: &str, new: &str) -> Result<Option<String>, ManifestError> {
    let parsed: serde_json::Value =
        serde_json::from_str(text).map_err(|err| ManifestError::Invalid {
            file: "package.json".into(),
            reason: err.to_string(),
        })?;
    let Some(current) = parsed.get("license").and_then(serde_json::Value::as_str) else {
        return Ok(None);
    };
    let Some(rewritten) = expr::rewrite(current, old, new)? else {
        return Ok(None);
    };
    let Some(range) = top_level_string_value(text, "license") else {
        return Ok(None);
    };
    let encoded = serde_json::to_string(&rewritten).map_err(|err| ManifestError::Invalid {
        file: "package.json".into(),
        reason: err.to_string(),
    })?;
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..range.start]);
    out.push_str(&encoded);
    out.push_str(&text[range.end..]);
    Ok(Some(out))
}

/// The byte range (quotes included) of the string value of `key` in the top-level object.
fn top_level_string_value(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    let mut expecting_key = false;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => {
                depth += 1;
                expecting_key = bytes[i] == b'{' && depth == 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b',' => {
                expecting_key = depth == 1;
                i += 1;
            }
            b'"' => {
                let end = string_end(bytes, i)?;
                if depth == 1 && expecting_key {
                    expecting_key = false;
                    let name: String = serde_json::from_str(&text[i..end]).ok()?;
                    if name == key {
                        let mut j = end;
                        while j < bytes.len()
                            && (bytes[j].is_ascii_whitespace() || bytes[j] == b':')
                        {
                            j += 1;
                        }
                        if bytes.get(j) == Some(&b'"') {
                            return Some(j..string_end(bytes, j)?);
                        }
                        return None;
                    }
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    None
}

/// The index just past the string literal that starts at `start` (a `"`).
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuse_toml_annotations_are_rewritten_in_place() {
        let text = "version = 1\n\n# vendored\n[[annotations]]\npath = \"vendor/**\"\n\
                    SPDX-License-Identifier = \"MIT OR Apache-2.0\"  # theirs\n\n\
                    [[annotations]]\npath = \"docs/**\"\nSPDX-License-Identifier = [\"MIT\", \"CC0-1.0\"]\n";
        let out = rewrite_manifest("REUSE.toml", text, "MIT", "ISC")
            .expect("valid")
            .expect("changed");
        assert_eq!(
            out,
            text.replace("\"MIT OR", "\"ISC OR")
                .replace("[\"MIT\"", "[\"ISC\"")
        );
        assert_eq!(
            rewrite_manifest("REUSE.toml", text, "GPL-2.0-only", "ISC").expect("ok"),
            None
        );
    }

    #[test]
    fn dep5_license_fields_are_rewritten() {
        let text = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n\
                    Files: src/*\r\nCopyright: 2024 Jane\r\nLicense:  MIT OR Apache-2.0\r\n\
                    Files: vendor/*\nLicense: MIT-0\n";
        let out = rewrite_dep5(text, "MIT", "ISC")
            .expect("valid")
            .expect("changed");
        assert_eq!(out, text.replace("License:  MIT OR", "License:  ISC OR"));
    }

    fn rw(file: &str, text: &str) -> Option<String> {
        rewrite_manifest(file, text, "MIT", "Apache-2.0").expect("valid")
    }

    #[test]
    fn cargo_toml_keeps_comments_and_key_order() {
        let text = "# the crate\n[package]\nversion = \"1.0.0\"   # bumped by hand\n\
                    license = \"MIT OR Zlib\" # see LICENSE\nname = \"odd-order\"\n";
        assert_eq!(
            rw("Cargo.toml", text).as_deref(),
            Some(
                "# the crate\n[package]\nversion = \"1.0.0\"   # bumped by hand\n\
                 license = \"Apache-2.0 OR Zlib\" # see LICENSE\nname = \"odd-order\"\n"
            )
        );
    }

    #[test]
    fn workspace_inheritance_is_left_alone_and_the_workspace_field_is_rewritten() {
        let member = "[package]\nname = \"m\"\nlicense.workspace = true\n";
        assert_eq!(rw("Cargo.toml", member), None);
        let root = "[workspace]\nmembers = [\"m\"]\n\n[workspace.package]\nlicense = \"MIT\"\n";
        assert_eq!(
            rw("Cargo.toml", root).as_deref(),
            Some(
                "[workspace]\nmembers = [\"m\"]\n\n[workspace.package]\nlicense = \"Apache-2.0\"\n"
            )
        );
    }

    #[test]
    fn pyproject_string_table_and_poetry_forms() {
        assert_eq!(
            rw(
                "pyproject.toml",
                "[project]\nname = \"p\"\nlicense = \"MIT\"\n"
            )
            .as_deref(),
            Some("[project]\nname = \"p\"\nlicense = \"Apache-2.0\"\n")
        );
        assert_eq!(
            rw(
                "pyproject.toml",
                "[project]\nlicense = { text = \"MIT\" }\n"
            )
            .as_deref(),
            Some("[project]\nlicense = { text = \"Apache-2.0\" }\n")
        );
        assert_eq!(
            rw("pyproject.toml", "[tool.poetry]\nlicense = \"MIT\"\n").as_deref(),
            Some("[tool.poetry]\nlicense = \"Apache-2.0\"\n")
        );
    }

    #[test]
    fn package_json_keeps_its_odd_indentation() {
        let text = "{\n   \"name\":\"x\",\n\t\"dependencies\" : { \"license\": \"MIT\" },\n      \"license\" :  \"MIT\"\n}\n";
        assert_eq!(
            rw("package.json", text).as_deref(),
            Some(
                "{\n   \"name\":\"x\",\n\t\"dependencies\" : { \"license\": \"MIT\" },\n      \"license\" :  \"Apache-2.0\"\n}\n"
            )
        );
        assert_eq!(rw("package.json", "{\"license\": \"MIT-0\"}"), None);
        assert_eq!(rw("package.json", "{\"name\": \"x\"}"), None);
    }

    #[test]
    fn broken_manifests_are_reported() {
        assert!(rewrite_manifest("Cargo.toml", "[package\n", "MIT", "ISC").is_err());
        assert!(rewrite_manifest("package.json", "{", "MIT", "ISC").is_err());
    }
}
