//! Configuration: one TOML file laid over the embedded defaults (`deploy/fenghuo.toml`).
//!
//! The embedded file is both the defaults and their documentation. A user's file only names
//! what it changes: tables merge key by key, arrays (such as `sources`) replace the default
//! array whole. Unknown keys are errors, so a typo never silently falls back to a default.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use crate::decode::MappingConfig;
pub use crate::grade::thread::Clock;
pub use crate::ingest::SourceConfig;

/// The annotated default configuration compiled into the binary.
pub const DEFAULT_CONFIG: &str = include_str!("../deploy/fenghuo.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub engine: EngineConfig,
    pub rules: RulesConfig,
    pub output: OutputConfig,
    pub http: HttpConfig,
    pub events: crate::events::TrackerConfig,
    pub grading: GradingConfig,
    pub storage: StorageConfig,
    pub delivery: crate::deliver::dispatch::DeliveryConfig,
    pub deadlines: crate::deliver::deadlines::DeadlinesConfig,
    /// Each entry's settings depend on its `kind` (see `deliver::receivers`).
    #[serde(
        default,
        deserialize_with = "crate::deliver::receivers::deserialize_receivers"
    )]
    pub receivers: Vec<crate::deliver::receivers::ReceiverConfig>,
    /// Ordered; see `deploy/fenghuo.toml`. Empty: every alert to every receiver.
    #[serde(default)]
    pub routes: Vec<crate::deliver::route::Route>,
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    /// This process's role and the hits topic between match and track engines.
    #[serde(default)]
    pub cluster: crate::scaleout::ClusterConfig,
    /// Platform mappings by name, tried in name order when a source does not list its own.
    #[serde(default)]
    pub mappings: BTreeMap<String, MappingConfig>,
    /// Where it was read from, to read it again on a reload (`None`: no file).
    #[serde(skip)]
    pub source: Option<ConfigSource>,
}

/// A configuration's file and the overrides laid over it, to read it again.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    pub file: std::path::PathBuf,
    /// Command-line flags and environment overrides (a TOML table), laid over the file.
    pub flags: toml::Table,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineConfig {
    /// Match worker threads; 0 means one per core.
    pub workers: usize,
    /// Frames (batches of posts) the queue between sources and workers holds.
    pub queue_capacity: usize,
    /// A single NDJSON line or JSON-array element larger than this is rejected; each post's
    /// text is bounded by `max_text_bytes`.
    pub max_post_bytes: usize,
    /// A post whose title + body is longer than this is rejected.
    pub max_text_bytes: usize,
    /// An HTTP body or WebSocket message larger than this is refused.
    pub max_frame_bytes: usize,
    /// Bytes of frames being read (push bodies), queued and matched, all together: the
    /// bound on ingest memory. At least `max_frame_bytes`.
    pub max_buffered_bytes: usize,
    /// How long a push waits for room in `max_buffered_bytes` before it is answered 503
    /// with `Retry-After`.
    pub push_wait_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    pub dir: PathBuf,
    /// Reload when a file in `dir` changes.
    pub watch: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Where alerts go (JSON lines): `-` for stdout, or a file appended to.
    pub alerts: String,
    /// Where matched posts go (JSON lines, one per post): `-` or a file; absent: nowhere.
    #[serde(default)]
    pub matches: Option<String>,
    /// When a writer falls behind (stdout blocked): `drop` the line, counted, so the
    /// pipeline never waits (live); or `wait` for it, so the output is complete (replay).
    pub when_full: crate::output::WhenFull,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// Directory of the durable outbox (`outbox.db`, SQLite in WAL mode).
    pub dir: PathBuf,
    /// Notices and incidents older than this are deleted.
    pub retention_days: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradingConfig {
    /// Policy file; absent: the embedded default (`deploy/grading.toml`).
    #[serde(default)]
    pub policy: Option<PathBuf>,
    /// What moves the event clock while no posts arrive: the wall clock (live feeds, so
    /// quiet events resolve) or only the feed's own timestamps (replays, deterministic).
    pub clock: Clock,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    pub enabled: bool,
    pub addr: SocketAddr,
    /// Bearer token required on changing endpoints (ingest, reload, alert steps,
    /// silences); absent: none.
    #[serde(default)]
    pub token: Option<String>,
    /// Require the token on reading endpoints too (alerts, rules, silences).
    pub protect_reads: bool,
    /// Listen beyond loopback without a token. Off: such a listener is refused at start,
    /// since anyone who reaches it could push posts, step alerts and silence them.
    pub allow_open: bool,
    /// Connections open at once (WebSockets included); more wait in the accept backlog.
    pub max_connections: usize,
    /// A request head must arrive within this of connecting or of the last response.
    pub header_timeout_secs: u64,
    /// A request body must arrive whole within this.
    pub body_timeout_secs: u64,
    /// A push WebSocket that sends nothing (not even a pong) for this long is closed.
    pub idle_timeout_secs: u64,
    /// PEM certificate chain and private key: both set, the listener serves HTTPS.
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
    /// Token a wall screen gives in its URL (`/?token=…`, then a cookie) to see the wall
    /// display, its socket and the reports. Empty: the wall is open, unless
    /// `protect_reads` is on (then the main token opens it).
    #[serde(default)]
    pub wall_token: String,
}

/// A configuration error, with every problem found rather than the first.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl ConfigError {
    fn one(problem: String) -> ConfigError {
        ConfigError {
            problems: vec![problem],
        }
    }
}

impl HttpConfig {
    /// Why this listener must not start: beyond loopback without a token, unless
    /// `allow_open` says so. Checked by the engine after command-line overrides.
    pub fn exposure_problem(&self) -> Option<String> {
        (self.enabled
            && !self.addr.ip().is_loopback()
            && self.token.as_deref().is_none_or(str::is_empty)
            && !self.allow_open)
            .then(|| {
                format!(
                    "http.addr {} is reachable beyond this machine and http.token is empty: set a \
                     token (FENGHUO_HTTP_TOKEN) or, behind something else that authenticates, \
                     http.allow_open = true",
                    self.addr
                )
            })
    }

    /// The listener's protections (and its TLS acceptor, read from the PEM files).
    pub fn limits(&self) -> Result<crate::api::server::ListenerLimits, String> {
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(crate::api::server::tls_acceptor(cert, key)?),
            (None, None) => None,
            _ => return Err("http.tls_cert and http.tls_key go together".to_owned()),
        };
        Ok(crate::api::server::ListenerLimits {
            tls,
            max_connections: self.max_connections,
            header_timeout_secs: self.header_timeout_secs,
            body_timeout_secs: self.body_timeout_secs,
            idle_timeout_secs: self.idle_timeout_secs,
        })
    }
}

impl Config {
    /// The embedded defaults alone.
    pub fn embedded() -> Config {
        Config::from_overlay("").expect("the embedded default configuration is valid")
    }

    /// Reads `path` and lays it over the embedded defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::one(format!("{}: {e}", path.display())))?;
        Config::from_overlay(&text).map_err(|mut e| {
            for problem in &mut e.problems {
                *problem = format!("{}: {problem}", path.display());
            }
            e
        })
    }

    /// The embedded defaults, then the file at `file` (if any), then `flags` (command-line
    /// flags and environment variables as a TOML table), validated together: a flag is
    /// held to the same rules as the same setting in a file, and every problem is reported.
    pub fn load_layers(file: Option<&Path>, flags: toml::Table) -> Result<Config, ConfigError> {
        let text = match file {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| ConfigError::one(format!("{}: {e}", path.display())))?,
            None => String::new(),
        };
        let file_table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let origin = file.map_or("config".into(), |p| p.display().to_string());
            ConfigError::one(format!("{origin}: {e}"))
        })?;
        let mut config = Config::from_tables([file_table, flags.clone()])?;
        config.source = file.map(|file| ConfigSource {
            file: file.to_owned(),
            flags,
        });
        Ok(config)
    }

    /// Lays the TOML text `overlay` over the embedded defaults and validates the result.
    pub fn from_overlay(overlay: &str) -> Result<Config, ConfigError> {
        Config::from_overlays(&[overlay])
    }

    /// Lays each TOML text over the embedded defaults in turn, later ones winning.
    pub fn from_overlays(overlays: &[&str]) -> Result<Config, ConfigError> {
        let mut tables = Vec::new();
        for overlay in overlays {
            let table: toml::Table = overlay
                .parse()
                .map_err(|e: toml::de::Error| ConfigError::one(e.to_string()))?;
            tables.push(table);
        }
        Config::from_tables(tables)
    }

    /// Lays each table over the embedded defaults in turn, later ones winning.
    fn from_tables(tables: impl IntoIterator<Item = toml::Table>) -> Result<Config, ConfigError> {
        let mut merged: toml::Table = DEFAULT_CONFIG
            .parse()
            .map_err(|e| ConfigError::one(format!("embedded defaults: {e}")))?;
        for table in tables {
            merge(&mut merged, table);
        }
        let config: Config = toml::Value::Table(merged)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::one(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what the types alone cannot, collecting every problem.
    fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        if self.engine.queue_capacity == 0 {
            problems.push("engine.queue_capacity must be at least 1".to_owned());
        }
        if self.events.max_events == 0
            || self.events.quiet_minutes <= 0
            || self.events.lateness_minutes < 0
            || self.events.resurface_minutes < 0
        {
            problems.push(
                "events: max_events and quiet_minutes must be positive, lateness_minutes and resurface_minutes >= 0"
                    .to_owned(),
            );
        }
        if self.engine.max_frame_bytes == 0
            || self.engine.max_frame_bytes > u32::MAX as usize
            || self.engine.max_buffered_bytes < self.engine.max_frame_bytes
        {
            problems.push(format!(
                "engine: max_frame_bytes must be between 1 and {} and max_buffered_bytes at least max_frame_bytes",
                u32::MAX
            ));
        }
        if self.http.max_connections == 0
            || self.http.header_timeout_secs == 0
            || self.http.body_timeout_secs == 0
            || self.http.idle_timeout_secs == 0
        {
            problems.push("http: max_connections and the timeouts must be positive".to_owned());
        }
        if self.engine.max_post_bytes == 0 || self.engine.max_text_bytes == 0 {
            problems.push("engine.max_post_bytes and max_text_bytes must be positive".to_owned());
        }
        for (what, value) in [
            ("output.matches", self.output.matches.as_deref()),
            ("http.token", self.http.token.as_deref()),
            (
                "grading.policy",
                self.grading.policy.as_deref().and_then(Path::to_str),
            ),
        ] {
            if value == Some("") {
                problems.push(format!("{what} is empty: omit it for none"));
            }
        }
        if self.output.alerts.is_empty() {
            problems.push("output.alerts must be `-` (stdout) or a file".to_owned());
        }
        self.cluster.validate(&mut problems);
        let mut names = std::collections::HashSet::new();
        for (i, source) in self.sources.iter().enumerate() {
            source.validate(&format!("sources[{i}] ({})", source.name()), &mut problems);
            if !names.insert(source.name()) {
                problems.push(format!(
                    "sources: duplicate source name {:?}",
                    source.name()
                ));
            }
            for mapping in source.mappings() {
                if !self.mappings.contains_key(mapping) {
                    problems.push(format!(
                        "sources.{}: unknown mapping {mapping:?} (known: {})",
                        source.name(),
                        self.mappings.keys().cloned().collect::<Vec<_>>().join(", ")
                    ));
                }
            }
        }
        crate::deliver::receivers::validate_receivers(&self.receivers, &mut problems);
        let receiver_names: std::collections::HashSet<&str> =
            self.receivers.iter().map(|r| r.name()).collect();
        for (i, route) in self.routes.iter().enumerate() {
            for name in route.receivers.iter().chain(&route.escalate_to) {
                if !receiver_names.contains(name.as_str()) {
                    problems.push(format!("routes[{i}]: unknown receiver {name:?}"));
                }
            }
        }
        for (name, mapping) in &self.mappings {
            mapping.validate(&format!("mappings.{name}"), &mut problems);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems })
        }
    }

    /// Worker threads to start: the configured number, or one per core.
    pub fn worker_count(&self) -> usize {
        if self.engine.workers > 0 {
            return self.engine.workers;
        }
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Merges `overlay` into `base`: tables key by key, everything else replaced.
fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(base_table)), toml::Value::Table(overlay_table)) => {
                merge(base_table, overlay_table)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_parse() {
        let config = Config::embedded();
        assert!(config.mappings.len() >= 3);
        assert!(!config.sources.is_empty());
    }

    #[test]
    fn overlay_changes_only_what_it_names() {
        let config = Config::from_overlay("[engine]\nworkers = 3\n").unwrap();
        assert_eq!(config.engine.workers, 3);
        assert_eq!(
            config.engine.queue_capacity,
            Config::embedded().engine.queue_capacity
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err = Config::from_overlay("[engine]\nworkerz = 3\n").unwrap_err();
        assert!(err.to_string().contains("workerz"), "{err}");
    }

    #[test]
    fn a_robot_setting_on_a_webhook_is_an_error_naming_the_entry_and_its_kinds() {
        let err = Config::from_overlay(
            "[[receivers]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"https://x/\"\nmention = { all = true }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("receivers[0] (hook, kind = \"webhook\"): unknown field `mention`")
                && err.contains("`mention` is a setting of dingtalk, wecom, feishu receivers"),
            "{err}"
        );
        // The same receivers, each with what its kind takes, are fine.
        let ok = Config::from_overlay(
            "[[receivers]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"https://x/\"\nheaders = { A = \"b\" }\n\
             [[receivers]]\nname = \"ding\"\nkind = \"dingtalk\"\nurl = \"https://x/\"\nmention = { all = true }\n",
        )
        .unwrap();
        assert_eq!(ok.receivers.len(), 2);
    }

    #[test]
    fn all_problems_are_reported() {
        let overlay = r#"
            [[sources]]
            kind = "replay"
            name = "a"
            path = "x"
            mappings = ["nope"]
            [[sources]]
            kind = "replay"
            name = "a"
            path = "y"
            speed = -1.0
        "#;
        let err = Config::from_overlay(overlay).unwrap_err();
        assert_eq!(err.problems.len(), 3, "{err}");
    }
}
