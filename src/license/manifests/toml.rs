//! TOML manifests (`Cargo.toml`, `pyproject.toml`, `REUSE.toml`): the license values are found
//! through toml_edit's spans in the parsed, unmodified document, and only their bytes change.

use toml_edit::{Document, Item, Value};

use super::{Edits, Manifest, classifiers, unquoted};

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
        match value.and_then(|value| string_range(text, value)) {
            Some(range) => edits
                .expression(range, old, new)
                .map_err(|err| err.to_string()),
            None => Ok(()),
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
