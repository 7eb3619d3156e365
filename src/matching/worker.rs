use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;

use chrono::Utc;
use crossbeam_channel::Sender;

use crate::decode::{Decoder, Reject};
use crate::events::ChainedPosts;
use crate::ingest::queue::FrameReceiver;
use crate::models::{Fingerprint, Frame, MatchRecord, Post};
use crate::normalize::normalize_into;
use crate::rules::{RuleSet, RuleStore, Scanner};
use crate::telemetry::{Stats, WORKER_BUSY_SECONDS};

/// What every worker shares.
#[derive(Clone)]
pub struct WorkerContext {
    pub frames: FrameReceiver,
    pub rules: Arc<RuleStore>,
    pub decoder: Arc<Decoder>,
    pub stats: Arc<Stats>,
    pub max_text_bytes: usize,
    /// Matched posts (and unmatched ones in a tracked chain) go to the grading stage.
    pub matches: Sender<MatchRecord>,
    /// Posts whose reposts and replies belong to a tracked event.
    pub chained: ChainedPosts,
}

/// Starts `count` worker threads; they exit when the queue is closed and drained.
pub fn spawn_workers(count: usize, context: WorkerContext) -> std::io::Result<Vec<JoinHandle<()>>> {
    (0..count)
        .map(|i| {
            let context = context.clone();
            std::thread::Builder::new()
                .name(format!("match-{i}"))
                .spawn(move || context.run(i))
        })
        .collect()
}

impl WorkerContext {
    fn run(self, index: usize) {
        let mut scanner = Scanner::new();
        let mut normalized = String::new();
        // Registered once: the hot path only adds to it.
        let busy = metrics::gauge!(WORKER_BUSY_SECONDS, "worker" => index.to_string());
        while let Some(frame) = self.frames.recv() {
            let started = std::time::Instant::now();
            // One generation for the whole frame: a reload never splits a post's rules.
            let rules = self.rules.current();
            let processed = catch_unwind(AssertUnwindSafe(|| {
                self.process(&frame, &rules, &mut scanner, &mut normalized)
            }));
            if processed.is_err() {
                // A bug, not bad input (decoding never panics on input); keep serving.
                tracing::error!(source = %frame.source.name, "match worker panicked on a frame; frame skipped");
                scanner = Scanner::new();
            }
            busy.increment(started.elapsed().as_secs_f64());
        }
    }

    fn process(
        &self,
        frame: &Frame,
        rules: &Arc<RuleSet>,
        scanner: &mut Scanner,
        normalized: &mut String,
    ) {
        let (mut received, mut decoded) = (0u64, 0u64);
        self.decoder_for(frame, |result| {
            received += 1;
            let post = match result.and_then(|post| self.check_size(post)) {
                Ok(post) => post,
                Err(reject) => {
                    self.stats
                        .post_rejected(&frame.source.name, reject.reason(), &reject);
                    return;
                }
            };
            decoded += 1;
            self.match_post(post, frame, rules, scanner, normalized);
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

    /// Whether the post reposts, replies under, or re-sends a post of a tracked event: it
    /// then counts toward that event's velocity even though no rule fires on its text
    /// ("转发", "围观", "必须严查").
    fn in_tracked_chain(&self, post: &Post) -> bool {
        if self.chained.is_empty() {
            return false;
        }
        [
            Some(&post.id),
            post.repost_of.as_ref(),
            post.root_id.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|id| self.chained.contains(&post.platform, id))
    }

    /// `normalized` is the worker's buffer for the post's normalized text.
    fn match_post(
        &self,
        post: Post,
        frame: &Frame,
        rules: &Arc<RuleSet>,
        scanner: &mut Scanner,
        normalized: &mut String,
    ) {
        let source = frame.source.name.as_str();
        normalize_into(&post.text_parts(), normalized);
        let mut matches = rules.scan(normalized, scanner);
        matches.retain(|m| {
            let rule = rules.rule(m.rule);
            (rule.platforms.is_empty() || rule.platforms.contains(&post.platform))
                && post.author.followers >= rule.min_followers
        });
        if matches.is_empty() && !self.in_tracked_chain(&post) {
            return;
        }
        if !matches.is_empty() {
            self.stats.post_matched(matches.iter().map(|m| {
                let rule = rules.rule(m.rule);
                (rule.id.as_str(), rule.domain.as_str())
            }));
        }
        let record = MatchRecord {
            rules: matches
                .into_iter()
                .map(|m| rules.rule(m.rule).matched(m.terms))
                .collect(),
            generation: rules.generation,
            source: source.to_owned(),
            matched_at: Utc::now(),
            received_at: frame.received_at,
            fingerprint: Some(Fingerprint::of(normalized)),
            post,
        };
        // Fails only when the output stage is gone, i.e. the engine is shutting down hard.
        let _ = self.matches.send(record);
    }
}
