//! One platform's mapping: the slots its JSON pointers were compiled into, onto [`Post`].

use chrono::{DateTime, Utc};

use super::config::MappingConfig;
use super::paths::{Captures, Field, PathTree, Slot};
use super::timestamp::timestamp;
use super::Reject;
use crate::models::{Author, Counts, Post};

/// Each field is the slot of its configured pointer, or [`super::paths::NEVER`] when the
/// mapping has none: an absent value, exactly as a missing pointer was.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub name: String,
    platform: Platform,
    detect: Slot,
    id: Slot,
    url: Slot,
    author_id: Slot,
    author_name: Slot,
    author_followers: Slot,
    author_verified: Slot,
    title: Slot,
    body: Slot,
    published_at: Slot,
    reposts: Slot,
    comments: Slot,
    likes: Slot,
    views: Slot,
    repost_of: Slot,
    root_id: Slot,
    region: Slot,
}

/// Where a post's platform name comes from.
#[derive(Debug, Clone)]
enum Platform {
    /// Every post of this mapping is of this platform.
    Named(String),
    /// The feed names it (the canonical mapping's `/platform`).
    Field(Slot),
}

impl Mapping {
    /// The mapping of `config`, its pointers looked up in `paths` (which compiled them all).
    pub fn new(name: String, config: &MappingConfig, paths: &PathTree) -> Mapping {
        let slot = |pointer: &Option<String>| {
            pointer
                .as_deref()
                .map_or(super::paths::NEVER, |p| paths.slot(p))
        };
        Mapping {
            name,
            platform: if config.platform.starts_with('/') {
                Platform::Field(paths.slot(&config.platform))
            } else {
                Platform::Named(config.platform.clone())
            },
            detect: paths.slot(&config.detect),
            id: paths.slot(&config.id),
            url: slot(&config.url),
            author_id: slot(&config.author_id),
            author_name: slot(&config.author_name),
            author_followers: slot(&config.author_followers),
            author_verified: slot(&config.author_verified),
            title: slot(&config.title),
            body: slot(&config.body),
            published_at: slot(&config.published_at),
            reposts: slot(&config.reposts),
            comments: slot(&config.comments),
            likes: slot(&config.likes),
            views: slot(&config.views),
            repost_of: slot(&config.repost_of),
            root_id: slot(&config.root_id),
            region: slot(&config.region),
        }
    }

    /// Every pointer a mapping may hold, for compiling them all into one [`PathTree`].
    pub fn pointers(config: &MappingConfig) -> impl Iterator<Item = &str> {
        let platform = Some(&config.platform).filter(|p| p.starts_with('/'));
        platform
            .into_iter()
            .chain(config.pointers())
            .map(String::as_str)
    }

    /// Whether this mapping applies to a post in a mixed feed: its `detect` pointer resolves
    /// to something other than null.
    pub fn detects(&self, fields: &Captures) -> bool {
        fields[self.detect].is_present()
    }

    /// Builds the post; `received_at` stands in for a missing publish time.
    pub fn apply(&self, fields: &Captures, received_at: DateTime<Utc>) -> Result<Post, Reject> {
        let platform = match &self.platform {
            Platform::Field(slot) => {
                string(&fields[*slot], "platform")?.ok_or(Reject::MissingField("platform"))?
            }
            Platform::Named(name) => name.clone(),
        };
        // Blank is missing: an empty platform or id cannot be told apart from another
        // post's, and an empty text can match nothing.
        if platform.trim().is_empty() {
            return Err(Reject::MissingField("platform"));
        }
        let id = string(&fields[self.id], "id")?
            .filter(|id| !id.trim().is_empty())
            .ok_or(Reject::MissingField("id"))?;
        let title = string(&fields[self.title], "title")?;
        let body = string(&fields[self.body], "body")?;
        let blank = |text: &Option<String>| text.as_deref().is_none_or(|t| t.trim().is_empty());
        if blank(&title) && blank(&body) {
            return Err(Reject::MissingField("body"));
        }
        let published_at = match &fields[self.published_at] {
            Field::Absent | Field::Null => received_at,
            field => timestamp(field).ok_or(Reject::WrongType("published_at"))?,
        };
        Ok(Post {
            platform,
            id,
            url: string(&fields[self.url], "url")?,
            author: Author {
                id: string(&fields[self.author_id], "author_id")?,
                name: string(&fields[self.author_name], "author_name")?,
                followers: count(&fields[self.author_followers], "author_followers")?,
                verified: flag(&fields[self.author_verified], "author_verified")?,
            },
            title,
            body: body.unwrap_or_default(),
            published_at,
            counts: Counts {
                reposts: count(&fields[self.reposts], "reposts")?,
                comments: count(&fields[self.comments], "comments")?,
                likes: count(&fields[self.likes], "likes")?,
                views: count(&fields[self.views], "views")?,
            },
            repost_of: string(&fields[self.repost_of], "repost_of")?,
            root_id: string(&fields[self.root_id], "root_id")?,
            region: string(&fields[self.region], "region")?,
        })
    }

    /// The publish time alone, for pacing a replay; `None` when absent or unreadable.
    pub fn published_at(&self, fields: &Captures) -> Option<DateTime<Utc>> {
        timestamp(&fields[self.published_at])
    }
}

/// A string field; ids that platforms send as numbers become their decimal text, exactly as
/// serde_json prints the number.
fn string(field: &Field, name: &'static str) -> Result<Option<String>, Reject> {
    match field {
        Field::Absent | Field::Null => Ok(None),
        Field::Str(s) => Ok(Some(s.to_string())),
        Field::U64(n) => Ok(Some(n.to_string())),
        Field::I64(n) => Ok(Some(n.to_string())),
        Field::F64(f) => serde_json::Number::from_f64(*f)
            .map(|n| Some(n.to_string()))
            .ok_or(Reject::WrongType(name)),
        Field::Bool(_) | Field::Container => Err(Reject::WrongType(name)),
    }
}

/// The largest count a post may carry (ten trillion: more than any platform's views).
/// Beyond it a count is a broken or hostile feed: `1.5e300` used to saturate to `u64::MAX`
/// and wrap sums downstream.
pub const MAX_COUNT: u64 = 10_000_000_000_000;

/// A non-negative count up to [`MAX_COUNT`]; numeric strings are accepted, as some
/// platforms send them. Floats are truncated.
fn count(field: &Field, name: &'static str) -> Result<u64, Reject> {
    let n = match field {
        Field::Absent | Field::Null => 0,
        Field::U64(n) => *n,
        Field::F64(f) if *f >= 0.0 && f.is_finite() => {
            if *f > MAX_COUNT as f64 {
                return Err(Reject::OutOfRange(name));
            }
            *f as u64
        }
        Field::Str(s) => s.trim().parse().map_err(|_| Reject::WrongType(name))?,
        Field::I64(_) | Field::F64(_) | Field::Bool(_) | Field::Container => {
            return Err(Reject::WrongType(name))
        }
    };
    if n > MAX_COUNT {
        return Err(Reject::OutOfRange(name));
    }
    Ok(n)
}

/// A yes/no field: booleans, or a non-empty verification label such as Douyin's.
fn flag(field: &Field, name: &'static str) -> Result<bool, Reject> {
    match field {
        Field::Absent | Field::Null => Ok(false),
        Field::Bool(b) => Ok(*b),
        Field::Str(s) => Ok(!s.is_empty() && s != "false" && s != "0"),
        Field::U64(n) => Ok(*n != 0),
        Field::I64(n) => Ok(*n != 0),
        Field::F64(f) => Ok(*f != 0.0),
        Field::Container => Err(Reject::WrongType(name)),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    /// The rules as they were written over serde_json's `Value`, for comparison.
    fn old_string(value: &serde_json::Value) -> Result<Option<String>, ()> {
        match value {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::String(s) => Ok(Some(s.clone())),
            serde_json::Value::Number(n) => Ok(Some(n.to_string())),
            _ => Err(()),
        }
    }

    /// As written over `Value`, now bounded by [`MAX_COUNT`].
    fn old_count(value: &serde_json::Value) -> Result<u64, ()> {
        old_unbounded_count(value).and_then(|n| if n > MAX_COUNT { Err(()) } else { Ok(n) })
    }

    fn old_unbounded_count(value: &serde_json::Value) -> Result<u64, ()> {
        match value {
            serde_json::Value::Null => Ok(0),
            serde_json::Value::Number(n) => n
                .as_u64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| *f >= 0.0 && f.is_finite())
                        .map(|f| f as u64)
                })
                .ok_or(()),
            serde_json::Value::String(s) => s.trim().parse().map_err(|_| ()),
            _ => Err(()),
        }
    }

    fn old_flag(value: &serde_json::Value) -> Result<bool, ()> {
        match value {
            serde_json::Value::Null => Ok(false),
            serde_json::Value::Bool(b) => Ok(*b),
            serde_json::Value::String(s) => Ok(!s.is_empty() && s != "false" && s != "0"),
            serde_json::Value::Number(n) => Ok(n.as_f64().is_some_and(|f| f != 0.0)),
            _ => Err(()),
        }
    }

    #[test]
    fn field_rules_match_the_value_rules() {
        let values = r#"[null, true, false, 0, 7, -3, -0, 1.5, -2.5, 1e3, 0.1, 1e-7, 12345678901234567890,
            -9223372036854775808, 18446744073709551616, 3.0, "", "0", "false", "yes", " 42 ",
            "4.2", "-1", "\u8b66", {}, [], [1], {"a":1}]"#;
        let tree = PathTree::new(["/v"]);
        let slot = tree.slot("/v");
        let values: Vec<serde_json::Value> = serde_json::from_str(values).unwrap();
        for value in values {
            let json = format!(r#"{{"v":{value}}}"#);
            let mut fields = tree.captures();
            tree.capture(&json, &mut fields).unwrap();
            let field = &fields[slot];
            let no_reason = |_| ();
            let string = string(field, "f").map_err(no_reason);
            assert_eq!(string, old_string(&value), "{json}");
            let count = count(field, "f").map_err(no_reason);
            assert_eq!(count, old_count(&value), "{json}");
            let flag = flag(field, "f").map_err(no_reason);
            assert_eq!(flag, old_flag(&value), "{json}");
        }
        assert_eq!(string(&Field::Absent, "f"), Ok(None));
        assert_eq!(
            count(&Field::Str(Cow::Borrowed("x")), "f"),
            Err(Reject::WrongType("f"))
        );
    }

    /// Regression: `1.5e300` saturated to `u64::MAX` and a sum of counts wrapped.
    #[test]
    fn absurd_counts_are_out_of_range() {
        for field in [
            Field::F64(1.5e300),
            Field::U64(u64::MAX),
            Field::Str(Cow::Borrowed("18446744073709551615")),
            Field::U64(MAX_COUNT + 1),
        ] {
            assert_eq!(
                count(&field, "likes"),
                Err(Reject::OutOfRange("likes")),
                "{field:?}"
            );
        }
        assert_eq!(count(&Field::U64(MAX_COUNT), "likes"), Ok(MAX_COUNT));
    }
}
