//! Silences: matchers and a time span during which matching alerts are not sent.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{time, Outbox, OutboxError};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Silence {
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub matchers: crate::deliver::route::Matchers,
    /// Shorthand for `matchers.event_ids = [event_id]`: silence one incident.
    #[serde(default, skip_serializing)]
    pub event_id: Option<String>,
    /// Default: now.
    #[serde(default = "Utc::now")]
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(default)]
    pub comment: String,
}

impl Outbox {
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
        let db = self.reader()?;
        let mut statement = db.prepare("SELECT id, matchers, starts_at, ends_at, created_by, comment FROM silences ORDER BY id")?;
        let rows = statement.query_map([], |r| {
            let matchers: String = r.get(1)?;
            Ok(Silence {
                id: r.get(0)?,
                matchers: serde_json::from_str(&matchers).unwrap_or_default(),
                event_id: None,
                starts_at: time(r.get(2)?)?,
                ends_at: time(r.get(3)?)?,
                created_by: r.get(4)?,
                comment: r.get(5)?,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(OutboxError::from)
    }
}
