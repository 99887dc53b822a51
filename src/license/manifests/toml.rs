//! TOML manifests (`Cargo.toml`, `pyproject.toml`, `REUSE.toml`): the license values are found
//! through toml_edit's spans in the parsed, unmodified document, and only their bytes change.

use toml_edit::{Document, Item, Value};

use super::{Edits, Manifest, classifiers, unquoted};
use crate::license::expr;

/// Finds and rewrites the license values of the TOML manifest `kind`. `Err` is the reason the
/// document (or an expression in an SPDX-valued field) is not valid.
pub(super) fn edit(
    kind: Manifest,
    text: &str,
    old: &str,
    new: &str,
    edits: &mut Edits<'_>,
) -> Result<(), String> {
    let document = Document::parse(text).map_err(|err| err.message().to_owned())?;
    let root = document.as_item();
    let strict = |edits: &mut Edits<'_>, value: Option<&Value>| -> Result<(), String> {
        let Some(range) = value.and_then(|value| string_range(text, value)) else {
            return Ok(());
        };
        match edits.expression(range.clone(), old, new) {
            Ok(()) => Ok(()),
            Err(err) if kind == Manifest::Cargo => {
                cargo_slashes(edits, range, old, new).ok_or_else(|| err.to_string())
            }
            Err(err) => Err(err.to_string()),
        }
    };
    match kind {
        Manifest::Cargo => {
            strict(edits, value_at(root, &["package", "license"]))?;
            strict(edits, value_at(root, &["workspace", "package", "license"]))?;
        }
        Manifest::Pyproject => {
            // PEP 639's `license = "MIT"` and poetry's field are SPDX expressions; PEP 621's
            // `license = { text = … }` is free text, which may be prose.
            strict(edits, value_at(root, &["project", "license"]))?;
            strict(edits, value_at(root, &["tool", "poetry", "license"]))?;
            if let Some(range) = value_at(root, &["project", "license", "text"])
                .and_then(|value| string_range(text, value))
            {
                edits.expression_or_prose(range, old, new);
            }
            let mut classifier_ranges = Vec::new();
            for path in [
                &["project", "classifiers"][..],
                &["tool", "poetry", "classifiers"],
            ] {
                if let Some(Value::Array(items)) = value_at(root, path) {
                    classifier_ranges.extend(items.iter().filter_map(|v| string_range(text, v)));
                }
            }
            classifiers::edit(&classifier_ranges, old, new, edits);
        }
        Manifest::ReuseToml => {
            const KEY: &str = "SPDX-License-Identifier";
            let mut values: Vec<&Value> = Vec::new();
            match root.get("annotations") {
                Some(Item::ArrayOfTables(tables)) => {
                    values.extend(tables.iter().filter_map(|t| t.get(KEY)?.as_value()));
                }
                Some(Item::Value(Value::Array(tables))) => {
                    values.extend(tables.iter().filter_map(|t| t.as_inline_table()?.get(KEY)))
                }
                _ => {}
            }
            for value in values {
                match value {
                    Value::Array(items) => {
                        for item in items {
                            strict(edits, Some(item))?;
                        }
                    }
                    other => strict(edits, Some(other))?,
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Cargo's deprecated `license = "Unlicense/MIT"`, which crates.io reads as `Unlicense OR MIT`
/// (walkdir and ripgrep's crates still carry it): the ids are rewritten and the slashes kept,
/// unless the rewrite names one license twice, which then gives the SPDX expression. `None`
/// when the value is not that form either.
fn cargo_slashes(
    edits: &mut Edits<'_>,
    range: std::ops::Range<usize>,
    old: &str,
    new: &str,
) -> Option<()> {
    let value = &edits.text[range.clone()];
    let parts: Vec<&str> = value.split('/').map(str::trim).collect();
    if parts.len() < 2
        || parts
            .iter()
            .any(|part| part.is_empty() || part.contains(' '))
    {
        return None;
    }
    let as_spdx = parts.join(" OR ");
    let rewritten = expr::rewrite(&as_spdx, old, new).ok()?;
    if let Some(rewritten) = rewritten {
        let ids: Vec<&str> = rewritten.split(" OR ").collect();
        let kept = if ids.len() == parts.len() && !rewritten.contains('(') {
            ids.join("/")
        } else {
            rewritten
        };
        edits.replace(range, kept);
    }
    Some(())
}

/// The byte range of a string value's content in the document (quotes excluded).
fn string_range(text: &str, value: &Value) -> Option<std::ops::Range<usize>> {
    if !value.is_str() {
        return None;
    }
    let span = value.span()?;
    unquoted(text.get(span.clone())?, span.start)
}

fn value_at<'d>(item: &'d Item, path: &[&str]) -> Option<&'d Value> {
    // `as_table_like` walks tables, dotted keys and inline tables alike.
    let mut item = item;
    for key in path {
        item = item.as_table_like()?.get(key)?;
    }
    item.as_value()
}
