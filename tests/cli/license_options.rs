//! `license-update` as users spell it and on what real repositories carry: ids in any case
//! (`--old mit`), "did you mean", a COPYING that only points to the license files, a new text
//! that needs a copyright line the old file did not have (`--copyright`), and vendored files
//! with their own copyright and license text (`--rewrite-vendored`).

use std::fs;

use serde_json::Value;

use crate::fixture::{Fleet, repo};
use crate::license::{MIT_LICENSE, repo_with};

fn outcome(document: &Value, name: &str) -> String {
    repo(document, name)["outcome"]
        .as_str()
        .expect("an outcome")
        .to_owned()
}

fn mentioned(document: &Value, name: &str) -> Vec<(String, u64, String)> {
    repo(document, name)["mentions"]
        .as_array()
        .map(|mentions| {
            mentions
                .iter()
                .map(|m| {
                    (
                        m["path"].as_str().expect("a path").to_owned(),
                        m["line"].as_u64().expect("a line"),
                        m["text"].as_str().expect("a text").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn read(fleet: &Fleet, name: &str, file: &str) -> String {
    fs::read_to_string(fleet.path(name).join(file)).expect("read a file")
}

#[test]
fn ids_are_read_in_any_case() {
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "app",
        &[
            ("LICENSE", MIT_LICENSE.as_bytes()),
            (
                "Cargo.toml",
                b"[package]\nname = \"app\"\nlicense = \"MIT\"\n",
            ),
        ],
    );
    let run = fleet.json(&["license-update", "--old", "mit", "--new", "apache-2.0"]);
    assert_eq!(outcome(&run, "app"), "changed", "{run:#}");
    assert!(read(&fleet, "app", "LICENSE").contains("Apache License"));
    assert!(read(&fleet, "app", "Cargo.toml").contains("license = \"Apache-2.0\""));
    let message = fleet.git(&fleet.path("app"), &["log", "-1", "--format=%s"]);
    assert_eq!(
        message.trim(),
        "chore: change license from MIT to Apache-2.0"
    );
}

#[test]
fn an_unknown_id_gets_a_did_you_mean() {
    let fleet = Fleet::new();
    repo_with(&fleet, "app", &[("LICENSE", MIT_LICENSE.as_bytes())]);
    let output = fleet
        .cmd()
        .args(["license-update", "--old", "MIT", "--new", "apache2.0"])
        .output()
        .expect("run git-batch");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("did you mean Apache-2.0?"), "{stderr}");
    assert_eq!(read(&fleet, "app", "LICENSE"), MIT_LICENSE);
}

/// walkdir's COPYING, which says which license files there are and holds none.
const POINTER: &str = "This project is dual-licensed under the Unlicense and MIT licenses.

You may use this code under the terms of either license.
";

#[test]
fn a_copying_that_points_to_the_license_files_is_left_alone_and_noted() {
    let fleet = Fleet::new();
    repo_with(
        &fleet,
        "walk",
        &[
            ("COPYING", POINTER.as_bytes()),
            ("LICENSE-MIT", MIT_LICENSE.as_bytes()),
        ],
    );
    let run = fleet.json(&["license-update", "--old", "MIT", "--new", "Apache-2.0"]);
    assert_eq!(outcome(&run, "walk"), "changed", "{run:#}");
    assert_eq!(read(&fleet, "walk", "COPYING"), POINTER);
    assert!(!fleet.path("walk").join("LICENSE-MIT").exists());
    assert!(read(&fleet, "walk", "LICENSE-APACHE").contains("Apache License"));
    let mentions = mentioned(&run, "walk");
    assert!(
        mentions
            .iter()
            .any(|(path, line, _)| path == "COPYING" && *line == 1),
        "{mentions:?}"
    );
}

#[test]
fn a_new_text_that_needs_a_copyright_line_asks_for_one() {
    let fleet = Fleet::new();
    let mit0 = spdx::license_id("MIT-0").expect("MIT-0").text();
    // The MIT-0 text as a project ships it without a copyright line.
    let shipped = mit0.replace("Copyright <YEAR> <COPYRIGHT HOLDER>\n\n", "");
    assert_ne!(shipped, mit0);
    repo_with(&fleet, "zero", &[("LICENSE", shipped.as_bytes())]);
    let refused = fleet.json(&["license-update", "--old", "MIT-0", "--new", "MIT"]);
    assert_eq!(outcome(&refused, "zero"), "skipped", "{refused:#}");
    let reason = repo(&refused, "zero")["message"]
        .as_str()
        .expect("a reason");
    assert!(reason.contains("--copyright"), "{reason}");
    assert_eq!(read(&fleet, "zero", "LICENSE"), shipped);

    let run = fleet.json(&[
        "license-update",
        "--old",
        "MIT-0",
        "--new",
        "MIT",
        "--copyright",
        "2024 Jane Doe",
    ]);
    assert_eq!(outcome(&run, "zero"), "changed", "{run:#}");
    let license = read(&fleet, "zero", "LICENSE");
    assert!(
        license.contains("Copyright (c) 2024 Jane Doe\n"),
        "{license}"
    );
    assert!(!license.contains("<year>"), "{license}");
}

#[test]
fn vendored_files_keep_their_declaration_unless_asked() {
    let fleet = Fleet::new();
    let body: String = MIT_LICENSE
        .lines()
        .skip(2)
        .map(|line| format!(" * {line}\n"))
        .collect();
    let vendored = format!(
        "/* SPDX-License-Identifier: MIT\n * Copyright (c) 2019 Upstream Author\n{body} */\nint x;\n"
    );
    let files: [(&str, &[u8]); 2] = [
        (
            "src/lib.rs",
            b"// SPDX-License-Identifier: MIT\nfn f() {}\n",
        ),
        ("vendor/dep.c", vendored.as_bytes()),
    ];
    repo_with(&fleet, "app", &files);
    repo_with(&fleet, "asked", &files);
    let run = fleet.json(&[
        "license-update",
        "--old",
        "MIT",
        "--new",
        "Apache-2.0",
        "--ids-only",
        "-t",
        "app",
    ]);
    assert_eq!(outcome(&run, "app"), "changed", "{run:#}");
    assert!(read(&fleet, "app", "src/lib.rs").contains("Identifier: Apache-2.0"));
    assert_eq!(read(&fleet, "app", "vendor/dep.c"), vendored);
    let mentions = mentioned(&run, "app");
    assert!(
        mentions
            .iter()
            .any(|(path, line, text)| path == "vendor/dep.c"
                && *line == 1
                && text.contains("--rewrite-vendored")),
        "{mentions:?}"
    );

    let asked = fleet.json(&[
        "license-update",
        "--old",
        "MIT",
        "--new",
        "Apache-2.0",
        "--ids-only",
        "--rewrite-vendored",
        "-t",
        "asked",
    ]);
    assert_eq!(outcome(&asked, "asked"), "changed", "{asked:#}");
    assert!(read(&fleet, "asked", "vendor/dep.c").contains("Identifier: Apache-2.0"));
}
