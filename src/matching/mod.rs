//! Matching: the [`Matcher`] that judges posts, its generations, and the worker threads
//! that feed it frames.
//!
//! - [`matcher`]: one generation's whole decision for a post (normalize → scan → rule
//!   logic → filters → scoring → verdict and why), with a per-thread [`Session`].
//! - [`artefacts`]: what a generation carries besides rules (the scoring stage, ...).
//! - [`risk`]: the learned risk scorer as the scoring stage (`[scoring]`, the model file).
//! - [`crossval`]: k-fold cross-validation of rules, model and both on labelled texts.
//! - [`store`]: the live generation behind an `ArcSwap`, and atomic reloads.
//! - [`examples`]: every rule's own examples, judged before a generation goes live.
//! - [`eval`]: recall and precision of a generation on labelled texts.
//! - `worker`: OS threads that decode frames off the queue and hand them to the matcher.
//!
//! Matching is CPU work, so it runs on its own threads sized to the cores, never on the
//! tokio runtime (which serves I/O only).

pub mod artefacts;
pub mod crossval;
pub mod eval;
pub mod examples;
pub mod matcher;
pub mod risk;
pub mod store;
mod worker;

pub use artefacts::{Artefacts, ScoreInput, Scorer};
pub use matcher::{Explanation, Matcher, NotFired, Session, Subject, Verdict, MODEL_RULE_ID};
pub use store::RuleStore;
pub use worker::{spawn_workers, WorkerContext};
