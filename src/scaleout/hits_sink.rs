//! The match side of the hits topic: each matched post, serialized, keyed by its story.
//!
//! A matched post's record carries its frame's completion handle; the sink hands it to
//! the producer with the message and releases it when the broker acknowledges the message
//! (or marks it failed), so a match engine's Kafka source commits an offset only once the
//! matches of that message are on the hits topic.
//!
//! The workers hand on unmatched reposts and replies too (they may belong to a tracked
//! story); they are published like matches, in input order, so the track engine counts
//! them as one process would. Key the feed topic by story (the chain's root) so a story's
//! posts meet one match engine.

use std::thread::JoinHandle;
use std::time::Duration;

use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::message::DeliveryResult;
use rdkafka::producer::{BaseRecord, Producer, ProducerContext, ThreadedProducer};
use rdkafka::ClientContext;

use super::{story_key, ClusterConfig};
use crate::events::order::{InOrder, Next};
use crate::models::{Completion, MatchRecord};

/// Matches published to the hits topic (acknowledged by the broker), and those that failed.
pub const HITS_PUBLISHED: &str = "fenghuo_hits_published_total";
pub const HITS_FAILED: &str = "fenghuo_hits_failed_total";

/// Releases each message's completion handle when the broker has answered.
struct Acknowledge;

impl ClientContext for Acknowledge {}

impl ProducerContext for Acknowledge {
    type DeliveryOpaque = Box<Option<Completion>>;

    fn delivery(&self, result: &DeliveryResult<'_>, completion: Self::DeliveryOpaque) {
        match result {
            Ok(_) => metrics::counter!(HITS_PUBLISHED).increment(1),
            Err((e, _)) => {
                metrics::counter!(HITS_FAILED).increment(1);
                tracing::error!(error = %e, "a hit was not published; its message will be read again");
                if let Some(completion) = completion.as_ref() {
                    completion.fail();
                }
            }
        }
    }
}

pub struct HitsSink {
    producer: ThreadedProducer<Acknowledge>,
    topic: String,
}

impl HitsSink {
    pub fn new(config: &ClusterConfig) -> KafkaResult<HitsSink> {
        let producer = config
            .client()
            .client_config(&[
                // Never give up on a message: the source would have to re-read its frame.
                ("message.timeout.ms", "0"),
                ("linger.ms", "5"),
                ("client.id", "fenghuo-hits"),
            ])
            .create_with_context(Acknowledge)?;
        Ok(HitsSink {
            producer,
            topic: config.hits_topic.clone(),
        })
    }

    /// Publishes what the workers send until every worker is gone, then flushes.
    pub fn spawn(self, matches: InOrder) -> std::io::Result<JoinHandle<()>> {
        std::thread::Builder::new()
            .name("hits-sink".into())
            .spawn(move || self.run(matches))
    }

    fn run(self, mut matches: InOrder) {
        loop {
            match matches.next(Duration::from_secs(1)) {
                Next::Record(mut record) => {
                    let completion = record.completion.take();
                    self.publish(&record, completion);
                }
                Next::Idle => {}
                Next::Closed => break,
            }
        }
        if let Err(e) = self.producer.flush(Duration::from_secs(30)) {
            tracing::warn!(error = %e, "hits not all acknowledged at shutdown; they are read again");
        }
    }

    fn publish(&self, record: &MatchRecord, completion: Option<Completion>) {
        let payload = match serde_json::to_vec(record) {
            Ok(payload) => payload,
            Err(e) => {
                tracing::error!(error = %e, "a match could not be serialized; its message will be read again");
                if let Some(completion) = &completion {
                    completion.fail();
                }
                return;
            }
        };
        let key = story_key(&record.post);
        let mut message = BaseRecord::with_opaque_to(&self.topic, Box::new(completion))
            .key(&key)
            .payload(&payload);
        loop {
            match self.producer.send(message) {
                Ok(()) => return,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    // The producer's queue is full: wait for deliveries, never drop.
                    message = back;
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err((e, back)) => {
                    tracing::error!(error = %e, "publishing a hit failed; its message will be read again");
                    if let Some(completion) = back.delivery_opaque.as_ref() {
                        completion.fail();
                    }
                    return;
                }
            }
        }
    }
}
