//! The commands that run over repositories and write: each prepares its work items (a
//! repository with its plan, its source or its record), takes the run guard (root lock, journal
//! record, progress log, finish) and hands the items to the engine. The work on one repository
//! is in `ops`; what is printed is in `report`.

mod clone;
mod clone_org;
mod edit;
mod past_run;
mod pr_open;
mod prs;
mod prune;
mod sync;
mod undo;

pub use clone::clone;
pub use clone_org::clone_org;
pub use edit::edit;
pub use prs::{PrsRequest, prs};
pub use prune::prune;
pub use sync::sync;
pub use undo::{UndoRequest, undo};
