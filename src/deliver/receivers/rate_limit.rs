//! The robots' rate limit, kept on our side so a burst never earns a refusal.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// At most `limit` sends in any window of `per`: the exact rule robots enforce (a token
/// bucket would allow a burst of twice the limit across a window boundary).
pub(super) struct SlidingWindow {
    limit: usize,
    per: Duration,
    sent: VecDeque<Instant>,
}

impl SlidingWindow {
    /// The window is widened by 10 % (at least 100 ms) so that network jitter between
    /// our clock and the robot's never makes its count exceed the limit.
    pub(super) fn new(limit: usize, per: Duration) -> SlidingWindow {
        let margin = (per / 10).max(Duration::from_millis(100));
        SlidingWindow {
            limit: limit.max(1),
            per: per + margin,
            sent: VecDeque::new(),
        }
    }

    /// Takes a slot now (`None`), or says how long to wait before asking again.
    pub(super) fn try_take(&mut self, now: Instant) -> Option<Duration> {
        let wait = self.wait(now);
        if wait.is_none() {
            self.sent.push_back(now);
        }
        wait
    }

    /// How long until a slot is free (`None`: one is free now), taking none.
    pub(super) fn wait(&mut self, now: Instant) -> Option<Duration> {
        while self
            .sent
            .front()
            .is_some_and(|&t| now.duration_since(t) >= self.per)
        {
            self.sent.pop_front();
        }
        if self.sent.len() < self.limit {
            return None;
        }
        let oldest = *self.sent.front().expect("limit >= 1");
        Some(self.per - now.duration_since(oldest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sliding_window_never_allows_more_than_the_limit() {
        let start = Instant::now();
        let mut window = SlidingWindow::new(3, Duration::from_secs(10));
        let mut sent = Vec::new();
        let mut now = start;
        while sent.len() < 10 {
            match window.try_take(now) {
                None => sent.push(now),
                Some(wait) => now += wait,
            }
        }
        for (i, &t) in sent.iter().enumerate() {
            let in_window = sent[i..]
                .iter()
                .filter(|&&u| u.duration_since(t) < Duration::from_secs(10))
                .count();
            assert!(in_window <= 3);
        }
    }
}
