//! The benchmark workload shared by the bench binaries: keyword lists of a given size
//! (the rule pack's own terms first, then synthetic Chinese words), the pack's regexes,
//! and the texts of a feed.

#![allow(dead_code)] // each bench binary uses part of it

use std::path::Path;

use chrono::Utc;
use fenghuo::config::Config;
use fenghuo::decode::Decoder;
use fenghuo::normalize::normalize;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped pack's literal terms and regexes, with its `@lexicon` references expanded
/// into plain terms and alternations, so every tool (ripgrep, aho-corasick, RegexSet) gets
/// the same patterns as the engine's compiler builds.
pub fn pack_terms() -> (Vec<String>, Vec<String>) {
    let files =
        fenghuo::rules::file::read_dir(&manifest().join("rules")).expect("the rule pack reads");
    let mut lexicons = std::collections::BTreeMap::new();
    for (_, file) in &files {
        lexicons.extend(file.lexicon.clone());
    }
    let (mut literals, mut regexes) = (Vec::new(), Vec::new());
    for (_, file) in files {
        for rule in file.rules {
            let terms = rule.keywords.iter().chain(rule.must.iter().flatten());
            for term in terms {
                literals.extend(expand_term(term, &lexicons, 0).iter().map(|k| normalize(k)));
            }
            regexes.extend(rule.regex.iter().map(|r| expand_regex(r, &lexicons)));
        }
    }
    literals.sort();
    literals.dedup();
    literals.retain(|k| !k.is_empty());
    regexes.sort();
    regexes.dedup();
    (literals, regexes)
}

/// A term, or the plain terms of the lexicon it names (lexicons may name lexicons; the
/// compiler has already refused cycles, the depth bound only guards this copy).
fn expand_term(
    term: &str,
    lexicons: &std::collections::BTreeMap<String, Vec<String>>,
    depth: usize,
) -> Vec<String> {
    match term
        .trim()
        .strip_prefix('@')
        .and_then(|name| lexicons.get(name))
    {
        Some(terms) if depth < 8 => terms
            .iter()
            .flat_map(|t| expand_term(t, lexicons, depth + 1))
            .collect(),
        _ => vec![term.to_owned()],
    }
}

/// A regex with each `@name` replaced by `(?:term|term…)` of that lexicon's terms.
fn expand_regex(regex: &str, lexicons: &std::collections::BTreeMap<String, Vec<String>>) -> String {
    let mut out = String::new();
    let mut rest = regex;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        match lexicons.get(&after[..len]) {
            Some(_) => {
                let terms: Vec<String> = expand_term(&format!("@{}", &after[..len]), lexicons, 0)
                    .iter()
                    .map(|t| regex::escape(t))
                    .collect();
                out.push_str(&format!("(?:{})", terms.join("|")));
            }
            None => out.push_str(&rest[at..at + 1 + len]),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// `count` distinct keywords: the pack's literals, then 3–4 character words drawn from
/// common characters (seeded, so every run and every tool gets the same list).
///
/// Three characters and up, like most terms of a real monitoring list: a two-character
/// word of common characters ("的一") fires on about one post in eight, which makes the
/// list a stress test of grading rather than a workload. `BENCH_SHORT_WORDS=1` allows
/// them (2–4 characters), to run that stress test.
pub fn keywords(count: usize) -> Vec<String> {
    let shortest = if std::env::var_os("BENCH_SHORT_WORDS").is_some_and(|v| v == "1") {
        2
    } else {
        3
    };
    let (mut words, _) = pack_terms();
    words.truncate(count);
    let common: Vec<char> = "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常".chars().collect();
    let mut rng = StdRng::seed_from_u64(42);
    let mut seen: std::collections::HashSet<String> = words.iter().cloned().collect();
    while words.len() < count {
        let length = rng.random_range(shortest..=4);
        let word: String = (0..length)
            .map(|_| common[rng.random_range(0..common.len())])
            .collect();
        if seen.insert(word.clone()) {
            words.push(word);
        }
    }
    words
}

/// The (title + body) texts of every post of an NDJSON feed, as written.
pub fn texts(feed: &[u8]) -> Vec<String> {
    let config = Config::embedded();
    let decoder = Decoder::new(&config.mappings, config.engine.max_post_bytes);
    let all = decoder.select(&[]);
    let mut texts = Vec::new();
    decoder.decode_frame(feed, &all, Utc::now(), |r| {
        texts.extend(r.ok().map(|p| p.text()))
    });
    texts
}

/// A rule file with `keywords` (ten per rule) and `regexes` (one per rule).
pub fn rules_toml(keywords: &[String], regexes: &[String]) -> String {
    let mut toml = String::new();
    for (i, chunk) in keywords.chunks(10).enumerate() {
        toml.push_str(&format!("[[rule]]\nid = \"kw{i}\"\nname = \"kw\"\ndomain = \"bench\"\nseverity = \"low\"\nkeywords = {chunk:?}\n\n"));
    }
    for (i, regex) in regexes.iter().enumerate() {
        toml.push_str(&format!("[[rule]]\nid = \"re{i}\"\nname = \"re\"\ndomain = \"bench\"\nseverity = \"low\"\nregex = ['{regex}']\n\n"));
    }
    toml
}
