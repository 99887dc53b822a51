//! Whether the report is in colour: `--color always` or `never`, or, for `auto`, anstream's
//! choice (a terminal, `NO_COLOR`, `CLICOLOR`).

use crate::settings::Color;

/// Whether what is written to standard output is in colour (a terminal, `--color`, `NO_COLOR`,
/// `CLICOLOR`), as the printer decides it; for a writer that styles cells itself (watch's view).
pub fn stdout_in_colour() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

/// Sets the colour choice for every output stream of the process, before anything is printed.
pub fn apply_color(color: Color) {
    let choice = match color {
        Color::Auto => anstream::ColorChoice::Auto,
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}
