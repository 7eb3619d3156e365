//! Cluster + velocity: matched posts → events, with sliding-window figures in event time.
//!
//! - [`simhash`]: near-duplicate detection for Chinese text.
//! - [`window`]: per-minute activity and window sums.
//! - [`event`]: one event's state and its [`Figures`].
//! - [`tracker`]: clustering, the event clock, expiry and the caps.

pub mod event;
pub mod simhash;
pub mod tracker;
pub mod window;

pub use event::{minute_of, Event, Figures, PostSummary, WindowFigures, WINDOWS};
pub use tracker::{ChainedPosts, Closed, Tracker, TrackerConfig};
