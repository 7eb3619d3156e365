//! Feishu / Lark group robots (飞书自定义机器人): the token in the hook URL, 签名校验 in
//! the body, refusals as a `code` inside a 200.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use serde::Deserialize;

use super::config::{default_timeout_ms, MentionConfig, RateLimit};
use super::text::{markdown, robot_markdown};
use super::{hmac, robot_refusal, Protocol, SendError};
use crate::deliver::outbox::Notice;

/// `[[receivers]]` with `kind = "feishu"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeishuConfig {
    pub name: String,
    /// `https://open.feishu.cn/open-apis/bot/v2/hook/…`
    pub url: String,
    /// The robot's 签名校验 secret (`""`: unsigned).
    #[serde(default)]
    pub secret: String,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Who is @mentioned, for which levels.
    #[serde(default)]
    pub mention: MentionConfig,
    /// 5 in any 3 seconds by default (Feishu's 100 a minute and 5 a second).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
}

impl FeishuConfig {
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

impl Protocol for FeishuConfig {
    fn request(
        &self,
        client: &reqwest::Client,
        notice: &Notice,
        now: DateTime<Utc>,
    ) -> reqwest::RequestBuilder {
        let mut body = body(self, notice);
        if !self.secret.is_empty() {
            let seconds = now.timestamp();
            body["timestamp"] = json!(seconds.to_string());
            body["sign"] = json!(feishu_sign(&self.secret, seconds));
        }
        client
            .post(&self.url)
            .header("Content-Type", "application/json")
            .body(body.to_string())
    }

    fn refusal(&self, answer: &str) -> Option<SendError> {
        robot_refusal(answer, permanent)
    }

    /// Feishu allows 100 messages a minute and 5 a second per robot: 5 in any 3 seconds
    /// keeps to both.
    fn default_rate_limit(&self) -> Option<RateLimit> {
        Some(RateLimit {
            messages: 5,
            per_seconds: 3.0,
        })
    }
}

/// Most bytes of a request Feishu's custom robots accept (documented: 20 KB for the
/// request body; a card's JSON may reach 30 KB only through the app API), less room for
/// the `timestamp` and `sign` added when signing.
pub const MAX_BYTES: usize = 20 * 1024;
const SIGNATURE_ROOM: usize = 128;

/// An `interactive` card: a header coloured by level and the notice as card markdown
/// (which renders `**`, links and `<at id=…>`), @mentions by level.
pub fn body(config: &FeishuConfig, notice: &Notice) -> Value {
    let mut mentions = String::new();
    if let Some(mention) = config.mention.for_notice(notice) {
        if mention.all {
            mentions.push_str("<at id=all></at> ");
        }
        for user in &mention.user_ids {
            mentions.push_str(&format!("<at id={user}></at> "));
        }
    }
    let template = match notice.level.as_str() {
        "red" => "red",
        "orange" => "orange",
        "yellow" => "yellow",
        _ => "blue",
    };
    let card = |title: &str, content: &str| {
        json!({
            "msg_type": "interactive",
            "card": {
                "config": { "wide_screen_mode": true },
                "header": { "template": template, "title": { "tag": "plain_text", "content": title } },
                "elements": [ { "tag": "markdown", "content": content } ],
            },
        })
    };
    // The card header carries the title; the markdown drops the heading that repeats it.
    let (title, _) = markdown(notice);
    let frame = card(&title, "").to_string().len() + SIGNATURE_ROOM;
    let (title, content) = robot_markdown(
        notice,
        MAX_BYTES.saturating_sub(frame),
        &mentions,
        "",
        false,
    );
    card(&title, &content)
}

/// Error codes that sending again cannot fix (Feishu's documentation); others, such as
/// 11232 (frequency limited), are retried.
pub fn permanent(code: i64) -> bool {
    // 19001: invalid token; 19002: params error; 19021: sign match fail or timestamp
    // too old; 19022: IP not allowed; 19024: key words not found; 9499: bad request.
    matches!(code, 19001 | 19002 | 19021 | 19022 | 19024 | 9499)
}

/// Feishu 签名校验: Base64(HMAC-SHA256(key = "{seconds}\n{secret}", message = "")).
pub fn feishu_sign(secret: &str, seconds: i64) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(hmac(format!("{seconds}\n{secret}").as_bytes(), b""))
}
