//! Cluster + velocity: matched posts → events, with sliding-window figures in event time.
//!
//! - [`simhash`]: near-duplicate detection for Chinese text.
//! - [`story`]: the trigrams an event's posts tell, for posts in other words.
//! - [`places`]: the gazetteer (`rules/places.toml`) and general place-name patterns;
//!   [`identity`]: a post's places, actors and acts; [`local`]: the hot-reloaded bureau files;
//!   [`officials`]: official police accounts (never risk; their statements are responses).
//! - [`window`]: per-minute activity and window sums.
//! - [`audience`]: distinct authors and their reach over the same windows.
//! - [`event`]: one event's state and its [`Figures`].
//! - [`chained`]: the posts whose reposts join an event, shared with the match workers.
//! - [`fast_map`]: the grading thread's maps by id (a cheaper hasher than SipHash).
//! - [`order`]: input order restored before the tracker (frame numbers from the queue).
//! - [`tracker`]: clustering, the event clock, expiry and the caps.
//! - [`dormant`]: quiet stories remembered a while, reopened when they resurface.
//! - [`checkpoint`]: the tracker's state as data, saved to the store and restored at start.

pub mod audience;
pub mod chained;
pub mod checkpoint;
pub mod dormant;
pub mod event;
pub mod fast_map;
pub mod identity;
pub mod local;
pub mod officials;
pub mod order;
pub mod places;
pub mod simhash;
pub mod story;
pub mod tracker;
pub mod window;

pub use crate::models::{Figures, Fingerprint, PostSummary, WindowFigures};
pub use chained::ChainedPosts;
pub use event::{minute_of, Event, WINDOWS};
pub use tracker::{Closed, Tracker, TrackerConfig};
