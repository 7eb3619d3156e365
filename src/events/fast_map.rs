//! The hash maps of the single grading thread, keyed by event, post and rule ids.
//!
//! Every matched post costs that thread a few dozen lookups by id (its candidates, its
//! chain, its re-send check), and on two cores it competes with the match workers: std's
//! SipHash made those lookups a tenth of its time. foldhash is several times cheaper on
//! short keys and still seeded per process, so a feed cannot choose colliding ids in
//! advance. Nothing depends on these maps' order (what is saved or compared is sorted
//! first), so the hasher changes no decision.

pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
