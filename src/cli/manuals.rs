//! What git-batch writes about itself rather than about repositories: the shell completion
//! scripts and the man pages, both made from the clap definitions.

use std::path::{Path, PathBuf};

use crate::exit::ExitCode;
use crate::report;

/// `completions SHELL`: the script on standard output.
pub fn completions(shell: &str) -> ExitCode {
    report::wrote(print_completions(shell));
    ExitCode::Success
}

/// `manpages DIR`: the pages written into `dir`, and each file's path on standard output.
pub fn manpages(dir: &Path) -> ExitCode {
    match write_manpages(dir) {
        Ok(written) => {
            use std::io::Write;
            let mut out = std::io::stdout();
            for path in written {
                report::wrote(writeln!(out, "{}", path.display()));
            }
            ExitCode::Success
        }
        Err(err) => {
            report::print_error(&format!("cannot write the man pages: {err}"));
            ExitCode::Usage
        }
    }
}

/// Prints the completion script for `shell` (`bash`, `zsh` or `fish`) to standard output.
fn print_completions(shell: &str) -> std::io::Result<()> {
    use clap::CommandFactory;
    use clap_complete::Shell;
    let shell = match shell {
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        _ => Shell::Bash,
    };
    // Named as the program is (`git batch` in help texts would make two words of it).
    let mut command = super::Cli::command().bin_name("git-batch");
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "git-batch", &mut script);
    if shell == Shell::Bash {
        // clap_complete 4.6 names a subcommand's case `git__subcmd__batch__…` (the `-` of the
        // program's name turned into a separator) but sets `cmd=git__batch__…`, so no option
        // of a subcommand would complete; make the two agree.
        let text = String::from_utf8_lossy(&script).replace("git__subcmd__batch", "git__batch");
        script = text.into_bytes();
        // git's own bash completion completes `git batch …` by calling `_git_batch`, with its
        // words in `words` and `cword`; hand them to the function above as `git-batch …`.
        script.extend_from_slice(
            b"\n# `git batch <TAB>`: git's completion calls _git_batch.\n\
              _git_batch() {\n    \
              local COMP_WORDS=(git-batch \"${words[@]:2}\")\n    \
              local COMP_CWORD=$((cword - 1))\n    \
              _git__batch git-batch \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD - 1]}\"\n\
              }\n",
        );
    }
    use std::io::Write;
    let mut out = std::io::stdout();
    out.write_all(&script).and_then(|()| out.flush())
}

/// Writes `git-batch.1` and a `git-batch-COMMAND.1` per command into `dir`. Returns the files.
fn write_manpages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    use clap::CommandFactory;
    std::fs::create_dir_all(dir)?;
    let command = super::Cli::command().name("git-batch");
    let mut written = Vec::new();
    let mut render = |command: clap::Command, name: String| -> std::io::Result<()> {
        let mut page = Vec::new();
        clap_mangen::Man::new(command)
            .title(name.to_uppercase())
            .render(&mut page)?;
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, page)?;
        written.push(path);
        Ok(())
    };
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        let name = format!("git-batch-{}", sub.get_name());
        render(sub.clone().name(name.clone()), name)?;
    }
    render(command, "git-batch".to_owned())?;
    Ok(written)
}
