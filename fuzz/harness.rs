//! What each fuzz target does with one input, shared by the `cargo fuzz` targets
//! (`fuzz/fuzz_targets/*.rs`) and the corpus replay in `cargo test`
//! (`tests/fuzz_corpus.rs`), so a saved input is checked by exactly the code that found it.
//!
//! Each function must not panic on any input; the invariants it asserts are the ones the
//! engine relies on (char offsets inside the text, normalization idempotent, ...).
// Each target includes the whole harness and uses one of its functions.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::Utc;
use fenghuo::config::{Config, MappingConfig};
use fenghuo::decode::Decoder;
use fenghuo::matching::{Matcher, Session, Subject};
use fenghuo::normalize::normalize;
use fenghuo::rules::file::RuleFile;

/// The input split at its first NUL: a head (TOML) and the rest (a frame or a text).
fn split_at_nul(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = memchr::memchr(0, data)?;
    Some((&data[..at], &data[at + 1..]))
}

fn default_decoder() -> &'static Decoder {
    static DECODER: OnceLock<Decoder> = OnceLock::new();
    DECODER.get_or_init(|| Decoder::new(&Config::embedded().mappings, 4096))
}

/// A frame decoded by the default mappings; with a NUL, the head is first read as a
/// mapping (TOML) and the rest decoded by it.
pub fn decode(data: &[u8]) {
    let custom;
    let (decoder, frame) = match split_at_nul(data) {
        Some((head, frame)) => {
            let Ok(text) = std::str::from_utf8(head) else {
                return;
            };
            let Ok(mapping) = toml::from_str::<MappingConfig>(text) else {
                return;
            };
            let mut problems = Vec::new();
            mapping.validate("fuzz", &mut problems);
            if !problems.is_empty() {
                return;
            }
            let mappings = BTreeMap::from([("fuzz".to_owned(), mapping)]);
            custom = Decoder::new(&mappings, 4096);
            (&custom, frame)
        }
        None => (default_decoder(), data),
    };
    let all = decoder.select(&[]);
    decoder.decode_frame(frame, &all, Utc::now(), |result| {
        if let Ok(post) = result {
            let _ = post.text();
        }
    });
    let _ = decoder.published_at(frame, &all);
}

/// Normalization never panics and is idempotent: the rules see one text however often it
/// is folded.
pub fn normalize_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let once = normalize(&text);
    let twice = normalize(&once);
    assert_eq!(once, twice, "normalize is not idempotent on {text:?}");
}

/// A rule file is parsed, linted and compiled (with its examples judged) without panicking.
pub fn rule_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = toml::from_str::<RuleFile>(text) else {
        return;
    };
    let files = vec![(PathBuf::from("fuzz.toml"), file)];
    let _ = fenghuo::rules::lint::lint(&files);
    if let Ok(rules) = fenghuo::rules::compile::compile(&files, 1) {
        let matcher = Matcher::of_rules(rules);
        let mut session = Session::new();
        for example in files[0].1.rules.iter().flat_map(|r| &r.examples.matching) {
            let _ = matcher.explain(Subject::text(example), &mut session);
        }
    }
}

fn bundled_matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules");
        let dir = if dir.is_dir() {
            dir
        } else {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rules")
        };
        Matcher::load(&dir, 1).expect("the bundled rules load")
    })
}

/// A text judged and explained by the bundled rules: every term's offsets lie inside the
/// normalized text, and judging agrees with explaining.
pub fn matcher(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let matcher = bundled_matcher();
    let mut session = Session::new();
    let verdict = matcher.judge(Subject::text(&text), &mut session, false);
    let explanation = matcher.explain(Subject::text(&text), &mut session);
    let chars = explanation.normalized.chars().count();
    for rule in &explanation.verdict.rules {
        for term in &rule.terms {
            assert!(term.end <= chars, "term {term:?} ends past {chars} chars");
            if let Some(start) = term.start {
                assert!(start <= term.end, "term {term:?} starts after it ends");
            }
        }
    }
    let fired = |rules: &[fenghuo::models::MatchedRule]| {
        rules.iter().map(|r| r.rule.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(fired(&verdict.rules), fired(&explanation.verdict.rules));
}
