//! The risk scorer alone (criterion): features + prediction on the sample feed's posts
//! that mention the police, with the shipped rules and model; and the whole matcher
//! (normalize → scan → rules → score) on every post for comparison.
//!
//! `cargo bench --bench scorer`.

mod workload;

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use fenghuo::ingest::replay::SAMPLE_FEED;
use fenghuo::matching::risk::RiskScorer;
use fenghuo::matching::{Artefacts, Matcher, ScoreInput, Scorer, Session, Subject};
use fenghuo::models::MatchedRule;
use fenghuo::normalize::normalize;
use fenghuo::rules::{self, Cue, Scanner};
use fenghuo::score::FeatureBuffer;

/// A post ready for the scorer: its normalized text, cues and fired rules.
struct Prepared {
    normalized: String,
    cues: Vec<Cue>,
    fired: Vec<MatchedRule>,
}

fn scorer(c: &mut Criterion) {
    let dir = Path::new("rules");
    let rule_set = rules::compile_dir(dir, 1).expect("shipped rules compile");
    let files = rules::file::read_dir(dir).expect("shipped rules read");
    let scorer = RiskScorer::load(dir, &files, &rule_set)
        .expect("shipped model loads")
        .expect("the shipped pack has a scorer");
    let police = rule_set.lexicon("police").expect("a police lexicon");
    let mut scanner = Scanner::new();
    let texts = workload::texts(SAMPLE_FEED);
    let prepared: Vec<Prepared> = texts
        .iter()
        .filter_map(|text| {
            let normalized = normalize(text);
            let fired = rule_set
                .scan(&normalized, &mut scanner)
                .into_iter()
                .map(|m| rule_set.rule(m.rule).matched(m.terms))
                .collect();
            let cues = scanner.cues().to_vec();
            cues.iter()
                .any(|c| c.lexicon == police)
                .then_some(Prepared {
                    normalized,
                    cues,
                    fired,
                })
        })
        .collect();
    let mut group = c.benchmark_group("scorer");
    group.sample_size(20);
    group.throughput(Throughput::Elements(prepared.len() as u64));
    let mut buffer = FeatureBuffer::new();
    group.bench_function("sample feed police posts", |b| {
        b.iter(|| {
            let mut passed = 0usize;
            for post in &prepared {
                let subject = Subject::text(&post.normalized);
                let input = ScoreInput {
                    subject: &subject,
                    normalized: &post.normalized,
                    fired: &post.fired,
                    cues: &post.cues,
                    explain: false,
                };
                passed += usize::from(scorer.score(black_box(&input), &mut buffer).is_some());
            }
            passed
        })
    });
    group.finish();

    let mut group = c.benchmark_group("matcher");
    group.sample_size(10);
    group.throughput(Throughput::Elements(texts.len() as u64));
    let with_model = Matcher::new(
        rule_set,
        Artefacts::load(dir, &rules::compile_dir(dir, 1).expect("compile")).expect("load"),
    );
    let without = Matcher::of_rules(rules::compile_dir(dir, 1).expect("compile"));
    for (name, matcher) in [("rules + model", &with_model), ("rules only", &without)] {
        let mut session = Session::new();
        group.bench_function(name, |b| {
            b.iter(|| {
                texts
                    .iter()
                    .filter(|t| {
                        matcher
                            .judge(Subject::text(black_box(t)), &mut session, false)
                            .is_match()
                    })
                    .count()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, scorer);
criterion_main!(benches);
