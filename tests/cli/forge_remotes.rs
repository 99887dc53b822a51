//! Every remote URL of a corpus of real `.gitmodules` files (tests/data/remotes, sources in its
//! SOURCES.md) is taken apart, and those that name no forge repository are named with why.

use std::fs;
use std::path::Path;

use git_batch::forge::{Forges, RemoteUrlError, parse_remote_url};

fn corpus_urls() -> Vec<(String, String)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/remotes");
    let mut files: Vec<_> = fs::read_dir(&folder)
        .expect("the corpus folder")
        .map(|entry| entry.expect("a corpus entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "gitmodules"))
        .collect();
    files.sort();
    let mut urls = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("a corpus file");
        let name = file
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        for line in text.lines() {
            if let Some(url) = line.trim().strip_prefix("url = ") {
                urls.push((name.clone(), url.to_string()));
            }
        }
    }
    urls
}

#[test]
fn every_corpus_url_is_parsed_or_refused_with_its_reason() {
    let urls = corpus_urls();
    let forges = Forges::new(&[]).expect("the public forges");
    let (mut parsed, mut on_github, mut relative) = (0, 0, 0);
    let mut cannot = Vec::new();
    for (file, url) in &urls {
        match parse_remote_url(url) {
            Ok(remote) => {
                parsed += 1;
                assert!(!remote.owner.is_empty() && !remote.name.is_empty(), "{url}");
                assert!(
                    !remote.name.ends_with(".git") && !remote.name.contains('/'),
                    "{url}"
                );
                if remote.host == "github.com" {
                    on_github += 1;
                    let entry = forges.resolve(&remote).expect("github.com is known");
                    assert_eq!(entry.api_root(), "https://api.github.com");
                }
            }
            Err(RemoteUrlError::Relative(_)) => relative += 1,
            Err(error) => cannot.push(format!("{file}: {error}")),
        }
    }
    assert_eq!(urls.len(), 222, "the corpus changed: update the counts");
    assert_eq!(relative, 172, "boost's submodules are all relative");
    // What cannot be parsed is said: here the single-segment paths of plain git servers
    // (`git://git.qemu-project.org/dtc.git`), which name no owner on any forge.
    for line in &cannot {
        eprintln!("cannot: {line}");
    }
    assert_eq!(cannot.len(), 10, "{cannot:#?}");
    assert!(
        cannot
            .iter()
            .all(|line| line.starts_with("qemu-qemu.gitmodules: git://")
                && line.ends_with("names no owner and repository (OWNER/NAME)")),
        "{cannot:#?}"
    );
    assert_eq!(parsed, urls.len() - relative - cannot.len());
    assert_eq!(on_github, 38);
    let gimp = parse_remote_url("https://gitlab.gnome.org/GNOME/gimp-data.git").expect("gimp");
    assert!(
        forges.resolve(&gimp).is_none(),
        "a self-hosted GitLab needs its [[forges]] table"
    );
}
