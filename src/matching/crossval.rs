//! k-fold cross-validation of the detector on labelled texts: rules alone, the model
//! alone, and both (a rule fires or the score passes), overall and per domain.
//!
//! Every figure is a validation figure: each fold's model (and its threshold, chosen by
//! inner folds) is trained on the other folds only, and judged on the texts it never saw.
//! The rules are fixed, so their figures are the same with or without folds.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::risk::{default_domains, samples};
use crate::rules::RuleSet;
use crate::score::data::Labelled;
use crate::score::model::sigmoid;
use crate::score::train::{fit, stratified_folds, sweep_rule_or_score, Sample, Settings};

/// What the detector did with one held-out text.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub row: usize,
    /// The fold that held the text out.
    pub fold: usize,
    pub rule_fired: bool,
    /// Whether the text hit the `police` lexicon (only those are scored).
    pub scored: bool,
    pub score: f32,
    pub threshold: f32,
    /// The model's domain for the text.
    pub domain: String,
}

impl Outcome {
    pub fn model(&self) -> bool {
        self.scored && self.score >= self.threshold
    }

    pub fn both(&self) -> bool {
        self.rule_fired || self.model()
    }
}

/// Each row's held-out outcome under `k`-fold cross-validation.
/// `extra` rows (texts written for training) join every training fold and are never
/// judged, so the figures stay about the labelled corpora alone.
pub fn cross_validate(
    rules: &RuleSet,
    rows: &[Labelled],
    extra: &[Labelled],
    k: usize,
    settings: &Settings,
) -> Vec<Outcome> {
    let mut domains = default_domains();
    let all = samples(rules, rows, &mut domains, settings.instances);
    let extra = samples(rules, extra, &mut domains, settings.instances);
    let labels: Vec<bool> = rows.iter().map(|r| r.risk).collect();
    let fold_of = stratified_folds(&labels, k, settings.seed);
    let mut outcomes: Vec<Option<Outcome>> = vec![None; rows.len()];
    let mut buffer = crate::score::FeatureBuffer::new();
    for fold in 0..k {
        let train: Vec<&Sample> = all
            .iter()
            .zip(&fold_of)
            .filter(|(_, &f)| f != fold)
            .map(|(s, _)| s)
            .chain(&extra)
            .collect();
        let model = fit(&train, domains.clone(), settings, Vec::new());
        for (i, sample) in all.iter().enumerate().filter(|(i, _)| fold_of[*i] == fold) {
            fill(&mut buffer, &sample.features);
            let prediction = model.predict(&buffer);
            outcomes[i] = Some(Outcome {
                row: i,
                fold,
                rule_fired: sample.rule_fired,
                scored: sample.police,
                score: sigmoid(model.margin(&buffer)),
                threshold: model.header.threshold,
                domain: model.domain_name(prediction.domain).to_owned(),
            });
        }
    }
    outcomes.into_iter().flatten().collect()
}

fn fill(buffer: &mut crate::score::FeatureBuffer, features: &crate::score::features::Bag) {
    buffer.set_bag(features);
}

/// Average precision of the held-out scores: the area under the precision-recall curve,
/// independent of any threshold (the data README's reference point is about 0.54).
pub fn average_precision(rows: &[Labelled], outcomes: &[Outcome]) -> f64 {
    let mut scored: Vec<(f32, bool)> = outcomes
        .iter()
        .map(|o| (if o.scored { o.score } else { 0.0 }, rows[o.row].risk))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives = scored.iter().filter(|s| s.1).count().max(1) as f64;
    let (mut hits, mut sum) = (0usize, 0f64);
    for (rank, (_, risk)) in scored.iter().enumerate() {
        if *risk {
            hits += 1;
            sum += hits as f64 / (rank + 1) as f64;
        }
    }
    sum / positives
}

/// Each fold's average precision: a setting that wins overall but loses on most folds
/// is noise, not a winner.
pub fn fold_average_precisions(rows: &[Labelled], outcomes: &[Outcome], k: usize) -> Vec<f64> {
    (0..k)
        .map(|fold| {
            let held: Vec<Outcome> = outcomes
                .iter()
                .filter(|o| o.fold == fold)
                .cloned()
                .collect();
            average_precision(rows, &held)
        })
        .collect()
}

/// The best precision "a rule fired or the score passed" reaches at recall `at` or more,
/// over every threshold (`None` when no threshold reaches that recall: texts without a
/// police term and no rule are never found).
pub fn precision_at_recall(rows: &[Labelled], outcomes: &[Outcome], at: f64) -> Option<f64> {
    let mut scored: Vec<(f32, bool, bool)> = outcomes
        .iter()
        .map(|o| {
            let score = if o.scored { o.score } else { f32::NEG_INFINITY };
            (score, rows[o.row].risk, o.rule_fired)
        })
        .collect();
    let positives = scored.iter().filter(|s| s.1).count().max(1) as f64;
    let mut best: Option<f64> = None;
    sweep_rule_or_score(&mut scored, |tp, fp, _| {
        if tp / positives >= at {
            let p = tp / (tp + fp).max(1.0);
            best = Some(best.map_or(p, |b: f64| b.max(p)));
        }
    });
    best
}

/// How often the model's domain is a risk text's labelled one: `(right, labelled)`.
pub fn domain_accuracy(rows: &[Labelled], outcomes: &[Outcome]) -> (usize, usize) {
    let labelled: Vec<(&str, &str)> = outcomes
        .iter()
        .filter_map(|o| {
            let row = &rows[o.row];
            row.domain
                .as_deref()
                .filter(|_| row.risk)
                .map(|d| (d, o.domain.as_str()))
        })
        .collect();
    let right = labelled.iter().filter(|(want, got)| want == got).count();
    (right, labelled.len())
}

/// Counts of one detector on one slice of the texts.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub hits: usize,
    pub misses: usize,
    pub false_alarms: usize,
}

impl Tally {
    pub fn recall(&self) -> f64 {
        self.hits as f64 / (self.hits + self.misses).max(1) as f64
    }
    pub fn precision(&self) -> f64 {
        self.hits as f64 / (self.hits + self.false_alarms).max(1) as f64
    }
    pub fn f1(&self) -> f64 {
        let (r, p) = (self.recall(), self.precision());
        if r + p == 0.0 {
            0.0
        } else {
            2.0 * r * p / (r + p)
        }
    }
}

/// Overall and per-domain tallies of `decide` over the outcomes. Recall per domain uses
/// the labelled domain of risk texts; false alarms count under the domain the model gave
/// them.
pub fn tally(
    rows: &[Labelled],
    outcomes: &[Outcome],
    rules: &RuleSet,
    decide: impl Fn(&Outcome) -> bool,
) -> (Tally, BTreeMap<String, Tally>) {
    let _ = rules;
    let mut overall = Tally::default();
    let mut by_domain: BTreeMap<String, Tally> = BTreeMap::new();
    for outcome in outcomes {
        let row = &rows[outcome.row];
        let alarm = decide(outcome);
        match (row.risk, alarm) {
            (true, true) => overall.hits += 1,
            (true, false) => overall.misses += 1,
            (false, true) => overall.false_alarms += 1,
            (false, false) => {}
        }
        if row.risk {
            let domain = row.domain.clone().unwrap_or_else(|| "(未标注)".to_owned());
            let t = by_domain.entry(domain).or_default();
            if alarm {
                t.hits += 1;
            } else {
                t.misses += 1;
            }
        } else if alarm {
            by_domain
                .entry(outcome.domain.clone())
                .or_default()
                .false_alarms += 1;
        }
    }
    (overall, by_domain)
}

/// The report `fenghuo model eval` prints: a table per detector, then (when `list`) the
/// misses and false alarms of rules-or-model.
pub fn report(
    rows: &[Labelled],
    outcomes: &[Outcome],
    rules: &RuleSet,
    k: usize,
    list: bool,
) -> String {
    let mut out = String::new();
    type Decide<'a> = &'a dyn Fn(&Outcome) -> bool;
    let detectors: [(&str, Decide); 3] = [
        ("rules", &|o: &Outcome| o.rule_fired),
        ("model", &|o: &Outcome| o.model()),
        ("both", &|o: &Outcome| o.both()),
    ];
    let _ = writeln!(
        out,
        "{k}-fold cross-validated on {} texts ({} risk); model figures are held-out only",
        rows.len(),
        rows.iter().filter(|r| r.risk).count()
    );
    let _ = writeln!(
        out,
        "model average precision {:.3} (held-out scores; texts without a police term score 0)",
        average_precision(rows, outcomes)
    );
    let folds: Vec<String> = fold_average_precisions(rows, outcomes, k)
        .iter()
        .map(|ap| format!("{ap:.3}"))
        .collect();
    let _ = writeln!(out, "  per fold {}", folds.join(" "));
    let levels: Vec<String> = [0.7, 0.8, 0.9, 0.95]
        .iter()
        .map(|&at| match precision_at_recall(rows, outcomes, at) {
            Some(p) => format!("R{:.0} P{:.1}%", 100.0 * at, 100.0 * p),
            None => format!("R{:.0} unreachable", 100.0 * at),
        })
        .collect();
    let _ = writeln!(
        out,
        "  both, best precision at a recall (any threshold): {}",
        levels.join(", ")
    );
    let (right, labelled) = domain_accuracy(rows, outcomes);
    let _ = writeln!(
        out,
        "  domain right on {right}/{labelled} labelled risk texts ({:.1}%)",
        100.0 * right as f64 / labelled.max(1) as f64
    );
    for (name, decide) in detectors {
        let (overall, by_domain) = tally(rows, outcomes, rules, decide);
        let _ = writeln!(
            out,
            "{name:<6} recall {:5.1}% ({}/{})  precision {:5.1}% ({}/{})  F1 {:.3}",
            100.0 * overall.recall(),
            overall.hits,
            overall.hits + overall.misses,
            100.0 * overall.precision(),
            overall.hits,
            overall.hits + overall.false_alarms,
            overall.f1()
        );
        for (domain, t) in &by_domain {
            let _ = writeln!(
                out,
                "         {domain:<8} recall {:5.1}% ({}/{})  false alarms {}",
                100.0 * t.recall(),
                t.hits,
                t.hits + t.misses,
                t.false_alarms
            );
        }
    }
    if list {
        for outcome in outcomes {
            let row = &rows[outcome.row];
            let line = |tag: &str| {
                format!(
                    "{tag} [{:.2}/{:.2} {}{}] {}",
                    outcome.score,
                    outcome.threshold,
                    outcome.domain,
                    if outcome.rule_fired { " rule" } else { "" },
                    row.text
                )
            };
            match (row.risk, outcome.both()) {
                (true, false) => {
                    let _ = writeln!(out, "{}", line("MISSED     "));
                }
                (false, true) => {
                    let _ = writeln!(out, "{}", line("FALSE ALARM"));
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(risk: bool) -> Labelled {
        Labelled {
            risk,
            source: "t".into(),
            text: String::new(),
            domain: None,
        }
    }

    fn outcome(row: usize, fold: usize, score: f32, rule_fired: bool) -> Outcome {
        Outcome {
            row,
            fold,
            rule_fired,
            scored: true,
            score,
            threshold: 0.5,
            domain: String::new(),
        }
    }

    #[test]
    fn precision_at_recall_and_per_fold_average_precision() {
        // Risk: a rule catches row 0; rows 1 and 2 score 0.9 and 0.3. Neutral: 0.8, 0.05.
        let rows = [true, true, true, false, false].map(row);
        let outcomes = [
            outcome(0, 0, 0.1, true),
            outcome(1, 0, 0.9, false),
            outcome(2, 1, 0.3, false),
            outcome(3, 1, 0.8, false),
            outcome(4, 0, 0.05, false),
        ];
        let at = |r| precision_at_recall(&rows, &outcomes, r);
        // Recall 2/3 at t = 0.9 with no false alarm; all three need t = 0.3: 3/4.
        assert_eq!(at(0.6), Some(1.0));
        assert_eq!(at(0.9), Some(0.75));
        let mut unscored = outcomes.clone();
        unscored[2].scored = false;
        assert_eq!(precision_at_recall(&rows, &unscored, 0.9), None);
        // Fold 0 ranks its risk texts first; fold 1 ranks a neutral one above its risk text.
        let folds = fold_average_precisions(&rows, &outcomes, 2);
        assert_eq!(folds[0], 1.0);
        assert_eq!(folds[1], 0.5);
    }

    #[test]
    fn domain_accuracy_counts_labelled_risk_texts_only() {
        let mut rows = [true, true, true, false].map(row);
        rows[0].domain = Some("袭警".into());
        rows[1].domain = Some("谣言".into());
        rows[3].domain = Some("袭警".into());
        let mut outcomes: Vec<Outcome> = (0..4).map(|i| outcome(i, 0, 0.5, false)).collect();
        for o in &mut outcomes {
            o.domain = "袭警".into();
        }
        assert_eq!(domain_accuracy(&rows, &outcomes), (1, 2));
    }
}
