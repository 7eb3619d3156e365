//! Lints beyond compile errors: `fenghuo rules check` warns of what is legal but almost
//! certainly a mistake.

use std::collections::HashSet;
use std::path::PathBuf;

use super::file::RuleFile;
use super::RuleProblem;
use crate::normalize::normalize;

/// Lints beyond compile errors: things that are legal but almost certainly mistakes.
pub fn lint(files: &[(PathBuf, RuleFile)]) -> Vec<RuleProblem> {
    let mut warnings = Vec::new();
    for (path, file) in files {
        let file_name = path.display().to_string();
        for spec in &file.rules {
            let warn = |message: String| RuleProblem {
                file: file_name.clone(),
                rule: Some(spec.id.clone()),
                pattern: None,
                message,
            };
            let excluded: HashSet<String> = spec.exclude.iter().map(|t| normalize(t)).collect();
            for keyword in &spec.keywords {
                if excluded.contains(&normalize(keyword)) {
                    warnings.push(warn(format!("{keyword:?} is both a keyword and excluded")));
                }
            }
            if spec.examples.matching.is_empty() {
                warnings.push(warn(
                    "no `match` examples: nothing proves the rule fires".into(),
                ));
            }
            for near in &spec.near {
                if near.within == 0 {
                    warnings.push(warn(
                        "near clause with within = 0 only matches adjacent terms".into(),
                    ));
                }
            }
        }
    }
    warnings
}
