//! Grade: events → 红/橙/黄 levels → alerts with a lifecycle.
//!
//! - [`policy`]: the hot-reloadable policy file: base levels and thresholds.
//! - [`checkpoint`]: the tracker and the open alerts, saved to the store and restored at
//!   start (reconciled with the outbox), so a restart continues the same events.
//! - the alert schema is a message: [`crate::models::alert`].
//! - [`Grader`]: runs the tracker and the policy over each match and emits alerts:
//!   `opened` once, `escalated` when the level rises, `updated` at most every
//!   `update_every_minutes` while growing, `resolved` when quiet. Nothing else: no storms.

pub mod alert_id;
pub mod checkpoint;
pub mod policy;
pub mod store;
pub mod thread;

use std::sync::Arc;

use arc_swap::ArcSwap;
use chrono::Utc;
use metrics::{counter, gauge};

pub use crate::models::{Alert, AlertKind, Resolution};
pub use policy::{Level, Policy};

use crate::events::fast_map::FastMap;
use crate::events::{Closed, Event, Tracker, TrackerConfig};
use crate::models::MatchRecord;
use crate::telemetry::{ALERTS, EVENTS_EVICTED, EVENTS_TRACKED};

/// An open event's alert state.
#[derive(Debug, Clone)]
struct Open {
    level: Level,
    /// Which opening of the event this is (see [`alert_id`]).
    instance: String,
    sequence: u32,
    last_emitted_minute: i64,
    last_emitted_posts: u64,
    /// An alert has carried the event's official response (sent once, at once).
    responded: bool,
}

/// Where a post went and what it caused.
#[derive(Debug, Default)]
pub struct Placed {
    /// The event it joined (`None`: an unmatched post whose chain is no longer tracked).
    pub event_id: Option<String>,
    pub alerts: Vec<Alert>,
}

pub struct Grader {
    tracker: Tracker,
    policy: Arc<ArcSwap<Policy>>,
    open: FastMap<String, Open>,
    /// Labels each opening of an event, so alert ids never repeat across re-openings.
    instances: alert_id::InstanceLabels,
}

impl Grader {
    pub fn new(config: TrackerConfig, policy: Arc<ArcSwap<Policy>>) -> Grader {
        Grader {
            tracker: Tracker::new(config),
            policy,
            open: FastMap::default(),
            instances: alert_id::InstanceLabels::default(),
        }
    }

    pub fn tracker(&self) -> &Tracker {
        &self.tracker
    }

    pub fn tracker_mut(&mut self) -> &mut Tracker {
        &mut self.tracker
    }

    /// Level of an open event, if it has one.
    pub fn level_of(&self, event_id: &str) -> Option<Level> {
        self.open.get(event_id).map(|o| o.level)
    }

    /// Takes one matched post; returns the alerts it causes.
    pub fn on_match(&mut self, record: &MatchRecord) -> Vec<Alert> {
        self.place(record).alerts
    }

    /// Takes one matched post; returns the event it joined and the alerts it causes.
    pub fn place(&mut self, record: &MatchRecord) -> Placed {
        let (event_id, evicted) = self.tracker.observe(record);
        let mut alerts = self.close(evicted);
        let clock = self.tracker.clock();
        let quiet = self.tracker.advance(clock);
        alerts.extend(self.close(quiet));
        if let Some(alert) = event_id.as_deref().and_then(|id| self.grade(id)) {
            alerts.push(alert);
        }
        gauge!(EVENTS_TRACKED).set(self.tracker.len() as f64);
        Placed { event_id, alerts }
    }

    /// Moves the event clock to `minute` while no posts arrive; resolves quiet events.
    pub fn advance(&mut self, minute: i64) -> Vec<Alert> {
        let closed = self.tracker.advance(minute);
        let alerts = self.close(closed);
        gauge!(EVENTS_TRACKED).set(self.tracker.len() as f64);
        alerts
    }

    fn grade(&mut self, event_id: &str) -> Option<Alert> {
        let policy = self.policy.load();
        let event = self.tracker.event(event_id)?;
        let now = self.tracker.clock();
        let figures = event.figures(now);
        let level = policy.level(event, &figures)?;
        let has_response = event.response.is_some();
        let (kind, previous) = match self.open.get_mut(event_id) {
            None => {
                let instance = self.instances.open(event_id, now);
                self.open.insert(
                    event_id.to_owned(),
                    Open {
                        level,
                        instance,
                        sequence: 0,
                        last_emitted_minute: now,
                        last_emitted_posts: figures.total_posts,
                        responded: false,
                    },
                );
                (AlertKind::Opened, None)
            }
            Some(open) if level > open.level => {
                let previous = open.level;
                open.level = level;
                (AlertKind::Escalated, Some(previous))
            }
            Some(open)
                if (now - open.last_emitted_minute >= policy.lifecycle.update_every_minutes
                    && figures.total_posts > open.last_emitted_posts)
                    // The first official statement goes out at once, unthrottled.
                    || (has_response && !open.responded) =>
            {
                (AlertKind::Updated, None)
            }
            Some(_) => return None,
        };
        let open = self.open.get_mut(event_id).expect("inserted above");
        open.sequence += 1;
        open.last_emitted_minute = now;
        open.last_emitted_posts = figures.total_posts;
        open.responded = has_response;
        let level = open.level;
        let alert_id = alert_id::alert_id(event_id, &open.instance, open.sequence);
        let forecast = policy.forecast(level, &figures);
        // The reasons are written out only now, for the alert that carries them.
        let why = policy.grade(event, &figures).why;
        Some(build(
            event, alert_id, kind, level, previous, None, why, figures, forecast, now,
        ))
    }

    /// Resolved alerts for closed events that had one open.
    fn close(&mut self, closed: Vec<(Event, Closed)>) -> Vec<Alert> {
        let mut alerts = Vec::new();
        for (event, why) in closed {
            if why == Closed::Evicted {
                counter!(EVENTS_EVICTED).increment(1);
            }
            let Some(mut open) = self.open.remove(&event.id) else {
                continue;
            };
            open.sequence += 1;
            let now = self.tracker.clock();
            let figures = event.figures(now);
            alerts.push(build(
                &event,
                alert_id::alert_id(&event.id, &open.instance, open.sequence),
                AlertKind::Resolved,
                open.level,
                None,
                Some(why),
                Vec::new(),
                figures,
                None,
                now,
            ));
        }
        alerts
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    event: &Event,
    alert_id: String,
    kind: AlertKind,
    level: Level,
    previous_level: Option<Level>,
    resolution: Option<Resolution>,
    why: Vec<policy::Reason>,
    figures: crate::events::Figures,
    forecast: Option<policy::Forecast>,
    now: i64,
) -> Alert {
    counter!(ALERTS, "level" => level.label(), "kind" => kind.label()).increment(1);
    let mut domains: Vec<String> = event.rules.values().map(|r| r.domain.clone()).collect();
    domains.sort();
    domains.dedup();
    Alert {
        alert_id,
        kind,
        event_id: event.id.clone(),
        level,
        level_zh: level.name_zh().to_owned(),
        previous_level,
        at: figures.at,
        emitted_at: Utc::now(),
        resolution,
        // One line: a wall display row, a log line.
        title: event
            .first_post
            .excerpt
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(60)
            .collect(),
        domains,
        place: event.whereabouts.clone(),
        response: event.response.clone(),
        rules: event.rules.values().cloned().collect(),
        generation: event.generation,
        why,
        velocity: event.velocity_series(now, 15),
        forecast,
        first_post: event.first_post.clone(),
        top_posts: event.top_posts.clone(),
        figures,
        completion: None,
    }
}
