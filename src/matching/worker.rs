use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;

use chrono::Utc;
use crossbeam_channel::Sender;

use crate::decode::{Decoder, Reject};
use crate::deliver::{MatchRecord, MatchedRule};
use crate::ingest::queue::FrameReceiver;
use crate::ingest::Frame;
use crate::normalize::normalize;
use crate::post::Post;
use crate::rules::{RuleSet, RuleStore, Scanner};
use crate::telemetry::Stats;

/// What every worker shares.
#[derive(Clone)]
pub struct WorkerContext {
    pub frames: FrameReceiver,
    pub rules: Arc<RuleStore>,
    pub decoder: Arc<Decoder>,
    pub stats: Arc<Stats>,
    pub max_text_bytes: usize,
    /// Matched posts go to the output stage.
    pub matches: Sender<MatchRecord>,
}

/// Starts `count` worker threads; they exit when the queue is closed and drained.
pub fn spawn_workers(count: usize, context: WorkerContext) -> std::io::Result<Vec<JoinHandle<()>>> {
    (0..count)
        .map(|i| {
            let context = context.clone();
            std::thread::Builder::new()
                .name(format!("match-{i}"))
                .spawn(move || context.run())
        })
        .collect()
}

impl WorkerContext {
    fn run(self) {
        let mut scanner = Scanner::new();
        while let Some(frame) = self.frames.recv() {
            // One generation for the whole frame: a reload never splits a post's rules.
            let rules = self.rules.current();
            let processed = catch_unwind(AssertUnwindSafe(|| {
                self.process(&frame, &rules, &mut scanner)
            }));
            if processed.is_err() {
                // A bug, not bad input (decoding never panics on input); keep serving.
                tracing::error!(source = %frame.source.name, "match worker panicked on a frame; frame skipped");
                scanner = Scanner::new();
            }
        }
    }

    fn process(&self, frame: &Frame, rules: &Arc<RuleSet>, scanner: &mut Scanner) {
        let (mut received, mut decoded) = (0u64, 0u64);
        self.decoder_for(frame, |result| {
            received += 1;
            let post = match result.and_then(|post| self.check_size(post)) {
                Ok(post) => post,
                Err(reject) => {
                    self.stats.post_rejected(&frame.source.name, &reject);
                    return;
                }
            };
            decoded += 1;
            self.match_post(post, &frame.source.name, rules, scanner);
        });
        self.stats
            .frame_decoded(&frame.source.name, frame.bytes.len(), received, decoded);
    }

    fn decoder_for(&self, frame: &Frame, on_result: impl FnMut(Result<Post, Reject>)) {
        self.decoder.decode_frame(
            &frame.bytes,
            &frame.source.mappings,
            frame.received_at,
            on_result,
        );
    }

    fn check_size(&self, post: Post) -> Result<Post, Reject> {
        let bytes = post.body.len() + post.title.as_ref().map_or(0, String::len);
        if bytes > self.max_text_bytes {
            return Err(Reject::TooLarge {
                bytes,
                limit: self.max_text_bytes,
            });
        }
        Ok(post)
    }

    fn match_post(&self, post: Post, source: &str, rules: &Arc<RuleSet>, scanner: &mut Scanner) {
        let normalized = normalize(&post.text());
        let mut matches = rules.scan(&normalized, scanner);
        matches.retain(|m| {
            let rule = rules.rule(m.rule);
            (rule.platforms.is_empty() || rule.platforms.contains(&post.platform))
                && post.author.followers >= rule.min_followers
        });
        if matches.is_empty() {
            return;
        }
        self.stats.post_matched(rules, &matches);
        let record = MatchRecord {
            rules: matches
                .into_iter()
                .map(|m| MatchedRule::new(rules.rule(m.rule), m.terms))
                .collect(),
            generation: rules.generation,
            source: source.to_owned(),
            matched_at: Utc::now(),
            post,
        };
        // Fails only when the output stage is gone, i.e. the engine is shutting down hard.
        let _ = self.matches.send(record);
    }
}
