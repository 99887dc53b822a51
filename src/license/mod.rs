//! License declarations: SPDX expressions and their rewriting, for `license-update`.

pub mod declarations;
pub mod expr;
pub mod ids;
pub mod manifests;
pub mod matching;
pub mod mentions;
pub mod text;
pub mod words;
