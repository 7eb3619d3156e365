//! What the risk scorer sees of a text: hashed character n-grams, plus structure read off
//! the lexicon cues (who does what to whom).
//!
//! Bag-of-n-grams alone cannot tell "民警抓获殴打老人的男子" (routine) from "男子殴打民警"
//! (袭警) or "民警殴打老人" (violence by police): the same characters, different roles. So
//! beside the n-grams the extractor writes features for each police term and each act
//! term near it: the order (police before the act: actor; act before the police: object),
//! a passive marker between them (民警**被**打), a numeral before the police (砍伤**1名**民警),
//! a negation before the act (**没有**殴打), a victim marker near the act, and how much
//! official framing (依法, 抓获, 表彰) the text carries.
//!
//! Every feature is a 64-bit hash of its kind and content; the model folds it into its
//! table. Extraction writes into the caller's [`FeatureBuffer`], which keeps its capacity:
//! after the first few posts, scoring allocates nothing.

use super::lexicon::{LexiconRoles, Role};
use super::Cue;

/// Characters each side of a police term whose n-grams count as its context.
const CONTEXT_CHARS: usize = 12;

/// Most characters between a police term and an act term for them to form a pair.
const PAIR_GAP: usize = 10;
/// Weight of the whole-text n-gram block after L2 normalization: long news bodies mix
/// routine text with the one risky clause, so the police context and the structure
/// features must be able to outweigh it. (Chosen by 5-fold cross-validation.)
const NGRAM_SCALE: f32 = 0.5;
/// Most characters each side of a police term that its sentence instance spans: the
/// clause around the term, not the paragraph. (Chosen by 5-fold cross-validation among
/// 20, 30, 40 and 80: shorter windows gave the higher average precision.)
const INSTANCE_CHARS: usize = 20;
/// Length of an instance's n-gram vector after L2 normalization: half the whole text's
/// n-gram block, so the best sentence sharpens the whole text's score rather than
/// outvoting it. (5-fold cross-validation on the rules and corpora before
/// `rules/corpus/news.tsv`, AP / both-F1: 0.5 gave 0.632 / 0.594 but its
/// scores of short social posts, whose one sentence is the whole text, fell under the
/// threshold where the whole-text model's passed (7 of the sample feed's incident posts
/// lost); 0.25 gives 0.622 / 0.583, still above the whole-text 0.603 / 0.570 on every
/// fold, and loses one.)
const INSTANCE_SCALE: f32 = 0.25;
/// Weight of one structure feature (before its log count).
const STRUCTURE_SCALE: f32 = 0.5;

/// Most characters between a negation and the act it negates.
const NEGATION_GAP: usize = 2;

/// A text's features: the whole-text block, and one block per *instance*, a sentence that
/// names the police (windowed around the police term). The model adds the whole-text
/// margin to the best instance's margin: a long news body with one risky sentence about
/// the police scores by that sentence, not by the average of its routine ones.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Bag {
    /// Whole-text features, sorted and merged by hash in two blocks (n-grams, structure).
    pub global: Vec<(u64, f32)>,
    /// The instances' features, one after another.
    pub instances: Vec<(u64, f32)>,
    /// Where each instance ends in `instances`.
    pub ends: Vec<usize>,
}

impl Bag {
    /// Each instance's features.
    pub fn instances(&self) -> impl Iterator<Item = &[(u64, f32)]> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let slice = &self.instances[start..end];
            start = end;
            slice
        })
    }

    fn clear(&mut self) {
        self.global.clear();
        self.instances.clear();
        self.ends.clear();
    }
}

/// A reusable buffer of features (a [`Bag`]) and, when asked, their names.
#[derive(Debug, Default)]
pub struct FeatureBuffer {
    bag: Bag,
    /// Where the structure block starts in `pairs` during extraction.
    ngram_end: usize,
    /// Names of the structure features (for explanations only, when asked for).
    names: Option<Vec<(u64, String)>>,
    /// Whether extraction also writes the police-sentence instances (for models trained
    /// with them).
    instances: bool,
}

impl FeatureBuffer {
    pub fn new() -> FeatureBuffer {
        FeatureBuffer::default()
    }

    /// A buffer that also remembers the names of structure features, so an explanation
    /// can say "police(object) of violence" instead of a hash. Not for the hot path.
    pub fn naming() -> FeatureBuffer {
        FeatureBuffer {
            names: Some(Vec::new()),
            ..FeatureBuffer::default()
        }
    }

    /// Makes extraction write (or skip) the police-sentence instances.
    pub fn set_instances(&mut self, on: bool) {
        self.instances = on;
    }

    /// The whole-text features, sorted by hash, each once.
    pub fn pairs(&self) -> &[(u64, f32)] {
        &self.bag.global
    }

    /// All the features: whole text and instances.
    pub fn bag(&self) -> &Bag {
        &self.bag
    }

    /// The name of a structure feature, if this buffer records names.
    pub fn name_of(&self, hash: u64) -> Option<&str> {
        self.names
            .as_ref()?
            .iter()
            .find(|(h, _)| *h == hash)
            .map(|(_, n)| n.as_str())
    }

    /// Replaces the features with `bag` (already extracted, e.g. a training sample).
    pub fn set_bag(&mut self, bag: &Bag) {
        self.clear();
        self.bag.global.extend_from_slice(&bag.global);
        self.bag.instances.extend_from_slice(&bag.instances);
        self.bag.ends.extend_from_slice(&bag.ends);
    }

    fn clear(&mut self) {
        self.bag.clear();
        self.ngram_end = 0;
        if let Some(names) = &mut self.names {
            names.clear();
        }
    }

    fn push(&mut self, hash: u64, value: f32) {
        self.bag.global.push((hash, value));
    }

    /// A structure feature: kind plus up to two parts (lexicon or rule names).
    fn structure(&mut self, kind: &str, a: &str, b: &str, value: f32) {
        let hash = Hasher::new(kind).str(a).str(b).finish();
        self.bag.global.push((hash, value));
        if let Some(names) = &mut self.names {
            if !names.iter().any(|(h, _)| *h == hash) {
                let name = match (a.is_empty(), b.is_empty()) {
                    (true, _) => kind.to_owned(),
                    (false, true) => format!("{kind}:{a}"),
                    (false, false) => format!("{kind}:{a}:{b}"),
                };
                names.push((hash, name));
            }
        }
    }

    /// Sorts and merges `pairs[from..]` by hash, summing values; returns the new end.
    fn merge_from(&mut self, from: usize) -> usize {
        merge(&mut self.bag.global, from)
    }
}

/// Extracts the features of `text` (normalized) into `out`. `cues` are the lexicon terms
/// the rule scan found (ordered by end), `roles` what each lexicon means to the scorer,
/// `fired` the ids and domains of the rules that fired.
pub fn extract<'a>(
    text: &str,
    cues: &[Cue],
    roles: &LexiconRoles,
    fired: impl Iterator<Item = (&'a str, &'a str)>,
    out: &mut FeatureBuffer,
) {
    out.clear();
    ngrams(text, out);
    police_context(text, cues, roles, out);
    // Normalize the n-gram block: log counts, unit length.
    let end = out.merge_from(0);
    let mut norm = 0f32;
    for pair in &mut out.bag.global[..end] {
        pair.1 = (1.0 + pair.1).ln();
        norm += pair.1 * pair.1;
    }
    let scale = NGRAM_SCALE / norm.sqrt().max(1e-6);
    for pair in &mut out.bag.global[..end] {
        pair.1 *= scale;
    }
    out.ngram_end = end;

    structure(text, cues, roles, out);
    let mut any_rule = false;
    for (id, domain) in fired {
        any_rule = true;
        out.structure("rule", id, "", 1.0);
        out.structure("rule_domain", domain, "", 1.0);
    }
    if any_rule {
        out.structure("any_rule", "", "", 1.0);
    }
    out.structure("bias", "", "", 1.0);
    let length = text.chars().count().max(1);
    let bucket = usize::BITS - length.leading_zeros();
    out.structure("length", LENGTH_NAMES[(bucket as usize).min(15)], "", 1.0);

    let start = out.ngram_end;
    out.merge_from(start);
    for pair in &mut out.bag.global[start..] {
        pair.1 = STRUCTURE_SCALE * (1.0 + pair.1).ln() / std::f32::consts::LN_2;
    }
    // Both blocks are sorted on their own; the model does not need one global order.
    if out.instances {
        police_sentences(text, cues, roles, out);
    }
}

/// One instance per sentence that names the police: the sentence around the police term
/// (at most [`INSTANCE_CHARS`] characters each side of it), as its own character unigrams
/// and bigrams, L2-normalized. Police terms inside an instance already taken add none.
fn police_sentences(text: &str, cues: &[Cue], roles: &LexiconRoles, out: &mut FeatureBuffer) {
    let mut taken_to = 0usize;
    for cue in cues
        .iter()
        .filter(|c| roles.role(c.lexicon) == Role::Police)
    {
        if cue.start < taken_to {
            continue;
        }
        let from = sentence_start(text, cue.start, INSTANCE_CHARS).max(taken_to);
        let to = sentence_end(text, cue.end, INSTANCE_CHARS);
        let begin = out.bag.instances.len();
        let mut p1 = 0u32;
        for c in text[from..to].chars() {
            let c = fold_digit(c);
            out.bag.instances.push((S1.u32(c).finish(), 1.0));
            if p1 != 0 {
                out.bag.instances.push((S2.u32(p1).u32(c).finish(), 1.0));
            }
            p1 = c;
        }
        let end = merge(&mut out.bag.instances, begin);
        let mut norm = 0f32;
        for pair in &mut out.bag.instances[begin..end] {
            pair.1 = (1.0 + pair.1).ln();
            norm += pair.1 * pair.1;
        }
        let scale = INSTANCE_SCALE / norm.sqrt().max(1e-6);
        for pair in &mut out.bag.instances[begin..end] {
            pair.1 *= scale;
        }
        out.bag.ends.push(end);
        taken_to = to;
    }
}

/// Whether `c` ends a sentence (after normalization: full-width ！？； are ASCII).
fn ends_sentence(c: char) -> bool {
    matches!(c, '。' | '!' | '?' | ';' | '\n' | '…')
}

/// The start of the sentence holding `byte`, at most `n` characters back.
fn sentence_start(text: &str, byte: usize, n: usize) -> usize {
    let mut start = byte;
    for (i, c) in text[..byte].char_indices().rev().take(n) {
        if ends_sentence(c) {
            break;
        }
        start = i;
    }
    start
}

/// The end of the sentence holding `byte` (its closing mark included), at most `n`
/// characters on.
fn sentence_end(text: &str, byte: usize, n: usize) -> usize {
    let mut end = byte;
    for (i, c) in text[byte..].char_indices().take(n) {
        end = byte + i + c.len_utf8();
        if ends_sentence(c) {
            break;
        }
    }
    end
}

/// Sorts and merges `pairs[from..]` by hash, summing values; returns the new end.
fn merge(pairs: &mut Vec<(u64, f32)>, from: usize) -> usize {
    pairs[from..].sort_unstable_by_key(|&(h, _)| h);
    let mut write = from;
    for read in from..pairs.len() {
        if write > from && pairs[write - 1].0 == pairs[read].0 {
            pairs[write - 1].1 += pairs[read].1;
        } else {
            pairs[write] = pairs[read];
            write += 1;
        }
    }
    pairs.truncate(write);
    write
}

const LENGTH_NAMES: [&str; 16] = [
    "0", "1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "1k", "2k", "4k", "8k", "16k",
];

/// Character unigrams and bigrams of the whole text, ASCII digits folded to `0` so "1名"
/// and "3名" agree. (Trigrams over the whole text lowered cross-validated precision: they
/// memorize news boilerplate.)
fn ngrams(text: &str, out: &mut FeatureBuffer) {
    let mut p1 = 0u32;
    for c in text.chars() {
        let c = fold_digit(c);
        out.push(G1.u32(c).finish(), 1.0);
        if p1 != 0 {
            out.push(G2.u32(p1).u32(c).finish(), 1.0);
        }
        p1 = c;
    }
}

/// Bigrams within [`CONTEXT_CHARS`] of a police term: what is said right around it.
fn police_context(text: &str, cues: &[Cue], roles: &LexiconRoles, out: &mut FeatureBuffer) {
    let mut covered_to = 0usize;
    for cue in cues
        .iter()
        .filter(|c| roles.role(c.lexicon) == Role::Police)
    {
        let from = back_chars(text, cue.start, CONTEXT_CHARS).max(covered_to);
        let to = forward_chars(text, cue.end, CONTEXT_CHARS);
        if from >= to {
            continue;
        }
        let mut p1 = 0u32;
        for c in text[from..to].chars() {
            let c = fold_digit(c);
            if p1 != 0 {
                out.push(W2.u32(p1).u32(c).finish(), 1.0);
            }
            p1 = c;
        }
        covered_to = to;
    }
}

fn structure(text: &str, cues: &[Cue], roles: &LexiconRoles, out: &mut FeatureBuffer) {
    let mut officialese = 0u32;
    let mut police_terms = 0u32;
    for cue in cues {
        let name = roles.name(cue.lexicon);
        out.structure("lexicon", name, "", 1.0);
        match roles.role(cue.lexicon) {
            Role::Officialese => officialese += 1,
            Role::Police => police_terms += 1,
            _ => {}
        }
    }
    if police_terms == 0 {
        out.structure("no_police", "", "", 1.0);
    }
    let official = match officialese {
        0 => "none",
        1..=2 => "some",
        3..=6 => "much",
        _ => "report",
    };
    out.structure("officialese", official, "", 1.0);

    for police in cues
        .iter()
        .filter(|c| roles.role(c.lexicon) == Role::Police)
    {
        let police_name = roles.name(police.lexicon);
        if numeral_before(text, police.start, cues, roles) {
            out.structure("numeral_police", police_name, "", 1.0);
        }
        for act in cues.iter().filter(|c| roles.role(c.lexicon) == Role::Act) {
            let act_name = roles.name(act.lexicon);
            let (first_end, second_start) = if police.end <= act.start {
                (police.end, act.start)
            } else if act.end <= police.start {
                (act.end, police.start)
            } else {
                continue;
            };
            let gap = &text[first_end..second_start];
            if gap.chars().count() > PAIR_GAP || gap.contains(['。', '!', '?', ';']) {
                continue;
            }
            let passive_between = cues.iter().any(|c| {
                roles.role(c.lexicon) == Role::Passive
                    && c.start >= first_end
                    && c.end <= second_start
            });
            let kind = match (police.end <= act.start, passive_between) {
                // 民警殴打 / 被民警殴打: the police act.
                (true, false) => {
                    if passive_right_before(text, police.start, cues, roles) {
                        "police_acts_on_victim"
                    } else {
                        "police_acts"
                    }
                }
                // 民警被殴打: the police suffer.
                (true, true) => "police_suffers",
                // 殴打民警 / 砍伤1名民警: the police are the object.
                (false, false) => "act_on_police",
                (false, true) => "act_then_passive_police",
            };
            out.structure(kind, act_name, "", 1.0);
            out.structure("pair", act_name, "", 1.0);
            if negated(text, act.start, cues, roles) {
                out.structure("negated", act_name, "", 1.0);
            }
            let victim_near = cues.iter().any(|c| {
                roles.role(c.lexicon) == Role::Victim && c.start.abs_diff(act.start) <= 3 * PAIR_GAP
            });
            if victim_near {
                out.structure("victim", kind, act_name, 1.0);
            }
            out.structure("pair_framing", act_name, official, 1.0);
        }
        for other in cues
            .iter()
            .filter(|c| roles.role(c.lexicon) == Role::Elsewhere)
        {
            if other.start.abs_diff(police.start) <= 6 * PAIR_GAP {
                out.structure("elsewhere_police", "", "", 1.0);
            }
        }
    }
}

/// Whether a numeral and a measure word sit right before the police term (两名民警, 1名交警).
fn numeral_before(text: &str, start: usize, cues: &[Cue], roles: &LexiconRoles) -> bool {
    let before = &text[back_chars(text, start, 3)..start];
    before.contains(['名', '位', '个'])
        && cues
            .iter()
            .any(|c| roles.role(c.lexicon) == Role::Numeral && c.end <= start && c.end + 6 >= start)
}

/// Whether a passive marker ends within two characters before `start` (被民警…).
fn passive_right_before(text: &str, start: usize, cues: &[Cue], roles: &LexiconRoles) -> bool {
    let from = back_chars(text, start, 2);
    cues.iter()
        .any(|c| roles.role(c.lexicon) == Role::Passive && c.end <= start && c.end >= from)
}

/// Whether a negation ends within [`NEGATION_GAP`] characters before the act.
fn negated(text: &str, act_start: usize, cues: &[Cue], roles: &LexiconRoles) -> bool {
    let from = back_chars(text, act_start, NEGATION_GAP);
    cues.iter()
        .any(|c| roles.role(c.lexicon) == Role::Negation && c.end <= act_start && c.end >= from)
}

/// The byte offset `n` characters before `byte` (or 0).
fn back_chars(text: &str, byte: usize, n: usize) -> usize {
    text[..byte]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

/// The byte offset `n` characters after `byte` (or the end).
fn forward_chars(text: &str, byte: usize, n: usize) -> usize {
    text[byte..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| byte + i)
}

fn fold_digit(c: char) -> u32 {
    if c.is_ascii_digit() {
        '0' as u32
    } else {
        c as u32
    }
}

/// Seeds of the n-gram kinds, hashed once at compile time (the hot loop only mixes in
/// the characters).
const G1: Hasher = Hasher::new("g1");
const G2: Hasher = Hasher::new("g2");
const W2: Hasher = Hasher::new("w2");
const S1: Hasher = Hasher::new("s1");
const S2: Hasher = Hasher::new("s2");

/// FNV-1a over a kind and its parts, finished with a mixer so low bits are uniform.
#[derive(Clone, Copy)]
pub(crate) struct Hasher(u64);

impl Hasher {
    pub(crate) const fn new(kind: &str) -> Hasher {
        let bytes = kind.as_bytes();
        let mut h = Hasher(0xcbf2_9ce4_8422_2325);
        let mut i = 0;
        while i < bytes.len() {
            h = h.byte(bytes[i]);
            i += 1;
        }
        h.byte(0xff)
    }

    const fn byte(self, b: u8) -> Hasher {
        Hasher((self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3))
    }

    pub(crate) fn str(self, s: &str) -> Hasher {
        let mut h = self;
        for &b in s.as_bytes() {
            h = h.byte(b);
        }
        h.byte(0xff)
    }

    /// Mixes in a whole character at once (the finish mixer spreads it).
    fn u32(self, v: u32) -> Hasher {
        Hasher(
            (self.0 ^ u64::from(v))
                .wrapping_mul(0x0100_0000_01b3)
                .rotate_left(17),
        )
    }

    pub(crate) fn finish(self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Fills `out` with the given hashes at value 1, for tests of the model and training.
#[cfg(test)]
pub(crate) fn fill_for_test(out: &mut FeatureBuffer, hashes: &[u64]) {
    out.clear();
    for &h in hashes {
        out.push(h, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles() -> LexiconRoles {
        LexiconRoles::new(&["numeral", "passive", "police", "violence"].map(String::from))
    }

    fn cues_of(text: &str, terms: &[(usize, &str)]) -> Vec<Cue> {
        let mut cues = Vec::new();
        for &(lexicon, term) in terms {
            for (start, _) in text.match_indices(term) {
                cues.push(Cue {
                    lexicon,
                    start,
                    end: start + term.len(),
                });
            }
        }
        cues.sort_by_key(|c| c.end);
        cues
    }

    /// Extracts `text`'s features into `out`, its cues found from `terms`, no rules fired.
    fn extract_into(text: &str, terms: &[(usize, &str)], out: &mut FeatureBuffer) {
        extract(
            text,
            &cues_of(text, terms),
            &roles(),
            std::iter::empty(),
            out,
        );
    }

    fn names(text: &str, terms: &[(usize, &str)]) -> Vec<String> {
        let mut out = FeatureBuffer::naming();
        extract_into(text, terms, &mut out);
        let mut names: Vec<String> = out
            .pairs()
            .iter()
            .filter_map(|(h, _)| out.name_of(*h).map(str::to_owned))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn who_does_what_to_whom() {
        let lex = [(2, "民警"), (3, "殴打"), (3, "砍伤"), (1, "被"), (0, "1")];
        assert!(names("民警殴打老人", &lex).contains(&"police_acts:violence".to_owned()));
        assert!(names("男子砍伤1名民警", &lex).contains(&"act_on_police:violence".to_owned()));
        assert!(names("男子砍伤1名民警", &lex).contains(&"numeral_police:police".to_owned()));
        assert!(names("民警被男子殴打", &lex).contains(&"police_suffers:violence".to_owned()));
        assert!(
            names("老人被民警殴打", &lex).contains(&"police_acts_on_victim:violence".to_owned())
        );
        assert!(names("今天天气好", &lex).contains(&"no_police".to_owned()));
    }

    #[test]
    fn one_instance_per_sentence_that_names_the_police() {
        let lex = [(2, "民警"), (3, "殴打")];
        let mut out = FeatureBuffer::new();
        extract_into("民警殴打老人", &lex, &mut out);
        assert!(out.bag().ends.is_empty(), "no instances unless asked for");
        out.set_instances(true);
        let text = "今天天气很好，公园里人很多。民警殴打老人，民警还骂人。大家都很开心。";
        extract_into(text, &lex, &mut out);
        // Both police terms share one sentence: one instance, holding only that sentence.
        assert_eq!(out.bag().ends.len(), 1);
        let inside = |bag: &Bag, c: char| {
            bag.instances
                .iter()
                .any(|&(h, _)| h == S1.u32(c as u32).finish())
        };
        assert!(inside(out.bag(), '殴'));
        assert!(!inside(out.bag(), '园'), "the neutral sentence stays out");
        let text = "民警到场。天气很好，大家都很开心。后来民警殴打老人。";
        extract_into(text, &lex, &mut out);
        assert_eq!(out.bag().ends.len(), 2);
        let norms: Vec<f32> = out
            .bag()
            .instances()
            .map(|i| i.iter().map(|p| p.1 * p.1).sum())
            .collect();
        for norm in norms {
            assert!(
                (norm - INSTANCE_SCALE * INSTANCE_SCALE).abs() < 1e-4,
                "{norm}"
            );
        }
        let text = "今天天气很好";
        extract_into(text, &lex, &mut out);
        assert!(out.bag().ends.is_empty());
    }

    #[test]
    fn extraction_reuses_the_buffer_and_merges_duplicates() {
        let lex = [(2, "民警"), (3, "殴打")];
        let text = "民警殴打民警殴打";
        let cues = cues_of(text, &lex);
        let mut out = FeatureBuffer::new();
        extract(text, &cues, &roles(), std::iter::empty(), &mut out);
        let first = out.pairs().to_vec();
        let first_bag = out.bag().clone();
        let capacity = out.bag.global.capacity();
        extract(text, &cues, &roles(), std::iter::empty(), &mut out);
        assert_eq!(out.pairs(), &first[..]);
        assert_eq!(out.bag.global.capacity(), capacity);
        assert_eq!(out.bag(), &first_bag);
        let ngrams = &out.pairs()[..out.ngram_end];
        assert!(ngrams.windows(2).all(|w| w[0].0 < w[1].0));
        let norm: f32 = ngrams.iter().map(|p| p.1 * p.1).sum();
        assert!((norm - NGRAM_SCALE * NGRAM_SCALE).abs() < 1e-4, "{norm}");
    }
}
