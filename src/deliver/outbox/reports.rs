//! What the daily and weekly reports (舆情日报 / 周报) are built from: the incidents opened
//! in a period, each with its steps, departments and whole velocity curve.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde_json::Value;

use super::feed::merge_velocity;
use super::workflow::departments_of;
use super::{time, DepartmentAck, Incident, Outbox, OutboxError, Step, STEPS};

/// One incident of a report period.
#[derive(Debug, Clone)]
pub struct ReportIncident {
    pub incident: Incident,
    pub steps: Vec<Step>,
    pub departments: Vec<DepartmentAck>,
    /// The highest level any of its alerts had.
    pub peak_level: String,
    /// Posts per minute by Unix minute over the incident's whole life.
    pub curve: BTreeMap<i64, u64>,
}

fn level_rank(level: &str) -> u8 {
    match level {
        "red" => 3,
        "orange" => 2,
        "yellow" => 1,
        _ => 0,
    }
}

impl Outbox {
    /// Incidents opened in `[from, to)`, oldest first.
    pub fn report_incidents(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ReportIncident>, OutboxError> {
        let db = self.reader()?;
        // Timestamps are RFC 3339 text; a second of margin each side, then exact in Rust.
        let mut statement = db.prepare(
            "SELECT event_id, level, resolved, domains, opened_at, updated_at, alert FROM incidents
             WHERE opened_at >= ?1 AND opened_at < ?2 ORDER BY opened_at",
        )?;
        let margin = chrono::Duration::seconds(1);
        let rows: Vec<(String, String, bool, String, String, String, String)> = statement
            .query_map(
                params![(from - margin).to_rfc3339(), (to + margin).to_rfc3339()],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )?
            .collect::<Result<_, _>>()?;
        let mut notices = db.prepare_cached(
            "SELECT level, body FROM notices WHERE event_id = ?1 AND kind IN ('opened', 'escalated', 'updated', 'resolved') ORDER BY seq",
        )?;
        let mut step_rows =
            db.prepare_cached("SELECT step, at, by, comment FROM steps WHERE event_id = ?1")?;
        let mut incidents = Vec::new();
        for (event_id, level, resolved, domains, opened_at, updated_at, alert) in rows {
            let opened_at = time(opened_at)?;
            if opened_at < from || opened_at >= to {
                continue;
            }
            let mut curve = BTreeMap::new();
            let mut peak_level = level.clone();
            let bodies: Vec<(String, String)> = notices
                .query_map([&event_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (notice_level, body) in bodies {
                if level_rank(&notice_level) > level_rank(&peak_level) {
                    peak_level = notice_level;
                }
                let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                merge_velocity(&mut curve, &body["alert"]);
            }
            let steps: Vec<Step> = step_rows
                .query_map([&event_id], |r| {
                    Ok(Step {
                        step: r.get(0)?,
                        at: time(r.get(1)?)?,
                        by: r.get(2)?,
                        comment: r.get(3)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            let departments = departments_of(&db, &event_id)?;
            let state = STEPS
                .iter()
                .rev()
                .find(|s| steps.iter().any(|t| t.step == **s))
                .map_or("open", |s| *s)
                .to_owned();
            let alert: Value = serde_json::from_str(&alert).unwrap_or(Value::Null);
            merge_velocity(&mut curve, &alert);
            incidents.push(ReportIncident {
                incident: Incident {
                    event_id,
                    level,
                    state,
                    resolved,
                    domains: serde_json::from_str(&domains).unwrap_or_default(),
                    opened_at,
                    updated_at: time(updated_at)?,
                    alert,
                },
                steps,
                departments,
                peak_level,
                curve,
            });
        }
        Ok(incidents)
    }
}
