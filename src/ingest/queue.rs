//! The bounded queue between sources (tokio tasks) and match workers (OS threads).
//!
//! A crossbeam channel carries the frames; a tokio semaphore with one permit per slot
//! lets async sources wait for room without blocking a runtime thread. A source takes a
//! permit before it sends and a worker returns one after it receives, so the channel never
//! holds more than `capacity` frames and a full queue simply stops sources reading.

use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use metrics::{counter, gauge};
use tokio::sync::Semaphore;

use super::Frame;
use crate::telemetry::{QUEUE_CAPACITY, QUEUE_POPPED, QUEUE_PUSHED};

/// The sending side, one clone per source.
#[derive(Clone)]
pub struct FrameSender {
    frames: Sender<Frame>,
    slots: Arc<Semaphore>,
    /// The number the next accepted frame gets. Numbering and enqueueing happen under this
    /// lock, so numbers follow queue order (the send never blocks: a permit holds a slot).
    next_seq: Arc<std::sync::Mutex<u64>>,
}

/// The receiving side, one clone per worker.
#[derive(Clone)]
pub struct FrameReceiver {
    frames: Receiver<Frame>,
    slots: Arc<Semaphore>,
}

/// The queue was closed: the engine is shutting down.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the frame queue is closed")]
pub struct QueueClosed;

/// A queue holding at most `capacity` frames.
pub fn frame_queue(capacity: usize) -> (FrameSender, FrameReceiver) {
    let (tx, rx) = crossbeam_channel::bounded(capacity);
    let slots = Arc::new(Semaphore::new(capacity));
    gauge!(QUEUE_CAPACITY).set(capacity as f64);
    (
        FrameSender {
            frames: tx,
            slots: slots.clone(),
            next_seq: Arc::new(std::sync::Mutex::new(0)),
        },
        FrameReceiver { frames: rx, slots },
    )
}

impl FrameSender {
    /// Waits for room, then enqueues `frame`.
    pub async fn send(&self, mut frame: Frame) -> Result<(), QueueClosed> {
        let permit = self.slots.acquire().await.map_err(|_| QueueClosed)?;
        // The permit travels with the frame; the worker that receives it adds it back.
        permit.forget();
        {
            // A poisoned lock only means another sender panicked between two plain writes.
            let mut next = self.next_seq.lock().unwrap_or_else(|e| e.into_inner());
            frame.seq = *next;
            self.frames.send(frame).map_err(|_| QueueClosed)?;
            *next += 1;
        }
        counter!(QUEUE_PUSHED).increment(1);
        Ok(())
    }
}

impl FrameReceiver {
    /// Blocks until a frame arrives; `None` once every sender is gone and the queue is empty.
    pub fn recv(&self) -> Option<Frame> {
        let frame = self.frames.recv().ok()?;
        self.slots.add_permits(1);
        counter!(QUEUE_POPPED).increment(1);
        Some(frame)
    }
}
