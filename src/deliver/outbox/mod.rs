//! The durable outbox (SQLite, WAL): every notice is committed here before any receiver
//! sees it; each receiver keeps its own cursor, so a restart resumes every receiver where
//! it stopped. Incidents (one per event), their steps, silences, delivery attempts and
//! dead letters live here too, so the API can answer from one place.

mod attempts;
mod feed;
mod feedback;
mod incidents;
mod notices;
mod readers;
mod reports;
mod silences;
mod workflow;

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use metrics::gauge;
use rusqlite::Connection;

pub use attempts::Attempt;
pub use feed::{merge_velocity, FeedEntry, IncidentView, Snapshot};
pub use feedback::{Feedback, KnownPost, NewFeedback, RuleVerdicts};
pub use incidents::{
    valid_cursor, Incident, IncidentFilter, IncidentPage, IncidentUpdate, Overdue, Step, STEPS,
};
pub use notices::{AlertCommit, NewNotice, Notice};
pub use reports::ReportIncident;
pub use silences::Silence;
pub use workflow::{DepartmentAck, JointOverdue, StepOutcome, StepTake, StepTaken, JOINT_RESPONSE};

use incidents::upsert_incident_text;
use notices::{insert_notice_text, notice_body_text};
use readers::{Reader, Readers};

use crate::telemetry::OUTBOX_COMMIT_FAILING;

/// Where an incident stands in the plan when an alert about it is committed: what its
/// next deadline is computed from.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub level: &'a str,
    /// The event went quiet: no deadline is chased any more.
    pub resolved: bool,
    pub opened_at: DateTime<Utc>,
    pub steps: &'a [Step],
    /// Departments that must join, and which have.
    pub departments: &'a [DepartmentAck],
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("outbox: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored time that does not parse: the row is reported, never read as 1970.
    #[error("outbox: unreadable time {0:?} in the store")]
    BadTime(String),
    #[error("outbox: a blocking task failed: {0}")]
    Task(String),
}

pub struct Outbox {
    /// The one writer connection: SQLite serializes writers anyway. A std mutex, held for
    /// a statement or a transaction (through its fsync), never across an await, and never
    /// taken on the async runtime: async callers go through [`Outbox::blocking`].
    db: Mutex<Connection>,
    /// Read connections, so queries never wait for the writer (WAL).
    readers: Readers,
    /// The last commit's error while commits fail (disk full, I/O error); `None` once one
    /// succeeds again. Readiness reports it: a probe alone may pass while real commits,
    /// which need new pages, fail.
    commit_error: Mutex<Option<String>>,
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
CREATE INDEX IF NOT EXISTS attempts_superseded ON attempts (receiver, detail) WHERE outcome = 'superseded';
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
CREATE TABLE IF NOT EXISTS probe (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL
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

/// A stored RFC 3339 time; one that does not parse is an error (it used to become 1970).
pub(crate) fn time(text: String) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                Box::new(OutboxError::BadTime(text)),
            )
        })
}

impl Outbox {
    /// Opens (creating) `dir/outbox.db`.
    pub fn open(dir: &Path) -> Result<Outbox, OutboxError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| rusqlite::Error::InvalidPath(dir.join(format!("(cannot create: {e})"))))?;
        let path = dir.join("outbox.db");
        let db = Connection::open(&path)?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        db.execute_batch(SCHEMA)?;
        db.execute_batch(workflow::SCHEMA)?;
        db.execute_batch(feedback::SCHEMA)?;
        Ok(Outbox {
            db: Mutex::new(db),
            readers: Readers::new(&path),
            commit_error: Mutex::new(None),
        })
    }

    /// The writer connection.
    pub(crate) fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A read connection of its own.
    pub(crate) fn reader(&self) -> Result<Reader<'_>, OutboxError> {
        self.readers.get()
    }

    /// Runs `work` on the blocking pool: how async code (API handlers, dispatchers, the
    /// deadline chaser) touches the outbox, so a writer held through a slow fsync never
    /// stalls a runtime thread.
    pub async fn blocking<T, F>(self: &Arc<Self>, work: F) -> Result<T, OutboxError>
    where
        F: FnOnce(&Outbox) -> Result<T, OutboxError> + Send + 'static,
        T: Send + 'static,
    {
        let outbox = self.clone();
        tokio::task::spawn_blocking(move || work(&outbox))
            .await
            .map_err(|e| OutboxError::Task(e.to_string()))?
    }

    /// Holds the writer for `duration`, as a commit does through a slow fsync (calling
    /// `held` once it has it): a drill, and the test, that reads, health and ingest do not
    /// wait on the disk.
    pub fn hold_writer(&self, duration: std::time::Duration, held: impl FnOnce()) {
        let _writer = self.db();
        held();
        std::thread::sleep(duration);
    }

    /// Whether commits go through (for readiness): the last commit did not fail, and a
    /// probe row is actually written and synced (an empty transaction writes nothing, so
    /// it passes on a full disk).
    pub fn writable(&self) -> Result<(), String> {
        if let Some(error) = self.commit_error() {
            return Err(format!("commits failing: {error}"));
        }
        self.db()
            .execute(
                "INSERT INTO probe (id, at) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET at = ?1",
                [Utc::now().to_rfc3339()],
            )
            .map_err(|e| format!("probe write failed: {e}"))?;
        Ok(())
    }

    /// The last commit's error, while commits fail.
    pub fn commit_error(&self) -> Option<String> {
        self.commit_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Records how a commit went, for readiness and the `fenghuo_outbox_commit_failing`
    /// gauge.
    fn commit_went<T>(&self, result: Result<T, OutboxError>) -> Result<T, OutboxError> {
        let error = result.as_ref().err().map(ToString::to_string);
        gauge!(OUTBOX_COMMIT_FAILING).set(if error.is_some() { 1.0 } else { 0.0 });
        *self.commit_error.lock().unwrap_or_else(|e| e.into_inner()) = error;
        result
    }

    /// Caps the database file at `pages` pages (SQLite's `max_page_count`; `None`: no
    /// cap beyond SQLite's own). A commit that needs more fails with "database or disk is
    /// full", exactly as on a full disk: how the disk-full behaviour is tested, and a way
    /// to bound the outbox's size.
    pub fn limit_pages(&self, pages: Option<u32>) -> Result<u32, OutboxError> {
        let pages = pages.unwrap_or(u32::MAX - 1);
        Ok(self
            .db()
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })?)
    }

    /// Refuses (or allows again) every write on the outbox's connection (SQLite's
    /// `query_only`): commits, cursors and attempts fail while reads work, as when the
    /// disk is full or read-only. For tests and drills of that situation.
    pub fn refuse_writes(&self, refuse: bool) -> Result<(), OutboxError> {
        self.db()
            .execute_batch(&format!("PRAGMA query_only = {}", u8::from(refuse)))?;
        Ok(())
    }

    /// Pages in the database file now.
    pub fn page_count(&self) -> Result<u32, OutboxError> {
        Ok(self.db().query_row("PRAGMA page_count", [], |r| r.get(0))?)
    }

    /// Commits several alerts (incident + notice each) in one transaction: one disk sync
    /// for a burst of alerts instead of one each. Each notice gets its incident's next
    /// deadline (`next_deadline`, computed by `next_deadline` from where the incident
    /// stands, read in the same transaction; omitted when `Null`). Returns the newest new
    /// sequence number.
    pub fn commit_alerts(
        &self,
        alerts: &[AlertCommit<'_>],
        now: DateTime<Utc>,
        next_deadline: &dyn Fn(&Progress<'_>) -> serde_json::Value,
    ) -> Result<Option<i64>, OutboxError> {
        let committed = (|| {
            let mut db = self.db();
            let tx = db.transaction()?;
            let mut newest = None;
            for alert in alerts {
                // The alert's text is written once: for its incident, and inside its
                // notice's body (see `notice_body_text`).
                let alert_text = alert.incident.alert.to_string();
                upsert_incident_text(&tx, &alert.incident, &alert_text, now)?;
                let event_id = alert.incident.event_id;
                let opened_at: DateTime<Utc> = tx
                    .prepare_cached("SELECT opened_at FROM incidents WHERE event_id = ?1")?
                    .query_row([event_id], |r| time(r.get(0)?))?;
                let steps = feed::steps_of(&tx, event_id)?;
                let departments = workflow::departments_of(&tx, event_id)?;
                let progress = Progress {
                    level: alert.incident.level,
                    resolved: alert.incident.resolved,
                    opened_at,
                    steps: &steps,
                    departments: &departments,
                };
                let deadline = next_deadline(&progress);
                let body = notice_body_text(
                    alert.notice.body,
                    &deadline,
                    alert.incident.alert,
                    &alert_text,
                );
                newest =
                    insert_notice_text(&tx, &alert.notice, &body, alert.receivers, now)?.or(newest);
            }
            tx.commit()?;
            Ok(newest)
        })();
        self.commit_went(committed)
    }

    /// Deletes notices (and their records) older than `keep`, and incidents not updated
    /// since: one transaction, one sync.
    pub fn prune(&self, now: DateTime<Utc>, keep: Duration) -> Result<(), OutboxError> {
        let cutoff = (now - keep).to_rfc3339();
        let mut writer = self.db();
        let db = writer.transaction()?;
        db.execute("DELETE FROM dead_letters WHERE at < ?1", [&cutoff])?;
        db.execute("DELETE FROM attempts WHERE notice_id IN (SELECT notice_id FROM notices WHERE created_at < ?1)", [&cutoff])?;
        db.execute("DELETE FROM notice_receivers WHERE seq IN (SELECT seq FROM notices WHERE created_at < ?1)", [&cutoff])?;
        db.execute("DELETE FROM notices WHERE created_at < ?1", [&cutoff])?;
        db.execute("DELETE FROM steps WHERE event_id IN (SELECT event_id FROM incidents WHERE updated_at < ?1)", [&cutoff])?;
        db.execute("DELETE FROM overdue_sent WHERE event_id IN (SELECT event_id FROM incidents WHERE updated_at < ?1)", [&cutoff])?;
        db.execute("DELETE FROM incidents WHERE updated_at < ?1", [&cutoff])?;
        db.execute("DELETE FROM silences WHERE ends_at < ?1", [&cutoff])?;
        db.commit()?;
        Ok(())
    }
}
