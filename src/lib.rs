//! git-batch runs one git operation over many sibling repositories at once, on a pool of worker
//! threads, and reports per repository and in total.
//!
//! The binary is a thin shell around [`run_from_args`]; every operation is a plain function in
//! [`ops`] that can be called, and tested, without the command line.

pub mod cli;
pub mod commands;
pub mod config;
pub mod engine;
pub mod error;
pub mod escape;
pub mod exit;
pub mod fixes;
pub mod forge;
pub mod git;
pub mod hosts;
pub mod journal;
pub mod license;
pub mod ops;
pub mod outcome;
pub mod planned;
pub mod pool;
pub mod process;
pub mod repo_lock;
pub mod repo_path;
pub mod report;
pub mod settings;
pub mod targets;
pub mod watch;
pub mod words;

mod app;

pub use app::run_from_args;
