//! Baselines for `make bench` (run by benches/e2e.sh), on the same feed and keyword list:
//!
//! - `export FEED N DIR`: writes DIR/rules/bench.toml (for `fenghuo replay`),
//!   DIR/patterns.txt (keywords and regexes, for `rg -f`), DIR/keywords.txt (literals, for
//!   `rg -F -f` and the Python script) and DIR/regexes.txt.
//! - `hyperscan FEED N`: the raw per-post hyperscan scan of the normalized texts, one
//!   thread: the ceiling of the match stage.
//! - `aho FEED N`: the whole pipeline (decode → normalize → match) with the match stage
//!   swapped for aho-corasick + `regex::RegexSet`, one thread: what a Rust user would pick.
//!
//! Each measuring mode prints `name posts posts_per_s mb_per_s` (MB of the feed file).
//!
//! Without arguments (as `cargo test --benches` runs it, in `make test`) it is a smoke test:
//! every mode on a small generated feed, checking that each finds matches.

mod workload;

use std::path::Path;
use std::time::Instant;

use fenghuo::normalize::normalize;
use hyperscan::prelude::*;
use hyperscan::{BlockMode, PatternFlags};

fn escape(literal: &str) -> String {
    literal
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || !c.is_ascii() {
                c.to_string()
            } else {
                format!("\\x{:02x}", c as u32)
            }
        })
        .collect()
}

fn report(name: &str, posts: usize, feed_bytes: usize, seconds: f64) {
    println!(
        "{name} {posts} {:.0} {:.1}",
        posts as f64 / seconds,
        feed_bytes as f64 / 1e6 / seconds
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.as_slice() {
        [] => smoke(),
        [mode, feed, count, rest @ ..] => {
            let feed = std::fs::read(feed).expect("read the feed");
            let count = count.parse().expect("keyword count");
            run(mode, &feed, count, rest.first().map(Path::new));
        }
        _ => eprintln!("usage: baselines export|hyperscan|aho FEED KEYWORDS [DIR]"),
    }
}

/// Every mode on a small generated feed; panics if one finds nothing.
fn smoke() {
    let mut feed = Vec::new();
    let options = fenghuo::synth::GenOptions {
        seed: 1,
        posts: Some(2_000),
        bytes: None,
    };
    fenghuo::synth::generate(options, &mut feed).expect("generate a feed");
    let dir = std::env::temp_dir().join(format!("fenghuo-bench-smoke-{}", std::process::id()));
    run("export", &feed, 100, Some(&dir));
    let rules = std::fs::read_to_string(dir.join("rules/bench.toml")).expect("exported rules");
    assert!(rules.contains("[[rule]]"));
    for mode in ["hyperscan", "aho"] {
        assert!(run(mode, &feed, 100, None) > 0, "{mode} found nothing");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Runs one mode; returns the hits it counted (0 for `export`).
fn run(mode: &str, feed: &[u8], count: usize, dir: Option<&Path>) -> usize {
    let keywords = workload::keywords(count);
    let (_, regexes) = workload::pack_terms();
    match mode {
        "export" => {
            let dir = dir.expect("export needs DIR");
            std::fs::create_dir_all(dir.join("rules")).unwrap();
            std::fs::write(
                dir.join("rules/bench.toml"),
                workload::rules_toml(&keywords, &regexes),
            )
            .unwrap();
            std::fs::write(dir.join("keywords.txt"), keywords.join("\n") + "\n").unwrap();
            std::fs::write(dir.join("regexes.txt"), regexes.join("\n") + "\n").unwrap();
            let patterns: Vec<String> = keywords
                .iter()
                .map(|k| regex::escape(k))
                .chain(regexes.iter().cloned())
                .collect();
            std::fs::write(dir.join("patterns.txt"), patterns.join("\n") + "\n").unwrap();
            0
        }
        "hyperscan" => {
            let texts: Vec<String> = workload::texts(feed).iter().map(|t| normalize(t)).collect();
            let mut patterns: Vec<Pattern> = keywords
                .iter()
                .map(|k| Pattern::with_flags(escape(k), PatternFlags::UTF8).unwrap())
                .collect();
            patterns.extend(
                regexes
                    .iter()
                    .map(|r| Pattern::with_flags(fast2s::convert(r), PatternFlags::UTF8).unwrap()),
            );
            for (i, p) in patterns.iter_mut().enumerate() {
                p.id = Some(i);
            }
            let database: BlockDatabase = Patterns(patterns).build::<BlockMode>().unwrap();
            let scratch = database.alloc_scratch().unwrap();
            let started = Instant::now();
            let mut hits = 0usize;
            for text in &texts {
                database
                    .scan(text.as_str(), &scratch, |_, _, _, _| {
                        hits += 1;
                        Matching::Continue
                    })
                    .unwrap();
            }
            report(
                "hyperscan-raw-scan",
                texts.len(),
                feed.len(),
                started.elapsed().as_secs_f64(),
            );
            eprintln!("({hits} hits)");
            hits
        }
        "aho" => {
            let automaton = aho_corasick::AhoCorasick::new(&keywords).unwrap();
            let usable: Vec<String> = regexes
                .iter()
                .map(|r| fast2s::convert(r))
                .filter(|r| regex::Regex::new(r).is_ok())
                .collect();
            let set = regex::RegexSet::new(&usable).unwrap();
            let started = Instant::now();
            let texts = workload::texts(feed);
            let mut hits = 0usize;
            for text in &texts {
                let normalized = normalize(text);
                hits += automaton.find_overlapping_iter(&normalized).count();
                hits += set.matches(&normalized).iter().count();
            }
            report(
                "aho-corasick+RegexSet",
                texts.len(),
                feed.len(),
                started.elapsed().as_secs_f64(),
            );
            eprintln!(
                "({hits} hits; {} of {} regexes usable by the regex crate)",
                usable.len(),
                regexes.len()
            );
            hits
        }
        other => panic!("unknown mode {other}"),
    }
}
