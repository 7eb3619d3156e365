//! Clustering matched posts into events, in event time, with bounded state.
//!
//! A post joins an event when it is a re-send of a known post, reposts (or shares a root
//! with) a known post, or is a near duplicate (SimHash) of an event's text under one of the
//! same rules. Otherwise it opens a new event. Events that go quiet are closed; beyond the
//! caps the least recently active events are evicted and counted.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use arc_swap::ArcSwap;

use metrics::counter;
use serde::Deserialize;

use super::chained::ChainedPosts;
use super::event::{minute_of, Event};
use super::fast_map::FastMap;
use super::identity::Identity;
use super::local::Local;
use super::officials::Officials;
use super::places::{Gazetteer, PlaceKey, Relation};
use super::simhash::distance;
use crate::models::Counts;
use crate::models::Fingerprint;
use crate::models::{MatchRecord, OfficialResponse};
use crate::normalize::normalize;
use crate::telemetry::{EVENTS_CLOSED, EVENTS_LATE_POSTS};

/// `[events]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackerConfig {
    /// Largest SimHash distance (bits of 64) at which two texts count as near duplicates.
    pub simhash_distance: u32,
    /// A post also joins the event, under one of the same rules, whose story (the trigrams
    /// of its posts) contains at least this share of the post's trigrams: different words
    /// about the same incident (place, people, what happened).
    pub story_overlap: f64,
    /// Posts up to this many minutes older than the newest one seen are placed in their own
    /// minute; older ones are counted at the edge of the lateness window.
    pub lateness_minutes: i64,
    /// An event with no activity for this many minutes (event time) is resolved and dropped.
    pub quiet_minutes: i64,
    /// Most events tracked at once; the least recently active beyond it are evicted.
    pub max_events: usize,
    /// Most posts remembered (for re-sends and repost chains) across all events.
    pub max_posts: usize,
    /// Minutes a quiet event's story is remembered after it resolves: a post telling the
    /// same story at the same spot within them reopens it (same event id) instead of
    /// opening another — a slow story that resurfaces every few hours is one incident.
    /// 0: resolved events are forgotten at once.
    #[serde(default = "default_resurface_minutes")]
    pub resurface_minutes: i64,
    /// Seconds between checkpoints of the tracker to the storage directory (also written at
    /// shutdown, read at start); 0: no checkpoints (replays, evaluation).
    #[serde(default)]
    pub checkpoint_secs: u64,
}

/// Most events per rule a new post is compared with for similarity (the most recently
/// joined ones).
pub(super) const MAX_CANDIDATES: usize = 64;

/// Fewest posts a story must already have for a follow-up (a post that names no place
/// and tells nothing new) to join it: a story people are talking about, not one post that
/// happens to share a rule and a kind of act with it.
const FOLLOW_UP_MIN_POSTS: u64 = 3;

/// The default `resurface_minutes`: a day.
fn default_resurface_minutes() -> i64 {
    24 * 60
}

/// Most SimHashes an event is recognised by (its text may drift as it spreads).
const MAX_SIMHASHES: usize = 8;

/// Why an event stopped being tracked.
/// Why an event stopped being tracked: the alert's resolution.
pub use crate::models::Resolution as Closed;

pub(super) type PostKey = (String, String);

pub struct Tracker {
    pub(super) config: TrackerConfig,
    pub(super) events: FastMap<String, Event>,
    /// Every remembered post: its event and its last reported counts.
    pub(super) posts: FastMap<PostKey, (String, Counts)>,
    /// Post keys of each event, to forget them with the event.
    pub(super) event_posts: FastMap<String, Vec<PostKey>>,
    /// Post ids (own, reposted, thread roots) → the event their chain belongs to.
    pub(super) chains: FastMap<PostKey, String>,
    /// The keys of `chains` as 64-bit hashes: the workers send every unmatched repost and
    /// reply, and this drops the ones in no tracked chain without allocating. Only this
    /// thread reads and writes it, in input order, so membership never races.
    pub(super) chained: ChainedPosts,
    /// Chain keys of each event, to forget them with the event.
    pub(super) event_links: FastMap<String, Vec<PostKey>>,
    /// (last active minute, event id): the order of expiry and eviction.
    pub(super) by_activity: BTreeSet<(i64, String)>,
    /// Rule id → the most recently joined events under that rule, newest last (the
    /// candidates a new post may join by similarity). Bounded, so a flood of events under
    /// one rule costs each post at most `MAX_CANDIDATES` comparisons.
    pub(super) by_rule: FastMap<String, VecDeque<String>>,
    /// Domain → the most recently joined events with a rule in it, newest last: the
    /// candidates of a post the learned scorer alone matched (`model.risk` names a domain,
    /// no rule), and of a rule's post whose story a scorer-only post opened.
    pub(super) by_domain: FastMap<String, VecDeque<String>>,
    /// Fine place (finer than a city; a known one by its district) → the most recently
    /// joined events naming it, newest last: candidates for a post that tells the same
    /// place in other words and rules.
    pub(super) by_place: FastMap<PlaceKey, VecDeque<String>>,
    /// Events resolved as quiet within `resurface_minutes`, kept (bounded by `MAX_DORMANT`)
    /// so that a post telling the same story reopens them: see [`Tracker::resurfaced`].
    pub(super) dormant: FastMap<String, Event>,
    /// (last active minute, event id): the order `dormant` is forgotten in.
    pub(super) dormant_order: BTreeSet<(i64, String)>,
    /// Spot (a place finer than a district or town) → the dormant events naming it, most
    /// recently resolved last: the only candidates of a resurfacing post.
    pub(super) dormant_by_spot: FastMap<PlaceKey, VecDeque<String>>,
    /// The bureau's files (gazetteer), hot-reloaded.
    pub(super) local: Arc<ArcSwap<Local>>,
    /// The event clock: the newest minute seen (or advanced to while idle).
    pub(super) clock: i64,
    pub(super) evicted: u64,
}

impl Tracker {
    pub fn new(config: TrackerConfig) -> Tracker {
        let chained = ChainedPosts::default();
        Tracker {
            config,
            events: FastMap::default(),
            posts: FastMap::default(),
            event_posts: FastMap::default(),
            by_activity: BTreeSet::new(),
            by_rule: FastMap::default(),
            by_domain: FastMap::default(),
            by_place: FastMap::default(),
            dormant: FastMap::default(),
            dormant_order: BTreeSet::new(),
            dormant_by_spot: FastMap::default(),
            local: Arc::new(ArcSwap::from_pointee(Local::default())),
            chains: FastMap::default(),
            chained,
            event_links: FastMap::default(),
            clock: i64::MIN,
            evicted: 0,
        }
    }

    /// Reads places (and later generations of them) from `local`.
    pub fn use_local(&mut self, local: Arc<ArcSwap<Local>>) {
        self.local = local;
    }

    /// The posts whose reposts and replies belong to a tracked event, for the match
    /// workers to consult.
    pub fn chained(&self) -> ChainedPosts {
        self.chained.clone()
    }

    pub fn clock(&self) -> i64 {
        self.clock
    }

    pub fn event(&self, id: &str) -> Option<&Event> {
        self.events.get(id)
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Events evicted for the caps so far.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Adds a post: a matched one, or an unmatched one that reposts or replies under a
    /// tracked post (empty `rules`). Returns the id of its event (`None` for an unmatched
    /// post whose chain is no longer tracked) and the events it closed: those quiet at its
    /// time (resolved before it is placed) and those evicted to make room.
    pub fn observe(&mut self, record: &MatchRecord) -> (Option<String>, Vec<(Event, Closed)>) {
        let post = &record.post;
        // Workers send every reposts and reply; most belong to no tracked chain. Dropped
        // here by a hash probe, before anything is allocated.
        // An official account's statement comes though no rule fired: it may be an open
        // event's response (joined by its chain or its who/where/what).
        let statement = record.rules.is_empty() && self.local.load().officials.is_official(post);
        if record.rules.is_empty() && !statement && !self.in_chain(post) {
            return (None, Vec::new());
        }
        let key: PostKey = (post.platform.clone(), post.id.clone());
        if let Some((event_id, counts)) = self.posts.get_mut(&key) {
            // A re-send: only the interactions gained count, at the event clock (its own
            // timestamp is when it was first published, not when it gained them).
            let gained = gained(counts, &post.counts);
            let event_id = event_id.clone();
            let clock = self.clock;
            self.update(&event_id, |event| {
                event.add_interactions(record, gained, clock)
            });
            return (Some(event_id), Vec::new());
        }
        if record.rules.is_empty() && !statement && self.chain_event(record).is_none() {
            return (None, Vec::new());
        }

        // A timestamp from the future (a broken feed clock) must not drag the event clock
        // ahead and close everything: trust it only up to a few minutes past receipt.
        let mut minute = minute_of(post.published_at).min(minute_of(record.matched_at) + 5);
        if self.clock != i64::MIN && minute < self.clock - self.config.lateness_minutes {
            counter!(EVENTS_LATE_POSTS).increment(1);
            minute = self.clock - self.config.lateness_minutes;
        }
        self.clock = self.clock.max(minute);
        // Events already quiet at this post's time are resolved before it is placed: a post
        // after a long lull (the same place told again hours later) is a new story, not the
        // old one's, whichever thread closes the old one first.
        let mut closed = self.advance(self.clock);

        // Records from the match workers carry their fingerprint; others (tests, benches)
        // are fingerprinted here.
        let computed;
        let fingerprint = match &record.fingerprint {
            Some(fingerprint) => fingerprint,
            None => {
                computed = Fingerprint::of(&normalize(&post.text()));
                &computed
            }
        };
        let (hash, shingles) = (fingerprint.simhash, &fingerprint.shingles);
        let local = self.local.load();
        // Matched posts come with their identity, found by the match worker; it is used
        // when it was found with this gazetteer (a reload in between: looked up again).
        let found;
        let identity = match &record.identity {
            Some(identity) if identity.gazetteer == local.gazetteer.id() => identity,
            _ => {
                found = Identity::of(&normalize(&post.text()), &local.gazetteer);
                &found
            }
        };
        let mut joined = self
            .chain_event(record)
            .or_else(|| self.same_story(record, hash, shingles, identity, &local.gazetteer));
        let official = local.officials.is_official(post);
        if joined.is_none() && !official && !record.rules.is_empty() {
            joined = self.resurfaced(record, shingles, identity, &local.gazetteer);
            if let Some(id) = &joined {
                self.wake(id, &local.gazetteer);
            }
        }
        if official {
            let normalized = normalize(&post.text());
            return (self.official(record, joined, &normalized), closed);
        }
        if record.rules.is_empty() && joined.is_none() {
            // An unmatched repost or reply whose chain just went quiet: it opens nothing.
            return (None, closed);
        }
        let event_id = match joined {
            Some(id) => id,
            None => {
                let id = format!("evt-{}-{}", post.platform, post.id);
                tracing::debug!(
                    event = %id,
                    rules = ?record.rules.iter().map(|r| (&r.rule.id, &r.rule.domain)).collect::<Vec<_>>(),
                    places = ?identity.places.iter().map(|m| &m.key).collect::<Vec<_>>(),
                    actors = identity.actors,
                    acts = identity.acts,
                    "event opened"
                );
                let event = Event::new(id.clone(), record, hash);
                // In the activity order from the start: `update` moves it only when its
                // last minute changes.
                self.by_activity.insert((event.last_minute, id.clone()));
                self.events.insert(id.clone(), event);
                id
            }
        };
        let max_distance = self.config.simhash_distance;
        self.update(&event_id, |event| {
            event.add_post(record, minute);
            event.add_story(shingles);
            event.add_identity(identity, record, &local.gazetteer);
            let known = event
                .simhashes
                .iter()
                .any(|&h| distance(h, hash) <= max_distance);
            if !known && event.simhashes.len() < MAX_SIMHASHES {
                event.simhashes.push(hash);
            }
        });
        self.index_candidate(
            &event_id,
            record
                .rules
                .iter()
                .map(|r| (r.rule.id.as_str(), r.rule.domain.as_str())),
            identity.places.iter().map(|m| &m.key),
            &local.gazetteer,
        );
        self.posts
            .insert(key.clone(), (event_id.clone(), post.counts));
        self.event_posts
            .entry(event_id.clone())
            .or_default()
            .push(key.clone());
        // The post, and the posts it reposts or replies under, now lead to this event: a
        // later repost of the same original joins it even if the original never matched.
        self.link_chain(post, &event_id);
        closed.extend(self.enforce_caps());
        (Some(event_id), closed)
    }

    /// An official account's post: never risk (it opens nothing and adds no rules, posts or
    /// reach); in an event it joins by chain or story, a statement is the event's response
    /// (the first one is kept), and its reposts join the event through it.
    fn official(
        &mut self,
        record: &MatchRecord,
        joined: Option<String>,
        normalized: &str,
    ) -> Option<String> {
        let event_id = joined?;
        let post = &record.post;
        if let Some(kind) = Officials::statement_kind(normalized) {
            let response = OfficialResponse {
                account: post
                    .author
                    .name
                    .clone()
                    .or_else(|| post.author.id.clone())
                    .unwrap_or_default(),
                platform: post.platform.clone(),
                post_id: post.id.clone(),
                url: post.url.clone(),
                at: post.published_at,
                kind: kind.to_owned(),
                excerpt: post.text().chars().take(140).collect(),
            };
            self.update(&event_id, |event| {
                event.response.get_or_insert(response);
            });
        }
        self.link_chain(post, &event_id);
        Some(event_id)
    }

    /// The post, and the posts it reposts or replies under, now lead to `event_id`.
    fn link_chain(&mut self, post: &crate::models::Post, event_id: &str) {
        let platform = &post.platform;
        let links = std::iter::once((platform.clone(), post.id.clone())).chain(
            [&post.repost_of, &post.root_id]
                .into_iter()
                .flatten()
                .map(|id| (platform.clone(), id.clone())),
        );
        for link in links {
            if !self.chains.contains_key(&link) {
                self.chains.insert(link.clone(), event_id.to_owned());
                self.chained.insert(&link.0, &link.1);
                self.event_links
                    .entry(event_id.to_owned())
                    .or_default()
                    .push(link);
            }
        }
    }

    /// Whether the post, or the post it reposts or replies under, is in a tracked chain.
    fn in_chain(&self, post: &crate::models::Post) -> bool {
        [
            Some(&post.id),
            post.repost_of.as_ref(),
            post.root_id.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|id| self.chained.contains(&post.platform, id))
    }

    /// The event of a post this one reposts, replies under, or was reposted by, on the same
    /// platform.
    fn chain_event(&self, record: &MatchRecord) -> Option<String> {
        let post = &record.post;
        [
            Some(&post.id),
            post.repost_of.as_ref(),
            post.root_id.as_ref(),
        ]
        .into_iter()
        .flatten()
        .find_map(|id| self.chains.get(&(post.platform.clone(), id.clone())))
        .cloned()
    }

    /// The event telling the same story as this post, by who/where/what:
    ///
    /// - never one whose places conflict with the post's (different districts, different
    ///   cities, or two unlisted places of one kind with different names);
    /// - "the same rule" below means a rule the event holds, or — for a post the learned
    ///   scorer alone matched (`model.risk`, no specific rule), or an event only it opened —
    ///   a rule of the same known domain ([`crate::models::RuleRef::agrees_with`]): such a
    ///   post joins the story its who/where/what points to instead of opening its own: under
    ///   its domain, one sharing a kind of act or actor (its few words seldom share trigrams);
    /// - a near-duplicate text (SimHash) under one of the same rules;
    /// - a shared place (finer than a city) and a shared rule or kind of act (or domain, at
    ///   the very same spot; or, for an official statement no rule fired on, a kind of
    ///   actor) — a rule's post sharing only a domain, through a scorer match the event
    ///   holds, counts as sharing a rule here only at the very same spot too;
    /// - under one of the same rules, the same kinds of act and actor (辅警 + 殴打), or a
    ///   story holding `story_overlap` of the post's trigrams and the same kind of act or
    ///   actor (an actor only when the two do not tell different acts) — shared rules and
    ///   trigrams alone are not a story;
    /// - weakest: a follow-up that says nothing new — no place finer than a city, and
    ///   under one of the same rules, kinds of act (at least one) and actor the story of
    ///   an event of `FOLLOW_UP_MIN_POSTS` posts or more already tells ("这事不是第一次了吧？去年也有民警酒驾的" under a drunk-driving
    ///   event). Such comments are short and seldom share trigrams; a post naming another
    ///   place, another kind of victim or another act still opens its own event.
    ///
    /// Candidates are the events recently joined under one of the post's rules or places;
    /// the strongest reason wins, then the larger overlap, then the smaller id — except
    /// that a follow-up which fits several stories joins the one with the most posts (a
    /// comment that does not say where is about the story people are talking about), and
    /// none when two of them are equally large (it cannot tell which).
    fn same_story(
        &self,
        record: &MatchRecord,
        hash: u64,
        shingles: &[u64],
        identity: &Identity,
        gazetteer: &Gazetteer,
    ) -> Option<String> {
        // A scorer-only post is compared with the events of its domain; a rule's post also
        // with those of its rule's domain that hold a scorer-only match.
        // Each domain's list once, however many of the post's rules share it (a bench
        // pack's hundred rules all do): the candidates are deduplicated below anyway, but
        // each would cost its event lookup and rule scan again.
        let mut domains: Vec<&str> = record
            .rules
            .iter()
            .map(|rule| rule.rule.domain.as_str())
            .filter(|domain| !domain.is_empty())
            .collect();
        domains.sort_unstable();
        domains.dedup();
        let by_domain = domains
            .into_iter()
            .filter_map(|domain| self.by_domain.get(domain))
            .flatten()
            .filter(|id| {
                self.events.get(*id).is_some_and(|event| {
                    record.rules.iter().any(|r| {
                        event
                            .rules
                            .values()
                            .any(|e| (r.rule.is_model() || e.is_model()) && r.rule.agrees_with(e))
                    })
                })
            });
        let mut ids: Vec<&String> = record
            .rules
            .iter()
            .filter_map(|rule| self.by_rule.get(&rule.rule.id))
            .flatten()
            .chain(by_domain)
            .chain(
                identity
                    .places
                    .iter()
                    .filter_map(|m| self.by_place.get(&area_of(&m.key, gazetteer)))
                    .flatten(),
            )
            .collect();
        // An event under several of the post's rules or places is compared once.
        ids.sort_unstable();
        ids.dedup();
        let post_places: Vec<&PlaceKey> = identity.places.iter().map(|m| &m.key).collect();
        // The scorer matched it alone: no rule's terms tell its story, so the who or what it
        // shares with an event of its domain (and places that do not conflict) is the
        // evidence there is; its words are often few, so trigram overlap is not required.
        let scorer_only =
            !record.rules.is_empty() && record.rules.iter().all(|r| r.rule.is_model());
        // A follow-up that names no place of its own (a city is no place of a story).
        let placeless = !identity.places.iter().any(|m| gazetteer.is_fine(&m.key));
        let mut best: Option<(u8, u64, f64, &str)> = None;
        // Whether another follow-up's story is as large as the best one.
        let mut tied = false;
        for event in ids.into_iter().filter_map(|id| self.events.get(id)) {
            let places = gazetteer.relate_sets(post_places.iter().copied(), event.places.keys());
            if places == Relation::Conflict {
                tracing::trace!(post = %record.post.id, event = %event.id, "candidate: places conflict");
                continue;
            }
            // One of the post's rules by id; or, where a scorer match stands in for a
            // rule on either side, by domain.
            let same_rule_id = record
                .rules
                .iter()
                .any(|r| !r.rule.is_model() && event.rules.contains_key(&r.rule.id));
            let shared_rule = same_rule_id
                || record
                    .rules
                    .iter()
                    .any(|r| event.rules.values().any(|e| r.rule.agrees_with(e)));
            let same_act = identity.acts & event.acts != 0;
            let same_actor = identity.actors & event.actors != 0;
            // Both tell what happened and no kind of act is shared: the same people in
            // another act (a 交警 punching a driver, a 交警 fining one) are another story.
            let acts_differ = identity.acts != 0 && event.acts != 0 && !same_act;
            let near = event
                .simhashes
                .iter()
                .any(|&h| distance(h, hash) <= self.config.simhash_distance);
            // The story overlap is the costly comparison (a probe per trigram of the post):
            // it is computed only for a candidate that can still win, once, lazily.
            let mut overlap = None;
            let mut overlap_of =
                |event: &Event| *overlap.get_or_insert_with(|| event.story_overlap(shingles));
            // The same domain counts only at the very same spot (one 车管所's queue and its
            // 黄牛), not anywhere in a district.
            let same_spot_and_domain = || {
                identity
                    .places
                    .iter()
                    .any(|m| gazetteer.is_fine(&m.key) && event.places.contains_key(&m.key))
                    && record
                        .rules
                        .iter()
                        .any(|r| event.rules.values().any(|e| e.domain == r.rule.domain))
            };
            let strength = if near && shared_rule {
                Some(3)
            } else if places == Relation::Same
                // A rule's post agreeing only by domain, through a scorer match the event
                // holds, is no shared rule here: a district has many 执法办案 stories.
                && ((shared_rule && (same_rule_id || scorer_only))
                    || same_act
                    || same_spot_and_domain()
                    || (record.rules.is_empty() && same_actor))
            {
                Some(2)
            } else if shared_rule
                && ((same_act && same_actor)
                    || ((same_act || (same_actor && !acts_differ))
                        && (scorer_only || overlap_of(event) >= self.config.story_overlap)))
            {
                Some(1)
            } else if placeless
                && event.total_posts >= FOLLOW_UP_MIN_POSTS
                && shared_rule
                && same_act
                && identity.acts & !event.acts == 0
                && identity.actors & !event.actors == 0
            {
                Some(0)
            } else {
                None
            };
            tracing::trace!(
                post = %record.post.id,
                event = %event.id,
                ?places,
                shared_rule,
                same_act,
                same_actor,
                near,
                ?strength,
                "candidate"
            );
            let Some(strength) = strength else {
                continue;
            };
            // A weaker reason never beats the best so far, whatever its overlap.
            if best.is_some_and(|(s, _, _, _)| strength < s) {
                continue;
            }
            let overlap = overlap_of(event);
            // Only a follow-up ranks its stories by size first.
            let size = if strength == 0 { event.total_posts } else { 0 };
            if strength == 0 {
                tied = match best {
                    Some((0, n, _, _)) if size == n => true,
                    Some((0, n, _, _)) if size < n => tied,
                    _ => false,
                };
            }
            let better = best.is_none_or(|(s, n, o, id)| {
                (strength, size, overlap)
                    .partial_cmp(&(s, n, o))
                    .is_some_and(|c| c.is_gt())
                    || (strength == s && size == n && overlap == o && event.id.as_str() < id)
            });
            if better {
                best = Some((strength, size, overlap, &event.id));
            }
        }
        match best {
            Some((0, ..)) if tied => None,
            best => best.map(|(_, _, _, id)| id.to_owned()),
        }
    }

    /// Makes `event_id` the newest candidate under each of its rules, their domains and its
    /// fine places (a known place by its district): where later posts look for their story.
    pub(super) fn index_candidate<'a>(
        &mut self,
        event_id: &str,
        rules: impl Iterator<Item = (&'a str, &'a str)>,
        places: impl Iterator<Item = &'a PlaceKey>,
        gazetteer: &Gazetteer,
    ) {
        for (rule, domain) in rules {
            push_candidate(self.by_rule.entry(rule.to_owned()).or_default(), event_id);
            if !domain.is_empty() {
                push_candidate(
                    self.by_domain.entry(domain.to_owned()).or_default(),
                    event_id,
                );
            }
        }
        for place in places.filter(|place| gazetteer.is_fine(place)) {
            push_candidate(
                self.by_place.entry(area_of(place, gazetteer)).or_default(),
                event_id,
            );
        }
    }

    /// Applies `change` to an event and keeps the activity order and its state bounds.
    fn update(&mut self, event_id: &str, change: impl FnOnce(&mut Event)) {
        let Some(event) = self.events.get_mut(event_id) else {
            return;
        };
        let before = event.last_minute;
        change(event);
        event.prune(self.clock);
        // Most posts land in the event's latest minute: its place in the order stays.
        if event.last_minute != before {
            self.by_activity.remove(&(before, event_id.to_owned()));
            self.by_activity
                .insert((event.last_minute, event_id.to_owned()));
        }
    }

    /// Advances the event clock to `minute` (when the feed is idle) and closes the events
    /// quiet for `quiet_minutes`.
    pub fn advance(&mut self, minute: i64) -> Vec<(Event, Closed)> {
        self.clock = self.clock.max(minute);
        let mut closed = Vec::new();
        // Called for every post: the oldest is looked at without copying its id.
        while let Some((last, id)) = self.by_activity.first() {
            if *last > self.clock - self.config.quiet_minutes {
                break;
            }
            let id = id.clone();
            if let Some(event) = self.remove(&id) {
                let local = self.local.load();
                self.keep_dormant(event.copy(), &local.gazetteer);
                closed.push((event, Closed::Quiet));
            }
        }
        let local = self.local.load();
        while let Some((last, id)) = self.dormant_order.first().cloned() {
            if last > self.clock - self.config.quiet_minutes - self.config.resurface_minutes {
                break;
            }
            self.forget_dormant(&id, &local.gazetteer);
        }
        closed
    }

    fn enforce_caps(&mut self) -> Vec<(Event, Closed)> {
        let mut evicted = Vec::new();
        while self.events.len() > self.config.max_events || self.posts.len() > self.config.max_posts
        {
            let Some((_, id)) = self.by_activity.first().cloned() else {
                break;
            };
            if let Some(event) = self.remove(&id) {
                self.evicted += 1;
                evicted.push((event, Closed::Evicted));
            }
        }
        evicted
    }

    pub(super) fn remove(&mut self, id: &str) -> Option<Event> {
        let event = self.events.remove(id)?;
        self.by_activity.remove(&(event.last_minute, id.to_owned()));
        for key in self.event_posts.remove(id).unwrap_or_default() {
            self.posts.remove(&key);
        }
        for key in self.event_links.remove(id).unwrap_or_default() {
            self.chains.remove(&key);
            self.chained.remove(&key.0, &key.1);
        }
        for (rule, reference) in &event.rules {
            for (index, key) in [
                (&mut self.by_rule, rule),
                (&mut self.by_domain, &reference.domain),
            ] {
                if let Some(events) = index.get_mut(key) {
                    events.retain(|eid| eid != id);
                    if events.is_empty() {
                        index.remove(key);
                    }
                }
            }
        }
        let local = self.local.load();
        for place in event.places.keys() {
            let area = area_of(place, &local.gazetteer);
            if let Some(events) = self.by_place.get_mut(&area) {
                events.retain(|eid| eid != id);
                if events.is_empty() {
                    self.by_place.remove(&area);
                }
            }
        }
        counter!(EVENTS_CLOSED).increment(1);
        Some(event)
    }
}

/// The key a place is indexed under: a known place's district (so that a post naming the
/// district, or another place in it, finds the event), else the place itself.
pub(super) fn area_of(key: &PlaceKey, gazetteer: &Gazetteer) -> PlaceKey {
    match key {
        PlaceKey::Known(name) => gazetteer
            .district_of(name)
            .map_or_else(|| key.clone(), |d| PlaceKey::Known(d.name.clone())),
        PlaceKey::Generic(..) => key.clone(),
    }
}

/// Moves `event_id` to the newest end of a candidate list, bounded by `MAX_CANDIDATES`.
pub(super) fn push_candidate(events: &mut VecDeque<String>, event_id: &str) {
    if let Some(position) = events.iter().position(|e| e == event_id) {
        events.remove(position);
    }
    events.push_back(event_id.to_owned());
    if events.len() > MAX_CANDIDATES {
        events.pop_front();
    }
}

/// Reposts + comments + likes gained since `before`. A count that went down (a deleted
/// comment) gains nothing, and later growth counts only past the old high mark.
fn gained(before: &mut Counts, after: &Counts) -> u64 {
    let mut gain = 0;
    for (old, new) in [
        (&mut before.reposts, after.reposts),
        (&mut before.comments, after.comments),
        (&mut before.likes, after.likes),
    ] {
        gain += new.saturating_sub(*old);
        *old = (*old).max(new);
    }
    gain
}
