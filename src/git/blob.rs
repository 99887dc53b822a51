//! What git would store for a work-tree file, computed in process: the clean, normalised blob
//! (`core.autocrlf`, the `text`/`eol` attributes, `ident`, `working-tree-encoding`), without
//! running a program. Where a configured filter driver applies, only that program could say,
//! and it is not run: the answer is that it cannot be told.

use gix::bstr::{BStr, BString, ByteSlice};
use std::io::Read;

use crate::git::read::removed_filter_drivers;

/// Computes what git would store, for one repository opened with [`crate::git::open`].
pub struct Stored<'repo> {
    pipeline: gix::filter::Pipeline<'repo>,
    index: gix::worktree::IndexPersistedOrInMemory,
    attributes: gix::AttributeStack<'repo>,
    drivers: Vec<BString>,
    hash: gix::hash::Kind,
}

impl std::fmt::Debug for Stored<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stored")
            .field("drivers", &self.drivers)
            .finish_non_exhaustive()
    }
}

/// Why what git would store cannot be told without running a program.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unknown {
    /// The path's `filter` attribute names a configured driver, which is not run.
    #[error("its `{0}` filter driver decides what git stores, and it is not run")]
    Driver(String),
    #[error("{0}")]
    Failed(String),
}

impl<'repo> Stored<'repo> {
    /// Prepares the conversions of `repo` (its index and attributes, read once).
    pub fn new(repo: &'repo gix::Repository) -> Result<Stored<'repo>, Unknown> {
        let failed = |err: gix::Error| Unknown::Failed(format!("cannot read attributes: {err}"));
        let (pipeline, index) = repo.filter_pipeline(None).map_err(failed)?;
        let attributes = repo
            .attributes_only(
                &index,
                gix::worktree::stack::state::attributes::Source::WorktreeThenIdMapping,
            )
            .map_err(failed)?;
        Ok(Stored {
            pipeline,
            index,
            attributes,
            drivers: removed_filter_drivers(repo),
            hash: repo.object_hash(),
        })
    }

    /// The bytes git would store for `content` at `path` (relative, with `/`).
    pub fn bytes(&mut self, path: &BStr, content: &[u8]) -> Result<Vec<u8>, Unknown> {
        if let Some(driver) = self.driver_for(path)? {
            return Err(Unknown::Driver(driver));
        }
        let fs_path = super::fs_path(path);
        let failed = |err: &dyn std::fmt::Display| {
            Unknown::Failed(format!("cannot convert {}: {err}", path.to_str_lossy()))
        };
        let outcome = self
            .pipeline
            .convert_to_git(content, fs_path, &self.index)
            .map_err(|err| failed(&err))?;
        use gix::filter::plumbing::pipeline::convert::ToGitOutcome;
        Ok(match outcome {
            ToGitOutcome::Unchanged(_) => content.to_vec(),
            ToGitOutcome::Buffer(converted) => converted.to_vec(),
            ToGitOutcome::Process(mut read) => {
                // Only a driver streams; none is configured once `open` removed them.
                let mut converted = Vec::new();
                read.read_to_end(&mut converted)
                    .map_err(|err| failed(&err))?;
                converted
            }
        })
    }

    /// The blob id git would store for `content` at `path`.
    pub fn id(&mut self, path: &BStr, content: &[u8]) -> Result<gix::ObjectId, Unknown> {
        let kind = self.hash;
        let bytes = self.bytes(path, content)?;
        gix::objs::compute_hash(kind, gix::objs::Kind::Blob, &bytes)
            .map_err(|err| Unknown::Failed(err.to_string()))
    }

    /// The configured driver that `path`'s `filter` attribute names, if any.
    fn driver_for(&mut self, path: &BStr) -> Result<Option<String>, Unknown> {
        if self.drivers.is_empty() {
            return Ok(None);
        }
        let mut outcome = self.attributes.selected_attribute_matches(["filter"]);
        let platform = self
            .attributes
            .at_entry(path, None)
            .map_err(|err| Unknown::Failed(format!("cannot read attributes: {err}")))?;
        platform.matching_attributes(&mut outcome);
        Ok(outcome.iter_selected().find_map(|found| {
            let gix::attrs::StateRef::Value(name) = found.assignment.state else {
                return None;
            };
            let name = name.as_bstr();
            self.drivers
                .iter()
                .any(|driver| driver == name)
                .then(|| name.to_str_lossy().into_owned())
        }))
    }
}
