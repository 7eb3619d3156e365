//! The commit stage: every alert is routed and committed to the outbox (and its incident
//! updated) before anything else sees it; then it goes to the JSON-lines output, and the
//! receivers are woken.

use std::sync::Arc;
use std::thread::JoinHandle;

use chrono::Utc;
use crossbeam_channel::Receiver;
use serde_json::json;
use tokio::sync::watch;

use super::outbox::{AlertCommit, IncidentUpdate, NewNotice, Outbox, StepOutcome, StepTake};
use super::route::{route, Route};
use crate::grade::{Alert, AlertKind};
use crate::output::Output;
use crate::telemetry::DEADLINE_STEP_SECONDS;

pub struct CommitStage {
    pub alerts: Receiver<Alert>,
    pub outbox: Arc<Outbox>,
    pub routes: Vec<Route>,
    pub receivers: Vec<String>,
    /// The JSON-lines output and live broadcast, offered each alert after the commit
    /// (never waited for when live: see [`super::output`]).
    pub output: Output<Alert>,
    /// Bumped after each commit: the dispatchers' wake-up.
    pub committed: watch::Sender<i64>,
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
            // Alerts that cannot be committed are still written to the output and logged:
            // the wall display must not miss them because the disk is full.
            let committed = self.commit(&batch);
            if let Err(e) = &committed {
                tracing::error!(alerts = batch.len(), error = %e, "committing alerts to the outbox failed");
            }
            for mut alert in batch {
                // Committed (or failed): the frames that caused these alerts are handled,
                // or must not be acknowledged upstream.
                if let Some(completion) = alert.completion.take() {
                    if committed.is_err() {
                        completion.fail();
                    }
                }
                self.output.offer(alert);
            }
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
                    alert: &p.alert,
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
        if let Some(seq) = self.outbox.commit_alerts(&commits, now)? {
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

    /// The routing and JSON of one alert.
    fn prepare(&self, alert: &Alert) -> Prepared {
        let alert_json = serde_json::to_value(alert).unwrap_or_default();
        let (receivers, escalate_to) = route(&self.routes, &self.receivers, &alert_json);
        let kind = alert.kind.label().to_owned();
        let body = json!({ "alert": alert_json, "overdue": null });
        let departments = super::joint::departments_for(&self.routes, &alert_json);
        Prepared {
            departments,
            alert: alert_json,
            body,
            kind,
            receivers,
            escalate_to,
        }
    }
}

/// Most alerts committed in one transaction.
const MAX_BATCH: usize = 512;

struct Prepared {
    alert: serde_json::Value,
    body: serde_json::Value,
    kind: String,
    receivers: Vec<String>,
    escalate_to: Vec<String>,
    /// Departments that must join the response (joint response).
    departments: Vec<String>,
}
