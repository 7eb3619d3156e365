//! SimHash over character shingles, for near-duplicate detection of Chinese text.
//!
//! Word-based SimHash splits on whitespace, which Chinese does not have; overlapping
//! character trigrams capture the same text with small edits (a forwarded post with a
//! prefix, a changed number) as a few differing bits.

use std::hash::Hasher;

use crate::models::Fingerprint;

/// Characters per shingle.
const SHINGLE: usize = 3;

impl Fingerprint {
    /// The fingerprint of a normalized text.
    pub fn of(normalized: &str) -> Fingerprint {
        let mut shingles = shingles(normalized);
        let simhash = simhash(&shingles);
        shingles.sort_unstable();
        shingles.dedup();
        Fingerprint { simhash, shingles }
    }
}

/// Hashes of the character trigrams of `text` (normalized text is expected), in order,
/// repeats included. Whitespace and punctuation are skipped, so re-punctuated copies agree.
fn shingles(text: &str) -> Vec<u64> {
    let mut shingles = Vec::with_capacity(text.len() / 3);
    // The last SHINGLE word characters, packed 21 bits each (a char fits in 21 bits).
    let mut window = 0u64;
    let mut seen = 0usize;
    for c in text.chars().filter(|&c| is_word_char(c)) {
        window = (window << 21 | c as u64) & ((1 << (21 * SHINGLE)) - 1);
        seen += 1;
        if seen >= SHINGLE {
            shingles.push(mix(window));
        }
    }
    // A text shorter than a shingle is one shingle of what it has.
    if (1..SHINGLE).contains(&seen) {
        shingles.push(mix(window));
    }
    shingles
}

/// A bijective mix (SplitMix64's finalizer) of a packed shingle: stable across runs and
/// platforms, so replays cluster identically, and its bits are uniform, as SimHash and
/// the story's Bloom filter need.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ x >> 31
}

/// Letters, digits and ideographs: `char::is_alphanumeric`, without its table lookup for
/// the ideographs that are most of the text.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        matches!(c, '\u{4E00}'..='\u{9FFF}') || c.is_alphanumeric()
    }
}

/// The 64-bit SimHash of a text's [`shingles`].
fn simhash(shingles: &[u64]) -> u64 {
    // Count the ones per bit (a branch-free loop the compiler vectorizes); a bit is set in
    // the SimHash when most shingles have it.
    let mut ones = [0u32; 64];
    for hash in shingles {
        for (bit, count) in ones.iter_mut().enumerate() {
            *count += (hash >> bit & 1) as u32;
        }
    }
    let total = shingles.len() as u32;
    ones.iter().enumerate().fold(
        0u64,
        |acc, (bit, &n)| if 2 * n > total { acc | 1 << bit } else { acc },
    )
}

/// Hashes `u64` keys that are already uniformly distributed hashes (shingles) as
/// themselves: SipHash over them is wasted work in the story maps.
#[derive(Debug, Clone, Copy, Default)]
pub struct PrehashedKey(u64);

impl Hasher for PrehashedKey {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// Number of differing bits.
pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_copies_are_close_and_unrelated_texts_are_far() {
        let original =
            "某地辅警在检查站当街掌掴外卖小哥，视频曝光后引发网友愤怒，要求严肃处理涉事人员";
        let forwarded = "转发：某地辅警在检查站当街掌掴外卖小哥，视频曝光后引发网友愤怒，要求严肃处理涉事人员！";
        let unrelated =
            "派出所户籍窗口排队三个小时还不给办理，工作人员态度恶劣，市民投诉无门只能发帖";
        let hash = |text: &str| simhash(&shingles(text));
        let close = distance(hash(original), hash(forwarded));
        let far = distance(hash(original), hash(unrelated));
        assert!(close <= 8, "near copy distance {close}");
        assert!(far >= 16, "unrelated distance {far}");
    }
}
