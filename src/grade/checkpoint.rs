//! The grading stage's checkpoint: the tracker's events (with their velocity windows,
//! chains and stories) and each open event's alert state, written to
//! `{storage.dir}/tracker.checkpoint.json` every `[events] checkpoint_secs` and at shutdown,
//! and read back at start. A restart — even after kill -9 — then continues the same events:
//! more posts of a story join its event id, its next alert continues its sequence, and no
//! second `opened` goes out for a story already open.
//!
//! The outbox is the record of what receivers were told, and it may be ahead of the last
//! checkpoint (alerts committed after it, before a kill). [`Grader::restore`] reconciles the
//! two: an open event continues from its latest committed alert (instance, sequence,
//! level); an event resolved after the checkpoint stays resolved; an incident the outbox
//! holds open but the checkpoint does not know (opened after it) is resolved at once as
//! `restarted`, so nothing stays open for ever.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{alert_id, Alert, AlertKind, Grader, Level, Open, Resolution};
use crate::events::checkpoint::TrackerState;

/// The file's format; a checkpoint of another version is ignored (logged), never misread.
const VERSION: u32 = 1;

/// The file name in the storage directory.
pub const FILE_NAME: &str = "tracker.checkpoint.json";

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a checkpoint: {source}")]
    Format {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: checkpoint version {found}, this engine reads {VERSION}")]
    Version { path: String, found: u32 },
}

/// What the grading stage saves.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub version: u32,
    /// Wall-clock time it was written (for the log; the event clock is in `tracker`).
    pub written_at: DateTime<Utc>,
    pub tracker: TrackerState,
    /// Open events' alert state, by event id (sorted).
    pub open: Vec<(String, OpenState)>,
    /// The instance labels of the current clock minute (see [`alert_id`]).
    pub instances: alert_id::InstanceState,
    /// A track engine's position on the hits topic: the state holds every hit before it
    /// and none after, and the outbox every alert it gave out (`scaleout::hits_ledger`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hits: Option<HitsPosition>,
}

/// Where on the hits topic a track engine's checkpoint stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HitsPosition {
    pub topic: String,
    /// Per partition, the offset of the first hit the state does not hold.
    pub next: std::collections::BTreeMap<i32, i64>,
}

/// An open event's alert state ([`Open`]) as data.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenState {
    pub level: Level,
    pub instance: String,
    pub sequence: u32,
    pub last_emitted_minute: i64,
    pub last_emitted_posts: u64,
    pub responded: bool,
}

impl From<&Open> for OpenState {
    fn from(open: &Open) -> OpenState {
        OpenState {
            level: open.level,
            instance: open.instance.clone(),
            sequence: open.sequence,
            last_emitted_minute: open.last_emitted_minute,
            last_emitted_posts: open.last_emitted_posts,
            responded: open.responded,
        }
    }
}

impl From<OpenState> for Open {
    fn from(state: OpenState) -> Open {
        Open {
            level: state.level,
            instance: state.instance,
            sequence: state.sequence,
            last_emitted_minute: state.last_emitted_minute,
            last_emitted_posts: state.last_emitted_posts,
            responded: state.responded,
        }
    }
}

/// The checkpoint file of a storage directory.
#[derive(Debug, Clone)]
pub struct CheckpointFile {
    path: PathBuf,
}

impl CheckpointFile {
    pub fn in_dir(dir: &Path) -> CheckpointFile {
        CheckpointFile {
            path: dir.join(FILE_NAME),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved checkpoint; `None` when there is none yet.
    pub fn read(&self) -> Result<Option<Checkpoint>, CheckpointError> {
        let path = self.path.display().to_string();
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(CheckpointError::Io { path, source }),
        };
        #[derive(Deserialize)]
        struct Versioned {
            version: u32,
        }
        let versioned: Versioned =
            serde_json::from_slice(&bytes).map_err(|source| CheckpointError::Format {
                path: path.clone(),
                source,
            })?;
        if versioned.version != VERSION {
            return Err(CheckpointError::Version {
                path,
                found: versioned.version,
            });
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|source| CheckpointError::Format { path, source })
    }

    /// Writes `checkpoint` atomically: a temporary file, synced, renamed over the old one,
    /// and the directory synced — a crash leaves the old checkpoint or the new, never half.
    pub fn write(&self, checkpoint: &Checkpoint) -> Result<(), CheckpointError> {
        let io = |source| CheckpointError::Io {
            path: self.path.display().to_string(),
            source,
        };
        let temporary = self.path.with_extension("json.tmp");
        let mut file = std::fs::File::create(&temporary).map_err(io)?;
        let bytes = serde_json::to_vec(checkpoint).map_err(|e| io(std::io::Error::other(e)))?;
        file.write_all(&bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&temporary, &self.path).map_err(io)?;
        if let Some(dir) = self.path.parent() {
            // Some filesystems cannot sync a directory; the rename is then as durable as
            // they make it.
            if let Ok(dir) = std::fs::File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }
}

/// The parts of an alert id: (event id, instance, sequence).
fn parse_alert_id(alert_id: &str) -> Option<(&str, &str, u32)> {
    let (rest, sequence) = alert_id.rsplit_once('#')?;
    let (event, instance) = rest.rsplit_once('@')?;
    Some((event, instance, sequence.parse().ok()?))
}

impl Grader {
    /// The grading stage's state as data.
    pub fn checkpoint(&self) -> Checkpoint {
        let mut open: Vec<(String, OpenState)> = self
            .open
            .iter()
            .map(|(id, open)| (id.clone(), OpenState::from(open)))
            .collect();
        open.sort_by(|a, b| a.0.cmp(&b.0));
        Checkpoint {
            version: VERSION,
            written_at: Utc::now(),
            tracker: self.tracker.checkpoint(),
            open,
            instances: self.instances.state(),
            hits: None,
        }
    }

    /// Puts `checkpoint` back, reconciled with `committed`: the latest committed alert of
    /// each incident the outbox holds (any order; resolved ones are used only for events the
    /// checkpoint holds). Returns the alerts to send for incidents the outbox holds open
    /// that the checkpoint does not know (`resolved`, resolution `restarted`).
    pub fn restore(&mut self, checkpoint: Option<Checkpoint>, committed: Vec<Alert>) -> Vec<Alert> {
        if let Some(checkpoint) = checkpoint {
            self.tracker.restore(checkpoint.tracker);
            self.open = checkpoint
                .open
                .into_iter()
                .filter(|(id, _)| self.tracker.event(id).is_some())
                .map(|(id, state)| (id, Open::from(state)))
                .collect();
            self.instances = alert_id::InstanceLabels::from_state(checkpoint.instances);
        }
        let mut committed = committed;
        committed.sort_by(|a, b| a.event_id.cmp(&b.event_id));
        let mut alerts = Vec::new();
        for latest in committed {
            let Some((instance, sequence)) = parse_alert_id(&latest.alert_id)
                .map(|(_, instance, sequence)| (instance.to_owned(), sequence))
            else {
                continue;
            };
            let instance = instance.as_str();
            self.instances.committed(&latest.event_id, instance);
            let resolved = latest.kind == AlertKind::Resolved;
            if self.tracker.event(&latest.event_id).is_none() {
                // The checkpoint may remember it resolved while receivers saw it later
                // (reopened, resolved again): a stale story is not reopened, so that no
                // instance of it is told twice.
                self.tracker.forget_dormant_event(&latest.event_id);
                if !resolved {
                    alerts.push(restarted(latest, instance, sequence));
                }
                continue;
            }
            let open = self.open.get(&latest.event_id);
            if resolved {
                // Resolved after the checkpoint — the checkpoint's instance, or a later one
                // (so the checkpoint's ended before it): the story ended for its receivers;
                // a later post opens a new instance. Only an instance the checkpoint knows
                // to have opened after that resolution stays.
                let ended = open.is_none_or(|o| {
                    alert_id::instance_order(instance) >= alert_id::instance_order(&o.instance)
                });
                if ended {
                    self.open.remove(&latest.event_id);
                    self.tracker.forget(&latest.event_id);
                }
                continue;
            }
            let at_minute = crate::events::minute_of(latest.at);
            let entry = self
                .open
                .entry(latest.event_id.clone())
                .or_insert_with(|| Open {
                    level: latest.level,
                    instance: instance.to_owned(),
                    sequence: 0,
                    last_emitted_minute: at_minute,
                    last_emitted_posts: latest.figures.total_posts,
                    responded: false,
                });
            if entry.instance != instance {
                // Receivers saw a later instance than the checkpoint holds: continue it.
                entry.instance = instance.to_owned();
                entry.sequence = 0;
            }
            if sequence >= entry.sequence {
                entry.sequence = sequence;
                entry.level = entry.level.max(latest.level);
                entry.last_emitted_minute = entry.last_emitted_minute.max(at_minute);
                entry.last_emitted_posts = entry.last_emitted_posts.max(latest.figures.total_posts);
                entry.responded |= latest.response.is_some();
            }
        }
        tracing::info!(
            events = self.tracker.len(),
            open = self.open.len(),
            resolved = alerts.len(),
            "tracker restored"
        );
        alerts
    }
}

/// The `resolved` alert of an incident that was open when the engine stopped and that
/// the checkpoint does not hold (it opened after the last checkpoint was written).
fn restarted(latest: Alert, instance: &str, sequence: u32) -> Alert {
    Alert {
        alert_id: alert_id::alert_id(&latest.event_id, instance, sequence + 1),
        kind: AlertKind::Resolved,
        previous_level: None,
        resolution: Some(Resolution::Restarted),
        emitted_at: Utc::now(),
        why: Vec::new(),
        forecast: None,
        completion: None,
        ..latest
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arc_swap::ArcSwap;
    use chrono::Duration;

    use super::*;
    use crate::grade::Policy;
    use crate::models::{Author, Counts, MatchRecord, MatchedRule, Post, RuleRef, Severity};

    const STORY: &str = "江州某派出所民警殴打外卖小哥，视频曝光后网友愤怒，要求严肃处理涉事民警";

    fn grader() -> Grader {
        let events = crate::events::TrackerConfig {
            simhash_distance: 12,
            story_overlap: 0.12,
            lateness_minutes: 10,
            quiet_minutes: 60,
            max_events: 1000,
            max_posts: 10_000,
            resurface_minutes: 24 * 60,
            checkpoint_secs: 0,
        };
        Grader::new(events, Arc::new(ArcSwap::from_pointee(Policy::embedded())))
    }

    fn record(id: &str, minute: i64, followers: u64) -> MatchRecord {
        let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::minutes(minute);
        MatchRecord {
            post: Post {
                platform: "weibo".into(),
                id: id.into(),
                url: None,
                author: Author {
                    id: Some(format!("a-{id}")),
                    name: None,
                    followers,
                    verified: followers > 1_000_000,
                },
                title: None,
                body: STORY.into(),
                published_at: at,
                counts: Counts::default(),
                repost_of: None,
                root_id: None,
                region: None,
            },
            source: "test".into(),
            generation: 1,
            rules: vec![MatchedRule {
                rule: RuleRef {
                    id: "law.violence".into(),
                    name: "暴力执法".into(),
                    domain: "执法办案".into(),
                    severity: Severity::High,
                    tags: Vec::new(),
                },
                terms: Vec::new(),
            }],
            score: None,
            matched_at: at,
            received_at: at,
            fingerprint: None,
            identity: None,
            completion: None,
        }
    }

    /// Through JSON, as the file holds it.
    fn saved(grader: &Grader) -> Checkpoint {
        serde_json::from_slice(&serde_json::to_vec(&grader.checkpoint()).unwrap()).unwrap()
    }

    #[test]
    fn a_restored_grader_continues_the_event_its_windows_and_its_alerts() {
        let mut before = grader();
        let opened = before.on_match(&record("1", 0, 50));
        assert_eq!(opened[0].kind, AlertKind::Opened);
        before.on_match(&record("2", 1, 50));
        let checkpoint = saved(&before);

        let mut after = grader();
        assert!(after.restore(Some(checkpoint), Vec::new()).is_empty());
        let event = after.tracker().event(&opened[0].event_id).unwrap();
        assert_eq!(event.total_posts, 2);
        assert_eq!(
            event.figures(after.tracker().clock()),
            before
                .tracker()
                .event(&opened[0].event_id)
                .unwrap()
                .figures(before.tracker().clock()),
            "the windows are restored"
        );
        // The same next post grades alike in both.
        let next = record("3", 2, 12_000_000);
        let expected = before.on_match(&next);
        let got = after.on_match(&next);
        assert_eq!(
            got.iter().map(|a| &a.alert_id).collect::<Vec<_>>(),
            expected.iter().map(|a| &a.alert_id).collect::<Vec<_>>()
        );
        assert_eq!(got[0].kind, AlertKind::Escalated);
        assert_eq!(got[0].event_id, opened[0].event_id);
    }

    #[test]
    fn alerts_committed_after_the_checkpoint_are_continued_not_repeated() {
        let mut grader_ = grader();
        let opened = grader_.on_match(&record("1", 0, 50));
        let checkpoint = saved(&grader_);
        // After the checkpoint, before the kill: escalated and committed.
        let escalated = grader_.on_match(&record("2", 1, 12_000_000));
        assert_eq!(escalated[0].kind, AlertKind::Escalated);

        let mut restored = grader();
        restored.restore(Some(checkpoint), vec![escalated[0].clone()]);
        let level = restored.level_of(&opened[0].event_id);
        assert_eq!(level, Some(escalated[0].level), "the committed level holds");
        // The re-delivered post and more: no alert id is handed out twice.
        let mut ids: Vec<String> = vec![opened[0].alert_id.clone(), escalated[0].alert_id.clone()];
        for (i, minute) in [(2, 1), (3, 20), (4, 40)] {
            for alert in restored.on_match(&record(&i.to_string(), minute, 50)) {
                assert_ne!(alert.kind, AlertKind::Opened);
                ids.push(alert.alert_id);
            }
        }
        let distinct: std::collections::BTreeSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len(), "{ids:?}");
    }

    #[test]
    fn an_incident_opened_after_the_checkpoint_is_resolved_at_start() {
        let empty = saved(&grader());
        let mut later = grader();
        let opened = later.on_match(&record("1", 0, 50));
        let mut restored = grader();
        let alerts = restored.restore(Some(empty), opened.clone());
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].kind, AlertKind::Resolved);
        assert_eq!(alerts[0].resolution, Some(Resolution::Restarted));
        assert_eq!(alerts[0].event_id, opened[0].event_id);
        assert_ne!(alerts[0].alert_id, opened[0].alert_id);
        // A resolved incident stays resolved: nothing to send for it.
        assert!(grader().restore(None, alerts).is_empty());
    }

    #[test]
    fn the_file_is_replaced_whole_and_a_foreign_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = CheckpointFile::in_dir(dir.path());
        assert!(file.read().unwrap().is_none());
        let mut grader_ = grader();
        grader_.on_match(&record("1", 0, 50));
        file.write(&grader_.checkpoint()).unwrap();
        let read = file.read().unwrap().unwrap();
        assert_eq!(read.tracker.events.len(), 1);
        std::fs::write(file.path(), r#"{"version": 99}"#).unwrap();
        assert!(matches!(
            file.read(),
            Err(CheckpointError::Version { found: 99, .. })
        ));
        std::fs::write(file.path(), "{").unwrap();
        assert!(matches!(file.read(), Err(CheckpointError::Format { .. })));
    }
}
