//! Whether a commit can be made in process, byte for byte as `git commit -m MESSAGE` would make
//! it: nothing of the repository's own would run (hooks) or change the commit (signing, an
//! encoding, a message cleanup of its own), and the author and committer are exactly those git
//! would write. Each "no" names why, and the caller runs `git commit` instead.

use std::ffi::OsString;
use std::path::PathBuf;

use gix::bstr::{BStr, BString, ByteSlice};

/// Reads one environment variable; the process's own in a run, a fixed set in tests.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<OsString>;

/// Hooks that `git commit` runs: around the commit, when it writes the index, when it moves a
/// ref.
const HOOKS: [&str; 6] = [
    "pre-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "post-index-change",
    "reference-transaction",
];

/// Files that make `git commit` record something else than a plain commit (a merge, a
/// cherry-pick) or a different message.
const IN_PROGRESS: [&str; 5] = [
    "MERGE_HEAD",
    "CHERRY_PICK_HEAD",
    "REVERT_HEAD",
    "SQUASH_MSG",
    "MERGE_MSG",
];

/// Variables that point git at another index, object store or repository than gix opened, or
/// give it settings (`git -c`, as a parent git passes them on) that are not read here.
pub(crate) const ELSEWHERE: [&str; 8] = [
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG",
];

/// What the commit will say: its author, committer and cleaned-up message, and the reflog's
/// words for it.
#[derive(Debug, Clone)]
pub struct Plan {
    pub author: gix::actor::Signature,
    pub committer: gix::actor::Signature,
    pub message: BString,
    /// `commit` or `$GIT_REFLOG_ACTION`: the start of the reflog entry.
    pub reflog_action: String,
}

impl Plan {
    /// The reflog entry git writes for the commit: "ACTION: SUBJECT" ("commit (initial): …" for
    /// the first commit), its whitespace folded as git folds it.
    pub fn reflog_message(&self, initial: bool) -> BString {
        let action = if initial && self.reflog_action == "commit" {
            "commit (initial)"
        } else {
            &self.reflog_action
        };
        let subject = self.message.lines().next().unwrap_or_default();
        let mut raw = BString::from(format!("{action}: "));
        raw.extend_from_slice(subject);
        let mut folded = BString::default();
        let mut was_space = true;
        for &byte in raw.iter() {
            let space = is_git_space(byte);
            if was_space && space {
                continue;
            }
            was_space = space;
            folded.push(if space { b' ' } else { byte });
        }
        while folded.last().is_some_and(|&b| is_git_space(b)) {
            folded.pop();
        }
        folded
    }
}

/// Everything `git commit -m message` would do that is not plain: `Err` says why the commit
/// must be left to git.
pub fn plan(repo: &gix::Repository, message: &str, env: Env<'_>) -> Result<Plan, String> {
    for name in ELSEWHERE {
        if env(name).is_some() {
            return Err(format!("{name} is set"));
        }
    }
    if repo.object_hash() != gix::hash::Kind::Sha1 {
        return Err("the repository uses SHA-256 object names".into());
    }
    for name in IN_PROGRESS.iter().chain(&["index.lock"]) {
        if repo.git_dir().join(name).exists() {
            return Err(format!("{name} exists (an operation in progress)"));
        }
    }
    let config = repo.config_snapshot();
    if let Some(hook) = hook_present(repo, &config)? {
        return Err(format!("the repository has a {hook} hook"));
    }
    object_plan(repo, message, env)
}

/// What the commit object will say, for a commit made off the working tree (`--branch`): as
/// `git commit-tree` makes it, no hook runs and nothing in progress matters, but the identity,
/// the signing, the encoding and the message are read exactly as for [`plan`].
pub fn plan_off_tree(repo: &gix::Repository, message: &str, env: Env<'_>) -> Result<Plan, String> {
    for name in ELSEWHERE {
        if env(name).is_some() {
            return Err(format!("{name} is set"));
        }
    }
    if repo.object_hash() != gix::hash::Kind::Sha1 {
        return Err("the repository uses SHA-256 object names".into());
    }
    object_plan(repo, message, env)
}

/// The settings that shape the commit object itself: signing, encoding, includes, the message
/// and the identities.
fn object_plan(repo: &gix::Repository, message: &str, env: Env<'_>) -> Result<Plan, String> {
    let config = repo.config_snapshot();
    if !matches!(config.try_boolean("commit.gpgSign"), Ok(None | Some(false))) {
        return Err("commit.gpgSign asks for signed commits".into());
    }
    if let Some(encoding) = config.string("i18n.commitEncoding") {
        let encoding = encoding.to_str_lossy().to_ascii_lowercase();
        if encoding != "utf-8" && encoding != "utf8" {
            return Err(format!("i18n.commitEncoding is {encoding}"));
        }
    }
    if let Some(sections) = config.plumbing().sections_by_name("includeIf") {
        for section in sections {
            let condition = section.header().subsection_name().unwrap_or_default();
            if !(condition.starts_with(b"gitdir") || condition.starts_with(b"onbranch:")) {
                return Err(format!("includeIf \"{condition}\" is not read in process"));
            }
        }
    }
    let message = cleaned_message(&config, message)?;
    let now = gix::date::Time::now_local_or_utc();
    let author = identity(&config, env, "AUTHOR", "author", now)?;
    let committer = identity(&config, env, "COMMITTER", "committer", now)?;
    let reflog_action = match env("GIT_REFLOG_ACTION") {
        Some(action) => action
            .into_string()
            .map_err(|_| "GIT_REFLOG_ACTION is not UTF-8".to_owned())?,
        None => "commit".to_owned(),
    };
    Ok(Plan {
        author,
        committer,
        message,
        reflog_action,
    })
}

/// The first of `git commit`'s hooks present in the hooks folder (`core.hooksPath`, relative to
/// the working tree, or the repository's `hooks/`), or a hook named in the configuration.
fn hook_present(
    repo: &gix::Repository,
    config: &gix::config::Snapshot<'_>,
) -> Result<Option<String>, String> {
    if config
        .plumbing()
        .sections_by_name("hook")
        .is_some_and(|mut sections| sections.next().is_some())
    {
        return Ok(Some("configured (`hook.*`)".into()));
    }
    let dir: PathBuf = match config.trusted_path("core.hooksPath") {
        Ok(Some(path)) => match repo.workdir() {
            Some(workdir) if path.is_relative() => workdir.join(path),
            _ => path,
        },
        Err(err) => return Err(format!("core.hooksPath cannot be read: {err}")),
        Ok(None) => repo.common_dir().join("hooks"),
    };
    Ok(HOOKS
        .iter()
        .find(|hook| std::fs::symlink_metadata(dir.join(hook)).is_ok())
        .map(|hook| (*hook).to_owned()))
}

/// The message as `git commit -m` leaves it with the repository's `commit.cleanup`:
/// "whitespace" (the default without an editor, and what "scissors" means then), or "strip"
/// with `#` comments.
fn cleaned_message(config: &gix::config::Snapshot<'_>, message: &str) -> Result<BString, String> {
    let mode = config
        .string("commit.cleanup")
        .map(|mode| mode.to_str_lossy().into_owned());
    let comments = match mode.as_deref() {
        None | Some("default" | "whitespace" | "scissors") => false,
        Some("strip") => {
            if config.string("core.commentChar").is_some()
                || config.string("core.commentString").is_some()
            {
                return Err("commit.cleanup=strip with a comment character of its own".into());
            }
            true
        }
        Some(other) => return Err(format!("commit.cleanup is {other}")),
    };
    let cleaned = strip_space(message.as_bytes(), comments);
    if cleaned.is_empty() {
        return Err("the message is empty once cleaned up".into());
    }
    Ok(cleaned)
}

/// git's `strbuf_stripspace`: trailing whitespace off every line, runs of blank lines folded
/// into one, none at the start or the end, every line ending in a newline; with `comments`,
/// lines starting with `#` dropped.
pub(super) fn strip_space(message: &[u8], comments: bool) -> BString {
    let mut out = BString::default();
    let mut empties = 0usize;
    for line in message.split_inclusive(|&b| b == b'\n') {
        if comments && line.starts_with(b"#") {
            continue;
        }
        let kept = line
            .iter()
            .rposition(|&b| !is_git_space(b))
            .map_or(0, |last| last + 1);
        if kept == 0 {
            empties += 1;
            continue;
        }
        if empties > 0 && !out.is_empty() {
            out.push(b'\n');
        }
        empties = 0;
        out.extend_from_slice(&line[..kept]);
        out.push(b'\n');
    }
    out
}

/// git's own `isspace`: space, tab, newline and carriage return (not vertical tab or form feed).
fn is_git_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// The author's or committer's signature as git makes it: `GIT_<WHO>_NAME`, `<who>.name`,
/// `user.name`; `GIT_<WHO>_EMAIL`, `<who>.email`, `user.email`, `$EMAIL`; `GIT_<WHO>_DATE` in
/// git's own format (`SECONDS +HHMM`, `@SECONDS +HHMM`) or now. A name or address git would
/// trim or guess is left to git.
fn identity(
    config: &gix::config::Snapshot<'_>,
    env: Env<'_>,
    upper: &str,
    lower: &str,
    now: gix::date::Time,
) -> Result<gix::actor::Signature, String> {
    let setting = |key: &str| -> Option<BString> {
        config
            .string(format!("{lower}.{key}").as_str())
            .or_else(|| config.string(format!("user.{key}").as_str()))
    };
    let from_env = |name: String| -> Option<BString> {
        env(&name).map(|value| BString::from(value.into_encoded_bytes()))
    };
    let name = from_env(format!("GIT_{upper}_NAME"))
        .or_else(|| setting("name"))
        .ok_or_else(|| format!("no {lower} name is configured (git would guess one)"))?;
    let email = from_env(format!("GIT_{upper}_EMAIL"))
        .or_else(|| setting("email"))
        .or_else(|| from_env("EMAIL".into()))
        .ok_or_else(|| format!("no {lower} email is configured (git would guess one)"))?;
    for (what, value) in [("name", &name), ("email", &email)] {
        if !plain_ident(value.as_bstr()) {
            return Err(format!("the {lower} {what} is one git would clean up"));
        }
    }
    let time = match env(&format!("GIT_{upper}_DATE")) {
        None => now,
        Some(date) => raw_date(&date).ok_or_else(|| {
            format!("GIT_{upper}_DATE is not in git's raw format (SECONDS +HHMM)")
        })?,
    };
    Ok(gix::actor::Signature { name, email, time })
}

/// A name or address git writes as it is: not empty, no `<`, `>` or newline, and nothing at
/// either end that git trims (spaces, control characters, `.,:;"'\`).
fn plain_ident(value: &BStr) -> bool {
    let crud = |b: u8| b <= b' ' || b",.:;<>\"\\'".contains(&b);
    match (value.first(), value.last()) {
        (Some(&first), Some(&last)) => {
            !crud(first) && !crud(last) && !value.iter().any(|b| b"<>\n".contains(b))
        }
        _ => false,
    }
}

/// `SECONDS +HHMM` or `@SECONDS +HHMM`, git's own date format.
fn raw_date(value: &std::ffi::OsStr) -> Option<gix::date::Time> {
    let value = value.to_str()?;
    let (seconds, zone) = value.strip_prefix('@').unwrap_or(value).split_once(' ')?;
    if !seconds.bytes().all(|b| b.is_ascii_digit()) || seconds.len() > 12 || zone.len() != 5 {
        return None;
    }
    let sign = match zone.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = &zone[1..];
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    if minutes >= 60 {
        return None;
    }
    Some(gix::date::Time::new(
        seconds.parse().ok()?,
        sign * (hours * 3600 + minutes * 60),
    ))
}

/// Whether `path` (in the working tree of `repo`) would be changed by git on its way into the
/// index: a `text`, `eol`, `filter`, `ident` or `working-tree-encoding` attribute, or
/// `core.autocrlf`. `Err` names what applies.
pub fn no_conversion(
    repo: &gix::Repository,
    index: &gix::index::State,
    paths: &[&BStr],
) -> Result<(), String> {
    let config = repo.config_snapshot();
    if config
        .string("core.autocrlf")
        .is_some_and(|value| value != "false")
    {
        return Err("core.autocrlf converts line endings".into());
    }
    if config.boolean("core.fileMode") == Some(false) {
        return Err("core.fileMode is false".into());
    }
    let mut stack = repo
        .attributes_only(
            index,
            gix::worktree::stack::state::attributes::Source::WorktreeThenIdMapping,
        )
        .map_err(|err| format!("cannot read .gitattributes: {err}"))?;
    let mut outcome = stack.selected_attribute_matches([
        "text",
        "eol",
        "filter",
        "ident",
        "working-tree-encoding",
        "crlf",
    ]);
    for path in paths {
        let platform = stack
            .at_entry(*path, Some(gix::index::entry::Mode::FILE))
            .map_err(|err| format!("cannot read .gitattributes: {err}"))?;
        if platform.matching_attributes(&mut outcome) {
            let names: Vec<String> = outcome
                .iter_selected()
                .filter(|found| {
                    !matches!(found.assignment.state, gix::attrs::StateRef::Unspecified)
                })
                .map(|found| found.assignment.name.as_str().to_owned())
                .collect();
            if !names.is_empty() {
                return Err(format!("{path} has the attribute {}", names.join(", ")));
            }
        }
    }
    Ok(())
}
