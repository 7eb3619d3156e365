//! An event's figures at one moment, and the posts an alert shows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::match_record::MatchRecord;

/// A post as an alert shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostSummary {
    pub platform: String,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub author: Option<String>,
    pub followers: u64,
    pub verified: bool,
    pub published_at: DateTime<Utc>,
    /// The first 140 characters of title + body, as written.
    pub excerpt: String,
    pub interactions: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl PostSummary {
    pub fn of(record: &MatchRecord) -> PostSummary {
        let post = &record.post;
        PostSummary {
            platform: post.platform.clone(),
            id: post.id.clone(),
            url: post.url.clone(),
            author: post.author.name.clone(),
            followers: post.author.followers,
            verified: post.author.verified,
            published_at: post.published_at,
            excerpt: post.text().chars().take(140).collect(),
            interactions: post.counts.reposts + post.counts.comments + post.counts.likes,
            region: post.region.clone(),
        }
    }

    /// What ranks a post among an event's top posts: how many people it reached.
    pub fn weight(&self) -> u64 {
        self.followers + self.interactions
    }
}

/// Figures over one window ending at the event clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowFigures {
    pub minutes: i64,
    pub posts: u64,
    pub posts_per_min: f64,
    pub interactions: u64,
    pub interactions_per_min: f64,
    pub authors: usize,
    /// Sum of followers of the distinct authors.
    pub reach: u64,
    pub platforms: usize,
    /// Posts in this window over posts in the window before it (the previous one counted as
    /// at least one post, so a burst from nothing reads as its size).
    pub acceleration: f64,
}

/// Everything grading looks at, at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// The event clock (minute) the windows end at.
    pub at: DateTime<Utc>,
    pub total_posts: u64,
    pub windows: Vec<WindowFigures>,
    /// Followers of the biggest author so far.
    pub max_followers: u64,
    /// Followers of the biggest verified author so far.
    pub max_verified_followers: u64,
    pub platforms_total: usize,
}

impl Figures {
    pub fn window(&self, minutes: i64) -> Option<&WindowFigures> {
        self.windows.iter().find(|w| w.minutes == minutes)
    }
}
