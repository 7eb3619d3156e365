//! The commit stage: every alert is routed and committed to the outbox (and its incident
//! updated) before anything else sees it; then it goes to the JSON-lines output, and the
//! receivers are woken.

use std::sync::Arc;
use std::thread::JoinHandle;

use chrono::Utc;
use crossbeam_channel::{Receiver, Sender};
use serde_json::json;
use tokio::sync::watch;

use super::outbox::{IncidentUpdate, NewNotice, Outbox};
use super::route::{route, Route};
use crate::grade::{Alert, AlertKind};

pub struct CommitStage {
    pub alerts: Receiver<Alert>,
    pub outbox: Arc<Outbox>,
    pub routes: Vec<Route>,
    pub receivers: Vec<String>,
    /// The JSON-lines output, after the commit.
    pub output: Sender<Alert>,
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
        for alert in self.alerts.iter() {
            // An alert that cannot be committed is still written to the output and logged:
            // the wall display must not miss it because the disk is full.
            if let Err(e) = self.commit(&alert) {
                tracing::error!(alert = %alert.alert_id, error = %e, "committing an alert to the outbox failed");
            }
            let _ = self.output.send(alert);
        }
    }

    fn commit(&self, alert: &Alert) -> Result<(), super::outbox::OutboxError> {
        let now = Utc::now();
        let alert_json = serde_json::to_value(alert).unwrap_or_default();
        let (receivers, escalate_to) = route(&self.routes, &self.receivers, &alert_json);
        let kind = serde_json::to_value(alert.kind)
            .ok()
            .and_then(|k| k.as_str().map(str::to_owned))
            .unwrap_or_default();
        let incident = IncidentUpdate {
            event_id: &alert.event_id,
            level: alert.level.label(),
            resolved: alert.kind == AlertKind::Resolved,
            domains: &alert.domains,
            escalation_receivers: &escalate_to,
            alert: &alert_json,
        };
        self.outbox.upsert_incident(&incident, now)?;
        let body = json!({ "alert": alert_json, "overdue": null });
        let notice = NewNotice {
            notice_id: &alert.alert_id,
            event_id: &alert.event_id,
            kind: &kind,
            level: alert.level.label(),
            body: &body,
        };
        if let Some(seq) = self.outbox.append(&notice, &receivers, now)? {
            self.committed.send_replace(seq);
        }
        Ok(())
    }
}
