//! The distinct authors of an event and their reach, over sliding windows in event time.

use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Default)]
pub struct Audience {
    /// Each author: the minute last seen and the most followers reported.
    authors: HashMap<String, Seen>,
    /// Authors and their followers summed by the minute each was last seen. A window's
    /// distinct authors are the buckets inside it: grading reads them on every post
    /// without visiting every author of a large event.
    by_last_minute: BTreeMap<i64, Tally>,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    last_minute: i64,
    followers: u64,
}

/// Distinct authors and the sum of their followers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub authors: usize,
    pub reach: u64,
}

impl Audience {
    /// An author posted at `minute` with `followers` (the latest minute and the largest
    /// follower count are kept).
    pub fn see(&mut self, author: String, minute: i64, followers: u64) {
        let now = match self.authors.get_mut(&author) {
            Some(seen) => {
                let before = *seen;
                seen.last_minute = seen.last_minute.max(minute);
                seen.followers = seen.followers.max(followers);
                let after = *seen;
                self.untally(before);
                after
            }
            None => {
                let seen = Seen {
                    last_minute: minute,
                    followers,
                };
                self.authors.insert(author, seen);
                seen
            }
        };
        let tally = self.by_last_minute.entry(now.last_minute).or_default();
        tally.authors += 1;
        tally.reach = tally.reach.saturating_add(now.followers);
    }

    /// Every author remembered: (key, minute last seen, most followers), for a checkpoint.
    pub fn authors(&self) -> impl Iterator<Item = (&str, i64, u64)> + '_ {
        self.authors
            .iter()
            .map(|(key, seen)| (key.as_str(), seen.last_minute, seen.followers))
    }

    /// Authors last seen after minute `since`.
    pub fn since(&self, since: i64) -> Tally {
        self.by_last_minute
            .range(since + 1..)
            .fold(Tally::default(), |acc, (_, t)| Tally {
                authors: acc.authors + t.authors,
                reach: acc.reach.saturating_add(t.reach),
            })
    }

    /// Forgets authors not seen since before `minute`.
    pub fn prune(&mut self, minute: i64) {
        if self
            .by_last_minute
            .first_key_value()
            .is_none_or(|(&first, _)| first >= minute)
        {
            return;
        }
        self.by_last_minute = self.by_last_minute.split_off(&minute);
        self.authors.retain(|_, seen| seen.last_minute >= minute);
    }

    fn untally(&mut self, seen: Seen) {
        if let Some(tally) = self.by_last_minute.get_mut(&seen.last_minute) {
            tally.authors -= 1;
            tally.reach -= seen.followers;
            if tally.authors == 0 {
                self.by_last_minute.remove(&seen.last_minute);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn tallies_equal_counting_every_author(
            posts in prop::collection::vec((0u8..20, 0i64..120, 0u64..1000), 0..200),
            since in -1i64..130,
            prune_at in 0i64..130,
        ) {
            let mut audience = Audience::default();
            let mut brute: HashMap<String, Seen> = HashMap::new();
            for &(author, minute, followers) in &posts {
                audience.see(author.to_string(), minute, followers);
                let seen = brute.entry(author.to_string()).or_insert(Seen { last_minute: minute, followers });
                seen.last_minute = seen.last_minute.max(minute);
                seen.followers = seen.followers.max(followers);
            }
            audience.prune(prune_at);
            brute.retain(|_, s| s.last_minute >= prune_at);
            let expected = brute.values().filter(|s| s.last_minute > since).fold(
                Tally::default(),
                |acc, s| Tally { authors: acc.authors + 1, reach: acc.reach + s.followers },
            );
            prop_assert_eq!(audience.since(since), expected);
            prop_assert_eq!(audience.authors.len(), brute.len());
        }
    }
}
