//! Decode: raw frames (NDJSON lines or a JSON array) → canonical [`Post`]s.
//!
//! A frame is whatever a source read in one go. Each post in it is decoded on its own, so a
//! malformed one is rejected with a [`Reject`] while its neighbours go on.

mod array;
mod config;
mod mapping;
mod paths;
mod reject;
mod timestamp;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

pub use config::MappingConfig;
pub use reject::Reject;

use crate::models::Post;
use mapping::Mapping;
use paths::{Captures, PathTree};

/// All configured mappings, and which of them each source may use.
#[derive(Debug, Clone)]
pub struct Decoder {
    mappings: Vec<Mapping>,
    /// Every mapping's pointers in one tree, so each post is parsed once whichever applies.
    paths: PathTree,
    max_post_bytes: usize,
}

pub use crate::models::MappingSelection;

impl Decoder {
    pub fn new(mappings: &BTreeMap<String, MappingConfig>, max_post_bytes: usize) -> Decoder {
        let paths = PathTree::new(mappings.values().flat_map(Mapping::pointers));
        Decoder {
            mappings: mappings
                .iter()
                .map(|(name, config)| Mapping::new(name.clone(), config, &paths))
                .collect(),
            paths,
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

    /// Decodes every post of a frame, calling `on_result` for each.
    pub fn decode_frame(
        &self,
        bytes: &[u8],
        selection: &[usize],
        received_at: DateTime<Utc>,
        mut on_result: impl FnMut(Result<Post, Reject>),
    ) {
        // One field array for the whole frame: every line borrows from `bytes`.
        let mut fields = self.paths.captures();
        let trimmed = bytes.trim_ascii_start();
        if trimmed.first() == Some(&b'[') {
            // Element by element, each handed on as soon as it is decoded.
            for piece in array::pieces(trimmed) {
                on_result(match piece {
                    array::Piece::Element(element) => {
                        self.decode_line(element, selection, received_at, &mut fields)
                    }
                    array::Piece::Broken(why) => Err(Reject::InvalidJson(why.to_owned())),
                });
            }
            return;
        }
        // memchr finds newlines many bytes at a time; a byte-wise split was a visible cost.
        let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
        let mut start = 0;
        for end in ends {
            let line = bytes[start..end].trim_ascii();
            start = end + 1;
            if line.is_empty() {
                continue;
            }
            on_result(self.decode_line(line, selection, received_at, &mut fields));
        }
    }

    /// The publish time of one NDJSON line by the mapping that applies to it, for pacing a
    /// replay; `None` when the line is unreadable or has no time.
    pub fn published_at(&self, line: &[u8], selection: &[usize]) -> Option<DateTime<Utc>> {
        let text = utf8(line).ok()?;
        let mut fields = self.paths.captures();
        self.paths.capture(text, &mut fields).ok()?;
        self.detect(&fields, selection)?.published_at(&fields)
    }

    /// Decodes one NDJSON line or one element of an array frame.
    fn decode_line<'a>(
        &self,
        line: &'a [u8],
        selection: &[usize],
        received_at: DateTime<Utc>,
        fields: &mut Captures<'a>,
    ) -> Result<Post, Reject> {
        if line.len() > self.max_post_bytes {
            return Err(Reject::TooLarge {
                bytes: line.len(),
                limit: self.max_post_bytes,
            });
        }
        let is_object = self
            .paths
            .capture(utf8(line)?, fields)
            .map_err(invalid_json)?;
        self.map(is_object, fields, selection, received_at)
    }

    /// The first mapping of `selection` whose `detect` pointer resolves.
    fn detect(&self, fields: &Captures, selection: &[usize]) -> Option<&Mapping> {
        selection
            .iter()
            .map(|&i| &self.mappings[i])
            .find(|m| m.detects(fields))
    }

    fn map(
        &self,
        is_object: bool,
        fields: &Captures,
        selection: &[usize],
        received_at: DateTime<Utc>,
    ) -> Result<Post, Reject> {
        if !is_object {
            return Err(Reject::NotAnObject);
        }
        let mapping = self.detect(fields, selection).ok_or(Reject::NoMapping)?;
        mapping.apply(fields, received_at)
    }
}

/// simdutf8 validates Chinese text several times faster than std's check.
fn utf8(bytes: &[u8]) -> Result<&str, Reject> {
    simdutf8::basic::from_utf8(bytes).map_err(|_| Reject::InvalidUtf8)
}

fn invalid_json(error: serde_json::Error) -> Reject {
    Reject::InvalidJson(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mappings of the embedded default configuration (`deploy/fenghuo.toml`).
    fn default_mappings() -> BTreeMap<String, MappingConfig> {
        #[derive(serde::Deserialize)]
        struct Defaults {
            mappings: BTreeMap<String, MappingConfig>,
        }
        let defaults: Defaults = toml::from_str(include_str!("../../deploy/fenghuo.toml"))
            .map(|d: toml::Table| d)
            .and_then(|t| toml::Value::Table(t).try_into())
            .expect("embedded defaults parse");
        defaults.mappings
    }

    fn decoder() -> Decoder {
        Decoder::new(&default_mappings(), 4096)
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

    /// A decoder of one mapping, written as TOML.
    fn decoder_of(mapping: &str) -> Decoder {
        let mappings = toml::from_str(&format!("[test]\n{mapping}")).unwrap();
        Decoder::new(&mappings, 4096)
    }

    fn decode_with(decoder: &Decoder, bytes: &[u8]) -> Vec<Result<Post, Reject>> {
        let mut out = Vec::new();
        decoder.decode_frame(bytes, &decoder.select(&[]), Utc::now(), |r| out.push(r));
        out
    }

    #[test]
    fn pointers_reach_into_arrays_and_through_escaped_keys() {
        let decoder = decoder_of(
            r#"platform = "/meta/platform~1name"
               detect = "/items/0/id"
               id = "/items/0/id"
               body = "/items/1/text"
               author_name = "/a~0b/10"
               likes = "/items/01""#,
        );
        let line = br#"{"items":[{"id":7},{"text":"t"}],"meta":{"platform/name":"p"},"a~b":[0,1,2,3,4,5,6,7,8,9,"ten"]}"#;
        let post = decode_with(&decoder, line).remove(0).unwrap();
        assert_eq!((post.platform.as_str(), post.id.as_str()), ("p", "7"));
        assert_eq!(post.body, "t");
        assert_eq!(post.author.name.as_deref(), Some("ten"));
        // `01` is no array index: like `Value::pointer`, it resolves to nothing.
        assert_eq!(post.counts.likes, 0);
    }

    /// Regression: an empty platform, id or body was accepted.
    #[test]
    fn blank_platform_id_or_text_is_missing() {
        let decoder = decoder_of(
            r#"platform = "/p"
               detect = "/id"
               id = "/id"
               body = "/body""#,
        );
        let reasons: Vec<&str> = decode_with(
            &decoder,
            concat!(
                r#"{"p":"","id":"1","body":"b"}"#,
                "\n",
                r#"{"p":"x","id":" ","body":"b"}"#,
                "\n",
                r#"{"p":"x","id":"1","body":"  "}"#,
                "\n",
                r#"{"p":"x","id":"1","body":"b","likes":1}"#,
            )
            .as_bytes(),
        )
        .iter()
        .map(|r| r.as_ref().map_or_else(|e| e.reason(), |_| "ok"))
        .collect();
        assert_eq!(
            reasons,
            ["missing_field", "missing_field", "missing_field", "ok"]
        );
    }

    #[test]
    fn escaped_strings_are_unescaped() {
        let line = br#"{"guid":"n\u0031","body":"\u8b66\u5bdf\n\"\u5230\"","headline":"plain"}"#;
        let post = decode_all(line).remove(0).unwrap();
        assert_eq!(post.id, "n1");
        assert_eq!(post.body, "警察\n\"到\"");
        assert_eq!(post.title.as_deref(), Some("plain"));
    }

    #[test]
    fn the_last_of_duplicate_keys_wins() {
        let line = r#"{"idstr":"1","text":"first","user":{"idstr":"u1","screen_name":"甲"},"text":"second","user":{"idstr":"u2"}}"#;
        let post = decode_all(line.as_bytes()).remove(0).unwrap();
        assert_eq!(post.body, "second");
        assert_eq!(post.author.id.as_deref(), Some("u2"));
        assert_eq!(post.author.name, None);
    }

    #[test]
    fn a_pointer_may_be_a_prefix_of_another() {
        let decoder = decoder_of(
            r#"platform = "x"
               detect = "/user"
               id = "/user/id"
               body = "/text""#,
        );
        let feed = concat!(
            r#"{"user":{"id":1},"text":"t"}"#,
            "\n",
            r#"{"user":{},"text":"t"}"#,
            "\n",
            r#"{"user":null,"text":"t"}"#,
        );
        let results = decode_with(&decoder, feed.as_bytes());
        assert_eq!(results[0].as_ref().map(|p| p.id.as_str()), Ok("1"));
        assert_eq!(results[1], Err(Reject::MissingField("id")));
        assert_eq!(results[2], Err(Reject::NoMapping));
    }

    #[test]
    fn values_on_no_path_are_skipped_but_still_validated() {
        let reasons: Vec<&str> = decode_all(concat!(
            r#"{"guid":"n1","body":"b","extra":{"deep":[{"guid":"no","body":[1,{"x":null}]}],"n":-1.5e3}}"#,
            "\n",
            r#"{"guid":"n1","body":"b"} trailing"#,
            "\n",
            r#"{"guid":"n1","body":"b"}{"guid":"n2","body":"b"}"#,
            "\n",
            r#"{"guid":"n1","body":"b","extra":"\ud800"}"#,
            "\n",
            r#"{"guid":"n1","body":"b","extra":1e999}"#,
        )
        .as_bytes())
        .iter()
        .map(|r| r.as_ref().map_or_else(|e| e.reason(), |_| "ok"))
        .collect();
        assert_eq!(
            reasons,
            [
                "ok",
                "invalid_json",
                "invalid_json",
                "invalid_json",
                "invalid_json"
            ]
        );
    }

    /// Regression: one syntax error rejected the whole array as one `invalid_json` (10 good
    /// posts lost). Each broken piece is now one reject and its neighbours are decoded.
    #[test]
    fn a_broken_element_costs_only_itself() {
        let good = |id: u32| format!(r#"{{"guid":"n{id}","body":"b"}}"#);
        let mut frame = String::from("[");
        for id in 0..5 {
            frame.push_str(&good(id));
            frame.push(',');
        }
        frame.push_str(r#"{"guid":"bad","body":"b",,}, {"guid": tru},"#);
        for id in 5..10 {
            frame.push_str(&good(id));
            frame.push(if id < 9 { ',' } else { ']' });
        }
        let reasons: Vec<&str> = decode_all(frame.as_bytes())
            .iter()
            .map(|r| r.as_ref().map_or_else(|e| e.reason(), |_| "ok"))
            .collect();
        assert_eq!(
            reasons.iter().filter(|r| **r == "ok").count(),
            10,
            "{reasons:?}"
        );
        assert_eq!(reasons.iter().filter(|r| **r == "invalid_json").count(), 2);

        for frame in [
            &br#"[{"guid":"n1","body":"b"}, 5"#[..],
            br#"[{"guid":"n1","body":"b"}] x"#,
        ] {
            let reasons: Vec<&str> = decode_all(frame)
                .iter()
                .map(|r| r.as_ref().map_or_else(|e| e.reason(), |_| "ok"))
                .collect();
            assert_eq!(reasons, ["ok", "invalid_json"]);
        }
    }

    #[test]
    fn array_elements_are_held_to_the_post_limit() {
        let frame = format!(
            r#"[{{"guid":"n1","body":"{}"}},{{"guid":"n2","body":"b"}}]"#,
            "x".repeat(5000)
        );
        let reasons: Vec<&str> = decode_all(frame.as_bytes())
            .iter()
            .map(|r| r.as_ref().map_or_else(|e| e.reason(), |_| "ok"))
            .collect();
        assert_eq!(reasons, ["too_large", "ok"]);
    }

    #[test]
    fn replay_reads_the_publish_time_of_a_line() {
        let decoder = decoder();
        let all = decoder.select(&[]);
        let expected = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap();
        let weibo = br#"{"idstr":"1","created_at":"Sat Nov 28 10:00:00 +0800 2026","text":"t"}
"#;
        assert_eq!(decoder.published_at(weibo, &all), Some(expected.to_utc()));
        let douyin = br#"{"aweme_id":"2","desc":"d","create_time":1795831200}"#;
        assert_eq!(decoder.published_at(douyin, &all), Some(expected.to_utc()));
        let only_weibo = decoder.select(&["weibo".to_string()]);
        assert_eq!(decoder.published_at(douyin, &only_weibo), None);
        assert_eq!(decoder.published_at(br#"{"idstr":"1"}"#, &all), None);
        assert_eq!(decoder.published_at(b"{not json", &all), None);
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
