//! Jittered exponential backoff, shared by everything that retries (sources reconnecting,
//! receivers re-sending).

use std::time::Duration;

use rand::Rng;

/// Waits that double from `initial` up to `max`, each scaled by a random factor in
/// [0.5, 1.5), so many clients dropped together do not retry together.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff {
            initial,
            max: max.max(initial),
            next: initial,
        }
    }

    /// The wait before the next attempt; the one after doubles (up to the maximum).
    pub fn next_wait(&mut self) -> Duration {
        let wait = self.next.mul_f64(rand::rng().random_range(0.5..1.5));
        self.next = (self.next * 2).min(self.max);
        wait
    }

    /// An attempt worked: the next failure starts from the initial wait again.
    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_maximum_within_the_jitter_and_reset() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_millis(350));
        let bounds = [(50, 150), (100, 300), (175, 525), (175, 525)];
        for (low, high) in bounds {
            let wait = backoff.next_wait().as_millis() as u64;
            assert!((low..high).contains(&wait), "{wait} not in {low}..{high}");
        }
        backoff.reset();
        assert!(backoff.next_wait() < Duration::from_millis(150));
    }
}
