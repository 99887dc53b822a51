//! What a release ships: the archive `scripts/pack-release.sh` makes (the script the release
//! workflow runs, run here for real), the workflow's targets against those the Action asks
//! for, and the crate `cargo package` would upload.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::action::yaml;
use crate::fixture::{Fleet, GIT_BATCH};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn pack(dist: &Path, binary: &Path, args: &[&str]) -> std::process::Output {
    Command::new("bash")
        .arg(crate_dir().join("scripts/pack-release.sh"))
        .args(args)
        .env("DIST", dist)
        .env("BINARY", binary)
        .output()
        .expect("run pack-release.sh")
}

#[test]
fn the_release_archive_holds_the_binary_its_man_pages_and_completions() {
    let fleet = Fleet::new();
    let dist = fleet.base.join("dist");
    let binary = fleet.base.join("git-batch");
    let status = Command::new("strip")
        .arg("-o")
        .arg(&binary)
        .arg(GIT_BATCH)
        .status()
        .expect("strip");
    assert!(status.success());
    let target = "x86_64-unknown-linux-musl";
    let packed = pack(&dist, &binary, &[target, &format!("v{VERSION}")]);
    assert!(
        packed.status.success(),
        "{}",
        String::from_utf8_lossy(&packed.stderr)
    );
    let name = format!("git-batch-{VERSION}-{target}");
    let archive = dist.join(format!("{name}.tar.gz"));
    let listing = Command::new("tar")
        .arg("-tzvf")
        .arg(&archive)
        .output()
        .expect("tar");
    let listing = String::from_utf8_lossy(&listing.stdout);
    for entry in [
        "git-batch",
        "man/git-batch.1",
        "man/git-batch-sync.1",
        "man/git-batch-license-update.1",
        "completions/git-batch.bash",
        "completions/_git-batch",
        "completions/git-batch.fish",
        "README.md",
        "CHANGELOG.md",
    ] {
        assert!(
            listing
                .lines()
                .any(|line| line.ends_with(&format!(" {name}/{entry}"))),
            "{entry} not in the archive:\n{listing}"
        );
    }
    let binary_line = listing
        .lines()
        .find(|line| line.ends_with(&format!(" {name}/git-batch")))
        .expect("the binary");
    assert!(binary_line.starts_with("-rwxr-xr-x"), "{binary_line}");

    // SHA256SUMS names every archive with its checksum, as `sha256sum -c` reads it.
    let sums = pack(&dist, &binary, &["--sums"]);
    assert!(sums.status.success());
    let listed = fs::read_to_string(dist.join("SHA256SUMS")).expect("SHA256SUMS");
    assert!(listed.ends_with(&format!("  {name}.tar.gz\n")), "{listed}");
    let check = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&dist)
        .output()
        .expect("sha256sum");
    assert!(check.status.success(), "{listed}");

    // A binary that is not the version being released is refused.
    let wrong = pack(&dist, &binary, &[target, "9.9.9"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains(&format!("says 'git-batch {VERSION}'")),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    assert!(
        !dist
            .join("git-batch-9.9.9-x86_64-unknown-linux-musl.tar.gz")
            .exists()
    );
}

#[test]
fn the_release_workflow_builds_every_target_the_action_and_binstall_ask_for() {
    let workflow = yaml(&crate_dir().join(".github/workflows/release.yml"));
    let build = &workflow["jobs"]["build"];
    let mut targets: Vec<&str> = build["strategy"]["matrix"]["include"]
        .as_array()
        .expect("a matrix")
        .iter()
        .map(|entry| entry["target"].as_str().expect("a target"))
        .collect();
    targets.sort_unstable();
    assert_eq!(
        targets,
        [
            "aarch64-apple-darwin",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "x86_64-unknown-linux-musl",
        ]
    );
    let runs: String = build["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|step| step["run"].as_str())
        .collect();
    assert!(
        runs.contains("scripts/pack-release.sh \"${{ matrix.target }}\""),
        "{runs}"
    );
    // The Action asks for exactly these names (uname → target).
    let action = fs::read_to_string(crate_dir().join("scripts/action.sh")).expect("read");
    for part in ["unknown-linux-musl", "apple-darwin", "x86_64", "aarch64"] {
        assert!(action.contains(part), "{part}");
    }
    assert!(action.contains("name=\"git-batch-$version-$target\""));
    // And cargo binstall the same archive.
    let manifest = fs::read_to_string(crate_dir().join("Cargo.toml")).expect("read");
    assert!(manifest.contains(
        "pkg-url = \"{ repo }/releases/download/v{ version }/{ name }-{ version }-{ target }.tar.gz\""
    ));
}

#[test]
fn the_crate_ships_its_source_and_documents_only() {
    let output = Command::new(env!("CARGO"))
        .args(["package", "--list", "--locked", "--allow-dirty"])
        .current_dir(crate_dir())
        .envs(crate::fixture::real_cargo_env())
        .output()
        .expect("cargo package --list");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let list = String::from_utf8_lossy(&output.stdout);
    let files: Vec<&str> = list.lines().collect();
    assert!(files.contains(&"src/main.rs"), "{list}");
    assert!(
        files.contains(&"README.md") && files.contains(&"Cargo.lock"),
        "{list}"
    );
    for file in &files {
        assert!(
            file.starts_with("src/")
                || [
                    "Cargo.toml",
                    "Cargo.toml.orig",
                    "Cargo.lock",
                    "README.md",
                    "CHANGELOG.md",
                    ".cargo_vcs_info.json",
                ]
                .contains(file),
            "{file} would ship to crates.io"
        );
        for kept_out in [
            "tests/",
            "bench",
            ".github/",
            "snapshots",
            "proptest-regressions",
        ] {
            assert!(!file.contains(kept_out), "{file} would ship to crates.io");
        }
    }
}
