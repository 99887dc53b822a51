//! Intent-to-add entries (`git add -N`): in the index with no content, so a tree written from
//! the index (`git write-tree`) leaves them out. A run keeps their paths to put them back.

use std::path::Path;

use gix::bstr::BString;

/// The paths of the index of the repository at `dir` that are intent-to-add; none when the
/// index cannot be read.
pub fn intent_to_add(dir: &Path) -> Vec<BString> {
    let Ok(repo) = super::open(dir) else {
        return Vec::new();
    };
    let Ok(index) = repo.index_or_empty() else {
        return Vec::new();
    };
    index
        .entries()
        .iter()
        .filter(|entry| {
            entry
                .flags
                .contains(gix::index::entry::Flags::INTENT_TO_ADD)
        })
        .map(|entry| entry.path(&index).to_owned())
        .collect()
}
