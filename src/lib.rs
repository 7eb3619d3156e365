//! # fenghuo (烽火)
//!
//! A streaming engine that watches social media for police-related public-opinion risk
//! (涉警舆情) and raises graded alerts fast enough for a monitoring centre to act on them.
//!
//! # Layout
//!
//! The modules follow the data flow, left to right:
//!
//! ```text
//!  ingest ──Frame──▶ decode ──Post──▶ Matcher (one per generation) ──MatchRecord──▶ events ──▶ grade ──Alert──▶ deliver
//!  (sources,         (platform        normalize → scan → rule logic   (cluster,    (红/橙/黄,       (outbox, receivers,
//!   bounded queue)    mappings)       → filters → score → verdict      velocity)    lifecycle)       routes, deadlines)
//!                    └──────── matching: OS worker threads ────────┘ └─ one grading thread ─┘
//!  models: Frame, Post, MatchRecord, Fingerprint, Alert — the messages every arrow carries
//!  ▲ a frame's Completion rides along and is released when its posts are handled:
//!  └─ unmatched (worker), no alert (grader), committed (outbox) → the source acknowledges
//! ```
//!
//! - [`models`]: the messages between stages ([`models::Frame`], [`models::Post`],
//!   [`models::MatchRecord`], [`models::Fingerprint`], [`models::Alert`]), one file each,
//!   serializable end to end, and the [`models::Completion`] a frame carries. Stages
//!   import models, never each other's internals; models import nothing, and neither does
//!   [`telemetry`].
//! - [`ingest`]: sources (replay, WebSocket client and server, HTTP push), each kind's
//!   config beside its code and spawning itself, and the bounded queue that gives them
//!   backpressure.
//! - [`decode`]: each platform's JSON → the canonical [`models::Post`], through configured
//!   JSON pointers (each mapping's config lives here too); malformed input becomes a
//!   counted [`decode::Reject`].
//! - [`normalize`]: the text rules see.
//! - [`rules`]: rule files, their lexicons (`@police`, `@violence` …) and one compiled
//!   hyperscan database per generation.
//! - [`score`]: the learned risk scorer the matcher runs after the rules on posts that
//!   mention the police (hashed n-grams + who-does-what-to-whom features, a linear model).
//! - [`matching`]: the [`matching::Matcher`], one per generation with its artefacts (the
//!   scoring stage's model), that owns the whole decision for a post, used by the worker
//!   threads (a frame at a time), the rules test API, rule examples and eval alike; hot
//!   reload swaps in a whole generation.
//! - [`authoring`]: `fenghuo rules check | test | eval`; [`training`]: `fenghuo model
//!   train | eval | score`.
//! - [`events`]: matched posts clustered into events, with velocity windows in event time.
//! - [`cluster_eval`]: `fenghuo eval clusters`, events scored against labelled incidents.
//! - [`grade`]: the policy that grades events and the alert lifecycle.
//! - [`deliver`]: the durable outbox, receivers (webhook, DingTalk, WeCom, Feishu; each
//!   kind's config beside its code), each receiver's backlog (红 and overdue first,
//!   pending updates collapsed), routes, silences, deadlines.
//! - [`output`]: JSON lines of alerts and matched posts and their live broadcasts, beside
//!   the pipeline (a blocked stdout never stalls it).
//! - [`api`]: the HTTP API; [`engine`] wires the stages; [`config`] assembles each
//!   component's config and collects every problem; [`telemetry`], [`health`] and
//!   [`reload`] serve them all; [`log_escape`] keeps the human log one event per line;
//!   [`query`] builds URLs and [`backoff`] paces retries; [`memory`] gives memory back
//!   after bursts.
//! - [`scaleout`]: roles (`both`, `match`, `track`) and the Kafka hits topic between them.
//! - [`synth`]: `fenghuo gen`, a synthetic feed for benchmarks.

pub mod api;
pub mod authoring;
pub mod backoff;
pub mod cluster_eval;
pub mod config;
pub mod decode;
pub mod deliver;
pub mod engine;
pub mod events;
pub mod grade;
pub mod health;
pub mod ingest;
pub mod log_escape;
pub mod matching;
pub mod memory;
pub mod models;
pub mod normalize;
pub mod output;
pub mod query;
pub mod reconfigure;
pub mod reload;
pub mod rules;
pub mod scaleout;
pub mod score;
pub mod synth;
pub mod telemetry;
pub mod training;
