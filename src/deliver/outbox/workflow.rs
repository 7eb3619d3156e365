//! The plan's workflow on an incident: steps taken once each, departments that must join
//! the response (情指, 网安, 宣传, 法制, 督察, the unit involved) acknowledging each for
//! itself, and the joint response met when all have. Every step taken is committed as a
//! `step` notice for no receiver, so screens following the outbox's sequence see it.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::{json, Value};

use super::notices::insert_notice;
use super::{time, NewNotice, Outbox, OutboxError};

/// The step met when every required department has acknowledged.
pub const JOINT_RESPONSE: &str = "joint_response";

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS joint_departments (
    event_id TEXT NOT NULL,
    department TEXT NOT NULL,
    PRIMARY KEY (event_id, department)
);
CREATE TABLE IF NOT EXISTS department_acks (
    event_id TEXT NOT NULL,
    department TEXT NOT NULL,
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    comment TEXT NOT NULL,
    PRIMARY KEY (event_id, department)
);
";

/// A step to take.
#[derive(Debug, Clone, Copy)]
pub struct StepTake<'a> {
    pub event_id: &'a str,
    /// `ack`, `verified`, `responded` or `closed`.
    pub step: &'a str,
    /// For `ack`: the department acknowledging for itself.
    pub department: Option<&'a str>,
    pub by: &'a str,
    pub comment: &'a str,
    pub at: DateTime<Utc>,
}

/// What taking a step did.
#[derive(Debug, Clone, PartialEq)]
pub enum StepOutcome {
    UnknownIncident,
    /// `at` is before the incident opened.
    BeforeOpened {
        opened_at: DateTime<Utc>,
    },
    /// Already taken (by this department, for a department's ack): nothing recorded.
    Repeated {
        at: DateTime<Utc>,
    },
    /// The department is not among those the incident's routes named.
    NotRequired {
        required: Vec<String>,
    },
    Taken(StepTaken),
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepTaken {
    pub level: String,
    /// Steps newly met, each with the time from the incident's opening: the step itself
    /// (for a department's ack, only the first), and `joint_response` when this ack
    /// completed it.
    pub met: Vec<(&'static str, Duration)>,
    /// The `step` notice's sequence number.
    pub seq: Option<i64>,
}

/// A department that must join an incident's response, and its acknowledgement.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DepartmentAck {
    pub department: String,
    pub at: Option<DateTime<Utc>>,
    pub by: Option<String>,
}

/// An incident whose joint response is overdue, with the departments still missing.
#[derive(Debug, Clone)]
pub struct JointOverdue {
    pub event_id: String,
    pub level: String,
    pub receivers: Vec<String>,
    pub alert: Value,
    pub due_at: DateTime<Utc>,
    pub missing: Vec<String>,
}

fn static_step(step: &str) -> &'static str {
    super::STEPS
        .iter()
        .find(|s| **s == step)
        .copied()
        .unwrap_or("step")
}

impl Outbox {
    /// Names departments that must join `event_id`'s response (kept across alerts: an
    /// escalation may add some).
    pub fn require_departments(
        &self,
        event_id: &str,
        departments: &[String],
    ) -> Result<(), OutboxError> {
        if departments.is_empty() {
            return Ok(());
        }
        let mut db = self.db();
        let tx = db.transaction()?;
        for department in departments {
            tx.execute(
                "INSERT OR IGNORE INTO joint_departments (event_id, department) VALUES (?1, ?2)",
                params![event_id, department],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The departments `event_id` needs, in the order named, with their acknowledgements.
    pub fn departments(&self, event_id: &str) -> Result<Vec<DepartmentAck>, OutboxError> {
        departments_of(&*self.reader()?, event_id)
    }

    /// Takes a step once: validated against the incident's opening, recorded with its
    /// `step` notice in one transaction.
    pub fn record_step(
        &self,
        take: &StepTake<'_>,
        now: DateTime<Utc>,
    ) -> Result<StepOutcome, OutboxError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let incident: Option<(String, String)> = tx
            .query_row(
                "SELECT level, opened_at FROM incidents WHERE event_id = ?1",
                [take.event_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((level, opened_at)) = incident else {
            return Ok(StepOutcome::UnknownIncident);
        };
        let opened_at = time(opened_at)?;
        if take.at < opened_at {
            return Ok(StepOutcome::BeforeOpened { opened_at });
        }
        let mut met = Vec::new();
        match take.department {
            Some(department) => {
                let required = departments_of(&tx, take.event_id)?;
                if !required.is_empty() && !required.iter().any(|d| d.department == department) {
                    return Ok(StepOutcome::NotRequired {
                        required: required.into_iter().map(|d| d.department).collect(),
                    });
                }
                if let Some(at) = taken_at(
                    &tx,
                    "SELECT at FROM department_acks WHERE event_id = ?1 AND department = ?2",
                    take.event_id,
                    department,
                )? {
                    return Ok(StepOutcome::Repeated { at });
                }
                tx.execute(
                    "INSERT INTO department_acks (event_id, department, at, by, comment) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![take.event_id, department, take.at.to_rfc3339(), take.by, take.comment],
                )?;
                if insert_step(&tx, take, static_step(take.step))? {
                    met.push((static_step(take.step), take.at - opened_at));
                }
                let after = departments_of(&tx, take.event_id)?;
                if !after.is_empty() && after.iter().all(|d| d.at.is_some()) {
                    let joint = StepTake {
                        step: JOINT_RESPONSE,
                        ..*take
                    };
                    if insert_step(&tx, &joint, JOINT_RESPONSE)? {
                        met.push((JOINT_RESPONSE, take.at - opened_at));
                    }
                }
            }
            None => {
                if let Some(at) = taken_at(
                    &tx,
                    "SELECT at FROM steps WHERE event_id = ?1 AND step = ?2",
                    take.event_id,
                    take.step,
                )? {
                    return Ok(StepOutcome::Repeated { at });
                }
                insert_step(&tx, take, take.step)?;
                met.push((static_step(take.step), take.at - opened_at));
            }
        }
        let notice_id = match take.department {
            Some(department) => format!("{}:step:{}:{department}", take.event_id, take.step),
            None => format!("{}:step:{}", take.event_id, take.step),
        };
        let body = json!({ "step": take.step, "department": take.department, "by": take.by,
                           "at": take.at, "comment": take.comment });
        let notice = NewNotice {
            notice_id: &notice_id,
            event_id: take.event_id,
            kind: "step",
            level: &level,
            body: &body,
        };
        let seq = insert_notice(&tx, &notice, &[], now)?;
        tx.commit()?;
        Ok(StepOutcome::Taken(StepTaken { level, met, seq }))
    }

    /// Open incidents whose joint response is past its deadline with departments still
    /// missing, not yet chased.
    pub fn joint_overdue(
        &self,
        now: DateTime<Utc>,
        deadline: impl Fn(&str) -> Option<Duration>,
    ) -> Result<Vec<JointOverdue>, OutboxError> {
        let db = self.reader()?;
        let mut statement = db.prepare(
            "SELECT i.event_id, i.level, i.opened_at, i.escalation_receivers, i.alert FROM incidents i
             WHERE i.resolved = 0
               AND EXISTS (SELECT 1 FROM joint_departments j WHERE j.event_id = i.event_id)
               AND NOT EXISTS (SELECT 1 FROM steps s WHERE s.event_id = i.event_id AND s.step IN ('closed', 'joint_response'))
               AND NOT EXISTS (SELECT 1 FROM overdue_sent o WHERE o.event_id = i.event_id AND o.step = 'joint_response')",
        )?;
        let rows: Vec<(String, String, String, String, String)> = statement
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut overdue = Vec::new();
        for (event_id, level, opened_at, receivers, alert) in rows {
            let Some(limit) = deadline(&level) else {
                continue;
            };
            let due_at = time(opened_at)? + limit;
            if now < due_at {
                continue;
            }
            let missing = departments_of(&db, &event_id)?
                .into_iter()
                .filter(|d| d.at.is_none())
                .map(|d| d.department)
                .collect();
            overdue.push(JointOverdue {
                receivers: serde_json::from_str(&receivers).unwrap_or_default(),
                alert: serde_json::from_str(&alert).unwrap_or(Value::Null),
                event_id,
                level,
                due_at,
                missing,
            });
        }
        Ok(overdue)
    }
}

fn taken_at(
    tx: &Transaction<'_>,
    query: &str,
    event_id: &str,
    key: &str,
) -> Result<Option<DateTime<Utc>>, OutboxError> {
    Ok(tx
        .query_row(query, params![event_id, key], |r| r.get::<_, String>(0))
        .optional()?
        .map(time)
        .transpose()?)
}

/// Inserts the step row unless taken; whether it was new.
fn insert_step(tx: &Transaction<'_>, take: &StepTake<'_>, step: &str) -> Result<bool, OutboxError> {
    let by = match take.department {
        Some(department) => format!("{department} {}", take.by),
        None => take.by.to_owned(),
    };
    Ok(tx.execute(
        "INSERT OR IGNORE INTO steps (event_id, step, at, by, comment) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            take.event_id,
            step,
            take.at.to_rfc3339(),
            by.trim(),
            take.comment
        ],
    )? > 0)
}

pub(super) fn departments_of(
    db: &Connection,
    event_id: &str,
) -> Result<Vec<DepartmentAck>, OutboxError> {
    let mut statement = db.prepare_cached(
        "SELECT j.department, a.at, a.by FROM joint_departments j
         LEFT JOIN department_acks a ON a.event_id = j.event_id AND a.department = j.department
         WHERE j.event_id = ?1 ORDER BY j.rowid",
    )?;
    let rows = statement.query_map([event_id], |r| {
        Ok(DepartmentAck {
            department: r.get(0)?,
            at: r.get::<_, Option<String>>(1)?.map(time).transpose()?,
            by: r.get(2)?,
        })
    })?;
    rows.collect::<Result<_, _>>().map_err(OutboxError::from)
}
