//! The durable outbox (SQLite, WAL): every notice is committed here before any receiver
//! sees it; each receiver keeps its own cursor, so a restart resumes every receiver where
//! it stopped. Incidents (one per event), their steps, silences, delivery attempts and
//! dead letters live here too, so the API can answer from one place.

use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A message for receivers: an alert, or a deadline-overdue reminder about one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Notice {
    /// Outbox sequence number (delivery order).
    pub seq: i64,
    /// Unique and stable: the alert id, or `{alert_id}:overdue:{step}`. Sent as the
    /// `Idempotency-Key`, so a retried notice can be recognised.
    pub notice_id: String,
    pub event_id: String,
    /// `opened`, `escalated`, `updated`, `resolved`, or `overdue`.
    pub kind: String,
    pub level: String,
    pub body: Value,
}

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

#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub notice_id: String,
    pub receiver: String,
    pub attempt: i64,
    pub at: DateTime<Utc>,
    /// `success`, `failure`, `silenced`, `dead_letter`.
    pub outcome: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Silence {
    #[serde(default)]
    pub id: i64,
    pub matchers: super::route::Matchers,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(default)]
    pub comment: String,
}

/// Steps of an incident, in the order the plan expects them.
pub const STEPS: [&str; 4] = ["ack", "verified", "responded", "closed"];

#[derive(Debug, thiserror::Error)]
#[error("outbox: {0}")]
pub struct OutboxError(#[from] rusqlite::Error);

pub struct Outbox {
    /// One connection: SQLite serializes writers anyway, and every statement here is
    /// short. A std mutex, held only for the statement, never across an await.
    db: Mutex<Connection>,
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS notices (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id TEXT NOT NULL UNIQUE,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notice_receivers (
    seq INTEGER NOT NULL,
    receiver TEXT NOT NULL,
    PRIMARY KEY (receiver, seq)
);
CREATE TABLE IF NOT EXISTS cursors (
    receiver TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    notice_id TEXT NOT NULL,
    receiver TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_notice ON attempts (notice_id);
CREATE TABLE IF NOT EXISTS dead_letters (
    notice_id TEXT NOT NULL,
    receiver TEXT NOT NULL,
    at TEXT NOT NULL,
    error TEXT NOT NULL,
    PRIMARY KEY (notice_id, receiver)
);
CREATE TABLE IF NOT EXISTS incidents (
    event_id TEXT PRIMARY KEY,
    level TEXT NOT NULL,
    resolved INTEGER NOT NULL DEFAULT 0,
    domains TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    escalation_receivers TEXT NOT NULL,
    alert TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS steps (
    event_id TEXT NOT NULL,
    step TEXT NOT NULL,
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    comment TEXT NOT NULL,
    PRIMARY KEY (event_id, step)
);
CREATE TABLE IF NOT EXISTS overdue_sent (
    event_id TEXT NOT NULL,
    step TEXT NOT NULL,
    PRIMARY KEY (event_id, step)
);
CREATE TABLE IF NOT EXISTS silences (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    matchers TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    comment TEXT NOT NULL
);
";

fn time(text: String) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

impl Outbox {
    /// Opens (creating) `dir/outbox.db`.
    pub fn open(dir: &Path) -> Result<Outbox, OutboxError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| rusqlite::Error::InvalidPath(dir.join(format!("(cannot create: {e})"))))?;
        let db = Connection::open(dir.join("outbox.db"))?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        db.execute_batch(SCHEMA)?;
        Ok(Outbox { db: Mutex::new(db) })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a write goes through (for readiness).
    pub fn writable(&self) -> Result<(), OutboxError> {
        self.db().execute_batch("BEGIN IMMEDIATE; ROLLBACK;")?;
        Ok(())
    }

    /// Commits a notice for `receivers`; an already committed `notice_id` (a restart
    /// re-emitting the same alert) is ignored. Returns the sequence number if new.
    pub fn append(
        &self,
        notice: &NewNotice<'_>,
        receivers: &[String],
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, OutboxError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let seq = insert_notice(&tx, notice, receivers, now)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Records the incident an alert belongs to (created at its first alert).
    pub fn upsert_incident(
        &self,
        incident: &IncidentUpdate<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), OutboxError> {
        upsert_incident(&self.db(), incident, now)
    }

    /// Commits several alerts (incident + notice each) in one transaction: one disk sync
    /// for a burst of alerts instead of one each. Returns the newest new sequence number.
    pub fn commit_alerts(
        &self,
        alerts: &[AlertCommit<'_>],
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, OutboxError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let mut newest = None;
        for alert in alerts {
            upsert_incident(&tx, &alert.incident, now)?;
            newest = insert_notice(&tx, &alert.notice, alert.receivers, now)?.or(newest);
        }
        tx.commit()?;
        Ok(newest)
    }

    /// The next notice for `receiver` after its cursor.
    pub fn next_for(&self, receiver: &str) -> Result<Option<Notice>, OutboxError> {
        let db = self.db();
        let cursor: i64 = db
            .query_row(
                "SELECT seq FROM cursors WHERE receiver = ?1",
                [receiver],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        db.query_row(
            "SELECT n.seq, n.notice_id, n.event_id, n.kind, n.level, n.body FROM notice_receivers r
             JOIN notices n ON n.seq = r.seq WHERE r.receiver = ?1 AND r.seq > ?2 ORDER BY r.seq LIMIT 1",
            params![receiver, cursor],
            |row| {
                let body: String = row.get(5)?;
                Ok(Notice {
                    seq: row.get(0)?,
                    notice_id: row.get(1)?,
                    event_id: row.get(2)?,
                    kind: row.get(3)?,
                    level: row.get(4)?,
                    body: serde_json::from_str(&body).unwrap_or(Value::Null),
                })
            },
        )
        .optional()
        .map_err(OutboxError::from)
    }

    /// Notices not yet past `receiver`'s cursor.
    pub fn pending(&self, receiver: &str) -> Result<i64, OutboxError> {
        let db = self.db();
        Ok(db.query_row(
            "SELECT COUNT(*) FROM notice_receivers WHERE receiver = ?1 AND seq > COALESCE((SELECT seq FROM cursors WHERE receiver = ?1), 0)",
            [receiver],
            |r| r.get(0),
        )?)
    }

    /// Moves `receiver` past `seq` (delivered, silenced or dead-lettered) and records how.
    pub fn finish(
        &self,
        receiver: &str,
        notice: &Notice,
        outcome: Outcome<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), OutboxError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        if let Outcome::DeadLetter(error) = outcome {
            tx.execute(
                "INSERT OR REPLACE INTO dead_letters (notice_id, receiver, at, error) VALUES (?1, ?2, ?3, ?4)",
                params![notice.notice_id, receiver, now.to_rfc3339(), error],
            )?;
        }
        tx.execute(
            "INSERT INTO cursors (receiver, seq) VALUES (?1, ?2) ON CONFLICT (receiver) DO UPDATE SET seq = MAX(seq, ?2)",
            params![receiver, notice.seq],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn record_attempt(
        &self,
        receiver: &str,
        notice_id: &str,
        attempt: i64,
        outcome: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<(), OutboxError> {
        self.db().execute(
            "INSERT INTO attempts (notice_id, receiver, attempt, at, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![notice_id, receiver, attempt, now.to_rfc3339(), outcome, detail],
        )?;
        Ok(())
    }

    pub fn dead_letters(&self) -> Result<Vec<Value>, OutboxError> {
        let db = self.db();
        let mut statement =
            db.prepare("SELECT notice_id, receiver, at, error FROM dead_letters ORDER BY at")?;
        let rows = statement.query_map([], |r| {
            Ok(serde_json::json!({ "notice_id": r.get::<_, String>(0)?, "receiver": r.get::<_, String>(1)?, "at": r.get::<_, String>(2)?, "error": r.get::<_, String>(3)? }))
        })?;
        rows.collect::<Result<_, _>>().map_err(OutboxError::from)
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

    pub fn attempts(&self, event_id: &str) -> Result<Vec<Attempt>, OutboxError> {
        let db = self.db();
        let mut statement = db.prepare(
            "SELECT a.notice_id, a.receiver, a.attempt, a.at, a.outcome, a.detail FROM attempts a
             JOIN notices n ON n.notice_id = a.notice_id WHERE n.event_id = ?1 ORDER BY a.rowid",
        )?;
        let rows = statement.query_map([event_id], |r| {
            Ok(Attempt {
                notice_id: r.get(0)?,
                receiver: r.get(1)?,
                attempt: r.get(2)?,
                at: time(r.get(3)?),
                outcome: r.get(4)?,
                detail: r.get(5)?,
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

    pub fn add_silence(&self, silence: &Silence) -> Result<i64, OutboxError> {
        let db = self.db();
        db.execute(
            "INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                serde_json::to_string(&silence.matchers).unwrap_or_default(),
                silence.starts_at.to_rfc3339(),
                silence.ends_at.to_rfc3339(),
                silence.created_by,
                silence.comment
            ],
        )?;
        Ok(db.last_insert_rowid())
    }

    /// Ends a silence now; false if there is no such silence.
    pub fn expire_silence(&self, id: i64, now: DateTime<Utc>) -> Result<bool, OutboxError> {
        let changed = self.db().execute(
            "UPDATE silences SET ends_at = ?2 WHERE id = ?1 AND ends_at > ?2",
            params![id, now.to_rfc3339()],
        )?;
        Ok(changed > 0)
    }

    pub fn silences(&self) -> Result<Vec<Silence>, OutboxError> {
        let db = self.db();
        let mut statement = db.prepare("SELECT id, matchers, starts_at, ends_at, created_by, comment FROM silences ORDER BY id")?;
        let rows = statement.query_map([], |r| {
            let matchers: String = r.get(1)?;
            Ok(Silence {
                id: r.get(0)?,
                matchers: serde_json::from_str(&matchers).unwrap_or_default(),
                starts_at: time(r.get(2)?),
                ends_at: time(r.get(3)?),
                created_by: r.get(4)?,
                comment: r.get(5)?,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(OutboxError::from)
    }

    /// Deletes notices (and their records) older than `keep`, and incidents not updated since.
    pub fn prune(&self, now: DateTime<Utc>, keep: Duration) -> Result<(), OutboxError> {
        let cutoff = (now - keep).to_rfc3339();
        let db = self.db();
        db.execute("DELETE FROM attempts WHERE notice_id IN (SELECT notice_id FROM notices WHERE created_at < ?1)", [&cutoff])?;
        db.execute("DELETE FROM notice_receivers WHERE seq IN (SELECT seq FROM notices WHERE created_at < ?1)", [&cutoff])?;
        db.execute("DELETE FROM notices WHERE created_at < ?1", [&cutoff])?;
        db.execute("DELETE FROM steps WHERE event_id IN (SELECT event_id FROM incidents WHERE updated_at < ?1)", [&cutoff])?;
        db.execute("DELETE FROM overdue_sent WHERE event_id IN (SELECT event_id FROM incidents WHERE updated_at < ?1)", [&cutoff])?;
        db.execute("DELETE FROM incidents WHERE updated_at < ?1", [&cutoff])?;
        db.execute("DELETE FROM silences WHERE ends_at < ?1", [&cutoff])?;
        Ok(())
    }
}

fn insert_notice(
    db: &Connection,
    notice: &NewNotice<'_>,
    receivers: &[String],
    now: DateTime<Utc>,
) -> Result<Option<i64>, OutboxError> {
    let inserted = db.execute(
        "INSERT OR IGNORE INTO notices (notice_id, event_id, kind, level, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![notice.notice_id, notice.event_id, notice.kind, notice.level, now.to_rfc3339(), notice.body.to_string()],
    )?;
    if inserted == 0 {
        return Ok(None);
    }
    let seq = db.last_insert_rowid();
    for receiver in receivers {
        db.execute(
            "INSERT OR IGNORE INTO notice_receivers (seq, receiver) VALUES (?1, ?2)",
            params![seq, receiver],
        )?;
    }
    Ok(Some(seq))
}

fn upsert_incident(
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

/// One alert to commit: its incident's new state and its notice.
#[derive(Debug, Clone, Copy)]
pub struct AlertCommit<'a> {
    pub incident: IncidentUpdate<'a>,
    pub notice: NewNotice<'a>,
    pub receivers: &'a [String],
}

/// A notice to commit.
#[derive(Debug, Clone, Copy)]
pub struct NewNotice<'a> {
    pub notice_id: &'a str,
    pub event_id: &'a str,
    pub kind: &'a str,
    pub level: &'a str,
    pub body: &'a Value,
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

/// How a receiver finished with a notice.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    Delivered,
    Silenced,
    DeadLetter(&'a str),
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
            && self
                .state
                .as_ref()
                .is_none_or(|s| *s == incident.state || (s == "resolved" && incident.resolved))
            && self
                .domain
                .as_ref()
                .is_none_or(|d| incident.domains.contains(d))
            && self.since.is_none_or(|t| incident.updated_at >= t)
    }
}
