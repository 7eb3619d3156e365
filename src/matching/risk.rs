//! The learned risk scorer as a generation's scoring stage: the pack's `[scoring]` table,
//! the model file it names, the pack's lexicons as the scorer's roles, and per-domain
//! thresholds.
//!
//! The model is part of the generation: it loads, is checked against its examples and
//! goes live (or is rejected) together with the rules, and a reload of the rules
//! directory reloads it.

use std::path::{Path, PathBuf};

use super::artefacts::{ScoreInput, Scorer};
use super::matcher::{Matcher, Session, Subject};
use crate::models::{MatchedRule, Score};
use crate::normalize::normalize;
use crate::rules::file::{RuleFile, ScoringSpec};
use crate::rules::{Cue, RuleProblem, RuleSet, Scanner};
use crate::score::data::Labelled;
use crate::score::lexicon::POLICE;
use crate::score::model::sigmoid;
use crate::score::train::Sample;
use crate::score::{extract, FeatureBuffer, LexiconRoles, Model, Prediction};

/// How many features an explanation names.
const WHY: usize = 5;

/// A model ready to score the posts of one rule generation.
#[derive(Debug, Clone)]
pub struct RiskScorer {
    model: Model,
    roles: LexiconRoles,
    /// Index of the `police` lexicon: a post none of whose terms hit is not scored.
    police: Option<usize>,
    /// Threshold per model domain (the pack's override, else the trained one).
    thresholds: Vec<f32>,
    /// The lowest of them: below it no domain can pass, so the domain is not computed.
    lowest_threshold: f32,
    /// The rule file with the `[scoring]` table, for messages.
    pub file: String,
    pub examples_risk: Vec<String>,
    pub examples_neutral: Vec<String>,
}

impl RiskScorer {
    pub fn new(
        model: Model,
        spec: &ScoringSpec,
        lexicon_names: &[String],
        file: String,
    ) -> RiskScorer {
        let thresholds: Vec<f32> = model
            .header
            .domains
            .iter()
            .map(|d| {
                spec.thresholds
                    .get(d)
                    .copied()
                    .or(spec.threshold)
                    .unwrap_or(model.header.threshold)
            })
            .collect();
        let lowest_threshold = thresholds_min(&thresholds);
        RiskScorer {
            lowest_threshold,
            police: lexicon_names.iter().position(|n| n == POLICE),
            roles: LexiconRoles::new(lexicon_names),
            model,
            thresholds,
            file,
            examples_risk: spec.examples.risk.clone(),
            examples_neutral: spec.examples.neutral.clone(),
        }
    }

    /// Reads the pack's `[scoring]` table (at most one file may hold it) and its model.
    /// `Ok(None)` when no file asks for a scorer.
    pub fn load(
        dir: &Path,
        files: &[(PathBuf, RuleFile)],
        rules: &RuleSet,
    ) -> Result<Option<RiskScorer>, Vec<RuleProblem>> {
        let specs: Vec<(&PathBuf, &ScoringSpec)> = files
            .iter()
            .filter_map(|(path, file)| file.scoring.as_ref().map(|s| (path, s)))
            .collect();
        let Some(&(path, spec)) = specs.first() else {
            return Ok(None);
        };
        let problem = |message: String| RuleProblem {
            file: path.display().to_string(),
            rule: Some("[scoring]".to_owned()),
            pattern: None,
            message,
        };
        if let Some((second, _)) = specs.get(1) {
            return Err(vec![problem(format!(
                "a second [scoring] table in {}",
                second.display()
            ))]);
        }
        if rules.lexicon(POLICE).is_none() {
            return Err(vec![problem(
                "scoring needs a `police` lexicon (the backbone topic)".into(),
            )]);
        }
        let overrides = spec.thresholds.iter().map(|(d, t)| (d.as_str(), *t));
        for (domain, threshold) in overrides.chain(spec.threshold.map(|t| ("(all)", t))) {
            if !(0.0..=1.0).contains(&threshold) {
                return Err(vec![problem(format!(
                    "threshold {threshold} for {domain} outside 0..=1"
                ))]);
            }
        }
        let model =
            Model::load(&dir.join(&spec.model)).map_err(|e| vec![problem(e.to_string())])?;
        for domain in spec.thresholds.keys() {
            if !model.header.domains.contains(domain) {
                return Err(vec![problem(format!(
                    "threshold for unknown domain {domain:?} (the model knows {:?})",
                    model.header.domains
                ))]);
            }
        }
        Ok(Some(RiskScorer::new(
            model,
            spec,
            rules.lexicon_names(),
            path.display().to_string(),
        )))
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn threshold(&self, domain: usize) -> f32 {
        self.thresholds.get(domain).copied().unwrap_or(1.0)
    }

    fn mentions_police(&self, cues: &[Cue]) -> bool {
        self.police
            .is_some_and(|police| cues.iter().any(|c| c.lexicon == police))
    }
}

impl Scorer for RiskScorer {
    fn score(&self, input: &ScoreInput<'_>, scratch: &mut FeatureBuffer) -> Option<Score> {
        if !self.mentions_police(input.cues) {
            return None;
        }
        let fired = input
            .fired
            .iter()
            .map(|m| (m.rule.id.as_str(), m.rule.domain.as_str()));
        scratch.set_instances(self.model.header.instances);
        extract(input.normalized, input.cues, &self.roles, fired, scratch);
        let risk = sigmoid(self.model.margin(scratch));
        if risk < self.lowest_threshold && input.fired.is_empty() && !input.explain {
            // No domain could pass and nothing to describe: the hot path ends here.
            return None;
        }
        let domain = self.model.domain(scratch);
        let threshold = self.threshold(domain);
        let passed = risk >= threshold;
        if !passed && input.fired.is_empty() && !input.explain {
            return None;
        }
        let prediction = Prediction {
            score: risk,
            domain,
        };
        // Only matches (and people asking) pay for naming the features.
        let mut named = FeatureBuffer::naming();
        named.set_instances(self.model.header.instances);
        let fired = input
            .fired
            .iter()
            .map(|m| (m.rule.id.as_str(), m.rule.domain.as_str()));
        extract(input.normalized, input.cues, &self.roles, fired, &mut named);
        let why = self
            .model
            .top_contributions(&named, WHY)
            .into_iter()
            .map(|c| format!("{} {:+.2}", c.feature, c.weight))
            .collect();
        Some(Score {
            risk: f64::from(prediction.score),
            domain: Some(self.model.domain_name(prediction.domain).to_owned()),
            why,
            threshold: Some(f64::from(threshold)),
            passed,
        })
    }

    fn check(&self, matcher: &Matcher) -> Vec<RuleProblem> {
        let mut session = Session::new();
        let mut problems = Vec::new();
        let cases = self
            .examples_risk
            .iter()
            .map(|t| (t, true))
            .chain(self.examples_neutral.iter().map(|t| (t, false)));
        for (text, want_risk) in cases {
            let explanation = matcher.explain(Subject::text(text), &mut session);
            let score = explanation.verdict.score.as_ref();
            if score.is_some_and(|s| s.passed) == want_risk {
                continue;
            }
            let why = match score {
                Some(s) => format!(
                    "score {:.3} ({}) vs threshold {:.3}",
                    s.risk,
                    s.domain.as_deref().unwrap_or(""),
                    s.threshold.unwrap_or(1.0)
                ),
                None => "no @police term".to_owned(),
            };
            let expected = if want_risk { "risk" } else { "neutral" };
            problems.push(RuleProblem {
                file: self.file.clone(),
                rule: Some("[scoring]".to_owned()),
                pattern: None,
                message: format!("should score as {expected} but did not ({why}): {text}"),
            });
        }
        problems
    }

    fn example_count(&self) -> usize {
        self.examples_risk.len() + self.examples_neutral.len()
    }
}

fn thresholds_min(thresholds: &[f32]) -> f32 {
    thresholds.iter().copied().fold(1.0, f32::min)
}

/// The training samples of labelled `rows` under `rules`: each text normalized, scanned,
/// and turned into features (rule filters do not apply: text alone), with whether a
/// rule fired. New domains are appended to `domains`. `instances`: also extract the
/// police-sentence instances (for a multi-instance model).
pub fn samples(
    rules: &RuleSet,
    rows: &[Labelled],
    domains: &mut Vec<String>,
    instances: bool,
) -> Vec<Sample> {
    let roles = LexiconRoles::new(rules.lexicon_names());
    let mut scanner = Scanner::new();
    let mut buffer = FeatureBuffer::new();
    buffer.set_instances(instances);
    rows.iter()
        .map(|row| {
            let normalized = normalize(&row.text);
            let fired: Vec<MatchedRule> = rules
                .scan(&normalized, &mut scanner)
                .into_iter()
                .map(|m| rules.rule(m.rule).matched(m.terms))
                .collect();
            let ids = fired
                .iter()
                .map(|m| (m.rule.id.as_str(), m.rule.domain.as_str()));
            extract(&normalized, scanner.cues(), &roles, ids, &mut buffer);
            let domain = row.domain.as_ref().map(|d| {
                domains.iter().position(|x| x == d).unwrap_or_else(|| {
                    domains.push(d.clone());
                    domains.len() - 1
                })
            });
            Sample {
                features: buffer.bag().clone(),
                risk: row.risk,
                domain,
                rule_fired: !fired.is_empty(),
                police: rules
                    .lexicon(POLICE)
                    .is_some_and(|p| scanner.cues().iter().any(|c| c.lexicon == p)),
            }
        })
        .collect()
}

/// The risk domains in the order models list them; a corpus may add more.
pub fn default_domains() -> Vec<String> {
    [
        "执法办案",
        "袭警",
        "窗口服务",
        "队伍管理",
        "重大安保",
        "谣言",
        "其他",
    ]
    .map(String::from)
    .to_vec()
}
