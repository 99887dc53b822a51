//! The Action's download of its own release (`install: auto` / `release`), against a local
//! HTTP server on 127.0.0.1 that serves a release packed from this checkout by
//! `scripts/pack-release.sh`, the script the release workflow runs: the archive is installed
//! after its checksum is verified, a wrong checksum is refused with nothing installed, and a
//! missing asset falls back to a source build, said in the log.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use std::{fs, thread};

use crate::action::path_without_git_batch;
use crate::fixture::{Fleet, GIT_BATCH};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The target the Action asks for on this machine (Linux: the static musl build).
fn this_target() -> String {
    let os = match std::env::consts::OS {
        "linux" => "unknown-linux-musl",
        "macos" => "apple-darwin",
        other => panic!("no release target for {other}"),
    };
    format!("{}-{os}", std::env::consts::ARCH)
}

/// A file server on 127.0.0.1 for the files under `root`: GET of a path answers the file or 404.
/// Returns its `http://127.0.0.1:PORT`. The thread lives as long as the test process.
fn serve(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                match reader.read_line(&mut header) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if header == "\r\n" || header == "\n" => break,
                    Ok(_) => {}
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let file = root.join(path.trim_start_matches('/'));
            let answer = match (path.contains(".."), fs::read(&file)) {
                (false, Ok(body)) => (200, "OK", body),
                _ => (404, "Not Found", b"Not Found\n".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {} {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                answer.0,
                answer.1,
                answer.2.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&answer.2);
        }
    });
    format!("http://{address}")
}

/// This checkout's git-batch without its debugging information (a sixth of the size: packing
/// and downloading the debug build's 170 MB would measure gzip, not the Action), at `to`.
fn stripped(to: &Path) -> PathBuf {
    let binary = to.join("git-batch");
    fs::create_dir_all(to).expect("mkdir");
    let status = Command::new("strip")
        .arg("-o")
        .arg(&binary)
        .arg(GIT_BATCH)
        .status()
        .expect("run strip");
    assert!(status.success());
    binary
}

/// `scripts/pack-release.sh TARGET VERSION` with this checkout's git-batch (stripped), into
/// `dist`, then `--sums`; the stripped binary goes to `build`. Returns it.
fn pack(dist: &Path, target: &str, build: &Path) -> PathBuf {
    let binary = stripped(build);
    for args in [vec![target, VERSION], vec!["--sums"]] {
        let output = Command::new("bash")
            .arg(crate_dir().join("scripts/pack-release.sh"))
            .args(&args)
            .env("DIST", dist)
            .env("BINARY", &binary)
            .output()
            .expect("run pack-release.sh");
        assert!(
            output.status.success(),
            "pack-release.sh {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    binary
}

/// A release of this checkout, as GitHub serves it: under `served`, at
/// `/OWNER/git-batch/releases/download/vVERSION/`. Returns that folder and the binary packed.
fn release(served: &Path, owner: &str) -> (PathBuf, PathBuf) {
    let dist = served.join(format!("{owner}/git-batch/releases/download/v{VERSION}"));
    let started = Instant::now();
    let binary = pack(&dist, &this_target(), &served.join("../build"));
    eprintln!("packed a release in {} ms", started.elapsed().as_millis());
    (dist, binary)
}

/// Runs `scripts/action.sh` (`runs` over an empty root) on a runner without git-batch on
/// PATH, with `env` on top. Returns its output and how long it took.
fn run_action(fleet: &Fleet, install: &str, env: &[(&str, String)]) -> (Output, Duration) {
    let temp = fleet.base.join("runner");
    fs::create_dir_all(&temp).expect("mkdir");
    fs::create_dir_all(&fleet.root).expect("mkdir");
    let path = path_without_git_batch(
        &std::env::var("PATH").unwrap_or_default(),
        &fleet.base.join("path"),
    );
    let mut command = Command::new("bash");
    command
        .arg(crate_dir().join("scripts/action.sh"))
        .current_dir(&temp)
        .env_clear()
        .env("PATH", path)
        .env("HOME", &fleet.home)
        .envs(crate::fixture::real_cargo_env())
        .env("XDG_STATE_HOME", fleet.home.join(".local/state"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("LC_ALL", "C")
        .env("GITHUB_OUTPUT", temp.join("output"))
        .env("GITHUB_STEP_SUMMARY", temp.join("summary.md"))
        .env("GITHUB_ACTION_PATH", crate_dir())
        .env("RUNNER_TEMP", &temp)
        .env("INPUT_COMMAND", "runs")
        .env("INPUT_ROOT", &fleet.root)
        .env("INPUT_INSTALL", install);
    for (key, value) in env {
        command.env(key, value);
    }
    let started = Instant::now();
    let output = command.output().expect("run the action's script");
    (output, started.elapsed())
}

fn log(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_action_installs_its_release_from_the_server_it_runs_on_after_checking_its_checksum() {
    let fleet = Fleet::new();
    let served = fleet.base.join("served");
    let (_, packed) = release(&served, "my-org");
    let server = serve(served);
    let (output, took) = run_action(
        &fleet,
        "auto",
        &[
            // As on GitHub Enterprise: the release is on the server the workflow runs on.
            ("GITHUB_SERVER_URL", server.clone()),
            ("GIT_BATCH_ACTION_REPOSITORY", "my-org/git-batch".to_owned()),
        ],
    );
    let log = log(&output);
    let said = log
        .lines()
        .find(|line| line.starts_with("git-batch: installed from the release in "))
        .unwrap_or("(no install line)");
    eprintln!(
        "install: auto, release served on {server}: {said}; the whole step took {} ms \
         (install and a `runs`)",
        took.as_millis()
    );
    assert_eq!(output.status.code(), Some(0), "{log}");
    assert!(
        log.contains(&format!(
            "Downloading {server}/my-org/git-batch/releases/download/v{VERSION}/git-batch-{VERSION}-{}.tar.gz",
            this_target()
        )),
        "{log}"
    );
    assert!(
        log.contains("git-batch: installed from the release in "),
        "{log}"
    );
    assert!(
        log.contains(&format!("git-batch: git-batch {VERSION}\n")),
        "{log}"
    );
    assert!(!log.contains("from source"), "{log}");
    let installed = fleet.home.join(".cargo/bin/git-batch");
    assert_eq!(
        fs::read(&installed).expect("the installed git-batch"),
        fs::read(&packed).expect("this checkout's git-batch"),
        "the archive's binary is the one installed"
    );

    // `install: release` takes the same path; a git-batch on PATH does not count then.
    let (forced, _) = run_action(
        &fleet,
        "release",
        &[(
            "GIT_BATCH_RELEASE_BASE_URL",
            format!("{server}/my-org/git-batch/releases/download"),
        )],
    );
    assert_eq!(forced.status.code(), Some(0), "{}", self::log(&forced));
    assert!(self::log(&forced).contains("installed from the release"));

    // Without GITHUB_SERVER_URL, the server is GitHub Enterprise's API URL without `/api/v3`.
    let (enterprise, _) = run_action(
        &fleet,
        "release",
        &[
            ("GITHUB_API_URL", format!("{server}/api/v3")),
            ("GIT_BATCH_ACTION_REPOSITORY", "my-org/git-batch".to_owned()),
        ],
    );
    let log = self::log(&enterprise);
    assert_eq!(enterprise.status.code(), Some(0), "{log}");
    assert!(
        log.contains(&format!(
            "Downloading {server}/my-org/git-batch/releases/download/v{VERSION}/"
        )),
        "{log}"
    );
}

#[test]
fn a_checksum_that_does_not_match_is_refused_and_nothing_is_installed() {
    let fleet = Fleet::new();
    let served = fleet.base.join("served");
    let (dist, _) = release(&served, "my-org");
    let sums = dist.join("SHA256SUMS");
    let listed = fs::read_to_string(&sums).expect("SHA256SUMS");
    let (hash, rest) = listed.split_at(64);
    let wrong: String = hash
        .chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect();
    fs::write(&sums, format!("{wrong}{rest}")).expect("write");
    let server = serve(served);
    for install in ["auto", "release"] {
        let (output, _) = run_action(
            &fleet,
            install,
            &[(
                "GIT_BATCH_RELEASE_BASE_URL",
                format!("{server}/my-org/git-batch/releases/download"),
            )],
        );
        let log = log(&output);
        assert_eq!(output.status.code(), Some(2), "{install}: {log}");
        assert!(
            log.contains("::error title=git-batch::checksum mismatch for ")
                && log.contains(&format!("SHA256SUMS says {wrong}"))
                && log.contains("nothing installed"),
            "{install}: {log}"
        );
        assert!(!log.contains("from source"), "never a fallback: {log}");
        assert!(!fleet.home.join(".cargo/bin").exists(), "{install}: {log}");
        assert!(
            !fs::read_to_string(fleet.base.join("runner/output"))
                .unwrap_or_default()
                .contains("report=")
        );
        let leftovers: Vec<_> = fs::read_dir(fleet.base.join("runner"))
            .expect("the runner's temp")
            .filter_map(Result::ok)
            .filter(|entry| {
                entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("git-batch-release")
            })
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

#[test]
fn without_an_asset_for_the_platform_auto_builds_from_source_and_release_fails() {
    let fleet = Fleet::new();
    let served = fleet.base.join("served");
    // A release for another platform only.
    let other = if this_target().starts_with("x86_64") {
        "aarch64-unknown-linux-musl"
    } else {
        "x86_64-unknown-linux-musl"
    };
    pack(
        &served.join(format!("my-org/git-batch/releases/download/v{VERSION}")),
        other,
        &fleet.base.join("build"),
    );
    let server = serve(served);
    let env = [
        ("GITHUB_SERVER_URL", server.clone()),
        ("GIT_BATCH_ACTION_REPOSITORY", "my-org/git-batch".to_owned()),
        // The source build itself is the build-from-source test's (action.rs): here, the
        // decision only.
        ("GIT_BATCH_ACTION_DECIDE_ONLY", "1".to_owned()),
    ];
    let (output, _) = run_action(&fleet, "auto", &env);
    let log = log(&output);
    assert_eq!(output.status.code(), Some(0), "{log}");
    let asset = format!("git-batch-{VERSION}-{}.tar.gz", this_target());
    assert!(
        log.contains(&format!(
            "git-batch: no release asset {asset} at {server}/my-org/git-batch/releases/download/v{VERSION}/ (HTTP 404"
        )) && log.contains("; building it from source instead\n"),
        "{log}"
    );
    assert!(log.contains("git-batch: would build from "), "{log}");
    assert!(!fleet.home.join(".cargo/bin/git-batch").exists());

    let (forced, _) = run_action(&fleet, "release", &env);
    let log = self::log(&forced);
    assert_eq!(forced.status.code(), Some(2), "{log}");
    assert!(
        log.contains(&format!(
            "::error title=git-batch::install: release, but no release asset {asset}"
        )),
        "{log}"
    );
    assert!(!log.contains("would build"), "{log}");
}
