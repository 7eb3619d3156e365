//! Replay: NDJSON from a file, stdin or the bundled sample feed.
//!
//! At full speed the file is cut into frames of whole lines (up to [`FRAME_BYTES`]) without
//! looking inside them; the workers decode. At `speed` x the reader reads each post's
//! publish time and waits until `first + (t - t_first) / speed` before sending it, so a
//! recorded day can be watched in minutes with its rhythm intact.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use chrono::{DateTime, Utc};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use futures::future::BoxFuture;
use serde::Deserialize;

use super::queue::FrameSender;
use super::source::SourceContext;
use super::{Frame, SourceInfo};
use crate::decode::{Decoder, Reject};
use crate::health::SourceState;
use crate::telemetry::Stats;

/// The bundled sample feed (`deploy/sample/feed.ndjson`), so `fenghuo run` shows alerts on
/// a fresh machine with no data of its own.
pub const SAMPLE_FEED: &[u8] = include_bytes!("../../deploy/sample/feed.ndjson");

/// Frames are cut at about this size: large enough to amortize queue and rule-set loads,
/// small enough that many workers share a file.
pub const FRAME_BYTES: usize = 256 * 1024;

/// `kind = "replay"`: NDJSON from a file, `-` for stdin, or `@sample` for the bundled feed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayConfig {
    pub name: String,
    pub path: ReplayInput,
    /// Replay at this multiple of the posts' timestamps; absent: full speed.
    #[serde(default)]
    pub speed: Option<f64>,
    #[serde(default)]
    pub mappings: Vec<String>,
}

impl ReplayConfig {
    /// Adds what is wrong with this source to `problems`, each prefixed with `at`.
    pub fn validate(&self, at: &str, problems: &mut Vec<String>) {
        if let Some(speed) = self.speed {
            if !speed.is_finite() || speed <= 0.0 {
                problems.push(format!(
                    "{at}: speed must be a positive multiple (omit it for full speed)"
                ));
            }
        }
    }

    /// Starts the replay; the task ends at the input's end (or shutdown), with the source
    /// marked finished or failed.
    pub fn spawn(&self, context: SourceContext) -> BoxFuture<'static, ()> {
        let replay = Replay {
            source: context.info,
            input: self.path.clone(),
            speed: self.speed,
            decoder: context.decoder,
            stats: context.stats,
            max_post_bytes: context.max_post_bytes,
        };
        let (queue, shutdown, health) = (context.queue, context.shutdown, context.health);
        health.set(&replay.source.name, SourceState::Replaying);
        Box::pin(async move {
            let name = replay.source.name.clone();
            match replay.run(queue, shutdown).await {
                Ok(()) => {
                    health.set(&name, SourceState::Finished);
                    tracing::info!(source = %name, "replay finished");
                }
                Err(e) => {
                    health.set(&name, SourceState::Failed);
                    tracing::error!(source = %name, error = %e, "replay failed");
                }
            }
        })
    }
}

/// What to replay.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum ReplayInput {
    File(PathBuf),
    Stdin,
    Sample,
}

impl From<String> for ReplayInput {
    fn from(path: String) -> ReplayInput {
        ReplayInput::parse(&path)
    }
}

impl ReplayInput {
    /// `-` is stdin, `@sample` the bundled feed, anything else a path.
    pub fn parse(path: &str) -> ReplayInput {
        match path {
            "-" => ReplayInput::Stdin,
            "@sample" => ReplayInput::Sample,
            path => ReplayInput::File(PathBuf::from(path)),
        }
    }

    async fn open(&self) -> std::io::Result<Box<dyn AsyncRead + Send + Unpin>> {
        Ok(match self {
            ReplayInput::File(path) => {
                Box::new(tokio::fs::File::open(path).await.map_err(|e| {
                    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
                })?)
            }
            ReplayInput::Stdin => Box::new(tokio::io::stdin()),
            ReplayInput::Sample => Box::new(SAMPLE_FEED),
        })
    }
}

pub struct Replay {
    pub source: Arc<SourceInfo>,
    pub input: ReplayInput,
    /// Multiple of real time; `None`: as fast as the workers take it.
    pub speed: Option<f64>,
    pub decoder: Arc<Decoder>,
    pub stats: Arc<Stats>,
    pub max_post_bytes: usize,
}

impl Replay {
    /// Replays the input to its end (or until shutdown).
    pub async fn run(self, queue: FrameSender, shutdown: CancellationToken) -> std::io::Result<()> {
        let mut reader = self.input.open().await?;
        let mut pacer = Pacer::new(self.speed);
        let mut buffer = BytesMut::with_capacity(FRAME_BYTES * 2);
        // True while skipping the rest of a line already rejected as too large.
        let mut skipping = false;
        loop {
            let read = tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                read = reader.read_buf(&mut buffer) => read?,
            };
            let at_end = read == 0;
            if skipping {
                match memchr::memchr(b'\n', &buffer) {
                    Some(newline) => {
                        buffer.advance(newline + 1);
                        skipping = false;
                    }
                    None => buffer.clear(),
                }
            }
            let complete = if at_end {
                buffer.len()
            } else {
                memchr::memrchr(b'\n', &buffer).map_or(0, |newline| newline + 1)
            };
            if complete > 0 {
                let lines = buffer.split_to(complete).freeze();
                if !self.send_lines(lines, &mut pacer, &queue, &shutdown).await {
                    return Ok(());
                }
            } else if buffer.len() > self.max_post_bytes {
                // A line longer than any post may be: reject it now rather than buffer it
                // whole, and skip to its end.
                let bytes = buffer.len();
                self.stats.frame_decoded(&self.source.name, bytes, 1, 0);
                let reject = Reject::TooLarge {
                    bytes,
                    limit: self.max_post_bytes,
                };
                self.stats
                    .post_rejected(&self.source.name, reject.reason(), &reject);
                buffer.clear();
                skipping = true;
            }
            if at_end {
                return Ok(());
            }
            if buffer.capacity() - buffer.len() < FRAME_BYTES {
                buffer.reserve(FRAME_BYTES);
            }
        }
    }

    /// Sends whole lines, paced if a speed is set. Returns false on shutdown.
    async fn send_lines(
        &self,
        lines: bytes::Bytes,
        pacer: &mut Pacer,
        queue: &FrameSender,
        shutdown: &CancellationToken,
    ) -> bool {
        if !pacer.enabled() {
            return self.send(lines, queue, shutdown).await;
        }
        let mut batch_start = 0;
        let mut offset = 0;
        while offset < lines.len() {
            let end =
                memchr::memchr(b'\n', &lines[offset..]).map_or(lines.len(), |i| offset + i + 1);
            // Lines without a readable time are not paced (the worker rejects bad ones).
            let published_at = self
                .decoder
                .published_at(&lines[offset..end], &self.source.mappings);
            if let Some(due) = pacer.due(published_at) {
                if due > Instant::now() {
                    if batch_start < offset
                        && !self
                            .send(lines.slice(batch_start..offset), queue, shutdown)
                            .await
                    {
                        return false;
                    }
                    batch_start = offset;
                    tokio::select! {
                        _ = shutdown.cancelled() => return false,
                        _ = tokio::time::sleep_until(due) => {}
                    }
                }
            }
            offset = end;
        }
        batch_start >= lines.len() || self.send(lines.slice(batch_start..), queue, shutdown).await
    }

    async fn send(
        &self,
        bytes: bytes::Bytes,
        queue: &FrameSender,
        shutdown: &CancellationToken,
    ) -> bool {
        tokio::select! {
            _ = shutdown.cancelled() => false,
            sent = queue.send(Frame::new(self.source.clone(), bytes)) => sent.is_ok(),
        }
    }
}

/// Maps post time onto wall time at a fixed speed, anchored at the first post.
struct Pacer {
    /// `None`: full speed.
    speed: Option<f64>,
    anchor: Option<(DateTime<Utc>, Instant)>,
}

impl Pacer {
    fn new(speed: Option<f64>) -> Pacer {
        Pacer {
            speed,
            anchor: None,
        }
    }

    fn enabled(&self) -> bool {
        self.speed.is_some()
    }

    /// When a post published at `at` is due; `None` for posts without a time, or at full
    /// speed.
    fn due(&mut self, at: Option<DateTime<Utc>>) -> Option<Instant> {
        let (at, speed) = (at?, self.speed?);
        let (first_post, first_wall) = *self.anchor.get_or_insert((at, Instant::now()));
        let post_elapsed = (at - first_post).to_std().unwrap_or(Duration::ZERO);
        Some(first_wall + post_elapsed.div_f64(speed))
    }
}
