//! `watch`: the fleet followed live, through file notifications, as a full-screen view on a
//! terminal or one JSON line per change off it (see DESIGN.md, "watch").

pub mod engine;
pub mod event;
pub mod fetch;
pub mod jsonl;
pub mod view;
mod watches;
