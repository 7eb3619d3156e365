//! The tracker's state as plain data, so that a restart (even after kill -9) continues the
//! same events: their ids, posts, chains, places, stories and velocity windows.
//!
//! [`TrackerState`] is what [`Tracker::checkpoint`] takes and [`Tracker::restore`] puts
//! back; writing it to the store (and the grader's open alerts beside it) is
//! `grade::checkpoint`'s job. Indexes the tracker can rebuild from the events (activity
//! order, each event's posts and chain links) are rebuilt, not stored; the candidate lists
//! are stored, because their order (most recently joined last) decides which events a
//! post is compared with.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::audience::Audience;
use super::event::{Event, PlaceTally};
use super::fast_map::FastMap;
use super::places::PlaceKey;
use super::story::Story;
use super::tracker::{PostKey, Tracker};
use super::window::{Activity, Series};
use crate::models::{Counts, OfficialResponse, PostSummary, RuleRef, Whereabouts};

/// Everything the tracker knows, as data.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackerState {
    /// The event clock (minute since the epoch; `i64::MIN` before the first post).
    pub clock: i64,
    pub evicted: u64,
    pub events: Vec<EventState>,
    /// Remembered posts: (platform, id, event id, last reported counts).
    pub posts: Vec<(String, String, String, Counts)>,
    /// Chain links: (platform, post id, event id).
    pub chains: Vec<(String, String, String)>,
    /// Candidate lists, oldest first, as the tracker keeps them.
    pub by_rule: Vec<(String, Vec<String>)>,
    pub by_domain: Vec<(String, Vec<String>)>,
    pub by_place: Vec<(PlaceKey, Vec<String>)>,
    /// Resolved events remembered for resurfacing (sorted by id).
    #[serde(default)]
    pub dormant: Vec<EventState>,
}

/// One event, with its windows.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventState {
    pub id: String,
    pub first_post: PostSummary,
    pub first_minute: i64,
    pub last_minute: i64,
    pub rules: Vec<RuleRef>,
    pub generation: u64,
    pub total_posts: u64,
    pub top_posts: Vec<PostSummary>,
    pub simhashes: Vec<u64>,
    /// The story's trigram hashes.
    pub story: Vec<u64>,
    pub places: Vec<(PlaceKey, PlaceTally)>,
    pub response: Option<OfficialResponse>,
    pub whereabouts: Option<Whereabouts>,
    pub actors: u32,
    pub acts: u32,
    pub max_followers: u64,
    pub max_verified_followers: u64,
    /// Velocity: (minute, posts, interactions).
    pub series: Vec<(i64, u64, u64)>,
    /// Audience: (author key, minute last seen, most followers).
    pub audience: Vec<(String, i64, u64)>,
    /// (platform, last minute it carried the event).
    pub platforms: Vec<(String, i64)>,
}

impl Event {
    /// A copy of the event (through its plain-data form): a quiet event's story is kept
    /// for resurfacing while the event itself goes to its `resolved` alert.
    pub(super) fn copy(&self) -> Event {
        EventState::of(self).into_event()
    }
}

impl EventState {
    fn of(event: &Event) -> EventState {
        let mut story: Vec<u64> = event.story.trigrams().collect();
        story.sort_unstable();
        let mut audience: Vec<(String, i64, u64)> = event
            .audience
            .authors()
            .map(|(key, minute, followers)| (key.to_owned(), minute, followers))
            .collect();
        audience.sort();
        let mut platforms: Vec<(String, i64)> = event
            .platforms
            .iter()
            .map(|(p, &m)| (p.clone(), m))
            .collect();
        platforms.sort();
        EventState {
            id: event.id.clone(),
            first_post: event.first_post.clone(),
            first_minute: event.first_minute,
            last_minute: event.last_minute,
            rules: event.rules.values().cloned().collect(),
            generation: event.generation,
            total_posts: event.total_posts,
            top_posts: event.top_posts.clone(),
            simhashes: event.simhashes.clone(),
            story,
            places: event
                .places
                .iter()
                .map(|(k, t)| (k.clone(), t.clone()))
                .collect(),
            response: event.response.clone(),
            whereabouts: event.whereabouts.clone(),
            actors: event.actors,
            acts: event.acts,
            max_followers: event.max_followers,
            max_verified_followers: event.max_verified_followers,
            series: event
                .series
                .minutes()
                .map(|(m, a)| (m, a.posts, a.interactions))
                .collect(),
            audience,
            platforms,
        }
    }

    fn into_event(self) -> Event {
        let mut story = Story::default();
        story.add(&self.story);
        let mut series = Series::default();
        for (minute, posts, interactions) in self.series {
            series.add(
                minute,
                Activity {
                    posts,
                    interactions,
                },
            );
        }
        let mut audience = Audience::default();
        for (key, minute, followers) in self.audience {
            audience.see(key, minute, followers);
        }
        Event {
            id: self.id,
            first_post: self.first_post,
            first_minute: self.first_minute,
            last_minute: self.last_minute,
            rules: self
                .rules
                .into_iter()
                .map(|r| (r.id.clone(), r))
                .collect::<BTreeMap<_, _>>(),
            generation: self.generation,
            total_posts: self.total_posts,
            top_posts: self.top_posts,
            simhashes: self.simhashes,
            story,
            places: self.places.into_iter().collect(),
            response: self.response,
            whereabouts: self.whereabouts,
            actors: self.actors,
            acts: self.acts,
            max_followers: self.max_followers,
            max_verified_followers: self.max_verified_followers,
            series,
            audience,
            platforms: self.platforms.into_iter().collect(),
        }
    }
}

fn lists<K: Clone + Ord>(index: &FastMap<K, VecDeque<String>>) -> Vec<(K, Vec<String>)> {
    let mut lists: Vec<(K, Vec<String>)> = index
        .iter()
        .map(|(k, ids)| (k.clone(), ids.iter().cloned().collect()))
        .collect();
    lists.sort_by(|a, b| a.0.cmp(&b.0));
    lists
}

impl Tracker {
    /// Stops tracking event `id` without a word (its end was already told).
    pub fn forget(&mut self, id: &str) {
        self.remove(id);
    }

    /// Forgets a resolved event's remembered story (it will not be reopened).
    pub fn forget_dormant_event(&mut self, id: &str) {
        let local = self.local.load();
        self.forget_dormant(id, &local.gazetteer);
    }

    /// The tracker's state as data (events sorted by id, so equal states serialize alike).
    pub fn checkpoint(&self) -> TrackerState {
        let mut events: Vec<EventState> = self.events.values().map(EventState::of).collect();
        events.sort_by(|a, b| a.id.cmp(&b.id));
        let mut posts: Vec<(String, String, String, Counts)> = self
            .posts
            .iter()
            .map(|((platform, id), (event, counts))| {
                (platform.clone(), id.clone(), event.clone(), *counts)
            })
            .collect();
        posts.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let mut chains: Vec<(String, String, String)> = self
            .chains
            .iter()
            .map(|((platform, id), event)| (platform.clone(), id.clone(), event.clone()))
            .collect();
        chains.sort();
        let mut dormant: Vec<EventState> = self.dormant.values().map(EventState::of).collect();
        dormant.sort_by(|a, b| a.id.cmp(&b.id));
        TrackerState {
            dormant,
            clock: self.clock,
            evicted: self.evicted,
            events,
            posts,
            chains,
            by_rule: lists(&self.by_rule),
            by_domain: lists(&self.by_domain),
            by_place: lists(&self.by_place),
        }
    }

    /// Replaces the tracker's state with `state` (its configuration and places stay).
    /// Posts, chain links and candidates naming an event the state does not hold are
    /// dropped, so a damaged checkpoint cannot leave dangling references.
    pub fn restore(&mut self, state: TrackerState) {
        for (platform, id) in self.chains.keys() {
            self.chained.remove(platform, id);
        }
        self.events.clear();
        self.posts.clear();
        self.event_posts.clear();
        self.chains.clear();
        self.event_links.clear();
        self.by_activity.clear();
        self.by_rule.clear();
        self.by_domain.clear();
        self.by_place.clear();
        self.dormant.clear();
        self.dormant_order.clear();
        self.dormant_by_spot.clear();
        self.clock = state.clock;
        self.evicted = state.evicted;
        for event in state.events {
            let event = event.into_event();
            self.by_activity
                .insert((event.last_minute, event.id.clone()));
            self.events.insert(event.id.clone(), event);
        }
        for (platform, id, event, counts) in state.posts {
            if !self.events.contains_key(&event) {
                continue;
            }
            let key: PostKey = (platform, id);
            self.event_posts
                .entry(event.clone())
                .or_default()
                .push(key.clone());
            self.posts.insert(key, (event, counts));
        }
        for (platform, id, event) in state.chains {
            if !self.events.contains_key(&event) {
                continue;
            }
            self.chained.insert(&platform, &id);
            let key: PostKey = (platform, id);
            self.event_links
                .entry(event.clone())
                .or_default()
                .push(key.clone());
            self.chains.insert(key, event);
        }
        let known = |ids: Vec<String>, events: &FastMap<String, Event>| -> VecDeque<String> {
            ids.into_iter()
                .filter(|id| events.contains_key(id))
                .collect()
        };
        for (rule, ids) in state.by_rule {
            self.by_rule.insert(rule, known(ids, &self.events));
        }
        for (domain, ids) in state.by_domain {
            self.by_domain.insert(domain, known(ids, &self.events));
        }
        for (place, ids) in state.by_place {
            self.by_place.insert(place, known(ids, &self.events));
        }
        // Dormant events, indexed again in the order they resolved (by last activity).
        let mut dormant: Vec<Event> = state
            .dormant
            .into_iter()
            .map(EventState::into_event)
            .filter(|event| !self.events.contains_key(&event.id))
            .collect();
        dormant.sort_by(|a, b| (a.last_minute, &a.id).cmp(&(b.last_minute, &b.id)));
        let local = self.local.load();
        for event in dormant {
            self.keep_dormant(event, &local.gazetteer);
        }
        self.by_rule.retain(|_, ids| !ids.is_empty());
        self.by_domain.retain(|_, ids| !ids.is_empty());
        self.by_place.retain(|_, ids| !ids.is_empty());
    }
}
