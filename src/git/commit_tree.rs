//! The tree of a commit, read straight from the repository's loose objects or pack files.
//!
//! `status` needs one object per repository: HEAD's commit, for the id of its tree. Through gix's
//! object store that one read sets up the whole store (the pack folder listed and every file in
//! it looked at, the alternates resolved, a pack cache, an inflate state), which over a fleet of
//! small repositories was a fifth of the time `status` spends. Here the commit is looked up in
//! the one place it is (a loose object, or a pack's index), and only the first line of its data,
//! `tree <id>`, is inflated. Whatever is not that simple case (object replacements, an object in
//! an alternate store, a commit stored as a delta, another hash than SHA-1) answers `None`, and
//! the caller reads the commit through gix as before.

use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;

use gix::ObjectId;

/// The tree id of commit `id`, when it can be read the short way; `None` leaves it to gix.
pub(super) fn tree_of_commit(repo: &gix::Repository, id: &gix::oid) -> Option<ObjectId> {
    if repo.object_hash() != gix::hash::Kind::Sha1 {
        return None;
    }
    let store = repo.objects.store_ref();
    // `refs/replace/*` (unless turned off) makes git read another commit in this one's place.
    if store.replacements().next().is_some() {
        return None;
    }
    let objects = store.path();
    loose_commit_tree(objects, id).or_else(|| packed_commit_tree(objects, id))
}

/// The first bytes of a commit's data that hold its tree: `tree ` and 40 hex digits.
const TREE_LINE: usize = 5 + 40;

/// From a loose object: `commit <size>\0tree <id>\n…`, all of it deflated.
fn loose_commit_tree(objects: &Path, id: &gix::oid) -> Option<ObjectId> {
    let hex = id.to_hex().to_string();
    let mut path = objects.join(&hex[..2]);
    path.push(&hex[2..]);
    let mut file = std::fs::File::open(path).ok()?;
    let mut deflated = [0u8; 256];
    let read = read_up_to(&mut file, &mut deflated)?;
    let mut data = [0u8; 64];
    let got = inflate_start(&deflated[..read], &mut data)?;
    let header_end = data[..got].iter().position(|&byte| byte == 0)?;
    let header = &data[..header_end];
    if !header.starts_with(b"commit ") {
        return None;
    }
    parse_tree_line(&data[header_end + 1..got])
}

/// From a pack: the pack index gives the entry's offset, the entry's header says it is a whole
/// commit (not a delta), and its deflated data follows.
fn packed_commit_tree(objects: &Path, id: &gix::oid) -> Option<ObjectId> {
    let packs = objects.join("pack");
    for entry in std::fs::read_dir(&packs).ok()? {
        let name = entry.ok()?.file_name();
        let Some(stem) = name.to_str().and_then(|name| name.strip_suffix(".idx")) else {
            continue;
        };
        let index = std::fs::File::open(packs.join(&name)).ok()?;
        let Some(offset) = pack_offset(&index, id)? else {
            continue;
        };
        let pack = std::fs::File::open(packs.join(format!("{stem}.pack"))).ok()?;
        return pack_entry_tree(&pack, offset);
    }
    None
}

/// Where `id` is in the pack whose index (version 2, what git writes since 1.5.2) is `index`:
/// `Some(None)` when it is not in this pack, `None` when the index cannot be read that way.
/// Read in three small pieces (fan-out table, the ids that start with the same byte, the
/// offset) rather than mapped whole.
fn pack_offset(index: &std::fs::File, id: &gix::oid) -> Option<Option<u64>> {
    const HEADER: u64 = 8;
    const FANOUT: usize = 256 * 4;
    const ID: usize = 20;
    let mut head = [0u8; HEADER as usize + FANOUT];
    index.read_exact_at(&mut head, 0).ok()?;
    if head[..8] != [0xff, b't', b'O', b'c', 0, 0, 0, 2] {
        return None;
    }
    let fan = |byte: usize| -> u64 {
        let at = HEADER as usize + byte * 4;
        u64::from(u32::from_be_bytes([
            head[at],
            head[at + 1],
            head[at + 2],
            head[at + 3],
        ]))
    };
    let first = usize::from(*id.as_bytes().first()?);
    let total = fan(255);
    let start = if first == 0 { 0 } else { fan(first - 1) };
    let end = fan(first);
    if end <= start {
        return Some(None);
    }
    let ids_at = HEADER + FANOUT as u64;
    let mut ids = vec![0u8; usize::try_from(end - start).ok()? * ID];
    index
        .read_exact_at(&mut ids, ids_at + start * ID as u64)
        .ok()?;
    let sorted: Vec<&[u8]> = ids.chunks_exact(ID).collect();
    let Ok(found) = sorted.binary_search(&id.as_bytes()) else {
        return Some(None);
    };
    let position = start + found as u64;
    // After the ids: a CRC-32 per object, then a 4-byte offset per object. Offsets past 2 GiB
    // are in an 8-byte table after those, the 4-byte one giving their place with the top bit set.
    let offsets_at = ids_at + total * (ID as u64 + 4);
    let mut small = [0u8; 4];
    index
        .read_exact_at(&mut small, offsets_at + position * 4)
        .ok()?;
    let small = u32::from_be_bytes(small);
    if small & 0x8000_0000 == 0 {
        return Some(Some(u64::from(small)));
    }
    let mut large = [0u8; 8];
    let large_at = offsets_at + total * 4 + u64::from(small & 0x7fff_ffff) * 8;
    index.read_exact_at(&mut large, large_at).ok()?;
    Some(Some(u64::from_be_bytes(large)))
}

/// The tree line of the whole commit stored at `offset` in `pack`.
fn pack_entry_tree(pack: &std::fs::File, offset: u64) -> Option<ObjectId> {
    let mut bytes = [0u8; 256];
    let mut read = 0;
    while read < bytes.len() {
        match pack.read_at(&mut bytes[read..], offset + read as u64) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    let entry =
        gix::odb::pack::data::Entry::from_bytes(&bytes[..read], offset, gix::hash::Kind::Sha1)
            .ok()?;
    if !matches!(entry.header, gix::odb::pack::data::entry::Header::Commit) {
        return None;
    }
    let start = usize::try_from(entry.data_offset - offset).ok()?;
    let mut data = [0u8; 64];
    let got = inflate_start(bytes.get(start..read)?, &mut data)?;
    parse_tree_line(&data[..got])
}

/// Reads until `buf` is full or the file ends; the number of bytes read.
fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> Option<usize> {
    let mut read = 0;
    while read < buf.len() {
        match file.read(&mut buf[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(read)
}

/// Inflates the start of a zlib stream into `out`, as far as `deflated` and `out` allow; the
/// number of bytes written.
fn inflate_start(deflated: &[u8], out: &mut [u8]) -> Option<usize> {
    INFLATE.with(|inflate| {
        let mut inflate = inflate.borrow_mut();
        inflate.reset();
        // `Sync` writes out what the given input yields; the stream need not end within it.
        inflate
            .decompress(deflated, out, gix::zlib::FlushDecompress::Sync)
            .ok()?;
        usize::try_from(inflate.total_out()).ok()
    })
}

thread_local! {
    /// One inflate state per thread, reset between objects: setting one up costs more than the
    /// few bytes inflated with it.
    static INFLATE: std::cell::RefCell<gix::zlib::Decompress> =
        std::cell::RefCell::new(gix::zlib::Decompress::new());
}

/// The tree id from the start of a commit's data, `tree <hex>\n`.
fn parse_tree_line(data: &[u8]) -> Option<ObjectId> {
    let line = data.strip_prefix(b"tree ")?;
    let hex = line.get(..TREE_LINE - 5)?;
    if line.get(TREE_LINE - 5) != Some(&b'\n') {
        return None;
    }
    ObjectId::from_hex(hex).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// git's output, trimmed (an id, mostly).
    fn git(dir: &Path, args: &[&str]) -> String {
        crate::git::testing::git(dir, args).trim().to_owned()
    }

    fn repository_with_commits(n: usize) -> (tempfile::TempDir, Vec<String>) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        git(dir.path(), &["init", "-q", "-b", "main"]);
        let mut commits = Vec::new();
        for i in 0..n {
            std::fs::write(dir.path().join("file.txt"), format!("version {i}\n")).expect("write");
            git(dir.path(), &["add", "file.txt"]);
            git(dir.path(), &["commit", "-q", "-m", &format!("commit {i}")]);
            commits.push(git(dir.path(), &["rev-parse", "HEAD"]));
        }
        (dir, commits)
    }

    fn short_way(dir: &Path, commit: &str) -> Option<String> {
        let repo = gix::open(dir).expect("opens");
        let id = ObjectId::from_hex(commit.as_bytes()).expect("hex");
        tree_of_commit(&repo, &id).map(|tree| tree.to_string())
    }

    #[test]
    fn a_loose_commits_tree_is_read_as_git_reads_it() {
        let (dir, commits) = repository_with_commits(2);
        for commit in &commits {
            let tree = git(dir.path(), &["rev-parse", &format!("{commit}^{{tree}}")]);
            assert_eq!(short_way(dir.path(), commit), Some(tree));
        }
    }

    #[test]
    fn a_packed_commits_tree_is_read_as_git_reads_it() {
        let (dir, commits) = repository_with_commits(30);
        git(dir.path(), &["repack", "-a", "-d", "-q"]);
        git(dir.path(), &["prune-packed"]);
        let loose = git(dir.path(), &["count-objects"]);
        assert!(loose.starts_with("0 objects"), "all packed: {loose}");
        for commit in &commits {
            let tree = git(dir.path(), &["rev-parse", &format!("{commit}^{{tree}}")]);
            assert_eq!(short_way(dir.path(), commit), Some(tree));
            // An id that shares its first byte with packed objects but is not one of them.
            let mut absent = commit.clone();
            let last = if absent.ends_with('0') { "1" } else { "0" };
            absent.replace_range(39.., last);
            assert_eq!(short_way(dir.path(), &absent), None, "{absent}");
        }
    }

    #[test]
    fn what_is_not_a_commit_or_is_missing_is_left_to_gix() {
        let (dir, commits) = repository_with_commits(1);
        let tree = git(dir.path(), &["rev-parse", "HEAD^{tree}"]);
        assert_eq!(short_way(dir.path(), &tree), None, "a tree is not a commit");
        let missing = "0123456789012345678901234567890123456789";
        assert_eq!(short_way(dir.path(), missing), None);
        git(dir.path(), &["repack", "-a", "-d", "-q"]);
        assert_eq!(
            short_way(dir.path(), &tree),
            None,
            "a packed tree is not a commit"
        );
        assert!(short_way(dir.path(), &commits[0]).is_some());
    }

    #[test]
    fn a_replaced_commit_is_left_to_gix() {
        let (dir, commits) = repository_with_commits(2);
        git(dir.path(), &["replace", &commits[1], &commits[0]]);
        assert_eq!(short_way(dir.path(), &commits[1]), None);
    }
}
