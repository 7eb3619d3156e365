//! One event: an incident spreading across posts, reposts and platforms, and its figures.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::audience::Audience;
use super::identity::Identity;
use super::places::{Gazetteer, PlaceKey};
use super::story::Story;
use super::window::{Activity, Series};
use crate::models::{Evidence, OfficialResponse, Whereabouts};
use crate::models::{Figures, MatchRecord, PostSummary, RuleRef, Severity, WindowFigures};

/// The windows velocity is measured over, in minutes.
pub const WINDOWS: [i64; 4] = [1, 5, 15, 60];

/// Most distinct places an event remembers.
const MAX_PLACES: usize = 32;

/// How often a place was named in an event, and where first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlaceTally {
    pub posts: u64,
    pub evidence: Evidence,
}

/// How many top posts an event keeps for display.
const TOP_POSTS: usize = 5;

/// Minute since the Unix epoch of `at`.
pub fn minute_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

#[derive(Debug)]
pub struct Event {
    pub id: String,
    pub first_post: PostSummary,
    pub first_minute: i64,
    /// Latest minute with activity.
    pub last_minute: i64,
    pub rules: BTreeMap<String, RuleRef>,
    /// The rule-set generation of the latest match.
    pub generation: u64,
    pub total_posts: u64,
    pub top_posts: Vec<PostSummary>,
    /// SimHashes this event is recognised by (its first post, then a few more).
    pub simhashes: Vec<u64>,
    /// Trigram hashes of the event's texts: what its story is about.
    pub(super) story: Story,
    /// Places its posts named: how many posts named each, and the first words naming it.
    pub places: BTreeMap<PlaceKey, PlaceTally>,
    /// The first statement an official account made in it.
    pub response: Option<OfficialResponse>,
    /// Where it happened (属地), from the places its posts named; kept up to date.
    pub whereabouts: Option<Whereabouts>,
    /// Kinds of actors and acts its posts told (bits of [`Identity`]).
    pub actors: u32,
    pub acts: u32,
    pub(super) max_followers: u64,
    pub(super) max_verified_followers: u64,
    /// Posts and interactions per minute (velocity).
    pub(super) series: Series,
    /// Distinct authors and their reach per window.
    pub(super) audience: Audience,
    /// Platform → the last minute it carried the event.
    pub(super) platforms: HashMap<String, i64>,
}

impl Event {
    pub fn new(id: String, record: &MatchRecord, simhash: u64) -> Event {
        let minute = minute_of(record.post.published_at);
        Event {
            id,
            first_post: PostSummary::of(record),
            first_minute: minute,
            last_minute: minute,
            rules: BTreeMap::new(),
            generation: record.generation,
            total_posts: 0,
            top_posts: Vec::new(),
            simhashes: vec![simhash],
            story: Story::default(),
            places: BTreeMap::new(),
            whereabouts: None,
            response: None,
            actors: 0,
            acts: 0,
            max_followers: 0,
            max_verified_followers: 0,
            series: Series::default(),
            audience: Audience::default(),
            platforms: HashMap::new(),
        }
    }

    /// A new post joins: counted at its publish minute, with its initial counts as the
    /// interactions it gathered by then.
    pub fn add_post(&mut self, record: &MatchRecord, minute: i64) {
        let post = &record.post;
        // Saturating: counts are bounded at decode, sums over many posts still must not wrap.
        let interactions = post
            .counts
            .reposts
            .saturating_add(post.counts.comments)
            .saturating_add(post.counts.likes);
        self.series.add(
            minute,
            Activity {
                posts: 1,
                interactions,
            },
        );
        self.total_posts += 1;
        self.note_rules(record);
        let author_key = format!(
            "{}:{}",
            post.platform,
            post.author
                .id
                .as_deref()
                .or(post.author.name.as_deref())
                .unwrap_or(&post.id)
        );
        self.audience.see(author_key, minute, post.author.followers);
        self.max_followers = self.max_followers.max(post.author.followers);
        if post.author.verified {
            self.max_verified_followers = self.max_verified_followers.max(post.author.followers);
        }
        let platform = self
            .platforms
            .entry(post.platform.clone())
            .or_insert(minute);
        *platform = (*platform).max(minute);
        self.last_minute = self.last_minute.max(minute);
        // Most posts do not make the top few: rank before building the summary.
        let weight = post.author.followers.saturating_add(interactions);
        let full = self.top_posts.len() >= TOP_POSTS;
        if !full || self.top_posts.iter().any(|p| p.weight() < weight) {
            self.offer_top_post(PostSummary::of(record));
        }
    }

    /// A known post was re-sent with new counts: only the gain counts, at `minute`.
    pub fn add_interactions(&mut self, record: &MatchRecord, gained: u64, minute: i64) {
        self.series.add(
            minute,
            Activity {
                posts: 0,
                interactions: gained,
            },
        );
        self.note_rules(record);
        self.last_minute = self.last_minute.max(minute);
        let summary = PostSummary::of(record);
        if let Some(top) = self
            .top_posts
            .iter_mut()
            .find(|p| p.platform == summary.platform && p.id == summary.id)
        {
            *top = summary;
            self.top_posts
                .sort_by_key(|p| std::cmp::Reverse(p.weight()));
        } else {
            self.offer_top_post(summary);
        }
    }

    fn note_rules(&mut self, record: &MatchRecord) {
        self.generation = self.generation.max(record.generation);
        for rule in &record.rules {
            self.rules
                .entry(rule.rule.id.clone())
                .or_insert_with(|| rule.rule.clone());
        }
    }

    fn offer_top_post(&mut self, summary: PostSummary) {
        self.top_posts.push(summary);
        self.top_posts
            .sort_by_key(|p| std::cmp::Reverse(p.weight()));
        self.top_posts.truncate(TOP_POSTS);
    }

    /// Adds what a post told: its places (bounded), actors and acts; places it again.
    pub fn add_identity(
        &mut self,
        identity: &Identity,
        record: &MatchRecord,
        gazetteer: &Gazetteer,
    ) {
        self.actors |= identity.actors;
        self.acts |= identity.acts;
        for mention in &identity.places {
            if let Some(tally) = self.places.get_mut(&mention.key) {
                tally.posts += 1;
            } else if self.places.len() < MAX_PLACES {
                self.places.insert(
                    mention.key.clone(),
                    PlaceTally {
                        posts: 1,
                        evidence: Evidence {
                            text: mention.text.clone(),
                            platform: record.post.platform.clone(),
                            post_id: record.post.id.clone(),
                        },
                    },
                );
            }
        }
        if !identity.places.is_empty() {
            self.whereabouts = gazetteer.whereabouts(
                self.places
                    .iter()
                    .map(|(key, tally)| (key, tally.posts, &tally.evidence)),
            );
        }
    }

    /// Adds a post's distinct trigrams to the event's story.
    pub fn add_story(&mut self, shingles: &[u64]) {
        self.story.add(shingles);
    }

    /// The share of `shingles` (a post's distinct trigrams) the event's story contains.
    pub fn story_overlap(&self, shingles: &[u64]) -> f64 {
        self.story.overlap(shingles)
    }

    /// The highest severity among the event's rules.
    pub fn severity(&self) -> Severity {
        self.rules
            .values()
            .map(|r| r.severity)
            .max()
            .unwrap_or(Severity::Low)
    }

    /// Figures with every window ending at minute `now`.
    pub fn figures(&self, now: i64) -> Figures {
        let windows = WINDOWS
            .iter()
            .map(|&minutes| {
                let this = self.series.window(now, minutes);
                let previous = self.series.window(now - minutes, minutes);
                let since = now - minutes;
                let audience = self.audience.since(since);
                WindowFigures {
                    minutes,
                    posts: this.posts,
                    posts_per_min: this.posts as f64 / minutes as f64,
                    interactions: this.interactions,
                    interactions_per_min: this.interactions as f64 / minutes as f64,
                    authors: audience.authors,
                    reach: audience.reach,
                    platforms: self.platforms.values().filter(|&&m| m > since).count(),
                    acceleration: this.posts as f64 / previous.posts.max(1) as f64,
                }
            })
            .collect();
        Figures {
            at: DateTime::from_timestamp(now * 60, 0).unwrap_or_default(),
            total_posts: self.total_posts,
            windows,
            max_followers: self.max_followers,
            max_verified_followers: self.max_verified_followers,
            platforms_total: self.platforms.len(),
        }
    }

    /// Posts per minute over the last `minutes` minutes ending at `now`, oldest first.
    pub fn velocity_series(&self, now: i64, minutes: i64) -> Vec<u64> {
        self.series.per_minute(now, minutes)
    }

    /// Forgets activity older than any window needs (the event's state stays bounded).
    pub fn prune(&mut self, now: i64) {
        // Two of the longest window: the acceleration compares against the one before.
        let keep_from = now - 2 * WINDOWS[WINDOWS.len() - 1];
        self.series.prune(keep_from);
        self.audience.prune(keep_from);
        self.platforms.retain(|_, &mut m| m >= keep_from);
    }
}
