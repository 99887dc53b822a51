//! The objects of a commit made in process, written as one pack (with its index) in
//! `objects/pack/` instead of one loose file (and maybe one fan-out folder) each: two files per
//! commit where a commit of twelve files made thirty. The objects are kept in memory while the
//! commit is built ([`staging`]) and written by [`persist`] before any ref points at them. gix
//! writes no object the repository has already (the unchanged trees a commit of the index
//! builds again), so the pack holds only the new ones.
//!
//! A commit of fewer than [`PACK_FROM`] objects is written loose, as git would: a pack would save
//! nothing there. Like the packs `git fetch` keeps, these are gathered by `git gc --auto` once
//! there are more than `gc.autoPackLimit` (50) of them.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use gix::ObjectId;
use gix::objs::Kind;
use gix_pack::data::{self, input, output};

/// The fewest objects written as a pack; fewer are written loose.
pub const PACK_FROM: usize = 3;

/// A handle on `repo` whose object writes stay in memory until [`persist`] (reads see them).
pub fn staging(repo: &gix::Repository) -> gix::Repository {
    repo.clone().with_object_memory()
}

/// Writes the objects that `staged` (from [`staging`]) holds in memory into its object
/// database: loose when there are fewer than [`PACK_FROM`], else as one pack and its index,
/// each written to a temporary file and renamed into place, the pack first (a reader finds a
/// pack through its index). Nothing is left behind on failure.
pub fn persist(staged: &gix::Repository) -> Result<(), String> {
    let Some(mut memory) = staged.objects.reset_object_memory() else {
        return Ok(());
    };
    let objects = in_pack_order(std::mem::take(&mut *memory));
    if objects.len() < PACK_FROM {
        // Past the memory, to the object database itself.
        let odb = &*staged.objects;
        for (id, kind, data) in &objects {
            gix::objs::Write::write_buf_with_known_id(odb, *kind, data, *id)
                .map_err(|err| format!("cannot write object {id}: {err}"))?;
        }
        return Ok(());
    }
    let hash = staged.object_hash();
    let (pack, pack_id) = pack_data(&objects, hash)?;
    let index = index_of(&pack, &objects, &pack_id)?;
    let dir = staged.objects.store_ref().path().join("pack");
    write_pair(&dir, &pack_id.to_string(), &pack, &index)
}

/// The objects held in memory: commits, then trees, then blobs, as git orders a pack; by id
/// within a kind.
fn in_pack_order(
    memory: gix::hashtable::HashMap<ObjectId, (Kind, Vec<u8>)>,
) -> Vec<(ObjectId, Kind, Vec<u8>)> {
    let mut objects: Vec<(ObjectId, Kind, Vec<u8>)> = memory
        .into_iter()
        .map(|(id, (kind, data))| (id, kind, data))
        .collect();
    objects.sort_by_key(|(id, kind, _)| (kind_rank(*kind), *id));
    objects
}

fn kind_rank(kind: Kind) -> u8 {
    match kind {
        Kind::Commit => 0,
        Kind::Tag => 1,
        Kind::Tree => 2,
        Kind::Blob => 3,
    }
}

/// The pack data (version 2, every object whole, deflated at level 1 as git deflates loose
/// objects) and its checksum.
fn pack_data(
    objects: &[(ObjectId, Kind, Vec<u8>)],
    hash: gix::hash::Kind,
) -> Result<(Vec<u8>, ObjectId), String> {
    let failed = |err: gix::Error| format!("cannot write a pack: {err}");
    let entries = objects
        .iter()
        .map(|(id, kind, data)| {
            output::Entry::from_data(
                &output::Count::from_data(*id, None),
                &gix::objs::Data::new(data, *kind, hash),
                gix::zlib::Compression::BEST_SPEED,
            )
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(failed)?;
    let count = u32::try_from(objects.len()).map_err(|err| err.to_string())?;
    let mut writer = output::bytes::FromEntriesIter::new(
        std::iter::once(Ok(entries)),
        Vec::new(),
        count,
        data::Version::V2,
        hash,
    );
    for step in &mut writer {
        step.map_err(failed)?;
    }
    let id = writer
        .digest()
        .ok_or_else(|| "cannot write a pack: it was not finished".to_owned())?;
    Ok((writer.into_write(), id))
}

/// The version 2 index of `pack` (whose entries are `objects`, in that order, checksum `pack_id`),
/// as git writes it: the fan-out table, the sorted ids, each entry's CRC-32 and offset, the
/// pack's checksum and its own. Written here rather than by gix-pack's indexer, which decodes
/// and hashes every object again, on threads of its own, to learn the ids known already.
fn index_of(
    pack: &[u8],
    objects: &[(ObjectId, Kind, Vec<u8>)],
    pack_id: &ObjectId,
) -> Result<Vec<u8>, String> {
    let failed = |err: gix::Error| format!("cannot index a pack: {err}");
    let hash = pack_id.kind();
    let entries = input::BytesToEntriesIter::new_from_header(
        pack,
        input::Mode::AsIs,
        input::EntryDataMode::Crc32,
        hash,
    )
    .map_err(failed)?;
    let mut rows = Vec::with_capacity(objects.len());
    for ((id, _, _), entry) in objects.iter().zip(entries) {
        let entry = entry.map_err(failed)?;
        let crc32 = entry
            .crc32
            .ok_or_else(|| "cannot index a pack: no CRC-32".to_owned())?;
        rows.push((*id, crc32, entry.pack_offset));
    }
    if rows.len() != objects.len() {
        return Err("cannot index a pack: entries missing".into());
    }
    rows.sort_by_key(|(id, _, _)| *id);
    let mut out = Vec::with_capacity(8 + 256 * 4 + rows.len() * (hash.len_in_bytes() + 8) + 40);
    out.extend_from_slice(b"\xfftOc");
    out.extend_from_slice(&2u32.to_be_bytes());
    for byte in 0..=255u8 {
        let up_to = rows
            .iter()
            .take_while(|(id, _, _)| id.first_byte() <= byte)
            .count();
        out.extend_from_slice(&(up_to as u32).to_be_bytes());
    }
    for (id, _, _) in &rows {
        out.extend_from_slice(id.as_bytes());
    }
    for (_, crc32, _) in &rows {
        out.extend_from_slice(&crc32.to_be_bytes());
    }
    let mut large = Vec::new();
    for (_, _, offset) in &rows {
        match u32::try_from(*offset) {
            Ok(small) if small < 0x8000_0000 => out.extend_from_slice(&small.to_be_bytes()),
            _ => {
                let at = 0x8000_0000 | u32::try_from(large.len()).map_err(|e| e.to_string())?;
                out.extend_from_slice(&at.to_be_bytes());
                large.push(*offset);
            }
        }
    }
    for offset in large {
        out.extend_from_slice(&offset.to_be_bytes());
    }
    out.extend_from_slice(pack_id.as_bytes());
    let mut hasher = gix::hash::hasher(hash);
    hasher.update(&out);
    let own = hasher
        .try_finalize()
        .map_err(|err| format!("cannot index a pack: {err}"))?;
    out.extend_from_slice(own.as_bytes());
    Ok(out)
}

/// `pack-NAME.pack` and `pack-NAME.idx` in `dir`, read-only as git leaves them, each through a
/// temporary file; nothing when that pack is there already (same name, same objects).
fn write_pair(dir: &Path, name: &str, pack: &[u8], index: &[u8]) -> Result<(), String> {
    let pack_path = dir.join(format!("pack-{name}.pack"));
    let index_path = dir.join(format!("pack-{name}.idx"));
    if index_path.is_file() {
        return Ok(());
    }
    let temp = |prefix: &str, bytes: &[u8]| -> Result<tempfile::NamedTempFile, String> {
        let failed =
            |err: std::io::Error| format!("cannot write a pack in {}: {err}", dir.display());
        let mut file = tempfile::Builder::new()
            .prefix(prefix)
            .tempfile_in(dir)
            .map_err(failed)?;
        file.write_all(bytes).map_err(failed)?;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o444))
            .map_err(failed)?;
        Ok(file)
    };
    let pack_file = temp("tmp_pack_", pack)?;
    let index_file = temp("tmp_idx_", index)?;
    let moved = |file: tempfile::NamedTempFile, to: &Path| {
        file.persist(to)
            .map_err(|err| format!("cannot move a pack into place at {}: {err}", to.display()))
    };
    moved(pack_file, &pack_path)?;
    if let Err(err) = moved(index_file, &index_path) {
        let _ = std::fs::remove_file(&pack_path);
        return Err(err);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
