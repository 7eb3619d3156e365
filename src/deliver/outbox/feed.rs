//! The outbox as a feed for screens: notices after a sequence number, and a consistent
//! snapshot of the open incidents at one sequence number. The wall display
//! (`/ws/alerts`) reads through these, so a screen that reconnects resumes from the
//! durable sequence, not from an in-memory broadcast that may have moved on.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use super::{time, DepartmentAck, Incident, Outbox, OutboxError, Step, STEPS};

/// One committed notice, as a screen needs to know of it (the body stays in the outbox).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FeedEntry {
    pub seq: i64,
    pub event_id: String,
    /// `opened`, `escalated`, `updated`, `resolved`, `overdue`, or `step`.
    pub kind: String,
    pub level: String,
    pub created_at: DateTime<Utc>,
}

/// An incident with what a screen shows beside its latest alert: its steps, when it last
/// opened or escalated, and its velocity curve over the notices kept.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    #[serde(flatten)]
    pub incident: Incident,
    pub steps: Vec<Step>,
    /// Departments that must join the response, and their acknowledgements.
    pub departments: Vec<DepartmentAck>,
    /// The newest `opened` or `escalated` notice (screens sort on it).
    pub escalated_at: DateTime<Utc>,
    /// Posts per minute by event minute (Unix minute → posts), merged from every alert
    /// of the incident (each carries the last 15 minutes).
    pub curve: BTreeMap<i64, u64>,
}

impl IncidentView {
    /// Whether the incident belongs on the wall: not resolved, not closed.
    pub fn active(&self) -> bool {
        !self.incident.resolved && self.incident.state != "closed"
    }
}

/// Open incidents at one sequence number.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// The newest sequence number the snapshot includes: deltas resume after it.
    pub seq: i64,
    pub incidents: Vec<IncidentView>,
}

impl Outbox {
    /// The newest committed sequence number (0 when empty).
    pub fn head_seq(&self) -> Result<i64, OutboxError> {
        head_seq(&*self.reader()?)
    }

    /// The oldest sequence number still kept (pruning removes older ones); `None` when empty.
    pub fn oldest_seq(&self) -> Result<Option<i64>, OutboxError> {
        Ok(self
            .db()
            .query_row("SELECT MIN(seq) FROM notices", [], |r| r.get(0))
            .optional()?
            .flatten())
    }

    /// Up to `limit` notices after `seq`, oldest first.
    pub fn feed_after(&self, seq: i64, limit: usize) -> Result<Vec<FeedEntry>, OutboxError> {
        let db = self.reader()?;
        let mut statement = db.prepare_cached(
            "SELECT seq, event_id, kind, level, created_at FROM notices WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = statement.query_map(params![seq, limit as i64], |r| {
            Ok(FeedEntry {
                seq: r.get(0)?,
                event_id: r.get(1)?,
                kind: r.get(2)?,
                level: r.get(3)?,
                created_at: time(r.get(4)?)?,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(OutboxError::from)
    }

    /// One incident with its steps and curve, or `None` if unknown.
    pub fn incident_view(&self, event_id: &str) -> Result<Option<IncidentView>, OutboxError> {
        let db = self.reader()?;
        let row = db
            .prepare_cached(
                "SELECT level, resolved, domains, opened_at, updated_at, alert FROM incidents WHERE event_id = ?1",
            )?
            .query_row([event_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .optional()?;
        let Some((level, resolved, domains, opened_at, updated_at, alert)) = row else {
            return Ok(None);
        };
        let steps = steps_of(&db, event_id)?;
        let state = STEPS
            .iter()
            .rev()
            .find(|s| steps.iter().any(|t| t.step == **s))
            .map_or("open", |s| *s)
            .to_owned();
        let incident = Incident {
            event_id: event_id.to_owned(),
            level,
            state,
            resolved,
            domains: serde_json::from_str(&domains).unwrap_or_default(),
            opened_at: time(opened_at)?,
            updated_at: time(updated_at)?,
            alert: serde_json::from_str(&alert).unwrap_or(Value::Null),
        };
        Ok(Some(view_of(&db, incident)?))
    }

    /// Active incidents (not resolved, not closed) by level.
    pub fn open_counts(&self) -> Result<BTreeMap<String, i64>, OutboxError> {
        let db = self.reader()?;
        let mut statement = db.prepare_cached(
            "SELECT level, COUNT(*) FROM incidents WHERE resolved = 0
             AND event_id NOT IN (SELECT event_id FROM steps WHERE step = 'closed') GROUP BY level",
        )?;
        let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>().map_err(OutboxError::from)
    }

    /// How many notices are dead letters for some receiver.
    pub fn dead_letter_count(&self) -> Result<i64, OutboxError> {
        Ok(self
            .db()
            .query_row("SELECT COUNT(*) FROM dead_letters", [], |r| r.get(0))?)
    }

    /// The active incidents (not resolved, not closed) and a sequence number they are at
    /// least as new as. The sequence is read first: a notice committed meanwhile is both
    /// in the snapshot and sent again as a delta, which a screen applies idempotently;
    /// none can fall between the two.
    pub fn snapshot(&self) -> Result<Snapshot, OutboxError> {
        let seq = self.head_seq()?;
        let active: Vec<String> = {
            let db = self.reader()?;
            let mut statement = db.prepare_cached(
                "SELECT event_id FROM incidents WHERE resolved = 0
                 AND event_id NOT IN (SELECT event_id FROM steps WHERE step = 'closed')
                 ORDER BY updated_at DESC",
            )?;
            let rows = statement.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut incidents = Vec::with_capacity(active.len());
        for event_id in active {
            if let Some(view) = self.incident_view(&event_id)? {
                incidents.push(view);
            }
        }
        Ok(Snapshot { seq, incidents })
    }

    /// Receivers whose latest delivery attempt failed (retrying or dead-lettered).
    pub fn failing_receivers(&self) -> Result<Vec<String>, OutboxError> {
        let db = self.reader()?;
        let mut statement = db.prepare_cached(
            "SELECT receiver FROM attempts a WHERE rowid = (SELECT MAX(rowid) FROM attempts b WHERE b.receiver = a.receiver)
             AND outcome IN ('failure', 'dead_letter') ORDER BY receiver",
        )?;
        let rows = statement.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>().map_err(OutboxError::from)
    }
}

fn head_seq(db: &Connection) -> Result<i64, OutboxError> {
    Ok(db
        .query_row("SELECT MAX(seq) FROM notices", [], |r| {
            r.get::<_, Option<i64>>(0)
        })?
        .unwrap_or(0))
}

fn view_of(db: &Connection, incident: Incident) -> Result<IncidentView, OutboxError> {
    let escalated_at: Option<String> = db
        .prepare_cached(
            "SELECT MAX(created_at) FROM notices WHERE event_id = ?1 AND kind IN ('opened', 'escalated')",
        )?
        .query_row([&incident.event_id], |r| r.get(0))?;
    // The newest alerts only: each carries 15 minutes, updates come at most every 15
    // minutes, so these cover the hour a screen draws without reading a long incident's
    // every notice.
    let mut statement = db.prepare_cached(
        "SELECT body FROM notices WHERE event_id = ?1 AND kind IN ('opened', 'escalated', 'updated', 'resolved')
         ORDER BY seq DESC LIMIT ?2",
    )?;
    let bodies: Vec<String> = statement
        .query_map(params![&incident.event_id, CURVE_NOTICES], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut curve = BTreeMap::new();
    for body in bodies.iter().rev() {
        let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        merge_velocity(&mut curve, &body["alert"]);
    }
    merge_velocity(&mut curve, &incident.alert);
    let steps = steps_of(db, &incident.event_id)?;
    let departments = super::workflow::departments_of(db, &incident.event_id)?;
    Ok(IncidentView {
        departments,
        escalated_at: escalated_at
            .map(time)
            .transpose()?
            .unwrap_or(incident.opened_at),
        incident,
        steps,
        curve,
    })
}

/// How many of an incident's newest alerts its curve is merged from.
const CURVE_NOTICES: i64 = 8;

/// Adds an alert's `velocity` (posts per minute, oldest first, ending at the minute of
/// `at`) to `curve`; a later alert's count for a minute replaces an earlier one's.
pub fn merge_velocity(curve: &mut BTreeMap<i64, u64>, alert: &Value) {
    let Some(at) = alert["at"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
    else {
        return;
    };
    let Some(velocity) = alert["velocity"].as_array() else {
        return;
    };
    let end = at.timestamp().div_euclid(60);
    let first = end - velocity.len() as i64 + 1;
    for (i, count) in velocity.iter().enumerate() {
        if let Some(count) = count.as_u64() {
            curve.insert(first + i as i64, count);
        }
    }
}

pub(super) fn steps_of(db: &Connection, event_id: &str) -> Result<Vec<Step>, OutboxError> {
    let mut statement = db.prepare_cached(
        "SELECT step, at, by, comment FROM steps WHERE event_id = ?1 ORDER BY at",
    )?;
    let rows = statement.query_map([event_id], |r| {
        Ok(Step {
            step: r.get(0)?,
            at: time(r.get(1)?)?,
            by: r.get(2)?,
            comment: r.get(3)?,
        })
    })?;
    let mut steps: Vec<Step> = rows.collect::<Result<_, _>>()?;
    steps.sort_by_key(|s| {
        STEPS
            .iter()
            .position(|t| *t == s.step)
            .unwrap_or(STEPS.len())
    });
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn velocity_of_later_alerts_overwrites_and_extends_the_curve() {
        let mut curve = BTreeMap::new();
        merge_velocity(
            &mut curve,
            &json!({"at": "2026-11-28T02:02:00Z", "velocity": [1, 2, 3]}),
        );
        merge_velocity(
            &mut curve,
            &json!({"at": "2026-11-28T02:03:00Z", "velocity": [5, 7]}),
        );
        let end = DateTime::parse_from_rfc3339("2026-11-28T02:03:00Z")
            .unwrap()
            .timestamp()
            / 60;
        assert_eq!(
            curve.into_iter().collect::<Vec<_>>(),
            [(end - 3, 1), (end - 2, 2), (end - 1, 5), (end, 7)]
        );
    }
}
