//! # fenghuo (烽火)
//!
//! A streaming engine that watches social media for police-related public-opinion risk
//! (涉警舆情) and raises alerts fast enough for a monitoring centre to act on them.
//!
//! # Layout
//!
//! The modules follow the data flow, left to right:
//!
//! ```text
//!  ingest ──frames──▶ decode ──Post──▶ normalize ──text──▶ rules (match) ──▶ deliver
//!  (sources,          (platform        (繁→简, 全角,        (hyperscan,        (JSON lines,
//!   bounded queue)     mappings)        separators)          boolean logic)     live feed)
//!                      └──────────── matching: OS worker threads ───────────┘
//! ```
//!
//! - [`ingest`]: sources (replay, WebSocket client and server, HTTP push) and the bounded
//!   queue that gives them backpressure.
//! - [`decode`]: each platform's JSON → the canonical [`post::Post`], through configured
//!   JSON pointers; malformed input becomes a counted [`decode::Reject`].
//! - [`normalize`]: the text rules see.
//! - [`rules`]: rule files, one compiled hyperscan database per generation, hot reload.
//! - [`matching`]: the worker threads that run decode → normalize → match per frame.
//! - [`deliver`]: where matches go (JSON lines; later: events, grades, webhooks).
//! - [`api`]: the HTTP API; [`engine`] wires the stages; [`config`] and [`telemetry`]
//!   serve them all.
//!
//! Clustering into events, propagation velocity and 红/橙/黄 grading come between match
//! and deliver in a later stage.

pub mod api;
pub mod config;
pub mod decode;
pub mod deliver;
pub mod engine;
pub mod events;
pub mod grade;
pub mod health;
pub mod ingest;
pub mod matching;
pub mod normalize;
pub mod post;
pub mod query;
pub mod reload;
pub mod rules;
pub mod synth;
pub mod telemetry;
