//! Which offsets are safe to commit: per partition, a [`Watermark`] over the frames read
//! from it — the newest offset whose message, and every message before it, is fully
//! handled (its frame's [`Completion`] released: unmatched by the worker, graded, its
//! alerts in the outbox, or, in a match engine, its matches acknowledged by the broker).
//! A crash re-reads from the committed offset and never skips; a failed frame freezes its
//! partition's offset until the partition is read again from there.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::models::{Completion, Watermark};

/// A topic partition.
pub type PartitionKey = (Arc<str>, i32);

struct Partition {
    /// Cursor: the offset to commit once a message is handled (its offset + 1).
    watermark: Watermark<i64>,
    committed: Option<i64>,
}

/// The partitions a Kafka source holds and how far each is handled. Shared between the
/// consumer loop and librdkafka's rebalance callbacks (both on the consumer thread).
#[derive(Default)]
pub struct Progress {
    partitions: Mutex<HashMap<PartitionKey, Partition>>,
}

impl Progress {
    fn lock(&self) -> MutexGuard<'_, HashMap<PartitionKey, Partition>> {
        // A panic while holding the lock leaves plain bookkeeping behind; keep using it.
        self.partitions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The partition is now ours; reading starts at the broker's committed offset.
    pub fn assign(&self, topic: &str, partition: i32) {
        self.lock().insert(
            (topic.into(), partition),
            Partition {
                watermark: Watermark::new(None),
                committed: None,
            },
        );
    }

    /// The partition is no longer ours: completions still out report to nobody.
    pub fn revoke(&self, topic: &str, partition: i32) {
        self.lock().remove(&(topic.into(), partition));
    }

    /// Tracks the message at `offset`; attach the handle to its frame. `None` when the
    /// partition is not assigned (a message fetched before a revoke).
    pub fn track(&self, topic: &str, partition: i32, offset: i64) -> Option<Completion> {
        let mut partitions = self.lock();
        let entry = partitions.get_mut(&(topic.into(), partition))?;
        if entry.committed.is_some_and(|committed| offset < committed) {
            // The log went back (an offset reset after the broker lost it): commit afresh.
            entry.committed = None;
        }
        Some(entry.watermark.track(offset + 1))
    }

    /// Messages read and not yet handled, over all partitions.
    pub fn in_flight(&self) -> usize {
        self.lock()
            .values_mut()
            .map(|p| p.watermark.in_flight())
            .sum()
    }

    /// The offsets to commit (the next offset to read) that the broker does not have yet.
    pub fn advance(&self) -> Vec<(PartitionKey, i64)> {
        let mut out = Vec::new();
        for (key, partition) in self.lock().iter_mut() {
            if let Some(&offset) = partition.watermark.acknowledged() {
                if partition.committed.is_none_or(|c| offset > c) {
                    out.push((key.clone(), offset));
                }
            }
        }
        out
    }

    /// The broker has these offsets.
    pub fn committed(&self, offsets: &[(PartitionKey, i64)]) {
        let mut partitions = self.lock();
        for (key, offset) in offsets {
            if let Some(partition) = partitions.get_mut(key) {
                partition.committed = Some(partition.committed.map_or(*offset, |c| c.max(*offset)));
            }
        }
    }

    /// Waits until every message read from `keys` (all partitions when `None`) is handled,
    /// or `timeout` passes; says whether they were. Blocks: for the consumer thread.
    pub fn wait_handled(&self, keys: Option<&[PartitionKey]>, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let pending: usize = self
                .lock()
                .iter_mut()
                .filter(|(key, _)| keys.is_none_or(|keys| keys.contains(key)))
                .map(|(_, p)| p.watermark.in_flight())
                .sum();
            if pending == 0 {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(partition: i32) -> PartitionKey {
        ("feed".into(), partition)
    }

    #[test]
    fn the_offset_to_commit_stops_at_the_first_message_not_handled() {
        let progress = Progress::default();
        progress.assign("feed", 0);
        let mut handles: Vec<Option<Completion>> =
            (10..15).map(|o| progress.track("feed", 0, o)).collect();
        handles[0] = None;
        handles[2] = None;
        assert_eq!(progress.advance(), vec![(key(0), 11)]);
        progress.committed(&[(key(0), 11)]);
        assert_eq!(progress.in_flight(), 4, "11 to 14");
        assert_eq!(progress.advance(), vec![], "11 is still in flight");
        handles[1] = None;
        assert_eq!(progress.advance(), vec![(key(0), 13)]);
        handles.clear();
        assert_eq!(progress.advance(), vec![(key(0), 15)]);
        assert!(progress.wait_handled(None, Duration::ZERO));
    }

    #[test]
    fn a_failed_frame_freezes_its_partition_only() {
        let progress = Progress::default();
        progress.assign("feed", 0);
        progress.assign("feed", 1);
        drop(progress.track("feed", 0, 0));
        let failed = progress.track("feed", 0, 1).unwrap();
        failed.fail();
        drop(failed);
        drop(progress.track("feed", 0, 2));
        drop(progress.track("feed", 1, 40));
        let mut offsets = progress.advance();
        offsets.sort();
        assert_eq!(offsets, vec![(key(0), 1), (key(1), 41)]);
    }

    #[test]
    fn a_revoked_partition_is_not_tracked_and_waits_for_nothing() {
        let progress = Progress::default();
        progress.assign("feed", 1);
        let held = progress.track("feed", 1, 5).unwrap();
        assert!(!progress.wait_handled(Some(&[key(1)]), Duration::from_millis(10)));
        progress.revoke("feed", 1);
        assert!(progress.track("feed", 1, 6).is_none());
        assert!(progress.wait_handled(None, Duration::ZERO));
        drop(held);
        assert_eq!(progress.advance(), vec![]);
    }
}
