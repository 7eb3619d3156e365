//! DingTalk group robots (钉钉自定义机器人): markdown, 加签 in the query, 20 messages a
//! minute, refusals as an `errcode` inside a 200.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use serde::Deserialize;

use super::config::{default_timeout_ms, MentionConfig, RateLimit};
use super::text::{markdown, robot_markdown};
use super::{hmac, robot_refusal, Protocol, SendError};
use crate::deliver::outbox::Notice;
use crate::query::with_query_param;

/// `[[receivers]]` with `kind = "dingtalk"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DingtalkConfig {
    pub name: String,
    /// `https://oapi.dingtalk.com/robot/send?access_token=…`
    pub url: String,
    /// The robot's 加签 secret (`SEC…`; `""`: the robot checks keywords or IPs instead).
    #[serde(default)]
    pub secret: String,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Who is @mentioned, for which levels.
    #[serde(default)]
    pub mention: MentionConfig,
    /// 20 a minute by default (DingTalk's limit).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
}

impl DingtalkConfig {
    /// Its settings, for error messages about another kind's.
    pub(super) const FIELDS: &'static [&'static str] = &[
        "name",
        "url",
        "secret",
        "timeout_ms",
        "mention",
        "rate_limit",
    ];
}

impl Protocol for DingtalkConfig {
    fn request(
        &self,
        client: &reqwest::Client,
        notice: &Notice,
        now: DateTime<Utc>,
    ) -> reqwest::RequestBuilder {
        let mut url = self.url.clone();
        if !self.secret.is_empty() {
            let millis = now.timestamp_millis();
            let sign = dingtalk_sign(&self.secret, millis);
            url = with_query_param(&url, "timestamp", &millis.to_string());
            url = with_query_param(&url, "sign", &sign);
        }
        let body = body(self, notice);
        client
            .post(url)
            .header("Content-Type", "application/json")
            .body(body.to_string())
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

/// Most bytes of a message DingTalk accepts (its documented 20,000).
pub const MAX_BYTES: usize = 20_000;

/// The `markdown` message, with its @mentions (mobiles must also appear in the text),
/// within [`MAX_BYTES`] as a whole.
pub fn body(config: &DingtalkConfig, notice: &Notice) -> Value {
    let mut tail = String::new();
    let mut at = json!({ "isAtAll": false });
    if let Some(mention) = config.mention.for_notice(notice) {
        for mobile in &mention.mobiles {
            tail.push_str(&format!(" @{mobile}"));
        }
        at = json!({
            "isAtAll": mention.all,
            "atMobiles": mention.mobiles,
            "atUserIds": mention.user_ids,
        });
    }
    let message = |title: &str, text: &str| json!({ "msgtype": "markdown", "markdown": { "title": title, "text": text }, "at": at });
    let (title, _) = markdown(notice);
    let frame = message(&title, "").to_string().len();
    let (title, text) = robot_markdown(notice, MAX_BYTES.saturating_sub(frame), "", &tail, true);
    message(&title, &text)
}

/// Error codes that sending again cannot fix (DingTalk's documentation); others, such
/// as 130101 / 410100 (too fast) and -1 (busy), are retried.
pub fn permanent(code: i64) -> bool {
    // 310000: sign not match / keywords not in content / IP not in whitelist;
    // 300001, 400101, 400106: token or robot does not exist; 400102: robot stopped;
    // 400013: group dissolved; 400105: message type not supported; 430101..430106:
    // content refused.
    matches!(
        code,
        310000 | 300001 | 400013 | 400101 | 400102 | 400105 | 400106 | 430101..=430106
    )
}

/// DingTalk 加签: Base64(HMAC-SHA256(key = secret, message = "{millis}\n{secret}")).
pub fn dingtalk_sign(secret: &str, millis: i64) -> String {
    base64::engine::general_purpose::STANDARD.encode(hmac(
        secret.as_bytes(),
        format!("{millis}\n{secret}").as_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dingtalk_signature_matches_the_documented_example_shape() {
        // Deterministic: same inputs, same signature; base64 of a 32-byte MAC.
        let sign = dingtalk_sign("SEC000", 1_700_000_000_000);
        assert_eq!(sign, dingtalk_sign("SEC000", 1_700_000_000_000));
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&sign)
                .unwrap()
                .len(),
            32
        );
        assert_ne!(sign, dingtalk_sign("SEC001", 1_700_000_000_000));
    }
}
