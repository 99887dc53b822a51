//! `license-update` on real manifests from public repositories (`tests/data/manifests/`, listed
//! with their commits in `SOURCES.md`): each declaration is rewritten, every other byte is kept,
//! and every mention left alone is reported with its file and line, in the human output and in
//! JSON. REUSE ignore blocks are honoured on a real REUSE project's files.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::fixture::{Fleet, repo};
use crate::license::repo_with;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/manifests")
}

/// Every file under `dir`, as (path relative to `dir` with `/`, bytes), sorted.
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).expect("read a corpus folder") {
            let path = entry.expect("a corpus entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .expect("under the corpus")
                    .to_string_lossy()
                    .replace('\\', "/");
                found.push((relative, fs::read(&path).expect("read a corpus file")));
            }
        }
    }
    found.sort();
    found
}

/// A repository `name` holding the corpus folder `name`'s files, committed and pushed.
fn corpus_repo(fleet: &Fleet, name: &str) -> Vec<(String, Vec<u8>)> {
    let files = files_under(&corpus().join(name));
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
        .collect();
    repo_with(fleet, name, &borrowed);
    files
}

/// `content` with `from` replaced by `to` on line `line` (1-based), once; panics when that line
/// does not hold `from`.
fn edited(content: &[u8], line: usize, from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(content.to_vec()).expect("UTF-8 corpus file");
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    let target = &mut lines[line - 1];
    assert!(
        target.contains(from),
        "line {line} is {target:?}, without {from:?}"
    );
    *target = target.replacen(from, to, 1);
    lines.concat().into_bytes()
}

/// One real repository's manifests under one license-update.
struct Case {
    repo: &'static str,
    old: &'static str,
    new: &'static str,
    /// (file, line, text before, text after): the only bytes that change.
    edits: &'static [(&'static str, usize, &'static str, &'static str)],
    /// (file, line): the mentions reported and left alone.
    mentions: &'static [(&'static str, usize)],
}

const CASES: &[Case] = &[
    Case {
        // PEP 639 `license = "MIT"`, a classifier, and `[tool.ruff]` with dotted `lint.*` keys
        // around `line-length`, which re-emitting the document moved.
        repo: "tox-dev-platformdirs",
        old: "MIT",
        new: "Apache-2.0",
        edits: &[
            ("pyproject.toml", 20, "\"MIT\"", "\"Apache-2.0\""),
            (
                "pyproject.toml",
                31,
                "OSI Approved :: MIT License",
                "OSI Approved :: Apache Software License",
            ),
        ],
        mentions: &[],
    },
    Case {
        // PEP 621 `license = { text = "BSD" }` (not the id asked for) and the BSD classifier.
        repo: "jazzband-pip-tools",
        old: "BSD-3-Clause",
        new: "MIT",
        edits: &[(
            "pyproject.toml",
            19,
            "OSI Approved :: BSD License",
            "OSI Approved :: MIT License",
        )],
        mentions: &[],
    },
    Case {
        // The README's badge and its "## License" section name MIT: reported, not edited.
        repo: "psf-black",
        old: "MIT",
        new: "Apache-2.0",
        edits: &[("pyproject.toml", 35, "\"MIT\"", "\"Apache-2.0\"")],
        mentions: &[("README.md", 9), ("README.md", 194)],
    },
    Case {
        // setup.cfg `license = MIT`; no license classifier there.
        repo: "asottile-pyupgrade",
        old: "MIT",
        new: "ISC",
        edits: &[("setup.cfg", 10, "MIT", "ISC")],
        mentions: &[],
    },
    Case {
        // setup.py `license='MIT'` and its classifier; the comment that says "License" is prose.
        repo: "navdeep-G-setup.py",
        old: "MIT",
        new: "Apache-2.0",
        edits: &[
            ("setup.py", 116, "'MIT'", "'Apache-2.0'"),
            (
                "setup.py",
                120,
                "OSI Approved :: MIT License",
                "OSI Approved :: Apache Software License",
            ),
        ],
        mentions: &[],
    },
    Case {
        // `Unlicense OR MIT` at the top, Cargo's deprecated `Unlicense/MIT` in a member, which
        // made the whole repository skip.
        repo: "BurntSushi-ripgrep",
        old: "MIT",
        new: "Apache-2.0",
        edits: &[
            ("Cargo.toml", 15, "OR MIT", "OR Apache-2.0"),
            (
                "crates/index/Cargo.toml",
                14,
                "Unlicense/MIT",
                "Unlicense/Apache-2.0",
            ),
        ],
        mentions: &[],
    },
    Case {
        // A workspace whose `[workspace.package]` declares the license.
        repo: "astral-sh-ruff",
        old: "MIT",
        new: "Apache-2.0",
        edits: &[("Cargo.toml", 13, "\"MIT\"", "\"Apache-2.0\"")],
        mentions: &[],
    },
    Case {
        // A virtual workspace root (no license) and a member that declares one.
        repo: "tokio-rs-tokio",
        old: "MIT",
        new: "Apache-2.0",
        edits: &[("tokio/Cargo.toml", 13, "\"MIT\"", "\"Apache-2.0\"")],
        mentions: &[],
    },
    Case {
        // `license-file` only: nothing to rewrite.
        repo: "surrealdb-surrealdb",
        old: "MIT",
        new: "Apache-2.0",
        edits: &[],
        mentions: &[],
    },
    Case {
        repo: "briansmith-ring",
        old: "ISC",
        new: "MIT",
        edits: &[("Cargo.toml", 7, "AND ISC", "AND MIT")],
        mentions: &[],
    },
    Case {
        repo: "expressjs-express",
        old: "MIT",
        new: "ISC",
        edits: &[("package.json", 15, "\"MIT\"", "\"ISC\"")],
        mentions: &[],
    },
    Case {
        // npm's legacy `"licenses": [{"type": …, "url": …}]`.
        repo: "mscdex-busboy",
        old: "MIT",
        new: "ISC",
        edits: &[("package.json", 20, "\"type\": \"MIT\"", "\"type\": \"ISC\"")],
        mentions: &[],
    },
    Case {
        repo: "laravel-framework",
        old: "MIT",
        new: "Apache-2.0",
        edits: &[("composer.json", 4, "\"MIT\"", "\"Apache-2.0\"")],
        mentions: &[],
    },
    Case {
        // `s.license = "MIT"`; the README's "released under the MIT License" is a mention.
        repo: "rack-rack",
        old: "MIT",
        new: "Apache-2.0",
        edits: &[("rack.gemspec", 10, "\"MIT\"", "\"Apache-2.0\"")],
        mentions: &[("README.md", 386)],
    },
    Case {
        // `s.licenses = ["MIT"]`.
        repo: "ruby-rake",
        old: "MIT",
        new: "Apache-2.0",
        edits: &[("rake.gemspec", 24, "\"MIT\"", "\"Apache-2.0\"")],
        mentions: &[],
    },
    Case {
        // A pom whose `<name>` is an SPDX id.
        repo: "google-gson",
        old: "Apache-2.0",
        new: "MIT",
        edits: &[("pom.xml", 77, "Apache-2.0", "MIT")],
        mentions: &[],
    },
    Case {
        // A pom whose `<name>` is prose: a mention.
        repo: "junit-team-junit4",
        old: "EPL-1.0",
        new: "EPL-2.0",
        edits: &[],
        mentions: &[("pom.xml", 19)],
    },
    Case {
        // A poetry project with REUSE.toml; `SPDX-License-Identifier: MIT OR` (meant to be
        // invalid) sits in tests/test_lint.py inside a REUSE ignore block, as do the README's
        // examples: neither parsed nor rewritten.
        repo: "fsfe-reuse-tool",
        old: "GPL-3.0-or-later",
        new: "AGPL-3.0-or-later",
        edits: &[
            (
                "REUSE.toml",
                23,
                "\"GPL-3.0-or-later\"",
                "\"AGPL-3.0-or-later\"",
            ),
            (
                "REUSE.toml",
                29,
                "\"GPL-3.0-or-later\"",
                "\"AGPL-3.0-or-later\"",
            ),
            (
                "REUSE.toml",
                35,
                "\"GPL-3.0-or-later\"",
                "\"AGPL-3.0-or-later\"",
            ),
            (
                "REUSE.toml",
                55,
                "OR GPL-3.0-or-later",
                "OR AGPL-3.0-or-later",
            ),
            // The manifest's own REUSE header, a comment.
            ("pyproject.toml", 6, "GPL-3.0", "AGPL-3.0"),
            ("pyproject.toml", 20, "AND GPL-3.0", "AND AGPL-3.0"),
            (
                "pyproject.toml",
                51,
                "GNU General Public License v3 or later (GPLv3+)",
                "GNU Affero General Public License v3 or later (AGPLv3+)",
            ),
            ("tests/test_lint.py", 6, "GPL-3.0", "AGPL-3.0"),
        ],
        mentions: &[("README.md", 351)],
    },
    Case {
        repo: "fsfe-reuse-tool",
        old: "MIT",
        new: "ISC",
        edits: &[],
        mentions: &[],
    },
];

fn mentions_of(document: &Value, name: &str) -> Vec<(String, usize)> {
    repo(document, name)["mentions"]
        .as_array()
        .map(|mentions| {
            mentions
                .iter()
                .map(|m| {
                    (
                        m["path"].as_str().expect("a path").to_owned(),
                        usize::try_from(m["line"].as_u64().expect("a line")).expect("small"),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn real_manifests_change_only_inside_their_license_values() {
    let fleet = Fleet::new();
    let mut originals = std::collections::BTreeMap::new();
    for case in CASES {
        originals
            .entry(case.repo)
            .or_insert_with(|| corpus_repo(&fleet, case.repo));
    }
    for case in CASES {
        let original = &originals[case.repo];
        let checked = fleet.json(&[
            "-t",
            case.repo,
            "license-update",
            "--ids-only",
            "--old",
            case.old,
            "--new",
            case.new,
            "-n",
        ]);
        let label = format!("{} {} → {}", case.repo, case.old, case.new);
        let entry = repo(&checked, case.repo);
        let wanted = if case.edits.is_empty() {
            "unchanged"
        } else {
            "changed"
        };
        assert_eq!(entry["outcome"], wanted, "{label}: {entry}");
        let expected: Vec<(String, usize)> = case
            .mentions
            .iter()
            .map(|(path, line)| ((*path).to_owned(), *line))
            .collect();
        assert_eq!(mentions_of(&checked, case.repo), expected, "{label}");

        fleet
            .cmd()
            .args([
                "-t",
                case.repo,
                "license-update",
                "--ids-only",
                "--no-commit",
            ])
            .args(["--old", case.old, "--new", case.new])
            .assert()
            .success();
        let dir = fleet.path(case.repo);
        for (path, bytes) in original {
            let mut want = bytes.clone();
            for (_, line, from, to) in case.edits.iter().filter(|e| e.0 == path) {
                want = edited(&want, *line, from, to);
            }
            let got = fs::read(dir.join(path)).expect("read a rewritten file");
            assert!(
                got == want,
                "{label}: {path} differs from the expected bytes:\n{}",
                String::from_utf8_lossy(&got)
            );
        }
        fleet.git(&dir, &["checkout", "-q", "--", "."]);
    }
}

#[test]
fn mentions_are_named_in_the_human_report() {
    let fleet = Fleet::new();
    corpus_repo(&fleet, "psf-black");
    let output = fleet
        .cmd()
        .args([
            "license-update",
            "--ids-only",
            "--old",
            "MIT",
            "--new",
            "ISC",
            "-n",
        ])
        .output()
        .expect("run git-batch");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("mentioned at README.md:9, left alone: <a href="),
        "{stdout}"
    );
}

#[test]
fn files_naming_a_renamed_license_file_are_mentioned() {
    // ripgrep's Cargo.toml names LICENSE-MIT in its Debian assets; the run renames that file
    // to LICENSE-APACHE, so the line is reported (and left alone: it is not a declaration).
    let fleet = Fleet::new();
    let cargo = fs::read(corpus().join("BurntSushi-ripgrep/Cargo.toml")).expect("corpus");
    let mit = spdx::license_id("MIT")
        .expect("MIT")
        .text()
        .as_bytes()
        .to_vec();
    let workflow = b"steps:\n  - run: cp LICENSE-MIT dist/\n  - run: cp LICENSE-MIT-0 dist/\n";
    repo_with(
        &fleet,
        "rg",
        &[
            ("Cargo.toml", &cargo),
            ("LICENSE-MIT", &mit),
            ("UNLICENSE", b"This is free and unencumbered software.\n"),
            (".github/workflows/release.yml", workflow),
        ],
    );
    let document = fleet.json(&[
        "license-update",
        "--old",
        "MIT",
        "--new",
        "Apache-2.0",
        "-n",
    ]);
    let entry = repo(&document, "rg");
    assert_eq!(entry["outcome"], "changed", "{entry}");
    assert_eq!(
        entry["files"],
        serde_json::json!(["Cargo.toml", "LICENSE-APACHE", "LICENSE-MIT"])
    );
    assert_eq!(
        mentions_of(&document, "rg"),
        vec![
            (".github/workflows/release.yml".to_owned(), 2),
            ("Cargo.toml".to_owned(), 107),
        ]
    );
    assert_eq!(
        repo(&document, "rg")["mentions"][1]["text"],
        "[\"LICENSE-MIT\", \"usr/share/doc/ripgrep/\", \"644\"],"
    );
}

#[test]
fn an_invalid_expression_inside_a_reuse_ignore_block_does_not_skip_the_repository() {
    // reuse-tool's own tests/test_lint.py: `SPDX-License-Identifier: MIT OR` on purpose,
    // between `REUSE-IgnoreStart` and (no) `REUSE-IgnoreEnd`, after its real header.
    let fleet = Fleet::new();
    let lint = fs::read(corpus().join("fsfe-reuse-tool/tests/test_lint.py")).expect("corpus");
    repo_with(
        &fleet,
        "reuse",
        &[
            ("tests/test_lint.py", &lint),
            ("src/lib.py", b"# SPDX-License-Identifier: MIT\n"),
        ],
    );
    let document = fleet.json(&[
        "license-update",
        "--ids-only",
        "--old",
        "MIT",
        "--new",
        "ISC",
    ]);
    let entry = repo(&document, "reuse");
    assert_eq!(entry["outcome"], "changed", "{entry}");
    assert_eq!(entry["files"], serde_json::json!(["src/lib.py"]));
    let dir = fleet.path("reuse");
    assert_eq!(
        fs::read(dir.join("tests/test_lint.py")).expect("read"),
        lint,
        "nothing inside the ignore block changed"
    );
}

#[test]
fn mentions_in_human_and_json_output() {
    let fleet = Fleet::new();
    let cargo = b"[package]\nname = \"x\"\nlicense = \"MIT OR Apache-2.0\"\ninclude = [\"src/\", \"LICENSE-MIT\"]\n";
    let readme = b"# x\n\n[![License: MIT](https://img.shields.io/badge/License-MIT-yellow.svg)](LICENSE-MIT)\n";
    let setup_cfg = b"[metadata]\nname = x\nlicense = MIT License\n";
    let mit = spdx::license_id("MIT")
        .expect("MIT")
        .text()
        .as_bytes()
        .to_vec();
    repo_with(
        &fleet,
        "crate",
        &[
            ("Cargo.toml", cargo),
            ("README.md", readme),
            ("LICENSE-MIT", &mit),
            ("python/setup.cfg", setup_cfg),
        ],
    );
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r#""duration_ms": ?\d+"#, r#""duration_ms": "[ms]""#);
    settings.add_filter(r"total in \d+\.\d+s", "total in [ELAPSED]s");
    settings.add_filter(
        r#""head_(before|after)": ?"[0-9a-f]{40}""#,
        r#""head_$1": "[HEAD]""#,
    );
    for (name, format) in [("mentions_human", "human"), ("mentions_json", "json")] {
        let output = fleet
            .cmd()
            .args(["--color", "never", "--format", format, "license-update"])
            // The SPDX text's copyright line is a placeholder: nothing to carry into ISC's.
            .args([
                "--old",
                "MIT",
                "--new",
                "ISC",
                "--copyright",
                "2024 X",
                "-n",
            ])
            .output()
            .expect("run git-batch");
        assert!(output.status.success());
        let rendered = String::from_utf8_lossy(&output.stdout)
            .replace(fleet.root.to_str().expect("UTF-8"), "[ROOT]");
        settings.bind(|| insta::assert_snapshot!(name, rendered));
    }
}
