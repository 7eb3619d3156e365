//! The bounded queue between sources (tokio tasks) and match workers (OS threads).
//!
//! A crossbeam channel carries the frames. Two tokio semaphores bound it, so async sources
//! wait for room without blocking a runtime thread:
//!
//! - **frames**: one permit per slot, taken before a send and returned when a worker
//!   receives; the channel never holds more than `capacity` frames.
//! - **bytes**: one permit per byte, held from before a frame is read (an HTTP body is
//!   reserved before its first byte arrives) until a worker has finished with it. Memory
//!   was bounded in frames only: 64 clients pushing 16 MB frames drove RSS to 5.6 GB.
//!
//! A full queue stops pulling sources reading; push sources that cannot reserve answer
//! 503 with `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use metrics::{counter, gauge};
use tokio::sync::Semaphore;

use super::Frame;
use crate::telemetry::{
    QUEUE_BYTES, QUEUE_BYTES_CAPACITY, QUEUE_CAPACITY, QUEUE_POPPED, QUEUE_PUSHED,
};

/// The sending side, one clone per source.
#[derive(Clone)]
pub struct FrameSender {
    frames: Sender<Queued>,
    slots: Arc<Semaphore>,
    budget: Arc<ByteBudget>,
    /// The number the next accepted frame gets. Numbering and enqueueing happen under this
    /// lock, so numbers follow queue order (the send never blocks: a permit holds a slot).
    next_seq: Arc<std::sync::Mutex<u64>>,
}

/// The receiving side, one clone per worker.
#[derive(Clone)]
pub struct FrameReceiver {
    frames: Receiver<Queued>,
    slots: Arc<Semaphore>,
}

/// A frame on the queue with the bytes it holds of the budget.
pub struct Queued {
    pub frame: Frame,
    /// Returned to the budget when the worker drops the frame.
    _bytes: Reservation,
}

/// The byte budget shared by what is read, queued and being matched.
struct ByteBudget {
    permits: Semaphore,
    capacity: usize,
}

/// Bytes held of the queue's budget; given back when dropped.
pub struct Reservation {
    budget: Arc<ByteBudget>,
    bytes: usize,
}

/// The queue was closed: the engine is shutting down.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the frame queue is closed")]
pub struct QueueClosed;

/// Why bytes could not be reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReserveError {
    #[error("the ingest queue is full; retry later")]
    Full,
    #[error("{bytes} bytes exceed the whole ingest buffer of {capacity} bytes")]
    TooLarge { bytes: usize, capacity: usize },
    #[error("the frame queue is closed")]
    Closed,
}

/// A queue holding at most `capacity` frames and `max_bytes` bytes of them (frames being
/// read and matched included).
pub fn frame_queue(capacity: usize, max_bytes: usize) -> (FrameSender, FrameReceiver) {
    let (tx, rx) = crossbeam_channel::bounded(capacity);
    let slots = Arc::new(Semaphore::new(capacity));
    let max_bytes = max_bytes.min(Semaphore::MAX_PERMITS);
    gauge!(QUEUE_CAPACITY).set(capacity as f64);
    gauge!(QUEUE_BYTES_CAPACITY).set(max_bytes as f64);
    (
        FrameSender {
            frames: tx,
            slots: slots.clone(),
            budget: Arc::new(ByteBudget {
                permits: Semaphore::new(max_bytes),
                capacity: max_bytes,
            }),
            next_seq: Arc::new(std::sync::Mutex::new(0)),
        },
        FrameReceiver { frames: rx, slots },
    )
}

impl FrameSender {
    /// Waits for room, then enqueues `frame` (a source that reads before it knows the size).
    pub async fn send(&self, frame: Frame) -> Result<(), QueueClosed> {
        let bytes = frame.bytes.len().min(self.budget.capacity);
        let reservation = self.reserve(bytes).await.map_err(|_| QueueClosed)?;
        self.send_reserved(frame, reservation).await
    }

    /// Waits until `bytes` of the budget are free and holds them.
    pub async fn reserve(&self, bytes: usize) -> Result<Reservation, ReserveError> {
        let capacity = self.budget.capacity;
        let count = u32::try_from(bytes)
            .ok()
            .filter(|_| bytes <= capacity)
            .ok_or(ReserveError::TooLarge { bytes, capacity })?;
        let permits = self
            .budget
            .permits
            .acquire_many(count)
            .await
            .map_err(|_| ReserveError::Closed)?;
        permits.forget();
        gauge!(QUEUE_BYTES).increment(bytes as f64);
        Ok(Reservation {
            budget: self.budget.clone(),
            bytes,
        })
    }

    /// [`FrameSender::reserve`], giving up after `patience`: a push source answers `Full`
    /// with 503 rather than holding its client (and more memory) indefinitely.
    pub async fn reserve_within(
        &self,
        bytes: usize,
        patience: Duration,
    ) -> Result<Reservation, ReserveError> {
        tokio::time::timeout(patience, self.reserve(bytes))
            .await
            .unwrap_or(Err(ReserveError::Full))
    }

    /// Enqueues `frame`, which holds `reservation` until a worker is done with it.
    pub async fn send_reserved(
        &self,
        mut frame: Frame,
        reservation: Reservation,
    ) -> Result<(), QueueClosed> {
        let permit = self.slots.acquire().await.map_err(|_| QueueClosed)?;
        // The permit travels with the frame; the worker that receives it adds it back.
        permit.forget();
        {
            // A poisoned lock only means another sender panicked between two plain writes.
            let mut next = self.next_seq.lock().unwrap_or_else(|e| e.into_inner());
            frame.seq = *next;
            let queued = Queued {
                frame,
                _bytes: reservation,
            };
            self.frames.send(queued).map_err(|_| QueueClosed)?;
            *next += 1;
        }
        counter!(QUEUE_PUSHED).increment(1);
        Ok(())
    }

    /// Bytes of the budget free now.
    pub fn free_bytes(&self) -> usize {
        self.budget.permits.available_permits()
    }
}

impl Reservation {
    /// Keeps only `bytes` of the reservation (a body turned out smaller than reserved).
    pub fn shrink_to(&mut self, bytes: usize) {
        if bytes < self.bytes {
            self.budget.release(self.bytes - bytes);
            self.bytes = bytes;
        }
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.release(self.bytes);
    }
}

impl ByteBudget {
    fn release(&self, bytes: usize) {
        self.permits.add_permits(bytes);
        gauge!(QUEUE_BYTES).decrement(bytes as f64);
    }
}

impl FrameReceiver {
    /// Blocks until a frame arrives; `None` once every sender is gone and the queue is
    /// empty. The frame's bytes go back to the budget when the returned value is dropped.
    pub fn recv(&self) -> Option<Queued> {
        let queued = self.frames.recv().ok()?;
        self.slots.add_permits(1);
        counter!(QUEUE_POPPED).increment(1);
        Some(queued)
    }

    /// Whether no frame is waiting.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::SourceInfo;

    fn frame(bytes: usize) -> Frame {
        let source = Arc::new(SourceInfo {
            name: "t".into(),
            mappings: vec![],
        });
        Frame::new(source, vec![b'x'; bytes])
    }

    #[tokio::test]
    async fn bytes_are_held_until_the_worker_drops_the_frame() {
        let (tx, rx) = frame_queue(10, 100);
        tx.send(frame(60)).await.unwrap();
        assert_eq!(tx.free_bytes(), 40);
        // A second frame of 60 bytes does not fit while the first is held.
        assert_eq!(
            tx.reserve_within(60, Duration::from_millis(20)).await.err(),
            Some(ReserveError::Full)
        );
        let queued = rx.recv().unwrap();
        assert_eq!(
            tx.free_bytes(),
            40,
            "taken off the queue but not yet matched"
        );
        drop(queued);
        assert_eq!(tx.free_bytes(), 100);
        assert!(tx
            .reserve_within(60, Duration::from_millis(20))
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn a_reservation_shrinks_and_refuses_what_never_fits() {
        let (tx, _rx) = frame_queue(10, 100);
        let mut reservation = tx.reserve(100).await.unwrap();
        reservation.shrink_to(30);
        assert_eq!(tx.free_bytes(), 70);
        drop(reservation);
        assert_eq!(tx.free_bytes(), 100);
        assert_eq!(
            tx.reserve(101).await.err(),
            Some(ReserveError::TooLarge {
                bytes: 101,
                capacity: 100
            })
        );
    }
}
