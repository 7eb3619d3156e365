//! One delivery task per receiver: takes the next notice after the receiver's cursor,
//! skips it if silenced, otherwise sends it with retries (exponential backoff, jitter)
//! until it is delivered or, after `give_up_after`, dead-lettered; then moves the cursor.
//! Receivers never wait for each other: a dead one only falls behind on its own cursor.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use metrics::{counter, gauge, histogram};
use rand::Rng;
use serde::Deserialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::outbox::{Notice, Outbox, Outcome};
use super::receiver::Receiver;
use crate::telemetry::{
    DEAD_LETTERS, DELIVERIES, DELIVERY_SECONDS, OUTBOX_CURSOR_FAILURES, OUTBOX_PENDING,
};

/// `[delivery]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    pub retry_initial_ms: u64,
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

impl Dispatcher {
    pub async fn run(mut self, shutdown: CancellationToken) {
        let name = self.receiver.name().to_owned();
        // The dispatcher's own cursor: it moves on as notices are done even while storing
        // the cursor fails (disk full), so no notice is sent again in a loop; the stored
        // cursor catches up with the next write that succeeds.
        let mut cursor = loop {
            match self.outbox.cursor(&name) {
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
        loop {
            let next = self.outbox.next_after(&name, cursor);
            let notice = match next {
                Ok(Some(notice)) => notice,
                Ok(None) => {
                    gauge!(OUTBOX_PENDING, "receiver" => name.clone()).set(0.0);
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        changed = self.committed.changed() => if changed.is_err() { return },
                    }
                    continue;
                }
                Err(e) => {
                    tracing::error!(receiver = %name, error = %e, "reading the outbox failed; retrying");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    }
                }
            };
            if let Ok(pending) = self.outbox.pending_after(&name, cursor) {
                gauge!(OUTBOX_PENDING, "receiver" => name.clone()).set(pending as f64);
            }
            if !self.deliver(&notice, &shutdown).await {
                return;
            }
            cursor = cursor.max(notice.seq);
        }
    }

    /// Delivers one notice to the end (delivered, silenced or dead-lettered). Returns
    /// false on shutdown, leaving the cursor where it was: the notice is sent after restart.
    async fn deliver(&self, notice: &Notice, shutdown: &CancellationToken) -> bool {
        let name = self.receiver.name();
        let record = |attempt: i64, outcome: &str, detail: &str| {
            if let Err(e) = self.outbox.record_attempt(
                name,
                &notice.notice_id,
                attempt,
                outcome,
                detail,
                Utc::now(),
            ) {
                tracing::error!(receiver = name, error = %e, "recording a delivery attempt failed");
            }
        };
        let finish = |outcome: Outcome<'_>| {
            if let Err(e) = self.outbox.finish(name, notice, outcome, Utc::now()) {
                counter!(OUTBOX_CURSOR_FAILURES, "receiver" => name.to_owned()).increment(1);
                tracing::error!(receiver = name, notice = %notice.notice_id, error = %e, "storing the delivery cursor failed; moving on (a restart before the next stored cursor sends this notice again, under the same idempotency key)");
            }
        };
        if self.silenced(notice) {
            record(0, "silenced", "");
            finish(Outcome::Silenced);
            counter!(DELIVERIES, "receiver" => name.to_owned(), "outcome" => "silenced")
                .increment(1);
            return true;
        }
        let first_attempt = tokio::time::Instant::now();
        let give_up = Duration::from_secs(self.config.give_up_after_secs);
        let mut backoff = Duration::from_millis(self.config.retry_initial_ms.max(1));
        for attempt in 1.. {
            tokio::select! {
                _ = shutdown.cancelled() => return false,
                _ = self.receiver.wait_for_slot() => {}
            }
            let started = tokio::time::Instant::now();
            let sent = tokio::select! {
                _ = shutdown.cancelled() => return false,
                sent = self.receiver.send(notice) => sent,
            };
            histogram!(DELIVERY_SECONDS, "receiver" => name.to_owned())
                .record(started.elapsed().as_secs_f64());
            match sent {
                Ok(()) => {
                    record(attempt, "success", "");
                    finish(Outcome::Delivered);
                    counter!(DELIVERIES, "receiver" => name.to_owned(), "outcome" => "success")
                        .increment(1);
                    return true;
                }
                Err(error) => {
                    counter!(DELIVERIES, "receiver" => name.to_owned(), "outcome" => "failure")
                        .increment(1);
                    record(attempt, "failure", &error);
                    if first_attempt.elapsed() >= give_up {
                        tracing::error!(receiver = name, notice = %notice.notice_id, %error, "delivery given up: dead letter");
                        record(attempt, "dead_letter", &error);
                        finish(Outcome::DeadLetter(&error));
                        counter!(DEAD_LETTERS, "receiver" => name.to_owned()).increment(1);
                        counter!(DELIVERIES, "receiver" => name.to_owned(), "outcome" => "dead_letter").increment(1);
                        return true;
                    }
                    tracing::warn!(receiver = name, notice = %notice.notice_id, attempt, %error, "delivery failed; retrying");
                    let wait = backoff.mul_f64(rand::rng().random_range(0.5..1.5));
                    tokio::select! {
                        _ = shutdown.cancelled() => return false,
                        _ = tokio::time::sleep(wait) => {}
                    }
                    backoff =
                        (backoff * 2).min(Duration::from_millis(self.config.retry_max_ms.max(1)));
                }
            }
        }
        unreachable!("the attempt loop only ends by returning")
    }

    fn silenced(&self, notice: &Notice) -> bool {
        let now = Utc::now();
        match self.outbox.silences() {
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
