//! The engine: builds the pipeline back to front (output, workers, queue, sources, API),
//! runs it, and shuts it down in the order that loses nothing.
//!
//! Shutdown: sources and the API stop and drop their queue senders; workers drain what is
//! queued and exit when the queue is closed and empty; the output thread writes the last
//! records, flushes and exits.
//!
//! - [`restore`]: where the grading stage starts from (the tracker checkpoint).
//! - [`reloads`]: rules, policy and configuration reloaded on SIGHUP and file changes.

mod reloads;
mod restore;

use std::net::SocketAddr;
use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::{broadcast, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::api::{self, AppState};
use crate::config::Config;
use crate::decode::Decoder;
use crate::deliver::commit::CommitStage;
use crate::deliver::deadlines;
use crate::deliver::outbox::Outbox;
use crate::events::local::LocalStore;
use crate::events::order::InOrder;
use crate::grade::store::PolicyStore;
use crate::grade::thread::GradeStage;
use crate::grade::{Alert, Grader};
use crate::health::Health;
use crate::ingest::push::PushState;
use crate::ingest::queue::frame_queue;
use crate::ingest::{SourceContext, SourceInfo};
use crate::matching::store::RuleStore;
use crate::matching::{spawn_workers, WorkerContext};
use crate::models::MatchRecord;
use crate::output::spawn_output;
use crate::reconfigure::{Delivery, Reconfigure};
use crate::scaleout::hits_sink::HitsSink;
use crate::scaleout::hits_source::HitsSource;
use crate::scaleout::Role;
use crate::telemetry::Stats;
use restore::{restore_checkpoint, restore_track_checkpoint};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{context}: {source}")]
    Io {
        context: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("grading policy rejected:\n{0}")]
    Policy(#[from] crate::grade::policy::PolicyError),
    #[error("watching for file changes: {0}")]
    Watch(#[from] notify::Error),
    #[error(transparent)]
    Outbox(#[from] crate::deliver::outbox::OutboxError),
    #[error("{0}")]
    Receiver(String),
    #[error("setting up the hits topic client: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    #[error("a pipeline thread panicked")]
    Panicked,
    #[error("{0}")]
    Exposed(String),
    #[error("{0}")]
    Tls(String),
}

/// Lines an output buffers before it drops (live) or waits (replay).
const OUTPUT_CAPACITY: usize = 4096;

fn io(context: &'static str) -> impl FnOnce(std::io::Error) -> EngineError {
    move |source| EngineError::Io { context, source }
}

/// A running engine.
pub struct Engine {
    shutdown: CancellationToken,
    http_addr: Option<SocketAddr>,
    stats: Arc<Stats>,
    rules: Arc<RuleStore>,
    policy: Arc<PolicyStore>,
    live_matches: broadcast::Sender<Arc<MatchRecord>>,
    live_alerts: broadcast::Sender<Arc<Alert>>,
    sources: JoinSet<()>,
    http: Option<JoinHandle<()>>,
    /// Pipeline threads in the order they finish on shutdown: workers, grader, outputs.
    threads: Vec<std::thread::JoinHandle<()>>,
    outputs: Vec<std::thread::JoinHandle<std::io::Result<()>>>,
    /// Kept alive for their side effect: reloads on file changes.
    _watchers: Vec<notify::RecommendedWatcher>,
    outbox: Arc<Outbox>,
    /// The receivers' dispatchers, and the reloadable routes and deadlines.
    delivery: Arc<Delivery>,
    delivery_stop: CancellationToken,
    /// How long shutdown waits for receivers to send what was committed.
    delivery_drain: std::time::Duration,
}

/// An engine dropped without [`Engine::shutdown`] (a test that failed, a caller that gave
/// up) still stops its sources and receivers: a Kafka consumer thread would otherwise poll
/// forever, and its runtime waits for it before it can drop.
impl Drop for Engine {
    fn drop(&mut self) {
        self.shutdown.cancel();
        self.delivery_stop.cancel();
    }
}

impl Engine {
    /// Loads the rules and starts every stage. Rules that fail to load leave the engine
    /// running unready (generation 0) until a reload succeeds. Fails if the grading policy
    /// is invalid, the outbox or an output cannot be opened, a receiver cannot be set up,
    /// or the HTTP address cannot be bound.
    pub async fn start(
        config: &Config,
        metrics: Option<PrometheusHandle>,
    ) -> Result<Engine, EngineError> {
        if let Some(problem) = config.http.exposure_problem() {
            return Err(EngineError::Exposed(problem));
        }
        let rules = Arc::new(RuleStore::open_or_empty(&config.rules.dir));
        let health = Arc::new(Health::default());
        let decoder = Arc::new(Decoder::new(&config.mappings, config.engine.max_post_bytes));
        let stats = Arc::new(Stats::default());
        let shutdown = CancellationToken::new();

        let policy = Arc::new(PolicyStore::open(config.grading.policy.as_deref())?);

        let outbox = Arc::new(Outbox::open(&config.storage.dir)?);
        crate::deliver::retention::spawn_pruner(
            outbox.clone(),
            chrono::Duration::days(config.storage.retention_days),
            crate::deliver::retention::PRUNE_EVERY,
            shutdown.clone(),
        );
        if let Err(e) = api::feedback::publish_metrics(&outbox) {
            tracing::warn!(error = %e, "feedback counts not restored");
        }
        let (committed, _) = watch::channel(0i64);
        // Delivery stops last, on its own signal: after the pipeline has drained, so the
        // final alerts still go out. Routes, receivers and deadlines reload (`reconfigure`).
        let delivery_stop = CancellationToken::new();
        let delivery = Arc::new(
            Delivery::start(
                config,
                outbox.clone(),
                committed.clone(),
                delivery_stop.clone(),
            )
            .map_err(|e| EngineError::Receiver(e.to_string()))?,
        );

        // Built back to front: outputs, commit, grader, workers, queue, sources.
        let (live_alerts, _) = broadcast::channel(1024);
        let (live_matches, _) = broadcast::channel(1024);
        let mut outputs = Vec::new();
        let (alerts_output, writer) = spawn_output(
            "alerts",
            &config.output.alerts,
            OUTPUT_CAPACITY,
            config.output.when_full,
            live_alerts.clone(),
        )
        .map_err(io("opening the alerts output"))?;
        outputs.push(writer);
        let (alert_tx, alert_rx) = crossbeam_channel::bounded::<Alert>(4096);
        let commit = CommitStage {
            alerts: alert_rx,
            outbox: outbox.clone(),
            routes: delivery.routes.clone(),
            receivers: delivery.receiver_names.clone(),
            output: alerts_output,
            deadlines: delivery.deadlines.clone(),
            committed: committed.clone(),
            stop: shutdown.clone(),
        };
        let commit = commit.spawn().map_err(io("starting the commit stage"))?;
        let matches_out = match &config.output.matches {
            None => None,
            Some(path) => {
                let (output, writer) = spawn_output(
                    "matches",
                    path,
                    OUTPUT_CAPACITY,
                    config.output.when_full,
                    live_matches.clone(),
                )
                .map_err(io("opening the matches output"))?;
                outputs.push(writer);
                Some(output)
            }
        };
        let (match_tx, match_rx) = crossbeam_channel::bounded(4096);
        let mut grader = Grader::new(config.events.clone(), policy.shared());
        // The bureau's places beside the rules, reloaded with them.
        let local = Arc::new(LocalStore::open_or_empty(&config.rules.dir));
        let reconfigure = Arc::new(Reconfigure {
            source: config.source.clone(),
            delivery: delivery.clone(),
            local: local.clone(),
        });
        grader.tracker_mut().use_local(local.shared());
        // A frame a worker never finishes holds later ones back at most this long.
        let in_order = InOrder::new(match_rx, std::time::Duration::from_secs(30));
        let role = config.cluster.role;
        let mut ledger = None;
        let matched = if role == Role::Match {
            // Matches leave for the hits topic; a track engine grades them.
            let sink = HitsSink::new(&config.cluster)?;
            sink.spawn(in_order).map_err(io("starting the hits sink"))?
        } else {
            let (checkpoint, restored) = if role == Role::Track {
                let (checkpoint, restored_ledger) = restore_track_checkpoint(&mut grader, config);
                ledger = Some(restored_ledger);
                (checkpoint, Vec::new())
            } else {
                restore_checkpoint(&mut grader, config, &outbox)
            };
            let grade = GradeStage {
                grader,
                matches: in_order,
                matches_out,
                alerts_out: alert_tx,
                clock: config.grading.clock,
                checkpoint,
                restored,
                hits: ledger.clone().map(|ledger| {
                    let coverage: Arc<dyn crate::grade::thread::HitsCoverage> = ledger;
                    (config.cluster.hits_topic.clone(), coverage)
                }),
            };
            grade.spawn().map_err(io("starting the grader"))?
        };
        let mut threads = vec![matched, commit];
        let hits_matches = match_tx.clone();
        let (queue, frames) = frame_queue(
            config.engine.queue_capacity,
            config.engine.max_buffered_bytes,
        );
        let workers = spawn_workers(
            config.worker_count(),
            WorkerContext {
                frames,
                rules: rules.clone(),
                decoder: decoder.clone(),
                stats: stats.clone(),
                max_text_bytes: config.engine.max_text_bytes,
                matches: match_tx,
                local: local.shared(),
            },
        )
        .map_err(io("starting match workers"))?;
        // Workers first: on shutdown they finish before the grader, which finishes before
        // the commit stage, which finishes before the outputs.
        threads.splice(0..0, workers);

        deadlines::spawn_chaser(
            outbox.clone(),
            delivery.deadlines.clone(),
            committed.clone(),
            delivery_stop.clone(),
        );

        let mut sources = JoinSet::new();
        if let Some(ledger) = ledger {
            let hits = HitsSource {
                config: config.cluster.clone(),
                matches: hits_matches,
                health: health.clone(),
                ledger,
            };
            sources.spawn(hits.run(shutdown.clone()));
            if !config.sources.is_empty() {
                tracing::warn!("role track reads only the hits topic; [[sources]] ignored");
            }
        } else {
            drop(hits_matches);
        }
        let pulled = if role == Role::Track {
            &[][..]
        } else {
            &config.sources[..]
        };
        for source in pulled {
            let context = SourceContext {
                info: Arc::new(SourceInfo {
                    name: source.name().to_owned(),
                    mappings: decoder.select(source.mappings()),
                }),
                queue: queue.clone(),
                shutdown: shutdown.clone(),
                health: health.clone(),
                decoder: decoder.clone(),
                stats: stats.clone(),
                max_post_bytes: config.engine.max_post_bytes,
                max_frame_bytes: config.engine.max_frame_bytes,
            };
            sources.spawn(source.spawn(context));
        }

        let (http, http_addr) = if config.http.enabled {
            let listener = tokio::net::TcpListener::bind(config.http.addr)
                .await
                .map_err(io("binding the HTTP address"))?;
            let addr = listener
                .local_addr()
                .map_err(io("binding the HTTP address"))?;
            let push = PushState {
                queue: queue.clone(),
                decoder: decoder.clone(),
                max_frame_bytes: config.engine.max_frame_bytes,
                push_wait: std::time::Duration::from_millis(config.engine.push_wait_ms),
                idle_timeout: std::time::Duration::from_secs(config.http.idle_timeout_secs),
                shutdown: shutdown.clone(),
            };
            let router = api::router(
                AppState {
                    rules: rules.clone(),
                    policy: policy.clone(),
                    health: health.clone(),
                    outbox: outbox.clone(),
                    deadlines: delivery.deadlines.clone(),
                    reconfigure: Some(reconfigure.clone()),
                    protect_reads: config.http.protect_reads,
                    metrics,
                    token: config.http.token.as_deref().map(Arc::from),
                    max_frame_bytes: config.engine.max_frame_bytes,
                    wall: api::wall::WallState {
                        committed: committed.clone(),
                        stats: stats.clone(),
                        tokens: api::wall::WallState::tokens(
                            &config.http.wall_token,
                            config.http.token.as_deref().unwrap_or(""),
                            config.http.protect_reads,
                        ),
                        shutdown: shutdown.clone(),
                    },
                    max_text_bytes: config.engine.max_text_bytes,
                    // Rule tests are for people: two at a time leave the workers their cores.
                    cpu: api::cpu_pool::CpuPool::new(2),
                },
                push,
            );
            let stop = shutdown.clone();
            let limits = config.http.limits().map_err(EngineError::Tls)?;
            let server = tokio::spawn(api::server::serve(listener, router, limits, stop));
            tracing::info!(%addr, "HTTP API listening");
            tracing::info!(url = %format!("http://{addr}/"), "wall display");
            (Some(server), Some(addr))
        } else {
            (None, None)
        };
        // From here on only sources and the API hold senders: when they stop, the queue closes.
        drop(queue);

        let watchers =
            reloads::install_reloads(config, &rules, local, &policy, &reconfigure, &shutdown)?;

        Ok(Engine {
            shutdown,
            http_addr,
            stats,
            rules,
            policy,
            live_matches,
            live_alerts,
            sources,
            http,
            threads,
            outputs,
            _watchers: watchers,
            outbox,
            delivery,
            delivery_stop,
            delivery_drain: std::time::Duration::from_secs(10),
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

    pub fn policy(&self) -> &Arc<PolicyStore> {
        &self.policy
    }

    /// Matched posts as they are written (only when a matches output is configured).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<MatchRecord>> {
        self.live_matches.subscribe()
    }

    /// Alerts as they are written.
    pub fn subscribe_alerts(&self) -> broadcast::Receiver<Arc<Alert>> {
        self.live_alerts.subscribe()
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
        let threads = std::mem::take(&mut self.threads);
        let outputs = std::mem::take(&mut self.outputs);
        let drained = tokio::task::spawn_blocking(move || {
            for thread in threads {
                thread.join().map_err(|_| EngineError::Panicked)?;
            }
            for output in outputs {
                output
                    .join()
                    .map_err(|_| EngineError::Panicked)?
                    .map_err(io("writing the output"))?;
            }
            Ok(())
        })
        .await
        .map_err(|_| EngineError::Panicked)?;
        // Everything is committed; give receivers a bounded time to send it. What they do
        // not send stays in the outbox and goes out after the next start.
        let deadline = tokio::time::Instant::now() + self.delivery_drain;
        while tokio::time::Instant::now() < deadline && self.delivery.is_running() {
            let pending: i64 = self
                .delivery
                .receivers()
                .iter()
                .map(|r| self.outbox.pending(r).unwrap_or(0))
                .sum();
            if pending == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        self.delivery_stop.cancel();
        self.delivery.join().await;
        drained
    }

    /// The durable outbox (alerts, incidents, deliveries).
    pub fn outbox(&self) -> &Arc<Outbox> {
        &self.outbox
    }
}
