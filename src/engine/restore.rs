//! Where the grading stage starts from: the tracker checkpoint in the storage directory,
//! reconciled with the outbox's incidents (or, for a track engine, with the hits topic).

use std::sync::Arc;

use crate::config::Config;
use crate::deliver::outbox::Outbox;
use crate::grade::checkpoint::CheckpointFile;
use crate::grade::{Alert, Grader};
use crate::scaleout::hits_ledger::HitsLedger;
use crate::scaleout::Role;

/// Restores the grading stage from the storage directory's checkpoint (when checkpoints are
/// on), reconciled with the incidents the outbox holds: returns where to keep saving it
/// and the alerts the restore causes (incidents left open that it does not know, resolved).
/// Restored events that stay quiet resolve as any do (`quiet_minutes` of event time: the
/// next posts move the clock, or with `clock = "wall"` the idle time does). A
/// checkpoint that cannot be read is moved aside (`.bad`) and the tracker starts empty.
pub(super) fn restore_checkpoint(
    grader: &mut Grader,
    config: &Config,
    outbox: &Outbox,
) -> (Option<(CheckpointFile, std::time::Duration)>, Vec<Alert>) {
    if config.events.checkpoint_secs == 0 {
        return (None, Vec::new());
    }
    // A file replay starts from its first line again: restoring would count its posts twice
    // and put them behind the restored clock. Its engine starts fresh, as a replay should.
    let replays = config
        .sources
        .iter()
        .any(|s| matches!(s, crate::ingest::source::SourceConfig::Replay(_)));
    if replays && config.cluster.role != Role::Track {
        tracing::info!("a replay source restarts its file: no tracker checkpoint");
        return (None, Vec::new());
    }
    let file = CheckpointFile::in_dir(&config.storage.dir);
    let checkpoint = match file.read() {
        Ok(checkpoint) => checkpoint,
        Err(e) => {
            tracing::error!(error = %e, "tracker checkpoint unreadable; moved aside, starting empty");
            let _ = std::fs::rename(file.path(), file.path().with_extension("json.bad"));
            None
        }
    };
    let committed = match outbox.all_incidents(&Default::default()) {
        Ok(incidents) => incidents
            .into_iter()
            .filter_map(|incident| serde_json::from_value::<Alert>(incident.alert).ok())
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "incidents unreadable; the checkpoint is restored as saved");
            Vec::new()
        }
    };
    let alerts = grader.restore(checkpoint, committed);
    let every = std::time::Duration::from_secs(config.events.checkpoint_secs);
    (Some((file, every)), alerts)
}

/// A track engine's restore: its checkpoint, if it says which hits it covers, without the
/// outbox's reconciliation — replaying the hits after the checkpoint raises again exactly
/// the alerts given out after it, under the same ids (the outbox drops them as
/// duplicates). Returns where to keep saving and the ledger whose positions the hits
/// consumer starts from (empty: every partition from its earliest retained hit, the
/// tracker empty too).
pub(super) fn restore_track_checkpoint(
    grader: &mut Grader,
    config: &Config,
) -> (
    Option<(CheckpointFile, std::time::Duration)>,
    Arc<HitsLedger>,
) {
    if config.events.checkpoint_secs == 0 {
        return (None, Arc::new(HitsLedger::default()));
    }
    let file = CheckpointFile::in_dir(&config.storage.dir);
    let every = std::time::Duration::from_secs(config.events.checkpoint_secs);
    let checkpoint = match file.read() {
        Ok(checkpoint) => checkpoint,
        Err(e) => {
            tracing::error!(error = %e, "tracker checkpoint unreadable; moved aside, replaying hits from the earliest");
            let _ = std::fs::rename(file.path(), file.path().with_extension("json.bad"));
            None
        }
    };
    let Some(mut checkpoint) = checkpoint else {
        return (Some((file, every)), Arc::new(HitsLedger::default()));
    };
    let position = checkpoint.hits.take();
    match position {
        Some(position) if position.topic == config.cluster.hits_topic => {
            tracing::info!(topic = %position.topic, next = ?position.next, "replaying hits from the tracker checkpoint");
            grader.restore(Some(checkpoint), Vec::new());
            (
                Some((file, every)),
                Arc::new(HitsLedger::new(position.next)),
            )
        }
        _ => {
            // Which hits the state holds is unknown: replaying them all into it would
            // count some twice, so the tracker starts empty and replays everything.
            tracing::warn!("the tracker checkpoint names no position on this hits topic; replaying hits from the earliest");
            (Some((file, every)), Arc::new(HitsLedger::default()))
        }
    }
}
