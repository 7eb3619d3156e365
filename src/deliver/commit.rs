//! The commit stage: every alert is routed and committed to the outbox (and its incident
//! updated) before anything else sees it; then it goes to the JSON-lines output, and the
//! receivers are woken.
//!
//! A commit that fails (disk full, I/O error) keeps its alerts: the stage retries it with
//! backoff and takes nothing new meanwhile, so the bounded channels behind it fill and the
//! pipeline waits (sources answer 429/503) instead of dropping alerts. Readiness reports
//! the failure (`Outbox::commit_error`) until a retry succeeds.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use chrono::Utc;
use crossbeam_channel::Receiver;
use serde_json::json;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::deadlines::{next_deadline, DeadlinesConfig};
use super::outbox::{
    AlertCommit, IncidentUpdate, NewNotice, Outbox, Progress, StepOutcome, StepTake, JOINT_RESPONSE,
};
use super::route::{route, Route};
use crate::grade::{Alert, AlertKind};
use crate::output::Output;
use crate::telemetry::{DEADLINE_STEP_SECONDS, OUTBOX_COMMIT_FAILURES};

pub struct CommitStage {
    pub alerts: Receiver<Alert>,
    pub outbox: Arc<Outbox>,
    /// Reloadable (`reconfigure`): read once per batch of alerts.
    pub routes: Arc<ArcSwap<Vec<Route>>>,
    pub receivers: Arc<ArcSwap<Vec<String>>>,
    /// The JSON-lines output and live broadcast, offered each alert after the commit
    /// (never waited for when live: see [`super::output`]).
    pub output: Output<Alert>,
    /// The plan's deadlines (reloadable): each notice names its incident's next one.
    pub deadlines: Arc<ArcSwap<DeadlinesConfig>>,
    /// Bumped after each commit: the dispatchers' wake-up.
    pub committed: watch::Sender<i64>,
    /// Engine shutdown: a commit still failing `SHUTDOWN_GRACE` after it gives up.
    pub stop: CancellationToken,
}

impl CommitStage {
    pub fn spawn(self) -> std::io::Result<JoinHandle<()>> {
        std::thread::Builder::new()
            .name("commit".into())
            .spawn(move || self.run())
    }

    fn run(self) {
        // Group commit: whatever alerts are waiting go in one transaction.
        while let Ok(first) = self.alerts.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match self.alerts.try_recv() {
                    Ok(alert) => batch.push(alert),
                    Err(_) => break,
                }
            }
            let committed = self.commit_until_done(&batch);
            for mut alert in batch {
                // Committed: the frames that caused these alerts are handled. Not committed
                // (only when shutting down on a failing disk): they must not be
                // acknowledged upstream.
                if let Some(completion) = alert.completion.take() {
                    if !committed {
                        completion.fail();
                    }
                }
                self.output.offer(alert);
            }
        }
    }

    /// Commits `batch`, retrying with backoff for as long as it fails. Only a shutdown
    /// can end the wait uncommitted (after `SHUTDOWN_GRACE`), and says so loudly: those
    /// alerts are then only in the JSON-lines output.
    fn commit_until_done(&self, batch: &[Alert]) -> bool {
        let mut backoff = RETRY_INITIAL;
        let mut failing_since: Option<Instant> = None;
        let mut stop_seen: Option<Instant> = None;
        loop {
            let error = match self.commit(batch) {
                Ok(()) => {
                    if let Some(since) = failing_since {
                        tracing::warn!(
                            alerts = batch.len(),
                            failed_for_secs = since.elapsed().as_secs_f64(),
                            "outbox writable again; held alerts committed"
                        );
                    }
                    return true;
                }
                Err(e) => e,
            };
            failing_since.get_or_insert_with(Instant::now);
            metrics::counter!(OUTBOX_COMMIT_FAILURES).increment(1);
            if self.stop.is_cancelled() {
                let seen = *stop_seen.get_or_insert_with(Instant::now);
                if seen.elapsed() >= SHUTDOWN_GRACE {
                    tracing::error!(alerts = batch.len(), error = %error, "shutting down with the outbox still failing: these alerts were NOT committed (they are in the JSON-lines output only)");
                    return false;
                }
            }
            tracing::error!(
                alerts = batch.len(),
                error = %error,
                retry_in_ms = backoff.as_millis() as u64,
                "committing alerts to the outbox failed; holding them (and the pipeline) and retrying"
            );
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(RETRY_MAX);
        }
    }

    fn commit(&self, batch: &[Alert]) -> Result<(), super::outbox::OutboxError> {
        let now = Utc::now();
        let prepared: Vec<Prepared> = batch.iter().map(|alert| self.prepare(alert)).collect();
        let commits: Vec<AlertCommit<'_>> = batch
            .iter()
            .zip(&prepared)
            .map(|(alert, p)| AlertCommit {
                incident: IncidentUpdate {
                    event_id: &alert.event_id,
                    level: alert.level.label(),
                    resolved: alert.kind == AlertKind::Resolved,
                    domains: &alert.domains,
                    escalation_receivers: &p.escalate_to,
                    // The alert inside the body itself: the outbox writes its text once.
                    alert: &p.body["alert"],
                },
                notice: NewNotice {
                    notice_id: &alert.alert_id,
                    event_id: &alert.event_id,
                    kind: &p.kind,
                    level: alert.level.label(),
                    body: &p.body,
                },
                receivers: &p.receivers,
            })
            .collect();
        // Departments first: a screen woken by the commit shows whom the response needs.
        for (alert, p) in batch.iter().zip(&prepared) {
            self.outbox
                .require_departments(&alert.event_id, &p.departments)?;
        }
        let next_deadline = |progress: &Progress<'_>| self.next_deadline(progress);
        if let Some(seq) = self.outbox.commit_alerts(&commits, now, &next_deadline)? {
            self.committed.send_replace(seq);
        }
        for alert in batch {
            self.record_response(alert, now)?;
        }
        Ok(())
    }

    /// An alert carrying an official statement records the incident's `responded` step
    /// (once; later alerts carrying it find it taken), with the post's link, and the time
    /// from opening into the deadline histogram. At the statement's time, or now if that
    /// is before the incident opened here (a replay of an old feed).
    fn record_response(
        &self,
        alert: &Alert,
        now: chrono::DateTime<Utc>,
    ) -> Result<(), super::outbox::OutboxError> {
        let Some(response) = &alert.response else {
            return Ok(());
        };
        let comment = format!(
            "{} {} {}: {}",
            response.kind,
            response.at.to_rfc3339(),
            response.url.as_deref().unwrap_or(&response.post_id),
            response.excerpt
        );
        let mut take = StepTake {
            event_id: &alert.event_id,
            step: "responded",
            department: None,
            by: &response.account,
            comment: &comment,
            at: response.at,
        };
        let mut outcome = self.outbox.record_step(&take, now)?;
        if let StepOutcome::BeforeOpened { .. } = outcome {
            take.at = now;
            outcome = self.outbox.record_step(&take, now)?;
        }
        if let StepOutcome::Taken(taken) = outcome {
            for (name, elapsed) in &taken.met {
                metrics::histogram!(DEADLINE_STEP_SECONDS, "level" => taken.level.clone(), "step" => *name)
                    .record(elapsed.num_milliseconds() as f64 / 1000.0);
            }
            if let Some(seq) = taken.seq {
                self.committed.send_replace(seq);
            }
        }
        Ok(())
    }

    /// The next deadline of an incident, as a notice carries it: the step, when it is due
    /// and, for the joint response, the departments still missing. `Null` once resolved
    /// or every chased step is taken.
    fn next_deadline(&self, progress: &Progress<'_>) -> serde_json::Value {
        if progress.resolved {
            return serde_json::Value::Null;
        }
        let schedule = self.deadlines.load().schedule(
            progress.level,
            progress.opened_at,
            !progress.departments.is_empty(),
            |step| progress.steps.iter().find(|s| s.step == step).map(|s| s.at),
        );
        let Some(due) = next_deadline(&schedule) else {
            return serde_json::Value::Null;
        };
        let mut value = json!({ "step": due.step, "due_at": due.due_at });
        if due.step == JOINT_RESPONSE {
            let missing: Vec<&str> = progress
                .departments
                .iter()
                .filter(|d| d.at.is_none())
                .map(|d| d.department.as_str())
                .collect();
            value["missing_departments"] = json!(missing);
        }
        value
    }

    /// The routing and JSON of one alert.
    fn prepare(&self, alert: &Alert) -> Prepared {
        let alert_json = serde_json::to_value(alert).unwrap_or_default();
        let (routes, names) = (self.routes.load(), self.receivers.load());
        let (receivers, escalate_to) = route(&routes, &names, &alert_json);
        let kind = alert.kind.label().to_owned();
        let departments = super::joint::departments_for(&routes, &alert_json);
        // `{"alert": …, "overdue": null}`, the alert moved in rather than copied.
        let mut body = serde_json::Map::new();
        body.insert("alert".to_owned(), alert_json);
        body.insert("overdue".to_owned(), serde_json::Value::Null);
        Prepared {
            departments,
            body: serde_json::Value::Object(body),
            kind,
            receivers,
            escalate_to,
        }
    }
}

/// Most alerts committed in one transaction.
const MAX_BATCH: usize = 512;

/// First wait before retrying a failed commit; doubled up to `RETRY_MAX`, which is short
/// so that alerts flow again within seconds of space coming back.
const RETRY_INITIAL: Duration = Duration::from_millis(50);
const RETRY_MAX: Duration = Duration::from_secs(2);

/// How long a shutdown waits for a failing commit before giving it up.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

struct Prepared {
    /// `{"alert": the alert, "overdue": null}`: the notice's body, holding the incident's
    /// alert.
    body: serde_json::Value,
    kind: String,
    receivers: Vec<String>,
    escalate_to: Vec<String>,
    /// Departments that must join the response (joint response).
    departments: Vec<String>,
}
