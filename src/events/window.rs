//! Per-minute activity of one event, in event time, and sums over sliding windows.

use std::collections::BTreeMap;

/// What happened in one minute (or a window of minutes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    pub posts: u64,
    /// Reposts + comments + likes gained (deltas, never the cumulative counts twice).
    pub interactions: u64,
}

/// Buckets by minute since the Unix epoch. Bounded by [`Series::prune`].
#[derive(Debug, Clone, Default)]
pub struct Series {
    buckets: BTreeMap<i64, Activity>,
}

impl Series {
    pub fn add(&mut self, minute: i64, activity: Activity) {
        let bucket = self.buckets.entry(minute).or_default();
        bucket.posts = bucket.posts.saturating_add(activity.posts);
        bucket.interactions = bucket.interactions.saturating_add(activity.interactions);
    }

    /// Activity in the `minutes` minutes ending with minute `end` (inclusive).
    pub fn window(&self, end: i64, minutes: i64) -> Activity {
        self.buckets
            .range(end - minutes + 1..=end)
            .fold(Activity::default(), |acc, (_, a)| Activity {
                posts: acc.posts.saturating_add(a.posts),
                interactions: acc.interactions.saturating_add(a.interactions),
            })
    }

    /// Posts per minute for each of the `minutes` minutes ending with `end`, oldest first.
    pub fn per_minute(&self, end: i64, minutes: i64) -> Vec<u64> {
        (end - minutes + 1..=end)
            .map(|m| self.buckets.get(&m).map_or(0, |a| a.posts))
            .collect()
    }

    /// Every minute with activity, oldest first (for a checkpoint).
    pub fn minutes(&self) -> impl Iterator<Item = (i64, Activity)> + '_ {
        self.buckets
            .iter()
            .map(|(&minute, &activity)| (minute, activity))
    }

    /// Forgets minutes before `minute`: no window reaches back that far.
    pub fn prune(&mut self, minute: i64) {
        while let Some(oldest) = self.buckets.first_entry() {
            if *oldest.key() >= minute {
                break;
            }
            oldest.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute_force(adds: &[(i64, u64, u64)], end: i64, minutes: i64) -> Activity {
        let mut total = Activity::default();
        for &(minute, posts, interactions) in adds {
            if minute > end - minutes && minute <= end {
                total.posts += posts;
                total.interactions += interactions;
            }
        }
        total
    }

    proptest! {
        #[test]
        fn window_sums_equal_brute_force(
            adds in prop::collection::vec((0i64..200, 0u64..50, 0u64..5000), 0..200),
            end in 0i64..220,
            minutes in prop::sample::select(vec![1i64, 5, 15, 60]),
        ) {
            let mut series = Series::default();
            for &(minute, posts, interactions) in &adds {
                series.add(minute, Activity { posts, interactions });
            }
            prop_assert_eq!(series.window(end, minutes), brute_force(&adds, end, minutes));
            let per_minute: u64 = series.per_minute(end, minutes).iter().sum();
            prop_assert_eq!(per_minute, brute_force(&adds, end, minutes).posts);
        }

        #[test]
        fn out_of_order_adds_give_the_same_windows(
            mut adds in prop::collection::vec((0i64..100, 0u64..50, 0u64..5000), 0..100),
            seed in any::<u64>(),
        ) {
            let mut in_order = Series::default();
            adds.sort();
            for &(m, p, i) in &adds { in_order.add(m, Activity { posts: p, interactions: i }); }
            // A deterministic shuffle.
            let mut shuffled = adds.clone();
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let mut out_of_order = Series::default();
            for &(m, p, i) in &shuffled { out_of_order.add(m, Activity { posts: p, interactions: i }); }
            for end in [0i64, 10, 50, 99, 120] {
                for minutes in [1i64, 5, 15, 60] {
                    prop_assert_eq!(in_order.window(end, minutes), out_of_order.window(end, minutes));
                }
            }
        }

        #[test]
        fn pruning_keeps_every_window_that_fits(
            adds in prop::collection::vec((0i64..200, 0u64..50, 0u64..5000), 0..200),
            end in 60i64..200,
        ) {
            let mut series = Series::default();
            for &(m, p, i) in &adds { series.add(m, Activity { posts: p, interactions: i }); }
            let before = series.window(end, 60);
            series.prune(end - 59);
            prop_assert_eq!(series.window(end, 60), before);
        }
    }
}
