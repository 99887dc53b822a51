//! `list` for people: one repository a line, escaped, ready for a script to read.

use std::io::Write;

use crate::escape;
use crate::settings::Verbosity;
use crate::targets::Repo;

/// The names of `repos`, one a line (`-v`: with the path). One that is refused or could not be
/// read is said on stderr instead: it is not a name a script could use.
pub fn print_list(repos: &[Repo], verbosity: Verbosity) {
    let mut out = std::io::stdout().lock();
    for repo in repos {
        if let Some(reason) = repo.refusal() {
            // Not a name a script could use: said on stderr, not listed.
            let name = escape::controls(&repo.name);
            super::print_warning(&format!("{name} skipped: {reason}"));
            continue;
        }
        if let Some(err) = &repo.unreadable {
            // Not known to match: said on stderr, not listed; the exit status is 1.
            let name = escape::controls(&repo.name);
            super::print_warning(&format!("{name} failed: {err}"));
            continue;
        }
        // Escaped as in every human output: a name is one line, whatever it holds.
        let name = escape::controls(&repo.name);
        let line = if verbosity == Verbosity::Verbose {
            format!("{name}\t{}\n", escape::path(&repo.path))
        } else {
            format!("{name}\n")
        };
        if !super::wrote(out.write_all(line.as_bytes())) {
            break;
        }
    }
}
