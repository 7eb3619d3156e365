//! Rules: rule files → a compiled [`RuleSet`] → which rules a normalized text fires.
//!
//! - [`file`](mod@file): the TOML format rule authors write.
//! - [`compile`]: one hyperscan database per generation, errors that name file/rule/pattern.
//! - [`lint`]: warnings about what compiles but is almost certainly a mistake.
//! - [`ruleset`]: scanning with a per-thread [`Scanner`] and the boolean logic.
//!
//! The whole decision for a post (normalize, scan, rule logic, filters, scoring) is the
//! `matching::Matcher`'s; this module is its rule engine.

mod char_offsets;
pub mod compile;
pub mod file;
pub mod lint;
pub mod ruleset;

use std::fmt;
use std::path::Path;

pub use crate::models::{RuleRef, TermHit};
pub use file::Severity;
pub use ruleset::{Cue, Miss, Rule, RuleMatch, RuleOutcome, RuleSet, Scanner};

/// One problem with a rule pack, located as precisely as it can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    pub file: String,
    pub rule: Option<String>,
    pub pattern: Option<String>,
    pub message: String,
}

impl RuleProblem {
    pub(crate) fn file(path: &Path, message: String) -> RuleProblem {
        RuleProblem {
            file: path.display().to_string(),
            rule: None,
            pattern: None,
            message,
        }
    }
}

impl fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(rule) = &self.rule {
            write!(f, ": rule {rule}")?;
        }
        if let Some(pattern) = &self.pattern {
            write!(f, ": pattern {pattern:?}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A rule pack that cannot go live, with every problem found.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct RuleErrors {
    pub problems: Vec<RuleProblem>,
}

/// Reads and compiles the rule files of `dir` as generation `generation`. Their examples
/// are run by `matching::Matcher::load`, which judges them the way posts are judged.
pub fn compile_dir(dir: &Path, generation: u64) -> Result<RuleSet, RuleErrors> {
    let files = file::read_dir(dir).map_err(|problems| RuleErrors { problems })?;
    compile::compile(&files, generation).map_err(|problems| RuleErrors { problems })
}
