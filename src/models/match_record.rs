//! One matched post: what the matcher hands the grader, and the matches output line.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::completion::Completion;
use super::fingerprint::Fingerprint;
use super::identity::Identity;
use super::post::Post;
use super::rule_ref::RuleRef;

/// One matched post (or an unmatched one in a tracked chain): the output line format
/// (JSON, one per line).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MatchRecord {
    pub post: Post,
    /// The source that received the post.
    pub source: String,
    /// The rule-set generation that matched it.
    pub generation: u64,
    pub rules: Vec<MatchedRule>,
    /// What the generation's scoring stage said, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<Score>,
    pub matched_at: DateTime<Utc>,
    /// When the source received the frame holding the post (for ingest → alert latency).
    pub received_at: DateTime<Utc>,
    /// For clustering; `None` when the record did not come from a matcher (the grader then
    /// computes it). Travels with the record across a process boundary; the grader drops
    /// it before the matches output, where it would only be noise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<Fingerprint>,
    /// Who, where and what the post tells, found by the match worker (in parallel) for a
    /// matched post; `None` otherwise (the tracker then finds it). Stays in the process:
    /// it is only good with the gazetteer that found it.
    #[serde(skip)]
    pub identity: Option<Identity>,
    /// The frame's handle, held until the grader is done with the post (and, through the
    /// alerts it causes, until they are committed). Stays in the process.
    #[serde(skip)]
    pub completion: Option<Completion>,
}

/// A rule that fired on the post, and the terms that made it fire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedRule {
    #[serde(flatten)]
    pub rule: RuleRef,
    /// Terms that hit, at character offsets of the normalized text (`start` is `null` for
    /// a regex hit: the scan tracks only where a regex match ends).
    pub terms: Vec<TermHit>,
}

/// A term that hit, at character offsets of the normalized text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermHit {
    pub term: String,
    /// `None` for a regex hit unless located by `RuleSet::locate_regex_starts`.
    pub start: Option<usize>,
    pub end: usize,
}

/// What a generation's scoring stage (a learned risk scorer) said about a post: its risk,
/// the domain it reads as, and why, so the verdict explains itself as rules do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Risk in [0, 1].
    pub risk: f64,
    /// The domain the post reads as, when the scorer tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// What weighed most, as a person reads it (features and their weights).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub why: Vec<String>,
    /// The threshold of the domain the risk was held to, when the scorer has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Whether the risk reached that threshold (the post matches even if no rule fired).
    #[serde(default)]
    pub passed: bool,
}
