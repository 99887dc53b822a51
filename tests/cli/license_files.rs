//! `license-update` and the license files themselves: REUSE's `LICENSES/` text renamed with its
//! `REUSE.toml` and `.reuse/dep5`, a license file holding another license never clobbered, and an
//! identifier with no known text refused before anything is touched.

use std::fs;

use crate::fixture::{Fleet, repo};
use crate::license::{MIT_LICENSE, MIT_TO_APACHE, files, outcome, repo_with, text};
use crate::observe::{FolderImage, UserState};

const REUSE_TOML: &str = "version = 1\n\n[[annotations]]\npath = \"assets/**\"  # images\n\
                          SPDX-FileCopyrightText = \"2024 Jane\"\n\
                          SPDX-License-Identifier = \"MIT\"\n";
const DEP5: &str = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n\
                    Files: assets/*\nCopyright: 2024 Jane\nLicense: MIT\n\n\
                    Files: vendor/*\nCopyright: 2020 Them\nLicense: MIT-0\n";

#[test]
fn the_reuse_layout_renames_the_license_text() {
    let fleet = Fleet::new();
    // As REUSE downloads it: no title line.
    let mit_text = MIT_LICENSE.replace("MIT License\n\n", "");
    repo_with(
        &fleet,
        "reuse",
        &[
            ("LICENSES/MIT.txt", mit_text.as_bytes()),
            ("LICENSES/CC0-1.0.txt", b"CC0 text\n"),
            (
                "src/a.c",
                b"// SPDX-FileCopyrightText: 2024 Jane\n// SPDX-License-Identifier: MIT\n",
            ),
            ("logo.png.license", b"SPDX-License-Identifier: MIT\n"),
            ("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00"),
            ("REUSE.toml", REUSE_TOML.as_bytes()),
            (".reuse/dep5", DEP5.as_bytes()),
        ],
    );
    let run = fleet.json_exit(&MIT_TO_APACHE, 0);
    assert_eq!(
        files(&run, "reuse"),
        [
            ".reuse/dep5",
            "LICENSES/Apache-2.0.txt",
            "LICENSES/MIT.txt",
            "REUSE.toml",
            "logo.png.license",
            "src/a.c"
        ]
    );
    assert_eq!(
        text(&fleet, "reuse", "REUSE.toml"),
        REUSE_TOML.replace("\"MIT\"", "\"Apache-2.0\"")
    );
    assert_eq!(
        text(&fleet, "reuse", ".reuse/dep5"),
        DEP5.replace("License: MIT\n", "License: Apache-2.0\n")
    );
    let dir = fleet.path("reuse");
    assert!(!dir.join("LICENSES/MIT.txt").exists());
    assert!(text(&fleet, "reuse", "LICENSES/Apache-2.0.txt").starts_with("Apache License"));
    assert_eq!(text(&fleet, "reuse", "LICENSES/CC0-1.0.txt"), "CC0 text\n");
    assert_eq!(
        text(&fleet, "reuse", "logo.png.license"),
        "SPDX-License-Identifier: Apache-2.0\n"
    );
    assert!(
        !UserState::of(&fleet, "reuse").is_dirty(),
        "the new file is committed"
    );
}

#[test]
fn a_license_file_holding_another_license_is_never_clobbered() {
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "odd",
        &[
            (
                "LICENSE",
                b"All rights reserved. Ask Jane before using any of this.\n",
            ),
            ("a.rs", b"// SPDX-License-Identifier: MIT\n"),
        ],
    );
    repo_with(
        &fleet,
        "gpl",
        &[(
            "COPYING",
            b"GNU GENERAL PUBLIC LICENSE, something else entirely\n",
        )],
    );
    let before = UserState::of(&fleet, "odd");
    let run = fleet.json_exit(&MIT_TO_APACHE, 0);
    assert_eq!(outcome(&run, "odd"), "skipped");
    let message = repo(&run, "odd")["message"].as_str().expect("a reason");
    assert!(
        message.contains("LICENSE") && message.contains("--ids-only"),
        "{message}"
    );
    assert_eq!(UserState::of(&fleet, "odd"), before);
    // A repository that does not declare the old license at all is simply not concerned.
    assert_eq!(outcome(&run, "gpl"), "unchanged");
    // --ids-only rewrites the declarations and leaves the license file alone.
    let ids = fleet.json_exit(
        &[
            "license-update",
            "--old",
            "MIT",
            "--new",
            "Apache-2.0",
            "--ids-only",
        ],
        0,
    );
    assert_eq!(files(&ids, "odd"), ["a.rs"]);
}

#[test]
fn an_id_without_text_is_refused_before_anything_is_touched() {
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
            "PMPL-1.0-or-later",
        ])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--license-file") && stderr.contains("--ids-only"),
        "{stderr}"
    );
    assert!(image.changes(&FolderImage::of(&fleet.base)).is_empty());
    for bad in [
        &["--old", "MIT", "--new", "MIT OR ISC"][..],
        &["--old", "MIT", "--new", "MIT"],
        &[
            "--old",
            "MIT",
            "--new",
            "ISC",
            "--license-file",
            "/nonexistent/file",
        ],
    ] {
        let mut args = vec!["license-update"];
        args.extend_from_slice(bad);
        fleet.cmd().args(&args).assert().code(2);
    }
    assert!(image.changes(&FolderImage::of(&fleet.base)).is_empty());

    // With the text given, the custom id goes everywhere, the copyright line with it.
    let custom = fleet.base.join("pmpl.txt");
    fs::write(
        &custom,
        "Parity Public License\n\nCopyright <year> <owner>\n\nTerms.\n",
    )
    .expect("write the text");
    let run = fleet.json_exit(
        &[
            "license-update",
            "--old",
            "MIT",
            "--new",
            "PMPL-1.0-or-later",
            "--license-file",
            custom.to_str().expect("UTF-8"),
        ],
        0,
    );
    assert_eq!(files(&run, "app"), ["LICENSE", "a.rs"]);
    assert_eq!(
        text(&fleet, "app", "LICENSE"),
        "Parity Public License\n\nCopyright (c) 2021 Jane Doe\n\nTerms.\n"
    );
}
