//! Whether a Kafka source reaches its brokers, and what the engine says about it.
//!
//! librdkafka reconnects by itself (backoff from `reconnect.backoff.ms` to
//! `reconnect.backoff.max.ms`) and never gives up, and a consumer whose group session ran
//! out while the brokers were away rejoins and starts its partitions again at the group's
//! committed offsets. So a broker restart asks nothing of the engine but to keep polling —
//! and to say so: while no broker answers, `/readyz` lists the source as `reconnecting`
//! (not ready), `fenghuo_source_connected` reads 0 (the `FenghuoSourceDisconnected` alert),
//! and when a broker answers again the outage is logged with its length and
//! `fenghuo_source_reconnects_total` counts it.
//!
//! Two signals feed it: librdkafka's "all brokers down" error (at once) and its statistics
//! (every `statistics.interval.ms`, so the source refuses to run without them): a broker
//! in state `UP` means reachable, none means not.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use rdkafka::statistics::Statistics;

use crate::health::{Health, SourceState};
use crate::telemetry;

/// Where the link to the brokers stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Not yet connected since the start.
    Starting,
    Up,
    /// Lost at this moment; librdkafka is reconnecting.
    Down(Instant),
}

/// One Kafka source's link to its brokers: health, metrics and logs on every change.
pub struct BrokerLink {
    source: String,
    health: Arc<Health>,
    /// A std mutex: held for a few instructions, from librdkafka's callbacks and the
    /// consumer loop, all on the consumer thread.
    link: Mutex<Link>,
}

impl BrokerLink {
    pub fn new(source: &str, health: Arc<Health>) -> BrokerLink {
        health.set(source, SourceState::Connecting);
        telemetry::source_connected(source, false);
        BrokerLink {
            source: source.to_owned(),
            health,
            link: Mutex::new(Link::Starting),
        }
    }

    /// A broker answered (the statistics show one `UP`).
    pub fn up(&self) {
        let mut link = self.link.lock().unwrap_or_else(|e| e.into_inner());
        match *link {
            Link::Up => return,
            Link::Starting => {
                tracing::info!(source = %self.source, "kafka brokers reached");
            }
            Link::Down(since) => {
                let outage = since.elapsed();
                telemetry::source_reconnect(&self.source);
                tracing::info!(
                    source = %self.source,
                    outage_ms = outage.as_millis() as u64,
                    "kafka brokers reachable again; the group resumes from its committed offsets"
                );
            }
        }
        *link = Link::Up;
        self.health.set(&self.source, SourceState::Connected);
        telemetry::source_connected(&self.source, true);
    }

    /// A message arrived: proof of a connection only before the first one (later ones may
    /// come from what librdkafka fetched before an outage).
    pub fn first_message(&self) {
        let starting = *self.link.lock().unwrap_or_else(|e| e.into_inner()) == Link::Starting;
        if starting {
            self.up();
        }
    }

    /// Whether a broker answered last.
    pub fn is_up(&self) -> bool {
        *self.link.lock().unwrap_or_else(|e| e.into_inner()) == Link::Up
    }

    /// No broker answers; librdkafka keeps trying.
    pub fn down(&self, reason: &str) {
        let mut link = self.link.lock().unwrap_or_else(|e| e.into_inner());
        if *link != Link::Up {
            return;
        }
        *link = Link::Down(Instant::now());
        self.health.set(&self.source, SourceState::Reconnecting);
        telemetry::source_connected(&self.source, false);
        tracing::warn!(source = %self.source, reason, "kafka brokers unreachable; reconnecting");
    }

    /// Follows librdkafka's view of its brokers.
    pub fn observe(&self, statistics: &Statistics) {
        let brokers = statistics
            .brokers
            .values()
            // "internal" and "logical" entries (e.g. the group coordinator's alias) are
            // librdkafka's own, not connections.
            .filter(|b| b.source == "learned" || b.source == "configured");
        let mut any = false;
        let mut reachable = false;
        for broker in brokers {
            any = true;
            reachable |= broker.state == "UP";
        }
        if reachable {
            self.up();
        } else if any {
            self.down("no broker connection is up");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(health: &Health) -> SourceState {
        health.sources()[0].1
    }

    #[test]
    fn an_outage_reads_reconnecting_until_a_broker_answers() {
        let health = Arc::new(Health::default());
        let link = BrokerLink::new("feed", health.clone());
        assert_eq!(state(&health), SourceState::Connecting);
        link.down("before any connection");
        assert_eq!(
            state(&health),
            SourceState::Connecting,
            "not yet up: still connecting"
        );
        link.up();
        assert_eq!(state(&health), SourceState::Connected);
        link.down("all brokers down");
        assert_eq!(state(&health), SourceState::Reconnecting);
        link.up();
        assert_eq!(state(&health), SourceState::Connected);
    }
}
