//! License texts: telling whether a license file holds a given license (as the SPDX matching
//! guidelines allow: whitespace, case, punctuation, title, copyright notice and placeholders
//! aside), and writing a new license's text with the old file's copyright notice carried into
//! the place its template keeps for it.

pub use super::matching::{Found, Template};
use super::words::is_copyright_line;

/// Whether the license file `file` holds the license whose reference text is `template`
/// (see [`Template`] for what may differ).
pub fn holds_license(file: &str, template: &str) -> bool {
    find(file, template).is_some()
}

/// What `file` holds besides the terms of the license whose reference text is `template` (its
/// copyright notice), if it holds that license.
pub fn find(file: &str, template: &str) -> Option<Found> {
    Template::new(template).find(file)
}

/// Whether `template` has a copyright line with a placeholder (`Copyright (c) <year>
/// <copyright holders>`) among its leading lines, which a new text needs filled.
pub fn has_copyright_placeholder(template: &str) -> bool {
    template
        .split_inclusive('\n')
        .take(8)
        .any(is_placeholder_line)
}

/// Whether `line` is a copyright line with placeholders (`Copyright (c) <year> <owner>`).
pub fn is_placeholder_line(line: &str) -> bool {
    is_copyright_line(line)
        && ((line.contains('<') && line.contains('>'))
            || (line.contains('[') && line.contains(']'))
            || line.contains("YEAR"))
}

/// Whether a license file holds no license text but points to others ("dual-licensed under the
/// Unlicense and MIT licenses", "see LICENSE-MIT and LICENSE-APACHE"): short, and none of the
/// words every license's terms use.
pub fn is_pointer(file_text: &str) -> bool {
    let found = crate::license::words::words(file_text);
    let terms = [
        "warranty",
        "warranties",
        "liable",
        "liability",
        "permission",
        "permitted",
        "redistribution",
        "redistributions",
        "granted",
    ];
    !found.is_empty()
        && found.len() <= 120
        && !found.iter().any(|word| terms.contains(&word.text.as_str()))
}

/// `given` as a copyright line: `2024 Jane Doe` becomes `Copyright (c) 2024 Jane Doe`.
pub fn as_notice(given: &str) -> String {
    let given = given.trim();
    if is_copyright_line(given) {
        given.to_owned()
    } else {
        format!("Copyright (c) {given}")
    }
}

/// The text to write for a new license: its `template`, with the template's own copyright line
/// (`Copyright (c) <year> <copyright holders>`) replaced by `copyrights`, the lines the old file
/// carried. A template without a copyright line gets none.
pub fn fill_template(template: &str, copyrights: &[String]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut placed = false;
    for line in template.split_inclusive('\n') {
        let placeholder = is_placeholder_line(line);
        if placeholder && !placed && !copyrights.is_empty() {
            for copyright in copyrights {
                out.push_str(copyright);
                out.push('\n');
            }
            placed = true;
        } else {
            out.push_str(line);
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(id: &str) -> &'static str {
        spdx::license_id(id).expect("a known id").text()
    }

    const MIT_FILE: &str = "MIT License\n\nCopyright (c) 2019-2024 Jane Doe <jane@example.com>\n\n\
        Permission is hereby granted, free of charge, to any person obtaining a copy\n\
        of this software and associated documentation files (the “Software”), to deal\n\
        in the Software without restriction, including without limitation the rights\n\
        to use, copy, modify, merge, publish, distribute, sublicense, and/or sell\n\
        copies of the Software, and to permit persons to whom the Software is\n\
        furnished to do so, subject to the following conditions:\n\n\
        The above copyright notice and this permission notice shall be included in all\n\
        copies or substantial portions of the Software.\n\n\
        THE SOFTWARE IS PROVIDED “AS IS”, WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\n\
        IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\n\
        FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE\n\
        AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\n\
        LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\n\
        OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE\n\
        SOFTWARE.\n";

    #[test]
    fn a_rewrapped_mit_file_with_its_own_copyright_holds_mit() {
        assert!(holds_license(MIT_FILE, text("MIT")));
        let untitled = MIT_FILE.replacen("MIT License\n", "", 1);
        assert!(holds_license(&untitled, text("MIT")));
        let crlf = MIT_FILE.replace('\n', "\r\n");
        assert!(holds_license(&crlf, text("MIT")));
    }

    #[test]
    fn other_or_edited_licenses_do_not_match() {
        assert!(!holds_license(MIT_FILE, text("MIT-0")));
        assert!(!holds_license(MIT_FILE, text("Apache-2.0")));
        let edited = MIT_FILE.replace("free of charge", "for a small fee");
        assert!(!holds_license(&edited, text("MIT")));
        assert!(!holds_license("", text("MIT")));
    }

    #[test]
    fn apache_without_its_appendix_still_matches() {
        let full = text("Apache-2.0");
        assert!(holds_license(full, full));
        let end = full
            .find("END OF TERMS AND CONDITIONS")
            .expect("the marker");
        let short = &full[..end + "END OF TERMS AND CONDITIONS".len()];
        assert!(holds_license(short, full));
    }

    #[test]
    fn the_copyright_is_carried_into_the_new_template() {
        let copyrights = find(MIT_FILE, text("MIT")).expect("MIT").notice;
        assert_eq!(
            copyrights,
            ["Copyright (c) 2019-2024 Jane Doe <jane@example.com>"]
        );
        let isc = fill_template(text("ISC"), &copyrights);
        assert!(isc.contains("Copyright (c) 2019-2024 Jane Doe"), "{isc}");
        assert!(!isc.contains("<year>"), "{isc}");
        assert!(holds_license(&isc, text("ISC")));
        // Apache-2.0's only copyright line is in its appendix's boilerplate: left as is.
        let apache = fill_template(text("Apache-2.0"), &copyrights);
        assert!(holds_license(&apache, text("Apache-2.0")));
    }

    #[test]
    fn apache_body_lines_that_start_with_copyright_are_terms() {
        // Lines of Apache's terms start with "(c)" or, wrapped, "copyright": the notice is only
        // what stands above the terms.
        let wrapped = text("Apache-2.0").replace("all copyright, patent", "all\ncopyright, patent");
        let found = find(&wrapped, text("Apache-2.0")).expect("Apache-2.0");
        assert!(found.notice.is_empty(), "{:?}", found.notice);
        let carried = fill_template(text("MIT"), &found.notice);
        assert!(carried.contains("<year>"), "{carried}");
    }

    #[test]
    fn a_file_that_points_to_the_license_files_holds_no_license() {
        let walkdir = "This project is dual-licensed under the Unlicense and MIT licenses.\n\n\
            You may use this code under the terms of either license.\n";
        assert!(is_pointer(walkdir));
        assert!(!is_pointer(text("0BSD")));
        assert!(!is_pointer(text("MIT")));
        assert!(!is_pointer(""));
    }

    #[test]
    fn placeholders_are_found_in_templates() {
        assert!(has_copyright_placeholder(text("MIT")));
        assert!(has_copyright_placeholder(text("0BSD")));
        assert!(!has_copyright_placeholder(text("Apache-2.0")));
        assert!(!has_copyright_placeholder(text("Unlicense")));
    }
}
