//! The 30-minute joint response (联合响应): routes name the departments that must join an
//! alert's response; the commit stage records them on the incident; each department
//! acknowledges for itself; the departments still missing when the deadline passes are
//! chased by name, once, through the outbox like any overdue step.

use chrono::{DateTime, Utc};
use metrics::counter;
use serde_json::{json, Value};
use tokio::sync::watch;

use super::deadlines::DeadlinesConfig;
use super::outbox::{NewNotice, Outbox, OutboxError, JOINT_RESPONSE};
use super::route::Route;
use crate::telemetry::DEADLINES_OVERDUE;

/// The departments every matching route names, in route order, walking the routes as
/// [`super::route::route`] does (stopping at the first match without `continue`).
pub fn departments_for(routes: &[Route], alert: &Value) -> Vec<String> {
    let mut departments: Vec<String> = Vec::new();
    for route in routes {
        if !route.matchers.matches(alert) {
            continue;
        }
        for department in &route.departments {
            if !departments.contains(department) {
                departments.push(department.clone());
            }
        }
        if !route.continue_matching {
            break;
        }
    }
    departments
}

/// Sends an `overdue` notice naming the missing departments for each incident whose
/// joint response is late; returns how many.
pub fn chase_joint_response(
    outbox: &Outbox,
    config: &DeadlinesConfig,
    committed: &watch::Sender<i64>,
    now: DateTime<Utc>,
) -> Result<usize, OutboxError> {
    let overdue = outbox.joint_overdue(now, |level| config.deadline(level, JOINT_RESPONSE))?;
    for item in &overdue {
        let notice_id = format!(
            "{}:overdue:{JOINT_RESPONSE}",
            item.alert["alert_id"].as_str().unwrap_or(&item.event_id)
        );
        let body = json!({
            "alert": item.alert,
            "overdue": { "step": JOINT_RESPONSE, "due_at": item.due_at, "noticed_at": now,
                         "missing_departments": item.missing },
        });
        tracing::warn!(event = %item.event_id, missing = ?item.missing, level = %item.level,
            "joint response overdue; chasing the departments missing");
        counter!(DEADLINES_OVERDUE, "level" => item.level.clone(), "step" => JOINT_RESPONSE)
            .increment(1);
        let notice = NewNotice {
            notice_id: &notice_id,
            event_id: &item.event_id,
            kind: "overdue",
            level: &item.level,
            body: &body,
        };
        if let Some(seq) = outbox.append(&notice, &item.receivers, now)? {
            committed.send_replace(seq);
        }
        outbox.mark_overdue_sent(&item.event_id, JOINT_RESPONSE)?;
    }
    Ok(overdue.len())
}
