//! An event's story: the trigrams of its posts, so that a post telling the same incident in
//! other words (place, people, what happened) can join it.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use super::simhash::PrehashedKey;

/// Most distinct trigrams a story remembers.
const MAX_TRIGRAMS: usize = 4096;

/// Bits of the filter per remembered trigram: about 12 % false positives.
const FILTER_BITS_PER_TRIGRAM: usize = 8;

#[derive(Debug, Clone, Default)]
pub struct Story {
    trigrams: HashSet<u64, BuildHasherDefault<PrehashedKey>>,
    /// A Bloom filter (one bit per trigram) over `trigrams`. Each post is compared with
    /// dozens of candidate events, and most of its trigrams are in none of their stories:
    /// a bit test rejects those faster than a hash probe, which then settles the rest.
    filter: Vec<u64>,
}

impl Story {
    /// Adds a post's distinct trigrams (bounded: once full, new ones are not remembered).
    pub fn add(&mut self, trigrams: &[u64]) {
        for &trigram in trigrams {
            if self.trigrams.len() >= MAX_TRIGRAMS {
                break;
            }
            if self.trigrams.insert(trigram) {
                self.grow_filter();
                set_bit(&mut self.filter, trigram);
            }
        }
    }

    /// The trigrams remembered (any order), for a checkpoint.
    pub fn trigrams(&self) -> impl Iterator<Item = u64> + '_ {
        self.trigrams.iter().copied()
    }

    /// The share of `trigrams` (a post's distinct trigrams) the story contains.
    pub fn overlap(&self, trigrams: &[u64]) -> f64 {
        if trigrams.is_empty() || self.filter.is_empty() {
            return 0.0;
        }
        let shared = trigrams
            .iter()
            .filter(|&&t| has_bit(&self.filter, t) && self.trigrams.contains(&t))
            .count();
        shared as f64 / trigrams.len() as f64
    }

    /// Keeps the filter at its bits per trigram, doubling it (and refilling it from the
    /// set) as the story grows: small events keep small filters.
    fn grow_filter(&mut self) {
        let wanted = (self.trigrams.len() * FILTER_BITS_PER_TRIGRAM)
            .next_power_of_two()
            .max(64);
        if wanted <= self.filter.len() * 64 {
            return;
        }
        self.filter = vec![0; wanted / 64];
        for &trigram in &self.trigrams {
            set_bit(&mut self.filter, trigram);
        }
    }
}

/// The filter bit of a trigram hash: its high half (the hashes are mixed; the set's probe
/// uses the low bits).
fn bit(filter: &[u64], trigram: u64) -> (usize, u64) {
    let index = (trigram >> 32) as usize & (filter.len() * 64 - 1);
    (index / 64, 1 << (index % 64))
}

fn set_bit(filter: &mut [u64], trigram: u64) {
    let (word, mask) = bit(filter, trigram);
    filter[word] |= mask;
}

fn has_bit(filter: &[u64], trigram: u64) -> bool {
    let (word, mask) = bit(filter, trigram);
    filter[word] & mask != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_is_exact_despite_the_filter() {
        let mut story = Story::default();
        let told: Vec<u64> = (0..3000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        story.add(&told);
        assert_eq!(story.overlap(&told[..100]), 1.0);
        let other: Vec<u64> = (5000..5100u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        assert_eq!(story.overlap(&other), 0.0);
        let half: Vec<u64> = told[..50].iter().chain(&other[..50]).copied().collect();
        assert_eq!(story.overlap(&half), 0.5);
    }

    #[test]
    fn a_full_story_remembers_no_more() {
        let mut story = Story::default();
        let many: Vec<u64> = (0..5000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        story.add(&many);
        assert_eq!(story.trigrams.len(), MAX_TRIGRAMS);
        assert_eq!(story.overlap(&many[4500..]), 0.0);
        assert_eq!(
            story.filter.len() * 64,
            MAX_TRIGRAMS * FILTER_BITS_PER_TRIGRAM
        );
    }
}
