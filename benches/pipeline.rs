//! Stage benchmarks on the bundled sample feed with the shipped rule pack:
//! decode, normalize, scan (hyperscan + rule logic), and the three together.
//!
//! `cargo bench --bench pipeline`. Compare stages within one run (the machine is noisy).

use std::hint::black_box;
use std::path::Path;

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use fenghuo::config::Config;
use fenghuo::decode::Decoder;
use fenghuo::ingest::replay::SAMPLE_FEED;
use fenghuo::normalize::normalize;
use fenghuo::rules::{self, Scanner};

fn stages(c: &mut Criterion) {
    let config = Config::embedded();
    let decoder = Decoder::new(&config.mappings, config.engine.max_post_bytes);
    let all = decoder.select(&[]);
    let rules = rules::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"), 1)
        .expect("rule pack loads");

    let mut posts = Vec::new();
    decoder.decode_frame(SAMPLE_FEED, &all, Utc::now(), |r| posts.extend(r.ok()));
    let texts: Vec<String> = posts.iter().map(|p| p.text()).collect();
    let normalized: Vec<String> = texts.iter().map(|t| normalize(t)).collect();
    let text_bytes: usize = texts.iter().map(String::len).sum();

    let mut group = c.benchmark_group("stages");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(SAMPLE_FEED.len() as u64));
    group.bench_function("decode", |b| {
        b.iter(|| {
            let mut n = 0;
            decoder.decode_frame(black_box(SAMPLE_FEED), &all, Utc::now(), |r| {
                n += r.is_ok() as usize
            });
            n
        })
    });
    group.throughput(Throughput::Bytes(text_bytes as u64));
    group.bench_function("normalize", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| normalize(black_box(t)).len())
                .sum::<usize>()
        })
    });
    let mut scanner = Scanner::new();
    group.bench_function("scan", |b| {
        b.iter(|| {
            normalized
                .iter()
                .map(|t| rules.scan(black_box(t), &mut scanner).len())
                .sum::<usize>()
        })
    });
    group.throughput(Throughput::Bytes(SAMPLE_FEED.len() as u64));
    group.bench_function("decode+normalize+scan", |b| {
        b.iter(|| {
            let mut n = 0;
            decoder.decode_frame(black_box(SAMPLE_FEED), &all, Utc::now(), |r| {
                if let Ok(post) = r {
                    n += rules.scan(&normalize(&post.text()), &mut scanner).len();
                }
            });
            n
        })
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
