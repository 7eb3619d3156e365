//! A receiver's backlog: the notices its dispatcher has taken from the outbox and not yet
//! finished, and the order they go out in when the receiver is behind.
//!
//! - **Urgency first.** 红 notices and overdue reminders (any level) go before 橙, 橙 before
//!   黄: a robot's 20 messages a minute are spent on what matters first. Among equals, the
//!   oldest first.
//! - **Per-event order.** An event's notices go out in commit order: only the oldest
//!   pending notice of an event may be sent, and the event counts as urgent as its most
//!   urgent pending notice (a 黄 event that was raised to 红 goes first, its `opened` then
//!   its `escalated`; an overdue reminder pulls its event's pending alert ahead with it).
//! - **Updates collapse.** A pending `updated` notice is superseded by any newer alert of
//!   the same event: a receiver that fell behind gets the event's latest state once, not
//!   every intermediate update. Transitions (`opened`, `escalated`, `resolved`) and overdue
//!   reminders are never superseded; a dead letter re-sent by hand (`…!retry{n}`) neither
//!   supersedes nor is superseded. The outbox keeps every notice; a superseded one is
//!   recorded as such for this receiver, with its successor's id, so that the successor
//!   still names what it stands for after a restart.
//!
//! Pure bookkeeping: the dispatcher does the I/O. Bounded by the dispatcher's window.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::outbox::Notice;

/// How urgent a notice is: lower goes first.
pub fn urgency(notice: &Notice) -> u8 {
    if notice.kind == "overdue" {
        return 0;
    }
    match notice.level.as_str() {
        "red" => 0,
        "orange" => 1,
        "yellow" => 2,
        _ => 3,
    }
}

/// A dead letter sent again by hand: delivered as it is, whatever came since.
fn resent_by_hand(notice: &Notice) -> bool {
    notice.notice_id.contains("!retry")
}

/// Whether `newer` makes `older` pointless to send: both alerts of one event, `older` an
/// `updated` (a snapshot the newer alert carries a later state of).
pub fn supersedes(newer: &Notice, older: &Notice) -> bool {
    const ALERT_KINDS: [&str; 4] = ["opened", "escalated", "updated", "resolved"];
    newer.seq > older.seq
        && newer.event_id == older.event_id
        && older.kind == "updated"
        && ALERT_KINDS.contains(&newer.kind.as_str())
        && !resent_by_hand(newer)
        && !resent_by_hand(older)
}

/// One pending notice and its retry state.
#[derive(Debug, Clone)]
pub struct Entry {
    pub notice: Notice,
    /// Attempts made so far (0: never tried).
    pub attempts: i64,
    /// When it was first tried: `give_up_after` counts from here.
    pub first_attempt: Option<Instant>,
    /// Not tried again before this (its own backoff after a failure).
    pub next_at: Instant,
    /// The wait after its next failure (doubled each time, capped by the dispatcher).
    pub backoff: Duration,
    /// Ids of the pending updates this notice took the place of, oldest first.
    pub superseded: Vec<String>,
}

impl Entry {
    /// The notice as the receiver gets it: with the ids of the updates it stands for
    /// (`superseded`), so a group reads that it is the latest of several.
    pub fn outgoing(&self) -> Notice {
        let mut notice = self.notice.clone();
        if !self.superseded.is_empty() {
            if let Value::Object(body) = &mut notice.body {
                body.insert("superseded".into(), self.superseded.clone().into());
            }
        }
        notice
    }
}

/// A pending update that a newer alert of its event took the place of.
#[derive(Debug, Clone)]
pub struct Superseded {
    pub notice: Notice,
    /// The id of the notice that stands for it.
    pub by: String,
}

/// The pending notices of one receiver, by sequence.
#[derive(Debug, Default)]
pub struct Backlog {
    entries: BTreeMap<i64, Entry>,
}

impl Backlog {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The oldest pending sequence: everything before it is done.
    pub fn oldest(&self) -> Option<i64> {
        self.entries.keys().next().copied()
    }

    /// Pending notices up to sequence `seq`.
    pub fn count_through(&self, seq: i64) -> usize {
        self.entries.range(..=seq).count()
    }

    /// Adds a notice taken from the outbox, due at `now`, standing for the updates it
    /// superseded before a restart (`earlier`, oldest first, as the outbox recorded them).
    /// Returns the pending notices it supersedes, removed from the backlog (the caller
    /// records them) — or the notice itself, not added, when a newer alert of its event is
    /// already pending (taken ahead of it).
    pub fn push(
        &mut self,
        notice: Notice,
        earlier: Vec<String>,
        now: Instant,
        backoff: Duration,
    ) -> Vec<Superseded> {
        if let Some(newer) = self
            .entries
            .values_mut()
            .find(|e| supersedes(&e.notice, &notice))
        {
            // Loaded in sequence order after it: older ones than this were pushed first.
            newer.superseded.extend(earlier);
            newer.superseded.push(notice.notice_id.clone());
            let by = newer.notice.notice_id.clone();
            return vec![Superseded { notice, by }];
        }
        let stale: Vec<i64> = self
            .entries
            .values()
            .filter(|e| supersedes(&notice, &e.notice))
            .map(|e| e.notice.seq)
            .collect();
        let mut superseded = earlier;
        let mut replaced = Vec::new();
        for seq in stale {
            let entry = self.entries.remove(&seq).expect("listed above");
            superseded.extend(entry.superseded);
            superseded.push(entry.notice.notice_id.clone());
            replaced.push(Superseded {
                notice: entry.notice,
                by: notice.notice_id.clone(),
            });
        }
        self.entries.insert(
            notice.seq,
            Entry {
                notice,
                attempts: 0,
                first_attempt: None,
                next_at: now,
                backoff,
                superseded,
            },
        );
        replaced
    }

    /// Each event's oldest pending notice and the event's urgency (its most urgent
    /// pending notice).
    fn heads(&self) -> Vec<(u8, &Entry)> {
        let mut events: HashMap<&str, (u8, &Entry)> = HashMap::new();
        for entry in self.entries.values() {
            let urgency = urgency(&entry.notice);
            events
                .entry(entry.notice.event_id.as_str())
                .and_modify(|(u, _)| *u = (*u).min(urgency))
                .or_insert((urgency, entry));
        }
        events.into_values().collect()
    }

    /// The notice to send next at `now`: the most urgent event whose oldest pending
    /// notice is due (oldest event first among equals).
    pub fn next_due(&self, now: Instant) -> Option<i64> {
        self.heads()
            .into_iter()
            .filter(|(_, head)| head.next_at <= now)
            .map(|(urgency, head)| (urgency, head.notice.seq))
            .min()
            .map(|(_, seq)| seq)
    }

    /// The most urgent event's oldest pending notice, due or not: what probes a receiver
    /// that looks down (the message most worth getting through first).
    pub fn most_urgent(&self) -> Option<i64> {
        self.heads()
            .into_iter()
            .map(|(urgency, head)| (urgency, head.notice.seq))
            .min()
            .map(|(_, seq)| seq)
    }

    /// When the next notice becomes due (an event's oldest pending notice waiting out its
    /// backoff).
    pub fn next_retry(&self) -> Option<Instant> {
        self.heads().into_iter().map(|(_, head)| head.next_at).min()
    }

    /// Takes a notice out to try it; [`Backlog::put_back`] returns it after a failure.
    pub fn take(&mut self, seq: i64) -> Option<Entry> {
        self.entries.remove(&seq)
    }

    pub fn put_back(&mut self, entry: Entry) {
        self.entries.insert(entry.notice.seq, entry);
    }

    /// The receiver answers again: every pending notice is due now.
    pub fn all_due(&mut self, now: Instant) {
        for entry in self.entries.values_mut() {
            entry.next_at = entry.next_at.min(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn notice(seq: i64, event: &str, kind: &str, level: &str) -> Notice {
        Notice {
            seq,
            notice_id: format!("{event}#{seq}"),
            event_id: event.into(),
            kind: kind.into(),
            level: level.into(),
            body: json!({"alert": {}}),
        }
    }

    fn backlog(notices: Vec<Notice>) -> (Backlog, Vec<String>) {
        let mut backlog = Backlog::default();
        let mut superseded = Vec::new();
        let now = Instant::now();
        for notice in notices {
            superseded.extend(
                backlog
                    .push(notice, Vec::new(), now, Duration::from_millis(10))
                    .into_iter()
                    .map(|s| s.notice.notice_id),
            );
        }
        (backlog, superseded)
    }

    /// Sends everything in the backlog's order, as a receiver that never fails sees it.
    fn drain(mut backlog: Backlog) -> Vec<String> {
        let mut sent = Vec::new();
        while let Some(seq) = backlog.next_due(Instant::now()) {
            let entry = backlog.take(seq).unwrap();
            sent.push(entry.notice.notice_id);
        }
        sent
    }

    #[test]
    fn red_and_overdue_go_before_orange_before_yellow_oldest_first() {
        let (backlog, superseded) = backlog(vec![
            notice(1, "y1", "opened", "yellow"),
            notice(2, "o1", "opened", "orange"),
            notice(3, "y2", "opened", "yellow"),
            notice(4, "r1", "opened", "red"),
            notice(5, "y3", "overdue", "yellow"),
            notice(6, "o2", "opened", "orange"),
        ]);
        assert!(superseded.is_empty());
        assert_eq!(
            drain(backlog),
            ["r1#4", "y3#5", "o1#2", "o2#6", "y1#1", "y2#3"]
        );
    }

    #[test]
    fn an_events_notices_keep_their_order_and_its_most_urgent_one_pulls_it_ahead() {
        let (backlog, _) = backlog(vec![
            notice(1, "o1", "opened", "orange"),
            notice(2, "e", "opened", "yellow"),
            notice(3, "e", "escalated", "red"),
            notice(4, "y1", "opened", "yellow"),
            notice(5, "y1", "overdue", "yellow"),
        ]);
        // e is red: its yellow opening goes first, then the escalation; y1's overdue
        // reminder pulls its opening ahead of the orange event.
        assert_eq!(drain(backlog), ["e#2", "e#3", "y1#4", "y1#5", "o1#1"]);
    }

    #[test]
    fn pending_updates_collapse_into_the_newest_alert_but_transitions_stay() {
        let (mut backlog, superseded) = backlog(vec![
            notice(1, "e", "opened", "yellow"),
            notice(2, "e", "updated", "yellow"),
            notice(3, "e", "updated", "yellow"),
            notice(4, "e", "overdue", "yellow"),
            notice(5, "e", "updated", "yellow"),
            notice(6, "f", "updated", "yellow"),
        ]);
        assert_eq!(superseded, ["e#2", "e#3"]);
        let latest = backlog.take(5).unwrap();
        assert_eq!(latest.superseded, ["e#2", "e#3"]);
        assert_eq!(latest.outgoing().body["superseded"], json!(["e#2", "e#3"]));
        backlog.put_back(latest);
        let more = backlog.push(
            notice(7, "e", "resolved", "yellow"),
            Vec::new(),
            Instant::now(),
            Duration::ZERO,
        );
        assert_eq!(more[0].notice.notice_id, "e#5");
        assert_eq!(more[0].by, "e#7");
        let resolved = backlog.take(7).unwrap();
        assert_eq!(resolved.superseded, ["e#2", "e#3", "e#5"]);
        backlog.put_back(resolved);
        // f's update is older than e's resolution: among equals, the oldest first.
        assert_eq!(drain(backlog), ["e#1", "e#4", "f#6", "e#7"]);
    }

    #[test]
    fn a_notice_loaded_after_a_restart_keeps_the_updates_it_stood_for() {
        let mut backlog = Backlog::default();
        let now = Instant::now();
        let earlier = vec!["e#2".to_owned(), "e#3".to_owned()];
        assert!(backlog
            .push(
                notice(4, "e", "updated", "yellow"),
                earlier,
                now,
                Duration::ZERO
            )
            .is_empty());
        let replaced = backlog.push(
            notice(5, "e", "escalated", "red"),
            Vec::new(),
            now,
            Duration::ZERO,
        );
        assert_eq!(replaced[0].notice.notice_id, "e#4");
        let latest = backlog.take(5).unwrap();
        assert_eq!(latest.superseded, ["e#2", "e#3", "e#4"]);
    }

    #[test]
    fn an_update_loaded_after_a_newer_one_taken_ahead_is_superseded_at_once() {
        let (backlog, superseded) = backlog(vec![
            notice(5, "e", "updated", "red"),
            notice(2, "e", "opened", "yellow"),
            notice(3, "e", "updated", "yellow"),
            notice(4, "e", "updated", "orange"),
        ]);
        assert_eq!(superseded, ["e#3", "e#4"]);
        assert_eq!(drain(backlog), ["e#2", "e#5"]);
    }

    #[test]
    fn a_dead_letter_resent_by_hand_is_never_collapsed() {
        let mut retry = notice(2, "e", "updated", "yellow");
        retry.notice_id = "e#1!retry1".into();
        let (backlog, superseded) = backlog(vec![
            notice(1, "e", "updated", "yellow"),
            retry,
            notice(3, "e", "updated", "yellow"),
        ]);
        assert_eq!(superseded, ["e#1"]);
        assert_eq!(drain(backlog), ["e#1!retry1", "e#3"]);
    }

    #[test]
    fn an_event_waits_for_its_oldest_notice_to_be_due() {
        let (mut backlog, _) = backlog(vec![
            notice(1, "e", "opened", "yellow"),
            notice(2, "e", "overdue", "yellow"),
            notice(3, "f", "opened", "yellow"),
        ]);
        let now = Instant::now();
        let mut failed = backlog.take(1).unwrap();
        failed.next_at = now + Duration::from_secs(60);
        backlog.put_back(failed);
        assert_eq!(backlog.next_due(now), Some(3), "e waits for its opening");
        assert_eq!(backlog.most_urgent(), Some(1), "the probe is e's opening");
        assert!(backlog.next_retry().unwrap() <= now, "f is due");
    }
}
