//! Unit tests of the manifest editors: each form rewritten, every other byte kept, mentions found.

use super::*;

#[test]
fn reuse_toml_annotations_are_rewritten_in_place() {
    let text = "version = 1\n\n# vendored\n[[annotations]]\npath = \"vendor/**\"\n\
                SPDX-License-Identifier = \"MIT OR Apache-2.0\"  # theirs\n\n\
                [[annotations]]\npath = \"docs/**\"\nSPDX-License-Identifier = [\"MIT\", \"CC0-1.0\"]\n";
    let out = rewrite_manifest("REUSE.toml", text, "MIT", "ISC")
        .expect("valid")
        .expect("changed");
    assert_eq!(
        out,
        text.replace("\"MIT OR", "\"ISC OR")
            .replace("[\"MIT\"", "[\"ISC\"")
    );
    assert_eq!(
        rewrite_manifest("REUSE.toml", text, "GPL-2.0-only", "ISC").expect("ok"),
        None
    );
}

#[test]
fn dep5_license_fields_are_rewritten() {
    let text = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n\
                Files: src/*\r\nCopyright: 2024 Jane\r\nLicense:  MIT OR Apache-2.0\r\n\
                Files: vendor/*\nLicense: MIT-0\n";
    let out = rewrite_dep5(text, "MIT", "ISC")
        .expect("valid")
        .expect("changed");
    assert_eq!(out, text.replace("License:  MIT OR", "License:  ISC OR"));
}

fn rw(file: &str, text: &str) -> Option<String> {
    rewrite_manifest(file, text, "MIT", "Apache-2.0").expect("valid")
}

#[test]
fn cargo_toml_keeps_comments_and_key_order() {
    let text = "# the crate\n[package]\nversion = \"1.0.0\"   # bumped by hand\n\
                license = \"MIT OR Zlib\" # see LICENSE\nname = \"odd-order\"\n";
    assert_eq!(
        rw("Cargo.toml", text).as_deref(),
        Some(
            "# the crate\n[package]\nversion = \"1.0.0\"   # bumped by hand\n\
             license = \"Apache-2.0 OR Zlib\" # see LICENSE\nname = \"odd-order\"\n"
        )
    );
}

#[test]
fn workspace_inheritance_is_left_alone_and_the_workspace_field_is_rewritten() {
    let member = "[package]\nname = \"m\"\nlicense.workspace = true\n";
    assert_eq!(rw("Cargo.toml", member), None);
    let root = "[workspace]\nmembers = [\"m\"]\n\n[workspace.package]\nlicense = \"MIT\"\n";
    assert_eq!(
        rw("Cargo.toml", root).as_deref(),
        Some("[workspace]\nmembers = [\"m\"]\n\n[workspace.package]\nlicense = \"Apache-2.0\"\n")
    );
}

#[test]
fn pyproject_string_table_and_poetry_forms() {
    assert_eq!(
        rw(
            "pyproject.toml",
            "[project]\nname = \"p\"\nlicense = \"MIT\"\n"
        )
        .as_deref(),
        Some("[project]\nname = \"p\"\nlicense = \"Apache-2.0\"\n")
    );
    assert_eq!(
        rw(
            "pyproject.toml",
            "[project]\nlicense = { text = \"MIT\" }\n"
        )
        .as_deref(),
        Some("[project]\nlicense = { text = \"Apache-2.0\" }\n")
    );
    assert_eq!(
        rw("pyproject.toml", "[tool.poetry]\nlicense = \"MIT\"\n").as_deref(),
        Some("[tool.poetry]\nlicense = \"Apache-2.0\"\n")
    );
}

#[test]
fn package_json_keeps_its_odd_indentation() {
    let text = "{\n   \"name\":\"x\",\n\t\"dependencies\" : { \"license\": \"MIT\" },\n      \"license\" :  \"MIT\"\n}\n";
    assert_eq!(
        rw("package.json", text).as_deref(),
        Some(
            "{\n   \"name\":\"x\",\n\t\"dependencies\" : { \"license\": \"MIT\" },\n      \"license\" :  \"Apache-2.0\"\n}\n"
        )
    );
    assert_eq!(rw("package.json", "{\"license\": \"MIT-0\"}"), None);
    assert_eq!(rw("package.json", "{\"name\": \"x\"}"), None);
}

#[test]
fn broken_manifests_are_reported() {
    assert!(rewrite_manifest("Cargo.toml", "[package\n", "MIT", "ISC").is_err());
    assert!(rewrite_manifest("package.json", "{", "MIT", "ISC").is_err());
}

fn edit(file: &str, text: &str, old: &str, new: &str) -> ManifestEdit {
    edit_manifest(file, text, old, new).expect("valid")
}

fn lines(edit: &ManifestEdit) -> Vec<usize> {
    edit.mentions.iter().map(|m| m.line).collect()
}

#[test]
fn pyproject_dotted_keys_keep_their_place() {
    // toml_edit re-emitted `line-length` after the dotted `lint.*` keys.
    let text = "[project]\nname = \"p\"\nlicense = 'MIT'\n\n[tool.ruff]\nlint.select = [\"ALL\"]\n\
                line-length = 88\nlint.ignore = [\"D\"]\n";
    assert_eq!(
        rw("pyproject.toml", text).as_deref(),
        Some(text.replace("'MIT'", "'Apache-2.0'").as_str())
    );
}

#[test]
fn pyproject_classifiers_follow_when_the_new_id_has_one() {
    let text = "[project]\nlicense = {text = \"MIT License\"}\nclassifiers = [\n  \"Programming Language :: Python\",\n  \
                \"License :: OSI Approved :: MIT License\",\n]\n";
    let out = edit("pyproject.toml", text, "MIT", "Apache-2.0");
    assert_eq!(
        out.rewritten.as_deref(),
        Some(
            text.replace(
                "OSI Approved :: MIT License",
                "OSI Approved :: Apache Software License"
            )
            .as_str()
        )
    );
    // The `text` is prose: named, left alone.
    assert_eq!(lines(&out), vec![2]);
    // No classifier for the new id: the old one is a mention.
    let out = edit("pyproject.toml", text, "MIT", "BlueOak-1.0.0");
    assert!(out.rewritten.is_some());
    let out = edit("pyproject.toml", text, "MIT", "LicenseRef-Mine");
    assert_eq!(out.rewritten, None);
    assert_eq!(lines(&out), vec![2, 5]);
}

#[test]
fn a_classifier_already_there_is_not_duplicated() {
    let text = "[project]\nlicense = \"MIT OR Apache-2.0\"\nclassifiers = [\"License :: OSI Approved :: MIT License\", \
                \"License :: OSI Approved :: Apache Software License\"]\n";
    let out = edit("pyproject.toml", text, "MIT", "Apache-2.0");
    assert_eq!(
        out.rewritten.as_deref(),
        Some(
            text.replace("\"MIT OR Apache-2.0\"", "\"Apache-2.0\"")
                .as_str()
        )
    );
    assert_eq!(lines(&out), vec![3]);
}

#[test]
fn setup_cfg_license_and_classifiers() {
    let text = "[metadata]\nname = x\nlicense = MIT\nlicense_files = LICENSE\nclassifiers =\n    \
                License :: OSI Approved :: MIT License\n    Programming Language :: Python\n\n\
                [options]\nlicense = MIT\n";
    let out = edit("setup.cfg", text, "MIT", "ISC");
    let expected = "[metadata]\nname = x\nlicense = ISC\nlicense_files = LICENSE\nclassifiers =\n    \
                    License :: OSI Approved :: ISC License (ISCL)\n    Programming Language :: Python\n\n\
                    [options]\nlicense = MIT\n";
    assert_eq!(out.rewritten.as_deref(), Some(expected));
    let prose = edit(
        "setup.cfg",
        "[metadata]\r\nlicense = MIT License\r\n",
        "MIT",
        "ISC",
    );
    assert_eq!(prose.rewritten, None);
    assert_eq!(lines(&prose), vec![2]);
}

#[test]
fn setup_py_keyword_and_classifiers() {
    let text = "setup(\n    name='x',\n    license=\"MIT\",\n    classifiers=[\n        'License :: OSI Approved :: MIT License',\n    ],\n)\n";
    let out = edit("setup.py", text, "MIT", "Apache-2.0");
    assert_eq!(
        out.rewritten.as_deref(),
        Some(
            text.replace("\"MIT\"", "\"Apache-2.0\"")
                .replace("MIT License'", "Apache Software License'")
                .as_str()
        )
    );
}

#[test]
fn gemspec_license_and_licenses() {
    let text = "Gem::Specification.new do |spec|\n  spec.license = \"MIT\"\n  spec.licenses = ['MIT', \"Ruby\"]\n  \
                s.licenses = %w[MIT BSD-2-Clause]\n  spec.license_files = ['MIT-LICENSE']\nend\n";
    let out = edit("x.gemspec", text, "MIT", "Apache-2.0");
    assert_eq!(
        out.rewritten.as_deref(),
        Some(
            text.replace("MIT\"", "Apache-2.0\"")
                .replace("'MIT'", "'Apache-2.0'")
                .replace("%w[MIT", "%w[Apache-2.0")
                .as_str()
        )
    );
}

#[test]
fn composer_json_string_and_array() {
    let text = "{\n    \"name\": \"a/b\",\n    \"license\": [\"MIT\", \"GPL-3.0-or-later\"]\n}\n";
    assert_eq!(
        rw("composer.json", text).as_deref(),
        Some(text.replace("[\"MIT\"", "[\"Apache-2.0\"").as_str())
    );
    assert_eq!(
        rw("composer.json", "{\"license\": \"MIT\"}").as_deref(),
        Some("{\"license\": \"Apache-2.0\"}")
    );
}

#[test]
fn package_json_legacy_forms() {
    let object = "{\n  \"license\": {\n    \"type\": \"MIT\",\n    \"url\": \"https://opensource.org/licenses/MIT\"\n  }\n}\n";
    let out = edit("package.json", object, "MIT", "ISC");
    assert_eq!(
        out.rewritten.as_deref(),
        Some(
            object
                .replace("\"type\": \"MIT\"", "\"type\": \"ISC\"")
                .as_str()
        )
    );
    assert_eq!(lines(&out), vec![4]);
    let array = "{\"licenses\": [ { \"type\": \"MIT\", \"url\": \"http://x/LICENSE\" }, {\"type\": \"GPL-2.0\"} ]}";
    assert_eq!(
        rw("package.json", array).as_deref(),
        Some(array.replace("\"MIT\"", "\"Apache-2.0\"").as_str())
    );
    // npm's own forms that are not expressions are not an error.
    assert_eq!(
        rw(
            "package.json",
            "{\"license\": \"SEE LICENSE IN LICENSE-MIT\"}"
        ),
        None
    );
}

#[test]
fn pom_names_spdx_or_prose() {
    let text = "<project>\n  <name>MIT</name>\n  <licenses>\n    <license>\n      <name>MIT</name>\n    </license>\n    \
                <license>\n      <name>The MIT License</name>\n    </license>\n  </licenses>\n</project>\n";
    let out = edit("pom.xml", text, "MIT", "Apache-2.0");
    assert_eq!(
        out.rewritten.as_deref(),
        Some(
            text.replacen(
                "<name>MIT</name>\n    </license>",
                "<name>Apache-2.0</name>\n    </license>",
                1
            )
            .as_str()
        )
    );
    assert_eq!(lines(&out), vec![8]);
}

#[test]
fn cargo_strict_fields_still_refuse_a_broken_expression() {
    assert!(
        rewrite_manifest(
            "Cargo.toml",
            "[package]\nlicense = \"MIT OR\"\n",
            "MIT",
            "ISC"
        )
        .is_err()
    );
}

/// Every real manifest of `tests/data/manifests`, by file name and text.
fn corpus() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/manifests");
    let mut found = Vec::new();
    let mut pending = vec![root];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("the corpus folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let name = path
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            if is_manifest(&name) {
                found.push((name, std::fs::read_to_string(&path).expect("UTF-8")));
            }
        }
    }
    assert!(found.len() >= 15, "the corpus is there");
    found
}

#[test]
fn every_real_manifest_changes_only_inside_license_values() {
    // Every id that appears in the corpus, to every other: whatever the rewrite, the lines that
    // change are the lines that held the old id or its classifier, and they now name the new id.
    let ids = [
        "MIT",
        "Apache-2.0",
        "BSD-3-Clause",
        "ISC",
        "GPL-3.0-or-later",
        "CC-BY-SA-4.0",
        "CC0-1.0",
        "Unlicense",
        "EPL-1.0",
    ];
    let mut rewritten = 0;
    for (name, text) in corpus() {
        for old in ids {
            for new in ids.iter().filter(|new| **new != old) {
                let Ok(edit) = edit_manifest(&name, &text, old, new) else {
                    continue;
                };
                let Some(out) = edit.rewritten else {
                    continue;
                };
                rewritten += 1;
                let before: Vec<&str> = text.split_inclusive('\n').collect();
                let after: Vec<&str> = out.split_inclusive('\n').collect();
                assert_eq!(
                    before.len(),
                    after.len(),
                    "{name} {old} → {new}: line count"
                );
                for (b, a) in before.iter().zip(&after).filter(|(b, a)| b != a) {
                    assert!(
                        crate::license::mentions::names_license(b, old) || b.contains("License ::"),
                        "{name} {old} → {new}: changed a line without {old}: {b:?}"
                    );
                    let classifier_of_new = a.contains("License ::");
                    assert!(
                        crate::license::mentions::names_license(a, new) || classifier_of_new,
                        "{name} {old} → {new}: {a:?} does not name {new}"
                    );
                    if b.contains("License ::") {
                        // A classifier: only its own text changes, not the quotes around it.
                        let parts = |line: &'_ str| {
                            let at = line.find("License ::").expect("a classifier");
                            let rest = &line[at..];
                            let end = rest.find(['"', '\'', '\r', '\n']).unwrap_or(rest.len());
                            (line[..at].to_owned(), rest[end..].to_owned())
                        };
                        assert_eq!(parts(b), parts(a), "{name} {old} → {new}: {b:?} → {a:?}");
                        continue;
                    }
                    // Outside the value, the line is as it was: same start and end.
                    let common_start = b.bytes().zip(a.bytes()).take_while(|(x, y)| x == y).count();
                    let common_end = b
                        .bytes()
                        .rev()
                        .zip(a.bytes().rev())
                        .take_while(|(x, y)| x == y)
                        .count();
                    let end = b.len().saturating_sub(common_end).max(common_start);
                    let changed_old = String::from_utf8_lossy(&b.as_bytes()[common_start..end]);
                    assert!(
                        !changed_old.contains([
                            '=', ':', '<', '>', '[', ']', '{', '}', ',', '#', '"', '\''
                        ]),
                        "{name} {old} → {new}: syntax changed in {b:?} → {a:?}"
                    );
                }
            }
        }
    }
    assert!(
        rewritten >= 20,
        "only {rewritten} rewrites: the corpus is not exercised"
    );
}

#[test]
fn cargo_slashes_are_read_as_or_and_kept() {
    let text = "[package]\nname = \"walkdir\"\nlicense = \"Unlicense/MIT\"\n";
    assert_eq!(
        rw("Cargo.toml", text).as_deref(),
        Some(
            text.replace("Unlicense/MIT", "Unlicense/Apache-2.0")
                .as_str()
        )
    );
    // A rewrite that names one license twice gives the SPDX expression.
    let both = "[package]\nlicense = \"MIT/Apache-2.0\"\n";
    assert_eq!(
        rw("Cargo.toml", both).as_deref(),
        Some("[package]\nlicense = \"Apache-2.0\"\n")
    );
    assert_eq!(
        rw("Cargo.toml", "[package]\nlicense = \"MIT-0/ISC\"\n"),
        None
    );
    // Only Cargo reads slashes so; elsewhere it is still not an expression.
    assert!(
        rewrite_manifest(
            "pyproject.toml",
            "[project]\nlicense = \"Unlicense/MIT\"\n",
            "MIT",
            "ISC"
        )
        .is_err()
    );
    assert!(
        rewrite_manifest(
            "Cargo.toml",
            "[package]\nlicense = \"MIT/\"\n",
            "MIT",
            "ISC"
        )
        .is_err()
    );
}
