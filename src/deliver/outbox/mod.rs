//! The durable outbox (SQLite, WAL): every notice is committed here before any receiver
//! sees it; each receiver keeps its own cursor, so a restart resumes every receiver where
//! it stopped. Incidents (one per event), their steps, silences, delivery attempts and
//! dead letters live here too, so the API can answer from one place.

mod feed;
mod feedback;
mod incidents;
mod notices;
mod reports;
mod silences;
mod workflow;

use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;

pub use feed::{merge_velocity, FeedEntry, IncidentView, Snapshot};
pub use feedback::{Feedback, KnownPost, NewFeedback, RuleVerdicts};
pub use incidents::{Incident, IncidentFilter, IncidentUpdate, Overdue, Step, STEPS};
pub use notices::{AlertCommit, Attempt, NewNotice, Notice, Outcome};
pub use reports::ReportIncident;
pub use silences::Silence;
pub use workflow::{DepartmentAck, JointOverdue, StepOutcome, StepTake, StepTaken, JOINT_RESPONSE};

use incidents::upsert_incident;
use notices::insert_notice;

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

pub(crate) fn time(text: String) -> DateTime<Utc> {
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
        db.execute_batch(workflow::SCHEMA)?;
        db.execute_batch(feedback::SCHEMA)?;
        Ok(Outbox { db: Mutex::new(db) })
    }

    pub(crate) fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a write goes through (for readiness).
    pub fn writable(&self) -> Result<(), OutboxError> {
        self.db().execute_batch("BEGIN IMMEDIATE; ROLLBACK;")?;
        Ok(())
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
