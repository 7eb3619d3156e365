//! Match workers: OS threads that decode, normalize and scan frames off the queue.
//!
//! Matching is CPU work, so it runs on its own threads sized to the cores, never on the
//! tokio runtime (which serves I/O only). Each worker owns its hyperscan scratch and loads
//! the live rule-set generation once per frame.

mod worker;

pub use worker::{spawn_workers, WorkerContext};
