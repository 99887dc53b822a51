//! License texts from real repositories (tests/data/licenses, sources in its SOURCES.md): each is
//! recognised as exactly the license it is, and no near-miss (a license with an exception or an
//! extra clause, MIT-0 beside MIT, BSD-2 beside BSD-3, GPL-2 beside GPL-3, LGPL beside GPL, a
//! file that only points to others) is taken for one. `--nocapture` prints the figures.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use git_batch::license::text::{find, holds_license};

use crate::fixture::Fleet;
use crate::license::repo_with;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/licenses")
}

/// (file, license) from SOURCES.md's table; `None` for a near-miss.
fn sources() -> Vec<(String, Option<String>)> {
    let table = fs::read_to_string(corpus().join("SOURCES.md")).expect("read SOURCES.md");
    table
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let file = cells[1].trim_matches('`').to_owned();
            let license = (cells[5] != "none").then(|| cells[5].to_owned());
            (file, license)
        })
        .collect()
}

#[test]
fn every_real_license_file_is_recognised_as_what_it_is() {
    let sources = sources();
    assert!(sources.len() >= 50, "{} files in SOURCES.md", sources.len());
    let mut ids: Vec<&str> = sources.iter().filter_map(|(_, id)| id.as_deref()).collect();
    ids.sort_unstable();
    ids.dedup();
    let texts: Vec<(&str, &str)> = ids
        .iter()
        .map(|id| (*id, spdx::license_id(id).expect("an SPDX id").text()))
        .collect();
    // license (or "none") -> (right, total)
    let mut figures: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (file, expected) in &sources {
        let bytes = fs::read(corpus().join(file)).expect("read a corpus file");
        let content = String::from_utf8_lossy(&bytes);
        let recognised: Vec<&str> = texts
            .iter()
            .filter(|(_, text)| holds_license(&content, text))
            .map(|(id, _)| *id)
            .collect();
        let right = recognised == expected.as_deref().into_iter().collect::<Vec<_>>();
        let entry = figures
            .entry(
                expected
                    .clone()
                    .unwrap_or_else(|| "none (near-miss)".into()),
            )
            .or_default();
        entry.1 += 1;
        if right {
            entry.0 += 1;
        } else {
            wrong.push(format!(
                "{file}: is {}, recognised as {recognised:?}",
                expected.as_deref().unwrap_or("none")
            ));
        }
    }
    println!("license               right / total");
    let (mut right, mut total) = (0, 0);
    for (license, (ok, all)) in &figures {
        println!("{license:<22}{ok:>5} / {all}");
        right += ok;
        total += all;
    }
    println!("{:<22}{right:>5} / {total}", "all");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The copyright notice carried from each recognised file into a new text is the project's: its
/// own lines, above the terms, never the FSF's notice of the GNU texts nor a line of the terms.
#[test]
fn the_notice_carried_is_the_projects_own() {
    let mut carried = 0;
    for (file, expected) in sources() {
        let Some(id) = expected else { continue };
        let bytes = fs::read(corpus().join(&file)).expect("read a corpus file");
        let content = String::from_utf8_lossy(&bytes);
        let text = spdx::license_id(&id).expect("an SPDX id").text();
        let found = find(&content, text).unwrap_or_else(|| panic!("{file} holds {id}"));
        let lines: Vec<&str> = content.lines().map(str::trim).collect();
        for line in &found.notice {
            assert!(lines.contains(&line.as_str()), "{file}: {line}");
            assert!(!line.contains("Free Software Foundation"), "{file}: {line}");
            assert!(!line.starts_with("(c) You must"), "{file}: {line}");
        }
        // A copyright line among the first lines is the notice above the terms.
        let first = lines
            .iter()
            .take(6)
            .find(|line| line.starts_with("Copyright"));
        if let (Some(first), false) = (first, id.contains("GPL")) {
            assert_eq!(
                found.notice.first().map(String::as_str),
                Some(*first),
                "{file}"
            );
            carried += 1;
        }
    }
    assert!(carried >= 20, "{carried} files carried a notice");
}

/// A real Rust crate's pair of license files: `--old Apache-2.0 --new MIT` recognises its
/// wrapped LICENSE-APACHE and removes it (LICENSE-MIT is there already).
#[test]
fn a_real_crate_license_apache_is_replaced() {
    let fleet = Fleet::new();
    let apache = fs::read(corpus().join("serde-rs__serde__LICENSE-APACHE")).expect("read");
    let mit = fs::read(corpus().join("serde-rs__serde__LICENSE-MIT")).expect("read");
    repo_with(
        &fleet,
        "crate",
        &[
            ("LICENSE-APACHE", &apache),
            ("LICENSE-MIT", &mit),
            (
                "Cargo.toml",
                b"[package]\nname = \"c\"\nlicense = \"MIT OR Apache-2.0\"\n",
            ),
        ],
    );
    fleet
        .cmd()
        .args(["license-update", "--old", "Apache-2.0", "--new", "MIT"])
        .assert()
        .success();
    let dir = fleet.path("crate");
    assert!(!dir.join("LICENSE-APACHE").exists());
    assert_eq!(fs::read(dir.join("LICENSE-MIT")).expect("read"), mit);
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).expect("read");
    assert!(manifest.contains("license = \"MIT\""), "{manifest}");
}
