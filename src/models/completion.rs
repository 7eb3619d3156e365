//! Completion: a handle that travels with a frame and its posts (Vector's finalizers), so
//! a source acknowledges upstream only what is fully handled.
//!
//! A source makes one [`Completion`] per frame. Every stage that takes over part of the
//! frame's work holds a clone: the worker while it judges the frame; each matched post's
//! record until the grader is done with it; each alert it caused until the commit stage
//! has it in the outbox. When the last clone is dropped, the frame is handled — unmatched
//! posts by the worker, matched posts without an alert by the grader, alerts by the
//! commit — and the source's callback runs with the outcome. A stage that could not do
//! its part (a failed commit, a worker panic) marks the handle [`Completion::fail`].
//!
//! [`Watermark`] turns per-frame completions into an upstream cursor: the newest cursor
//! whose frame, and every frame before it, was handled. A WebSocket source resumes from
//! it; a broker source keeps one per partition and commits it as the offset.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// How a frame's handling ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every post was handled: nothing is lost if the source acknowledges it.
    Handled,
    /// Some stage could not do its part: the source must not acknowledge it.
    Failed,
}

type Callback = Box<dyn FnOnce(Status) + Send>;

/// The shared half of a frame's handle; cloned freely, released when the last clone goes.
#[derive(Clone)]
pub struct Completion {
    inner: Arc<Inner>,
}

struct Inner {
    failed: AtomicBool,
    /// Taken once, when the last clone is dropped. A std `Mutex` only makes the boxed
    /// callback `Sync`; it is never contended.
    on_done: Mutex<Option<Callback>>,
}

impl Completion {
    /// A handle whose `on_done` runs, on whichever thread drops the last clone, with the
    /// outcome. `on_done` must be quick and must not block (it runs on pipeline threads).
    pub fn new(on_done: impl FnOnce(Status) + Send + 'static) -> Completion {
        Completion {
            inner: Arc::new(Inner {
                failed: AtomicBool::new(false),
                on_done: Mutex::new(Some(Box::new(on_done))),
            }),
        }
    }

    /// Marks the frame as not fully handled: its source must not acknowledge it.
    pub fn fail(&self) {
        self.inner.failed.store(true, Ordering::Release);
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let status = if self.failed.load(Ordering::Acquire) {
            Status::Failed
        } else {
            Status::Handled
        };
        let on_done = self
            .on_done
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(on_done) = on_done {
            on_done(status);
        }
    }
}

impl fmt::Debug for Completion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completion")
            .field("holders", &Arc::strong_count(&self.inner))
            .field("failed", &self.inner.failed.load(Ordering::Relaxed))
            .finish()
    }
}

/// Frames a source has handed on, in order, and the newest cursor it may acknowledge.
///
/// Not shared: the source owns it. Completions report back through a small shared list,
/// so the pipeline threads that drop the last clones never wait on the source.
pub struct Watermark<K> {
    /// Sequence number of the next frame tracked.
    next: u64,
    /// Frames not yet acknowledgeable, oldest first: (sequence, cursor, outcome once known).
    pending: VecDeque<(u64, K, Option<Status>)>,
    /// The newest cursor whose frame and all before it were handled.
    acknowledged: Option<K>,
    /// A frame failed: the cursor stays where it was until the source restarts from it.
    failed: bool,
    reports: Arc<Reports>,
}

#[derive(Default)]
struct Reports {
    done: Mutex<Vec<(u64, Status)>>,
    notify: Notify,
}

impl<K: Clone> Watermark<K> {
    /// Starts at `acknowledged` (the cursor the source resumed from, if any).
    pub fn new(acknowledged: Option<K>) -> Watermark<K> {
        Watermark {
            next: 0,
            pending: VecDeque::new(),
            acknowledged,
            failed: false,
            reports: Arc::default(),
        }
    }

    /// Tracks the next frame, whose last post has `cursor`; attach the returned handle to
    /// the frame. After a failure nothing more is tracked (the cursor is frozen), so the
    /// handle is inert.
    pub fn track(&mut self, cursor: K) -> Completion {
        if self.failed {
            return Completion::new(|_| {});
        }
        let sequence = self.next;
        self.next += 1;
        self.pending.push_back((sequence, cursor, None));
        let reports = self.reports.clone();
        Completion::new(move |status| {
            reports
                .done
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((sequence, status));
            reports.notify.notify_one();
        })
    }

    /// Takes in what completed and returns the newest acknowledgeable cursor.
    pub fn acknowledged(&mut self) -> Option<&K> {
        let done =
            std::mem::take(&mut *self.reports.done.lock().unwrap_or_else(|e| e.into_inner()));
        for (sequence, status) in done {
            let Some(&(front, ..)) = self.pending.front() else {
                continue;
            };
            if let Some(entry) = sequence
                .checked_sub(front)
                .and_then(|i| self.pending.get_mut(i as usize))
            {
                entry.2 = Some(status);
            }
        }
        loop {
            match self.pending.front().and_then(|entry| entry.2) {
                Some(Status::Handled) => {
                    if let Some((_, cursor, _)) = self.pending.pop_front() {
                        self.acknowledged = Some(cursor);
                    }
                }
                Some(Status::Failed) => {
                    // Nothing from a failed frame on may be acknowledged; stop tracking.
                    self.failed = true;
                    self.pending.clear();
                }
                None => break,
            }
        }
        self.acknowledged.as_ref()
    }

    /// Frames tracked and not yet acknowledgeable.
    pub fn in_flight(&mut self) -> usize {
        self.acknowledged();
        self.pending.len()
    }

    /// Waits until every tracked frame has completed (or one failed).
    pub async fn settled(&mut self) {
        let reports = self.reports.clone();
        loop {
            // A completion between the check and the wait leaves a permit (`notify_one`):
            // no lost wake-up.
            if self.in_flight() == 0 {
                return;
            }
            reports.notify.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_moves_only_over_contiguous_handled_frames() {
        let mut watermark = Watermark::new(Some(0));
        let first = watermark.track(1);
        let second = watermark.track(2);
        let second_clone = second.clone();
        let third = watermark.track(3);
        drop(second);
        drop(second_clone);
        drop(third);
        assert_eq!(watermark.acknowledged(), Some(&0), "the first is in flight");
        drop(first);
        assert_eq!(watermark.acknowledged(), Some(&3));
        assert_eq!(watermark.in_flight(), 0);
    }

    #[test]
    fn a_failed_frame_freezes_the_cursor() {
        let mut watermark = Watermark::new(None);
        let first = watermark.track(1);
        drop(first);
        let second = watermark.track(2);
        second.fail();
        drop(second);
        assert_eq!(watermark.acknowledged(), Some(&1));
        drop(watermark.track(3));
        assert_eq!(watermark.acknowledged(), Some(&1));
    }

    #[tokio::test]
    async fn settled_waits_for_the_last_holder() {
        let mut watermark = Watermark::new(None);
        let held = watermark.track(7);
        let dropper = tokio::spawn(async move {
            tokio::task::yield_now().await;
            drop(held);
        });
        watermark.settled().await;
        assert_eq!(watermark.acknowledged(), Some(&7));
        dropper.await.unwrap();
    }
}
