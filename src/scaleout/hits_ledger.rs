//! Which hits a track engine's checkpoint covers: the offsets it is saved with.
//!
//! A track engine's checkpoint must be a state *and* the hits-topic position it stands
//! at, so that a restart restores the state and replays `hits` from exactly there: a hit
//! before the position is in the state (replaying it would count it twice), a hit after
//! it is not (skipping it would lose it). And every alert the state has given out must be
//! in the outbox, or a kill would lose it: the state says it was sent, and the replay
//! starts after it.
//!
//! So the hits source numbers each hit it reads (a frame of its own) and tells the ledger
//! its partition and offset; each hit's completion tells the ledger when the grader is
//! done with it and the outbox holds its alerts. The grade stage snapshots its state after
//! frame `n` and saves it once [`HitsLedger::covered_through`] says every frame up to `n`
//! is handled, with the offsets that returns.
//!
//! The ledger also says where an assigned partition starts: after the last hit read in
//! this process, else where the restored checkpoint stands, else (no position known) at
//! the earliest retained hit.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::models::completion::Status;

/// Per partition, the next offset to read (Kafka's convention for a position).
pub type Positions = BTreeMap<i32, i64>;

#[derive(Debug, Default)]
pub struct HitsLedger {
    /// A std `Mutex`: held for a few map operations, by the hits consumer, the grade
    /// thread and completion callbacks, never across anything that waits.
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Where each partition's next read starts.
    read: Positions,
    /// Hits read whose handling is not yet folded into `covered`: frame → (partition,
    /// offset, outcome so far; `None` while in hand).
    frames: BTreeMap<u64, (i32, i64, Option<Status>)>,
    /// The position after every hit folded in (all handled, in frame order).
    covered: Positions,
}

impl HitsLedger {
    /// A ledger that starts where the restored checkpoint stands (empty: nothing known).
    pub fn new(checkpoint: Positions) -> HitsLedger {
        HitsLedger {
            inner: Mutex::new(Inner {
                read: checkpoint.clone(),
                frames: BTreeMap::new(),
                covered: checkpoint,
            }),
        }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding it leaves plain maps behind: still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Where partition `partition` starts when it is assigned to this engine; `None`: at
    /// the earliest retained hit.
    pub fn start_of(&self, partition: i32) -> Option<i64> {
        self.inner().read.get(&partition).copied()
    }

    /// Hit `frame` was read from `partition` at `offset`.
    pub fn read(&self, frame: u64, partition: i32, offset: i64) {
        let mut inner = self.inner();
        inner.frames.insert(frame, (partition, offset, None));
        inner.read.insert(partition, offset + 1);
    }

    /// Hit `frame` is handled (its alerts are in the outbox), or failed (never covered:
    /// a restart replays it).
    pub fn finished(&self, frame: u64, status: Status) {
        if let Some(entry) = self.inner().frames.get_mut(&frame) {
            entry.2 = Some(status);
        }
    }

    /// The positions a state that has taken every frame up to `last` (`None`: none of this
    /// run) stands at, once all those frames are handled; `None` while one is in hand (or
    /// failed).
    pub fn covered_through(&self, last: Option<u64>) -> Option<Positions> {
        let mut inner = self.inner();
        let Some(last) = last else {
            return Some(inner.covered.clone());
        };
        while let Some((&frame, &(partition, offset, status))) = inner.frames.first_key_value() {
            if frame > last {
                break;
            }
            if status != Some(Status::Handled) {
                return None;
            }
            inner.frames.remove(&frame);
            inner.covered.insert(partition, offset + 1);
        }
        Some(inner.covered.clone())
    }
}

impl crate::grade::thread::HitsCoverage for HitsLedger {
    fn covered_through(&self, last: Option<u64>) -> Option<Positions> {
        HitsLedger::covered_through(self, last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_covers_only_frames_handled_in_order() {
        let ledger = HitsLedger::new(BTreeMap::from([(0, 10)]));
        assert_eq!(ledger.start_of(0), Some(10));
        assert_eq!(ledger.start_of(1), None);
        ledger.read(0, 0, 10);
        ledger.read(1, 1, 3);
        ledger.read(2, 0, 11);
        assert_eq!(ledger.start_of(0), Some(12));
        // Frame 1 handled first: frame 0 still holds everything back.
        ledger.finished(1, Status::Handled);
        assert_eq!(ledger.covered_through(Some(2)), None);
        ledger.finished(0, Status::Handled);
        assert_eq!(
            ledger.covered_through(Some(1)),
            Some(BTreeMap::from([(0, 11), (1, 4)])),
            "frame 2 is not in a state taken after frame 1"
        );
        ledger.finished(2, Status::Failed);
        assert_eq!(
            ledger.covered_through(Some(2)),
            None,
            "a failed hit is never covered"
        );
        assert_eq!(
            ledger.covered_through(Some(1)),
            Some(BTreeMap::from([(0, 11), (1, 4)]))
        );
    }
}
