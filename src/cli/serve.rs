//! `fenghuo run`: the engine as a service, until SIGTERM or Ctrl-C.

use std::process::ExitCode;

use anyhow::Result;

use fenghuo::config::Config;
use fenghuo::engine::Engine;
use fenghuo::telemetry;

use super::overrides::Overrides;
use super::runtime::{runtime, wait_for_signal};

pub(crate) fn run(overrides: Overrides) -> Result<ExitCode> {
    let config = overrides.apply(toml::Table::new())?;
    let runtime = runtime()?;
    let served = runtime.block_on(serve(config));
    // Everything accepted is drained by now; a blocking task still running (a
    // readiness probe stuck on a full disk) must not hold the exit past SIGTERM.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    served?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: Config) -> Result<()> {
    let engine = Engine::start(&config, telemetry::install_prometheus()).await?;
    let rules = engine.rules().current();
    tracing::info!(
        generation = rules.generation,
        rules = rules.rules().rules().len(),
        dir = %config.rules.dir.display(),
        workers = config.worker_count(),
        "fenghuo running; Ctrl-C to stop"
    );
    wait_for_signal().await?;
    tracing::info!("shutting down: draining the queue");
    engine.shutdown().await?;
    Ok(())
}
