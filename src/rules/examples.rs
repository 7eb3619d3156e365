//! Every rule's own examples: `match` texts it must fire on, `no_match` texts it must not.
//! A generation whose examples fail never goes live.

use super::{RuleProblem, RuleSet, Scanner, Verdict};
use crate::normalize::normalize;

/// Runs every example of every rule; returns one problem per failing example, with why.
pub fn run(rules: &RuleSet) -> Vec<RuleProblem> {
    let mut scanner = Scanner::new();
    let mut failures = Vec::new();
    for (index, rule) in rules.rules().iter().enumerate() {
        let verdict_on = |text: &str, scanner: &mut Scanner| {
            rules
                .evaluate(&normalize(text), scanner)
                .into_iter()
                .find(|v| match v {
                    Verdict::Fired(m) => m.rule == index,
                    Verdict::Missed(rule, _) => *rule == index,
                })
        };
        for text in &rule.examples_match {
            let why = match verdict_on(text, &mut scanner) {
                Some(Verdict::Fired(_)) => continue,
                Some(Verdict::Missed(_, miss)) => miss.to_string(),
                None => "no term of the rule hit".to_owned(),
            };
            failures.push(failure(
                rule,
                format!("should match but did not ({why}): {text}"),
            ));
        }
        for text in &rule.examples_no_match {
            if let Some(Verdict::Fired(m)) = verdict_on(text, &mut scanner) {
                let terms: Vec<&str> = m.terms.iter().map(|t| t.term.as_str()).collect();
                failures.push(failure(
                    rule,
                    format!("should not match but did (terms {terms:?}): {text}"),
                ));
            }
        }
    }
    failures
}

fn failure(rule: &super::Rule, message: String) -> RuleProblem {
    RuleProblem {
        file: rule.file.clone(),
        rule: Some(rule.id.clone()),
        pattern: None,
        message,
    }
}

/// Number of examples in the rule set.
pub fn count(rules: &RuleSet) -> usize {
    rules
        .rules()
        .iter()
        .map(|r| r.examples_match.len() + r.examples_no_match.len())
        .sum()
}
