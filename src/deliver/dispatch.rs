//! One delivery task per receiver: takes the notices committed for it into its
//! [`Backlog`] (urgent first, per-event order, pending updates collapsed), skips silenced
//! ones, and sends the rest.
//!
//! - A permanent refusal (4xx other than 408/429, a robot's documented permanent errcode
//!   such as DingTalk `310000 sign not match`) is a dead letter at once.
//! - A transient failure puts the notice back with its own exponential backoff (jitter)
//!   and the task goes on with the next one: one bad notice never blocks other events.
//!   A notice still failing `give_up_after` after its first attempt is a dead letter.
//! - When two different notices fail in a row the receiver itself is down: the task sends
//!   only a probe now and then (the most urgent pending notice, with a backoff of its
//!   own); the first success makes every pending notice due at once, so a receiver that
//!   comes back is served within one (short) backoff, 红 and overdue reminders first.
//! - The stored cursor is the newest sequence below which everything is done; notices
//!   finished out of order above it (sent, silenced, dead-lettered, superseded) are
//!   skipped after a restart by their recorded outcome.
//!
//! Receivers never wait for each other: a dead one only falls behind on its own cursor.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use metrics::{counter, gauge, histogram};
use rand::Rng;
use serde::Deserialize;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::backlog::{Backlog, Entry, Superseded};
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
    /// Notices a dispatcher holds at once (its [`Backlog`]): the window within which a
    /// receiver that is behind gets the urgent ones first and updates collapse. Beyond
    /// it, 红 and overdue notices are taken ahead (up to a quarter as many again); the
    /// rest wait in the outbox.
    #[serde(default = "default_backlog")]
    pub backlog: usize,
}

fn default_backlog() -> usize {
    512
}

pub struct Dispatcher {
    pub receiver: Arc<Receiver>,
    pub outbox: Arc<Outbox>,
    /// Changes whenever a notice is committed.
    pub committed: watch::Receiver<i64>,
    pub config: DeliveryConfig,
}

/// How one attempt ended.
enum Done {
    /// Delivered, silenced or dead-lettered: the notice is finished.
    Finished,
    /// Failed, worth trying again.
    Failed,
    Shutdown,
}

/// The task's state: its cursor, its backlog, and whether the receiver looks down.
struct State {
    name: String,
    /// Every notice up to this sequence has been taken from the outbox into the backlog.
    loaded: i64,
    /// Urgent notices taken beyond `loaded` while the backlog was full (skipped when the
    /// scan reaches them).
    ahead: BTreeSet<i64>,
    /// Newest sequence stored (or tried to store) as the cursor.
    stored: i64,
    /// Taken from the outbox, not yet finished.
    backlog: Backlog,
    /// Different notices failed (at their first attempt) in a row since the last success.
    failures_in_a_row: usize,
    /// While the receiver looks down: when to probe it next, and the wait after that.
    probe_at: Instant,
    probe_backoff: Duration,
}

impl State {
    fn receiver_down(&self) -> bool {
        self.failures_in_a_row >= 2
    }

    /// Everything up to this sequence is finished.
    fn done_through(&self) -> i64 {
        self.backlog
            .oldest()
            .map_or(self.loaded, |oldest| (oldest - 1).min(self.loaded))
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
            loaded: cursor,
            ahead: BTreeSet::new(),
            stored: cursor,
            backlog: Backlog::default(),
            failures_in_a_row: 0,
            probe_at: Instant::now(),
            probe_backoff: self.initial_backoff(),
        };
        loop {
            if let Err(e) = self.load(&mut state).await {
                tracing::error!(receiver = %state.name, error = %e, "reading the outbox failed; retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                continue;
            }
            self.publish_pending(&state).await;
            // While the receiver looks down, only a probe goes, now and then: the most
            // urgent notice. Otherwise the most urgent one due.
            let now = Instant::now();
            let next = if state.receiver_down() {
                state
                    .backlog
                    .most_urgent()
                    .filter(|_| state.probe_at <= now)
            } else {
                state.backlog.next_due(now)
            };
            if let Some(seq) = next {
                // Wait for the rate limit before choosing for good: what arrives meanwhile
                // may be more urgent.
                if let Some(wait) = self.receiver.slot_wait() {
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(wait) => {}
                    }
                    continue;
                }
                let mut entry = state.backlog.take(seq).expect("chosen above");
                entry.attempts += 1;
                entry.first_attempt.get_or_insert(now);
                match self
                    .attempt(&entry.outgoing(), entry.attempts, &shutdown)
                    .await
                {
                    Done::Shutdown => return,
                    Done::Finished => self.finished(&mut state).await,
                    Done::Failed => self.failed(&mut state, entry).await,
                }
                continue;
            }
            // Nothing to do now: wait for a commit, the next retry or probe, or shutdown.
            let next_retry = if state.backlog.is_empty() {
                None
            } else if state.receiver_down() {
                Some(state.probe_at)
            } else {
                state.backlog.next_retry()
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

    fn initial_backoff(&self) -> Duration {
        Duration::from_millis(self.config.retry_initial_ms.max(1))
    }

    fn max_backoff(&self) -> Duration {
        Duration::from_millis(self.config.retry_max_ms.max(1))
    }

    /// Takes the notices committed since the last load into the backlog (up to its
    /// window; when it is full, the urgent ones beyond it); updates they supersede are
    /// recorded as such and leave the backlog.
    async fn load(&self, state: &mut State) -> Result<(), super::outbox::OutboxError> {
        let window = self.config.backlog.max(1);
        let room = window.saturating_sub(state.backlog.len());
        let receiver = state.name.clone();
        let notices = if room > 0 {
            let after = state.loaded;
            let notices = self
                .outbox
                .blocking(move |o| o.pending_notices(&receiver, after, room))
                .await?;
            if let Some(last) = notices.last() {
                state.loaded = state.loaded.max(last.seq);
            }
            if notices.len() < room {
                // Every notice not finished is in hand now: those taken ahead and since
                // finished are behind the scan too.
                if let Some(&last_ahead) = state.ahead.last() {
                    state.loaded = state.loaded.max(last_ahead);
                }
            }
            // Those taken ahead are in the backlog already (or finished).
            let notices: Vec<Notice> = notices
                .into_iter()
                .filter(|n| !state.ahead.contains(&n.seq))
                .collect();
            let loaded = state.loaded;
            state.ahead.retain(|&seq| seq > loaded);
            notices
        } else {
            let most_ahead = window / 4;
            let ahead_room = most_ahead.saturating_sub(state.ahead.len());
            if ahead_room == 0 {
                return Ok(());
            }
            let after = state
                .ahead
                .last()
                .copied()
                .unwrap_or(state.loaded)
                .max(state.loaded);
            let urgent = self
                .outbox
                .blocking(move |o| o.pending_urgent(&receiver, after, ahead_room))
                .await?;
            state.ahead.extend(urgent.iter().map(|n| n.seq));
            urgent
        };
        // What each stood for before a restart (nothing for one committed since): an
        // index probe a notice, and notices are few.
        let receiver = state.name.clone();
        let ids: Vec<String> = notices.iter().map(|n| n.notice_id.clone()).collect();
        let earlier = self
            .outbox
            .blocking(move |o| {
                ids.iter()
                    .map(|id| o.superseded_by(&receiver, id))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await?;
        let mut superseded_any = false;
        for (notice, earlier) in notices.into_iter().zip(earlier) {
            let replaced =
                state
                    .backlog
                    .push(notice, earlier, Instant::now(), self.initial_backoff());
            for Superseded { notice: old, by } in replaced {
                superseded_any = true;
                let detail = format!("superseded by {by}");
                self.record(&old, 0, "superseded", &detail).await;
                counter!(DELIVERIES, "receiver" => state.name.clone(), "outcome" => "superseded")
                    .increment(1);
            }
        }
        if superseded_any {
            self.store_cursor(state).await;
        }
        Ok(())
    }

    /// Keeps `fenghuo_outbox_pending` true whatever the task is doing: the notices not
    /// yet taken plus those in the backlog.
    async fn publish_pending(&self, state: &State) {
        let (receiver, after) = (state.name.clone(), state.loaded);
        let waiting = self
            .outbox
            .blocking(move |o| o.pending_after(&receiver, after))
            .await;
        if let Ok(waiting) = waiting {
            // Notices taken ahead are counted among those after `loaded` already.
            let pending = waiting + state.backlog.count_through(state.loaded) as i64;
            gauge!(OUTBOX_PENDING, "receiver" => state.name.clone()).set(pending as f64);
        }
    }

    async fn finished(&self, state: &mut State) {
        state.failures_in_a_row = 0;
        state.probe_backoff = self.initial_backoff();
        // The receiver answers again: everything pending is due now.
        state.backlog.all_due(Instant::now());
        self.store_cursor(state).await;
    }

    /// Puts a failed notice back for its next attempt, or dead-letters it past
    /// `give_up_after`.
    async fn failed(&self, state: &mut State, mut entry: Entry) {
        let first_attempt = entry.first_attempt.unwrap_or_else(Instant::now);
        if first_attempt.elapsed() >= Duration::from_secs(self.config.give_up_after_secs) {
            let error = "gave up after give_up_after_secs of failures";
            self.dead_letter(&entry.notice, entry.attempts, error).await;
            self.store_cursor(state).await;
            return;
        }
        if entry.attempts == 1 {
            state.failures_in_a_row += 1;
        }
        let now = Instant::now();
        if state.receiver_down() {
            state.probe_at = now + jitter(state.probe_backoff);
            state.probe_backoff = (state.probe_backoff * 2).min(self.max_backoff());
        }
        entry.next_at = now + jitter(entry.backoff);
        entry.backoff = (entry.backoff * 2).min(self.max_backoff());
        state.backlog.put_back(entry);
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

/// `wait` spread by ±50 %, so that retries of many notices do not come in lockstep.
fn jitter(wait: Duration) -> Duration {
    wait.mul_f64(rand::rng().random_range(0.5..1.5))
}
