//! Match: rule files → a compiled [`RuleSet`] generation → which rules a text fires.
//!
//! - [`file`](mod@file): the TOML format rule authors write.
//! - [`compile`]: one hyperscan database per generation, errors that name file/rule/pattern.
//! - [`ruleset`]: scanning with a per-worker [`Scanner`] and the boolean logic.
//! - [`examples`]: every rule's own examples, run before a generation goes live.
//! - [`store`]: the live generation behind an `ArcSwap`, and atomic reloads.

pub mod compile;
pub mod eval;
pub mod examples;
pub mod file;
pub mod ruleset;
pub mod store;

use std::fmt;
use std::path::Path;

pub use crate::models::{RuleRef, TermHit};
pub use file::Severity;
pub use ruleset::{Miss, Rule, RuleMatch, RuleSet, Scanner, Verdict};
pub use store::RuleStore;

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

/// Reads, compiles and example-tests the rule files of `dir` as generation `generation`.
pub fn load(dir: &Path, generation: u64) -> Result<RuleSet, RuleErrors> {
    let files = file::read_dir(dir).map_err(|problems| RuleErrors { problems })?;
    let rules = compile::compile(&files, generation).map_err(|problems| RuleErrors { problems })?;
    let failures = examples::run(&rules);
    if !failures.is_empty() {
        return Err(RuleErrors { problems: failures });
    }
    Ok(rules)
}
