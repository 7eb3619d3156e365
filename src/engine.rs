//! The engine: builds the pipeline back to front (output, workers, queue, sources, API),
//! runs it, and shuts it down in the order that loses nothing.
//!
//! Shutdown: sources and the API stop and drop their queue senders; workers drain what is
//! queued and exit when the queue is closed and empty; the output thread writes the last
//! records, flushes and exits.

use std::net::SocketAddr;
use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::broadcast;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::api::{self, AppState};
use crate::config::{Config, SourceConfig};
use crate::decode::Decoder;
use crate::deliver::{spawn_output, MatchRecord};
use crate::ingest::queue::{frame_queue, FrameSender};
use crate::ingest::replay::{Replay, ReplayInput};
use crate::ingest::websocket_client::WebsocketClient;
use crate::ingest::SourceInfo;
use crate::matching::{spawn_workers, WorkerContext};
use crate::rules::{watch, RuleErrors, RuleStore};
use crate::telemetry::Stats;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("rules rejected:\n{0}")]
    Rules(#[from] RuleErrors),
    #[error("{context}: {source}")]
    Io {
        context: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("watching the rules directory: {0}")]
    Watch(#[from] notify::Error),
    #[error("a pipeline thread panicked")]
    Panicked,
}

fn io(context: &'static str) -> impl FnOnce(std::io::Error) -> EngineError {
    move |source| EngineError::Io { context, source }
}

/// A running engine.
pub struct Engine {
    shutdown: CancellationToken,
    http_addr: Option<SocketAddr>,
    stats: Arc<Stats>,
    rules: Arc<RuleStore>,
    live: broadcast::Sender<Arc<MatchRecord>>,
    sources: JoinSet<()>,
    http: Option<JoinHandle<()>>,
    workers: Vec<std::thread::JoinHandle<()>>,
    output: std::thread::JoinHandle<std::io::Result<()>>,
    /// Kept alive for its side effect: reloads on rule file changes.
    _watcher: Option<notify::RecommendedWatcher>,
}

impl Engine {
    /// Loads the rules and starts every stage. Fails if the rules do not load, the output
    /// cannot be opened, or the HTTP address cannot be bound.
    pub async fn start(
        config: &Config,
        metrics: Option<PrometheusHandle>,
    ) -> Result<Engine, EngineError> {
        let rules = Arc::new(RuleStore::open(&config.rules.dir)?);
        let decoder = Arc::new(Decoder::new(&config.mappings, config.engine.max_post_bytes));
        let stats = Arc::new(Stats::default());
        let shutdown = CancellationToken::new();

        let (live, _) = broadcast::channel(1024);
        let (match_tx, match_rx) = crossbeam_channel::bounded(4096);
        let output = spawn_output(&config.output.path, match_rx, live.clone())
            .map_err(io("opening the output"))?;
        let (queue, frames) = frame_queue(config.engine.queue_capacity);
        let workers = spawn_workers(
            config.worker_count(),
            WorkerContext {
                frames,
                rules: rules.clone(),
                decoder: decoder.clone(),
                stats: stats.clone(),
                max_text_bytes: config.engine.max_text_bytes,
                matches: match_tx,
            },
        )
        .map_err(io("starting match workers"))?;

        let mut sources = JoinSet::new();
        for source in &config.sources {
            start_source(
                source,
                config,
                &decoder,
                &stats,
                &queue,
                &shutdown,
                &mut sources,
            );
        }

        let (http, http_addr) = if config.http.enabled {
            let listener = tokio::net::TcpListener::bind(config.http.addr)
                .await
                .map_err(io("binding the HTTP address"))?;
            let addr = listener
                .local_addr()
                .map_err(io("binding the HTTP address"))?;
            let router = api::router(AppState {
                queue: queue.clone(),
                decoder: decoder.clone(),
                rules: rules.clone(),
                metrics,
                token: config.http.token.as_str().into(),
                max_frame_bytes: config.engine.max_frame_bytes,
                shutdown: shutdown.clone(),
            });
            let stop = shutdown.clone();
            let server = tokio::spawn(async move {
                let served = axum::serve(listener, router)
                    .with_graceful_shutdown(stop.cancelled_owned())
                    .await;
                if let Err(e) = served {
                    tracing::error!(error = %e, "HTTP server failed");
                }
            });
            tracing::info!(%addr, "HTTP API listening");
            (Some(server), Some(addr))
        } else {
            (None, None)
        };
        // From here on only sources and the API hold senders: when they stop, the queue closes.
        drop(queue);

        let watcher = if config.rules.watch {
            Some(watch::watch_dir(rules.clone(), shutdown.clone())?)
        } else {
            None
        };
        watch::reload_on_sighup(rules.clone(), shutdown.clone())
            .map_err(io("installing the SIGHUP handler"))?;

        Ok(Engine {
            shutdown,
            http_addr,
            stats,
            rules,
            live,
            sources,
            http,
            workers,
            output,
            _watcher: watcher,
        })
    }

    /// The bound HTTP address (useful with port 0).
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    pub fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }

    pub fn rules(&self) -> &Arc<RuleStore> {
        &self.rules
    }

    /// Matched posts as they are written.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<MatchRecord>> {
        self.live.subscribe()
    }

    /// Waits until every configured source has ended (replays reach their end; a
    /// WebSocket client never does).
    pub async fn sources_finished(&mut self) {
        while self.sources.join_next().await.is_some() {}
    }

    /// Stops sources and the API, drains the queue through the workers, flushes the output.
    pub async fn shutdown(mut self) -> Result<(), EngineError> {
        self.shutdown.cancel();
        self.sources_finished().await;
        if let Some(http) = self.http.take() {
            let _ = http.await;
        }
        let workers = std::mem::take(&mut self.workers);
        let output = self.output;
        tokio::task::spawn_blocking(move || {
            for worker in workers {
                worker.join().map_err(|_| EngineError::Panicked)?;
            }
            output
                .join()
                .map_err(|_| EngineError::Panicked)?
                .map_err(io("writing the output"))
        })
        .await
        .map_err(|_| EngineError::Panicked)?
    }
}

fn start_source(
    source: &SourceConfig,
    config: &Config,
    decoder: &Arc<Decoder>,
    stats: &Arc<Stats>,
    queue: &FrameSender,
    shutdown: &CancellationToken,
    tasks: &mut JoinSet<()>,
) {
    let info = Arc::new(SourceInfo {
        name: source.name().to_owned(),
        mappings: decoder.select(source.mappings()),
    });
    let (queue, shutdown) = (queue.clone(), shutdown.clone());
    match source {
        SourceConfig::Replay { path, speed, .. } => {
            let replay = Replay {
                source: info,
                input: ReplayInput::parse(path),
                speed: *speed,
                decoder: decoder.clone(),
                stats: stats.clone(),
                max_post_bytes: config.engine.max_post_bytes,
            };
            tasks.spawn(async move {
                let name = replay.source.name.clone();
                match replay.run(queue, shutdown).await {
                    Ok(()) => tracing::info!(source = %name, "replay finished"),
                    Err(e) => tracing::error!(source = %name, error = %e, "replay failed"),
                }
            });
        }
        SourceConfig::Websocket {
            url,
            ping_interval_secs,
            backoff_initial_ms,
            backoff_max_ms,
            resume_pointer,
            resume_param,
            ..
        } => {
            let client = WebsocketClient {
                source: info,
                url: url.clone(),
                ping_interval: std::time::Duration::from_secs((*ping_interval_secs).max(1)),
                backoff_initial: std::time::Duration::from_millis((*backoff_initial_ms).max(1)),
                backoff_max: std::time::Duration::from_millis(*backoff_max_ms),
                resume_pointer: resume_pointer.clone(),
                resume_param: resume_param.clone(),
                max_frame_bytes: config.engine.max_frame_bytes,
            };
            tasks.spawn(client.run(queue, shutdown));
        }
    }
}
