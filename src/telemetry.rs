//! Telemetry: every metric name in one place, the events that update them, and the
//! in-process counters that `fenghuo replay` summarizes and tests assert on.
//!
//! A leaf: it imports no other module of the crate, so every stage can report through it.
//! Metrics go through the `metrics` facade; `fenghuo run` installs the Prometheus recorder
//! that `/metrics` renders. Hot paths update counters once per frame, not once per post.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dashmap::DashMap;
use metrics::{counter, gauge, histogram};

pub const POSTS_RECEIVED: &str = "fenghuo_posts_received_total";
pub const POSTS_DECODED: &str = "fenghuo_posts_decoded_total";
pub const POSTS_REJECTED: &str = "fenghuo_posts_rejected_total";
pub const POSTS_MATCHED: &str = "fenghuo_posts_matched_total";
pub const RULE_MATCHES: &str = "fenghuo_rule_matches_total";
pub const QUEUE_PUSHED: &str = "fenghuo_queue_frames_pushed_total";
pub const QUEUE_POPPED: &str = "fenghuo_queue_frames_popped_total";
pub const QUEUE_CAPACITY: &str = "fenghuo_queue_capacity_frames";
pub const QUEUE_BYTES: &str = "fenghuo_queue_bytes";
pub const QUEUE_BYTES_CAPACITY: &str = "fenghuo_queue_capacity_bytes";
pub const PUSH_REFUSED: &str = "fenghuo_push_refused_total";
pub const SOURCE_IDLE_CLOSED: &str = "fenghuo_source_idle_closed_total";
pub const SOURCE_PROTOCOL_ERRORS: &str = "fenghuo_source_protocol_errors_total";
pub const HTTP_CONNECTIONS: &str = "fenghuo_http_connections";
pub const HTTP_ACCEPT_ERRORS: &str = "fenghuo_http_accept_errors_total";
pub const RULES_GENERATION: &str = "fenghuo_rules_generation";
pub const RULES_LOADED: &str = "fenghuo_rules_loaded";
pub const RULES_RELOADS: &str = "fenghuo_rules_reloads_total";
pub const RULES_COMPILE_SECONDS: &str = "fenghuo_rules_compile_seconds";
pub const EVENTS_TRACKED: &str = "fenghuo_events_tracked";
pub const EVENTS_CLOSED: &str = "fenghuo_events_closed_total";
pub const EVENTS_EVICTED: &str = "fenghuo_events_evicted_total";
pub const EVENTS_LATE_POSTS: &str = "fenghuo_events_late_posts_total";
pub const EVENTS_FRAMES_SKIPPED: &str = "fenghuo_events_frames_skipped_total";
pub const ALERTS: &str = "fenghuo_alerts_total";
/// Seconds each match worker spent on frames, a counter in whole seconds (the fraction is
/// carried); `rate()` of it is the worker's busy share.
pub const WORKER_BUSY_SECONDS: &str = "fenghuo_worker_busy_seconds_total";
pub const DELIVERIES: &str = "fenghuo_deliveries_total";
pub const DELIVERY_SECONDS: &str = "fenghuo_delivery_seconds";
pub const DEAD_LETTERS: &str = "fenghuo_dead_letters_total";
pub const OUTBOX_PENDING: &str = "fenghuo_outbox_pending";
pub const OUTBOX_DUPLICATES: &str = "fenghuo_outbox_duplicates_total";
pub const OUTBOX_CONFLICTS: &str = "fenghuo_outbox_conflicts_total";
pub const OUTBOX_COMMIT_FAILING: &str = "fenghuo_outbox_commit_failing";
pub const OUTBOX_COMMIT_FAILURES: &str = "fenghuo_outbox_commit_failures_total";
pub const OUTBOX_CURSOR_FAILURES: &str = "fenghuo_outbox_cursor_failures_total";
pub const DEADLINES_OVERDUE: &str = "fenghuo_deadlines_overdue_total";
pub const DEADLINE_STEP_SECONDS: &str = "fenghuo_deadline_step_seconds";
pub const INGEST_TO_ALERT_SECONDS: &str = "fenghuo_ingest_to_alert_seconds";
pub const CHECKPOINT_FAILURES: &str = "fenghuo_checkpoint_failures_total";
pub const SOURCE_CONNECTED: &str = "fenghuo_source_connected";
pub const SOURCE_RECONNECTS: &str = "fenghuo_source_reconnects_total";
pub const OUTPUT_WRITE_ERRORS: &str = "fenghuo_output_write_errors_total";
pub const OUTPUT_LINES_DROPPED: &str = "fenghuo_output_lines_dropped_total";
pub const SOURCE_OVERSIZE: &str = "fenghuo_source_oversize_messages_total";

/// Counts of what the pipeline did, readable in-process (summary lines, tests).
#[derive(Debug, Default)]
pub struct Stats {
    pub received: AtomicU64,
    pub decoded: AtomicU64,
    pub rejected: AtomicU64,
    /// Posts that fired at least one rule.
    pub matched: AtomicU64,
    /// Bytes of frames taken off the queue.
    pub bytes: AtomicU64,
    rejects: DashMap<(String, &'static str), u64>,
}

impl Stats {
    /// Rejections of `source` for `reason` (a `decode::Reject::reason` label).
    pub fn rejected_for(&self, source: &str, reason: &'static str) -> u64 {
        self.rejects
            .get(&(source.to_owned(), reason))
            .map_or(0, |n| *n)
    }

    /// Every (source, reason, count), sorted.
    pub fn rejects(&self) -> Vec<(String, &'static str, u64)> {
        let mut all: Vec<_> = self
            .rejects
            .iter()
            .map(|e| (e.key().0.clone(), e.key().1, *e.value()))
            .collect();
        all.sort();
        all
    }

    /// A frame's worth of decode outcomes.
    pub fn frame_decoded(&self, source: &str, bytes: usize, received: u64, decoded: u64) {
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        self.received.fetch_add(received, Ordering::Relaxed);
        self.decoded.fetch_add(decoded, Ordering::Relaxed);
        counter!(POSTS_RECEIVED, "source" => source.to_owned()).increment(received);
        counter!(POSTS_DECODED, "source" => source.to_owned()).increment(decoded);
    }

    /// One post rejected for `reason` (a short label) with `error` (the detail): counted
    /// by source and reason, logged at most once a second.
    pub fn post_rejected(&self, source: &str, reason: &'static str, error: &dyn std::fmt::Display) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
        *self.rejects.entry((source.to_owned(), reason)).or_insert(0) += 1;
        counter!(POSTS_REJECTED, "source" => source.to_owned(), "reason" => reason).increment(1);
        REJECT_LOG.log(|suppressed| {
            tracing::warn!(source, reason, error = %error, suppressed, "post rejected");
        });
    }

    /// One post fired `rules`, given as (rule id, domain).
    pub fn post_matched<'a>(&self, rules: impl IntoIterator<Item = (&'a str, &'a str)>) {
        self.matched.fetch_add(1, Ordering::Relaxed);
        counter!(POSTS_MATCHED).increment(1);
        for (id, domain) in rules {
            counter!(RULE_MATCHES, "rule" => id.to_owned(), "domain" => domain.to_owned())
                .increment(1);
        }
    }
}

/// Generation `generation` with `rules` rules went live after `compile`.
pub fn rules_loaded(generation: u64, rules: usize, compile: Duration) {
    gauge!(RULES_GENERATION).set(generation as f64);
    gauge!(RULES_LOADED).set(rules as f64);
    histogram!(RULES_COMPILE_SECONDS).record(compile.as_secs_f64());
    counter!(RULES_RELOADS, "outcome" => "success").increment(1);
}

pub fn rules_reload_failed() {
    counter!(RULES_RELOADS, "outcome" => "failure").increment(1);
}

pub fn source_connected(source: &str, connected: bool) {
    gauge!(SOURCE_CONNECTED, "source" => source.to_owned()).set(if connected { 1.0 } else { 0.0 });
}

pub fn source_reconnect(source: &str) {
    counter!(SOURCE_RECONNECTS, "source" => source.to_owned()).increment(1);
}

/// A WebSocket message over `engine.max_frame_bytes` ended a connection of `source`.
/// A push WebSocket closed for sending nothing for `http.idle_timeout_secs`.
pub fn source_idle_closed(source: &str) {
    counter!(SOURCE_IDLE_CLOSED, "source" => source.to_owned()).increment(1);
}

/// A push WebSocket that broke the protocol (bad frame, bad UTF-8 in a text message, a
/// reset mid-message): the connection is dropped and counted.
pub fn source_protocol_error(source: &str) {
    counter!(SOURCE_PROTOCOL_ERRORS, "source" => source.to_owned()).increment(1);
}

pub fn source_oversize(source: &str) {
    counter!(SOURCE_OVERSIZE, "source" => source.to_owned()).increment(1);
}

/// Logs at most once a second, reporting how many lines it held back meanwhile, so a
/// feed of garbage cannot flood the log.
pub struct RateLimitedLog {
    last_second: AtomicU64,
    suppressed: AtomicU64,
}

static REJECT_LOG: RateLimitedLog = RateLimitedLog::new();

impl RateLimitedLog {
    pub const fn new() -> RateLimitedLog {
        RateLimitedLog {
            last_second: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
        }
    }

    /// Calls `write(suppressed_since_last)` if nothing was logged this second.
    pub fn log(&self, write: impl FnOnce(u64)) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let last = self.last_second.load(Ordering::Relaxed);
        if now != last
            && self
                .last_second
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            write(self.suppressed.swap(0, Ordering::Relaxed));
        } else {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Default for RateLimitedLog {
    fn default() -> Self {
        RateLimitedLog::new()
    }
}

/// Every metric the engine exports, with its HELP text (shown by `/metrics`).
pub const DESCRIPTIONS: &[(&str, &str)] = &[
    (
        POSTS_RECEIVED,
        "Posts read by a source (one per NDJSON line or array element).",
    ),
    (POSTS_DECODED, "Posts decoded into the canonical post."),
    (
        POSTS_REJECTED,
        "Posts rejected, by source and reason; each is logged (rate-limited) and skipped.",
    ),
    (POSTS_MATCHED, "Posts that fired at least one rule."),
    (RULE_MATCHES, "Rule firings, by rule and domain."),
    (
        QUEUE_PUSHED,
        "Frames put on the queue between sources and match workers.",
    ),
    (
        QUEUE_POPPED,
        "Frames taken off the queue by match workers (depth = pushed - popped).",
    ),
    (
        QUEUE_CAPACITY,
        "Frames the queue holds before sources are slowed down.",
    ),
    (
        QUEUE_BYTES,
        "Bytes of frames being read, queued or matched (held of engine.max_buffered_bytes).",
    ),
    (
        QUEUE_BYTES_CAPACITY,
        "engine.max_buffered_bytes: the bytes frames may hold before sources wait or pushes get 503.",
    ),
    (
        SOURCE_IDLE_CLOSED,
        "Push WebSockets closed for sending nothing (not even a pong) for http.idle_timeout_secs.",
    ),
    (
        SOURCE_PROTOCOL_ERRORS,
        "Push WebSockets dropped for a protocol error (bad frame, bad UTF-8, reset mid-message).",
    ),
    (
        HTTP_CONNECTIONS,
        "HTTP connections open now (WebSockets included), at most http.max_connections.",
    ),
    (
        HTTP_ACCEPT_ERRORS,
        "Failed accepts on the HTTP listener (out of file descriptors, resets).",
    ),
    (
        PUSH_REFUSED,
        "Pushes refused, by source and reason (busy: 503 with Retry-After; too_large: 413).",
    ),
    (
        RULES_GENERATION,
        "The live rule-set generation (0: no rules loaded).",
    ),
    (RULES_LOADED, "Rules in the live generation."),
    (RULES_RELOADS, "Rule loads and reloads, by outcome."),
    (
        RULES_COMPILE_SECONDS,
        "Time to read, compile and example-test a rule-set generation.",
    ),
    (EVENTS_TRACKED, "Events tracked now."),
    (
        EVENTS_CLOSED,
        "Events no longer tracked (quiet or evicted).",
    ),
    (
        EVENTS_EVICTED,
        "Events evicted because the caps on events or posts were reached.",
    ),
    (
        EVENTS_LATE_POSTS,
        "Posts later than the lateness window, counted at its edge.",
    ),
    (
        EVENTS_FRAMES_SKIPPED,
        "Frames the tracker stopped waiting for (a worker never finished them).",
    ),
    (ALERTS, "Alerts emitted, by level and lifecycle kind."),
    (
        WORKER_BUSY_SECONDS,
        "Seconds each match worker spent on frames.",
    ),
    (DELIVERIES, "Delivery attempts, by receiver and outcome."),
    (
        DELIVERY_SECONDS,
        "Time of one delivery attempt, by receiver.",
    ),
    (DEAD_LETTERS, "Notices a receiver gave up on."),
    (
        OUTBOX_PENDING,
        "Notices committed but not yet past a receiver's cursor.",
    ),
    (
        OUTBOX_DUPLICATES,
        "Notices committed again under their id (a re-emitted alert), skipped on purpose.",
    ),
    (
        OUTBOX_CONFLICTS,
        "Different notices under one id (a bug): committed under a new id and logged.",
    ),
    (
        OUTBOX_COMMIT_FAILING,
        "1 while commits to the outbox fail (disk full): alerts are held, the pipeline waits.",
    ),
    (
        OUTBOX_COMMIT_FAILURES,
        "Failed commits of alerts to the outbox (each retried with backoff).",
    ),
    (
        OUTBOX_CURSOR_FAILURES,
        "Failed writes of a receiver's cursor (kept in memory; no notice is re-sent).",
    ),
    (
        DEADLINES_OVERDUE,
        "Plan steps not taken by their deadline, by level and step.",
    ),
    (
        DEADLINE_STEP_SECONDS,
        "Time from an incident's first alert to each step, by level and step.",
    ),
    (
        INGEST_TO_ALERT_SECONDS,
        "Time from a post's receipt to the alert it caused.",
    ),
    (
        CHECKPOINT_FAILURES,
        "Failed writes of the tracker's checkpoint (the previous one stays; retried).",
    ),
    (
        SOURCE_CONNECTED,
        "Whether a pulling source is connected (push sources: open connections).",
    ),
    (SOURCE_RECONNECTS, "Reconnects of a pulling source."),
    (
        OUTPUT_WRITE_ERRORS,
        "Failed writes of a JSON-lines output (alerts, matches); its lines are lost.",
    ),
    (
        OUTPUT_LINES_DROPPED,
        "JSON-lines output lines lost: writer behind (live) or write failed.",
    ),
    (
        SOURCE_OVERSIZE,
        "WebSocket messages over engine.max_frame_bytes; each ends its connection.",
    ),
];

/// Installs the Prometheus recorder once per process and returns its handle (later calls
/// return the same handle, so tests in one process can each start an engine).
pub fn install_prometheus() -> Option<metrics_exporter_prometheus::PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<metrics_exporter_prometheus::PrometheusHandle>> =
        std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
            // Histograms, not summaries: buckets aggregate across scrapes and replicas.
            // Latencies in seconds; deadline steps in minutes to days.
            let latency = [
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
            ];
            let steps = [
                60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0, 172800.0,
            ];
            PrometheusBuilder::new()
                .set_buckets(&latency)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(DEADLINE_STEP_SECONDS.to_owned()),
                        &steps,
                    )
                })
                .and_then(|b| b.install_recorder())
                .inspect(|_| {
                    // One description map serves every metric type.
                    for (name, help) in DESCRIPTIONS {
                        metrics::describe_counter!(*name, *help);
                    }
                })
                .map_err(|e| tracing::warn!(error = %e, "metrics recorder not installed"))
                .ok()
        })
        .clone()
}
