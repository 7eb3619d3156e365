//! What clustering compares a post by.

use serde::{Deserialize, Serialize};

/// A post's near-duplicate signature. The matcher computes it, in parallel, so that the
/// single grading thread only compares; it travels with the match (computed by
/// `events::simhash`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// SimHash of the trigrams: near copies differ in a few bits.
    pub simhash: u64,
    /// The distinct trigram hashes, sorted: what the post's story is about.
    pub shingles: Vec<u64>,
}
