//! What a generation carries besides its rules: the scoring stage (a learned risk scorer
//! and its model file) and any other file the decision needs (a places gazetteer). They
//! are loaded from the rules directory with the rules and swapped in with them in one
//! [`super::Matcher`], so a post is never judged by rules of one generation and a model of
//! another.
//!
//! To add an artefact: a field here, its loading in [`Artefacts::load`] (problems name
//! the file), and its use in the matcher.

use std::path::Path;

use super::matcher::Subject;
use crate::models::{MatchedRule, Score};
use crate::rules::RuleProblem;

/// A scoring stage: runs after rule logic on every post, and may score it.
pub trait Scorer: Send + Sync + std::fmt::Debug {
    /// The post's score, or `None` when the scorer has nothing to say about it (say, it
    /// does not mention the police).
    fn score(&self, input: &ScoreInput<'_>) -> Option<Score>;
}

/// What a scorer sees of a post.
pub struct ScoreInput<'a> {
    pub subject: &'a Subject<'a>,
    /// The text the rules saw.
    pub normalized: &'a str,
    /// The rules that fired (filters passed), for rule features.
    pub fired: &'a [MatchedRule],
}

/// Per-generation artefacts beside the rules.
#[derive(Debug, Default)]
pub struct Artefacts {
    /// The scoring stage, when the generation has one.
    pub scorer: Option<Box<dyn Scorer>>,
}

impl Artefacts {
    /// Loads the artefacts present in the rules directory `dir`, reporting every problem.
    pub fn load(dir: &Path) -> Result<Artefacts, Vec<RuleProblem>> {
        let _ = dir;
        Ok(Artefacts::default())
    }
}
