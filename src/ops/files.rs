//! Reading a file without letting the file decide how long that takes or how much memory it
//! costs: only regular files are opened (a FIFO would block for good, a device never ends),
//! symbolic links in a work tree are not followed, and no read goes past one cap.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The most any file is read: a file git-batch rewrites or compares is source, a manifest, a
/// license or a workflow, never a data dump.
pub const MAX_READ: u64 = 16 * 1024 * 1024;

/// The content of a file in a repository's work tree. Errors (besides the file system's own,
/// `NotFound` among them): a symbolic link, which is not followed; anything but a regular file;
/// a file larger than [`MAX_READ`] (`FileTooLarge`).
pub fn read_work_file(path: &Path) -> io::Result<Vec<u8>> {
    // Looked at before it is opened: opening a device or a FIFO can itself block or act.
    let meta = fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a symbolic link; it is not followed",
        ));
    }
    check_regular(&meta)?;
    read_open(path, libc::O_NOFOLLOW)
}

/// The content of a file the user named (a replacement, a license text): symbolic links are
/// followed, but the end must be a regular file no larger than [`MAX_READ`].
pub fn read_given_file(path: &Path) -> io::Result<Vec<u8>> {
    check_regular(&fs::metadata(path)?)?;
    read_open(path, 0)
}

/// Opens without blocking (a FIFO swapped in since the look above opens at once), checks what
/// was opened, and reads at most one byte past the cap.
fn read_open(path: &Path, flags: i32) -> io::Result<Vec<u8>> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(flags | libc::O_NONBLOCK)
        .open(path)
        .map_err(|err| match err.raw_os_error() {
            Some(libc::ELOOP) if flags & libc::O_NOFOLLOW != 0 => io::Error::new(
                io::ErrorKind::InvalidInput,
                "is a symbolic link; it is not followed",
            ),
            _ => err,
        })?;
    let meta = file.metadata()?;
    check_regular(&meta)?;
    read_capped(file, meta.len())
}

fn read_capped(file: File, len: u64) -> io::Result<Vec<u8>> {
    let mut content = Vec::with_capacity(usize::try_from(len.min(MAX_READ)).unwrap_or(0));
    file.take(MAX_READ + 1).read_to_end(&mut content)?;
    if content.len() as u64 > MAX_READ {
        return Err(too_large());
    }
    Ok(content)
}

fn check_regular(meta: &fs::Metadata) -> io::Result<()> {
    let kind = meta.file_type();
    let what = if kind.is_file() {
        if meta.len() > MAX_READ {
            return Err(too_large());
        }
        return Ok(());
    } else if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        "something else"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("is {what}, not a regular file; it is not read"),
    ))
}

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("is larger than {} MiB; it is not read", MAX_READ >> 20),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_up_to_the_cap_are_read() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let file = dir.path().join("file");
        fs::write(&file, b"content").expect("write");
        assert_eq!(read_work_file(&file).expect("read"), b"content");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
        let err = read_work_file(&link).expect_err("a link");
        assert!(err.to_string().contains("symbolic link"), "{err}");
        let err = read_given_file(&link).expect_err("a device");
        assert!(err.to_string().contains("device"), "{err}");
        let large = dir.path().join("large");
        File::create(&large)
            .and_then(|f| f.set_len(MAX_READ + 1))
            .expect("a sparse file");
        let err = read_work_file(&large).expect_err("too large");
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        let err = read_work_file(dir.path()).expect_err("a folder");
        assert!(err.to_string().contains("folder"), "{err}");
        let missing = read_work_file(&dir.path().join("missing")).expect_err("missing");
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
