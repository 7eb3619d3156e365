//! The authored training corpora (`rules/corpus/*.tsv`, and the held-back
//! `rules/corpus/reserve/*.tsv`) parse, label every risk text with a domain the scorer
//! knows, repeat no text, and the trained ones are all trained on by `make train`.
//!
//! A typo in a domain would silently grow the model's domain list; a duplicate would
//! double a text's weight; a corpus file missing from the Makefile would never be trained on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fenghuo::matching::risk::default_domains;
use fenghuo::score::data::parse_tsv;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `.tsv` files of `dir` (relative to the repository), sorted.
fn tsv_files(dir: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root().join(dir)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "tsv"))
        .collect();
    files.sort();
    files
}

/// The corpora `make train` trains on.
fn corpus_files() -> Vec<PathBuf> {
    tsv_files("rules/corpus")
}

#[test]
fn authored_corpora_have_known_labels_domains_and_no_duplicates() {
    let files = corpus_files();
    assert!(files.len() >= 2, "authored and social corpora: {files:?}");
    let files: Vec<PathBuf> = files
        .into_iter()
        .chain(tsv_files("rules/corpus/reserve"))
        .collect();
    let known: BTreeSet<String> = default_domains().into_iter().collect();
    let mut first_seen: BTreeMap<String, String> = BTreeMap::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        // parse_tsv rejects any label but risk / neutral, naming the line.
        let rows = parse_tsv(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!rows.is_empty(), "{name} holds texts");
        for row in &rows {
            assert!(
                row.source.starts_with("authored"),
                "{name}: source {:?} must say the text is authored",
                row.source
            );
            assert!(!row.text.trim().is_empty(), "{name}: an empty text");
            if row.risk {
                let domain = row.domain.as_deref().unwrap_or("");
                assert!(
                    known.contains(domain),
                    "{name}: risk text {:?} has domain {domain:?}, not one of {known:?}",
                    row.text
                );
            } else {
                assert_eq!(
                    row.domain, None,
                    "{name}: neutral {:?} has a domain",
                    row.text
                );
            }
            if let Some(other) = first_seen.insert(row.text.clone(), name.clone()) {
                panic!("{name}: {:?} is already in {other}", row.text);
            }
        }
    }
}

#[test]
fn make_train_and_eval_use_every_authored_corpus() {
    let makefile = std::fs::read_to_string(root().join("Makefile")).unwrap();
    let authored = makefile
        .lines()
        .find_map(|line| line.strip_prefix("AUTHORED ?="))
        .expect("the Makefile names the authored corpora in AUTHORED");
    for path in corpus_files() {
        let relative = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            authored.split_whitespace().any(|f| f == relative),
            "{relative} is not in the Makefile's AUTHORED ({authored:?}): never trained on"
        );
    }
}
