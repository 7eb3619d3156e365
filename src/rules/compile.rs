//! Rule files → one [`RuleSet`]: terms normalized and deduplicated, every keyword and regex
//! of every rule compiled into one hyperscan database, problems collected with the file,
//! rule id and pattern that caused them.

use std::collections::{BTreeMap, HashMap, HashSet};
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
    /// Collects every file's `[lexicon]` table, expands nested `@name` entries, and adds
    /// each term to the database marked with its lexicon, so one scan reports the
    /// concepts a text holds (for the scorer) as well as the rules it fires.
    fn add_lexicons(&mut self, files: &[(PathBuf, RuleFile)]) {
        let mut raw: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
        for (path, file) in files {
            let file_name = path.display().to_string();
            for (name, terms) in &file.lexicon {
                let lexicon = format!("@{name}");
                if !is_valid_lexicon_name(name) {
                    self.problem(&file_name, &lexicon, None, "lexicon names are lowercase ASCII letters, digits and '_', starting with a letter".into());
                } else if let Some((first, _)) = raw.get(name) {
                    self.problem(
                        &file_name,
                        &lexicon,
                        None,
                        format!("duplicate lexicon (first in {first})"),
                    );
                } else if terms.is_empty() {
                    self.problem(&file_name, &lexicon, None, "empty lexicon".into());
                } else {
                    raw.insert(name.clone(), (file_name.clone(), terms.clone()));
                }
            }
        }
        for (name, (file, _)) in &raw {
            let mut expanded = Vec::new();
            if let Err(message) = expand_lexicon(name, &raw, &mut Vec::new(), &mut expanded) {
                self.problem(file, &format!("@{name}"), None, message);
                continue;
            }
            let mut terms: Vec<String> = Vec::new();
            for term in expanded {
                let normalized = normalize(term.trim());
                if normalized.is_empty() {
                    self.problem(
                        file,
                        &format!("@{name}"),
                        Some(&term),
                        "term is empty after normalization".into(),
                    );
                } else if !terms.contains(&normalized) {
                    terms.push(normalized);
                }
            }
            self.lexicons.insert(name.clone(), terms);
        }
        let lexicons: Vec<(usize, Vec<String>, String)> = self
            .lexicons
            .iter()
            .enumerate()
            .map(|(i, (name, terms))| (i, terms.clone(), raw[name].0.clone()))
            .collect();
        for (lexicon, terms, file) in lexicons {
            for term in terms {
                let expression = escape_literal(&term);
                let len = term.len();
                let id = format!("@{}", self.lexicons.keys().nth(lexicon).map_or("", |n| n));
                if let Some(index) = self.pattern(&file, &id, (false, term), expression, Some(len))
                {
                    let marks = &mut self.patterns[index].lexicons;
                    if !marks.contains(&lexicon) {
                        marks.push(lexicon);
                    }
                }
            }
        }
    }

    /// The terms `term` stands for: a lexicon's terms for `@name`, else itself.
    fn expand_term(&mut self, file: &str, rule_id: &str, term: &str) -> Vec<String> {
        match term.trim().strip_prefix('@') {
            Some(name) => match self.lexicons.get(name) {
                Some(terms) => terms.clone(),
                None => {
                    self.problem(
                        file,
                        rule_id,
                        Some(term),
                        format!("unknown lexicon @{name}"),
                    );
                    Vec::new()
                }
            },
            None => vec![term.to_owned()],
        }
    }

    /// Replaces every `@name` of `regex` with the alternation of the lexicon's terms.
    fn expand_regex(&mut self, file: &str, rule_id: &str, regex: &str) -> Option<String> {
        let mut out = String::with_capacity(regex.len());
        let mut rest = regex;
        while let Some(at) = rest.find('@') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let name_len = after
                .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                .unwrap_or(after.len());
            let name = &after[..name_len];
            match self.lexicons.get(name) {
                Some(terms) => {
                    out.push_str("(?:");
                    let alternatives: Vec<String> =
                        terms.iter().map(|t| escape_literal(t)).collect();
                    out.push_str(&alternatives.join("|"));
                    out.push(')');
                }
                None => {
                    self.problem(
                        file,
                        rule_id,
                        Some(regex),
                        format!("unknown lexicon @{name} (write a literal @ as \\x40)"),
                    );
                    return None;
                }
            }
            rest = &after[name_len..];
        }
        out.push_str(rest);
        Some(out)
    }

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

fn is_valid_lexicon_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Appends the terms of lexicon `name` to `out`, expanding `@other` entries; `path` holds
/// the lexicons being expanded, to report a cycle instead of recursing forever.
fn expand_lexicon(
    name: &str,
    raw: &BTreeMap<String, (String, Vec<String>)>,
    path: &mut Vec<String>,
    out: &mut Vec<String>,
) -> Result<(), String> {
    if path.iter().any(|p| p == name) {
        path.push(name.to_owned());
        return Err(format!("lexicon cycle: @{}", path.join(" → @")));
    }
    let Some((_, terms)) = raw.get(name) else {
        return Err(format!("unknown lexicon @{name}"));
    };
    path.push(name.to_owned());
    for term in terms {
        match term.trim().strip_prefix('@') {
            Some(inner) => expand_lexicon(inner, raw, path, out)?,
            None => out.push(term.clone()),
        }
    }
    path.pop();
    Ok(())
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

/// Lints beyond compile errors: things that are legal but almost certainly mistakes.
pub fn lint(files: &[(PathBuf, RuleFile)]) -> Vec<RuleProblem> {
    let mut warnings = Vec::new();
    for (path, file) in files {
        let file_name = path.display().to_string();
        for spec in &file.rules {
            let warn = |message: String| RuleProblem {
                file: file_name.clone(),
                rule: Some(spec.id.clone()),
                pattern: None,
                message,
            };
            let excluded: HashSet<String> = spec.exclude.iter().map(|t| normalize(t)).collect();
            for keyword in &spec.keywords {
                if excluded.contains(&normalize(keyword)) {
                    warnings.push(warn(format!("{keyword:?} is both a keyword and excluded")));
                }
            }
            if spec.examples.matching.is_empty() {
                warnings.push(warn(
                    "no `match` examples: nothing proves the rule fires".into(),
                ));
            }
            for near in &spec.near {
                if near.within == 0 {
                    warnings.push(warn(
                        "near clause with within = 0 only matches adjacent terms".into(),
                    ));
                }
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Scanner;

    fn compile_text(text: &str) -> Result<RuleSet, Vec<RuleProblem>> {
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

    #[test]
    fn lexicons_expand_in_terms_and_regexes_and_report_cues() {
        let rules = compile_text(concat!(
            "[lexicon]\npolice = ['民警', '@traffic']\ntraffic = ['交警']\nhurt = ['砍伤']\n",
            "[[rule]]\nid='a'\nname='a'\ndomain='d'\nseverity='low'\n",
            "regex=['@hurt[0-9一两]名@police']\n",
            "[[rule]]\nid='b'\nname='b'\ndomain='d'\nseverity='low'\n",
            "near=[{a=['@police'], b=['@hurt'], within=1}]\n",
        ))
        .unwrap();
        assert_eq!(rules.lexicon_names(), ["hurt", "police", "traffic"]);
        let mut scanner = Scanner::new();
        let fired = |text: &str, scanner: &mut Scanner| -> Vec<String> {
            let mut ids: Vec<String> = rules
                .scan(&normalize(text), scanner)
                .iter()
                .map(|m| rules.rule(m.rule).id.clone())
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(fired("男子砍伤1名交警", &mut scanner), ["a"]);
        assert_eq!(fired("男子砍伤一名民警", &mut scanner), ["a"]);
        assert_eq!(fired("交警被砍伤", &mut scanner), ["b"]);
        assert!(fired("交警在路口执勤时被一名男子砍伤", &mut scanner).is_empty());
        let police = rules.lexicon("police").unwrap();
        let traffic = rules.lexicon("traffic").unwrap();
        let cues: Vec<usize> = scanner.cues().iter().map(|c| c.lexicon).collect();
        assert!(
            cues.contains(&police) && cues.contains(&traffic),
            "{cues:?}"
        );
    }

    #[test]
    fn unknown_duplicate_and_cyclic_lexicons_are_named() {
        let problems = compile_text(concat!(
            "[lexicon]\na = ['@b']\nb = ['@a']\n",
            "[[rule]]\nid='r'\nname='r'\ndomain='d'\nseverity='low'\nkeywords=['@nope']\nregex=['x@none']\n",
        ))
        .unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(text.iter().any(|t| t.contains("lexicon cycle")), "{text:?}");
        assert!(
            text.iter()
                .any(|t| t.contains("rule r") && t.contains("unknown lexicon @nope")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|t| t.contains("unknown lexicon @none")),
            "{text:?}"
        );
    }
}
