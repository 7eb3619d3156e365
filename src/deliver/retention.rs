//! Retention: notices, attempts and incidents older than `retention_days` are pruned at
//! start and then every hour, so a long-running engine's outbox stays bounded (it used
//! to be pruned only at start-up).

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::outbox::Outbox;

/// How often the outbox is pruned.
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Prunes now and every `every` until shutdown, on the blocking pool.
pub fn spawn_pruner(
    outbox: Arc<Outbox>,
    keep: chrono::Duration,
    every: Duration,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            let pruned = outbox
                .blocking(move |o| o.prune(chrono::Utc::now(), keep))
                .await;
            if let Err(e) = pruned {
                tracing::warn!(error = %e, "pruning the outbox failed");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliver::outbox::NewNotice;

    fn old_notice(outbox: &Outbox, id: &str) {
        let body = serde_json::json!({});
        let notice = NewNotice {
            notice_id: id,
            event_id: "evt-old",
            kind: "opened",
            level: "yellow",
            body: &body,
        };
        let long_ago = chrono::Utc::now() - chrono::Duration::days(40);
        outbox
            .append(&notice, &["hook".to_owned()], long_ago)
            .unwrap();
    }

    #[tokio::test]
    async fn pruning_runs_again_while_the_engine_runs() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Arc::new(Outbox::open(dir.path()).unwrap());
        old_notice(&outbox, "n1");
        let stop = CancellationToken::new();
        let pruner = spawn_pruner(
            outbox.clone(),
            chrono::Duration::days(30),
            Duration::from_millis(20),
            stop.clone(),
        );
        let gone = |outbox: &Outbox| outbox.pending("hook").unwrap() == 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !gone(&outbox) {
            assert!(tokio::time::Instant::now() < deadline, "pruned at start");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Written after the first pruning: a later one removes it.
        old_notice(&outbox, "n2");
        assert!(!gone(&outbox));
        while !gone(&outbox) {
            assert!(tokio::time::Instant::now() < deadline, "pruned again");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        stop.cancel();
        pruner.await.unwrap();
    }
}
