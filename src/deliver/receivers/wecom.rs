//! WeCom group robots (企业微信群机器人): markdown, the `key` in the URL, 20 messages a
//! minute, refusals as an `errcode` inside a 200.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use serde::Deserialize;

use super::config::{default_timeout_ms, MentionConfig, RateLimit};
use super::text::{fit, markdown, robot_markdown};
use super::{robot_refusal, Protocol, SendError};
use crate::deliver::outbox::Notice;

/// `[[receivers]]` with `kind = "wecom"`. No secret: WeCom robots are not signed, their
/// `key` is in the URL.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WecomConfig {
    pub name: String,
    /// `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`
    pub url: String,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Who is @mentioned (user ids only: WeCom markdown has no @all), for which levels.
    #[serde(default)]
    pub mention: MentionConfig,
    /// 20 a minute by default (WeCom's limit).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
}

impl WecomConfig {
    /// Its settings, for error messages about another kind's.
    pub(super) const FIELDS: &'static [&'static str] =
        &["name", "url", "timeout_ms", "mention", "rate_limit"];
}

impl Protocol for WecomConfig {
    fn request(
        &self,
        client: &reqwest::Client,
        notice: &Notice,
        _now: DateTime<Utc>,
    ) -> reqwest::RequestBuilder {
        let body = body(self, notice);
        client
            .post(&self.url)
            .header("Content-Type", "application/json")
            .body(body.to_string())
    }

    fn mention_request(
        &self,
        client: &reqwest::Client,
        notice: &Notice,
    ) -> Option<reqwest::RequestBuilder> {
        let body = mention_message(self, notice)?;
        Some(
            client
                .post(&self.url)
                .header("Content-Type", "application/json")
                .body(body.to_string()),
        )
    }

    fn refusal(&self, answer: &str) -> Option<SendError> {
        robot_refusal(answer, permanent)
    }

    fn default_rate_limit(&self) -> Option<RateLimit> {
        Some(RateLimit {
            messages: 20,
            per_seconds: 60.0,
        })
    }
}

/// Most bytes of markdown content WeCom accepts (its documented 4,096).
pub const MAX_CONTENT_BYTES: usize = 4_096;

/// The `markdown` message. WeCom's markdown can @mention user ids only (`<@userid>`); @all
/// and mobiles exist for `text` messages only, so a [`mention_message`] follows it.
pub fn body(config: &WecomConfig, notice: &Notice) -> Value {
    let mut tail = String::new();
    if let Some(mention) = config.mention.for_notice(notice) {
        for user in &mention.user_ids {
            tail.push_str(&format!("<@{user}>"));
        }
    }
    let (_, content) = robot_markdown(notice, MAX_CONTENT_BYTES, "", &tail, true);
    json!({ "msgtype": "markdown", "markdown": { "content": content } })
}

/// Most bytes of a `text` message's content WeCom accepts (its documented 2,048).
pub const MAX_TEXT_BYTES: usize = 2_048;

/// The `text` message that follows a notice's markdown when it must @all or @mobiles (only
/// `text` messages carry `mentioned_list` / `mentioned_mobile_list`): its title and what
/// happened, one line.
pub fn mention_message(config: &WecomConfig, notice: &Notice) -> Option<Value> {
    let mention = config.mention.for_notice(notice)?;
    if !mention.all && mention.mobiles.is_empty() {
        return None;
    }
    let (title, _) = markdown(notice);
    let what = notice.body["alert"]["title"].as_str().unwrap_or("");
    let content = fit(&format!("{title}：{what}（详见上条）"), MAX_TEXT_BYTES);
    // User ids are @mentioned in the markdown already.
    let (mentioned, mobiles): (Vec<&str>, Vec<&str>) = if mention.all {
        (vec!["@all"], Vec::new())
    } else {
        (
            Vec::new(),
            mention.mobiles.iter().map(String::as_str).collect(),
        )
    };
    Some(json!({
        "msgtype": "text",
        "text": {
            "content": content,
            "mentioned_list": mentioned,
            "mentioned_mobile_list": mobiles,
        },
    }))
}

/// Error codes that sending again cannot fix (WeCom's documentation); others, such as
/// 45009 (too fast) and -1 (busy), are retried.
pub fn permanent(code: i64) -> bool {
    // 93000: invalid webhook key; 93004: robot disabled; 93008: not in the group;
    // 40008: invalid message type; 40058/40035: invalid parameter; 44004: empty
    // content; 45002: content too long.
    matches!(
        code,
        93000 | 93004 | 93008 | 40008 | 40035 | 40058 | 44004 | 45002
    )
}
