//! License texts: telling whether a license file holds a given license (whitespace, case,
//! punctuation, title and copyright lines aside), and writing a new license's text with the old
//! file's copyright lines carried into the place its template keeps for them.

/// Whether `line` states a copyright (`Copyright (c) 2024 Jane`, `© 2024 Jane`, a template's
/// `Copyright <year> <owner>`).
pub fn is_copyright_line(line: &str) -> bool {
    let line = line.trim_start().to_lowercase();
    line.starts_with("copyright") || line.starts_with("(c)") || line.starts_with('©')
}

/// The copyright lines of a license file, trimmed, in order.
pub fn copyright_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| is_copyright_line(line))
        .map(|line| line.trim().to_owned())
        .collect()
}

/// The words of `text` without copyright lines, lower-cased, every run of punctuation and
/// whitespace one space: what two copies of a license share however they were wrapped, quoted
/// or dashed.
pub fn normalize(text: &str) -> String {
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !is_copyright_line(line))
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in kept.join("\n").chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// Whether the license file `file` holds the license whose reference text is `template`.
/// The template's title line may be missing from the file, and a file may stop at
/// "END OF TERMS AND CONDITIONS" (the Apache licenses' optional appendix left out).
pub fn holds_license(file: &str, template: &str) -> bool {
    let file = normalize(file);
    if file.is_empty() {
        return false;
    }
    let full = normalize(template);
    let untitled = normalize(template.split_once('\n').map_or("", |(_, rest)| rest));
    let end = "end of terms and conditions";
    let without_appendix = |t: &str| t.find(end).map(|at| t[..at + end.len()].to_owned());
    [
        Some(full.clone()),
        Some(untitled.clone()),
        without_appendix(&full),
        without_appendix(&untitled),
    ]
    .into_iter()
    .flatten()
    .any(|variant| !variant.is_empty() && variant == file)
}

/// The text to write for a new license: its `template`, with the template's own copyright line
/// (`Copyright (c) <year> <copyright holders>`) replaced by `copyrights`, the lines the old file
/// carried. A template without a copyright line gets none.
pub fn fill_template(template: &str, copyrights: &[String]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut placed = false;
    for line in template.split_inclusive('\n') {
        let placeholder = is_copyright_line(line)
            && ((line.contains('<') && line.contains('>'))
                || (line.contains('[') && line.contains(']')));
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
        let copyrights = copyright_lines(MIT_FILE);
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
    fn normalizing_ignores_case_punctuation_and_wrapping() {
        assert_eq!(normalize("A  “quoted”\n--- Text!"), "a quoted text");
        assert_eq!(normalize("Copyright 2020 X\nBody"), "body");
    }
}
