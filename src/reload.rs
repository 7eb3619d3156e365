//! Reload triggers shared by the rules and the grading policy: a file change (settled, so
//! one editor save is one reload) and SIGHUP. The reload itself runs on a blocking thread;
//! a failed reload is logged by whoever reloads, and the previous version keeps running.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Something that can reload itself from disk.
pub type ReloadFn = Arc<dyn Fn() + Send + Sync>;

/// Editors save in bursts (temp file, rename, chmod): wait this long after the last change.
const SETTLE: Duration = Duration::from_millis(300);

/// Calls `reload` after changes to files in `dir` for which `relevant` holds settle.
/// The returned watcher must be kept alive.
pub fn watch(
    dir: &Path,
    relevant: impl Fn(&Path) -> bool + Send + 'static,
    reload: ReloadFn,
    shutdown: CancellationToken,
) -> notify::Result<notify::RecommendedWatcher> {
    let (tx, mut rx) = mpsc::channel::<()>(16);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let changed = matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
        );
        if changed && event.paths.iter().any(|p| relevant(p)) {
            // A full channel already holds a pending reload; dropping this one is fine.
            let _ = tx.try_send(());
        }
    })?;
    watcher.watch(dir, RecursiveMode::NonRecursive)?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                changed = rx.recv() => if changed.is_none() { return },
            }
            loop {
                match tokio::time::timeout(SETTLE, rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            run(reload.clone()).await;
        }
    });
    Ok(watcher)
}

/// Calls every reload on each SIGHUP until shutdown.
pub fn on_sighup(reloads: Vec<ReloadFn>, shutdown: CancellationToken) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                got = hangups.recv() => if got.is_none() { return },
            }
            tracing::info!("SIGHUP: reloading");
            for reload in &reloads {
                run(reload.clone()).await;
            }
        }
    });
    Ok(())
}

async fn run(reload: ReloadFn) {
    let _ = tokio::task::spawn_blocking(move || reload()).await;
}

/// The directory holding `file` (for watching a single file, which editors replace).
pub fn parent_dir(file: &Path) -> PathBuf {
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    }
}
