//! Integration tests: the real `git-batch` binary on fleets of real repositories with real bare
//! remotes, built in a sealed git environment. One test binary (compiled once), a module per area.

mod action;
mod check_fixes;
mod cleanup;
mod clone;
mod concurrency;
mod config;
mod exec;
mod fixture;
mod fleet_advice;
mod hooks;
mod interrupt;
mod journal_writes;
mod license;
mod license_corpus;
mod license_manifests;
mod license_options;
mod network;
mod observe;
mod output;
mod output_writes;
mod replace;
mod replace_words;
mod runs_prune;
mod safety;
mod signals;
mod status;
mod sync;
mod targets;
mod terminal;
mod undo;
mod undo_safety;
mod write_errors;
