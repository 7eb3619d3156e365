//! SimHash over character shingles, for near-duplicate detection of Chinese text.
//!
//! Word-based SimHash splits on whitespace, which Chinese does not have; overlapping
//! character trigrams capture the same text with small edits (a forwarded post with a
//! prefix, a changed number) as a few differing bits.

use std::hash::{Hash, Hasher};

/// Characters per shingle.
const SHINGLE: usize = 3;

/// Hashes of the character trigrams of `text` (normalized text is expected), in order,
/// repeats included. Whitespace and punctuation are skipped, so re-punctuated copies agree.
pub fn shingles(text: &str) -> Vec<u64> {
    let chars: Vec<char> = text.chars().filter(|c| c.is_alphanumeric()).collect();
    if chars.is_empty() {
        return Vec::new();
    }
    let count = chars.len().saturating_sub(SHINGLE - 1).max(1);
    (0..count)
        .map(|start| hash_shingle(&chars[start..(start + SHINGLE).min(chars.len())]))
        .collect()
}

/// The 64-bit SimHash of a text's [`shingles`].
pub fn simhash(shingles: &[u64]) -> u64 {
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

fn hash_shingle(chars: &[char]) -> u64 {
    // FNV-1a: stable across runs and platforms (std's SipHash keys are fixed too, but FNV
    // states the intent: no randomness, so replays cluster identically).
    struct Fnv(u64);
    impl Hasher for Fnv {
        fn finish(&self) -> u64 {
            // A final mix spreads FNV's weak low bits over all 64.
            let mut x = self.0;
            x ^= x >> 33;
            x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
            x ^= x >> 33;
            x
        }
        fn write(&mut self, bytes: &[u8]) {
            for &b in bytes {
                self.0 = (self.0 ^ b as u64).wrapping_mul(0x100_0000_01b3);
            }
        }
    }
    let mut hasher = Fnv(0xcbf2_9ce4_8422_2325);
    chars.hash(&mut hasher);
    hasher.finish()
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
