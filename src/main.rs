//! The `git-batch` binary: parse the command line, hand it to the library, exit with its code.

fn main() -> std::process::ExitCode {
    git_batch::run_from_args(std::env::args_os())
}
