//! Trove license classifiers (`License :: OSI Approved :: MIT License`), as Python packages
//! declare them, against SPDX ids: from the list at pypa/trove-classifiers. A classifier is
//! rewritten only where the meaning is exact: it stands for the old id, and the new id has
//! exactly one classifier. Any other classifier of the old id is a mention, left alone.

use std::ops::Range;

use super::Edits;

const PREFIX: &str = "License :: ";

/// One classifier (without `License :: `) and the SPDX ids it stands for. `specific` is false
/// for the family-wide ones (`GNU General Public License (GPL)`), which say too little to be
/// rewritten.
struct Row {
    classifier: &'static str,
    ids: &'static [&'static str],
    specific: bool,
}

const fn row(classifier: &'static str, ids: &'static [&'static str]) -> Row {
    Row {
        classifier,
        ids,
        specific: true,
    }
}

const fn family(classifier: &'static str, ids: &'static [&'static str]) -> Row {
    Row {
        classifier,
        ids,
        specific: false,
    }
}

#[rustfmt::skip]
const TABLE: &[Row] = &[
    row("CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", &["CC0-1.0"]),
    row("CeCILL-B Free Software License Agreement (CECILL-B)", &["CECILL-B"]),
    row("CeCILL-C Free Software License Agreement (CECILL-C)", &["CECILL-C"]),
    family("OSI Approved :: Academic Free License (AFL)", &["AFL-1.1", "AFL-1.2", "AFL-2.0", "AFL-2.1", "AFL-3.0"]),
    row("OSI Approved :: Apache Software License", &["Apache-2.0", "Apache-1.1"]),
    family("OSI Approved :: Artistic License", &["Artistic-1.0", "Artistic-2.0"]),
    row("OSI Approved :: Attribution Assurance License", &["AAL"]),
    row("OSI Approved :: BSD License", &["BSD-3-Clause", "BSD-2-Clause"]),
    row("OSI Approved :: Blue Oak Model License (BlueOak-1.0.0)", &["BlueOak-1.0.0"]),
    row("OSI Approved :: Boost Software License 1.0 (BSL-1.0)", &["BSL-1.0"]),
    row("OSI Approved :: CEA CNRS Inria Logiciel Libre License, version 2.1 (CeCILL-2.1)", &["CECILL-2.1"]),
    row("OSI Approved :: CMU License (MIT-CMU)", &["MIT-CMU"]),
    row("OSI Approved :: Common Development and Distribution License 1.0 (CDDL-1.0)", &["CDDL-1.0"]),
    row("OSI Approved :: Common Public License", &["CPL-1.0"]),
    row("OSI Approved :: Eclipse Public License 1.0 (EPL-1.0)", &["EPL-1.0"]),
    row("OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)", &["EPL-2.0"]),
    row("OSI Approved :: Educational Community License, Version 2.0 (ECL-2.0)", &["ECL-2.0"]),
    row("OSI Approved :: European Union Public Licence 1.1 (EUPL 1.1)", &["EUPL-1.1"]),
    row("OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)", &["EUPL-1.2"]),
    row("OSI Approved :: GNU Affero General Public License v3", &["AGPL-3.0-only", "AGPL-3.0"]),
    row("OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)", &["AGPL-3.0-or-later"]),
    family("OSI Approved :: GNU General Public License (GPL)", &[
        "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "GPL-2.0", "GPL-3.0",
    ]),
    row("OSI Approved :: GNU General Public License v2 (GPLv2)", &["GPL-2.0-only", "GPL-2.0"]),
    row("OSI Approved :: GNU General Public License v2 or later (GPLv2+)", &["GPL-2.0-or-later", "GPL-2.0+"]),
    row("OSI Approved :: GNU General Public License v3 (GPLv3)", &["GPL-3.0-only", "GPL-3.0"]),
    row("OSI Approved :: GNU General Public License v3 or later (GPLv3+)", &["GPL-3.0-or-later", "GPL-3.0+"]),
    row("OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)", &[
        "LGPL-2.1-only", "LGPL-2.0-only", "LGPL-2.1", "LGPL-2.0",
    ]),
    row("OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)", &[
        "LGPL-2.1-or-later", "LGPL-2.0-or-later", "LGPL-2.1+", "LGPL-2.0+",
    ]),
    row("OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)", &["LGPL-3.0-only", "LGPL-3.0"]),
    row("OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)", &["LGPL-3.0-or-later", "LGPL-3.0+"]),
    family("OSI Approved :: GNU Library or Lesser General Public License (LGPL)", &[
        "LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only",
        "LGPL-3.0-or-later", "LGPL-2.0", "LGPL-2.1", "LGPL-3.0",
    ]),
    row("OSI Approved :: Historical Permission Notice and Disclaimer (HPND)", &["HPND"]),
    row("OSI Approved :: IBM Public License", &["IPL-1.0"]),
    row("OSI Approved :: ISC License (ISCL)", &["ISC"]),
    row("OSI Approved :: MIT License", &["MIT"]),
    row("OSI Approved :: MIT No Attribution License (MIT-0)", &["MIT-0"]),
    row("OSI Approved :: MirOS License (MirOS)", &["MirOS"]),
    row("OSI Approved :: Mozilla Public License 1.0 (MPL)", &["MPL-1.0"]),
    row("OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)", &["MPL-1.1"]),
    row("OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)", &["MPL-2.0"]),
    row("OSI Approved :: Mulan Permissive Software License v2 (MulanPSL-2.0)", &["MulanPSL-2.0"]),
    row("OSI Approved :: NASA Open Source Agreement v1.3 (NASA-1.3)", &["NASA-1.3"]),
    row("OSI Approved :: Open Software License 3.0 (OSL-3.0)", &["OSL-3.0"]),
    row("OSI Approved :: PostgreSQL License", &["PostgreSQL"]),
    row("OSI Approved :: Python Software Foundation License", &["PSF-2.0"]),
    row("OSI Approved :: SIL Open Font License 1.1 (OFL-1.1)", &["OFL-1.1"]),
    row("OSI Approved :: Sleepycat License", &["Sleepycat"]),
    row("OSI Approved :: The Unlicense (Unlicense)", &["Unlicense"]),
    row("OSI Approved :: Universal Permissive License (UPL)", &["UPL-1.0"]),
    row("OSI Approved :: University of Illinois/NCSA Open Source License", &["NCSA"]),
    row("OSI Approved :: W3C License", &["W3C"]),
    row("OSI Approved :: Zero-Clause BSD (0BSD)", &["0BSD"]),
    family("OSI Approved :: Zope Public License", &["ZPL-1.1", "ZPL-2.0", "ZPL-2.1"]),
    row("OSI Approved :: zlib/libpng License", &["Zlib"]),
];

fn lookup(classifier: &str) -> Option<&'static Row> {
    let rest = classifier.trim().strip_prefix(PREFIX)?;
    TABLE.iter().find(|row| row.classifier == rest.trim())
}

fn stands_for(row: &Row, id: &str) -> bool {
    row.ids.iter().any(|known| known.eq_ignore_ascii_case(id))
}

/// The one classifier of `id`, when it has exactly one.
fn only_classifier(id: &str) -> Option<&'static Row> {
    let mut rows = TABLE
        .iter()
        .filter(|row| row.specific && stands_for(row, id));
    let first = rows.next()?;
    rows.next().is_none().then_some(first)
}

/// Rewrites the classifiers of `old` among the values at `ranges` (each a classifier's text) to
/// the classifier of `new`, or records them as mentions where that would not be exact: `new`
/// has no classifier (or several), the classifier is a family-wide one, or the new classifier
/// is already there.
pub(super) fn edit(ranges: &[Range<usize>], old: &str, new: &str, edits: &mut Edits<'_>) {
    let present: Vec<&str> = ranges
        .iter()
        .map(|range| edits.text[range.clone()].trim())
        .collect();
    let target = only_classifier(new);
    for range in ranges {
        let Some(row) = lookup(&edits.text[range.clone()]) else {
            continue;
        };
        if !stands_for(row, old) {
            continue;
        }
        match target {
            // `LGPL-2.0-only` → `LGPL-2.1-only`: the classifier already says both.
            Some(target) if std::ptr::eq(target, row) => {}
            Some(target)
                if row.specific
                    && !present
                        .iter()
                        .any(|p| lookup(p).is_some_and(|r| std::ptr::eq(r, target))) =>
            {
                let value = &edits.text[range.clone()];
                let lead = value.len() - value.trim_start().len();
                let trail = value.len() - value.trim_end().len();
                let inner = range.start + lead..range.end - trail;
                edits.replace(inner, format!("{PREFIX}{}", target.classifier));
            }
            _ => edits.mention(range.start),
        }
    }
}

/// Whether `text` (a line) holds a license classifier, as a quick filter for the scanners.
pub(super) fn is_classifier(text: &str) -> bool {
    lookup(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_in_the_table_is_an_spdx_id() {
        for row in TABLE {
            for id in row.ids {
                assert!(spdx::license_id(id).is_some(), "{id} of {}", row.classifier);
            }
        }
    }

    #[test]
    fn only_ids_with_one_specific_classifier_have_one() {
        assert_eq!(
            only_classifier("MIT").map(|r| r.classifier),
            Some("OSI Approved :: MIT License")
        );
        assert_eq!(
            only_classifier("GPL-3.0-only").map(|r| r.classifier),
            Some("OSI Approved :: GNU General Public License v3 (GPLv3)")
        );
        assert!(only_classifier("AFL-3.0").is_none());
        assert!(only_classifier("LicenseRef-mine").is_none());
    }
}
