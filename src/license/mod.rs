//! License declarations: SPDX expressions and their rewriting, for `license-update`.

pub mod expr;
