//! Scale-out on Kafka: stateless matching, stateful tracking.
//!
//! One process can run the whole pipeline (role `both`, the default). When one box is not
//! enough, match-only engines (role `match`) share the feed's partitions in a consumer
//! group and publish each matched post to a `hits` topic keyed by its story key, so all
//! posts of one story meet in one partition; a track-only engine (role `track`) consumes
//! `hits` and runs the tracker, grader and delivery.
//!
//! - [`hits_sink`]: the match side — publishes matches and releases each frame's
//!   completion when the broker has its matches (so the Kafka source commits only
//!   offsets whose matches are on `hits`).
//! - [`hits_source`]: the track side — feeds `hits` into the grader, each assigned
//!   partition from where the tracker's checkpoint stands.
//! - [`hits_ledger`]: which hits a track engine's checkpoint covers (the offsets it is
//!   saved with) and where an assigned partition starts.

pub mod hits_ledger;
pub mod hits_sink;
pub mod hits_source;

use serde::Deserialize;

use crate::ingest::kafka::KafkaClientConfig;

/// Which stages this process runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sources, matching, tracking, grading and delivery in one process.
    #[default]
    Both,
    /// Sources and matching; matches go to the hits topic.
    Match,
    /// Tracking, grading and delivery of what the hits topic brings.
    Track,
}

/// `[cluster]`: the role of this process and the hits topic between the roles.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    #[serde(default)]
    pub role: Role,
    /// Bootstrap brokers of the hits topic (comma separated); unused in role `both`.
    #[serde(default)]
    pub brokers: String,
    /// librdkafka settings for the hits producer and consumer (security, timeouts).
    #[serde(default)]
    pub librdkafka: std::collections::BTreeMap<String, String>,
    /// The topic matched posts travel on from match to track engines.
    #[serde(default = "default_hits_topic")]
    pub hits_topic: String,
    /// Consumer group of the track engines.
    #[serde(default = "default_track_group")]
    pub track_group: String,
}

fn default_hits_topic() -> String {
    "fenghuo-hits".to_owned()
}
fn default_track_group() -> String {
    "fenghuo-track".to_owned()
}

impl ClusterConfig {
    pub fn client(&self) -> KafkaClientConfig {
        KafkaClientConfig {
            brokers: self.brokers.clone(),
            librdkafka: self.librdkafka.clone(),
        }
    }

    /// Adds what is wrong with these settings to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.role != Role::Both && self.brokers.trim().is_empty() {
            problems.push(format!(
                "cluster.brokers must be set for role {:?}",
                self.role
            ));
        }
        if self.hits_topic.trim().is_empty() || self.track_group.trim().is_empty() {
            problems
                .push("cluster.hits_topic and cluster.track_group must not be empty".to_owned());
        }
        if self
            .librdkafka
            .get("statistics.interval.ms")
            .is_some_and(|ms| ms.trim() == "0")
        {
            problems.push(
                "cluster.librdkafka.statistics.interval.ms must not be 0: a track engine reads from them whether its brokers are reachable".to_owned(),
            );
        }
    }
}

/// The key a matched post travels under: its repost chain's root when the platform tells,
/// else what it reposts, else itself — so a story's posts land in one partition.
pub fn story_key(post: &crate::models::Post) -> String {
    let root = post
        .root_id
        .as_deref()
        .or(post.repost_of.as_deref())
        .unwrap_or(&post.id);
    format!("{}:{root}", post.platform)
}
