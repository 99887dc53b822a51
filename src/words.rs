//! The little words every report uses: a noun for a count, a list of files said in a line.

/// `one` or `many`, by `n`.
pub fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// `a, b and c`, or the first few and how many more.
pub fn describe_files(files: &[String]) -> String {
    const SHOWN: usize = 3;
    match files {
        [] => "nothing".into(),
        [one] => one.clone(),
        _ if files.len() <= SHOWN => {
            let (last, rest) = files.split_last().expect("two or more");
            format!("{} and {last}", rest.join(", "))
        }
        _ => format!(
            "{} and {} more {}",
            files[..SHOWN].join(", "),
            files.len() - SHOWN,
            plural(files.len() - SHOWN, "file", "files")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{describe_files, plural};

    #[test]
    fn file_lists_stay_short() {
        let files = |n: usize| (1..=n).map(|i| format!("f{i}")).collect::<Vec<_>>();
        assert_eq!(describe_files(&files(0)), "nothing");
        assert_eq!(describe_files(&files(1)), "f1");
        assert_eq!(describe_files(&files(2)), "f1 and f2");
        assert_eq!(describe_files(&files(3)), "f1, f2 and f3");
        assert_eq!(describe_files(&files(5)), "f1, f2, f3 and 2 more files");
        assert_eq!(describe_files(&files(4)), "f1, f2, f3 and 1 more file");
    }

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(plural(1, "file", "files"), "file");
        assert_eq!(plural(0, "file", "files"), "files");
        assert_eq!(plural(2, "file", "files"), "files");
    }
}
