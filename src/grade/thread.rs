//! The grading stage's thread: takes matched posts from the workers, runs the grader, and
//! hands alerts (and, if wanted, the matches) to the output stage.
//!
//! One thread owns all event state, so match workers never wait on a lock: they hand
//! each match over a channel (matched posts are a small share of the stream).

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use super::checkpoint::CheckpointFile;
use super::{Alert, Grader};
use crate::events::order::{InOrder, Next};
use crate::models::MatchRecord;
use crate::output::Output;
use crate::telemetry::{CHECKPOINT_FAILURES, INGEST_TO_ALERT_SECONDS};

/// What moves the event clock while no posts arrive (`[grading] clock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Clock {
    /// Live feeds: with no posts arriving, the event clock follows the wall clock, so
    /// quiet events resolve.
    Wall,
    /// Replays: the feed's timestamps alone move the clock, so a feed always grades the
    /// same.
    Feed,
}

pub struct GradeStage {
    pub grader: Grader,
    /// Matched posts from the workers, put back in input order.
    pub matches: InOrder,
    /// Where matched posts go after grading, when match lines are wanted.
    pub matches_out: Option<Output<MatchRecord>>,
    pub alerts_out: Sender<Alert>,
    pub clock: Clock,
    /// Where and how often the grading stage's state is saved (also when it stops).
    pub checkpoint: Option<(CheckpointFile, Duration)>,
    /// Alerts to send before the first post: what restoring the checkpoint resolved.
    pub restored: Vec<Alert>,
}

impl GradeStage {
    pub fn spawn(self) -> std::io::Result<JoinHandle<()>> {
        std::thread::Builder::new()
            .name("grade".into())
            .spawn(move || self.run())
    }

    /// Logs a one-line summary (what a duty officer tailing the log needs) and hands the
    /// alert to the output.
    fn emit(&self, alert: Alert) {
        tracing::info!(
            kind = ?alert.kind,
            level = %alert.level,
            event = %alert.event_id,
            posts = alert.figures.total_posts,
            title = %alert.title,
            "alert {} {}",
            alert.level_zh,
            alert.level,
        );
        // Fails only when the output is gone, i.e. the engine is shutting down hard.
        let _ = self.alerts_out.send(alert);
    }

    /// Writes the checkpoint, if one is configured; a failure is logged and counted (the
    /// engine keeps running; the next attempt may succeed).
    fn save(&self) {
        let Some((file, _)) = &self.checkpoint else {
            return;
        };
        let started = Instant::now();
        let checkpoint = self.grader.checkpoint();
        match file.write(&checkpoint) {
            Ok(()) => tracing::debug!(
                events = checkpoint.tracker.events.len(),
                millis = started.elapsed().as_millis() as u64,
                "tracker checkpoint written"
            ),
            Err(e) => {
                metrics::counter!(CHECKPOINT_FAILURES).increment(1);
                tracing::error!(error = %e, "tracker checkpoint not written");
            }
        }
    }

    fn run(mut self) {
        let mut last_post = Instant::now();
        // A restored tracker has a clock: with the wall clock, idle time moves it on from
        // there, so restored events nobody posts about still resolve.
        let mut clock_at_last_post = self.grader.tracker().clock();
        let mut last_checkpoint = Instant::now();
        // Whether anything changed since the last checkpoint: a quiet engine does not
        // rewrite the same state every few seconds.
        let mut dirty = false;
        for alert in std::mem::take(&mut self.restored) {
            self.emit(alert);
        }
        loop {
            if let Some((_, every)) = &self.checkpoint {
                if dirty && last_checkpoint.elapsed() >= *every {
                    self.save();
                    last_checkpoint = Instant::now();
                    dirty = false;
                }
            }
            match self.matches.next(Duration::from_secs(1)) {
                Next::Record(mut record) => {
                    dirty = true;
                    // The post is handled here unless it caused alerts, which then hold
                    // its frame's completion until they are committed.
                    let completion = record.completion.take();
                    for mut alert in self.grader.on_match(&record) {
                        alert.completion.clone_from(&completion);
                        let latency = (chrono::Utc::now() - record.received_at)
                            .num_microseconds()
                            .unwrap_or(0);
                        metrics::histogram!(INGEST_TO_ALERT_SECONDS)
                            .record(latency.max(0) as f64 / 1e6);
                        self.emit(alert);
                    }
                    // Chain members without a rule of their own are not matches.
                    if let (Some(out), false) = (&self.matches_out, record.rules.is_empty()) {
                        // Clustering is done with it; on an output line it is noise.
                        let record = MatchRecord {
                            fingerprint: None,
                            identity: None,
                            completion: None,
                            ..record
                        };
                        out.offer(record);
                    }
                    last_post = Instant::now();
                    clock_at_last_post = self.grader.tracker().clock();
                }
                Next::Idle => {
                    let idle_minutes = (last_post.elapsed().as_secs() / 60) as i64;
                    if self.clock == Clock::Wall
                        && idle_minutes > 0
                        && clock_at_last_post != i64::MIN
                    {
                        let before = self.grader.tracker().clock();
                        for alert in self.grader.advance(clock_at_last_post + idle_minutes) {
                            self.emit(alert);
                        }
                        dirty |= self.grader.tracker().clock() != before;
                    }
                }
                Next::Closed => {
                    self.save();
                    return;
                }
            }
        }
    }
}
