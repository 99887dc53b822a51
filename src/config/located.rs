//! Where in `.git-batch.toml` a problem is: `FILE:LINE:COL`, the key's dotted path
//! (`groups.web`, `policy.files[0].template`) and what was expected, so that a user goes straight
//! to the line instead of reading serde's words about a type.

use std::ops::Range;
use std::path::Path;

use toml_edit::{Item, TableLike, Value};

use super::ConfigError;

/// The error of a file that does not parse or does not fit [`super::Config`].
pub(super) fn parse_error(path: &Path, text: &str, err: &toml::de::Error) -> ConfigError {
    let message = in_toml_words(err.message());
    let Some(span) = err.span() else {
        return ConfigError::Invalid {
            path: path.to_owned(),
            message,
        };
    };
    let message = match key_at(text, &span) {
        Some(key) => format!("{key}: {message}"),
        None => message,
    };
    let (line, column) = line_column(text, span.start);
    ConfigError::At {
        path: path.to_owned(),
        line,
        column,
        message,
    }
}

/// `message` about the key `dotted` (written as [`key_at`] writes it), at that key's line when
/// the file has it.
pub(super) fn at_key(path: &Path, text: &str, dotted: &str, message: String) -> ConfigError {
    let found = entries(text)
        .into_iter()
        .find(|(key, _)| key == dotted)
        .map(|(_, span)| span);
    match found {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            ConfigError::At {
                path: path.to_owned(),
                line,
                column,
                message,
            }
        }
        None => ConfigError::Invalid {
            path: path.to_owned(),
            message,
        },
    }
}

/// serde speaks of sequences, maps and Rust's integer types; a TOML file has arrays, tables and
/// numbers.
fn in_toml_words(message: &str) -> String {
    let mut message = message
        .trim_end()
        .replace("a sequence", "an array")
        .replace("a map", "a table")
        .replace("struct ", "table ");
    for (rust, toml) in [
        ("u16", "a whole number from 0 to 65535"),
        ("u64", "a whole number, 0 or more"),
        ("usize", "a whole number, 0 or more"),
    ] {
        message = message.replace(&format!("expected {rust}"), &format!("expected {toml}"));
    }
    message
}

/// The dotted path of the narrowest key or value whose text holds `span`.
fn key_at(text: &str, span: &Range<usize>) -> Option<String> {
    entries(text)
        .into_iter()
        .filter(|(_, at)| at.start <= span.start && span.start < at.end.max(at.start + 1))
        // The narrowest, and of two alike (an array of tables and its entry) the deeper.
        .min_by_key(|(key, at)| (at.end - at.start, std::cmp::Reverse(key.len())))
        .map(|(key, _)| key)
}

/// Every key, value and table header of the file with its dotted path and byte range (a key's
/// name and its value are two entries of the same path). Nothing for a file that does not parse.
fn entries(text: &str) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    if let Ok(document) = toml_edit::Document::parse(text) {
        walk_table(document.as_table(), "", &mut out);
    }
    out
}

fn walk_table(table: &dyn TableLike, prefix: &str, out: &mut Vec<(String, Range<usize>)>) {
    for (name, item) in table.iter() {
        let path = if prefix.is_empty() {
            written(name)
        } else {
            format!("{prefix}.{}", written(name))
        };
        if let Some(span) = table.key(name).and_then(toml_edit::Key::span) {
            out.push((path.clone(), span));
        }
        walk_item(item, &path, out);
    }
}

fn walk_item(item: &Item, path: &str, out: &mut Vec<(String, Range<usize>)>) {
    if let Some(span) = item.span() {
        out.push((path.to_owned(), span));
    }
    match item {
        Item::Table(table) => walk_table(table, path, out),
        Item::ArrayOfTables(tables) => {
            for (index, table) in tables.iter().enumerate() {
                let path = format!("{path}[{index}]");
                if let Some(span) = table.span() {
                    out.push((path.clone(), span));
                }
                walk_table(table, &path, out);
            }
        }
        Item::Value(value) => walk_value(value, path, out),
        Item::None => {}
    }
}

fn walk_value(value: &Value, path: &str, out: &mut Vec<(String, Range<usize>)>) {
    match value {
        Value::Array(array) => {
            for (index, element) in array.iter().enumerate() {
                let path = format!("{path}[{index}]");
                if let Some(span) = element.span() {
                    out.push((path.clone(), span));
                }
                walk_value(element, &path, out);
            }
        }
        Value::InlineTable(table) => walk_table(table, path, out),
        _ => {}
    }
}

/// A key as it would be written in the file: bare when it can be, quoted otherwise.
fn written(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

/// 1-based line and column (in characters) of the byte `offset` of `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
    let line = before.matches('\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_type_names_the_file_line_column_and_key() {
        let text = "[groups]\nweb = [\"site\"]\nbogus_key = 3\n";
        let err = toml::from_str::<super::super::Config>(text).expect_err("wrong type");
        let said = parse_error(Path::new("/f/.git-batch.toml"), text, &err).to_string();
        assert_eq!(
            said,
            "/f/.git-batch.toml:3:13: groups.bogus_key: invalid type: integer `3`, expected an \
             array"
        );
    }

    #[test]
    fn elements_and_tables_of_arrays_have_an_index() {
        let text = "[defaults]\nexclude = [\"a\", 4]\n";
        let err = toml::from_str::<super::super::Config>(text).expect_err("wrong element");
        let said = parse_error(Path::new("c.toml"), text, &err).to_string();
        assert!(
            said.starts_with("c.toml:2:17: defaults.exclude[1]: "),
            "{said}"
        );
        let text = "[[policy.files]]\npath = \"a\"\ntemplate = \"t\"\n\
                    [[policy.files]]\npath = \"b\"\ntemplate = 5\n";
        let err = toml::from_str::<super::super::Config>(text).expect_err("wrong element");
        let said = parse_error(Path::new("c.toml"), text, &err).to_string();
        assert!(
            said.starts_with("c.toml:6:12: policy.files[1].template: "),
            "{said}"
        );
    }

    #[test]
    fn columns_count_characters_and_odd_keys_are_quoted() {
        assert_eq!(line_column("é = 1\nx", 7), (2, 1));
        assert_eq!(line_column("\"é\" = x", 7), (1, 7));
        assert_eq!(written("web"), "web");
        assert_eq!(written("api-*"), "\"api-*\"");
    }
}
