//! Measuring a rule pack on labelled texts: discovery (recall on `risk`) and precision
//! (false alarms on `neutral`), the plan's two targets.

use super::{RuleSet, Scanner};
use crate::normalize::normalize;

/// What the pack did on the labelled texts.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Risk texts some rule fired on.
    pub hits: usize,
    /// Risk texts no rule fired on.
    pub missed: Vec<String>,
    /// Neutral texts some rule fired on, with the rule ids.
    pub false_alarms: Vec<(String, Vec<String>)>,
    /// Neutral texts no rule fired on.
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

/// Runs the pack over a TSV (`label, source, text, …` with a header line; label `risk` or
/// `neutral`). Errors name the line.
pub fn evaluate(rules: &RuleSet, tsv: &str) -> Result<Evaluation, String> {
    let mut scanner = Scanner::new();
    let mut evaluation = Evaluation::default();
    for (index, line) in tsv.lines().enumerate().skip(1) {
        let mut columns = line.split('\t');
        let (Some(label), Some(_source), Some(text)) =
            (columns.next(), columns.next(), columns.next())
        else {
            return Err(format!(
                "line {}: expected label, source, text columns",
                index + 1
            ));
        };
        let fired: Vec<String> = rules
            .scan(&normalize(text), &mut scanner)
            .iter()
            .map(|m| rules.rule(m.rule).id.clone())
            .collect();
        match (label, fired.is_empty()) {
            ("risk", false) => evaluation.hits += 1,
            ("risk", true) => evaluation.missed.push(text.to_owned()),
            ("neutral", false) => evaluation.false_alarms.push((text.to_owned(), fired)),
            ("neutral", true) => evaluation.quiet += 1,
            (other, _) => return Err(format!("line {}: unknown label {other:?}", index + 1)),
        }
    }
    Ok(evaluation)
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
        let tsv = "label\tsource\ttext\treason\nrisk\tx\t警察打人\t\nrisk\tx\t民警推人\t\nneutral\tx\t警*察打人演习\t\nneutral\tx\t天气\t\n";
        let evaluation = evaluate(&rules, tsv).unwrap();
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
        assert!(evaluate(&rules, "h\nmaybe\tx\ttext\n")
            .unwrap_err()
            .contains("line 2"));
    }
}
