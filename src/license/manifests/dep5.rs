//! `.reuse/dep5` (the Debian copyright format REUSE used before REUSE.toml): the expression of
//! each `License:` field is rewritten, every other byte kept.

use crate::license::expr::{self, ExprError};

/// Rewrites `old` to `new` in every `License:` field of `text`; `None` when nothing changes.
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
