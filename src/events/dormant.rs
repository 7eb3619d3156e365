//! Dormant stories: events resolved as quiet, remembered for `resurface_minutes` (bounded)
//! so that a post telling the same story at the same spot hours later reopens the event
//! (same event id, a new instance) instead of opening another — a slow story that
//! resurfaces every few hours is one incident.

use super::event::Event;
use super::identity::Identity;
use super::places::{Gazetteer, Relation};
use super::tracker::{Tracker, MAX_CANDIDATES};
use crate::models::MatchRecord;

/// Most resolved events remembered for resurfacing (the least recently resolved beyond it
/// are forgotten), and most of them indexed under one spot.
const MAX_DORMANT: usize = 1024;

impl Tracker {
    /// The resolved event whose story this post tells again, after the lull that closed it:
    /// stricter than joining an open event. It must name a spot the event named (a place
    /// finer than a district: the same 派出所, not the same city), no place that conflicts
    /// with it, a rule the event holds, a kind of act it told (or, telling no act, a kind
    /// of actor), no kind of actor it did not tell, and words of its story (`story_overlap`
    /// of its trigrams); and it must not say it tells another occurrence (又有, 又一起).
    /// Candidates are the dormant events indexed under the post's spots; the largest
    /// overlap wins, then the smaller id.
    pub(super) fn resurfaced(
        &self,
        record: &MatchRecord,
        shingles: &[u64],
        identity: &Identity,
        gazetteer: &Gazetteer,
    ) -> Option<String> {
        if self.dormant.is_empty() || identity.another {
            return None;
        }
        let mut ids: Vec<&String> = identity
            .places
            .iter()
            .filter_map(|m| self.dormant_by_spot.get(&m.key))
            .flatten()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut best: Option<(f64, &str)> = None;
        for event in ids.into_iter().filter_map(|id| self.dormant.get(id)) {
            let places =
                gazetteer.relate_sets(identity.places.iter().map(|m| &m.key), event.places.keys());
            let shared_rule = record.rules.iter().any(|r| {
                (!r.rule.is_model() && event.rules.contains_key(&r.rule.id))
                    || event.rules.values().any(|e| r.rule.agrees_with(e))
            });
            let same_what = if identity.acts == 0 {
                identity.actors & event.actors != 0
            } else {
                identity.acts & event.acts != 0
            };
            let fits = places != Relation::Conflict
                && shared_rule
                && same_what
                && identity.actors & !event.actors == 0;
            let overlap = if fits {
                event.story_overlap(shingles)
            } else {
                0.0
            };
            tracing::trace!(
                post = %record.post.id,
                event = %event.id,
                ?places,
                shared_rule,
                same_what,
                overlap,
                "resurfacing candidate"
            );
            if !fits || overlap < self.config.story_overlap {
                continue;
            }
            if best.is_none_or(|(o, id)| overlap > o || (overlap == o && event.id.as_str() < id)) {
                best = Some((overlap, &event.id));
            }
        }
        best.map(|(_, id)| id.to_owned())
    }

    /// Reopens a dormant event: tracked again under the same id, a candidate under its
    /// rules and places again.
    pub(super) fn wake(&mut self, id: &str, gazetteer: &Gazetteer) {
        let Some(event) = self.forget_dormant(id, gazetteer) else {
            return;
        };
        tracing::debug!(event = %id, "event reopened");
        self.index_candidate(
            id,
            event
                .rules
                .iter()
                .map(|(rule, reference)| (rule.as_str(), reference.domain.as_str())),
            event.places.keys(),
            gazetteer,
        );
        self.by_activity.insert((event.last_minute, id.to_owned()));
        self.events.insert(id.to_owned(), event);
    }

    /// Keeps a quiet event's story for `resurface_minutes`, indexed under its spots.
    pub(super) fn keep_dormant(&mut self, event: Event, gazetteer: &Gazetteer) {
        if self.config.resurface_minutes <= 0 {
            return;
        }
        let id = event.id.clone();
        self.forget_dormant(&id, gazetteer);
        for place in event.places.keys() {
            if gazetteer.is_spot(place) {
                let events = self.dormant_by_spot.entry(place.clone()).or_default();
                events.push_back(id.clone());
                if events.len() > MAX_CANDIDATES {
                    events.pop_front();
                }
            }
        }
        self.dormant_order.insert((event.last_minute, id.clone()));
        self.dormant.insert(id, event);
        while self.dormant.len() > MAX_DORMANT {
            let Some((_, oldest)) = self.dormant_order.first().cloned() else {
                break;
            };
            self.forget_dormant(&oldest, gazetteer);
        }
    }

    /// Drops a dormant event and its index entries; returns it.
    pub(super) fn forget_dormant(&mut self, id: &str, gazetteer: &Gazetteer) -> Option<Event> {
        let event = self.dormant.remove(id)?;
        self.dormant_order
            .remove(&(event.last_minute, id.to_owned()));
        for place in event.places.keys() {
            if gazetteer.is_spot(place) {
                if let Some(events) = self.dormant_by_spot.get_mut(place) {
                    events.retain(|other| other != id);
                    if events.is_empty() {
                        self.dormant_by_spot.remove(place);
                    }
                }
            }
        }
        Some(event)
    }
}
