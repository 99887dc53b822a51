//! A benchmark, not a test (ignored; `bench/prs.sh` runs it in release): a fleet relicensed as
//! one pull request per repository against the local forge server (GitHub's REST dialect, git
//! through `git http-backend`), by git-batch and by the loop people write for it, and `prs`
//! over the change requests that leaves open.
//!
//! - (a) `git batch license-update --old MIT --new Apache-2.0 --branch relicense --pr`
//! - (b) under `parallel -j 8`, per repository: `git switch -c relicense`, the new LICENSE
//!   copied in, `git commit -a`, `git push origin relicense`, `git switch main`, and one
//!   `curl` POST to `/repos/OWNER/NAME/pulls`.
//! - (c) `git batch prs` over the change requests (a) opened.
//!
//! Each repository holds a README and the MIT license only, so both contenders write the same
//! file. Before each timed run the branches and pull requests of the last one are removed
//! (untimed). Sizes: `BENCH_SIZE` (default 100), `RUNS` (default 3); `GIT_BATCH_BIN` times
//! another build of git-batch (the previous one) in (a).
//!
//! Besides wall times it prints the processor time of each contender with every process it
//! started, and with the server's too (its threads and its `git http-backend`s): the machine
//! runs both, so on a quiet machine whose cores are all busy the ratio of wall times cannot
//! exceed the ratio of those totals.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::fixture::Fleet;
use crate::forge::{Flavour, ForgeServer, TOKEN};
use crate::license::MIT_LICENSE;

const BRANCH: &str = "relicense";
const MESSAGE: &str = "chore: change license from MIT to Apache-2.0";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Processor time from a `/proc/PID/stat`: the process's own (`utime`, `stime`) and that of the
/// children it waited for (`cutime`, `cstime`), in all.
fn stat_cpu(pid: &str) -> Duration {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command's name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(4)
        .filter_map(|field| field.parse::<u64>().ok())
        .sum();
    // Linux counts in clock ticks of 1/100 s (USER_HZ).
    Duration::from_millis(ticks * 10)
}

/// The processor time of this process (the server's threads) and of every child it waited for
/// (the contenders with what they started, and the server's `git http-backend`s), so far.
fn cpu_time() -> Duration {
    stat_cpu("self")
}

/// What one timed run of a contender took: wall time, and the processor time of the contender
/// with every process it started (the server's not counted).
struct Took {
    wall: Duration,
    own: Duration,
}

/// Runs `command` to its end, its output in files under `scratch`; `Err` is that output when it
/// failed. Its processor time counts the processes it waited for in turn.
fn run_measured(mut command: Command, scratch: &Path) -> Result<Took, String> {
    let (out, err) = (scratch.join("bench-out"), scratch.join("bench-err"));
    command
        .stdout(fs::File::create(&out).expect("bench-out"))
        .stderr(fs::File::create(&err).expect("bench-err"));
    let start = Instant::now();
    let mut child = command.spawn().expect("start the contender");
    // Waited for without reaping it, so that its account can still be read.
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let flags = nix::sys::wait::WaitPidFlag::WEXITED | nix::sys::wait::WaitPidFlag::WNOWAIT;
    nix::sys::wait::waitid(nix::sys::wait::Id::Pid(pid), flags).expect("waitid");
    let wall = start.elapsed();
    let own = stat_cpu(&child.id().to_string());
    let ok = child.wait().expect("reap the contender").success();
    if ok {
        return Ok(Took { wall, own });
    }
    let said = |path: &Path| fs::read_to_string(path).unwrap_or_default();
    Err(format!("{}{}", said(&out), said(&err)))
}

/// Runs `run`, returning its wall time and the processor time it and the server spent.
fn timed(run: impl FnOnce() -> Took) -> (Took, Duration) {
    let before = cpu_time();
    let took = run();
    (took, cpu_time().saturating_sub(before))
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// A fleet of `size` repositories served by `server` as `fleet/rNNN`, MIT-licensed, with the
/// server named in `.git-batch.toml`.
fn build_fleet(server: &ForgeServer, size: usize) -> (Fleet, Vec<String>) {
    let fleet = Fleet::new();
    let names: Vec<String> = (0..size).map(|i| format!("r{i:03}")).collect();
    fleet.add_repo(&names[0]);
    fleet.commit_file(&names[0], "LICENSE", MIT_LICENSE, "add the license");
    fleet.git(&fleet.path(&names[0]), &["push", "-q", "origin", "main"]);
    fleet.add_copies(&names[0], &names[1..]);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    server.serve_fleet(&fleet, &refs);
    for name in &names {
        let url = server.git_url(&format!("fleet/{name}"));
        fleet.git(&fleet.path(name), &["remote", "set-url", "origin", &url]);
        fleet.git(&fleet.path(name), &["fetch", "-q", "origin"]);
        // The remote's default branch named here, as a clone of a non-empty remote has it.
        fleet.git(&fleet.path(name), &["remote", "set-head", "origin", "main"]);
    }
    fs::write(
        fleet.root.join(".git-batch.toml"),
        format!(
            "[[forges]]\nhost = \"{}\"\nkind = \"github\"\napi = \"{}\"\n",
            server.host(),
            server.api_root()
        ),
    )
    .expect("write .git-batch.toml");
    (fleet, names)
}

/// Takes the last run's branch away (local, remote-tracking, on the remote) and forgets its
/// pull requests and the requests the server saw.
fn reset(fleet: &Fleet, server: &ForgeServer, names: &[String]) {
    for name in names {
        let path = fleet.path(name);
        fleet.git(&path, &["switch", "-q", "main"]);
        for reference in [
            format!("refs/heads/{BRANCH}"),
            format!("refs/remotes/origin/{BRANCH}"),
        ] {
            let _ = fleet.git_output(&path, &["update-ref", "-d", reference.as_str()]);
        }
        let _ = fleet.git_output(
            &fleet.remote_path(name),
            &["update-ref", "-d", format!("refs/heads/{BRANCH}").as_str()],
        );
    }
    let mut state = server.state();
    state.pulls.clear();
    state.requests.clear();
}

/// The change requests open for the branch, one per repository.
fn assert_all_opened(server: &ForgeServer, names: &[String], who: &str) {
    let pulls = server.pulls();
    let open = pulls
        .iter()
        .filter(|pull| pull.head == BRANCH && !pull.closed && !pull.merged)
        .count();
    assert_eq!(open, names.len(), "{who} left {open} pull requests open");
}

fn run_git_batch(fleet: &Fleet) -> Took {
    let mut command = fleet.batch_in(&fleet.root);
    // `GIT_BATCH_BIN`: another build of git-batch to time (the previous one, for a comparison).
    if let Some(bin) = std::env::var_os("GIT_BATCH_BIN") {
        let mut other = Command::new(bin);
        other.current_dir(&fleet.root).env_clear();
        other.envs(
            command
                .get_envs()
                .filter_map(|(key, value)| Some((key, value?))),
        );
        other.stdin(std::process::Stdio::null());
        command = other;
    }
    command
        .env("GIT_BATCH_TOKEN", TOKEN)
        .args(["license-update", "--old", "MIT", "--new", "Apache-2.0"])
        .args(["--branch", BRANCH, "--pr", "-q", "-m", MESSAGE])
        .args(extra_args());
    run_measured(command, &fleet.scratch).unwrap_or_else(|said| panic!("git-batch failed: {said}"))
}

/// `BENCH_ARGS`: more arguments for git-batch's run (`--per-host 8`), split at spaces.
fn extra_args() -> Vec<String> {
    let args = std::env::var("BENCH_ARGS").unwrap_or_default();
    args.split_whitespace().map(str::to_owned).collect()
}

fn run_loop(fleet: &Fleet, server: &ForgeServer, license: &Path) -> Took {
    let script = r#"
ls -d r*/ | parallel -j 8 'cd {} && n=$(basename {}) &&
  git switch -q -c "$BRANCH" && cp "$LICENSE_FILE" LICENSE && git commit -qam "$MESSAGE" &&
  git push -q origin "$BRANCH" && git switch -q main &&
  curl -sf -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" \
    -H "Accept: application/vnd.github+json" "$API/repos/fleet/$n/pulls" \
    -d "{\"title\":\"$MESSAGE\",\"head\":\"$BRANCH\",\"base\":\"main\"}"'
"#;
    let mut command = fleet.sealed("bash", &fleet.root);
    command
        .args(["-c", script])
        .env("BRANCH", BRANCH)
        .env("MESSAGE", MESSAGE)
        .env("LICENSE_FILE", license)
        .env("TOKEN", TOKEN)
        .env("API", server.api_root());
    run_measured(command, &fleet.scratch).unwrap_or_else(|said| panic!("the loop failed: {said}"))
}

/// API requests and git's smart-HTTP requests in the server's record since the last reset.
fn requests_seen(server: &ForgeServer) -> (usize, usize) {
    let prefix = server.state().flavour.api_prefix();
    let requests = server.requests();
    let api = requests
        .iter()
        .filter(|request| request.path().starts_with(prefix))
        .count();
    (api, requests.len() - api)
}

#[test]
#[ignore = "a benchmark: bench/prs.sh runs it"]
fn bench_change_requests() {
    let size = env_number("BENCH_SIZE", 100);
    let runs = env_number("RUNS", 3).max(1);
    let server = ForgeServer::start(Flavour::GitHub, TOKEN);
    let (fleet, names) = build_fleet(&server, size);

    // One untimed run of each, to warm the caches and to take git-batch's LICENSE for the loop.
    run_git_batch(&fleet);
    assert_all_opened(&server, &names, "git-batch");
    let license = fleet.scratch.join("APACHE-2.0.txt");
    let text = fleet.git(
        &fleet.remote_path(&names[0]),
        &["show", format!("{BRANCH}:LICENSE").as_str()],
    );
    fs::write(&license, text).expect("write the new license");
    reset(&fleet, &server, &names);
    run_loop(&fleet, &server, &license);
    assert_all_opened(&server, &names, "the loop");

    let (mut ours, mut theirs, mut requests) = (Vec::new(), Vec::new(), Vec::new());
    let mut loop_git = Vec::new();
    let (mut our_cpu, mut their_cpu) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        reset(&fleet, &server, &names);
        let (took, cpu) = timed(|| run_git_batch(&fleet));
        ours.push(took.wall);
        our_cpu.push((took.own, cpu));
        assert_all_opened(&server, &names, "git-batch");
        requests.push(requests_seen(&server));
        reset(&fleet, &server, &names);
        let (took, cpu) = timed(|| run_loop(&fleet, &server, &license));
        theirs.push(took.wall);
        their_cpu.push((took.own, cpu));
        assert_all_opened(&server, &names, "the loop");
        loop_git.push(requests_seen(&server).1);
    }

    reset(&fleet, &server, &names);
    run_git_batch(&fleet);
    let mut listing = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let output = fleet
            .batch_in(&fleet.root)
            .env("GIT_BATCH_TOKEN", TOKEN)
            .args(["prs", "-q"])
            .output()
            .expect("run git-batch prs");
        listing.push(start.elapsed());
        assert!(
            output.status.success(),
            "prs failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let (ours, theirs) = (median(&mut ours), median(&mut theirs));
    let most_requests = requests.iter().map(|seen| seen.0).max().unwrap_or(0);
    let most_git = requests.iter().map(|seen| seen.1).max().unwrap_or(0);
    let loop_most_git = loop_git.iter().max().copied().unwrap_or(0);
    println!("change requests on {size} repositories, median of {runs} runs:");
    println!(
        "  (a) git-batch --branch --pr : {:>8.3} s",
        ours.as_secs_f64()
    );
    println!(
        "  (b) parallel -j 8 loop      : {:>8.3} s",
        theirs.as_secs_f64()
    );
    println!(
        "  ratio (b)/(a)               : {:>8.2}x (goal: at least 2x)",
        theirs.as_secs_f64() / ours.as_secs_f64()
    );
    let cpu = |runs: &[(Duration, Duration)]| {
        let mut own: Vec<Duration> = runs.iter().map(|run| run.0).collect();
        let mut all: Vec<Duration> = runs.iter().map(|run| run.1).collect();
        (
            median(&mut own).as_secs_f64(),
            median(&mut all).as_secs_f64(),
        )
    };
    let ((our_own, our_all), (their_own, their_all)) = (cpu(&our_cpu), cpu(&their_cpu));
    println!(
        "  processor time (a), (b)      : {our_own:>8.2} s, {their_own:.2} s (with the server's: \
         {our_all:.2} s, {their_all:.2} s)"
    );
    println!(
        "  API requests per repository : {:>8.2} (goal: at most 3)",
        most_requests as f64 / size as f64
    );
    println!(
        "  git HTTP requests per repo  : {:>8.2} (the loop: {:.2})",
        most_git as f64 / size as f64,
        loop_most_git as f64 / size as f64
    );
    println!(
        "  (c) prs over {size} open       : {:>8.3} s (goal: under 2 s)",
        median(&mut listing).as_secs_f64()
    );
}
