//! Rule files → one [`RuleSet`]: terms normalized and deduplicated, every keyword and regex
//! of every rule compiled into one hyperscan database, problems collected with the file,
//! rule id and pattern that caused them. [`lexicons`] expands the `@name` term lists.

mod lexicons;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use hyperscan::prelude::*;
use hyperscan::{BlockMode, Builder as _, PatternFlags};

use super::file::{RuleFile, RuleSpec};
use super::ruleset::{PatternEntry, Role, Rule, RuleSet};
use super::RuleProblem;
use crate::normalize::normalize;

/// Where a pattern came from first, to name it in a compile error.
struct Origin {
    file: String,
    rule: String,
}

#[derive(Default)]
struct Builder {
    patterns: Vec<PatternEntry>,
    expressions: Vec<Pattern>,
    origins: Vec<Origin>,
    /// (is_regex, text) → pattern index, so a term shared by rules is scanned once.
    index: HashMap<(bool, String), usize>,
    /// Lexicon name → its terms (normalized, nested lexicons expanded), in name order.
    lexicons: BTreeMap<String, Vec<String>>,
    problems: Vec<RuleProblem>,
}

/// Compiles `files` into generation `generation`, or reports every problem found.
pub fn compile(
    files: &[(PathBuf, RuleFile)],
    generation: u64,
) -> Result<RuleSet, Vec<RuleProblem>> {
    let mut builder = Builder::default();
    builder.add_lexicons(files);
    let mut rules = Vec::new();
    let mut seen_ids = HashMap::new();
    for (path, file) in files {
        let file_name = path.display().to_string();
        for spec in &file.rules {
            if let Some(first) = seen_ids.insert(spec.id.clone(), file_name.clone()) {
                builder.problem(
                    &file_name,
                    &spec.id,
                    None,
                    format!("duplicate rule id (first in {first})"),
                );
                continue;
            }
            let index = rules.len();
            if let Some(rule) = builder.add_rule(index, &file_name, spec) {
                rules.push(rule);
            }
        }
    }
    if !builder.problems.is_empty() {
        return Err(builder.problems);
    }
    let database = if builder.expressions.is_empty() {
        None
    } else {
        match Patterns(builder.expressions.clone()).build::<BlockMode>() {
            Ok(database) => Some(database),
            Err(e) => return Err(vec![builder.compile_problem(e)]),
        }
    };
    let lexicon_names = builder.lexicons.keys().cloned().collect();
    Ok(RuleSet::new(generation, database, rules, builder.patterns).with_lexicons(lexicon_names))
}

impl Builder {
    fn add_rule(&mut self, index: usize, file: &str, spec: &RuleSpec) -> Option<Rule> {
        let problems_before = self.problems.len();
        if !is_valid_id(&spec.id) {
            self.problem(
                file,
                &spec.id,
                None,
                "id may hold only letters, digits, '.', '_' and '-'".into(),
            );
        }
        let has_trigger =
            !spec.keywords.is_empty() || !spec.regex.is_empty() || !spec.near.is_empty();
        if !has_trigger && spec.must.is_empty() {
            self.problem(
                file,
                &spec.id,
                None,
                "empty rule: it needs keywords, regex, near or must".into(),
            );
        }
        for keyword in &spec.keywords {
            self.add_term(index, file, &spec.id, keyword, Role::Any);
        }
        for regex in &spec.regex {
            if let Some(expanded) = self.expand_regex(file, &spec.id, regex) {
                self.add_regex(index, file, &spec.id, &expanded);
            }
        }
        for (group, terms) in spec.must.iter().enumerate() {
            if terms.is_empty() {
                self.problem(
                    file,
                    &spec.id,
                    None,
                    format!("must group {} is empty", group + 1),
                );
            }
            for term in terms {
                self.add_term(index, file, &spec.id, term, Role::Must(group));
            }
        }
        for term in &spec.exclude {
            self.add_term(index, file, &spec.id, term, Role::Exclude);
        }
        for (clause, near) in spec.near.iter().enumerate() {
            if near.a.is_empty() || near.b.is_empty() {
                self.problem(
                    file,
                    &spec.id,
                    None,
                    format!("near clause {} needs terms in both a and b", clause + 1),
                );
            }
            for term in &near.a {
                self.add_term(index, file, &spec.id, term, Role::NearA(clause));
            }
            for term in &near.b {
                self.add_term(index, file, &spec.id, term, Role::NearB(clause));
            }
        }
        if self.problems.len() > problems_before {
            return None;
        }
        Some(Rule {
            id: spec.id.clone(),
            name: spec.name.clone(),
            domain: spec.domain.clone(),
            severity: spec.severity,
            tags: spec.tags.clone(),
            file: file.to_owned(),
            platforms: spec.platforms.clone(),
            min_followers: spec.min_followers,
            has_trigger,
            must_groups: spec.must.len(),
            near_within: spec.near.iter().map(|n| n.within).collect(),
            examples_match: spec.examples.matching.clone(),
            examples_no_match: spec.examples.no_match.clone(),
        })
    }

    /// Adds a literal term, normalized the way post texts are so authors may write `警 察`
    /// or traditional characters and still match.
    fn add_term(&mut self, rule: usize, file: &str, rule_id: &str, term: &str, role: Role) {
        if term.trim().starts_with('@') {
            for expanded in self.expand_term(file, rule_id, term) {
                self.add_term(rule, file, rule_id, &expanded, role);
            }
            return;
        }
        let normalized = normalize(term.trim());
        if normalized.is_empty() {
            self.problem(
                file,
                rule_id,
                Some(term),
                "term is empty after normalization".into(),
            );
            return;
        }
        let expression = escape_literal(&normalized);
        let len = normalized.len();
        self.add_pattern(
            rule,
            file,
            rule_id,
            (false, normalized),
            expression,
            Some(len),
            role,
        );
    }

    /// Adds a regex. Its Chinese characters go through the same traditional → simplified
    /// table as post texts (which also rewrites a few simplified characters, e.g. 呵 → 嗬),
    /// so a regex matches what the normalized text holds.
    fn add_regex(&mut self, rule: usize, file: &str, rule_id: &str, regex: &str) {
        let converted = fast2s::convert(regex);
        let regex = converted.as_str();
        let flags = PatternFlags::UTF8;
        // Checked alone first, so an error names this regex and not the whole database.
        let checked = Pattern::with_flags(regex, flags).and_then(|p| p.info());
        match checked {
            Err(e) => {
                self.problem(file, rule_id, Some(regex), compile_message(&e));
            }
            Ok(info) if info.min_width() == 0 => {
                self.problem(
                    file,
                    rule_id,
                    Some(regex),
                    "regex can match the empty string".into(),
                );
            }
            Ok(_) => {
                let key = (true, regex.to_owned());
                self.add_pattern(rule, file, rule_id, key, regex.to_owned(), None, Role::Any);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_pattern(
        &mut self,
        rule: usize,
        file: &str,
        rule_id: &str,
        key: (bool, String),
        expression: String,
        literal_len: Option<usize>,
        role: Role,
    ) {
        let Some(index) = self.pattern(file, rule_id, key, expression, literal_len) else {
            return;
        };
        let uses = &mut self.patterns[index].uses;
        if !uses.contains(&(rule, role)) {
            uses.push((rule, role));
        }
    }

    /// The index of the expression for `key`, added to the database on first use.
    fn pattern(
        &mut self,
        file: &str,
        rule_id: &str,
        key: (bool, String),
        expression: String,
        literal_len: Option<usize>,
    ) -> Option<usize> {
        if let Some(&index) = self.index.get(&key) {
            return Some(index);
        }
        let index = self.patterns.len();
        let mut pattern = match Pattern::with_flags(expression, PatternFlags::UTF8) {
            Ok(pattern) => pattern,
            Err(e) => {
                self.problem(file, rule_id, Some(&key.1), compile_message(&e));
                return None;
            }
        };
        pattern.id = Some(index);
        self.expressions.push(pattern);
        self.patterns.push(PatternEntry {
            text: key.1.clone(),
            literal_len,
            uses: Vec::new(),
            lexicons: Vec::new(),
        });
        self.origins.push(Origin {
            file: file.to_owned(),
            rule: rule_id.to_owned(),
        });
        self.index.insert(key, index);
        Some(index)
    }

    fn problem(&mut self, file: &str, rule: &str, pattern: Option<&str>, message: String) {
        self.problems.push(RuleProblem {
            file: file.to_owned(),
            rule: Some(rule.to_owned()),
            pattern: pattern.map(str::to_owned),
            message,
        });
    }

    /// Names the rule and pattern behind a whole-database compile error.
    fn compile_problem(&self, error: hyperscan::Error) -> RuleProblem {
        let expression = match &error {
            hyperscan::Error::Hyperscan(hyperscan::HsError::CompileError(e)) => e.expression(),
            _ => None,
        };
        match expression.and_then(|i| Some((self.origins.get(i)?, self.patterns.get(i)?))) {
            Some((origin, pattern)) => RuleProblem {
                file: origin.file.clone(),
                rule: Some(origin.rule.clone()),
                pattern: Some(pattern.text.clone()),
                message: compile_message(&error),
            },
            None => RuleProblem {
                file: "(rule set)".to_owned(),
                rule: None,
                pattern: None,
                message: compile_message(&error),
            },
        }
    }
}

fn compile_message(error: &hyperscan::Error) -> String {
    match error {
        hyperscan::Error::Hyperscan(hyperscan::HsError::CompileError(e)) => e.message().to_owned(),
        other => other.to_string(),
    }
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// A hyperscan expression matching `literal` exactly: every ASCII character that is not a
/// letter or digit is written as `\xHH`, so no character can act as a metacharacter.
fn escape_literal(literal: &str) -> String {
    let mut escaped = String::with_capacity(literal.len() * 2);
    for c in literal.chars() {
        if c.is_ascii_alphanumeric() || !c.is_ascii() {
            escaped.push(c);
        } else {
            escaped.push_str(&format!("\\x{:02x}", c as u32));
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Scanner;

    /// One rule file's text, compiled (the lexicon tests use it too).
    pub(super) fn compile_text(text: &str) -> Result<RuleSet, Vec<RuleProblem>> {
        let file: RuleFile = toml::from_str(text).unwrap();
        compile(&[(PathBuf::from("t.toml"), file)], 1)
    }

    #[test]
    fn escaped_literals_match_themselves_only() {
        let rules = compile_text(
            "[[rule]]\nid='a'\nname='a'\ndomain='d'\nseverity='low'\nkeywords=['a.b (c)']\n",
        )
        .unwrap();
        let mut scanner = Scanner::new();
        assert_eq!(rules.scan("x a.b (c) y", &mut scanner).len(), 1);
        assert!(rules.scan("x aXb (c) y", &mut scanner).is_empty());
    }

    #[test]
    fn broken_regex_names_file_rule_and_pattern() {
        let problems = compile_text(
            "[[rule]]\nid='bad'\nname='b'\ndomain='d'\nseverity='low'\nregex=['(警察']\n",
        )
        .unwrap_err();
        let message = problems[0].to_string();
        assert!(
            message.contains("t.toml") && message.contains("bad") && message.contains("(警察"),
            "{message}"
        );
    }

    #[test]
    fn empty_matching_regex_and_empty_rule_and_duplicate_id_are_rejected() {
        let problems = compile_text(concat!(
            "[[rule]]\nid='e'\nname='e'\ndomain='d'\nseverity='low'\nregex=['a*']\n",
            "[[rule]]\nid='n'\nname='n'\ndomain='d'\nseverity='low'\n",
            "[[rule]]\nid='e'\nname='e2'\ndomain='d'\nseverity='low'\nkeywords=['x']\n",
        ))
        .unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 3, "{text:?}");
        assert!(text[0].contains("empty string"));
        assert!(text[1].contains("empty rule"));
        assert!(text[2].contains("duplicate rule id"));
    }
}
