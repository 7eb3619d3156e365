//! `GET /ws/alerts?since=SEQ`: the wall display's socket, fed from the outbox's sequence.
//!
//! Messages (JSON text frames), each with the server's `now` so screens count down
//! deadlines on the server's clock:
//! - `snapshot`: every active incident and the sequence number it is current at (sent on
//!   connect, and again to a screen that fell more than [`MAX_LAG`] notices behind);
//! - `delta`: one incident changed at `seq` (its current view, `active: false` once it is
//!   resolved or closed);
//! - `status`: counters (posts/s in, matches, open incidents by level, failing
//!   deliveries) and problems (rules not loaded, sources failing), every [`STATUS_EVERY`].
//!
//! Each connection pulls from the outbox at the pace its socket accepts: nothing queues
//! in memory for a slow screen; when it catches up it reads what is committed, or a fresh
//! snapshot if that is more than [`MAX_LAG`] notices.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};

use super::wall_view::incident_json;
use super::AppState;
use crate::deliver::outbox::{FeedEntry, Outbox, OutboxError};

/// A screen further behind than this many notices gets a snapshot instead.
pub const MAX_LAG: usize = 256;
/// How often counters and problems are sent (and the outbox looked at, should a wake-up
/// be missed).
pub const STATUS_EVERY: Duration = Duration::from_secs(2);
/// A screen that cannot take one message in this long is disconnected (it reconnects and
/// resumes).
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs an outbox read off the async threads.
async fn read<T: Send + 'static>(
    outbox: &Arc<Outbox>,
    f: impl FnOnce(&Outbox) -> Result<T, OutboxError> + Send + 'static,
) -> Result<T, SocketError> {
    let outbox = outbox.clone();
    Ok(tokio::task::spawn_blocking(move || f(&outbox)).await??)
}

#[derive(Debug, Deserialize)]
pub struct SocketQuery {
    /// The last sequence number the screen has applied.
    pub since: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
enum SocketError {
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    #[error("the screen went away")]
    Gone,
    #[error("reading the outbox: {0}")]
    Join(#[from] tokio::task::JoinError),
}

pub async fn upgrade(
    State(state): State<AppState>,
    Query(query): Query<SocketQuery>,
    ws: WebSocketUpgrade,
) -> Response {
    ws.on_upgrade(move |socket| async move {
        let mut screen = Screen {
            socket,
            state,
            cursor: 0,
            posts_seen: None,
        };
        match screen.serve(query.since).await {
            Ok(()) | Err(SocketError::Gone) => {}
            Err(e) => tracing::warn!(error = %e, "wall socket closed"),
        }
    })
}

struct Screen {
    socket: WebSocket,
    state: AppState,
    /// The newest sequence number this screen has.
    cursor: i64,
    /// Posts received at the last status, to tell posts per second.
    posts_seen: Option<(u64, Instant)>,
}

impl Screen {
    async fn serve(&mut self, since: Option<i64>) -> Result<(), SocketError> {
        let mut committed = self.state.wall.committed.subscribe();
        let mut wakeups = true;
        let (head, oldest) = read(&self.state.outbox, |outbox| {
            Ok((outbox.head_seq()?, outbox.oldest_seq()?))
        })
        .await?;
        match since {
            // Resumable: nothing pruned after it, not from another outbox, not too far.
            Some(since)
                if since > 0
                    && since <= head
                    && oldest.is_none_or(|o| o <= since + 1)
                    && head - since <= MAX_LAG as i64 =>
            {
                self.cursor = since;
            }
            _ => self.send_snapshot().await?,
        }
        self.send_status().await?;
        let mut tick = tokio::time::interval(STATUS_EVERY);
        tick.tick().await;
        loop {
            self.catch_up().await?;
            tokio::select! {
                changed = committed.changed(), if wakeups => {
                    wakeups = changed.is_ok();
                }
                _ = tick.tick() => self.send_status().await?,
                message = self.socket.next() => match message {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                    Some(Ok(_)) => {}
                },
                _ = self.state.wall.shutdown.cancelled() => {
                    let _ = self.socket.send(Message::Close(None)).await;
                    return Ok(());
                }
            }
        }
    }

    async fn send(&mut self, message: Value) -> Result<(), SocketError> {
        let text = message.to_string();
        match tokio::time::timeout(SEND_TIMEOUT, self.socket.send(Message::Text(text.into()))).await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(SocketError::Gone),
        }
    }

    async fn send_snapshot(&mut self) -> Result<(), SocketError> {
        let snapshot = read(&self.state.outbox, |outbox| outbox.snapshot()).await?;
        let deadlines = self.state.deadlines.load_full();
        let incidents: Vec<Value> = snapshot
            .incidents
            .iter()
            .map(|view| incident_json(view, &deadlines))
            .collect();
        self.cursor = snapshot.seq;
        self.send(json!({
            "type": "snapshot",
            "seq": snapshot.seq,
            "now": Utc::now(),
            "incidents": incidents,
        }))
        .await
    }

    /// Sends what was committed after the cursor: one delta per incident touched (its
    /// current view), or a snapshot when the screen is more than [`MAX_LAG`] behind.
    async fn catch_up(&mut self) -> Result<(), SocketError> {
        loop {
            let cursor = self.cursor;
            let entries: Vec<FeedEntry> = read(&self.state.outbox, move |outbox| {
                outbox.feed_after(cursor, MAX_LAG + 1)
            })
            .await?;
            let Some(last) = entries.last() else {
                return Ok(());
            };
            if entries.len() > MAX_LAG {
                self.send_snapshot().await?;
                continue;
            }
            let newest_seq = last.seq;
            // The last notice of each incident in the batch, in sequence order.
            let mut touched: BTreeMap<String, &FeedEntry> = BTreeMap::new();
            for entry in &entries {
                touched.insert(entry.event_id.clone(), entry);
            }
            let mut ordered: Vec<&FeedEntry> = touched.into_values().collect();
            ordered.sort_by_key(|e| e.seq);
            let wanted: Vec<(i64, String, String)> = ordered
                .iter()
                .map(|e| (e.seq, e.event_id.clone(), e.kind.clone()))
                .collect();
            let views = read(&self.state.outbox, move |outbox| {
                wanted
                    .into_iter()
                    .map(|(seq, id, kind)| Ok((seq, kind, outbox.incident_view(&id)?)))
                    .collect::<Result<Vec<_>, OutboxError>>()
            })
            .await?;
            for (seq, kind, view) in views {
                let Some(view) = view else { continue };
                let incident = incident_json(&view, &self.state.deadlines.load_full());
                self.send(json!({
                    "type": "delta",
                    "seq": seq,
                    "kind": kind,
                    "now": Utc::now(),
                    "incident": incident,
                }))
                .await?;
            }
            self.cursor = newest_seq;
        }
    }

    async fn send_status(&mut self) -> Result<(), SocketError> {
        let (open, failing, dead_letters) = read(&self.state.outbox, |outbox| {
            Ok((
                outbox.open_counts()?,
                outbox.failing_receivers()?,
                outbox.dead_letter_count()?,
            ))
        })
        .await?;
        let stats = &self.state.wall.stats;
        let received = stats.received.load(Ordering::Relaxed);
        let now = Instant::now();
        // Unknown until a second reading (null on the first status).
        let posts_per_s = match self.posts_seen.replace((received, now)) {
            Some((before, at)) if now > at => {
                Some(received.saturating_sub(before) as f64 / (now - at).as_secs_f64())
            }
            _ => None,
        };
        let mut problems = Vec::new();
        let rules = self.state.rules.current();
        if rules.generation == 0 {
            problems.push(format!(
                "规则未加载：{}",
                self.state
                    .rules
                    .last_error()
                    .unwrap_or_else(|| "no rules loaded".into())
            ));
        } else if let Some(error) = self.state.rules.last_error() {
            problems.push(format!(
                "规则重载失败（仍用第 {} 版）：{error}",
                rules.generation
            ));
        }
        for (name, source) in self.state.health.sources() {
            if !source.is_working() {
                problems.push(format!("数据源 {name}：{}", source.label()));
            }
        }
        if !failing.is_empty() {
            problems.push(format!("推送失败：{}", failing.join("、")));
        }
        self.send(json!({
            "type": "status",
            "now": Utc::now(),
            "seq": self.cursor,
            "counters": {
                "posts_per_s": posts_per_s,
                "posts_received": received,
                "posts_matched": stats.matched.load(Ordering::Relaxed),
                "open": open,
                "failing_receivers": failing,
                "dead_letters": dead_letters,
            },
            "rules_generation": rules.generation,
            "problems": problems,
        }))
        .await
    }
}
