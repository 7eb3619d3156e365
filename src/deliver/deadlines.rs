//! Deadlines of the plan, per level: acknowledgement (首接) 30 min; verification 2 h (red) /
//! 4 h (orange) / 8 h (yellow); first official response 2 h (red, orange) / 4 h (yellow);
//! core facts (closed) 24 h; departments joining (联合响应) 30 min. An incident's
//! [`next_deadline`] is shown on the wall and named in every notice about it; an overdue
//! step is sent once to the route's escalation receivers, as an `overdue` notice through
//! the same outbox.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use metrics::counter;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::watch;

use super::outbox::{NewNotice, Outbox, OutboxError};
use crate::telemetry::DEADLINES_OVERDUE;

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelMinutes {
    pub red: i64,
    pub orange: i64,
    pub yellow: i64,
}

impl LevelMinutes {
    fn joint_response() -> LevelMinutes {
        LevelMinutes {
            red: 30,
            orange: 30,
            yellow: 30,
        }
    }

    fn get(&self, level: &str) -> Option<i64> {
        match level {
            "red" => Some(self.red),
            "orange" => Some(self.orange),
            "yellow" => Some(self.yellow),
            _ => None,
        }
    }
}

/// `[deadlines]` in the configuration: minutes from an incident's first alert.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlinesConfig {
    pub ack: LevelMinutes,
    pub verified: LevelMinutes,
    pub responded: LevelMinutes,
    pub closed: LevelMinutes,
    /// Every department a route names has acknowledged (联合响应): 30 min by default.
    #[serde(default = "LevelMinutes::joint_response")]
    pub joint_response: LevelMinutes,
    /// How often overdue steps are looked for.
    pub check_interval_secs: u64,
}

impl DeadlinesConfig {
    pub fn deadline(&self, level: &str, step: &str) -> Option<Duration> {
        let minutes = match step {
            "ack" => self.ack.get(level),
            "verified" => self.verified.get(level),
            "responded" => self.responded.get(level),
            "closed" => self.closed.get(level),
            "joint_response" => self.joint_response.get(level),
            _ => None,
        }?;
        Some(Duration::minutes(minutes))
    }
}

/// Steps an open incident counts down to, in the plan's order (the joint response only
/// where departments must join): what the wall shows and notices name as the next one.
pub const CHASED: [&str; 4] = ["ack", "joint_response", "verified", "responded"];

/// One chased step of an incident: when it is due, and when it was taken.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Due {
    pub step: &'static str,
    pub due_at: DateTime<Utc>,
    pub taken_at: Option<DateTime<Utc>>,
}

impl DeadlinesConfig {
    /// Each chased step of an incident at `level` opened at `opened_at`: its due time and
    /// when it was taken (`taken`). `joint`: departments must join (else the joint
    /// response is left out).
    pub fn schedule(
        &self,
        level: &str,
        opened_at: DateTime<Utc>,
        joint: bool,
        taken: impl Fn(&str) -> Option<DateTime<Utc>>,
    ) -> Vec<Due> {
        CHASED
            .into_iter()
            .filter(|step| joint || *step != "joint_response")
            .filter_map(|step| {
                let limit = self.deadline(level, step)?;
                Some(Due {
                    step,
                    due_at: opened_at + limit,
                    taken_at: taken(step),
                })
            })
            .collect()
    }
}

/// The next deadline of a schedule: the earliest step not taken (it may be past).
pub fn next_deadline(schedule: &[Due]) -> Option<&Due> {
    schedule
        .iter()
        .filter(|due| due.taken_at.is_none())
        .min_by_key(|due| due.due_at)
}

/// Sends an `overdue` notice for every step past its deadline not yet chased; returns how
/// many. `now` is a parameter so tests can move time.
pub fn chase_overdue(
    outbox: &Outbox,
    config: &DeadlinesConfig,
    committed: &watch::Sender<i64>,
    now: DateTime<Utc>,
) -> Result<usize, OutboxError> {
    let overdue = outbox.overdue(now, |level, step| config.deadline(level, step))?;
    for item in &overdue {
        let notice_id = format!(
            "{}:overdue:{}",
            item.alert["alert_id"].as_str().unwrap_or(&item.event_id),
            item.step
        );
        let body = json!({
            "alert": item.alert,
            "overdue": { "step": item.step, "due_at": item.due_at, "noticed_at": now },
        });
        tracing::warn!(event = %item.event_id, step = item.step, level = %item.level, "deadline passed; escalating");
        counter!(DEADLINES_OVERDUE, "level" => item.level.clone(), "step" => item.step)
            .increment(1);
        let notice = NewNotice {
            notice_id: &notice_id,
            event_id: &item.event_id,
            kind: "overdue",
            level: &item.level,
            body: &body,
        };
        if let Some(seq) = outbox.append(&notice, &item.receivers, now)? {
            committed.send_replace(seq);
        }
        outbox.mark_overdue_sent(&item.event_id, item.step)?;
    }
    Ok(overdue.len())
}

/// Chases overdue steps every `check_interval_secs` until shutdown.
pub fn spawn_chaser(
    outbox: Arc<Outbox>,
    live: Arc<arc_swap::ArcSwap<DeadlinesConfig>>,
    committed: watch::Sender<i64>,
    shutdown: tokio_util::sync::CancellationToken,
) {
    tokio::spawn(async move {
        // The interval is the one at start; the deadlines themselves reload.
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(
            live.load().check_interval_secs.max(1),
        ));
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            let (config, committed) = (live.load_full(), committed.clone());
            let chased = outbox
                .blocking(move |o| {
                    if let Err(e) = chase_overdue(o, &config, &committed, Utc::now()) {
                        tracing::error!(error = %e, "checking deadlines failed");
                    }
                    super::joint::chase_joint_response(o, &config, &committed, Utc::now())
                })
                .await;
            if let Err(e) = chased {
                tracing::error!(error = %e, "checking joint responses failed");
            }
        }
    });
}
