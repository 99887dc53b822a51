//! The content operations (`license-update`, `file-replace`, and `check`, which is every rule of
//! `[policy]` at once), validated before any repository is looked at.

use std::path::Path;

use super::{edit, license, replace};
use crate::config;

/// A content operation, validated before any repository is looked at.
#[derive(Debug)]
pub enum ContentOp {
    License(license::LicenseUpdate),
    Replace(replace::FileReplace),
    /// `check`: every rule of the policy, and the commands that fix drift.
    Policy(Vec<ContentOp>, Vec<String>),
}

impl ContentOp {
    /// What the operation would do to `snapshot`, with the mentions a license-update (alone or
    /// in a policy) found and left alone.
    pub fn decide_noting(&self, snapshot: &edit::Snapshot) -> edit::Decided {
        use edit::{Decided, Decision};
        match self {
            ContentOp::License(update) => update.decide_noting(snapshot),
            ContentOp::Replace(replace) => replace.decide(snapshot).into(),
            ContentOp::Policy(rules, _) => {
                let mut changes: Vec<edit::Change> = Vec::new();
                let mut mentions: Vec<edit::Mention> = Vec::new();
                for rule in rules {
                    let decided = rule.decide_noting(snapshot);
                    for mention in decided.mentions {
                        if !mentions.contains(&mention) {
                            mentions.push(mention);
                        }
                    }
                    match decided.decision {
                        Decision::Unchanged(_) => {}
                        Decision::Skip(reason) => {
                            return Decided {
                                decision: Decision::Skip(reason),
                                mentions,
                            };
                        }
                        Decision::Change(more) => {
                            for change in more {
                                if !changes.iter().any(|c| c.path == change.path) {
                                    changes.push(change);
                                }
                            }
                        }
                    }
                }
                let decision = if changes.is_empty() {
                    Decision::Unchanged("follows the policy".into())
                } else {
                    changes.sort_by(|a, b| a.path.cmp(&b.path));
                    Decision::Change(changes)
                };
                Decided { decision, mentions }
            }
        }
    }
}

/// The rules of `[policy]`, as content operations, and the commands that fix each.
pub fn policy_rules(
    policy: &config::Policy,
    root: &Path,
) -> Result<(Vec<ContentOp>, Vec<String>), String> {
    let mut rules = Vec::new();
    let mut fixes = Vec::new();
    if let Some(license) = &policy.license {
        let listed = spdx::license_id(license).is_some_and(|id| id.name == license.as_str());
        for old in &policy.forbid {
            let (update, _) = license::LicenseUpdate::from_request(
                old,
                license,
                None,
                !listed,
                &license::Options {
                    in_policy: true,
                    ..license::Options::default()
                },
            )
            .map_err(|err| format!("[policy] in {}: {err}", config::FILE_NAME))?;
            rules.push(ContentOp::License(update));
            let mut flags = vec![("--old", Some(old.as_str())), ("--new", Some(license))];
            if !listed {
                flags.push(("--ids-only", None));
            }
            fixes.push(crate::escape::fix_command("license-update", &flags));
        }
    }
    for file in &policy.files {
        let template = root.join(&file.template);
        let plain = !file.path.contains(['*', '?', '[', '{']);
        let replace = replace::FileReplace::from_request(&file.path, &template, plain, None)
            .map_err(|err| format!("[[policy.files]] in {}: {err}", config::FILE_NAME))?;
        rules.push(ContentOp::Replace(replace));
        let template = template.to_string_lossy();
        let mut flags = vec![
            ("--pattern", Some(file.path.as_str())),
            ("--replacement", Some(&*template)),
        ];
        if plain {
            flags.push(("--create", None));
        }
        fixes.push(crate::escape::fix_command("file-replace", &flags));
    }
    if rules.is_empty() {
        // The root as the user knows it: `-C fleet/..` names the folder above the fleet.
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let file = root.join(config::FILE_NAME);
        let what = if file.exists() {
            format!(
                "{} has no [policy] with `license` and `forbid`, or [[policy.files]]",
                file.display()
            )
        } else {
            format!("there is no {} in {}", config::FILE_NAME, root.display())
        };
        return Err(format!(
            "no policy to check: {what}; write its [policy], or give one here (--license ID \
             --forbid ID, --file PATH=TEMPLATE)"
        ));
    }
    Ok((rules, fixes))
}
