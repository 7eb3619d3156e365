//! The grading stage's thread: takes matched posts from the workers, runs the grader, and
//! hands alerts (and, if wanted, the matches) to the output stage.
//!
//! One thread owns all event state, so match workers never wait on a lock: they hand
//! each match over a channel (matched posts are a small share of the stream).

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use super::checkpoint::{Checkpoint, CheckpointFile, HitsPosition};
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
    /// A track engine's hits topic and ledger: its checkpoints are saved with the hits
    /// position they stand at, once the hits they hold are handled.
    pub hits: Option<(String, std::sync::Arc<dyn HitsCoverage>)>,
}

/// What a track engine's checkpoint asks of its hits source (`scaleout::hits_ledger`):
/// the hits-topic position a state that has taken every hit frame up to `last` (`None`:
/// none of this run) stands at, once all those hits are handled; `None` until then.
pub trait HitsCoverage: Send + Sync {
    fn covered_through(&self, last: Option<u64>) -> Option<std::collections::BTreeMap<i32, i64>>;
}

/// A track engine's checkpoint waiting for the hits it holds to be handled: the state
/// after hit frame `.1` (`None`: before any hit of this run).
type Pending = (Checkpoint, Option<u64>);

/// How long a stopping track engine waits for its last alerts to reach the outbox before
/// it saves its final checkpoint (else the previous one stands, and a restart replays more).
const FINAL_CHECKPOINT_WAIT: Duration = Duration::from_secs(10);

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
        self.write(&self.grader.checkpoint());
    }

    fn write(&self, checkpoint: &Checkpoint) {
        let Some((file, _)) = &self.checkpoint else {
            return;
        };
        let started = Instant::now();
        match file.write(checkpoint) {
            Ok(()) => tracing::debug!(
                events = checkpoint.tracker.events.len(),
                hits = ?checkpoint.hits.as_ref().map(|h| &h.next),
                millis = started.elapsed().as_millis() as u64,
                "tracker checkpoint written"
            ),
            Err(e) => {
                metrics::counter!(CHECKPOINT_FAILURES).increment(1);
                tracing::error!(error = %e, "tracker checkpoint not written");
            }
        }
    }

    /// A track engine's snapshot of the state now, to be saved once its hits are handled.
    fn snapshot(&self) -> Pending {
        (self.grader.checkpoint(), self.matches.last_frame())
    }

    /// Saves `pending` if every hit it holds is handled; else hands it back to wait.
    fn save_when_covered(&self, pending: Pending) -> Option<Pending> {
        let (mut checkpoint, last) = pending;
        let Some((topic, ledger)) = &self.hits else {
            self.write(&checkpoint);
            return None;
        };
        let Some(next) = ledger.covered_through(last) else {
            return Some((checkpoint, last));
        };
        checkpoint.hits = Some(HitsPosition {
            topic: topic.clone(),
            next,
        });
        self.write(&checkpoint);
        None
    }

    /// The last checkpoint at shutdown: a track engine's waits (bounded) for its alerts to
    /// be committed; if they are not, the latest snapshot that is covered is saved.
    fn save_last(&self, pending: Option<Pending>) {
        if self.checkpoint.is_none() {
            return;
        }
        if self.hits.is_none() {
            self.save();
            return;
        }
        let deadline = Instant::now() + FINAL_CHECKPOINT_WAIT;
        let mut last = Some(self.snapshot());
        while let Some(waiting) = last.take() {
            last = self.save_when_covered(waiting);
            if last.is_some() && Instant::now() >= deadline {
                tracing::warn!("the last hits are not committed; the previous checkpoint stands");
                if let Some(pending) = pending {
                    let _ = self.save_when_covered(pending);
                }
                return;
            }
            if last.is_some() {
                std::thread::sleep(Duration::from_millis(20));
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
        // A track engine's snapshot waiting for its hits to be handled.
        let mut pending: Option<Pending> = None;
        for alert in std::mem::take(&mut self.restored) {
            self.emit(alert);
        }
        loop {
            if let Some((_, every)) = &self.checkpoint {
                if dirty && last_checkpoint.elapsed() >= *every {
                    if self.hits.is_some() {
                        // A newer snapshot replaces one still waiting.
                        pending = Some(self.snapshot());
                    } else {
                        self.save();
                    }
                    last_checkpoint = Instant::now();
                    dirty = false;
                }
            }
            if let Some(waiting) = pending.take() {
                pending = self.save_when_covered(waiting);
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
                    self.save_last(pending);
                    return;
                }
            }
        }
    }
}
