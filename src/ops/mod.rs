//! One module per command, each a plain function from a repository (and options) to a report.

pub mod change;
pub mod clone;
pub mod content;
pub mod edit;
pub mod exec;
pub mod files;
pub mod guard;
pub mod license;
pub mod license_names;
pub mod pr;
pub mod prs;
pub mod replace;
pub mod safety;
pub mod status;
pub mod sync;
pub mod undo;
