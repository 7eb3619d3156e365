//! The alert: what the monitoring centre sees, in the schema of `deploy/alert.schema.json`.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::policy::{Forecast, Level, Reason};
use crate::events::{Figures, PostSummary};
use crate::rules::RuleRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertKind {
    /// The event first reached a level.
    Opened,
    /// Its level rose (提级响应).
    Escalated,
    /// Still open and growing; throttled by the policy's lifecycle.
    Updated,
    /// Quiet for the configured time (or evicted under memory pressure); closed.
    Resolved,
}

#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    /// `{event_id}#{sequence}`: unique per alert, stable across replays of the same feed.
    pub alert_id: String,
    pub kind: AlertKind,
    pub event_id: String,
    pub level: Level,
    /// 一般 / 重大 / 特大.
    pub level_zh: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_level: Option<Level>,
    /// Event time the alert refers to (the newest post's minute).
    pub at: DateTime<Utc>,
    /// Wall-clock time the engine emitted it.
    pub emitted_at: DateTime<Utc>,
    /// Why it was resolved: `quiet` or `evicted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<&'static str>,
    /// An excerpt of the first post.
    pub title: String,
    pub domains: Vec<String>,
    pub rules: Vec<RuleRef>,
    /// The rule-set generation of the latest match.
    pub generation: u64,
    /// Every threshold crossed, with the figures, and the base level's reason.
    pub why: Vec<Reason>,
    pub figures: Figures,
    /// Posts per minute over the last 15 minutes, oldest first.
    pub velocity: Vec<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forecast: Option<Forecast>,
    pub first_post: PostSummary,
    pub top_posts: Vec<PostSummary>,
}
