//! One module per command, each a plain function from a repository (and options) to a report.

pub mod exec;
pub mod status;
pub mod sync;
pub mod undo;
