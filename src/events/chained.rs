//! The posts whose reposts and replies belong to a tracked event, as hashes: the tracker
//! probes it for every unmatched repost and reply the workers send.

use std::hash::{BuildHasher, BuildHasherDefault};
use std::sync::Arc;

use dashmap::DashMap;

use super::simhash::PrehashedKey;

/// (platform, post id) pairs, kept as 64-bit hashes so that a worker's lookup allocates
/// nothing. A collision can only send an unmatched post to the grading stage, which looks
/// its chain up by the exact key and drops it. Sharded: workers never wait on one lock.
#[derive(Debug, Clone, Default)]
pub struct ChainedPosts(Arc<DashMap<u64, u32, BuildHasherDefault<PrehashedKey>>>);

impl ChainedPosts {
    pub fn contains(&self, platform: &str, id: &str) -> bool {
        self.0.contains_key(&key(platform, id))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn insert(&self, platform: &str, id: &str) {
        *self.0.entry(key(platform, id)).or_insert(0) += 1;
    }

    pub(super) fn remove(&self, platform: &str, id: &str) {
        // Counted, so that two posts sharing a hash stay until both are gone.
        self.0.remove_if_mut(&key(platform, id), |_, count| {
            *count -= 1;
            *count == 0
        });
    }
}

fn key(platform: &str, id: &str) -> u64 {
    // A fixed seed: the same on every run, spread over all 64 bits; foldhash rather than
    // SipHash, since every repost and reply of the stream is probed (on the workers and
    // again on the grading thread) and most ids are short.
    foldhash::fast::FixedState::with_seed(0x6665_6e67_6875_6f21).hash_one((platform, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_is_chained_until_removed_as_often_as_added() {
        let chained = ChainedPosts::default();
        assert!(!chained.contains("weibo", "1"));
        chained.insert("weibo", "1");
        chained.insert("weibo", "1");
        assert!(chained.contains("weibo", "1"));
        assert!(!chained.contains("douyin", "1"));
        chained.remove("weibo", "1");
        assert!(chained.contains("weibo", "1"));
        chained.remove("weibo", "1");
        assert!(chained.is_empty());
    }
}
