//! A platform mapping's configuration: the JSON pointers (RFC 6901) that say where each
//! field of the canonical post is in that platform's JSON. It lives with the decoder that
//! compiles it; `config.rs` only assembles the mappings by name.

use serde::Deserialize;

/// How one platform's JSON maps onto [`crate::models::Post`]: JSON pointers (RFC 6901).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingConfig {
    /// The platform name posts decoded by this mapping carry.
    pub platform: String,
    /// In a mixed feed, this mapping applies to objects where this pointer exists.
    pub detect: String,
    pub id: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub author_id: Option<String>,
    #[serde(default)]
    pub author_name: Option<String>,
    #[serde(default)]
    pub author_followers: Option<String>,
    #[serde(default)]
    pub author_verified: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub published_at: Option<String>,
    #[serde(default)]
    pub reposts: Option<String>,
    #[serde(default)]
    pub comments: Option<String>,
    #[serde(default)]
    pub likes: Option<String>,
    #[serde(default)]
    pub views: Option<String>,
    #[serde(default)]
    pub repost_of: Option<String>,
    #[serde(default)]
    pub root_id: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

impl MappingConfig {
    /// Adds what is wrong with this mapping to `problems`, each prefixed with `at` (where
    /// the mapping sits in the configuration).
    pub fn validate(&self, at: &str, problems: &mut Vec<String>) {
        for pointer in self.pointers() {
            if !pointer.is_empty() && !pointer.starts_with('/') {
                problems.push(format!(
                    "{at}: {pointer:?} is not a JSON pointer (must start with /)"
                ));
            }
        }
        if self.title.is_none() && self.body.is_none() {
            problems.push(format!("{at}: needs a title or a body pointer"));
        }
    }

    /// Every JSON pointer of the mapping but a `/platform` one (the platform may be a name).
    pub(crate) fn pointers(&self) -> impl Iterator<Item = &String> {
        [&self.detect, &self.id].into_iter().chain(
            [
                &self.url,
                &self.author_id,
                &self.author_name,
                &self.author_followers,
                &self.author_verified,
                &self.title,
                &self.body,
                &self.published_at,
                &self.reposts,
                &self.comments,
                &self.likes,
                &self.views,
                &self.repost_of,
                &self.root_id,
                &self.region,
            ]
            .into_iter()
            .flatten(),
        )
    }
}
