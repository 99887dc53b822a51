//! Whether the report is in colour: `--color always` or `never`, or, for `auto`, anstream's
//! choice (a terminal, `NO_COLOR`, `CLICOLOR`).

use crate::settings::Color;

/// Sets the colour choice for every output stream of the process, before anything is printed.
pub fn apply_color(color: Color) {
    let choice = match color {
        Color::Auto => anstream::ColorChoice::Auto,
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}
