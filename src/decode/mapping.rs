//! One platform's mapping: JSON pointers from its objects onto [`Post`].

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

use super::Reject;
use crate::config::MappingConfig;
use crate::post::{Author, Counts, Post};

/// Beijing time: what feeds that omit the zone mean.
const BEIJING_OFFSET_SECS: i32 = 8 * 3600;

#[derive(Debug, Clone)]
pub struct Mapping {
    pub name: String,
    config: MappingConfig,
}

impl Mapping {
    pub fn new(name: String, config: MappingConfig) -> Mapping {
        Mapping { name, config }
    }

    /// Whether this mapping applies to `object` in a mixed feed.
    pub fn detects(&self, object: &Value) -> bool {
        object
            .pointer(&self.config.detect)
            .is_some_and(|v| !v.is_null())
    }

    /// Builds the post; `received_at` stands in for a missing publish time.
    pub fn apply(&self, object: &Value, received_at: DateTime<Utc>) -> Result<Post, Reject> {
        let c = &self.config;
        let platform = if c.platform.starts_with('/') {
            string(object, Some(&c.platform), "platform")?
                .ok_or(Reject::MissingField("platform"))?
        } else {
            c.platform.clone()
        };
        let id = string(object, Some(&c.id), "id")?.ok_or(Reject::MissingField("id"))?;
        let title = string(object, c.title.as_ref(), "title")?;
        let body = string(object, c.body.as_ref(), "body")?;
        if title.is_none() && body.is_none() {
            return Err(Reject::MissingField("body"));
        }
        let published_at = match c.published_at.as_ref().and_then(|p| object.pointer(p)) {
            None | Some(Value::Null) => received_at,
            Some(value) => timestamp(value).ok_or(Reject::WrongType("published_at"))?,
        };
        Ok(Post {
            platform,
            id,
            url: string(object, c.url.as_ref(), "url")?,
            author: Author {
                id: string(object, c.author_id.as_ref(), "author_id")?,
                name: string(object, c.author_name.as_ref(), "author_name")?,
                followers: count(object, c.author_followers.as_ref(), "author_followers")?,
                verified: flag(object, c.author_verified.as_ref(), "author_verified")?,
            },
            title,
            body: body.unwrap_or_default(),
            published_at,
            counts: Counts {
                reposts: count(object, c.reposts.as_ref(), "reposts")?,
                comments: count(object, c.comments.as_ref(), "comments")?,
                likes: count(object, c.likes.as_ref(), "likes")?,
                views: count(object, c.views.as_ref(), "views")?,
            },
            repost_of: string(object, c.repost_of.as_ref(), "repost_of")?,
            root_id: string(object, c.root_id.as_ref(), "root_id")?,
            region: string(object, c.region.as_ref(), "region")?,
        })
    }

    /// The publish time alone, for pacing a replay; `None` when absent or unreadable.
    pub fn published_at(&self, object: &Value) -> Option<DateTime<Utc>> {
        timestamp(object.pointer(self.config.published_at.as_ref()?)?)
    }
}

/// A string field; ids that platforms send as numbers become their decimal text.
fn string(
    object: &Value,
    pointer: Option<&String>,
    field: &'static str,
) -> Result<Option<String>, Reject> {
    match pointer.and_then(|p| object.pointer(p)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(Reject::WrongType(field)),
    }
}

/// A non-negative count; numeric strings are accepted, as some platforms send them.
fn count(object: &Value, pointer: Option<&String>, field: &'static str) -> Result<u64, Reject> {
    match pointer.and_then(|p| object.pointer(p)) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| *f >= 0.0 && f.is_finite())
                    .map(|f| f as u64)
            })
            .ok_or(Reject::WrongType(field)),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| Reject::WrongType(field)),
        Some(_) => Err(Reject::WrongType(field)),
    }
}

/// A yes/no field: booleans, or a non-empty verification label such as Douyin's.
fn flag(object: &Value, pointer: Option<&String>, field: &'static str) -> Result<bool, Reject> {
    match pointer.and_then(|p| object.pointer(p)) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) => Ok(!s.is_empty() && s != "false" && s != "0"),
        Some(Value::Number(n)) => Ok(n.as_f64().is_some_and(|f| f != 0.0)),
        Some(_) => Err(Reject::WrongType(field)),
    }
}

/// Unix seconds or milliseconds, RFC 3339, `YYYY-MM-DD HH:MM:SS` in Beijing time, or
/// Weibo's `Sat Nov 28 10:00:00 +0800 2026`.
fn timestamp(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Number(n) => {
            let n = n.as_i64()?;
            // Milliseconds since 1970 pass 10^12 in 2001; seconds will not until year 33658.
            let millis = if n.abs() >= 1_000_000_000_000 {
                n
            } else {
                n.checked_mul(1000)?
            };
            DateTime::from_timestamp_millis(millis)
        }
        Value::String(s) => {
            let s = s.trim();
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                return Some(t.with_timezone(&Utc));
            }
            if let Ok(t) = DateTime::parse_from_str(s, "%a %b %d %H:%M:%S %z %Y") {
                return Some(t.with_timezone(&Utc));
            }
            let beijing = FixedOffset::east_opt(BEIJING_OFFSET_SECS)?;
            let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
                .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
                .ok()?;
            Some(
                beijing
                    .from_local_datetime(&naive)
                    .single()?
                    .with_timezone(&Utc),
            )
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_in_every_supported_shape_agree() {
        let expected = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap();
        for value in [
            json!(expected.timestamp()),
            json!(expected.timestamp_millis()),
            json!("2026-11-28T02:00:00Z"),
            json!("2026-11-28 10:00:00"),
            json!("Sat Nov 28 10:00:00 +0800 2026"),
        ] {
            assert_eq!(
                timestamp(&value),
                Some(expected.with_timezone(&Utc)),
                "{value}"
            );
        }
        assert_eq!(timestamp(&json!("yesterday")), None);
    }
}
