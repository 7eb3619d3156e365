//! Alert ids: unique for ever, and deterministic for a given feed (the idempotency key a
//! receiver sees, and the outbox's primary key).
//!
//! An event id names a story (`evt-{platform}-{first post}`), and the same story can be
//! opened, resolved and opened again: a post re-sent an hour later opens a new *instance*
//! of the same event id. A per-instance sequence alone (`#1`, `#2`, …) would repeat across
//! instances, so the id also names the instance by the event-clock minute it opened in:
//! `{event_id}@{YYYYMMDDTHHMM}#{sequence}`. Two instances of one event opening in the same
//! clock minute (closed and re-opened within it, e.g. after an eviction) get `.2`, `.3`, …
//! after the minute. Everything here follows the feed's clock, so replaying the same feed
//! gives the same ids.

use std::collections::HashMap;

use chrono::DateTime;

/// [`InstanceLabels`] as data (for the grading stage's checkpoint).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceState {
    pub minute: i64,
    /// (event id, instances opened in `minute`), sorted.
    pub opened: Vec<(String, u32)>,
}

/// Hands out instance labels; remembers only the openings of the current clock minute,
/// and after a restart the last instance receivers saw of each incident.
#[derive(Debug, Default)]
pub struct InstanceLabels {
    /// The clock minute `opened` describes.
    minute: i64,
    /// Event id → instances opened in `minute`.
    opened: HashMap<String, u32>,
    /// Event id → the last instance the outbox committed (its minute's stamp and count),
    /// put back at a restart: an opening in that same minute continues its count, though
    /// the checkpoint (older than the outbox) may not know that instance. Dropped once the
    /// clock has passed its minute.
    committed: HashMap<String, (String, u32)>,
}

impl InstanceLabels {
    pub fn state(&self) -> InstanceState {
        let mut opened: Vec<(String, u32)> =
            self.opened.iter().map(|(id, &n)| (id.clone(), n)).collect();
        opened.sort();
        InstanceState {
            minute: self.minute,
            opened,
        }
    }

    pub fn from_state(state: InstanceState) -> InstanceLabels {
        InstanceLabels {
            minute: state.minute,
            opened: state.opened.into_iter().collect(),
            committed: HashMap::new(),
        }
    }

    /// Receivers saw `instance` of `event_id` (the outbox's latest alert of it, read at a
    /// restart): a later opening in its minute must not repeat its label.
    pub fn committed(&mut self, event_id: &str, instance: &str) {
        let (stamp, count) = instance_order(instance);
        let seen = self
            .committed
            .entry(event_id.to_owned())
            .or_insert_with(|| (stamp.to_owned(), count));
        if (stamp, count) > (seen.0.as_str(), seen.1) {
            *seen = (stamp.to_owned(), count);
        }
    }

    /// The label of a new instance of `event_id` opening at clock `minute`.
    pub fn open(&mut self, event_id: &str, minute: i64) -> String {
        let stamp = DateTime::from_timestamp(minute.saturating_mul(60), 0)
            .map(|t| t.format("%Y%m%dT%H%M").to_string())
            .unwrap_or_else(|| format!("m{minute}"));
        if minute != self.minute {
            self.minute = minute;
            self.opened.clear();
            // Stamps are fixed-width: they sort as their minutes do.
            self.committed.retain(|_, (seen, _)| *seen >= stamp);
        }
        let floor = self
            .committed
            .get(event_id)
            .filter(|(seen, _)| *seen == stamp)
            .map_or(0, |&(_, count)| count);
        let count = self.opened.entry(event_id.to_owned()).or_insert(0);
        *count = (*count).max(floor) + 1;
        if *count == 1 {
            stamp
        } else {
            format!("{stamp}.{count}")
        }
    }
}

/// The order instances of one event opened in: by minute, then by the `.n` count within
/// it (`20261128T0400` < `20261128T0400.2` < `20261128T0401`).
pub fn instance_order(instance: &str) -> (&str, u32) {
    match instance.split_once('.') {
        Some((minute, count)) => (minute, count.parse().unwrap_or(u32::MAX)),
        None => (instance, 1),
    }
}

/// `{event_id}@{instance}#{sequence}`.
pub fn alert_id(event_id: &str, instance: &str, sequence: u32) -> String {
    format!("{event_id}@{instance}#{sequence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_receivers_saw_is_not_labelled_again_after_a_restart() {
        let minute = 29_400_000;
        let first = InstanceLabels::default().open("e", minute);
        let mut restored = InstanceLabels::default();
        restored.committed("e", &first);
        assert_eq!(restored.open("e", minute), format!("{first}.2"));
        // Another minute: counts start again.
        let mut restored = InstanceLabels::default();
        restored.committed("e", &first);
        assert!(!restored.open("e", minute + 1).contains('.'));
    }

    #[test]
    fn instances_of_one_event_never_share_a_label() {
        let mut labels = InstanceLabels::default();
        let minute = 29_400_000;
        let first = labels.open("evt-weibo-1", minute);
        assert_eq!(first, "20251124T1600");
        let again = labels.open("evt-weibo-1", minute);
        assert_eq!(again, "20251124T1600.2", "re-opened within the same minute");
        assert_eq!(labels.open("evt-weibo-2", minute), "20251124T1600");
        assert_eq!(labels.open("evt-weibo-1", minute + 61), "20251124T1701");
        assert_ne!(
            alert_id("evt-weibo-1", &first, 1),
            alert_id("evt-weibo-1", &again, 1)
        );
    }
}
