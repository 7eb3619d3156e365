//! Notices: what receivers get, in commit order, with each receiver's cursor, attempts
//! and dead letters.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{time, IncidentUpdate, Outbox, OutboxError};

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

/// A notice to commit.
#[derive(Debug, Clone, Copy)]
pub struct NewNotice<'a> {
    pub notice_id: &'a str,
    pub event_id: &'a str,
    pub kind: &'a str,
    pub level: &'a str,
    pub body: &'a Value,
}

/// One alert to commit: its incident's new state and its notice.
#[derive(Debug, Clone, Copy)]
pub struct AlertCommit<'a> {
    pub incident: IncidentUpdate<'a>,
    pub notice: NewNotice<'a>,
    pub receivers: &'a [String],
}

/// How a receiver finished with a notice.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    Delivered,
    Silenced,
    DeadLetter(&'a str),
}

impl Outbox {
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
}

pub(super) fn insert_notice(
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
