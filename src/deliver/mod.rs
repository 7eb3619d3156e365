//! Deliver: where alerts (and, if wanted, matched posts) go. For now, JSON lines to stdout
//! or a file, and a live broadcast for in-process subscribers; webhooks build on this.

mod output;

pub use output::{spawn_output, MatchRecord, MatchedRule};
