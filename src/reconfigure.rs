//! Changing who is told without a restart: routes, receivers and deadlines from the
//! configuration file, and the bureau's places and accounts beside the rules. A restart
//! would cost nothing now (the tracker is checkpointed), but a reload costs not even the
//! seconds of a restart, and keeps every event, window and alert sequence in memory.
//!
//! A reload goes through the same path as start-up — the file is read and validated with
//! every problem collected, each receiver is built, the places and accounts are compiled —
//! and only when all of that succeeds is anything swapped in; otherwise the running
//! configuration stays and the error says why. Triggers: `POST /api/v1/config/reload`,
//! SIGHUP, and (with `rules.watch`) a change to the configuration file.
//!
//! Silences need no reload: they live in the outbox and are set and lifted through the API
//! (`/api/v1/silences`), effective at once.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ConfigSource};
use crate::deliver::deadlines::DeadlinesConfig;
use crate::deliver::dispatch::{DeliveryConfig, Dispatcher};
use crate::deliver::outbox::Outbox;
use crate::deliver::receivers::{Receiver, ReceiverConfig};
use crate::deliver::route::Route;
use crate::events::local::{Local, LocalStore};

/// How long a reload waits for a replaced receiver's task to finish its notice in flight
/// before starting its successor (so one notice is not sent by both).
const REPLACE_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum ReconfigureError {
    #[error("configuration rejected; the running one stays:\n{0}")]
    Config(String),
    #[error("receiver {name} rejected; the running configuration stays: {problem}")]
    Receiver { name: String, problem: String },
    #[error("places or accounts rejected; the running ones stay: {0}")]
    Local(String),
}

/// A receiver's running dispatcher.
struct Running {
    /// Its configuration as it was started, to tell a changed one (never shown: it holds
    /// the receiver's secret).
    fingerprint: String,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

/// The live delivery configuration, shared by the commit stage, the deadline chaser and the
/// API, and the receivers' dispatchers.
pub struct Delivery {
    /// Read by the commit stage for each alert.
    pub routes: Arc<ArcSwap<Vec<Route>>>,
    /// Names of the configured receivers (routes pick among them).
    pub receiver_names: Arc<ArcSwap<Vec<String>>>,
    /// Read by the deadline chaser and the API.
    pub deadlines: Arc<ArcSwap<DeadlinesConfig>>,
    /// Dispatchers by receiver name. A std mutex: held only while tasks are swapped.
    running: Mutex<BTreeMap<String, Running>>,
    outbox: Arc<Outbox>,
    committed: watch::Sender<i64>,
    delivery: DeliveryConfig,
    /// Engine delivery stop: every dispatcher's token is a child of it.
    stop: CancellationToken,
    runtime: tokio::runtime::Handle,
}

fn fingerprint(config: &ReceiverConfig) -> String {
    format!("{config:?}")
}

impl Delivery {
    /// Starts a dispatcher for each receiver of `config`. Must be called on the runtime.
    pub fn start(
        config: &Config,
        outbox: Arc<Outbox>,
        committed: watch::Sender<i64>,
        stop: CancellationToken,
    ) -> Result<Delivery, ReconfigureError> {
        let delivery = Delivery {
            routes: Arc::new(ArcSwap::from_pointee(config.routes.clone())),
            receiver_names: Arc::new(ArcSwap::from_pointee(Vec::new())),
            deadlines: Arc::new(ArcSwap::from_pointee(config.deadlines.clone())),
            running: Mutex::new(BTreeMap::new()),
            outbox,
            committed,
            delivery: config.delivery.clone(),
            stop,
            runtime: tokio::runtime::Handle::current(),
        };
        delivery.apply(config)?;
        Ok(delivery)
    }

    /// Swaps in `config`'s routes, receivers and deadlines: receivers removed or changed
    /// are stopped (after their notice in flight), new or changed ones started from their
    /// stored cursor. Every receiver is built first; if one cannot be, nothing changes.
    /// Call it from a blocking thread (`spawn_blocking`) when receivers may be replaced: it
    /// waits for their tasks. At start (none running) any thread will do.
    pub fn apply(&self, config: &Config) -> Result<Value, ReconfigureError> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let mut starting = Vec::new();
        for receiver in &config.receivers {
            let print = fingerprint(receiver);
            if running
                .get(receiver.name())
                .is_some_and(|r| r.fingerprint == print)
            {
                continue;
            }
            let built =
                Receiver::new(receiver.clone()).map_err(|problem| ReconfigureError::Receiver {
                    name: receiver.name().to_owned(),
                    problem,
                })?;
            starting.push((receiver.name().to_owned(), print, built));
        }
        let wanted: Vec<String> = config
            .receivers
            .iter()
            .map(|r| r.name().to_owned())
            .collect();
        self.routes.store(Arc::new(config.routes.clone()));
        self.deadlines.store(Arc::new(config.deadlines.clone()));
        self.receiver_names.store(Arc::new(wanted.clone()));
        let replaced: Vec<String> = running
            .keys()
            .filter(|name| {
                !wanted.contains(name) || starting.iter().any(|(started, _, _)| started == *name)
            })
            .cloned()
            .collect();
        let mut stopped = Vec::new();
        for name in &replaced {
            if let Some(old) = running.remove(name) {
                old.stop.cancel();
                stopped.push((name.clone(), old.task));
            }
        }
        for (name, task) in stopped {
            // A task still sending when the wait ends finishes on its own; its successor
            // may then send that one notice again, under the same idempotency key.
            let waited = self
                .runtime
                .block_on(tokio::time::timeout(REPLACE_WAIT, task))
                .is_ok();
            tracing::info!(receiver = %name, waited, "receiver stopped for a reload");
        }
        let mut started = Vec::new();
        for (name, print, receiver) in starting {
            let stop = self.stop.child_token();
            let dispatcher = Dispatcher {
                receiver: Arc::new(receiver),
                outbox: self.outbox.clone(),
                committed: self.committed.subscribe(),
                config: self.delivery.clone(),
            };
            let task = self.runtime.spawn(dispatcher.run(stop.clone()));
            running.insert(
                name.clone(),
                Running {
                    fingerprint: print,
                    stop,
                    task,
                },
            );
            started.push(name);
        }
        Ok(json!({
            "routes": config.routes.len(),
            "receivers": wanted,
            "receivers_started": started,
            "receivers_stopped": replaced,
        }))
    }

    /// The receivers now configured.
    pub fn receivers(&self) -> Vec<String> {
        self.receiver_names.load().as_ref().clone()
    }

    /// Whether any dispatcher is still running.
    pub fn is_running(&self) -> bool {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.values().any(|r| !r.task.is_finished())
    }

    /// Stops every dispatcher (the engine's delivery stop must be cancelled first) and
    /// waits for them.
    pub async fn join(&self) {
        let tasks: Vec<JoinHandle<()>> = {
            let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::take(&mut *running)
                .into_values()
                .map(|r| {
                    r.stop.cancel();
                    r.task
                })
                .collect()
        };
        for task in tasks {
            let _ = task.await;
        }
    }
}

/// The reload itself: the configuration file (if the engine has one) and the places and
/// accounts files, all validated before any is swapped in.
pub struct Reconfigure {
    pub source: Option<ConfigSource>,
    pub delivery: Arc<Delivery>,
    pub local: Arc<LocalStore>,
}

impl Reconfigure {
    /// Reloads; returns what now runs, or why nothing changed. Blocking.
    pub fn reload(&self) -> Result<Value, ReconfigureError> {
        let config = match &self.source {
            Some(source) => Some(
                Config::load_layers(Some(&source.file), source.flags.clone())
                    .map_err(|e| ReconfigureError::Config(e.to_string()))?,
            ),
            None => None,
        };
        let local: Local = self
            .local
            .load()
            .map_err(|e| ReconfigureError::Local(e.to_string()))?;
        let places = local.gazetteer.len();
        let delivery = match &config {
            Some(config) => self.delivery.apply(config)?,
            None => Value::Null,
        };
        self.local.install(local);
        tracing::info!(%delivery, places, "configuration reloaded");
        Ok(json!({
            // Null: started without --config, so only places and accounts were read.
            "delivery": delivery,
            "places": places,
        }))
    }
}
