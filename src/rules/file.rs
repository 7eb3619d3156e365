//! The rule file format (`rules/*.toml`), as written by rule authors. See `rules/README.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::RuleProblem;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Named term lists (`[lexicon] police = ["民警", …]`), shared by the whole pack: a
    /// term `@police` in any rule stands for every term of the list, and `@police` in a
    /// regex for their alternation. Lexicons also feed the risk scorer's features.
    #[serde(default)]
    pub lexicon: BTreeMap<String, Vec<String>>,
    /// How the learned risk scorer is used (at most one file of the pack sets it).
    #[serde(default)]
    pub scoring: Option<ScoringSpec>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleSpec>,
}

/// The `[scoring]` table: the model file beside the rules, its thresholds, its examples.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringSpec {
    /// The model file, relative to the rules directory.
    pub model: String,
    /// Score at or above which a post the rules missed still matches; the model's own
    /// trained threshold when absent.
    #[serde(default)]
    pub threshold: Option<f32>,
    /// Per predicted domain, overriding `threshold` (e.g. `{ "袭警" = 0.3 }`).
    #[serde(default)]
    pub thresholds: BTreeMap<String, f32>,
    #[serde(default)]
    pub examples: ScoringExamples,
}

/// Texts the model must score as risk, and texts it must score below the threshold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringExamples {
    #[serde(default)]
    pub risk: Vec<String>,
    #[serde(default)]
    pub neutral: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub name: String,
    /// 执法办案, 窗口服务, 队伍管理, 重大安保, 谣言, or one the author adds.
    pub domain: String,
    pub severity: Severity,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Any of these literal terms.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Any of these regexes (hyperscan syntax, UTF-8, on the normalized text).
    #[serde(default)]
    pub regex: Vec<String>,
    /// Any of these proximity clauses.
    #[serde(default)]
    pub near: Vec<NearSpec>,
    /// All of these groups, each satisfied by any one of its terms.
    #[serde(default)]
    pub must: Vec<Vec<String>>,
    /// None of these terms.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Only posts from these platforms; empty means all.
    #[serde(default)]
    pub platforms: Vec<String>,
    /// Only posts whose author has at least this many followers.
    #[serde(default)]
    pub min_followers: u64,
    #[serde(default)]
    pub examples: Examples,
}

/// A term of `a` and a term of `b` at most `within` characters apart, in either order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NearSpec {
    pub a: Vec<String>,
    pub b: Vec<String>,
    pub within: usize,
}

/// Texts the rule must fire on, and texts it must not.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    #[serde(default, rename = "match")]
    pub matching: Vec<String>,
    #[serde(default)]
    pub no_match: Vec<String>,
}

pub use crate::models::Severity;

/// Files beside the rules that describe the bureau, not rules: the gazetteer
/// (`places.toml`) and the official accounts (`accounts.toml`), read by `events::local`.
pub const LOCAL_FILES: [&str; 2] = ["places.toml", "accounts.toml"];

fn is_local_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| LOCAL_FILES.iter().any(|local| name == *local))
}

/// Reads every `*.toml` rule file of `dir` in name order, reporting every unreadable or
/// malformed file rather than the first.
pub fn read_dir(dir: &Path) -> Result<Vec<(PathBuf, RuleFile)>, Vec<RuleProblem>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        vec![RuleProblem::file(
            dir,
            format!("cannot read rules directory: {e}"),
        )]
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .filter(|path| !is_local_file(path))
        .collect();
    paths.sort();
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        match std::fs::read_to_string(&path) {
            Ok(text) => match toml::from_str::<RuleFile>(&text) {
                Ok(file) => files.push((path, file)),
                Err(e) => problems.push(RuleProblem::file(&path, e.to_string().trim().to_owned())),
            },
            Err(e) => problems.push(RuleProblem::file(&path, e.to_string())),
        }
    }
    if files.is_empty() && problems.is_empty() {
        problems.push(RuleProblem::file(dir, "no *.toml rule files".to_owned()));
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(problems)
    }
}
