//! What `run` and `replay` run in: the tokio runtime, and the signals that stop them.

use anyhow::{Context, Result};

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    // Tokio serves I/O only; matching has its own threads. Two runtime threads suffice.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the tokio runtime")
}

pub(crate) async fn wait_for_signal() -> Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("waiting for Ctrl-C")?,
        _ = terminate.recv() => {}
    }
    Ok(())
}
