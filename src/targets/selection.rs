//! What a run is asked to work on, as plain data: the [`Selection`] the command line and
//! `.git-batch.toml` give, its `--where` conditions and its shard, and how each is parsed. A leaf:
//! it names no other module but the leaf [`crate::repo_path`], so that the settings can hold a selection without depending on how
//! one is resolved ([`super::select`]) or evaluated ([`super::keep_where`]).

use std::path::PathBuf;
use std::str::FromStr;

/// Which repositories a run works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The folder scanned for repositories (absolute).
    pub root: PathBuf,
    /// `find -maxdepth` semantics: 2 finds `ROOT/.git` and `ROOT/*/.git`.
    pub depth: usize,
    /// The target spec as typed (`@all-repos` when not given).
    pub targets: String,
    pub exclude: Vec<String>,
    pub filters: Vec<WhereFilter>,
    pub shard: Option<Shard>,
}

/// Slice `index` (1-based) of `count` of the fleet.
///
/// A repository belongs to slice `fnv1a_64(name) % count + 1`, where `name` is its UTF-8 name
/// relative to the root. FNV-1a is fixed by its definition, so the split is the same on every
/// machine and version, and adding a repository moves no other between shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Whether the repository called `name` falls in this slice.
    pub fn contains(&self, name: &str) -> bool {
        fnv1a_64(name.as_bytes()) % self.count + 1 == self.index
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{value}` is not a shard: write K/N with 1 <= K <= N, e.g. 2/4");
        let (k, n) = value.split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// The 64-bit FNV-1a hash (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
pub fn fnv1a_64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A `--where` condition on a repository's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhereFilter {
    Dirty,
    Clean,
    Ahead,
    Behind,
    Detached,
    NoUpstream,
    Branch(String),
    /// A tracked file at this repository-relative path.
    Has(String),
}

impl FromStr for WhereFilter {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(match value {
            "dirty" => WhereFilter::Dirty,
            "clean" => WhereFilter::Clean,
            "ahead" => WhereFilter::Ahead,
            "behind" => WhereFilter::Behind,
            "detached" => WhereFilter::Detached,
            "no-upstream" => WhereFilter::NoUpstream,
            _ => match value.split_once('=') {
                Some(("branch", name)) if !name.is_empty() => WhereFilter::Branch(name.to_owned()),
                Some(("has", path)) => WhereFilter::Has(confined_path(path)?),
                _ => {
                    return Err(format!(
                        "`{value}` is not a state: use dirty, clean, ahead, behind, detached, \
                         no-upstream, branch=NAME or has=PATH"
                    ));
                }
            },
        })
    }
}

/// Checks that `path` stays inside a repository, by the rule every path the user gives inside
/// one follows ([`crate::repo_path::confined`]). Returns it with `/`.
pub fn confined_path(path: &str) -> Result<String, String> {
    crate::repo_path::confined(path)
        .map(|plain| String::from_utf8_lossy(&plain).into_owned())
        .map_err(|reason| format!("`{path}` {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn shard_parsing() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "1/0", "x/2", "3", "1/-2", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn where_parsing() {
        assert_eq!("dirty".parse(), Ok(WhereFilter::Dirty));
        assert_eq!("no-upstream".parse(), Ok(WhereFilter::NoUpstream));
        assert_eq!(
            "branch=feat/x".parse(),
            Ok(WhereFilter::Branch("feat/x".into()))
        );
        assert_eq!(
            "has=./src/lib.rs".parse(),
            Ok(WhereFilter::Has("src/lib.rs".into()))
        );
        for bad in [
            "has=../x",
            "has=/etc/passwd",
            "has=.git/config",
            "branch=",
            "nope",
            "has=",
        ] {
            assert!(bad.parse::<WhereFilter>().is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn every_name_falls_in_exactly_one_shard(name in "\\PC{0,40}", count in 1u64..64) {
            let hits = (1..=count)
                .filter(|index| Shard { index: *index, count }.contains(&name))
                .count();
            prop_assert_eq!(hits, 1);
        }
    }
}
