//! Incidents: one per event, its latest alert, the plan's steps taken, and the deadlines
//! not met.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{time, Outbox, OutboxError};

/// Steps of an incident, in the order the plan expects them.
pub const STEPS: [&str; 4] = ["ack", "verified", "responded", "closed"];

/// One incident as the query API shows it: the event's latest alert and its steps.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    pub event_id: String,
    pub level: String,
    /// `open`, `ack`, `verified`, `responded`, `closed` (the furthest step taken), and
    /// whether the event itself went quiet.
    pub state: String,
    pub resolved: bool,
    pub domains: Vec<String>,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub alert: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub step: String,
    pub at: DateTime<Utc>,
    pub by: String,
    pub comment: String,
}

/// The incident state an alert brings.
#[derive(Debug, Clone, Copy)]
pub struct IncidentUpdate<'a> {
    pub event_id: &'a str,
    pub level: &'a str,
    pub resolved: bool,
    pub domains: &'a [String],
    pub escalation_receivers: &'a [String],
    pub alert: &'a Value,
}

#[derive(Debug, Clone)]
pub struct Overdue {
    pub event_id: String,
    pub step: &'static str,
    pub level: String,
    pub receivers: Vec<String>,
    pub alert: Value,
    pub due_at: DateTime<Utc>,
}

/// Query filters of `GET /api/v1/alerts`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentFilter {
    pub level: Option<String>,
    pub state: Option<String>,
    pub domain: Option<String>,
    pub since: Option<DateTime<Utc>>,
}

impl IncidentFilter {
    fn admits(&self, incident: &Incident) -> bool {
        self.level.as_ref().is_none_or(|l| *l == incident.level)
            && self.state.as_ref().is_none_or(|s| match s.as_str() {
                "resolved" => incident.resolved,
                // Open: no step taken and the event not resolved.
                "open" => incident.state == "open" && !incident.resolved,
                step => incident.state == step,
            })
            && self
                .domain
                .as_ref()
                .is_none_or(|d| incident.domains.contains(d))
            && self.since.is_none_or(|t| incident.updated_at >= t)
    }
}

impl Outbox {
    /// Records the incident an alert belongs to (created at its first alert).
    pub fn upsert_incident(
        &self,
        incident: &IncidentUpdate<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), OutboxError> {
        upsert_incident(&self.db(), incident, now)
    }

    /// Incidents, newest first, filtered.
    pub fn incidents(&self, filter: &IncidentFilter) -> Result<Vec<Incident>, OutboxError> {
        let db = self.db();
        let mut statement = db.prepare(
            "SELECT event_id, level, resolved, domains, opened_at, updated_at, alert FROM incidents ORDER BY updated_at DESC",
        )?;
        let rows = statement.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut incidents = Vec::new();
        for row in rows {
            let (event_id, level, resolved, domains, opened_at, updated_at, alert) = row?;
            let state = self.state_locked(&db, &event_id)?;
            let incident = Incident {
                domains: serde_json::from_str(&domains).unwrap_or_default(),
                opened_at: time(opened_at),
                updated_at: time(updated_at),
                alert: serde_json::from_str(&alert).unwrap_or(Value::Null),
                state,
                resolved,
                level,
                event_id,
            };
            if filter.admits(&incident) {
                incidents.push(incident);
            }
        }
        Ok(incidents)
    }

    pub fn incident(&self, event_id: &str) -> Result<Option<Incident>, OutboxError> {
        let filter = IncidentFilter::default();
        Ok(self
            .incidents(&filter)?
            .into_iter()
            .find(|i| i.event_id == event_id))
    }

    fn state_locked(&self, db: &Connection, event_id: &str) -> Result<String, OutboxError> {
        let mut statement = db.prepare("SELECT step FROM steps WHERE event_id = ?1")?;
        let taken: Vec<String> = statement
            .query_map([event_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(STEPS
            .iter()
            .rev()
            .find(|s| taken.iter().any(|t| t == *s))
            .map_or("open", |s| *s)
            .to_owned())
    }

    pub fn steps(&self, event_id: &str) -> Result<Vec<Step>, OutboxError> {
        let db = self.db();
        let mut statement =
            db.prepare("SELECT step, at, by, comment FROM steps WHERE event_id = ?1 ORDER BY at")?;
        let rows = statement.query_map([event_id], |r| {
            Ok(Step {
                step: r.get(0)?,
                at: time(r.get(1)?),
                by: r.get(2)?,
                comment: r.get(3)?,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(OutboxError::from)
    }

    /// Records a step; returns the open → step duration, or `None` if the incident is
    /// unknown. Taking a step twice keeps the first.
    pub fn take_step(
        &self,
        event_id: &str,
        step: &str,
        by: &str,
        comment: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<(String, Duration)>, OutboxError> {
        let db = self.db();
        let incident: Option<(String, String)> = db
            .query_row(
                "SELECT level, opened_at FROM incidents WHERE event_id = ?1",
                [event_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((level, opened_at)) = incident else {
            return Ok(None);
        };
        db.execute(
            "INSERT OR IGNORE INTO steps (event_id, step, at, by, comment) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![event_id, step, at.to_rfc3339(), by, comment],
        )?;
        Ok(Some((level, at - time(opened_at))))
    }

    /// Open incidents with a step not taken whose deadline has passed and that were not yet
    /// chased: (event id, step, level, escalation receivers, latest alert).
    pub fn overdue(
        &self,
        now: DateTime<Utc>,
        deadline: impl Fn(&str, &str) -> Option<Duration>,
    ) -> Result<Vec<Overdue>, OutboxError> {
        let db = self.db();
        let mut statement = db.prepare(
            "SELECT event_id, level, opened_at, escalation_receivers, alert FROM incidents",
        )?;
        let rows: Vec<(String, String, String, String, String)> = statement
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut overdue = Vec::new();
        for (event_id, level, opened_at, receivers, alert) in rows {
            let opened_at = time(opened_at);
            let taken: Vec<String> = db
                .prepare("SELECT step FROM steps WHERE event_id = ?1")?
                .query_map([&event_id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            if taken.iter().any(|s| s == "closed") {
                continue;
            }
            for step in STEPS {
                if taken.iter().any(|s| s == step) {
                    continue;
                }
                let Some(limit) = deadline(&level, step) else {
                    continue;
                };
                if now < opened_at + limit {
                    continue;
                }
                let sent: bool = db
                    .query_row(
                        "SELECT 1 FROM overdue_sent WHERE event_id = ?1 AND step = ?2",
                        params![event_id, step],
                        |_| Ok(true),
                    )
                    .optional()?
                    .unwrap_or(false);
                if !sent {
                    overdue.push(Overdue {
                        event_id: event_id.clone(),
                        step,
                        level: level.clone(),
                        receivers: serde_json::from_str(&receivers).unwrap_or_default(),
                        alert: serde_json::from_str(&alert).unwrap_or(Value::Null),
                        due_at: opened_at + limit,
                    });
                }
            }
        }
        Ok(overdue)
    }

    pub fn mark_overdue_sent(&self, event_id: &str, step: &str) -> Result<(), OutboxError> {
        self.db().execute(
            "INSERT OR IGNORE INTO overdue_sent (event_id, step) VALUES (?1, ?2)",
            params![event_id, step],
        )?;
        Ok(())
    }
}

pub(super) fn upsert_incident(
    db: &Connection,
    incident: &IncidentUpdate<'_>,
    now: DateTime<Utc>,
) -> Result<(), OutboxError> {
    db.execute(
        "INSERT INTO incidents (event_id, level, resolved, domains, opened_at, updated_at, escalation_receivers, alert)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)
         ON CONFLICT (event_id) DO UPDATE SET level = ?2, resolved = ?3, domains = ?4, updated_at = ?5,
             escalation_receivers = ?6, alert = ?7",
        params![
            incident.event_id,
            incident.level,
            incident.resolved,
            serde_json::to_string(incident.domains).unwrap_or_default(),
            now.to_rfc3339(),
            serde_json::to_string(incident.escalation_receivers).unwrap_or_default(),
            incident.alert.to_string()
        ],
    )?;
    Ok(())
}
