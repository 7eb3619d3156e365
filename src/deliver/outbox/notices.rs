//! Notices: what receivers get, in commit order, with each receiver's cursor. What became
//! of each at each receiver is in [`attempts`](super::attempts).

use chrono::{DateTime, Utc};
use metrics::counter;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{IncidentUpdate, Outbox, OutboxError};
use crate::telemetry::{OUTBOX_CONFLICTS, OUTBOX_DUPLICATES};

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

impl Outbox {
    /// Commits a notice for `receivers` (see [`insert_notice`] for an id already there).
    /// Returns the sequence number if new.
    pub fn append(
        &self,
        notice: &NewNotice<'_>,
        receivers: &[String],
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, OutboxError> {
        let appended = (|| {
            let mut db = self.db();
            let tx = db.transaction()?;
            let seq = insert_notice(&tx, notice, receivers, now)?;
            tx.commit()?;
            Ok(seq)
        })();
        self.commit_went(appended)
    }

    /// `receiver`'s stored cursor: every notice up to it is done.
    pub fn cursor(&self, receiver: &str) -> Result<i64, OutboxError> {
        Ok(self
            .reader()?
            .query_row(
                "SELECT seq FROM cursors WHERE receiver = ?1",
                [receiver],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// The next notice for `receiver` after its stored cursor.
    pub fn next_for(&self, receiver: &str) -> Result<Option<Notice>, OutboxError> {
        let cursor = self.cursor(receiver)?;
        self.next_after(receiver, cursor)
    }

    /// The next notice for `receiver` after sequence `after` (see
    /// [`Outbox::pending_notices`]).
    pub fn next_after(&self, receiver: &str, after: i64) -> Result<Option<Notice>, OutboxError> {
        Ok(self.pending_notices(receiver, after, 1)?.pop())
    }

    /// Up to `limit` notices for `receiver` after sequence `after` (a dispatcher's own
    /// cursor, which runs ahead of the stored one), oldest first, skipping notices it
    /// already finished out of order (a success, silence, dead letter or superseded
    /// update is recorded as an attempt).
    pub fn pending_notices(
        &self,
        receiver: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Notice>, OutboxError> {
        self.unfinished(receiver, after, limit, false)
    }

    /// Up to `limit` 红 or overdue notices for `receiver` after sequence `after`, oldest
    /// first, not yet finished: what a dispatcher whose backlog is full takes ahead.
    pub fn pending_urgent(
        &self,
        receiver: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Notice>, OutboxError> {
        self.unfinished(receiver, after, limit, true)
    }

    /// The notices not yet finished for `receiver` after `after`, all or only urgent ones.
    fn unfinished(
        &self,
        receiver: &str,
        after: i64,
        limit: usize,
        urgent_only: bool,
    ) -> Result<Vec<Notice>, OutboxError> {
        let db = self.reader()?;
        let mut statement = db.prepare_cached(
            "SELECT n.seq, n.notice_id, n.event_id, n.kind, n.level, n.body FROM notice_receivers r
             JOIN notices n ON n.seq = r.seq WHERE r.receiver = ?1 AND r.seq > ?2
             AND (NOT ?4 OR n.level = 'red' OR n.kind = 'overdue')
             AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.notice_id = n.notice_id AND a.receiver = ?1
                             AND a.outcome IN ('success', 'silenced', 'dead_letter', 'superseded'))
             ORDER BY r.seq LIMIT ?3",
        )?;
        let rows = statement.query_map(
            params![receiver, after, limit as i64, urgent_only],
            notice_row,
        )?;
        rows.collect::<Result<_, _>>().map_err(OutboxError::from)
    }

    /// Notices not yet past `receiver`'s stored cursor.
    pub fn pending(&self, receiver: &str) -> Result<i64, OutboxError> {
        let cursor = self.cursor(receiver)?;
        self.pending_after(receiver, cursor)
    }

    /// Notices for `receiver` after sequence `after`.
    pub fn pending_after(&self, receiver: &str, after: i64) -> Result<i64, OutboxError> {
        Ok(self.reader()?.query_row(
            "SELECT COUNT(*) FROM notice_receivers WHERE receiver = ?1 AND seq > ?2",
            params![receiver, after],
            |r| r.get(0),
        )?)
    }

    /// Committed notices after sequence `after`, oldest first, at most `limit`: what a
    /// live view (the wall display's socket) replays from its last sequence.
    pub fn notices_after(&self, after: i64, limit: usize) -> Result<Vec<Notice>, OutboxError> {
        let db = self.reader()?;
        let mut statement = db.prepare_cached(
            "SELECT seq, notice_id, event_id, kind, level, body FROM notices WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = statement.query_map(params![after, limit as i64], notice_row)?;
        rows.collect::<Result<_, _>>().map_err(OutboxError::from)
    }

    /// Stores `receiver`'s cursor: every notice up to `seq` is done. It never moves back.
    pub fn store_cursor(&self, receiver: &str, seq: i64) -> Result<(), OutboxError> {
        self.db().execute(
            "INSERT INTO cursors (receiver, seq) VALUES (?1, ?2) ON CONFLICT (receiver) DO UPDATE SET seq = MAX(seq, ?2)",
            params![receiver, seq],
        )?;
        Ok(())
    }
}

pub(super) fn notice_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Notice> {
    let body: String = row.get(5)?;
    Ok(Notice {
        seq: row.get(0)?,
        notice_id: row.get(1)?,
        event_id: row.get(2)?,
        kind: row.get(3)?,
        level: row.get(4)?,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    })
}

/// The JSON text of a notice's `body` with `next_deadline` set to `deadline` (left as it
/// is when `Null`), exactly as `body["next_deadline"] = deadline` then `to_string()`
/// writes it, without copying the body: a member that is `alert` itself (the same value,
/// not an equal one) is written as `alert_text`, its text already written once.
pub(super) fn notice_body_text(
    body: &Value,
    deadline: &Value,
    alert: &Value,
    alert_text: &str,
) -> String {
    let Value::Object(members) = body else {
        if deadline.is_null() {
            return body.to_string();
        }
        let mut body = body.clone();
        body["next_deadline"] = deadline.clone();
        return body.to_string();
    };
    // An object's members are written in key order (serde_json's map is sorted).
    let mut entries: Vec<(&str, &Value)> = members
        .iter()
        .filter(|(key, _)| deadline.is_null() || key.as_str() != "next_deadline")
        .map(|(key, value)| (key.as_str(), value))
        .collect();
    if !deadline.is_null() {
        let at = entries.partition_point(|(key, _)| *key < "next_deadline");
        entries.insert(at, ("next_deadline", deadline));
    }
    let mut text = String::with_capacity(alert_text.len() + 64);
    text.push('{');
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&Value::from(key).to_string());
        text.push(':');
        if std::ptr::eq(value, alert) {
            text.push_str(alert_text);
        } else {
            text.push_str(&value.to_string());
        }
    }
    text.push('}');
    text
}

/// Commits one notice. A `notice_id` already in the outbox is never dropped silently:
/// - the same notice again (same event, kind and level: a restart or a replay re-emitting
///   an alert) is skipped on purpose — that is what the id is for — and counted as a
///   duplicate;
/// - a *different* notice under an existing id is a bug upstream (ids must be unique for
///   ever): it is logged as an error, counted as a conflict, and still committed, under
///   `{notice_id}!{n}`, so that nobody misses it.
pub(super) fn insert_notice(
    db: &Connection,
    notice: &NewNotice<'_>,
    receivers: &[String],
    now: DateTime<Utc>,
) -> Result<Option<i64>, OutboxError> {
    insert_notice_text(db, notice, &notice.body.to_string(), receivers, now)
}

/// [`insert_notice`] with the body's JSON text already written (`body_text` is stored
/// in place of `notice.body`): the commit stage writes it from the alert's text.
pub(super) fn insert_notice_text(
    db: &Connection,
    notice: &NewNotice<'_>,
    body_text: &str,
    receivers: &[String],
    now: DateTime<Utc>,
) -> Result<Option<i64>, OutboxError> {
    let mut notice_id = notice.notice_id.to_owned();
    let created_at = now.to_rfc3339();
    for attempt in 1u32.. {
        // Cached statements: the commit stage runs these for every alert.
        let inserted = db
            .prepare_cached(
                "INSERT INTO notices (notice_id, event_id, kind, level, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (notice_id) DO NOTHING",
            )?
            .execute(params![notice_id, notice.event_id, notice.kind, notice.level, created_at, body_text])?;
        if inserted == 1 {
            break;
        }
        let existing: (String, String, String) = db.query_row(
            "SELECT event_id, kind, level FROM notices WHERE notice_id = ?1",
            [&notice_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        if attempt == 1
            && (
                existing.0.as_str(),
                existing.1.as_str(),
                existing.2.as_str(),
            ) == (notice.event_id, notice.kind, notice.level)
        {
            tracing::info!(notice = %notice_id, "notice already committed; skipped as a duplicate");
            counter!(OUTBOX_DUPLICATES).increment(1);
            return Ok(None);
        }
        if attempt == 1 {
            tracing::error!(
                notice = %notice_id,
                event = %notice.event_id,
                kind = %notice.kind,
                level = %notice.level,
                existing_kind = %existing.1,
                existing_level = %existing.2,
                "a different notice already has this id; committing it under a new one"
            );
            counter!(OUTBOX_CONFLICTS).increment(1);
        }
        notice_id = format!("{}!{}", notice.notice_id, attempt + 1);
    }
    let seq = db.last_insert_rowid();
    for receiver in receivers {
        db.prepare_cached(
            "INSERT INTO notice_receivers (seq, receiver) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?
        .execute(params![seq, receiver])?;
    }
    Ok(Some(seq))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_body_text_is_what_setting_its_deadline_then_writing_it_gives() {
        let alert =
            json!({"alert_id": "evt-1#a-1", "title": "某地\"辅警\"", "figures": {"n": [1, 2]}});
        let bodies = [
            json!({"alert": alert.clone(), "overdue": null}),
            json!({"alert": alert.clone(), "next_deadline": {"old": 1}, "zz": 2, "a": "x"}),
            json!({}),
            json!(null),
            json!("text"),
        ];
        let deadlines = [
            json!(null),
            json!({"step": "reported", "due_at": "2026-11-30T10:00:00Z"}),
        ];
        for body in &bodies {
            for deadline in &deadlines {
                if body.is_string() && !deadline.is_null() {
                    continue; // indexing a string panics: no notice body is one
                }
                let mut expected = body.clone();
                if !deadline.is_null() {
                    expected["next_deadline"] = deadline.clone();
                }
                // The alert inside the body, by reference, is written from its text.
                let inner = body.get("alert").unwrap_or(&alert);
                assert_eq!(
                    notice_body_text(body, deadline, inner, &inner.to_string()),
                    expected.to_string()
                );
                // Any other value passed as the alert changes nothing.
                assert_eq!(
                    notice_body_text(body, deadline, &alert, "NOT USED"),
                    expected.to_string()
                );
            }
        }
    }

    fn notice<'a>(id: &'a str, kind: &'a str, level: &'a str, body: &'a Value) -> NewNotice<'a> {
        NewNotice {
            notice_id: id,
            event_id: "evt-1",
            kind,
            level,
            body,
        }
    }

    #[test]
    fn a_notice_id_already_taken_is_never_dropped_silently() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let receivers = vec!["hook".to_owned()];
        let now = Utc::now();
        let body = json!({"alert": {"n": 1}});
        let first = outbox
            .append(
                &notice("evt-1#1", "opened", "yellow", &body),
                &receivers,
                now,
            )
            .unwrap();
        assert!(first.is_some());
        // The same alert again (a restart re-emitting it): skipped on purpose.
        let again = json!({"alert": {"n": 1, "emitted_at": "later"}});
        let duplicate = outbox
            .append(
                &notice("evt-1#1", "opened", "yellow", &again),
                &receivers,
                now,
            )
            .unwrap();
        assert_eq!(duplicate, None);
        // A different alert under the same id: committed under a new id, not lost.
        let other = json!({"alert": {"n": 2}});
        let conflict = outbox
            .append(
                &notice("evt-1#1", "escalated", "red", &other),
                &receivers,
                now,
            )
            .unwrap();
        assert!(conflict > first);
        assert_eq!(outbox.pending("hook").unwrap(), 2);
        let db = outbox.db();
        let ids: Vec<String> = db
            .prepare("SELECT notice_id FROM notices ORDER BY seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ids, ["evt-1#1", "evt-1#1!2"]);
    }
}
