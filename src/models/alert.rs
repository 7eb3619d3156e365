//! The alert: what the monitoring centre sees, in the schema of `deploy/alert.schema.json`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::completion::Completion;
use super::figures::{Figures, PostSummary};
use super::level::Level;
use super::place::Whereabouts;
use super::response::OfficialResponse;
use super::rule_ref::RuleRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alert {
    /// `{event_id}@{instance}#{sequence}` (`grade::alert_id`): unique for ever, also across
    /// re-openings of one event, and stable across replays of the same feed.
    pub alert_id: String,
    pub kind: AlertKind,
    pub event_id: String,
    pub level: Level,
    /// 一般 / 重大 / 特大.
    pub level_zh: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_level: Option<Level>,
    /// Event time the alert refers to (the newest post's minute).
    pub at: DateTime<Utc>,
    /// Wall-clock time the engine emitted it.
    pub emitted_at: DateTime<Utc>,
    /// Why it was resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// An excerpt of the first post.
    pub title: String,
    pub domains: Vec<String>,
    /// Where it happened (属地), from the posts' texts, with the words that said so; the
    /// posters' IP regions are in the posts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Whereabouts>,
    /// The first official statement in the event (recorded as its `responded` step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<OfficialResponse>,
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
    /// The handle of the frame whose post caused the alert, released once the alert is
    /// committed to the outbox. Stays in the process.
    #[serde(skip)]
    pub completion: Option<Completion>,
}

impl AlertKind {
    pub fn label(self) -> &'static str {
        match self {
            AlertKind::Opened => "opened",
            AlertKind::Escalated => "escalated",
            AlertKind::Updated => "updated",
            AlertKind::Resolved => "resolved",
        }
    }
}

/// Why an event was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Resolution {
    /// No post for the policy's quiet time.
    Quiet,
    /// Dropped under memory pressure (the caps on events or posts).
    Evicted,
    /// Open when the engine stopped, and opened after its last checkpoint, so the restarted
    /// tracker does not hold it: resolved at start rather than left open for ever.
    Restarted,
}

impl Resolution {
    pub fn label(self) -> &'static str {
        match self {
            Resolution::Quiet => "quiet",
            Resolution::Evicted => "evicted",
            Resolution::Restarted => "restarted",
        }
    }
}

/// One reason an event has its level: a threshold crossed, or its base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub level: Level,
    /// `base`, `domain_floor`, or a metric name such as `posts_per_min_5m`.
    pub signal: String,
    /// The event's figure (for a base: absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    pub text: String,
}

/// At the current growth, when the next level's rate thresholds would be crossed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub next_level: Level,
    pub signal: String,
    pub value: f64,
    pub threshold: f64,
    /// Minutes until crossing if the 5-minute acceleration holds.
    pub eta_minutes: f64,
}
