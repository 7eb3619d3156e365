//! What a generation carries besides its rules: the scoring stage (a learned risk scorer
//! and its model file) and any other file the decision needs (a places gazetteer). They
//! are loaded from the rules directory with the rules and swapped in with them in one
//! [`super::Matcher`], so a post is never judged by rules of one generation and a model of
//! another.
//!
//! To add an artefact: a field here, its loading in [`Artefacts::load`] (problems name
//! the file), and its use in the matcher.

use std::path::Path;

use super::matcher::{Matcher, Subject};
use crate::models::{MatchedRule, Score};
use crate::rules::{Cue, RuleProblem, RuleSet};
use crate::score::FeatureBuffer;

/// A scoring stage: runs after rule logic on every post, and may score it.
pub trait Scorer: Send + Sync + std::fmt::Debug {
    /// The post's score, or `None` when the scorer has nothing to say about it (say, it
    /// does not mention the police, or it is neither a match nor asked to explain).
    /// `scratch` is the thread's reused feature buffer: scoring allocates nothing until
    /// there is a match to describe.
    fn score(&self, input: &ScoreInput<'_>, scratch: &mut FeatureBuffer) -> Option<Score>;

    /// Problems with the scorer's own examples under `matcher` (checked before a
    /// generation goes live, like rule examples).
    fn check(&self, matcher: &Matcher) -> Vec<RuleProblem> {
        let _ = matcher;
        Vec::new()
    }

    /// How many examples [`Scorer::check`] runs.
    fn example_count(&self) -> usize {
        0
    }
}

/// What a scorer sees of a post.
pub struct ScoreInput<'a> {
    pub subject: &'a Subject<'a>,
    /// The text the rules saw.
    pub normalized: &'a str,
    /// The rules that fired (filters passed), for rule features.
    pub fired: &'a [MatchedRule],
    /// The lexicon terms the scan found (the pack's concepts, with offsets).
    pub cues: &'a [Cue],
    /// Whether someone asks why (the test API): score every scored post, not only matches.
    pub explain: bool,
}

/// Per-generation artefacts beside the rules.
#[derive(Debug, Default)]
pub struct Artefacts {
    /// The scoring stage, when the generation has one.
    pub scorer: Option<Box<dyn Scorer>>,
}

impl Artefacts {
    /// Loads the artefacts present in the rules directory `dir` for its compiled `rules`
    /// (the risk scorer when a rule file has a `[scoring]` table), reporting every problem.
    pub fn load(dir: &Path, rules: &RuleSet) -> Result<Artefacts, Vec<RuleProblem>> {
        let files = crate::rules::file::read_dir(dir)?;
        let scorer = super::risk::RiskScorer::load(dir, &files, rules)?;
        Ok(Artefacts {
            scorer: scorer.map(|s| Box::new(s) as Box<dyn Scorer>),
        })
    }
}
