//! git's paths are bytes, and so are Unix file names: a path from the index, as the file system
//! and the `git` program's arguments take it.

use std::ffi::OsString;
use std::path::Path;

use gix::bstr::{BStr, BString, ByteSlice};

/// A repository-relative path from the index as a file-system path.
pub fn fs_path(path: &BStr) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    Path::new(std::ffi::OsStr::from_bytes(path))
}

/// A repository-relative path from the index as an argument to the `git` program.
pub fn os_path(path: &BString) -> OsString {
    fs_path(path.as_bstr()).as_os_str().to_owned()
}
