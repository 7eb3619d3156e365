//! The canonical post: what every platform's JSON is decoded into.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One post, comment, video, article or answer, whatever platform it came from.
///
/// Feeds may send the same post again with updated counts; `(platform, id)` identifies it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Post {
    /// Platform name from the mapping that decoded it (`weibo`, `douyin`, ...).
    pub platform: String,
    /// The platform's own id of the post.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default)]
    pub author: Author,
    /// Headline of articles, questions and forum threads; absent on short posts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The original text, kept as sent for display; rules see a normalized copy.
    pub body: String,
    /// When the platform says the post was published; falls back to receive time.
    pub published_at: DateTime<Utc>,
    #[serde(default)]
    pub counts: Counts,
    /// The post this one reposts, if it is a repost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repost_of: Option<String>,
    /// The first post of the repost chain, when the platform tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_id: Option<String>,
    /// Region the platform attributes the post to (IP location label, province).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Author {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub followers: u64,
    #[serde(default)]
    pub verified: bool,
}

/// Interaction counts as last reported by the platform (cumulative, not deltas).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    #[serde(default)]
    pub reposts: u64,
    #[serde(default)]
    pub comments: u64,
    #[serde(default)]
    pub likes: u64,
    #[serde(default)]
    pub views: u64,
}

impl Post {
    /// The text rules are matched against (before normalization): title, then body.
    pub fn text(&self) -> String {
        self.text_parts().concat()
    }

    /// [`Post::text`] in pieces, for normalizing without joining them first.
    pub fn text_parts(&self) -> [&str; 3] {
        match &self.title {
            Some(title) if !title.is_empty() => [title, "\n", &self.body],
            _ => ["", "", &self.body],
        }
    }
}
