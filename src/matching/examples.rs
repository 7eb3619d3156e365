//! Every rule's own examples: `match` texts it must fire on, `no_match` texts it must not.
//! A generation whose examples fail never goes live. Examples are judged by the
//! generation's [`Matcher`], as text alone (no platform or follower filter applies).

use super::matcher::{Matcher, NotFired, Session, Subject};
use crate::rules::{Rule, RuleProblem, RuleSet};

/// Runs every example of every rule; returns one problem per failing example, with why.
pub fn run(matcher: &Matcher) -> Vec<RuleProblem> {
    let mut session = Session::new();
    let mut failures = Vec::new();
    for rule in matcher.rules().rules() {
        for text in &rule.examples_match {
            let verdict = matcher.judge(Subject::text(text), &mut session, false);
            if verdict.rules.iter().any(|m| m.rule.id == rule.id) {
                continue;
            }
            // Only a failure pays for the explanation.
            let why = matcher
                .explain(Subject::text(text), &mut session)
                .not_fired
                .iter()
                .find(|(r, _)| r.id == rule.id)
                .map_or_else(
                    || "no term of the rule hit".to_owned(),
                    |(_, why): &(_, NotFired)| why.to_string(),
                );
            failures.push(failure(
                rule,
                format!("should match but did not ({why}): {text}"),
            ));
        }
        for text in &rule.examples_no_match {
            let verdict = matcher.judge(Subject::text(text), &mut session, false);
            if let Some(m) = verdict.rules.iter().find(|m| m.rule.id == rule.id) {
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

fn failure(rule: &Rule, message: String) -> RuleProblem {
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
