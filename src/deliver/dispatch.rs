//! One delivery task per receiver: takes the notices after the receiver's cursor in
//! commit order, skips silenced ones, and sends the rest.
//!
//! - A permanent refusal (4xx other than 408/429, a robot's documented permanent errcode
//!   such as DingTalk `310000 sign not match`) is a dead letter at once.
//! - A transient failure parks the notice with its own exponential backoff (jitter) and
//!   the task goes on with the next one: one bad notice never blocks the ones behind it.
//!   A notice still failing `give_up_after` after its first attempt is a dead letter.
//! - When two different notices fail in a row the receiver itself is down: the task stops
//!   taking new notices and retries only the oldest parked one, as a probe; the first
//!   success makes every parked notice due at once, so a receiver that comes back is
//!   served within one (short) backoff.
//! - The stored cursor is the newest sequence below which everything is done; notices
//!   finished out of order above it are skipped after a restart by their recorded outcome.
//!
//! Receivers never wait for each other: a dead one only falls behind on its own cursor.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use metrics::{counter, gauge, histogram};
use rand::Rng;
use serde::Deserialize;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::outbox::{Notice, Outbox};
use super::receivers::Receiver;
use crate::telemetry::{
    DEAD_LETTERS, DELIVERIES, DELIVERY_SECONDS, OUTBOX_CURSOR_FAILURES, OUTBOX_PENDING,
};

/// `[delivery]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    pub retry_initial_ms: u64,
    /// Backoff cap: also the longest a receiver that came back waits for its next message.
    pub retry_max_ms: u64,
    /// A notice still failing this long after its first attempt goes to the dead letters.
    pub give_up_after_secs: u64,
}

pub struct Dispatcher {
    pub receiver: Arc<Receiver>,
    pub outbox: Arc<Outbox>,
    /// Changes whenever a notice is committed.
    pub committed: watch::Receiver<i64>,
    pub config: DeliveryConfig,
}

/// Most notices parked for a retry at once; beyond them the task waits for a retry.
const MAX_PARKED: usize = 64;

/// A notice that failed and waits for its next attempt.
struct Parked {
    notice: Notice,
    attempts: i64,
    first_attempt: Instant,
    next_at: Instant,
    backoff: Duration,
}

/// How one attempt ended.
enum Done {
    /// Delivered, silenced or dead-lettered: the notice is finished.
    Finished,
    /// Failed, worth trying again.
    Failed,
    Shutdown,
}

/// The task's state: its cursor, what is parked, and whether the receiver looks down.
struct State {
    name: String,
    /// Newest sequence taken from the outbox.
    scanned: i64,
    /// Newest sequence stored (or tried to store) as the cursor.
    stored: i64,
    parked: BTreeMap<i64, Parked>,
    /// Different notices failed (at their first attempt) in a row since the last success.
    failures_in_a_row: usize,
}

impl State {
    fn receiver_down(&self) -> bool {
        self.failures_in_a_row >= 2
    }

    /// Everything up to this sequence is finished.
    fn done_through(&self) -> i64 {
        self.parked
            .keys()
            .next()
            .map_or(self.scanned, |&oldest| oldest - 1)
    }
}

impl Dispatcher {
    pub async fn run(mut self, shutdown: CancellationToken) {
        let name = self.receiver.name().to_owned();
        let cursor = loop {
            let receiver = name.clone();
            match self.outbox.blocking(move |o| o.cursor(&receiver)).await {
                Ok(cursor) => break cursor,
                Err(e) => {
                    tracing::error!(receiver = %name, error = %e, "reading the cursor failed; retrying");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        };
        let mut state = State {
            name,
            scanned: cursor,
            stored: cursor,
            parked: BTreeMap::new(),
            failures_in_a_row: 0,
        };
        loop {
            self.publish_pending(&state).await;
            // A parked notice whose time has come (only the oldest while the receiver is
            // down: it probes for the others).
            let now = Instant::now();
            let due = if state.receiver_down() {
                state
                    .parked
                    .iter()
                    .next()
                    .filter(|(_, p)| p.next_at <= now)
                    .map(|(&seq, _)| seq)
            } else {
                state
                    .parked
                    .iter()
                    .find(|(_, p)| p.next_at <= now)
                    .map(|(&seq, _)| seq)
            };
            if let Some(seq) = due {
                let mut parked = state.parked.remove(&seq).expect("found above");
                parked.attempts += 1;
                match self
                    .attempt(&parked.notice, parked.attempts, &shutdown)
                    .await
                {
                    Done::Shutdown => return,
                    Done::Finished => self.finished(&mut state).await,
                    Done::Failed => self.failed(&mut state, parked).await,
                }
                continue;
            }
            let room = !state.receiver_down() && state.parked.len() < MAX_PARKED;
            if room {
                let (receiver, after) = (state.name.clone(), state.scanned);
                let next = self
                    .outbox
                    .blocking(move |o| o.next_after(&receiver, after))
                    .await;
                match next {
                    Ok(Some(notice)) => {
                        state.scanned = notice.seq;
                        let first_attempt = Instant::now();
                        match self.attempt(&notice, 1, &shutdown).await {
                            Done::Shutdown => return,
                            Done::Finished => self.finished(&mut state).await,
                            Done::Failed => {
                                let backoff =
                                    Duration::from_millis(self.config.retry_initial_ms.max(1));
                                let parked = Parked {
                                    notice,
                                    attempts: 1,
                                    first_attempt,
                                    next_at: first_attempt,
                                    backoff,
                                };
                                self.failed(&mut state, parked).await;
                            }
                        }
                        continue;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::error!(receiver = %state.name, error = %e, "reading the outbox failed; retrying");
                        tokio::select! {
                            _ = shutdown.cancelled() => return,
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        }
                        continue;
                    }
                }
            }
            // Nothing to do now: wait for a commit, the next parked retry, or shutdown.
            let next_retry = if state.receiver_down() {
                state.parked.values().next().map(|p| p.next_at)
            } else {
                state.parked.values().map(|p| p.next_at).min()
            };
            let retry = async {
                match next_retry {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => return,
                changed = self.committed.changed() => if changed.is_err() { return },
                _ = retry => {}
            }
        }
    }

    /// Keeps `fenghuo_outbox_pending` true whatever the task is doing: the notices not
    /// yet taken plus those parked for a retry.
    async fn publish_pending(&self, state: &State) {
        let (receiver, after) = (state.name.clone(), state.scanned);
        let waiting = self
            .outbox
            .blocking(move |o| o.pending_after(&receiver, after))
            .await;
        if let Ok(waiting) = waiting {
            let pending = waiting + state.parked.len() as i64;
            gauge!(OUTBOX_PENDING, "receiver" => state.name.clone()).set(pending as f64);
        }
    }

    async fn finished(&self, state: &mut State) {
        state.failures_in_a_row = 0;
        // The receiver answers again: everything parked is due now.
        let now = Instant::now();
        for parked in state.parked.values_mut() {
            parked.next_at = parked.next_at.min(now);
        }
        self.store_cursor(state).await;
    }

    /// Parks a failed notice for its next attempt, or dead-letters it past `give_up_after`.
    async fn failed(&self, state: &mut State, mut parked: Parked) {
        if parked.first_attempt.elapsed() >= Duration::from_secs(self.config.give_up_after_secs) {
            let error = "gave up after give_up_after_secs of failures";
            self.dead_letter(&parked.notice, parked.attempts, error)
                .await;
            self.store_cursor(state).await;
            return;
        }
        if parked.attempts == 1 {
            state.failures_in_a_row += 1;
        }
        let wait = parked.backoff.mul_f64(rand::rng().random_range(0.5..1.5));
        parked.next_at = Instant::now() + wait;
        parked.backoff =
            (parked.backoff * 2).min(Duration::from_millis(self.config.retry_max_ms.max(1)));
        state.parked.insert(parked.notice.seq, parked);
    }

    async fn store_cursor(&self, state: &mut State) {
        let through = state.done_through();
        if through <= state.stored {
            return;
        }
        let receiver = state.name.clone();
        let stored = self
            .outbox
            .blocking(move |o| o.store_cursor(&receiver, through))
            .await;
        match stored {
            Ok(()) => state.stored = through,
            Err(e) => {
                counter!(OUTBOX_CURSOR_FAILURES, "receiver" => state.name.clone()).increment(1);
                tracing::error!(receiver = %state.name, error = %e, "storing the delivery cursor failed; moving on (a restart before the next stored cursor sends the notices since again, under the same idempotency keys)");
            }
        }
    }

    async fn record(&self, notice: &Notice, attempt: i64, outcome: &'static str, detail: &str) {
        let name = self.receiver.name();
        let (receiver, notice_id, detail) =
            (name.to_owned(), notice.notice_id.clone(), detail.to_owned());
        let recorded = self
            .outbox
            .blocking(move |o| {
                o.record_attempt(&receiver, &notice_id, attempt, outcome, &detail, Utc::now())
            })
            .await;
        if let Err(e) = recorded {
            tracing::error!(receiver = name, error = %e, "recording a delivery attempt failed");
        }
    }

    async fn dead_letter(&self, notice: &Notice, attempt: i64, error: &str) {
        let name = self.receiver.name();
        tracing::error!(receiver = name, notice = %notice.notice_id, %error, "delivery given up: dead letter");
        let (receiver, dead, why) = (name.to_owned(), notice.clone(), error.to_owned());
        let recorded = self
            .outbox
            .blocking(move |o| o.dead_letter(&receiver, &dead, &why, Utc::now()))
            .await;
        if let Err(e) = recorded {
            tracing::error!(receiver = name, error = %e, "recording a dead letter failed");
        }
        self.record(notice, attempt, "dead_letter", error).await;
        counter!(DEAD_LETTERS, "receiver" => name.to_owned()).increment(1);
        counter!(DELIVERIES, "receiver" => name.to_owned(), "outcome" => "dead_letter")
            .increment(1);
    }

    /// One attempt at one notice (silence check, rate limit, send).
    async fn attempt(&self, notice: &Notice, attempt: i64, shutdown: &CancellationToken) -> Done {
        let name = self.receiver.name();
        if self.silenced(notice).await {
            self.record(notice, 0, "silenced", "").await;
            counter!(DELIVERIES, "receiver" => name.to_owned(), "outcome" => "silenced")
                .increment(1);
            return Done::Finished;
        }
        tokio::select! {
            _ = shutdown.cancelled() => return Done::Shutdown,
            _ = self.receiver.wait_for_slot() => {}
        }
        let started = Instant::now();
        let sent = tokio::select! {
            _ = shutdown.cancelled() => return Done::Shutdown,
            sent = self.receiver.send(notice) => sent,
        };
        histogram!(DELIVERY_SECONDS, "receiver" => name.to_owned())
            .record(started.elapsed().as_secs_f64());
        match sent {
            Ok(()) => {
                self.record(notice, attempt, "success", "").await;
                counter!(DELIVERIES, "receiver" => name.to_owned(), "outcome" => "success")
                    .increment(1);
                Done::Finished
            }
            Err(error) => {
                counter!(DELIVERIES, "receiver" => name.to_owned(), "outcome" => "failure")
                    .increment(1);
                self.record(notice, attempt, "failure", &error.message)
                    .await;
                if error.permanent {
                    self.dead_letter(notice, attempt, &format!("refused: {}", error.message))
                        .await;
                    return Done::Finished;
                }
                tracing::warn!(receiver = name, notice = %notice.notice_id, attempt, error = %error.message, "delivery failed; retrying later");
                Done::Failed
            }
        }
    }

    async fn silenced(&self, notice: &Notice) -> bool {
        let now = Utc::now();
        match self.outbox.blocking(|o| o.silences()).await {
            Ok(silences) => silences.iter().any(|s| {
                s.starts_at <= now && now < s.ends_at && s.matchers.matches(&notice.body["alert"])
            }),
            Err(e) => {
                // Better a duplicate on the wall than a missed alert.
                tracing::error!(error = %e, "reading silences failed; delivering");
                false
            }
        }
    }
}
