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

mod workload;

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
    let (mode, feed_path, count) = match args.as_slice() {
        [mode, feed, count, ..] => (
            mode.as_str(),
            feed.as_str(),
            count.parse::<usize>().expect("keyword count"),
        ),
        _ => {
            eprintln!("usage: baselines export|hyperscan|aho FEED KEYWORDS [DIR]");
            return;
        }
    };
    let feed = std::fs::read(feed_path).expect("read the feed");
    let keywords = workload::keywords(count);
    let (_, regexes) = workload::pack_terms();
    match mode {
        "export" => {
            let dir = std::path::Path::new(args.get(3).expect("export needs DIR"));
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
        }
        "hyperscan" => {
            let texts: Vec<String> = workload::texts(&feed)
                .iter()
                .map(|t| normalize(t))
                .collect();
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
            let texts = workload::texts(&feed);
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
        }
        other => eprintln!("unknown mode {other}"),
    }
}
