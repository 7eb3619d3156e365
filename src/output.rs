//! JSON-lines outputs (alerts, matched posts) and their live broadcasts, beside the
//! pipeline rather than in series with it.
//!
//! A stage *offers* an item: it goes to the live broadcast at once, and to the writer
//! thread through a bounded channel. Live (`fenghuo run`), a full channel — stdout blocked
//! by a stalled reader — drops the line with a counter rather than stall the commit stage,
//! the grader and the workers behind it: the alert is in the outbox already. A replay
//! waits instead, so its output is complete. A write error (disk full) is counted and
//! logged, the line is lost, and the writer carries on with the next ones; the first
//! error is returned when the output ends, so a replay exits with it.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender, TrySendError};
use metrics::counter;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::telemetry::{RateLimitedLog, OUTPUT_LINES_DROPPED, OUTPUT_WRITE_ERRORS};

/// Lines written in one go at most (more when the channel runs empty first).
const BATCH_BYTES: usize = 256 * 1024;

/// What an output does when its writer falls behind (`[output] when_full`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WhenFull {
    /// Drop the line, counted: the pipeline never waits for stdout (live).
    Drop,
    /// Wait for the writer: the output is complete (replays).
    Wait,
}

/// The offering side of an output.
pub struct Output<T> {
    name: &'static str,
    lines: Sender<Arc<T>>,
    live: broadcast::Sender<Arc<T>>,
    when_full: WhenFull,
}

impl<T> Output<T> {
    /// Publishes `item` live and queues it for writing (see the module doc).
    pub fn offer(&self, item: T) {
        let item = Arc::new(item);
        // No receivers is fine: nobody is watching live.
        let _ = self.live.send(item.clone());
        match self.when_full {
            WhenFull::Wait => {
                // Fails only when the writer is gone, i.e. the engine is shutting down hard.
                let _ = self.lines.send(item);
            }
            WhenFull::Drop => {
                if let Err(TrySendError::Full(_)) = self.lines.try_send(item) {
                    counter!(OUTPUT_LINES_DROPPED, "output" => self.name).increment(1);
                    DROP_LOG.log(|suppressed| {
                        tracing::error!(
                            output = self.name,
                            suppressed,
                            "output writer behind (stdout blocked?); line dropped"
                        );
                    });
                }
            }
        }
    }
}

static DROP_LOG: RateLimitedLog = RateLimitedLog::new();
static ERROR_LOG: RateLimitedLog = RateLimitedLog::new();

/// Starts an output thread writing each item offered as a JSON line to `path` (`-` =
/// stdout), flushing whenever the channel runs empty, and publishing it to `live`. Ends,
/// flushed, when the [`Output`] is dropped; returns the first write error, if any.
pub fn spawn_output<T: Serialize + Send + Sync + 'static>(
    name: &'static str,
    path: &str,
    capacity: usize,
    when_full: WhenFull,
    live: broadcast::Sender<Arc<T>>,
) -> io::Result<(Output<T>, JoinHandle<io::Result<()>>)> {
    let sink: Box<dyn Write + Send> = if path == "-" {
        Box::new(io::stdout())
    } else {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{name} output {path}: {e}")))?;
        Box::new(file)
    };
    let (lines, items) = crossbeam_channel::bounded(capacity);
    let writer = std::thread::Builder::new()
        .name(format!("output-{name}"))
        .spawn(move || write_lines(name, items, sink))?;
    Ok((
        Output {
            name,
            lines,
            live,
            when_full,
        },
        writer,
    ))
}

fn write_lines<T: Serialize>(
    name: &'static str,
    items: Receiver<Arc<T>>,
    mut sink: Box<dyn Write + Send>,
) -> io::Result<()> {
    let mut first_error: Option<io::Error> = None;
    let mut pending: Vec<u8> = Vec::with_capacity(BATCH_BYTES);
    let mut lines = 0u64;
    while let Ok(first) = items.recv() {
        let mut next = Some(first);
        while let Some(item) = next {
            if let Err(e) = serde_json::to_writer(&mut pending, &*item) {
                // Our own types always serialize; keep the output going if one does not.
                tracing::error!(output = name, error = %e, "output line not serializable");
            }
            pending.push(b'\n');
            lines += 1;
            next = if pending.len() < BATCH_BYTES {
                items.try_recv().ok()
            } else {
                None
            };
        }
        // The channel ran empty (or the batch is full): make what we have visible.
        let written = sink.write_all(&pending).and_then(|()| sink.flush());
        if let Err(e) = written {
            counter!(OUTPUT_WRITE_ERRORS, "output" => name).increment(1);
            counter!(OUTPUT_LINES_DROPPED, "output" => name).increment(lines);
            ERROR_LOG.log(|suppressed| {
                tracing::error!(output = name, error = %e, lines, suppressed, "writing the output failed; lines lost, carrying on");
            });
            first_error.get_or_insert(e);
        }
        pending.clear();
        lines = 0;
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a write error ended the thread, and the live broadcast with it.
    #[test]
    fn a_write_error_neither_ends_the_output_nor_its_live_broadcast() {
        let (live, mut watching) = broadcast::channel(16);
        let (output, writer) =
            spawn_output::<u32>("test-full", "/dev/full", 16, WhenFull::Wait, live).unwrap();
        for i in 0..3 {
            output.offer(i);
            // Each one is written (and fails) before the next is offered.
            assert_eq!(*watching.blocking_recv().unwrap(), i);
            while !output.lines.is_empty() {
                std::thread::yield_now();
            }
        }
        assert!(!writer.is_finished(), "the writer carries on after errors");
        drop(output);
        let error = writer.join().unwrap().unwrap_err();
        assert_eq!(error.raw_os_error(), Some(28), "ENOSPC: {error}");
    }

    /// Regression: a blocked writer (stdout) stalled whoever offered lines to it.
    #[test]
    fn a_blocked_writer_never_stalls_the_offering_stage() {
        let (live, mut watching) = broadcast::channel(16);
        // A writer that cannot keep up: nobody drains its channel of one.
        let (lines, _stalled) = crossbeam_channel::bounded(1);
        let output = Output {
            name: "test-blocked",
            lines,
            live,
            when_full: WhenFull::Drop,
        };
        for i in 0..10u32 {
            output.offer(i);
        }
        let seen: Vec<u32> = (0..10).map(|_| *watching.try_recv().unwrap()).collect();
        assert_eq!(
            seen,
            (0..10).collect::<Vec<_>>(),
            "live still sees every item"
        );
    }
}
