//! A compiled rule-set generation: one hyperscan database for every term and regex of every
//! rule, and the boolean logic evaluated over the match ids and offsets it reports.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use hyperscan::prelude::*;
use serde::Serialize;

use super::char_offsets::CharOffsets;
use crate::models::{MatchedRule, RuleRef, Severity, TermHit};
pub use crate::score::Cue;

/// A compiled rule: its identity, its logic in terms of pattern roles, its filters.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub domain: String,
    pub severity: Severity,
    pub tags: Vec<String>,
    /// The file the rule came from, for messages to its author.
    pub file: String,
    pub platforms: Vec<String>,
    pub min_followers: u64,
    /// Whether keywords, regexes or near clauses exist (one of them must then hit).
    pub(super) has_trigger: bool,
    pub(super) must_groups: usize,
    /// `within` of each near clause.
    pub(super) near_within: Vec<usize>,
    pub examples_match: Vec<String>,
    pub examples_no_match: Vec<String>,
}

impl Rule {
    pub fn reference(&self) -> RuleRef {
        RuleRef {
            id: self.id.clone(),
            name: self.name.clone(),
            domain: self.domain.clone(),
            severity: self.severity,
            tags: self.tags.clone(),
        }
    }

    /// This rule as a match shows it, with the terms that made it fire.
    pub fn matched(&self, terms: Vec<TermHit>) -> MatchedRule {
        MatchedRule {
            rule: self.reference(),
            terms,
        }
    }
}

/// What a pattern is for in one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Any,
    Must(usize),
    Exclude,
    NearA(usize),
    NearB(usize),
}

/// One expression of the database.
#[derive(Debug, Clone)]
pub(super) struct PatternEntry {
    /// The normalized term, or the regex as written.
    pub text: String,
    /// Byte length of a literal term; `None` for a regex, whose start the scan does not
    /// track (start-of-match tracking triples compile time and rejects larger regexes;
    /// [`RuleSet::locate_regex_starts`] finds starts when a person asks).
    pub literal_len: Option<usize>,
    /// Every (rule index, role) that uses this pattern.
    pub uses: Vec<(usize, Role)>,
    /// The lexicons (indexes into [`RuleSet::lexicon_names`]) that hold this term.
    pub lexicons: Vec<usize>,
}

/// The rules of one generation, ready to scan. `Send + Sync`: workers share it.
pub struct RuleSet {
    pub generation: u64,
    /// Distinguishes rule sets with the same generation number (scratch reallocation).
    instance: u64,
    pub(super) database: Option<BlockDatabase>,
    pub(super) rules: Vec<Rule>,
    pub(super) patterns: Vec<PatternEntry>,
    /// The pack's lexicons, in name order; a [`Cue`] names one by its index here.
    lexicon_names: Vec<String>,
}

/// A rule that fired on a text, and the terms that made it fire.
#[derive(Debug, Clone, Serialize)]
pub struct RuleMatch {
    #[serde(skip)]
    pub rule: usize,
    pub terms: Vec<TermHit>,
}

/// Why a rule some of whose terms hit did not fire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    Excluded(String),
    MissingGroup(usize),
    NoTrigger,
}

impl std::fmt::Display for Miss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Miss::Excluded(term) => write!(f, "excluded by {term:?}"),
            Miss::MissingGroup(group) => write!(f, "no term of must group {} hit", group + 1),
            Miss::NoTrigger => write!(f, "no keyword, regex or near clause hit"),
        }
    }
}

/// The evaluation of one rule on one text.
#[derive(Debug, Clone)]
pub enum RuleOutcome {
    Fired(RuleMatch),
    Missed(usize, Miss),
}

/// A worker's scanning state: its own hyperscan scratch and reusable buffers.
pub struct Scanner {
    scratch: Option<Scratch>,
    /// The rule set instance the scratch was last sized for.
    instance: u64,
    hits: Vec<(usize, usize, usize)>,
    /// The lexicon terms the last scan found, in order of their end.
    cues: Vec<Cue>,
}

/// One hit of a pattern in a rule's role, at byte offsets.
#[derive(Debug, Clone, Copy)]
struct RoleHit {
    role: Role,
    pattern: usize,
    /// Byte offset; for a regex (start unknown), equal to `end`.
    start: usize,
    end: usize,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("generation", &self.generation)
            .field("rules", &self.rules.len())
            .field("patterns", &self.patterns.len())
            .finish()
    }
}

impl RuleSet {
    /// Fills in the start of each regex hit of `matches` in `normalized`, compiling each
    /// regex alone with start-of-match tracking. For people asking why (the rules test
    /// API), not for the hot path. A regex too large to track keeps `None`.
    pub fn locate_regex_starts(&self, normalized: &str, terms: &mut [TermHit]) {
        use hyperscan::{BlockMode, Builder as _, PatternFlags};
        let offsets = CharOffsets::new(normalized);
        // One compile and one scan per distinct regex, however many times it hit: the
        // leftmost start of each match end.
        let mut located: BTreeMap<&str, BTreeMap<usize, usize>> = BTreeMap::new();
        let wanted: Vec<String> = terms
            .iter()
            .filter(|t| t.start.is_none())
            .map(|t| t.term.clone())
            .collect();
        for regex in &wanted {
            if located.contains_key(regex.as_str()) {
                continue;
            }
            let mut starts = BTreeMap::new();
            let database = Pattern::with_flags(
                regex.as_str(),
                PatternFlags::UTF8 | PatternFlags::SOM_LEFTMOST,
            )
            .ok()
            .and_then(|pattern| pattern.build::<BlockMode>().ok());
            if let Some(database) = database {
                if let Ok(scratch) = database.alloc_scratch() {
                    let _ = database.scan(normalized, &scratch, |_, from, to, _| {
                        starts
                            .entry(offsets.of(to as usize))
                            .or_insert_with(|| offsets.of(from as usize));
                        Matching::Continue
                    });
                }
            }
            located.insert(regex.as_str(), starts);
        }
        for term in terms.iter_mut().filter(|t| t.start.is_none()) {
            term.start = located
                .get(term.term.as_str())
                .and_then(|starts| starts.get(&term.end).copied());
        }
    }
}

static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

impl RuleSet {
    pub(super) fn new(
        generation: u64,
        database: Option<BlockDatabase>,
        rules: Vec<Rule>,
        patterns: Vec<PatternEntry>,
    ) -> RuleSet {
        let instance = NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed);
        RuleSet {
            generation,
            instance,
            database,
            rules,
            patterns,
            lexicon_names: Vec::new(),
        }
    }

    /// Generation 0: no rules, matches nothing.
    pub fn empty() -> RuleSet {
        RuleSet::new(0, None, Vec::new(), Vec::new())
    }

    pub(super) fn with_lexicons(mut self, lexicon_names: Vec<String>) -> RuleSet {
        self.lexicon_names = lexicon_names;
        self
    }

    /// The pack's lexicon names (without `@`), in name order.
    pub fn lexicon_names(&self) -> &[String] {
        &self.lexicon_names
    }

    /// The index of lexicon `name`, if the pack defines it.
    pub fn lexicon(&self, name: &str) -> Option<usize> {
        self.lexicon_names.iter().position(|n| n == name)
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn rule(&self, index: usize) -> &Rule {
        &self.rules[index]
    }

    /// Number of distinct expressions in the database.
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Rules that fire on `normalized`, ignoring the platform and follower filters.
    pub fn scan(&self, normalized: &str, scanner: &mut Scanner) -> Vec<RuleMatch> {
        self.evaluate(normalized, scanner)
            .into_iter()
            .filter_map(|verdict| match verdict {
                RuleOutcome::Fired(m) => Some(m),
                RuleOutcome::Missed(..) => None,
            })
            .collect()
    }

    /// Every rule that had at least one hit on `normalized`, fired or not, with why.
    pub fn evaluate(&self, normalized: &str, scanner: &mut Scanner) -> Vec<RuleOutcome> {
        let Some(database) = &self.database else {
            return Vec::new();
        };
        scanner.prepare(self, database);
        let Scanner {
            scratch,
            hits,
            cues,
            ..
        } = scanner;
        hits.clear();
        cues.clear();
        let scratch = scratch.as_ref().expect("prepared above");
        let scanned = database.scan(normalized, scratch, |id, from, to, _| {
            hits.push((id as usize, from as usize, to as usize));
            Matching::Continue
        });
        if let Err(e) = scanned {
            // Only scratch misuse or an internal error can land here; the post is not lost,
            // it just matches nothing, and the log says why.
            tracing::error!(error = %e, generation = self.generation, "hyperscan scan failed");
            return Vec::new();
        }
        if hits.is_empty() {
            return Vec::new();
        }
        for &(pattern, _, to) in hits.iter() {
            let entry = &self.patterns[pattern];
            if let Some(len) = entry.literal_len {
                for &lexicon in &entry.lexicons {
                    cues.push(Cue {
                        lexicon,
                        start: to - len,
                        end: to,
                    });
                }
            }
        }

        let mut by_rule: BTreeMap<usize, Vec<RoleHit>> = BTreeMap::new();
        for &(pattern, from, to) in hits.iter() {
            let entry = &self.patterns[pattern];
            let _ = from; // zero without start-of-match tracking
            let start = entry.literal_len.map_or(to, |len| to - len);
            for &(rule, role) in &entry.uses {
                by_rule.entry(rule).or_default().push(RoleHit {
                    role,
                    pattern,
                    start,
                    end: to,
                });
            }
        }
        let offsets = CharOffsets::new(normalized);
        by_rule
            .into_iter()
            .map(|(rule, role_hits)| self.verdict(rule, &role_hits, &offsets))
            .collect()
    }

    fn verdict(&self, index: usize, hits: &[RoleHit], offsets: &CharOffsets) -> RuleOutcome {
        let rule = &self.rules[index];
        if let Some(hit) = hits.iter().find(|h| h.role == Role::Exclude) {
            return RuleOutcome::Missed(
                index,
                Miss::Excluded(self.patterns[hit.pattern].text.clone()),
            );
        }
        for group in 0..rule.must_groups {
            if !hits.iter().any(|h| h.role == Role::Must(group)) {
                return RuleOutcome::Missed(index, Miss::MissingGroup(group));
            }
        }
        let triggered = !rule.has_trigger
            || hits.iter().any(|h| h.role == Role::Any)
            || rule
                .near_within
                .iter()
                .enumerate()
                .any(|(clause, &within)| near_hit(hits, clause, within, offsets));
        if !triggered {
            return RuleOutcome::Missed(index, Miss::NoTrigger);
        }

        let mut terms: Vec<TermHit> = hits
            .iter()
            .map(|hit| TermHit {
                term: self.patterns[hit.pattern].text.clone(),
                start: self.patterns[hit.pattern]
                    .literal_len
                    .map(|_| offsets.of(hit.start)),
                end: offsets.of(hit.end),
            })
            .collect();
        // Sorted, then duplicates dropped: linear in the hits after the sort (a pairwise
        // check was quadratic in a text repeating one term).
        terms.sort_by(|x, y| (x.start, x.end, &x.term).cmp(&(y.start, y.end, &y.term)));
        terms.dedup();
        RuleOutcome::Fired(RuleMatch { rule: index, terms })
    }
}

/// Whether a term of side A and one of side B of near clause `clause` lie within `within`
/// characters of each other (overlapping terms are within any distance).
///
/// With character spans `a` and `b`, the gap between them is at most `within` exactly when
/// `b.start <= a.end + within` and `b.end + within >= a.start`. The B spans sorted by start
/// with the running maximum of their ends answer that for each A span by one binary search,
/// instead of comparing every pair (quadratic in a text full of both sides' terms).
fn near_hit(hits: &[RoleHit], clause: usize, within: usize, offsets: &CharOffsets) -> bool {
    let span = |h: &RoleHit| (offsets.of(h.start), offsets.of(h.end));
    let mut b_spans: Vec<(usize, usize)> = hits
        .iter()
        .filter(|h| h.role == Role::NearB(clause))
        .map(span)
        .collect();
    if b_spans.is_empty() {
        return false;
    }
    b_spans.sort_unstable();
    let mut furthest_end = Vec::with_capacity(b_spans.len());
    let mut furthest = 0;
    for &(_, end) in &b_spans {
        furthest = furthest.max(end);
        furthest_end.push(furthest);
    }
    hits.iter()
        .filter(|h| h.role == Role::NearA(clause))
        .map(span)
        .any(|(a_start, a_end)| {
            let starting_in_reach =
                b_spans.partition_point(|&(b_start, _)| b_start <= a_end.saturating_add(within));
            starting_in_reach > 0
                && furthest_end[starting_in_reach - 1].saturating_add(within) >= a_start
        })
}

impl Scanner {
    pub fn new() -> Scanner {
        Scanner {
            scratch: None,
            instance: 0,
            hits: Vec::new(),
            cues: Vec::new(),
        }
    }

    /// The lexicon terms found by the last scan, ordered by where they end.
    pub fn cues(&self) -> &[Cue] {
        &self.cues
    }

    /// Sizes the scratch for `rules`' database; a no-op when it already is.
    fn prepare(&mut self, rules: &RuleSet, database: &BlockDatabase) {
        if self.instance == rules.instance && self.scratch.is_some() {
            return;
        }
        let prepared = match &mut self.scratch {
            Some(scratch) => database.realloc_scratch(scratch).map(|_| ()),
            None => database
                .alloc_scratch()
                .map(|scratch| self.scratch = Some(scratch)),
        };
        // Allocation fails only when out of memory; nothing sensible can continue then.
        prepared.expect("allocate hyperscan scratch");
        self.instance = rules.instance;
    }
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}
