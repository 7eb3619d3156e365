//! The Kafka source's consumer thread.
//!
//! One thread per source polls librdkafka (a consumer in a group with cooperative-sticky
//! assignment), turns each message into a frame, and commits per partition only the
//! watermark of [`Progress`]. librdkafka runs rebalance callbacks on this thread, so a
//! revoke can wait for the revoked partitions' messages to be handled and commit them
//! before the partition goes to another engine. When too much is in flight the source
//! pauses its partitions (the broker keeps the backlog) and resumes them once the workers
//! have caught up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaResult;
use rdkafka::message::Message;
use rdkafka::statistics::Statistics;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::ClientContext;
use tokio_util::sync::CancellationToken;

use super::config::KafkaSourceConfig;
use super::progress::{PartitionKey, Progress};
use super::{KAFKA_COMMITS, KAFKA_LAG, KAFKA_PAUSED, KAFKA_REBALANCES};
use crate::health::{Health, SourceState};
use crate::ingest::queue::FrameSender;
use crate::models::{Frame, SourceInfo};

/// A running Kafka source's parts.
pub struct KafkaSource {
    pub config: KafkaSourceConfig,
    pub source: Arc<SourceInfo>,
    pub health: Arc<Health>,
}

#[derive(Debug, thiserror::Error)]
pub enum KafkaSourceError {
    #[error("creating the Kafka consumer: {0}")]
    Create(#[source] rdkafka::error::KafkaError),
    #[error("subscribing to {topics:?}: {source}")]
    Subscribe {
        topics: Vec<String>,
        #[source]
        source: rdkafka::error::KafkaError,
    },
}

/// librdkafka's callbacks: rebalances, statistics (lag), errors.
struct SourceContext {
    name: String,
    progress: Arc<Progress>,
    drain_timeout: Duration,
    paused: AtomicBool,
    health: Arc<Health>,
}

impl ClientContext for SourceContext {
    fn stats(&self, statistics: Statistics) {
        for (topic, stats) in &statistics.topics {
            for (partition, p) in &stats.partitions {
                // Partition -1 is librdkafka's internal bookkeeping; lag is -1 until known.
                if *partition < 0 || !p.desired || p.consumer_lag < 0 {
                    continue;
                }
                metrics::gauge!(KAFKA_LAG, "source" => self.name.clone(), "topic" => topic.clone(), "partition" => partition.to_string())
                    .set(p.consumer_lag as f64);
            }
        }
    }

    fn error(&self, error: rdkafka::error::KafkaError, reason: &str) {
        tracing::warn!(source = %self.name, %error, reason, "kafka client error");
        if matches!(
            error.rdkafka_error_code(),
            Some(rdkafka::types::RDKafkaErrorCode::AllBrokersDown)
        ) {
            self.health.set(&self.name, SourceState::Connecting);
        }
    }
}

impl ConsumerContext for SourceContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(list) = rebalance else {
            return;
        };
        let keys = keys(list);
        metrics::counter!(KAFKA_REBALANCES, "source" => self.name.clone(), "change" => "revoke")
            .increment(1);
        // Hand over what is done: wait (bounded) for in-flight messages, commit, let go.
        let drained = self.progress.wait_handled(Some(&keys), self.drain_timeout);
        let offsets: Vec<_> = self
            .progress
            .advance()
            .into_iter()
            .filter(|(key, _)| keys.contains(key))
            .collect();
        if !consumer.assignment_lost() {
            commit(consumer, &self.progress, &offsets, &self.name);
        }
        for (topic, partition) in &keys {
            self.progress.revoke(topic, *partition);
            metrics::gauge!(KAFKA_LAG, "source" => self.name.clone(), "topic" => topic.to_string(), "partition" => partition.to_string())
                .set(0.0);
        }
        tracing::info!(source = %self.name, partitions = ?keys, drained, "partitions revoked");
    }

    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Assign(list) = rebalance else {
            return;
        };
        let keys = keys(list);
        for (topic, partition) in &keys {
            self.progress.assign(topic, *partition);
        }
        if self.paused.load(Ordering::SeqCst) {
            if let Err(e) = consumer.pause(list) {
                tracing::warn!(source = %self.name, error = %e, "pausing new partitions failed");
            }
        }
        metrics::counter!(KAFKA_REBALANCES, "source" => self.name.clone(), "change" => "assign")
            .increment(1);
        tracing::info!(source = %self.name, partitions = ?keys, "partitions assigned");
    }
}

fn keys(list: &TopicPartitionList) -> Vec<PartitionKey> {
    list.elements()
        .iter()
        .map(|e| (Arc::from(e.topic()), e.partition()))
        .collect()
}

/// Commits `offsets` synchronously; the broker then has them (or the next commit retries).
fn commit(
    consumer: &BaseConsumer<SourceContext>,
    progress: &Progress,
    offsets: &[(PartitionKey, i64)],
    name: &str,
) {
    if offsets.is_empty() {
        return;
    }
    let mut list = TopicPartitionList::with_capacity(offsets.len());
    for ((topic, partition), offset) in offsets {
        if let Err(e) = list.add_partition_offset(topic, *partition, Offset::Offset(*offset)) {
            tracing::warn!(source = %name, error = %e, "bad offset to commit");
            return;
        }
    }
    match consumer.commit(&list, CommitMode::Sync) {
        Ok(()) => {
            progress.committed(offsets);
            metrics::counter!(KAFKA_COMMITS, "source" => name.to_owned()).increment(1);
        }
        Err(e) => {
            tracing::warn!(source = %name, error = %e, "committing offsets failed; retrying with the next commit")
        }
    }
}

impl KafkaSource {
    /// Runs until `shutdown`; then stops reading, waits (bounded) for what was read to be
    /// handled, commits it and leaves the group.
    pub async fn run(self, queue: FrameSender, shutdown: CancellationToken) {
        let name = self.source.name.clone();
        let health = self.health.clone();
        health.set(&name, SourceState::Connecting);
        let runtime = tokio::runtime::Handle::current();
        let ran = tokio::task::spawn_blocking(move || self.consume(queue, shutdown, runtime)).await;
        match ran {
            Ok(Ok(())) => {
                health.set(&name, SourceState::Finished);
                tracing::info!(source = %name, "kafka source stopped");
            }
            Ok(Err(e)) => {
                health.set(&name, SourceState::Failed);
                tracing::error!(source = %name, error = %e, "kafka source failed");
            }
            Err(e) => {
                health.set(&name, SourceState::Failed);
                tracing::error!(source = %name, error = %e, "kafka source panicked");
            }
        }
    }

    fn consume(
        self,
        queue: FrameSender,
        shutdown: CancellationToken,
        runtime: tokio::runtime::Handle,
    ) -> Result<(), KafkaSourceError> {
        let config = &self.config;
        let name = self.source.name.clone();
        let progress = Arc::new(Progress::default());
        let context = SourceContext {
            name: name.clone(),
            progress: progress.clone(),
            drain_timeout: Duration::from_millis(config.drain_timeout_ms),
            paused: AtomicBool::new(false),
            health: self.health.clone(),
        };
        let consumer: BaseConsumer<SourceContext> = config
            .client()
            .client_config(&[
                ("group.id", &config.group_id),
                ("enable.auto.commit", "false"),
                ("enable.auto.offset.store", "false"),
                ("partition.assignment.strategy", "cooperative-sticky"),
                ("auto.offset.reset", "earliest"),
                ("statistics.interval.ms", "1000"),
                ("client.id", &format!("fenghuo-{name}")),
            ])
            .create_with_context(context)
            .map_err(KafkaSourceError::Create)?;
        let topics: Vec<&str> = config.topics.iter().map(String::as_str).collect();
        consumer
            .subscribe(&topics)
            .map_err(|source| KafkaSourceError::Subscribe {
                topics: config.topics.clone(),
                source,
            })?;
        let commit_interval = Duration::from_millis(config.commit_interval_ms.max(1));
        let mut last_commit = Instant::now();
        let mut connected = false;
        while !shutdown.is_cancelled() {
            self.backpressure(&consumer, &progress);
            match consumer.poll(Duration::from_millis(100)) {
                None => {}
                Some(Err(e)) => {
                    tracing::warn!(source = %name, error = %e, "kafka consumer error");
                }
                Some(Ok(message)) => {
                    if !connected {
                        self.health.set(&name, SourceState::Connected);
                        connected = true;
                    }
                    let completion =
                        progress.track(message.topic(), message.partition(), message.offset());
                    // Fetched before a revoke: the partition's next owner reads it.
                    let Some(completion) = completion else {
                        continue;
                    };
                    let payload = message.payload().unwrap_or_default().to_vec();
                    drop(message);
                    let frame = Frame::new(self.source.clone(), payload)
                        .with_completion(completion.clone());
                    let handed = runtime.block_on(async {
                        tokio::select! {
                            sent = queue.send(frame) => sent.is_ok(),
                            _ = shutdown.cancelled() => false,
                        }
                    });
                    if !handed {
                        // Never handed over: its offset must not be committed.
                        completion.fail();
                        break;
                    }
                }
            }
            if last_commit.elapsed() >= commit_interval {
                commit(&consumer, &progress, &progress.advance(), &name);
                last_commit = Instant::now();
            }
        }
        // Hand back what is done before leaving the group; the rest is read again.
        let drained = progress.wait_handled(None, Duration::from_millis(config.drain_timeout_ms));
        commit(&consumer, &progress, &progress.advance(), &name);
        tracing::info!(source = %name, drained, "kafka source leaving its group");
        consumer.unsubscribe();
        // Serve the revoke the unsubscribe triggers, then close.
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline && consumer.assignment().is_ok_and(|a| a.count() > 0) {
            let _ = consumer.poll(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Pauses every assigned partition while too much is in flight, resumes at half.
    fn backpressure(&self, consumer: &BaseConsumer<SourceContext>, progress: &Progress) {
        let limit = self.config.max_in_flight;
        let in_flight = progress.in_flight();
        let context = consumer.context();
        let paused = context.paused.load(Ordering::SeqCst);
        let change = if !paused && in_flight >= limit {
            Some(true)
        } else if paused && in_flight <= limit / 2 {
            Some(false)
        } else {
            None
        };
        let Some(pause) = change else {
            return;
        };
        let assignment = match consumer.assignment() {
            Ok(assignment) => assignment,
            Err(e) => {
                tracing::warn!(source = %context.name, error = %e, "reading the assignment failed");
                return;
            }
        };
        let done: KafkaResult<()> = if pause {
            consumer.pause(&assignment)
        } else {
            consumer.resume(&assignment)
        };
        match done {
            Ok(()) => {
                context.paused.store(pause, Ordering::SeqCst);
                metrics::gauge!(KAFKA_PAUSED, "source" => context.name.clone()).set(if pause {
                    1.0
                } else {
                    0.0
                });
                tracing::debug!(source = %context.name, in_flight, pause, "kafka backpressure");
            }
            Err(e) => tracing::warn!(source = %context.name, error = %e, "pause/resume failed"),
        }
    }
}
