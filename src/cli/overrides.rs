//! The flags `run` and `replay` share, laid over the embedded defaults and `--config` to
//! make the engine's configuration.

use std::path::PathBuf;

use anyhow::Result;

use fenghuo::config::Config;

#[derive(Debug, clap::Args)]
pub(crate) struct Overrides {
    /// Configuration file laid over the embedded defaults.
    #[arg(long, env = "FENGHUO_CONFIG")]
    config: Option<PathBuf>,
    /// Rules directory.
    #[arg(long, env = "FENGHUO_RULES_DIR")]
    rules: Option<PathBuf>,
    /// Where alerts go (JSON lines): `-` (stdout) or a file.
    #[arg(long, env = "FENGHUO_OUTPUT")]
    output: Option<String>,
    /// Where matched posts go (JSON lines, one per post): `-` (stdout) or a file.
    #[arg(long, env = "FENGHUO_MATCHES")]
    matches: Option<String>,
    /// HTTP listen address.
    #[arg(long, env = "FENGHUO_HTTP_ADDR")]
    http_addr: Option<std::net::SocketAddr>,
    /// Match worker threads (0 = one per core).
    #[arg(long, env = "FENGHUO_WORKERS")]
    workers: Option<usize>,
    /// Bearer token for the changing endpoints (keeps the secret out of the config file).
    #[arg(long, env = "FENGHUO_HTTP_TOKEN", hide_env_values = true)]
    http_token: Option<String>,
    /// Directory of the durable outbox.
    #[arg(long, env = "FENGHUO_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

impl Overrides {
    /// The configuration: embedded defaults, the `--config` file, then these flags and
    /// `command` (what the subcommand itself sets), validated together.
    pub(crate) fn apply(self, command: toml::Table) -> Result<Config> {
        let mut flags = toml::Table::new();
        let mut set = |section: &str, key: &str, value: toml::Value| {
            let table = flags
                .entry(section)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(table) = table {
                table.insert(key.into(), value);
            }
        };
        let path = |p: PathBuf| toml::Value::String(p.display().to_string());
        if let Some(rules) = self.rules {
            set("rules", "dir", path(rules));
        }
        if let Some(output) = self.output {
            set("output", "alerts", output.into());
        }
        if let Some(matches) = self.matches {
            set("output", "matches", matches.into());
        }
        if let Some(addr) = self.http_addr {
            set("http", "addr", addr.to_string().into());
        }
        if let Some(workers) = self.workers {
            set("engine", "workers", (workers as i64).into());
        }
        if let Some(token) = self.http_token {
            set("http", "token", token.into());
        }
        if let Some(dir) = self.data_dir {
            set("storage", "dir", path(dir));
        }
        let mut layers = command;
        merge_into(&mut layers, flags);
        Ok(Config::load_layers(self.config.as_deref(), layers)?)
    }
}

/// `overlay` laid over `base`, tables merged key by key.
fn merge_into(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(base)), toml::Value::Table(overlay)) => {
                merge_into(base, overlay)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}
