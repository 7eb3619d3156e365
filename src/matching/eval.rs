//! Measuring a generation on labelled texts: discovery (recall on `risk`) and precision
//! (false alarms on `neutral`), the plan's two targets. Texts are judged by the
//! [`Matcher`] as text alone, exactly as rule examples are, and counted both as the engine
//! alerts (a rule fired or the scorer passed) and by the rules alone.

use super::matcher::{Matcher, Session, Subject, MODEL_RULE_ID};

/// What the pack did on the labelled texts.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Risk texts detected.
    pub hits: usize,
    /// Risk texts not detected.
    pub missed: Vec<String>,
    /// Neutral texts detected, with the ids of what fired ([`MODEL_RULE_ID`] for the scorer).
    pub false_alarms: Vec<(String, Vec<String>)>,
    /// Neutral texts not detected.
    pub quiet: usize,
}

impl Evaluation {
    pub fn recall(&self) -> f64 {
        self.hits as f64 / (self.hits + self.missed.len()).max(1) as f64
    }

    pub fn precision(&self) -> f64 {
        self.hits as f64 / (self.hits + self.false_alarms.len()).max(1) as f64
    }
}

/// One judgement of the labelled texts, counted two ways.
#[derive(Debug, Default)]
pub struct Evaluations {
    /// What the engine alerts on: a rule fired, or the learned scorer passed its threshold
    /// (its match is named [`MODEL_RULE_ID`]).
    pub engine: Evaluation,
    /// The rules alone, for rule authors: the scorer's matches left out.
    pub rules_only: Evaluation,
}

impl Evaluation {
    /// Counts one text whose verdict named `fired` (empty: not detected).
    fn count(&mut self, risk: bool, text: &str, fired: Vec<String>) {
        match (risk, fired.is_empty()) {
            (true, false) => self.hits += 1,
            (true, true) => self.missed.push(text.to_owned()),
            (false, false) => self.false_alarms.push((text.to_owned(), fired)),
            (false, true) => self.quiet += 1,
        }
    }
}

/// A labelled file that cannot be read as one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("line {line}: expected label, source, text columns")]
    MissingColumns { line: usize },
    #[error("line {line}: unknown label {label:?} (risk or neutral)")]
    UnknownLabel { line: usize, label: String },
}

/// Runs the generation over a TSV (`label, source, text, …` with a header line; label
/// `risk` or `neutral`), judging each text once.
pub fn evaluate(matcher: &Matcher, tsv: &str) -> Result<Evaluations, EvalError> {
    let mut session = Session::new();
    let mut evaluations = Evaluations::default();
    for (index, line) in tsv.lines().enumerate().skip(1) {
        let mut columns = line.split('\t');
        let (Some(label), Some(_source), Some(text)) =
            (columns.next(), columns.next(), columns.next())
        else {
            return Err(EvalError::MissingColumns { line: index + 1 });
        };
        let risk = match label {
            "risk" => true,
            "neutral" => false,
            other => {
                return Err(EvalError::UnknownLabel {
                    line: index + 1,
                    label: other.to_owned(),
                })
            }
        };
        let verdict = matcher.judge(Subject::text(text), &mut session, false);
        let fired: Vec<String> = verdict.rules.into_iter().map(|m| m.rule.id).collect();
        let by_rules: Vec<String> = fired
            .iter()
            .filter(|id| *id != MODEL_RULE_ID)
            .cloned()
            .collect();
        evaluations.rules_only.count(risk, text, by_rules);
        evaluations.engine.count(risk, text, fired);
    }
    Ok(evaluations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_precision_and_bad_lines() {
        let file: crate::rules::file::RuleFile = toml::from_str(
            "[[rule]]\nid='r'\nname='r'\ndomain='d'\nseverity='low'\nkeywords=['警察打人']\n",
        )
        .unwrap();
        let rules = crate::rules::compile::compile(&[("t.toml".into(), file)], 1).unwrap();
        let matcher = Matcher::of_rules(rules);
        let tsv = "label\tsource\ttext\treason\nrisk\tx\t警察打人\t\nrisk\tx\t民警推人\t\nneutral\tx\t警*察打人演习\t\nneutral\tx\t天气\t\n";
        let evaluation = evaluate(&matcher, tsv).unwrap().engine;
        assert_eq!(
            (
                evaluation.hits,
                evaluation.missed.len(),
                evaluation.false_alarms.len(),
                evaluation.quiet
            ),
            (1, 1, 1, 1)
        );
        assert_eq!(evaluation.recall(), 0.5);
        assert_eq!(evaluation.precision(), 0.5);
        assert_eq!(
            evaluate(&matcher, "h\nmaybe\tx\ttext\n").unwrap_err(),
            EvalError::UnknownLabel {
                line: 2,
                label: "maybe".into()
            }
        );
    }
}
