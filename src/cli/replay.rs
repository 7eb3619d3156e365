//! `fenghuo replay`: a file through the pipeline, to its end, with a throughput summary.

use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::{bail, Result};

use fenghuo::config::Config;
use fenghuo::engine::Engine;

use super::overrides::Overrides;
use super::runtime::{runtime, wait_for_signal};

pub(crate) fn run(
    file: String,
    speed: Option<f64>,
    mapping: Vec<String>,
    overrides: Overrides,
) -> Result<ExitCode> {
    if file != "-" && file != "@sample" && !Path::new(&file).is_file() {
        bail!("{file}: no such file");
    }
    // The replay is an overlay like any other: `--mapping nope` is refused as an
    // unknown mapping in a file would be.
    let mut source = toml::Table::new();
    source.insert("kind".into(), "replay".into());
    source.insert("name".into(), "replay".into());
    source.insert("path".into(), file.into());
    if let Some(speed) = speed {
        source.insert("speed".into(), speed.into());
    }
    source.insert("mappings".into(), mapping.into());
    let mut command: toml::Table = toml::toml! {
        [http]
        enabled = false
        [rules]
        watch = false
        [grading]
        clock = "feed"
        [events]
        checkpoint_secs = 0
        [output]
        when_full = "wait"
    };
    command.insert("sources".into(), vec![toml::Value::Table(source)].into());
    let config = overrides.apply(command)?;
    runtime()?.block_on(replay(config))?;
    Ok(ExitCode::SUCCESS)
}

async fn replay(config: Config) -> Result<()> {
    let compiling = Instant::now();
    let mut engine = Engine::start(&config, None).await?;
    if engine.rules().current().generation == 0 {
        let errors = engine.rules().last_error().unwrap_or_default();
        engine.shutdown().await?;
        bail!("rules failed to load:\n{errors}");
    }
    eprintln!(
        "rules compiled and tested in {:.2} s",
        compiling.elapsed().as_secs_f64()
    );
    // Throughput counts the pipeline only, not the one-off rule compile.
    let started = Instant::now();
    let stats = engine.stats().clone();
    tokio::select! {
        _ = engine.sources_finished() => {}
        result = wait_for_signal() => result?,
    }
    engine.shutdown().await?;
    let seconds = started.elapsed().as_secs_f64();
    let received = stats.received.load(Ordering::Relaxed);
    let bytes = stats.bytes.load(Ordering::Relaxed);
    eprintln!(
        "replayed {received} posts ({:.1} MB) in {seconds:.2} s: {:.0} posts/s, {:.1} MB/s; \
         decoded {}, rejected {}, matched {} ({} workers)",
        bytes as f64 / 1e6,
        received as f64 / seconds,
        bytes as f64 / 1e6 / seconds,
        stats.decoded.load(Ordering::Relaxed),
        stats.rejected.load(Ordering::Relaxed),
        stats.matched.load(Ordering::Relaxed),
        config.worker_count(),
    );
    for (source, reason, count) in stats.rejects() {
        eprintln!("  rejected {count} from {source}: {reason}");
    }
    Ok(())
}
