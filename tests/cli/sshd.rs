//! A real OpenSSH server for the ssh tests: `sshd` run as the current user on 127.0.0.1 on a
//! free port, with a host key and an `authorized_keys` of its own in a temporary folder, serving
//! the fleet's bare remotes by their absolute paths. Clients are configured the way a user
//! would: an ssh config file named by `core.sshCommand` in the sealed `.gitconfig` (ssh reads
//! `~/.ssh` from the password database, not `$HOME`, so the sealed home alone would not do).
//!
//! `sshd` missing is a failure that says how to install it, never a silent skip:
//! `scripts/test.sh` installs Debian's `openssh-server` when it is missing. Set
//! `GIT_BATCH_TEST_SKIP_SSH=1` to skip these tests on purpose.

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::fixture::Fleet;

/// Where Debian's `openssh-server` puts the server; `GIT_BATCH_TEST_SSHD` names another.
const SSHD: &str = "/usr/sbin/sshd";

/// The passphrase of the key that needs one.
pub const PASSPHRASE: &str = "correct horse";

/// A running `sshd`, stopped (and its folder removed) when dropped.
#[derive(Debug)]
pub struct Sshd {
    _dir: TempDir,
    /// The folder holding keys, config and log (canonical).
    pub base: PathBuf,
    pub port: u16,
    /// The user the server runs as, and the one clients log in as.
    pub user: String,
    child: Child,
}

/// Which client key a fleet uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A key without a passphrase, listed in `authorized_keys`.
    Plain,
    /// A key listed in `authorized_keys` that needs a passphrase (and there is no agent).
    Passphrase,
}

impl Sshd {
    /// Starts a server, or returns `None` when `GIT_BATCH_TEST_SKIP_SSH` is set (said on
    /// stderr). Panics, saying why and how to fix it, when `sshd` cannot run.
    pub fn start() -> Option<Sshd> {
        if std::env::var_os("GIT_BATCH_TEST_SKIP_SSH").is_some_and(|v| !v.is_empty()) {
            eprintln!("GIT_BATCH_TEST_SKIP_SSH is set: this ssh test is skipped");
            return None;
        }
        let sshd = std::env::var_os("GIT_BATCH_TEST_SSHD")
            .map_or_else(|| PathBuf::from(SSHD), PathBuf::from);
        assert!(
            sshd.is_file(),
            "{} is missing: the ssh tests need OpenSSH's server (on Debian/Ubuntu: \
             apt-get install openssh-server; scripts/test.sh does it), or set \
             GIT_BATCH_TEST_SKIP_SSH=1 to skip them",
            sshd.display()
        );
        ensure_privsep_dir();
        let dir = tempfile::Builder::new()
            .prefix("git-batch-sshd-")
            .tempdir()
            .expect("create the server's folder");
        let base = fs::canonicalize(dir.path()).expect("canonicalize the server's folder");
        keygen(&base.join("host_key"), "");
        keygen(&base.join("id_plain"), "");
        keygen(&base.join("id_passphrase"), PASSPHRASE);
        let mut authorized = String::new();
        for key in ["id_plain", "id_passphrase"] {
            authorized.push_str(&read(&base.join(format!("{key}.pub"))));
        }
        fs::write(base.join("authorized_keys"), authorized).expect("write authorized_keys");
        let user = current_user();
        // A free port can be taken by someone else between our look and sshd's bind: try again.
        for _ in 0..5 {
            let port = free_port();
            fs::write(base.join("sshd_config"), server_config(&base, port, &user))
                .expect("write sshd_config");
            let log = base.join("sshd.log");
            let _ = fs::remove_file(&log);
            let mut child = Command::new(&sshd)
                .arg("-D")
                .arg("-E")
                .arg(&log)
                .arg("-f")
                .arg(base.join("sshd_config"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|err| panic!("cannot run {}: {err}", sshd.display()));
            match wait_listening(&mut child, &log, port) {
                Ok(()) => {
                    return Some(Sshd {
                        _dir: dir,
                        base,
                        port,
                        user,
                        child,
                    });
                }
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    assert!(
                        why.contains("Address already in use"),
                        "sshd did not start: {why}"
                    );
                }
            }
        }
        panic!("sshd found no free port in five tries")
    }

    /// The URL of the bare remote at `path` on this server.
    pub fn url(&self, path: &Path) -> String {
        format!(
            "ssh://{}@127.0.0.1:{}{}",
            self.user,
            self.port,
            path.display()
        )
    }

    /// Points `origin` of each of `names` at its bare remote over this server.
    pub fn serve(&self, fleet: &Fleet, names: &[&str]) {
        for name in names {
            let url = self.url(&fleet.remote_path(name));
            fleet.git(&fleet.path(name), &["remote", "set-url", "origin", &url]);
        }
    }

    /// The file the host's key is recorded in for `fleet`'s ssh (empty until [`Sshd::trust`]).
    pub fn known_hosts(fleet: &Fleet) -> PathBuf {
        fleet.home.join(".ssh/known_hosts")
    }

    /// Configures `fleet`'s git to reach this server with `key`, the way a user would: an ssh
    /// config file (`IdentityFile`, `UserKnownHostsFile`), named by `core.sshCommand`. The
    /// host's key is not known yet ([`Sshd::trust`]) and no agent runs (the sealed environment
    /// has no `SSH_AUTH_SOCK`).
    pub fn configure(&self, fleet: &Fleet, key: Key) {
        let ssh = fleet.home.join(".ssh");
        fs::create_dir_all(&ssh).expect("create ~/.ssh");
        let identity = self.base.join(match key {
            Key::Plain => "id_plain",
            Key::Passphrase => "id_passphrase",
        });
        let config = ssh.join("config");
        fs::write(
            &config,
            format!(
                "Host 127.0.0.1\n\tIdentityFile {}\n\tIdentitiesOnly yes\n\
                 \tUserKnownHostsFile {}\n\tGlobalKnownHostsFile /dev/null\n",
                identity.display(),
                Sshd::known_hosts(fleet).display()
            ),
        )
        .expect("write the ssh config");
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(Sshd::known_hosts(fleet))
            .expect("create known_hosts");
        let mut gitconfig = fs::OpenOptions::new()
            .append(true)
            .open(fleet.home.join(".gitconfig"))
            .expect("open the sealed .gitconfig");
        writeln!(
            gitconfig,
            "[core]\n\tsshCommand = ssh -F {}",
            config.display()
        )
        .expect("name the ssh config in .gitconfig");
    }

    /// Records the server's host key in `fleet`'s known_hosts, as `ssh-keyscan` would.
    pub fn trust(&self, fleet: &Fleet) {
        let key = read(&self.base.join("host_key.pub"));
        let mut words = key.split_whitespace();
        let (kind, blob) = (
            words.next().expect("a key type"),
            words.next().expect("a key"),
        );
        fs::write(
            Sshd::known_hosts(fleet),
            format!("[127.0.0.1]:{} {kind} {blob}\n", self.port),
        )
        .expect("write known_hosts");
    }

    /// Records another key than the server's for it in `fleet`'s known_hosts, as if the
    /// server had changed its key (or someone were in the middle).
    pub fn trust_another_key(&self, fleet: &Fleet) {
        let key = read(&self.base.join("id_plain.pub"));
        let mut words = key.split_whitespace();
        let (kind, blob) = (
            words.next().expect("a key type"),
            words.next().expect("a key"),
        );
        fs::write(
            Sshd::known_hosts(fleet),
            format!("[127.0.0.1]:{} {kind} {blob}\n", self.port),
        )
        .expect("write known_hosts");
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.base.join("sshd.log")).unwrap_or_default()
    }

    /// The most sessions (commands run: `git-upload-pack`, `git-receive-pack`) that were open
    /// at once, counted from the log's "Starting session" and "Disconnected from user" lines,
    /// which sshd appends in the order they happen; from byte `since` of the log on.
    pub fn most_sessions_at_once(&self, since: usize) -> usize {
        let log = self.log();
        let log = log.get(since..).unwrap_or_default();
        let mut open = std::collections::BTreeSet::new();
        let mut most = 0;
        for line in log.lines() {
            if let Some(rest) = line.strip_prefix("Starting session: ") {
                open.insert(port_of(rest));
                most = most.max(open.len());
            } else if let Some(rest) = line.strip_prefix("Disconnected from user ") {
                open.remove(&port_of(rest));
            }
        }
        most
    }

    /// How many sessions the server started in all.
    pub fn sessions(&self) -> usize {
        self.log()
            .lines()
            .filter(|line| line.starts_with("Starting session: "))
            .count()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The client port in an sshd log line (`... from 127.0.0.1 port 36990 ...`).
fn port_of(line: &str) -> String {
    let mut words = line.split_whitespace();
    while let Some(word) = words.next() {
        if word == "port" {
            return words
                .next()
                .unwrap_or_default()
                .trim_end_matches(':')
                .to_owned();
        }
    }
    String::new()
}

/// Waits (at most 10 s) for sshd to say it listens; on an early exit, returns its log.
fn wait_listening(child: &mut Child, log: &Path, port: u16) -> Result<(), String> {
    let listening = format!("Server listening on 127.0.0.1 port {port}.");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = fs::read_to_string(log).unwrap_or_default();
        if text.contains(&listening) {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("sshd exited ({status}): {text}"));
        }
        if Instant::now() > deadline {
            return Err(format!("sshd did not listen within 10 s: {text}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn server_config(base: &Path, port: u16, user: &str) -> String {
    format!(
        "ListenAddress 127.0.0.1\n\
         Port {port}\n\
         HostKey {base}/host_key\n\
         AuthorizedKeysFile {base}/authorized_keys\n\
         AllowUsers {user}\n\
         PidFile {base}/sshd.pid\n\
         UsePAM no\n\
         StrictModes no\n\
         PasswordAuthentication no\n\
         KbdInteractiveAuthentication no\n\
         PermitRootLogin prohibit-password\n\
         AcceptEnv GIT_PROTOCOL\n\
         PrintMotd no\n\
         LogLevel VERBOSE\n",
        base = base.display()
    )
}

/// Run as root, sshd needs its privilege separation folder, which Debian makes when the ssh
/// service starts (never, on a test machine): made here, as the service would.
fn ensure_privsep_dir() {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0");
    if root && !Path::new("/run/sshd").is_dir() {
        fs::create_dir_all("/run/sshd").expect("create /run/sshd");
    }
}

fn keygen(path: &Path, passphrase: &str) {
    let output = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-C",
            "git-batch-test",
            "-N",
            passphrase,
            "-f",
        ])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .expect("run ssh-keygen (OpenSSH's client tools)");
    assert!(
        output.status.success(),
        "ssh-keygen failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn current_user() -> String {
    let output = Command::new("id").arg("-un").output().expect("run id -un");
    String::from_utf8(output.stdout)
        .expect("a UTF-8 user name")
        .trim()
        .to_owned()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
}
