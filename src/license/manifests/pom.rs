//! Maven's `pom.xml`: the `<name>` of each `<license>` in `<licenses>`. Maven suggests an SPDX
//! id there; many poms hold prose ("The Apache Software License, Version 2.0"), which is a
//! mention, left alone.

use super::Edits;
use crate::license::expr::ExprError;

pub(super) fn edit(
    text: &str,
    old: &str,
    new: &str,
    edits: &mut Edits<'_>,
) -> Result<(), ExprError> {
    let mut from = 0;
    while let Some(open) = text[from..].find("<licenses>").map(|at| from + at) {
        let end = text[open..]
            .find("</licenses>")
            .map_or(text.len(), |at| open + at);
        let block = &text[open..end];
        let mut at = 0;
        while let Some(name) = block[at..].find("<name>").map(|i| at + i + "<name>".len()) {
            let Some(close) = block[name..].find("</name>").map(|i| name + i) else {
                break;
            };
            let value = &block[name..close];
            let lead = value.len() - value.trim_start().len();
            let range = open + name + lead..open + name + value.trim_end().len();
            if !range.is_empty() && !value.contains('<') {
                edits.expression_or_prose(range, old, new);
            }
            at = close;
        }
        from = end;
    }
    Ok(())
}
