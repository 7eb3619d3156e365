//! The track side of the hits topic: matched posts from the match engines into the grader.
//!
//! The tracker's state (open events, their windows) lives in memory and in its checkpoint,
//! which is saved with the hits-topic offsets it covers ([`super::hits_ledger`]). A track
//! engine commits no offsets to Kafka: on every start it restores its checkpoint and each
//! partition assigned to it starts where that checkpoint stands, so the hits after it are
//! replayed into the restored tracker before anything new. A partition the checkpoint does
//! not cover (no checkpoint yet, or `checkpoint_secs = 0`) is replayed from the earliest
//! retained hit — so set the topic's retention to at least the event window
//! (`events.quiet_minutes` and then some). Alerts raised again during a replay carry the
//! same ids as before (ids derive from the state and the posts), and the outbox drops what
//! it already has, so a restart never doubles a notice.
//!
//! Hits go to the grader as frames of their own, numbered from 0 in the order read, each
//! with a completion that tells the ledger when its alerts are in the outbox; a track
//! engine takes no other input (no `[[sources]]`; do not push posts to it).

use std::time::Duration;

use std::sync::Arc;

use crossbeam_channel::Sender;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, RebalanceProtocol};
use rdkafka::message::Message;
use rdkafka::statistics::Statistics;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::types::{RDKafkaErrorCode, RDKafkaRespErr};
use rdkafka::ClientContext;
use tokio_util::sync::CancellationToken;

use super::hits_ledger::HitsLedger;
use super::ClusterConfig;
use crate::events::order::Sequenced;
use crate::health::{Health, SourceState};
use crate::ingest::kafka::connection::BrokerLink;
use crate::models::{Completion, MatchRecord};

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
    /// Where assigned partitions start, and which hits are handled.
    pub ledger: Arc<HitsLedger>,
}

/// Starts each assigned partition where the ledger says (the restored checkpoint, or
/// after what this process already read), else at the earliest retained hit; and tells
/// health whether the brokers answer (a broker restart: `reconnecting`, as for a feed).
struct StartAtCheckpoint {
    ledger: Arc<HitsLedger>,
    link: BrokerLink,
}

impl ClientContext for StartAtCheckpoint {
    fn stats(&self, statistics: Statistics) {
        self.link.observe(&statistics);
    }

    fn error(&self, error: rdkafka::error::KafkaError, reason: &str) {
        if error.rdkafka_error_code() == Some(RDKafkaErrorCode::AllBrokersDown) {
            self.link.down(reason);
        }
        if self.link.is_up() {
            tracing::warn!(%error, reason, "hits consumer client error");
        } else {
            tracing::debug!(%error, reason, "hits consumer client error");
        }
    }
}

impl ConsumerContext for StartAtCheckpoint {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        // An assignment carries its start offsets. Eager assignors (ours) revoke
        // everything, then assign; a cooperative one set in `[cluster] librdkafka` moves
        // partitions one by one.
        let cooperative = matches!(
            consumer.rebalance_protocol(),
            RebalanceProtocol::Cooperative
        );
        let result = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                let mut starts = Vec::new();
                for element in tpl.elements() {
                    let start = match self.ledger.start_of(element.partition()) {
                        Some(offset) => Offset::Offset(offset),
                        None => Offset::Beginning,
                    };
                    starts.push((element.topic().to_owned(), element.partition(), start));
                }
                for (topic, partition, start) in &starts {
                    if let Err(e) = tpl.set_partition_offset(topic, *partition, *start) {
                        tracing::warn!(error = %e, partition, "start offset not set");
                    }
                }
                tracing::info!(partitions = ?starts, "hits partitions assigned");
                if cooperative {
                    consumer.incremental_assign(tpl)
                } else {
                    consumer.assign(tpl)
                }
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                tracing::info!("hits partitions revoked");
                if cooperative {
                    consumer.incremental_unassign(tpl)
                } else {
                    consumer.unassign()
                }
            }
            other => {
                tracing::warn!(error = ?other, "hits rebalance error");
                consumer.unassign()
            }
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "hits assignment failed");
        }
    }
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
        let consumer: BaseConsumer<StartAtCheckpoint> = self
            .config
            .client()
            .client_config(&[
                ("group.id", &self.config.track_group),
                ("enable.auto.commit", "false"),
                ("auto.offset.reset", "earliest"),
                ("partition.assignment.strategy", "range,roundrobin"),
                ("client.id", "fenghuo-track"),
                // For the link's view of the brokers.
                ("statistics.interval.ms", "1000"),
            ])
            .create_with_context(StartAtCheckpoint {
                ledger: self.ledger.clone(),
                link: BrokerLink::new(HITS_SOURCE_NAME, self.health.clone()),
            })?;
        consumer.subscribe(&[&self.config.hits_topic])?;
        let consumed = metrics::counter!(HITS_CONSUMED);
        let mut frame = 0u64;
        while !shutdown.is_cancelled() {
            let Some(message) = consumer.poll(Duration::from_millis(100)) else {
                continue;
            };
            let message = match message {
                Ok(message) => message,
                Err(e) => {
                    if consumer.context().link.is_up() {
                        tracing::warn!(error = %e, "hits consumer error");
                    } else {
                        tracing::debug!(error = %e, "hits consumer error");
                    }
                    continue;
                }
            };
            consumer.context().link.first_message();
            let (partition, offset) = (message.partition(), message.offset());
            self.ledger.read(frame, partition, offset);
            let mut record: MatchRecord =
                match serde_json::from_slice(message.payload().unwrap_or_default()) {
                    Ok(record) => record,
                    Err(e) => {
                        metrics::counter!(HITS_UNREADABLE).increment(1);
                        tracing::warn!(error = %e, partition, offset, "unreadable hit skipped");
                        // Handled as far as it can be: a frame without records.
                        self.ledger.finished(frame, crate::models::Status::Handled);
                        if self.matches.send(Sequenced::Done(frame)).is_err() {
                            break;
                        }
                        frame += 1;
                        continue;
                    }
                };
            consumed.increment(1);
            let ledger = self.ledger.clone();
            record.completion = Some(Completion::new(move |status| {
                ledger.finished(frame, status);
            }));
            let sent = self.matches.send(Sequenced::Record(frame, record));
            if sent.and(self.matches.send(Sequenced::Done(frame))).is_err() {
                break;
            }
            frame += 1;
        }
        Ok(())
    }
}
