//! `license-update` on real repositories: whole-token SPDX rewriting in every comment style and
//! byte layout, deprecated identifiers, manifests edited in place, prose and binary files left
//! alone, `--check`, dry runs that write nothing, and names that are not UTF-8. The license files
//! themselves are in `license_files`, the user's work, pushing and undo in `license_safety`; the
//! helpers here are shared with both.

use std::fs;

use serde_json::Value;

use crate::fixture::{Fleet, repo};
use crate::observe::{FolderImage, UserState};

/// The MIT license as projects ship it: a title, a copyright line, the text.
pub const MIT_LICENSE: &str = "MIT License

Copyright (c) 2021 Jane Doe

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the \"Software\"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
";

/// A repository whose files and commit are `files` (path, bytes), pushed.
pub fn repo_with(fleet: &Fleet, name: &str, files: &[(&str, &[u8])]) {
    let dir = fleet.add_repo(name);
    for (file, content) in files {
        let path = dir.join(file);
        fs::create_dir_all(path.parent().expect("a folder")).expect("create folders");
        fs::write(path, content).expect("write a file");
    }
    fleet.git(&dir, &["add", "-A"]);
    fleet.git(&dir, &["commit", "-q", "-m", "files"]);
    fleet.git(&dir, &["push", "-q"]);
}

fn read(fleet: &Fleet, name: &str, file: &str) -> Vec<u8> {
    fs::read(fleet.path(name).join(file)).expect("read a file")
}

pub fn text(fleet: &Fleet, name: &str, file: &str) -> String {
    String::from_utf8(read(fleet, name, file)).expect("UTF-8")
}

pub fn outcome(document: &Value, name: &str) -> String {
    repo(document, name)["outcome"]
        .as_str()
        .expect("an outcome")
        .to_owned()
}

pub fn files(document: &Value, name: &str) -> Vec<String> {
    repo(document, name)["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f.as_str().expect("a path").to_owned())
        .collect()
}

/// The paths HEAD's commit changed.
pub fn committed_paths(fleet: &Fleet, name: &str) -> Vec<String> {
    fleet
        .git(
            &fleet.path(name),
            &["show", "--name-only", "--format=", "-z", "HEAD"],
        )
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

pub const MIT_TO_APACHE: [&str; 5] = ["license-update", "--old", "MIT", "--new", "Apache-2.0"];

#[test]
fn a_whole_project_changes_license_and_check_passes_afterwards() {
    let fleet = Fleet::new();
    let cargo = "# the package\n[package]\nversion = \"0.1.0\"\nlicense = \"MIT\"   # keep me\nname = \"x\"\n";
    let package =
        "{\n      \"name\": \"x\",\n      \"license\": \"MIT\",\n      \"version\": \"1.0.0\"\n}\n";
    let pyproject = "[project]\nname = \"x\"\nlicense = { text = \"MIT\" }\n";
    repo_with(
        &fleet,
        "app",
        &[
            ("LICENSE", MIT_LICENSE.as_bytes()),
            (
                "src/lib.rs",
                b"// SPDX-License-Identifier: MIT\npub fn f() {}\n",
            ),
            (
                "web/style.css",
                b"/* SPDX-License-Identifier: MIT */\nbody {}\n",
            ),
            (
                "web/page.html",
                b"<!-- SPDX-License-Identifier: MIT -->\n<p>\n",
            ),
            ("tool.py", b"# SPDX-License-Identifier: MIT-0\n"),
            (
                "README.md",
                b"This project is MIT licensed. SPDX-License-Identifier is a tag.\n",
            ),
            ("Cargo.toml", cargo.as_bytes()),
            ("package.json", package.as_bytes()),
            ("pyproject.toml", pyproject.as_bytes()),
        ],
    );
    fleet.add_repo("other");
    fleet.write("app", "notes.rs", "// SPDX-License-Identifier: MIT\n");
    fleet.write("app", ".gitignore", "ignored.rs\n");
    fleet.write("app", "ignored.rs", "// SPDX-License-Identifier: MIT\n");

    let mut check = MIT_TO_APACHE.to_vec();
    check.push("--check");
    let before = fleet.json_exit(&check, 1);
    assert_eq!(outcome(&before, "app"), "changed");
    assert_eq!(outcome(&before, "other"), "unchanged");
    assert_eq!(before["dry_run"], true);

    let run = fleet.json_exit(&MIT_TO_APACHE, 0);
    assert_eq!(outcome(&run, "app"), "changed", "{run}");
    let changed = [
        "Cargo.toml",
        "LICENSE",
        "package.json",
        "pyproject.toml",
        "src/lib.rs",
        "web/page.html",
        "web/style.css",
    ];
    assert_eq!(files(&run, "app"), changed);
    assert_eq!(committed_paths(&fleet, "app"), changed);
    assert_eq!(
        fleet.git(&fleet.path("app"), &["log", "-1", "--format=%s"]),
        "chore: change license from MIT to Apache-2.0\n"
    );

    assert_eq!(
        text(&fleet, "app", "Cargo.toml"),
        cargo.replace("\"MIT\"", "\"Apache-2.0\"")
    );
    assert_eq!(
        text(&fleet, "app", "package.json"),
        package.replace("\"MIT\"", "\"Apache-2.0\"")
    );
    assert_eq!(
        text(&fleet, "app", "pyproject.toml"),
        pyproject.replace("\"MIT\"", "\"Apache-2.0\"")
    );
    assert_eq!(
        text(&fleet, "app", "web/page.html"),
        "<!-- SPDX-License-Identifier: Apache-2.0 -->\n<p>\n"
    );
    assert_eq!(
        text(&fleet, "app", "web/style.css"),
        "/* SPDX-License-Identifier: Apache-2.0 */\nbody {}\n"
    );
    // MIT-0 is another license; prose is never edited; untracked and ignored files are not ours.
    assert_eq!(
        text(&fleet, "app", "tool.py"),
        "# SPDX-License-Identifier: MIT-0\n"
    );
    assert!(text(&fleet, "app", "README.md").contains("MIT licensed"));
    assert_eq!(
        text(&fleet, "app", "notes.rs"),
        "// SPDX-License-Identifier: MIT\n"
    );
    assert_eq!(
        text(&fleet, "app", "ignored.rs"),
        "// SPDX-License-Identifier: MIT\n"
    );

    let license = text(&fleet, "app", "LICENSE");
    assert!(license.starts_with("Apache License"), "{license}");
    assert!(
        license.contains("Copyright (c) 2021 Jane Doe"),
        "the copyright line moves over"
    );
    assert!(!license.contains("Permission is hereby granted"));

    fleet.git(&fleet.path("app"), &["add", "notes.rs"]);
    fleet.git(&fleet.path("app"), &["commit", "-q", "-m", "notes"]);
    let mut check_after = MIT_TO_APACHE.to_vec();
    check_after.push("--check");
    let after = fleet.json_exit(&check_after, 1);
    assert_eq!(
        files(&after, "app"),
        ["notes.rs"],
        "a new MIT file is drift"
    );
    fleet.json_exit(&MIT_TO_APACHE, 0);
    fleet.json_exit(&check_after, 0);
}

#[test]
fn expressions_are_rewritten_token_by_token() {
    let fleet = Fleet::new();
    let source = "// SPDX-License-Identifier: MIT OR Apache-2.0\n\
                  # SPDX-License-Identifier: (MIT AND BSD-3-Clause) OR GPL-2.0-or-later\n\
                  -- SPDX-License-Identifier: GPL-2.0-or-later WITH Classpath-exception-2.0\n\
                  ; SPDX-License-Identifier: MIT-0\n\
                  % SPDX-License-Identifier: mit\n";
    repo_with(&fleet, "expr", &[("all.txt", source.as_bytes())]);
    let run = fleet.json_exit(&["license-update", "--old", "MIT", "--new", "ISC"], 0);
    assert_eq!(outcome(&run, "expr"), "changed", "{run}");
    assert_eq!(
        text(&fleet, "expr", "all.txt"),
        "// SPDX-License-Identifier: ISC OR Apache-2.0\n\
         # SPDX-License-Identifier: (ISC AND BSD-3-Clause) OR GPL-2.0-or-later\n\
         -- SPDX-License-Identifier: GPL-2.0-or-later WITH Classpath-exception-2.0\n\
         ; SPDX-License-Identifier: MIT-0\n\
         % SPDX-License-Identifier: ISC\n"
    );
    // A rewrite that would name a license twice does not.
    repo_with(
        &fleet,
        "dual",
        &[("a.rs", b"// SPDX-License-Identifier: MIT OR Apache-2.0\n")],
    );
    fleet.json_exit(
        &[
            "-t",
            "dual",
            "license-update",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
        ],
        0,
    );
    assert_eq!(
        text(&fleet, "dual", "a.rs"),
        "// SPDX-License-Identifier: Apache-2.0\n"
    );
}

#[test]
fn every_byte_but_the_identifier_is_kept() {
    let fleet = Fleet::new();
    let mut binary = b"\x00\x01ELF SPDX-License-Identifier: MIT\x00".to_vec();
    binary.extend_from_slice(&[0xff; 16]);
    let cases: [(&str, &[u8], &[u8]); 5] = [
        (
            "crlf.c",
            b"/*\r\n * SPDX-License-Identifier: MIT\r\n */\r\nint x;\r\n",
            b"/*\r\n * SPDX-License-Identifier: Apache-2.0\r\n */\r\nint x;\r\n",
        ),
        (
            "no-newline.sh",
            b"#!/bin/sh\n# SPDX-License-Identifier: MIT",
            b"#!/bin/sh\n# SPDX-License-Identifier: Apache-2.0",
        ),
        (
            "bom.cs",
            b"\xef\xbb\xbf// SPDX-License-Identifier: MIT\n",
            b"\xef\xbb\xbf// SPDX-License-Identifier: Apache-2.0\n",
        ),
        (
            "latin1.txt",
            b"# Auteur: Fran\xe7ois\n# SPDX-License-Identifier: MIT\n",
            b"# Auteur: Fran\xe7ois\n# SPDX-License-Identifier: Apache-2.0\n",
        ),
        ("blob.bin", &binary, &binary),
    ];
    let files: Vec<(&str, &[u8])> = cases.iter().map(|(f, before, _)| (*f, *before)).collect();
    repo_with(&fleet, "bytes", &files);
    let executable = fleet.path("bytes").join("no-newline.sh");
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&executable, fs::Permissions::from_mode(0o755)).expect("chmod");
    fleet.git(&fleet.path("bytes"), &["commit", "-q", "-am", "exec"]);

    let run = fleet.json_exit(&MIT_TO_APACHE, 0);
    assert_eq!(
        files_of(&run),
        ["bom.cs", "crlf.c", "latin1.txt", "no-newline.sh"],
        "never the binary"
    );
    for (file, _, after) in cases {
        assert_eq!(read(&fleet, "bytes", file), after, "{file}");
    }
    let mode = fs::metadata(&executable)
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755, "the mode is kept");
    assert!(!UserState::of(&fleet, "bytes").is_dirty());
}

fn files_of(document: &Value) -> Vec<String> {
    files(document, "bytes")
}

#[test]
fn deprecated_ids_are_matched_exactly_and_warned_about() {
    let fleet = Fleet::new();
    let source = "# SPDX-License-Identifier: GPL-3.0\n# SPDX-License-Identifier: GPL-3.0-only\n\
                  # SPDX-License-Identifier: GPL-3.0-or-later\n";
    repo_with(&fleet, "gpl", &[("a.py", source.as_bytes())]);
    let run = fleet.json_exit(
        &[
            "license-update",
            "--old",
            "GPL-3.0",
            "--new",
            "GPL-3.0-only",
            "--ids-only",
        ],
        0,
    );
    assert_eq!(
        text(&fleet, "gpl", "a.py"),
        "# SPDX-License-Identifier: GPL-3.0-only\n# SPDX-License-Identifier: GPL-3.0-only\n\
         # SPDX-License-Identifier: GPL-3.0-or-later\n"
    );
    let notes = run["notes"].to_string();
    assert!(notes.contains("deprecated"), "{notes}");
    // A deprecated new id: the user is told to say -only or -or-later.
    let output = fleet
        .cmd()
        .args([
            "license-update",
            "--old",
            "MIT",
            "--new",
            "GPL-2.0",
            "--check",
        ])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("GPL-2.0-only or GPL-2.0-or-later"),
        "{stdout}"
    );
}

#[test]
fn a_workspace_member_that_inherits_its_license_is_left_alone() {
    let fleet = Fleet::new();
    let root = "[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.package]\n# one license for all\nlicense = \"MIT\"\n";
    let member = "[package]\nname = \"member\"\nlicense.workspace = true\n";
    repo_with(
        &fleet,
        "ws",
        &[
            ("Cargo.toml", root.as_bytes()),
            ("crates/member/Cargo.toml", member.as_bytes()),
        ],
    );
    let run = fleet.json_exit(&MIT_TO_APACHE, 0);
    assert_eq!(files(&run, "ws"), ["Cargo.toml"]);
    assert_eq!(
        text(&fleet, "ws", "Cargo.toml"),
        root.replace("\"MIT\"", "\"Apache-2.0\"")
    );
    assert_eq!(text(&fleet, "ws", "crates/member/Cargo.toml"), member);
}

#[test]
fn a_dry_run_writes_nothing_and_shows_the_diff() {
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "app",
        &[
            ("LICENSE", MIT_LICENSE.as_bytes()),
            ("a.rs", b"// SPDX-License-Identifier: MIT\n"),
        ],
    );
    let image = FolderImage::of(&fleet.base);
    let output = fleet
        .cmd()
        .args([
            "license-update",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
            "-n",
            "--diff",
        ])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("would change LICENSE and a.rs"), "{stdout}");
    assert!(stdout.contains("--- a/a.rs\n+++ b/a.rs\n@@ -1 +1 @@\n-// SPDX-License-Identifier: MIT\n+// SPDX-License-Identifier: Apache-2.0\n"), "{stdout}");
    assert!(stdout.contains("+Apache License"), "{stdout}");
    assert!(
        image.changes(&FolderImage::of(&fleet.base)).is_empty(),
        "a dry run leaves every byte, mtime and the journal alone"
    );
}

#[test]
fn a_file_name_that_is_not_utf8_is_rewritten_and_restored() {
    use std::os::unix::ffi::OsStrExt;
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "app",
        &[("a.rs", b"// SPDX-License-Identifier: MIT\n")],
    );
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.rs");
    let odd = fleet.path("app").join(name);
    fs::write(&odd, "// SPDX-License-Identifier: MIT\n").expect("write");
    fleet.git(&fleet.path("app"), &["add", "-A"]);
    fleet.git(&fleet.path("app"), &["commit", "-q", "-m", "odd name"]);
    let head = fleet.head("app");

    let run = fleet.json_exit(
        &[
            "license-update",
            "--old",
            "MIT",
            "--new",
            "ISC",
            "--no-commit",
        ],
        0,
    );
    assert_eq!(files(&run, "app").len(), 2, "{run}");
    assert_eq!(
        fs::read_to_string(&odd).expect("read"),
        "// SPDX-License-Identifier: ISC\n"
    );
    let undone = fleet.json_exit(&["undo"], 0);
    assert_eq!(outcome(&undone, "app"), "changed", "{undone}");
    assert_eq!(fleet.head("app"), head);
    assert_eq!(
        fs::read_to_string(&odd).expect("read"),
        "// SPDX-License-Identifier: MIT\n"
    );
    // git quotes the name (octal escapes), so its status is plain text: nothing left over.
    let status = fleet.git(&fleet.path("app"), &["status", "--porcelain"]);
    assert_eq!(status, "");
}
