//! What happened to each notice at each receiver: delivery attempts (successes, failures,
//! silenced and superseded notices) and dead letters, which can be sent again.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use super::notices::{insert_notice, notice_row, NewNotice, Notice};
use super::{time, Outbox, OutboxError};

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

impl Outbox {
    /// Records `notice` as a dead letter of `receiver`.
    pub fn dead_letter(
        &self,
        receiver: &str,
        notice: &Notice,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), OutboxError> {
        self.db().execute(
            "INSERT OR REPLACE INTO dead_letters (notice_id, receiver, at, error) VALUES (?1, ?2, ?3, ?4)",
            params![notice.notice_id, receiver, now.to_rfc3339(), error],
        )?;
        Ok(())
    }

    /// Sends a dead letter again: a copy of the notice, as `{notice_id}!retry{n}`, for the
    /// receivers it was dead for (all, or only `receiver`), whose dead letters are then
    /// cleared. Returns the new notice's id and sequence, or `None` if there is no such
    /// dead letter.
    pub fn retry_dead_letter(
        &self,
        notice_id: &str,
        receiver: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, i64)>, OutboxError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let receivers: Vec<String> = tx
            .prepare("SELECT receiver FROM dead_letters WHERE notice_id = ?1 AND (?2 IS NULL OR receiver = ?2) ORDER BY receiver")?
            .query_map(params![notice_id, receiver], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if receivers.is_empty() {
            return Ok(None);
        }
        let original = tx
            .query_row(
                "SELECT seq, notice_id, event_id, kind, level, body FROM notices WHERE notice_id = ?1",
                [notice_id],
                notice_row,
            )
            .optional()?;
        let Some(original) = original else {
            return Ok(None);
        };
        let retries: i64 = tx.query_row(
            "SELECT COUNT(*) FROM notices WHERE notice_id LIKE ?1 ESCAPE '\\'",
            [format!(
                "{}!retry%",
                notice_id
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )],
            |r| r.get(0),
        )?;
        let retry_id = format!("{notice_id}!retry{}", retries + 1);
        let copy = NewNotice {
            notice_id: &retry_id,
            event_id: &original.event_id,
            kind: &original.kind,
            level: &original.level,
            body: &original.body,
        };
        let seq = insert_notice(&tx, &copy, &receivers, now)?;
        for receiver in &receivers {
            tx.execute(
                "DELETE FROM dead_letters WHERE notice_id = ?1 AND receiver = ?2",
                params![notice_id, receiver],
            )?;
        }
        tx.commit()?;
        Ok(seq.map(|seq| (retry_id, seq)))
    }

    /// The updates `notice_id` stood for at `receiver` when it superseded them, oldest
    /// first, through any it superseded that had superseded others: what its `superseded`
    /// list held before a restart. (A superseded update's attempt names its successor:
    /// `superseded by {id}`.)
    pub fn superseded_by(
        &self,
        receiver: &str,
        notice_id: &str,
    ) -> Result<Vec<String>, OutboxError> {
        let db = self.reader()?;
        let mut statement = db.prepare_cached(
            "WITH RECURSIVE chain(id) AS (
                 VALUES (?2)
                 UNION
                 SELECT a.notice_id FROM attempts a JOIN chain c ON a.detail = 'superseded by ' || c.id
                 WHERE a.receiver = ?1 AND a.outcome = 'superseded'
             )
             SELECT n.notice_id FROM chain c JOIN notices n ON n.notice_id = c.id
             WHERE c.id != ?2 ORDER BY n.seq",
        )?;
        let rows = statement.query_map(params![receiver, notice_id], |r| r.get(0))?;
        rows.collect::<Result<_, _>>().map_err(OutboxError::from)
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
        let db = self.reader()?;
        let mut statement =
            db.prepare("SELECT notice_id, receiver, at, error FROM dead_letters ORDER BY at")?;
        let rows = statement.query_map([], |r| {
            Ok(serde_json::json!({ "notice_id": r.get::<_, String>(0)?, "receiver": r.get::<_, String>(1)?, "at": r.get::<_, String>(2)?, "error": r.get::<_, String>(3)? }))
        })?;
        rows.collect::<Result<_, _>>().map_err(OutboxError::from)
    }

    pub fn attempts(&self, event_id: &str) -> Result<Vec<Attempt>, OutboxError> {
        let db = self.reader()?;
        let mut statement = db.prepare(
            "SELECT a.notice_id, a.receiver, a.attempt, a.at, a.outcome, a.detail FROM attempts a
             JOIN notices n ON n.notice_id = a.notice_id WHERE n.event_id = ?1 ORDER BY a.rowid",
        )?;
        let rows = statement.query_map([event_id], |r| {
            Ok(Attempt {
                notice_id: r.get(0)?,
                receiver: r.get(1)?,
                attempt: r.get(2)?,
                at: time(r.get(3)?)?,
                outcome: r.get(4)?,
                detail: r.get(5)?,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(OutboxError::from)
    }
}
