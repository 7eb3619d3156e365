//! Reload triggers: a change in the rules directory, or SIGHUP.

use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::RuleStore;

/// Editors save in bursts (temp file, rename, chmod): wait this long after the last change
/// before reloading, so one save is one reload.
const SETTLE: Duration = Duration::from_millis(300);

/// Watches the rules directory and reloads after changes to `*.toml` files settle.
/// The returned watcher must be kept alive.
pub fn watch_dir(
    store: Arc<RuleStore>,
    shutdown: CancellationToken,
) -> notify::Result<notify::RecommendedWatcher> {
    let (tx, mut rx) = mpsc::channel::<()>(16);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let relevant = matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
        ) && event
            .paths
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "toml"));
        if relevant {
            // A full channel already holds a pending reload; dropping this one is fine.
            let _ = tx.try_send(());
        }
    })?;
    watcher.watch(store.dir(), RecursiveMode::NonRecursive)?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                changed = rx.recv() => if changed.is_none() { return },
            }
            // Settle: keep waiting while changes keep coming.
            loop {
                match tokio::time::timeout(SETTLE, rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            reload(&store, "file change").await;
        }
    });
    Ok(watcher)
}

/// Reloads on every SIGHUP until shutdown.
pub fn reload_on_sighup(store: Arc<RuleStore>, shutdown: CancellationToken) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                got = hangups.recv() => if got.is_none() { return },
            }
            reload(&store, "SIGHUP").await;
        }
    });
    Ok(())
}

async fn reload(store: &Arc<RuleStore>, trigger: &'static str) {
    tracing::info!(trigger, "reloading rules");
    let store = store.clone();
    // Errors are logged and recorded by the store; the old generation keeps running.
    let _ = tokio::task::spawn_blocking(move || store.reload()).await;
}
