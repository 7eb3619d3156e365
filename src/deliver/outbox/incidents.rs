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

/// Query filters of `GET /api/v1/alerts`, and its page.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentFilter {
    pub level: Option<String>,
    pub state: Option<String>,
    pub domain: Option<String>,
    pub since: Option<DateTime<Utc>>,
    /// Most incidents in one answer (default 100, at most 1000).
    pub limit: Option<usize>,
    /// Where the previous page ended (its `next_cursor`).
    pub cursor: Option<String>,
}

/// Incidents per page unless `limit` says otherwise, and the most a page may hold.
pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 1000;

/// One page of incidents, newest update first.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentPage {
    pub incidents: Vec<Incident>,
    /// Pass as `cursor` for the next page; `None` on the last one.
    pub next_cursor: Option<String>,
}

/// The furthest step an incident has taken, in SQL (`open` when none).
const STATE_SQL: &str = "COALESCE((SELECT s.step FROM steps s WHERE s.event_id = i.event_id
    ORDER BY CASE s.step WHEN 'closed' THEN 4 WHEN 'responded' THEN 3 WHEN 'verified' THEN 2
    WHEN 'ack' THEN 1 ELSE 0 END DESC LIMIT 1), 'open')";

/// A page cursor: the last row's (updated_at, event_id), hex-encoded so it travels in a
/// URL untouched.
fn encode_cursor(updated_at: &str, event_id: &str) -> String {
    hex::encode(format!("{updated_at}\t{event_id}"))
}

/// Whether `cursor` is one [`Outbox::incidents`] gave out.
pub fn valid_cursor(cursor: &str) -> bool {
    decode_cursor(cursor).is_some()
}

fn decode_cursor(cursor: &str) -> Option<(String, String)> {
    let text = String::from_utf8(hex::decode(cursor).ok()?).ok()?;
    let (updated_at, event_id) = text.split_once('\t')?;
    Some((updated_at.to_owned(), event_id.to_owned()))
}

fn incident_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Incident> {
    let domains: String = r.get(3)?;
    let alert: String = r.get(7)?;
    Ok(Incident {
        event_id: r.get(0)?,
        level: r.get(1)?,
        resolved: r.get(2)?,
        domains: serde_json::from_str(&domains).unwrap_or_default(),
        opened_at: time(r.get(4)?)?,
        updated_at: time(r.get(5)?)?,
        state: r.get(6)?,
        alert: serde_json::from_str(&alert).unwrap_or(Value::Null),
    })
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

    /// One page of incidents, newest update first, filtered: one query on a read
    /// connection.
    pub fn incidents(&self, filter: &IncidentFilter) -> Result<IncidentPage, OutboxError> {
        let limit = filter.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
        let after = filter.cursor.as_deref().and_then(decode_cursor);
        let state = filter.state.as_deref();
        let sql = format!(
            "SELECT * FROM (SELECT i.event_id, i.level, i.resolved, i.domains, i.opened_at, i.updated_at,
                    {STATE_SQL} AS state, i.alert FROM incidents i)
             WHERE (?1 IS NULL OR level = ?1)
               AND (?2 IS NULL OR (?2 = 'resolved' AND resolved)
                    OR (?2 = 'open' AND state = 'open' AND NOT resolved)
                    OR (?2 NOT IN ('resolved', 'open') AND state = ?2))
               AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(domains) WHERE value = ?3))
               AND (?4 IS NULL OR updated_at >= ?4)
               AND (?5 IS NULL OR updated_at < ?5 OR (updated_at = ?5 AND event_id < ?6))
             ORDER BY updated_at DESC, event_id DESC LIMIT ?7"
        );
        let db = self.reader()?;
        let mut statement = db.prepare_cached(&sql)?;
        let rows = statement.query_map(
            params![
                filter.level,
                state,
                filter.domain,
                filter.since.map(|t| t.to_rfc3339()),
                after.as_ref().map(|a| a.0.clone()),
                after.as_ref().map(|a| a.1.clone()),
                limit as i64 + 1,
            ],
            incident_row,
        )?;
        let mut incidents: Vec<Incident> = rows.collect::<Result<_, _>>()?;
        let next_cursor = if incidents.len() > limit {
            incidents.truncate(limit);
            incidents
                .last()
                .map(|i| encode_cursor(&i.updated_at.to_rfc3339(), &i.event_id))
        } else {
            None
        };
        Ok(IncidentPage {
            incidents,
            next_cursor,
        })
    }

    /// Every incident the filter admits, page after page (the wall's snapshot).
    pub fn all_incidents(&self, filter: &IncidentFilter) -> Result<Vec<Incident>, OutboxError> {
        let mut filter = IncidentFilter {
            limit: Some(MAX_PAGE),
            ..filter.clone()
        };
        let mut all = Vec::new();
        loop {
            let page = self.incidents(&filter)?;
            all.extend(page.incidents);
            match page.next_cursor {
                Some(cursor) => filter.cursor = Some(cursor),
                None => return Ok(all),
            }
        }
    }

    /// One incident: one query.
    pub fn incident(&self, event_id: &str) -> Result<Option<Incident>, OutboxError> {
        let sql = format!(
            "SELECT i.event_id, i.level, i.resolved, i.domains, i.opened_at, i.updated_at,
                    {STATE_SQL} AS state, i.alert FROM incidents i WHERE i.event_id = ?1"
        );
        let db = self.reader()?;
        let incident = db.query_row(&sql, [event_id], incident_row).optional()?;
        Ok(incident)
    }

    pub fn steps(&self, event_id: &str) -> Result<Vec<Step>, OutboxError> {
        let db = self.reader()?;
        let mut statement =
            db.prepare("SELECT step, at, by, comment FROM steps WHERE event_id = ?1 ORDER BY at")?;
        let rows = statement.query_map([event_id], |r| {
            Ok(Step {
                step: r.get(0)?,
                at: time(r.get(1)?)?,
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
        Ok(Some((level, at - time(opened_at)?)))
    }

    /// Open incidents with a step not taken whose deadline has passed and that were not yet
    /// chased: one query for the incidents with their steps and chases, on a read
    /// connection.
    pub fn overdue(
        &self,
        now: DateTime<Utc>,
        deadline: impl Fn(&str, &str) -> Option<Duration>,
    ) -> Result<Vec<Overdue>, OutboxError> {
        let db = self.reader()?;
        let mut statement = db.prepare_cached(
            "SELECT i.event_id, i.level, i.opened_at, i.escalation_receivers, i.alert,
                    (SELECT group_concat(step) FROM steps s WHERE s.event_id = i.event_id),
                    (SELECT group_concat(step) FROM overdue_sent o WHERE o.event_id = i.event_id)
             FROM incidents i
             WHERE NOT EXISTS (SELECT 1 FROM steps s WHERE s.event_id = i.event_id AND s.step = 'closed')",
        )?;
        let rows = statement.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                time(r.get(2)?)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                r.get::<_, Option<String>>(6)?.unwrap_or_default(),
            ))
        })?;
        let mut overdue = Vec::new();
        for row in rows {
            let (event_id, level, opened_at, receivers, alert, taken, chased) = row?;
            let taken: Vec<&str> = taken.split(',').collect();
            let chased: Vec<&str> = chased.split(',').collect();
            for step in STEPS {
                if taken.contains(&step) || chased.contains(&step) {
                    continue;
                }
                let Some(limit) = deadline(&level, step) else {
                    continue;
                };
                if now < opened_at + limit {
                    continue;
                }
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
    upsert_incident_text(db, incident, &incident.alert.to_string(), now)
}

/// [`upsert_incident`] with the alert's JSON text already written (`alert_text` is
/// `incident.alert` as text): the commit stage writes each alert's text once, for the
/// incident and its notice.
pub(super) fn upsert_incident_text(
    db: &Connection,
    incident: &IncidentUpdate<'_>,
    alert_text: &str,
    now: DateTime<Utc>,
) -> Result<(), OutboxError> {
    // Cached: the commit stage runs this for every alert.
    db.prepare_cached(
        "INSERT INTO incidents (event_id, level, resolved, domains, opened_at, updated_at, escalation_receivers, alert)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)
         ON CONFLICT (event_id) DO UPDATE SET level = ?2, resolved = ?3, domains = ?4, updated_at = ?5,
             escalation_receivers = ?6, alert = ?7",
    )?
    .execute(params![
        incident.event_id,
        incident.level,
        incident.resolved,
        serde_json::to_string(incident.domains).unwrap_or_default(),
        now.to_rfc3339(),
        serde_json::to_string(incident.escalation_receivers).unwrap_or_default(),
        alert_text
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unparsable_stored_time_is_an_error_not_1970() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let alert = serde_json::json!({});
        let update = IncidentUpdate {
            event_id: "evt-1",
            level: "red",
            resolved: false,
            domains: &[],
            escalation_receivers: &[],
            alert: &alert,
        };
        outbox.upsert_incident(&update, Utc::now()).unwrap();
        outbox
            .db()
            .execute("UPDATE incidents SET opened_at = 'yesterday'", [])
            .unwrap();
        let error = outbox.incident("evt-1").unwrap_err().to_string();
        assert!(error.contains("yesterday"), "{error}");
        assert!(outbox.incidents(&IncidentFilter::default()).is_err());
    }

    #[test]
    fn incidents_come_in_pages_that_cover_them_all_once() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let alert = serde_json::json!({});
        let start = Utc::now();
        for i in 0..7 {
            let id = format!("evt-{i}");
            let update = IncidentUpdate {
                event_id: &id,
                level: if i % 2 == 0 { "red" } else { "yellow" },
                resolved: false,
                domains: &[],
                escalation_receivers: &[],
                alert: &alert,
            };
            // Two incidents share each update time: the cursor must tell them apart.
            outbox
                .upsert_incident(&update, start + Duration::seconds(i / 2))
                .unwrap();
        }
        let mut seen = Vec::new();
        let mut filter = IncidentFilter {
            limit: Some(2),
            ..IncidentFilter::default()
        };
        loop {
            let page = outbox.incidents(&filter).unwrap();
            assert!(page.incidents.len() <= 2);
            seen.extend(page.incidents.into_iter().map(|i| i.event_id));
            match page.next_cursor {
                Some(cursor) => filter.cursor = Some(cursor),
                None => break,
            }
        }
        assert_eq!(
            seen,
            ["evt-6", "evt-5", "evt-4", "evt-3", "evt-2", "evt-1", "evt-0"]
        );
        let red = IncidentFilter {
            level: Some("red".into()),
            ..IncidentFilter::default()
        };
        assert_eq!(outbox.incidents(&red).unwrap().incidents.len(), 4);
    }
}
