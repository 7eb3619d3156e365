//! The track side of the hits topic: matched posts from the match engines into the grader.
//!
//! The tracker's state (open events, their windows) lives in memory. Until the tracker
//! keeps a checkpoint of its own, the hits topic is that checkpoint: a track engine
//! commits no offsets and, on every start, replays `hits` from the earliest retained
//! message before it goes on with new ones — so set the topic's retention to at least the
//! event window (`events.quiet_minutes` and then some). Alerts raised again during the
//! replay carry the same ids as before (ids derive from the posts), and the outbox and the
//! receivers drop what they already have, so a restart never doubles a notice.
//!
//! Hits go to the grader as frames of their own, numbered from 0 in the order read; a
//! track engine takes no other input (no `[[sources]]`; do not push posts to it).

use std::time::Duration;

use crossbeam_channel::Sender;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use tokio_util::sync::CancellationToken;

use super::ClusterConfig;
use crate::events::order::Sequenced;
use crate::health::{Health, SourceState};
use crate::models::MatchRecord;

/// Hits read from the topic, and those that could not be read as a match.
pub const HITS_CONSUMED: &str = "fenghuo_hits_consumed_total";
pub const HITS_UNREADABLE: &str = "fenghuo_hits_unreadable_total";

/// The health entry of a track engine's hits consumer.
pub const HITS_SOURCE_NAME: &str = "hits";

pub struct HitsSource {
    pub config: ClusterConfig,
    /// The grader's input; each hit goes in as a frame of its own, numbered from 0.
    pub matches: Sender<Sequenced>,
    pub health: std::sync::Arc<Health>,
}

impl HitsSource {
    /// Feeds the grader until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) {
        let health = self.health.clone();
        health.set(HITS_SOURCE_NAME, SourceState::Connecting);
        let ran = tokio::task::spawn_blocking(move || self.consume(&shutdown)).await;
        match ran {
            Ok(Ok(())) => health.set(HITS_SOURCE_NAME, SourceState::Finished),
            Ok(Err(e)) => {
                health.set(HITS_SOURCE_NAME, SourceState::Failed);
                tracing::error!(error = %e, "hits consumer failed");
            }
            Err(e) => {
                health.set(HITS_SOURCE_NAME, SourceState::Failed);
                tracing::error!(error = %e, "hits consumer panicked");
            }
        }
    }

    fn consume(self, shutdown: &CancellationToken) -> Result<(), rdkafka::error::KafkaError> {
        let consumer: BaseConsumer = self
            .config
            .client()
            .client_config(&[
                ("group.id", &self.config.track_group),
                ("enable.auto.commit", "false"),
                ("auto.offset.reset", "earliest"),
                ("client.id", "fenghuo-track"),
            ])
            .create()?;
        consumer.subscribe(&[&self.config.hits_topic])?;
        let consumed = metrics::counter!(HITS_CONSUMED);
        let mut connected = false;
        let mut frame = 0u64;
        while !shutdown.is_cancelled() {
            let Some(message) = consumer.poll(Duration::from_millis(100)) else {
                continue;
            };
            let message = match message {
                Ok(message) => message,
                Err(e) => {
                    tracing::warn!(error = %e, "hits consumer error");
                    continue;
                }
            };
            if !connected {
                self.health.set(HITS_SOURCE_NAME, SourceState::Connected);
                connected = true;
            }
            let record: MatchRecord = match serde_json::from_slice(
                message.payload().unwrap_or_default(),
            ) {
                Ok(record) => record,
                Err(e) => {
                    metrics::counter!(HITS_UNREADABLE).increment(1);
                    tracing::warn!(error = %e, partition = message.partition(), offset = message.offset(), "unreadable hit skipped");
                    continue;
                }
            };
            consumed.increment(1);
            let sent = self.matches.send(Sequenced::Record(frame, record));
            if sent.and(self.matches.send(Sequenced::Done(frame))).is_err() {
                break;
            }
            frame += 1;
        }
        Ok(())
    }
}
