use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;

use arc_swap::ArcSwap;
use chrono::Utc;
use crossbeam_channel::Sender;

use super::matcher::{Matcher, Session, Subject};
use super::store::RuleStore;
use crate::decode::{Decoder, Reject};
use crate::events::identity::Identity;
use crate::events::local::Local;
use crate::events::order::Sequenced;
use crate::ingest::queue::FrameReceiver;
use crate::models::{Frame, MatchRecord, Post};
use crate::telemetry::{Stats, WORKER_BUSY_SECONDS};

/// Posts judged at a time: a frame's decoded posts are never all held at once.
const POSTS_PER_BATCH: usize = 1024;

/// Bytes of frames processed after which, once the queue is empty, free memory is given
/// back to the system.
const TRIM_AFTER_BYTES: usize = 64 << 20;

/// What every worker shares.
#[derive(Clone)]
pub struct WorkerContext {
    pub frames: FrameReceiver,
    pub rules: Arc<RuleStore>,
    pub decoder: Arc<Decoder>,
    pub stats: Arc<Stats>,
    pub max_text_bytes: usize,
    /// Matched posts (and unmatched reposts and replies, which may belong to a tracked
    /// chain) go to the grading stage, tagged with their frame's number, and each frame
    /// ends with its `Done`: the tracker restores input order from them.
    pub matches: Sender<Sequenced>,
    /// The bureau's files (hot-reloaded): official accounts' statements go on though no
    /// rule fires, and each match's identity (places, actors, acts) is found with its
    /// gazetteer here, in parallel, instead of on the single in-order tracker thread.
    pub local: Arc<ArcSwap<Local>>,
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
        let mut session = Session::new();
        // Registered once: the hot path only adds to it.
        let mut busy = BusySeconds::new(index);
        let mut since_trim = 0;
        while let Some(queued) = self.frames.recv() {
            let frame = &queued.frame;
            let started = std::time::Instant::now();
            // One generation for the whole frame: a reload never splits a post's rules.
            let matcher = self.rules.current();
            let processed = catch_unwind(AssertUnwindSafe(|| {
                self.process(frame, &matcher, &mut session)
            }));
            if processed.is_err() {
                // A bug, not bad input (decoding never panics on input); keep serving, but
                // the source must not acknowledge the frame.
                tracing::error!(source = %frame.source.name, "match worker panicked on a frame; frame skipped");
                if let Some(completion) = &frame.completion {
                    completion.fail();
                }
                session = Session::new();
            }
            busy.add(started.elapsed());
            // Fails only when the grading stage is gone, i.e. the engine is shutting down.
            let _ = self.matches.send(Sequenced::Done(frame.seq));
            since_trim += frame.bytes.len();
            // The frame (and the worker's hold on its completion) goes here: its unmatched
            // posts are handled. Its bytes go back to the queue's budget with it.
            drop(queued);
            if since_trim >= TRIM_AFTER_BYTES && self.frames.is_empty() {
                crate::memory::release_free_memory();
                since_trim = 0;
            }
        }
    }

    /// Decodes the frame and hands its posts to the matcher in batches of
    /// [`POSTS_PER_BATCH`] (one generation for the whole frame), sending on what matched
    /// (or may belong to a tracked chain).
    fn process(&self, frame: &Frame, matcher: &Matcher, session: &mut Session) {
        let mut received = 0u64;
        let mut decoded = 0u64;
        let mut posts = Vec::new();
        self.decoder.decode_frame(
            &frame.bytes,
            &frame.source.mappings,
            frame.received_at,
            |result| {
                received += 1;
                match result.and_then(|post| self.check_size(post)) {
                    Ok(post) => {
                        decoded += 1;
                        posts.push(post);
                        if posts.len() >= POSTS_PER_BATCH {
                            self.judge(frame, matcher, session, std::mem::take(&mut posts));
                        }
                    }
                    Err(reject) => {
                        self.stats
                            .post_rejected(&frame.source.name, reject.reason(), &reject)
                    }
                }
            },
        );
        self.judge(frame, matcher, session, posts);
        self.stats
            .frame_decoded(&frame.source.name, frame.bytes.len(), received, decoded);
    }

    fn judge(&self, frame: &Frame, matcher: &Matcher, session: &mut Session, posts: Vec<Post>) {
        let matched_at = Utc::now();
        let local = self.local.load();
        for post in posts {
            // Only matched posts are fingerprinted: a chain member joins by its chain.
            let verdict = matcher.judge(Subject::post(&post), session, false);
            if !verdict.is_match() && !in_a_chain(&post) && !local.officials.is_statement(&post) {
                continue;
            }
            // Found here for a match; a chain member joins by its chain, and the tracker finds
            // the identity of the rare official statement itself.
            let identity = verdict
                .is_match()
                .then(|| Identity::of(session.normalized(), &local.gazetteer));
            if verdict.is_match() {
                self.stats.post_matched(
                    verdict
                        .rules
                        .iter()
                        .map(|m| (m.rule.id.as_str(), m.rule.domain.as_str())),
                );
            }
            let record = MatchRecord {
                post,
                source: frame.source.name.clone(),
                generation: verdict.generation,
                rules: verdict.rules,
                score: verdict.score,
                matched_at,
                received_at: frame.received_at,
                fingerprint: verdict.fingerprint,
                identity,
                completion: frame.completion.clone(),
            };
            // Fails only when the grading stage is gone, i.e. the engine is shutting down
            // hard.
            let _ = self.matches.send(Sequenced::Record(frame.seq, record));
        }
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
}

/// Whether the post reposts or replies under another: it may belong to a tracked event's
/// chain and count toward its velocity though no rule fires on its text ("转发", "围观",
/// "必须严查"). The tracker decides, in input order; deciding here would race with the
/// tracker registering the chain.
fn in_a_chain(post: &Post) -> bool {
    post.repost_of.is_some() || post.root_id.is_some()
}

/// A worker's busy time as a Prometheus counter: `metrics` counters count whole units, so
/// the fraction of a second is carried to the next frame (the counter lags by under one
/// second, and `rate()` of it is the worker's busy share).
struct BusySeconds {
    counter: metrics::Counter,
    carried: std::time::Duration,
}

impl BusySeconds {
    fn new(index: usize) -> BusySeconds {
        BusySeconds {
            counter: metrics::counter!(WORKER_BUSY_SECONDS, "worker" => index.to_string()),
            carried: std::time::Duration::ZERO,
        }
    }

    fn add(&mut self, busy: std::time::Duration) {
        self.carried += busy;
        let whole = self.carried.as_secs();
        if whole > 0 {
            self.counter.increment(whole);
            self.carried -= std::time::Duration::from_secs(whole);
        }
    }
}
