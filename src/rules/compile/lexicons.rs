//! Lexicons: named term lists (`@police`, `@violence` …) that rules use in place of terms,
//! expanded (nested ones too) into the terms and regexes they stand for, and scanned for
//! themselves so one scan also reports the concepts a text holds.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{escape_literal, Builder};
use crate::normalize::normalize;
use crate::rules::file::RuleFile;

impl Builder {
    /// Collects every file's `[lexicon]` table, expands nested `@name` entries, and adds
    /// each term to the database marked with its lexicon, so one scan reports the
    /// concepts a text holds (for the scorer) as well as the rules it fires.
    pub(super) fn add_lexicons(&mut self, files: &[(PathBuf, RuleFile)]) {
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
    pub(super) fn expand_term(&mut self, file: &str, rule_id: &str, term: &str) -> Vec<String> {
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
    pub(super) fn expand_regex(
        &mut self,
        file: &str,
        rule_id: &str,
        regex: &str,
    ) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use crate::normalize::normalize;
    use crate::rules::compile::tests::compile_text;
    use crate::rules::Scanner;

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
