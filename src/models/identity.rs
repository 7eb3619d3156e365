//! Who, where and what a post tells, as the matcher found it for the tracker.

use super::place::Mention;

/// What one post tells: the places it names, the kinds of actors, the kinds of acts
/// (computed by `events::identity`). The match workers compute it in parallel for each
/// matched post, so that the single in-order tracker only compares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Places named, gazetteer places first.
    pub places: Vec<Mention>,
    /// Bits of the actor groups (`events::identity`).
    pub actors: u32,
    /// Bits of the act groups (`events::identity`).
    pub acts: u32,
    /// It tells another occurrence of its kind (又有, 又一起, 第二起): a new story, never a
    /// resolved one resurfacing (`events::tracker`).
    pub another: bool,
    /// The id of the gazetteer that found the places: what the tracker checks before it
    /// trusts them (a reload in between makes it look again).
    pub gazetteer: u64,
}
