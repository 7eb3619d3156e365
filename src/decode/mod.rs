//! Decode: raw frames (NDJSON lines or a JSON array) → canonical [`Post`]s.
//!
//! A frame is whatever a source read in one go. Each post in it is decoded on its own, so a
//! malformed one is rejected with a [`Reject`] while its neighbours go on.

mod mapping;
mod reject;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

pub use mapping::Mapping;
pub use reject::Reject;

use crate::config::MappingConfig;
use crate::post::Post;

/// All configured mappings, and which of them each source may use.
#[derive(Debug, Clone)]
pub struct Decoder {
    mappings: Vec<Mapping>,
    max_post_bytes: usize,
}

/// Indices into the decoder's mappings that a source tries, in order.
pub type MappingSelection = Vec<usize>;

impl Decoder {
    pub fn new(mappings: &BTreeMap<String, MappingConfig>, max_post_bytes: usize) -> Decoder {
        Decoder {
            mappings: mappings
                .iter()
                .map(|(name, config)| Mapping::new(name.clone(), config.clone()))
                .collect(),
            max_post_bytes,
        }
    }

    /// The mappings named (all of them when `names` is empty), as indices for
    /// [`Decoder::decode_frame`]. Unknown names are skipped: config validation reports them.
    pub fn select(&self, names: &[String]) -> MappingSelection {
        (0..self.mappings.len())
            .filter(|&i| names.is_empty() || names.contains(&self.mappings[i].name))
            .collect()
    }

    /// Decodes every post of a frame, calling `on_post` or `on_reject` for each.
    pub fn decode_frame(
        &self,
        bytes: &[u8],
        selection: &[usize],
        received_at: DateTime<Utc>,
        mut on_result: impl FnMut(Result<Post, Reject>),
    ) {
        let trimmed = bytes.trim_ascii_start();
        if trimmed.first() == Some(&b'[') {
            match self.parse(trimmed) {
                Ok(Value::Array(items)) => {
                    for item in &items {
                        on_result(self.map(item, selection, received_at));
                    }
                }
                Ok(_) => on_result(Err(Reject::NotAnObject)),
                Err(reject) => on_result(Err(reject)),
            }
            return;
        }
        for line in bytes.split(|&b| b == b'\n') {
            let line = line.trim_ascii();
            if line.is_empty() {
                continue;
            }
            on_result(self.decode_line(line, selection, received_at));
        }
    }

    /// Decodes one NDJSON line.
    pub fn decode_line(
        &self,
        line: &[u8],
        selection: &[usize],
        received_at: DateTime<Utc>,
    ) -> Result<Post, Reject> {
        if line.len() > self.max_post_bytes {
            return Err(Reject::TooLarge {
                bytes: line.len(),
                limit: self.max_post_bytes,
            });
        }
        let object = self.parse(line)?;
        self.map(&object, selection, received_at)
    }

    /// The mapping that applies to `object`, among `selection`.
    pub fn detect(&self, object: &Value, selection: &[usize]) -> Option<&Mapping> {
        selection
            .iter()
            .map(|&i| &self.mappings[i])
            .find(|m| m.detects(object))
    }

    fn parse(&self, bytes: &[u8]) -> Result<Value, Reject> {
        // simdutf8 validates Chinese text several times faster than std's check.
        let text = simdutf8::basic::from_utf8(bytes).map_err(|_| Reject::InvalidUtf8)?;
        serde_json::from_str(text).map_err(|e| Reject::InvalidJson(e.to_string()))
    }

    fn map(
        &self,
        object: &Value,
        selection: &[usize],
        received_at: DateTime<Utc>,
    ) -> Result<Post, Reject> {
        if !object.is_object() {
            return Err(Reject::NotAnObject);
        }
        let mapping = self.detect(object, selection).ok_or(Reject::NoMapping)?;
        mapping.apply(object, received_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn decoder() -> Decoder {
        Decoder::new(&Config::embedded().mappings, 4096)
    }

    fn decode_all(bytes: &[u8]) -> Vec<Result<Post, Reject>> {
        let decoder = decoder();
        let all = decoder.select(&[]);
        let mut out = Vec::new();
        decoder.decode_frame(bytes, &all, Utc::now(), |r| out.push(r));
        out
    }

    #[test]
    fn three_platform_shapes_map_onto_one_post() {
        let feed = concat!(
            r#"{"idstr":"1","created_at":"Sat Nov 28 10:00:00 +0800 2026","text":"微博","user":{"idstr":"u1","screen_name":"甲","followers_count":"1200","verified":true},"reposts_count":3,"retweeted_status":{"idstr":"0"}}"#,
            "\n",
            r#"{"aweme_id":"2","desc":"抖音","create_time":1795831200,"author":{"uid":"u2","nickname":"乙","follower_count":5,"custom_verify":""},"statistics":{"digg_count":7,"play_count":100}}"#,
            "\n",
            r#"{"answer_id":3,"question":{"id":9,"title":"知乎问题"},"content":"回答","created_time":1764295200,"author":{"name":"丙","follower_count":1}}"#,
        );
        let posts: Vec<Post> = decode_all(feed.as_bytes())
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(posts[0].platform, "weibo");
        assert_eq!(posts[0].author.followers, 1200);
        assert!(posts[0].author.verified);
        assert_eq!(posts[0].repost_of.as_deref(), Some("0"));
        assert_eq!(posts[1].platform, "douyin");
        assert_eq!(posts[1].counts.likes, 7);
        assert!(!posts[1].author.verified);
        assert_eq!(posts[2].platform, "zhihu");
        assert_eq!(posts[2].id, "3");
        assert_eq!(posts[2].text(), "知乎问题\n回答");
        assert_eq!(posts[0].published_at, posts[1].published_at);
    }

    #[test]
    fn each_kind_of_bad_input_is_rejected_alone() {
        let mut feed = Vec::new();
        feed.extend_from_slice(b"{not json\n");
        feed.extend_from_slice(b"{\"idstr\":\"1\",\"text\":\"\xff\xfe\"}\n");
        feed.extend_from_slice(b"[1,2]\n");
        feed.extend_from_slice(b"{\"unknown\":1}\n");
        feed.extend_from_slice(b"{\"idstr\":\"1\"}\n");
        feed.extend_from_slice(b"{\"idstr\":\"1\",\"text\":\"x\",\"reposts_count\":\"many\"}\n");
        feed.extend_from_slice(
            format!("{{\"idstr\":\"1\",\"text\":\"{}\"}}\n", "长".repeat(2000)).as_bytes(),
        );
        feed.extend_from_slice(b"{\"idstr\":\"ok\",\"text\":\"fine\"}\n");
        let reasons: Vec<&str> = decode_all(&feed)
            .iter()
            .map(|r| r.as_ref().map_or_else(|e| e.reason(), |_| "ok"))
            .collect();
        assert_eq!(
            reasons,
            [
                "invalid_json",
                "invalid_utf8",
                "not_an_object",
                "no_mapping",
                "missing_field",
                "wrong_type",
                "too_large",
                "ok"
            ]
        );
    }

    #[test]
    fn a_json_array_frame_decodes_each_element() {
        let frame = br#"[{"guid":"n1","headline":"h","body":"b"}, 5, {"guid":"n2","body":"c"}]"#;
        let results = decode_all(frame);
        assert_eq!(results.len(), 3);
        assert!(results[0].is_ok() && results[2].is_ok());
        assert_eq!(results[1], Err(Reject::NotAnObject));
    }
}
