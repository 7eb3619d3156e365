//! Input order restored before the tracker: the same feed clusters the same way at any
//! worker count, replay speed or batch size.
//!
//! The queue numbers frames as it accepts them; workers handle frames in parallel and send
//! each frame's records (in post order) tagged with its number, then a `Done` for the frame.
//! [`InOrder`] hands records on strictly by frame number: those of the next frame as they
//! come, later frames' buffered until every earlier frame is done. What it buffers is
//! bounded by what the other workers finish while the oldest frame is still in hand (frames
//! are bounded in bytes); a frame whose `Done` never comes (a worker thread died) is
//! skipped after `stall`, with a warning and a count, so the tracker never stops.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use metrics::counter;

use crate::models::MatchRecord;
use crate::telemetry::EVENTS_FRAMES_SKIPPED;

/// What a worker sends the tracker. Records are most messages and travel by value, as they
/// did before frames were numbered: boxing them would cost an allocation each.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Sequenced {
    /// A record of frame `.0`, in the frame's post order.
    Record(u64, MatchRecord),
    /// Every record of frame `.0` has been sent.
    Done(u64),
}

/// What [`InOrder::next`] yields.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Next {
    Record(MatchRecord),
    /// Nothing within the timeout.
    Idle,
    /// Every sender is gone and everything buffered has been handed on.
    Closed,
}

/// Frames not yet handed on: records so far, and whether the frame is done.
#[derive(Debug, Default)]
struct Pending {
    records: std::collections::VecDeque<MatchRecord>,
    done: bool,
}

pub struct InOrder {
    input: Receiver<Sequenced>,
    /// The frame whose records go out next.
    next: u64,
    pending: BTreeMap<u64, Pending>,
    /// How long the next frame may keep later ones waiting.
    stall: Duration,
    /// When `next` last advanced, or something began to wait for it.
    since: Instant,
    closed: bool,
    /// The frame of the record handed out last (a track engine's checkpoint names it).
    last_frame: Option<u64>,
}

impl InOrder {
    /// Frames are numbered from 0.
    pub fn new(input: Receiver<Sequenced>, stall: Duration) -> InOrder {
        InOrder {
            input,
            next: 0,
            pending: BTreeMap::new(),
            stall,
            since: Instant::now(),
            closed: false,
            last_frame: None,
        }
    }

    /// The next record in input order, waiting at most `timeout` for one.
    pub fn next(&mut self, timeout: Duration) -> Next {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(record) = self.ready() {
                return Next::Record(record);
            }
            if self.closed {
                // Every worker is gone: what remains is handed on in frame order.
                match self.pending.keys().next().copied() {
                    Some(first) => {
                        self.next = first;
                        self.pending.entry(first).or_default().done = true;
                        continue;
                    }
                    None => return Next::Closed,
                }
            }
            if !self.pending.is_empty() && self.since.elapsed() >= self.stall {
                tracing::warn!(frame = self.next, "a frame never finished; skipped");
                counter!(EVENTS_FRAMES_SKIPPED).increment(1);
                self.advance();
                continue;
            }
            let now = Instant::now();
            if now >= deadline {
                return Next::Idle;
            }
            let wait = (deadline - now).min(self.stall);
            match self.input.recv_timeout(wait) {
                Ok(Sequenced::Record(frame, record)) => {
                    if let Some(pending) = self.pending_for(frame) {
                        pending.records.push_back(record);
                    }
                }
                Ok(Sequenced::Done(frame)) => {
                    if let Some(pending) = self.pending_for(frame) {
                        pending.done = true;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => self.closed = true,
            }
        }
    }

    /// The frame of the record [`InOrder::next`] handed out last; `None` before the first.
    pub fn last_frame(&self) -> Option<u64> {
        self.last_frame
    }

    /// A record of the next frame, advancing past frames that are done and empty.
    fn ready(&mut self) -> Option<MatchRecord> {
        loop {
            let pending = self.pending.get_mut(&self.next)?;
            if let Some(record) = pending.records.pop_front() {
                self.last_frame = Some(self.next);
                return Some(record);
            }
            if !pending.done {
                return None;
            }
            self.advance();
        }
    }

    fn advance(&mut self) {
        self.pending.remove(&self.next);
        self.next += 1;
        self.since = Instant::now();
    }

    /// The buffer of `frame` (`None` for a frame already handed on or skipped). The stall
    /// clock starts when something first waits.
    fn pending_for(&mut self, frame: u64) -> Option<&mut Pending> {
        if frame < self.next {
            return None;
        }
        if self.pending.is_empty() {
            self.since = Instant::now();
        }
        Some(self.pending.entry(frame).or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> MatchRecord {
        MatchRecord {
            post: crate::models::Post {
                platform: "weibo".into(),
                id: id.into(),
                url: None,
                author: Default::default(),
                title: None,
                body: String::new(),
                published_at: chrono::Utc::now(),
                counts: Default::default(),
                repost_of: None,
                root_id: None,
                region: None,
            },
            source: "t".into(),
            generation: 1,
            rules: Vec::new(),
            matched_at: chrono::Utc::now(),
            received_at: chrono::Utc::now(),
            fingerprint: None,
            identity: None,
            score: None,
            completion: None,
        }
    }

    fn drain(in_order: &mut InOrder) -> Vec<String> {
        let mut ids = Vec::new();
        loop {
            match in_order.next(Duration::from_millis(10)) {
                Next::Record(r) => ids.push(r.post.id),
                Next::Idle | Next::Closed => return ids,
            }
        }
    }

    #[test]
    fn later_frames_wait_for_earlier_ones() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut in_order = InOrder::new(rx, Duration::from_secs(60));
        tx.send(Sequenced::Record(1, record("b1"))).unwrap();
        tx.send(Sequenced::Done(1)).unwrap();
        tx.send(Sequenced::Record(0, record("a1"))).unwrap();
        // Frame 0 is not done: its first record goes out, frame 1 waits.
        assert_eq!(drain(&mut in_order), ["a1"]);
        tx.send(Sequenced::Record(0, record("a2"))).unwrap();
        tx.send(Sequenced::Done(2)).unwrap();
        tx.send(Sequenced::Done(0)).unwrap();
        tx.send(Sequenced::Record(3, record("d1"))).unwrap();
        assert_eq!(drain(&mut in_order), ["a2", "b1", "d1"]);
    }

    #[test]
    fn a_frame_that_never_finishes_is_skipped_after_the_stall() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut in_order = InOrder::new(rx, Duration::from_millis(30));
        tx.send(Sequenced::Record(1, record("b1"))).unwrap();
        tx.send(Sequenced::Done(1)).unwrap();
        let mut ids = Vec::new();
        let started = Instant::now();
        while ids.is_empty() && started.elapsed() < Duration::from_secs(5) {
            ids.extend(drain(&mut in_order));
        }
        assert_eq!(ids, ["b1"]);
    }

    #[test]
    fn on_close_the_rest_goes_out_in_frame_order() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut in_order = InOrder::new(rx, Duration::from_secs(60));
        tx.send(Sequenced::Record(5, record("f"))).unwrap();
        tx.send(Sequenced::Record(2, record("c"))).unwrap();
        drop(tx);
        assert_eq!(drain(&mut in_order), ["c", "f"]);
        assert!(matches!(
            in_order.next(Duration::from_millis(1)),
            Next::Closed
        ));
    }
}
