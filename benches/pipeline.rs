//! Stage benchmarks (criterion): normalization, rule matching with 100 / 1,000 / 10,000
//! keywords plus the shipped regexes, event tracking and grading.
//!
//! `cargo bench --bench pipeline`. Compare within one run: the machine is noisy.

mod workload;

use std::hint::black_box;
use std::sync::Arc;

use arc_swap::ArcSwap;
use chrono::Utc;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use fenghuo::events::identity::Identity;
use fenghuo::events::local::Local;
use fenghuo::grade::{Grader, Policy};
use fenghuo::ingest::replay::SAMPLE_FEED;
use fenghuo::models::{Fingerprint, MatchRecord, MatchedRule};
use fenghuo::normalize::normalize;
use fenghuo::rules::{self, RuleRef, Scanner, Severity};

fn feed_texts() -> Vec<String> {
    workload::texts(SAMPLE_FEED)
}

fn normalization(c: &mut Criterion) {
    let texts = feed_texts();
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut group = c.benchmark_group("normalize");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("sample feed", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| normalize(black_box(t)).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

fn matching(c: &mut Criterion) {
    let normalized: Vec<String> = feed_texts().iter().map(|t| normalize(t)).collect();
    let bytes: usize = normalized.iter().map(String::len).sum();
    let (_, regexes) = workload::pack_terms();
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("match");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    for count in [100, 1_000, 10_000] {
        std::fs::write(
            dir.path().join("bench.toml"),
            workload::rules_toml(&workload::keywords(count), &regexes),
        )
        .unwrap();
        let rules = rules::compile_dir(dir.path(), 1).expect("bench rules compile");
        let mut scanner = Scanner::new();
        group.bench_with_input(
            BenchmarkId::new("keywords+regexes", count),
            &count,
            |b, _| {
                b.iter(|| {
                    normalized
                        .iter()
                        .map(|t| rules.scan(black_box(t), &mut scanner).len())
                        .sum::<usize>()
                })
            },
        );
    }
    group.finish();
}

fn records(count: usize) -> Vec<MatchRecord> {
    let texts = feed_texts();
    let config = fenghuo::config::Config::embedded();
    let decoder = fenghuo::decode::Decoder::new(&config.mappings, 1 << 20);
    let all = decoder.select(&[]);
    let mut posts = Vec::new();
    decoder.decode_frame(SAMPLE_FEED, &all, Utc::now(), |r| posts.extend(r.ok()));
    let rule_ids = [
        "law.violence",
        "aux.conduct",
        "service.attitude",
        "traffic.fines",
        "rumour.online_claim",
    ];
    posts
        .into_iter()
        .zip(texts)
        .cycle()
        .take(count)
        .enumerate()
        .map(|(i, (mut post, _))| {
            post.id = format!("{}-{i}", post.id);
            let now = Utc::now();
            MatchRecord {
                rules: vec![MatchedRule {
                    rule: RuleRef {
                        id: rule_ids[i % rule_ids.len()].into(),
                        name: "bench".into(),
                        domain: "执法办案".into(),
                        severity: Severity::High,
                        tags: Vec::new(),
                    },
                    terms: Vec::new(),
                }],
                post,
                source: "bench".into(),
                generation: 1,
                score: None,
                matched_at: now,
                received_at: now,
                fingerprint: None,
                identity: None,
                completion: None,
            }
        })
        .collect()
}

fn events_and_grading(c: &mut Criterion) {
    let records = records(5_000);
    // What the tracker thread gets from the match workers in the engine: each match with
    // its fingerprint and identity (places, actors, acts) already found, in parallel.
    let local = Local::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/rules"
    )))
    .expect("the shipped places load");
    let from_workers: Vec<MatchRecord> = records
        .iter()
        .map(|r| {
            let normalized = normalize(&r.post.text());
            MatchRecord {
                fingerprint: Some(Fingerprint::of(&normalized)),
                identity: Some(Identity::of(&normalized, &local.gazetteer)),
                ..r.clone()
            }
        })
        .collect();
    let mut group = c.benchmark_group("events");
    group.sample_size(10);
    group.throughput(Throughput::Elements(records.len() as u64));
    for (name, records) in [
        ("track + grade 5,000 matched posts", &records),
        (
            "track + grade 5,000 matched posts, fingerprint and identity from the workers",
            &from_workers,
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let policy = Arc::new(ArcSwap::from_pointee(Policy::embedded()));
                let mut grader = Grader::new(fenghuo::config::Config::embedded().events, policy);
                grader
                    .tracker_mut()
                    .use_local(Arc::new(ArcSwap::from_pointee(local.clone())));
                records
                    .iter()
                    .map(|r| grader.on_match(black_box(r)).len())
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, normalization, matching, events_and_grading);
criterion_main!(benches);
