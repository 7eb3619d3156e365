//! Analysts' verdicts on posts (feedback): kept here beside the alerts they judge, so the
//! per-rule confirmed / false-alarm counts survive restarts and the verdicts can be
//! exported as training data for `fenghuo model train`.
//!
//! Feedback is never pruned with the notices: it is labelled data, the most expensive
//! kind, and small (one row per verdict).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use super::{time, Outbox, OutboxError};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    platform TEXT NOT NULL,
    post_id TEXT NOT NULL,
    label TEXT NOT NULL,
    domain TEXT NOT NULL,
    who TEXT NOT NULL,
    comment TEXT NOT NULL,
    text TEXT NOT NULL,
    event_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback_rules (
    feedback_id INTEGER NOT NULL,
    rule TEXT NOT NULL,
    PRIMARY KEY (feedback_id, rule)
);
CREATE INDEX IF NOT EXISTS feedback_by_time ON feedback (at);
";

/// A verdict to record (validated by the API).
#[derive(Debug, Clone)]
pub struct NewFeedback {
    /// Empty when the analyst sent only a text (a missed post from elsewhere).
    pub platform: String,
    pub post_id: String,
    /// `risk` or `neutral`.
    pub label: String,
    /// Empty when not given (neutral posts).
    pub domain: String,
    pub who: String,
    pub comment: String,
    pub text: String,
    /// The incident the post belongs to, when the store knows it.
    pub event_id: String,
    /// The rules that matched the post (none: a missed post).
    pub rules: Vec<String>,
}

/// A recorded verdict.
#[derive(Debug, Clone)]
pub struct Feedback {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub entry: NewFeedback,
}

/// What the store knows of a post an alert showed.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownPost {
    pub event_id: String,
    pub platform: String,
    /// The alert's excerpt of the post (title + body, up to 140 characters).
    pub text: String,
    /// The rules of the alert that showed it.
    pub rules: Vec<String>,
}

/// Confirmed and false-alarm verdicts of one rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleVerdicts {
    pub confirmed: u64,
    pub false_alarms: u64,
}

/// The post `post_id` (on `platform`, when given) in an alert's first or top posts.
fn post_in(alert: &Value, post_id: &str, platform: Option<&str>) -> Option<KnownPost> {
    let posts = std::iter::once(&alert["first_post"])
        .chain(alert["top_posts"].as_array().into_iter().flatten());
    for post in posts {
        let same_platform = platform.is_none_or(|p| post["platform"].as_str() == Some(p));
        if post["id"].as_str() == Some(post_id) && same_platform {
            let rules = alert["rules"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["id"].as_str().map(str::to_owned))
                .collect();
            return Some(KnownPost {
                event_id: alert["event_id"].as_str().unwrap_or_default().to_owned(),
                platform: post["platform"].as_str().unwrap_or_default().to_owned(),
                text: post["excerpt"].as_str().unwrap_or_default().to_owned(),
                rules,
            });
        }
    }
    None
}

/// Looks `post_id` up in the incidents' latest alerts, then in every notice kept (a post
/// can drop out of an incident's top posts as it grows).
fn find_post(
    db: &Connection,
    post_id: &str,
    platform: Option<&str>,
) -> Result<Option<KnownPost>, OutboxError> {
    // The alert JSON holds `"id":"<post id>"`; `instr` narrows the scan without LIKE's
    // wildcards, the parsed JSON decides.
    let needle = format!("\"id\":{}", Value::String(post_id.to_owned()));
    let mut incidents = db.prepare_cached(
        "SELECT alert FROM incidents WHERE instr(alert, ?1) > 0 ORDER BY updated_at DESC",
    )?;
    let alerts: Vec<String> = incidents
        .query_map([&needle], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for alert in alerts {
        let alert: Value = serde_json::from_str(&alert).unwrap_or(Value::Null);
        if let Some(found) = post_in(&alert, post_id, platform) {
            return Ok(Some(found));
        }
    }
    let mut notices =
        db.prepare_cached("SELECT body FROM notices WHERE instr(body, ?1) > 0 ORDER BY seq DESC")?;
    let bodies: Vec<String> = notices
        .query_map([&needle], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for body in bodies {
        let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        if let Some(found) = post_in(&body["alert"], post_id, platform) {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

fn rule_verdicts(
    db: &Connection,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<BTreeMap<String, RuleVerdicts>, OutboxError> {
    let mut statement = db.prepare_cached(
        "SELECT r.rule, f.label, f.at FROM feedback_rules r JOIN feedback f ON f.id = r.feedback_id",
    )?;
    let rows: Vec<(String, String, String)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut counts: BTreeMap<String, RuleVerdicts> = BTreeMap::new();
    for (rule, label, at) in rows {
        let at = time(at)?;
        if from.is_some_and(|from| at < from) || to.is_some_and(|to| at >= to) {
            continue;
        }
        let entry = counts.entry(rule).or_default();
        if label == "risk" {
            entry.confirmed += 1;
        } else {
            entry.false_alarms += 1;
        }
    }
    Ok(counts)
}

impl Outbox {
    /// What the alerts kept say about `post_id`: its incident, excerpt and rules.
    pub fn known_post(
        &self,
        post_id: &str,
        platform: Option<&str>,
    ) -> Result<Option<KnownPost>, OutboxError> {
        find_post(&*self.reader()?, post_id, platform)
    }

    /// Records a verdict; returns its id.
    pub fn record_feedback(
        &self,
        entry: &NewFeedback,
        now: DateTime<Utc>,
    ) -> Result<i64, OutboxError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        tx.execute(
            "INSERT INTO feedback (at, platform, post_id, label, domain, who, comment, text, event_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                now.to_rfc3339(),
                entry.platform,
                entry.post_id,
                entry.label,
                entry.domain,
                entry.who,
                entry.comment,
                entry.text,
                entry.event_id
            ],
        )?;
        let id = tx.last_insert_rowid();
        for rule in &entry.rules {
            tx.execute(
                "INSERT OR IGNORE INTO feedback_rules (feedback_id, rule) VALUES (?1, ?2)",
                params![id, rule],
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// Every verdict, oldest first.
    pub fn feedback(&self) -> Result<Vec<Feedback>, OutboxError> {
        let db = self.reader()?;
        let mut statement = db.prepare_cached(
            "SELECT id, at, platform, post_id, label, domain, who, comment, text, event_id
             FROM feedback ORDER BY id",
        )?;
        let mut rows: Vec<Feedback> = statement
            .query_map([], |r| {
                Ok(Feedback {
                    id: r.get(0)?,
                    at: time(r.get(1)?)?,
                    entry: NewFeedback {
                        platform: r.get(2)?,
                        post_id: r.get(3)?,
                        label: r.get(4)?,
                        domain: r.get(5)?,
                        who: r.get(6)?,
                        comment: r.get(7)?,
                        text: r.get(8)?,
                        event_id: r.get(9)?,
                        rules: Vec::new(),
                    },
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut rules = db.prepare_cached(
            "SELECT feedback_id, rule FROM feedback_rules ORDER BY feedback_id, rule",
        )?;
        let pairs: Vec<(i64, String)> = rules
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (id, rule) in pairs {
            if let Ok(index) = rows.binary_search_by_key(&id, |f| f.id) {
                rows[index].entry.rules.push(rule);
            }
        }
        Ok(rows)
    }

    /// Confirmed and false-alarm verdicts per rule, given in `[from, to)` (all when `None`).
    pub fn rule_verdicts(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<BTreeMap<String, RuleVerdicts>, OutboxError> {
        rule_verdicts(&*self.reader()?, from, to)
    }

    /// Verdicts of risk on posts no rule matched (misses), all time.
    pub fn missed_feedback(&self) -> Result<u64, OutboxError> {
        let db = self.reader()?;
        let n: Option<i64> = db
            .query_row(
                "SELECT COUNT(*) FROM feedback f WHERE f.label = 'risk'
                 AND NOT EXISTS (SELECT 1 FROM feedback_rules r WHERE r.feedback_id = f.id)",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(n.unwrap_or(0).max(0) as u64)
    }
}
