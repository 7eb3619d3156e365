//! Official police accounts (`rules/accounts.toml`): whose posts never count as risk, and
//! whose statements record an incident's `responded` step.

use std::path::Path;

use serde::Deserialize;

use super::places::PlacesError;
use crate::models::Post;

/// `rules/accounts.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Officials {
    #[serde(default)]
    official: Vec<OfficialEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficialEntry {
    /// A platform name, or `*` for every platform.
    platform: String,
    /// Account ids (the post's `author.id`).
    #[serde(default)]
    ids: Vec<String>,
    /// Account names: exact, or with `*` at the start and/or end.
    #[serde(default)]
    names: Vec<String>,
    /// Names count only for verified accounts (ids always count).
    #[serde(default = "yes")]
    verified: bool,
}

fn yes() -> bool {
    true
}

/// Words that make an official post a statement on an incident.
const STATEMENT_WORDS: [&str; 6] = ["通报", "回应", "辟谣", "情况说明", "声明", "说明"];

impl Officials {
    pub fn load(path: &Path) -> Result<Officials, PlacesError> {
        let error = |message: String| PlacesError::File {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        toml::from_str(&text).map_err(|e| error(e.to_string()))
    }

    /// Whether the post's author is an official police account.
    pub fn is_official(&self, post: &Post) -> bool {
        self.official
            .iter()
            .filter(|e| e.platform == "*" || e.platform == post.platform)
            .any(|entry| {
                let by_id = post
                    .author
                    .id
                    .as_deref()
                    .is_some_and(|id| entry.ids.iter().any(|i| i == id));
                let by_name = (post.author.verified || !entry.verified)
                    && post
                        .author
                        .name
                        .as_deref()
                        .is_some_and(|name| entry.names.iter().any(|p| glob(p, name)));
                by_id || by_name
            })
    }

    /// Whether the post is an official account's statement (通报, 回应, 辟谣 …): it goes to
    /// the tracker though no rule fires on it, so that one about an open event records the
    /// event's response. The text is normalized only for official accounts' posts.
    pub fn is_statement(&self, post: &Post) -> bool {
        self.is_official(post)
            && Officials::statement_kind(&crate::normalize::normalize(&post.text())).is_some()
    }

    /// The statement word of an official post's text (normalized), if it is a statement.
    pub fn statement_kind(normalized: &str) -> Option<&'static str> {
        STATEMENT_WORDS.into_iter().find(|w| normalized.contains(w))
    }
}

/// `*` at either end matches anything there; otherwise the name must be equal.
fn glob(pattern: &str, name: &str) -> bool {
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        (Some(rest), _) if rest.ends_with('*') => {
            let middle = &rest[..rest.len() - 1];
            name.contains(middle)
        }
        (Some(suffix), _) => name.ends_with(suffix) && name.len() > suffix.len(),
        (None, Some(prefix)) => name.starts_with(prefix) && name.len() > prefix.len(),
        (None, None) => {
            // `a*b`: a prefix and a suffix.
            match pattern.split_once('*') {
                Some((a, b)) => name.starts_with(a) && name.ends_with(b),
                None => name == pattern,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(platform: &str, id: &str, name: &str, verified: bool) -> Post {
        Post {
            platform: platform.into(),
            id: "p".into(),
            url: None,
            author: crate::models::Author {
                id: Some(id.into()),
                name: Some(name.into()),
                followers: 0,
                verified,
            },
            title: None,
            body: String::new(),
            published_at: chrono::Utc::now(),
            counts: Default::default(),
            repost_of: None,
            root_id: None,
            region: None,
        }
    }

    #[test]
    fn verified_names_by_pattern_and_ids_per_platform() {
        let officials: Officials = toml::from_str(
            r#"
            [[official]]
            platform = "*"
            names = ["*公安", "平安*", "江州市公安局*分局"]
            [[official]]
            platform = "weibo"
            verified = false
            ids = ["42"]
            "#,
        )
        .unwrap();
        assert!(officials.is_official(&post("douyin", "1", "江州公安", true)));
        assert!(!officials.is_official(&post("douyin", "1", "江州公安", false)));
        assert!(!officials.is_official(&post("douyin", "1", "公安", true)));
        assert!(officials.is_official(&post("weibo", "1", "平安江州", true)));
        assert!(officials.is_official(&post("weibo", "1", "江州市公安局明湖分局", true)));
        assert!(officials.is_official(&post("weibo", "42", "某人", false)));
        assert!(!officials.is_official(&post("douyin", "42", "某人", false)));
        assert_eq!(Officials::statement_kind("【警情通报】…"), Some("通报"));
        assert_eq!(Officials::statement_kind("民警救助老人"), None);
    }
}
