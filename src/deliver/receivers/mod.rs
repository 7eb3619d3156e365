//! Receivers: a generic JSON webhook and the DingTalk, WeCom and Feishu group robots, one
//! file per kind behind [`Protocol`]: each knows its payload, its signature, its default
//! rate limit and how it says "refused" inside a 200. What they share (the client, the
//! rate limiter, redaction, error classes) lives here.

mod config;
mod dingtalk;
mod feishu;
mod rate_limit;
mod text;
mod webhook;
mod wecom;

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::time::Instant;

use super::outbox::Notice;
use super::redact::Secrets;
use rate_limit::SlidingWindow;

pub use config::{
    deserialize_receivers, parse_receivers, validate_receivers, MentionConfig, RateLimit,
    ReceiverConfig, ReceiverKind,
};
pub use dingtalk::{dingtalk_sign, DingtalkConfig};
pub use feishu::feishu_sign;
pub use feishu::FeishuConfig;
pub use text::markdown;
pub use webhook::webhook_payload;
pub use webhook::WebhookConfig;
pub use wecom::WecomConfig;

/// What differs between kinds of receivers: each kind's config implements it.
trait Protocol: Send + Sync {
    /// The HTTP request that delivers `notice` (signed as the kind requires).
    fn request(
        &self,
        client: &reqwest::Client,
        notice: &Notice,
        now: DateTime<Utc>,
    ) -> reqwest::RequestBuilder;

    /// A second message that @mentions whom the first cannot (WeCom markdown has no @all
    /// nor mobiles), sent right after it.
    fn mention_request(
        &self,
        _client: &reqwest::Client,
        _notice: &Notice,
    ) -> Option<reqwest::RequestBuilder> {
        None
    }

    /// A refusal inside a 2xx answer, if the kind has such a thing.
    fn refusal(&self, _answer: &str) -> Option<SendError> {
        None
    }

    /// The rate limit the kind's service enforces, when the configuration names none.
    fn default_rate_limit(&self) -> Option<RateLimit> {
        None
    }
}

/// Error codes of `kind` that sending again cannot fix.
pub fn permanent_errcode(kind: ReceiverKind, code: i64) -> bool {
    match kind {
        ReceiverKind::Webhook => false,
        ReceiverKind::Dingtalk => dingtalk::permanent(code),
        ReceiverKind::Wecom => wecom::permanent(code),
        ReceiverKind::Feishu => feishu::permanent(code),
    }
}

/// A receiver ready to send: its client and its rate limiter.
pub struct Receiver {
    pub config: ReceiverConfig,
    /// Taken out of every error this receiver reports.
    secrets: Secrets,
    client: reqwest::Client,
    limiter: Option<Mutex<SlidingWindow>>,
}

impl Receiver {
    pub fn new(config: ReceiverConfig) -> Result<Receiver, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms()))
            .build()
            .map_err(|e| format!("receiver {}: {e}", config.name()))?;
        let rate_limit = config.rate_limit();
        let limiter = rate_limit.map(|r| {
            Mutex::new(SlidingWindow::new(
                r.messages,
                Duration::from_secs_f64(r.per_seconds),
            ))
        });
        Ok(Receiver {
            secrets: Secrets::of(&config),
            config,
            client,
            limiter,
        })
    }

    pub fn name(&self) -> &str {
        self.config.name()
    }

    /// How long until the rate limit allows one more message (`None`: now), counting
    /// nothing: a dispatcher waits this out before it picks what to send.
    pub fn slot_wait(&self) -> Option<Duration> {
        let limiter = self.limiter.as_ref()?;
        limiter
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .wait(Instant::now())
    }

    /// Waits until the rate limit allows one more message, and counts it.
    pub async fn wait_for_slot(&self) {
        let Some(limiter) = &self.limiter else { return };
        loop {
            let wait = limiter
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .try_take(Instant::now());
            match wait {
                None => return,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Sends one notice. `Err` says what went wrong (transport, status, errcode; with
    /// every secret redacted, the answer capped) and whether trying again can help.
    pub async fn send(&self, notice: &Notice) -> Result<(), SendError> {
        self.send_unredacted(notice)
            .await
            .map_err(|error| SendError {
                message: self.secrets.redact(&error.message),
                permanent: error.permanent,
            })
    }

    async fn send_unredacted(&self, notice: &Notice) -> Result<(), SendError> {
        let protocol = self.config.protocol();
        self.send_request(protocol.request(&self.client, notice, Utc::now()))
            .await?;
        // A second message some kinds need (WeCom's @all), under the same rate limit.
        if let Some(request) = protocol.mention_request(&self.client, notice) {
            self.wait_for_slot().await;
            self.send_request(request).await?;
        }
        Ok(())
    }

    async fn send_request(&self, request: reqwest::RequestBuilder) -> Result<(), SendError> {
        let response = request.send().await.map_err(|e| {
            SendError::transient(format!("request failed: {}", causes(&e.without_url())))
        })?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let excerpt: String = text.chars().take(MAX_ANSWER_CHARS).collect();
        if !status.is_success() {
            let message = format!("HTTP {status}: {excerpt}");
            // 4xx says the request itself is wrong (bad token, bad payload): sending it
            // again cannot help. 408 and 429 are the exceptions: come back later.
            let permanent = status.is_client_error()
                && status != reqwest::StatusCode::REQUEST_TIMEOUT
                && status != reqwest::StatusCode::TOO_MANY_REQUESTS;
            return Err(SendError { message, permanent });
        }
        // The robots answer 200 with an error code inside when they refuse a message.
        match self.config.protocol().refusal(&text) {
            Some(refusal) => Err(refusal),
            None => Ok(()),
        }
    }
}

/// An error and its causes, `: `-separated (reqwest's own message says only "error
/// sending request"; the cause says "connection refused").
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Most characters of a receiver's answer kept in an error (attempts, dead letters, logs).
const MAX_ANSWER_CHARS: usize = 200;

/// Why a send failed, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub message: String,
    /// The receiver refused this request for good (bad signature or token, malformed
    /// message): it goes to the dead letters at once instead of blocking the queue.
    pub permanent: bool,
}

impl SendError {
    pub(super) fn transient(message: String) -> SendError {
        SendError {
            message,
            permanent: false,
        }
    }
}

/// A robot's answer: `{"errcode": 0}` (DingTalk, WeCom) or `{"code": 0}` (Feishu) is
/// success; any other code a refusal, permanent when `permanent` says so.
fn robot_refusal(answer: &str, permanent: fn(i64) -> bool) -> Option<SendError> {
    let excerpt: String = answer.chars().take(MAX_ANSWER_CHARS).collect();
    let Ok(parsed) = serde_json::from_str::<Value>(answer) else {
        return Some(SendError::transient(format!(
            "unreadable answer: {excerpt}"
        )));
    };
    let code = parsed
        .get("errcode")
        .or_else(|| parsed.get("code"))
        .or_else(|| parsed.get("StatusCode"));
    match code.and_then(Value::as_i64) {
        Some(0) => None,
        Some(code) => Some(SendError {
            message: format!("refused with code {code}: {excerpt}"),
            permanent: permanent(code),
        }),
        None => Some(SendError::transient(format!(
            "answer without a code: {excerpt}"
        ))),
    }
}

pub fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(kind: &str) -> ReceiverConfig {
        toml::from_str(&format!(
            "name = \"r\"\nkind = {kind:?}\nurl = \"http://127.0.0.1/\"\n"
        ))
        .unwrap()
    }

    #[test]
    fn each_robot_tells_permanent_refusals_from_passing_ones() {
        let refusal =
            |kind: ReceiverKind, answer: &str| config(kind.label()).protocol().refusal(answer);
        let ding = ReceiverKind::Dingtalk;
        assert_eq!(refusal(ding, r#"{"errcode":0,"errmsg":"ok"}"#), None);
        assert!(
            refusal(ding, r#"{"errcode":310000,"errmsg":"sign not match"}"#)
                .unwrap()
                .permanent
        );
        assert!(
            !refusal(ding, r#"{"errcode":130101,"errmsg":"send too fast"}"#)
                .unwrap()
                .permanent
        );
        assert!(
            refusal(ReceiverKind::Wecom, r#"{"errcode":93000}"#)
                .unwrap()
                .permanent
        );
        assert!(
            !refusal(ReceiverKind::Wecom, r#"{"errcode":45009}"#)
                .unwrap()
                .permanent
        );
        assert!(
            refusal(
                ReceiverKind::Feishu,
                r#"{"code":19021,"msg":"sign match fail"}"#
            )
            .unwrap()
            .permanent
        );
        assert!(
            !refusal(ReceiverKind::Feishu, r#"{"code":11232}"#)
                .unwrap()
                .permanent
        );
        assert!(!refusal(ding, "<html>busy</html>").unwrap().permanent);
        assert_eq!(refusal(ReceiverKind::Webhook, "anything"), None);
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;
    use serde_json::json;

    fn dingtalk_config() -> DingtalkConfig {
        toml::from_str("name = \"r\"\nurl = \"http://127.0.0.1/\"\n").unwrap()
    }

    fn wecom_config() -> WecomConfig {
        toml::from_str("name = \"r\"\nurl = \"http://127.0.0.1/\"\n").unwrap()
    }

    fn feishu_config() -> FeishuConfig {
        toml::from_str("name = \"r\"\nurl = \"http://127.0.0.1/\"\n").unwrap()
    }

    fn notice(level: &str, title: &str) -> Notice {
        Notice {
            seq: 1,
            notice_id: "evt-weibo-1@20261128T0200#2".into(),
            event_id: "evt-weibo-1".into(),
            kind: "escalated".into(),
            level: level.into(),
            body: json!({
                "alert": {
                    "level": level, "level_zh": "特大", "title": title,
                    "domains": ["执法办案"], "rules": [{"id": "law.violence", "name": "暴力执法"}],
                    "why": [{"signal": "posts_per_min_5m", "value": 5.3, "threshold": 1.0}],
                    "figures": {"total_posts": 31},
                    "first_post": {"platform": "weibo", "id": "5241075719150801",
                                   "published_at": "2026-11-28T02:00:00Z", "region": "江州"},
                    "top_posts": [],
                },
                "overdue": null,
                "next_deadline": {"step": "joint_response", "due_at": "2026-11-28T02:30:00Z",
                                  "missing_departments": ["网安", "宣传"]},
            }),
        }
    }

    #[test]
    fn red_notices_mention_everyone_in_each_robots_own_format() {
        let red = notice("red", "某地辅警当街掌掴外卖员");
        let ding = dingtalk::body(&dingtalk_config(), &red);
        assert_eq!(ding["msgtype"], "markdown");
        assert_eq!(ding["at"]["isAtAll"], true);
        let text = ding["markdown"]["text"].as_str().unwrap();
        for part in [
            "暴力执法",
            "5 分钟发帖速率 5.3 条/分 ≥ 1",
            "微博",
            "江州",
            "11-28 10:00",
            "https://m.weibo.cn/status/5241075719150801",
            "下一时限：联合响应（待网安、宣传签收），11-28 10:30 前",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        assert!(!text.contains("law.violence"), "rule names, not ids");
        let card = feishu::body(&feishu_config(), &red);
        assert_eq!(card["msg_type"], "interactive");
        assert_eq!(card["card"]["header"]["template"], "red");
        let content = card["card"]["elements"][0]["content"].as_str().unwrap();
        assert!(content.starts_with("<at id=all></at>"), "{content}");
        let wecom = wecom::body(&wecom_config(), &red);
        assert_eq!(wecom["msgtype"], "markdown");
        // WeCom's markdown cannot @all: a `text` message follows that does.
        let follow = wecom::mention_message(&wecom_config(), &red).unwrap();
        assert_eq!(follow["msgtype"], "text");
        assert_eq!(follow["text"]["mentioned_list"], json!(["@all"]));
        assert!(follow["text"]["content"]
            .as_str()
            .unwrap()
            .starts_with("【红色预警·特大】提级：某地辅警当街掌掴外卖员"));

        let yellow = notice("yellow", "窗口刁难");
        assert_eq!(wecom::mention_message(&wecom_config(), &yellow), None);
        assert_eq!(
            dingtalk::body(&dingtalk_config(), &yellow)["at"]["isAtAll"],
            false
        );
        let card = feishu::body(&feishu_config(), &yellow);
        assert!(!card["card"]["elements"][0]["content"]
            .as_str()
            .unwrap()
            .contains("<at"));
    }

    #[test]
    fn every_robot_message_fits_its_documented_size() {
        // A feed can send anything: a huge title, region and URL, hundreds of rules.
        let mut huge = notice("red", &"超长标题".repeat(20_000));
        huge.body["alert"]["first_post"]["region"] = json!("属地".repeat(10_000));
        huge.body["alert"]["first_post"]["url"] =
            json!(format!("https://weibo.com/{}", "x".repeat(60_000)));
        huge.body["alert"]["rules"] = json!((0..500)
            .map(|i| json!({"id": format!("r{i}"), "name": format!("规则{i}{}", "长".repeat(200))}))
            .collect::<Vec<_>>());
        let ding = dingtalk::body(&dingtalk_config(), &huge);
        assert!(ding.to_string().len() <= dingtalk::MAX_BYTES);
        let wecom = wecom::body(&wecom_config(), &huge);
        let content = wecom["markdown"]["content"].as_str().unwrap();
        assert!(
            content.len() <= wecom::MAX_CONTENT_BYTES,
            "{}",
            content.len()
        );
        let card = feishu::body(&feishu_config(), &huge).to_string();
        assert!(card.len() <= feishu::MAX_BYTES, "{}", card.len());
        // Long fields are clipped, lists counted, an unusable link left out: the
        // essentials stay.
        for text in [ding["markdown"]["text"].as_str().unwrap(), content] {
            assert!(text.contains("【红色预警·特大】提级"), "{text}");
            assert!(text.contains("等 500 项"), "{text}");
            assert!(text.contains("下一时限"), "{text}");
            assert!(text.contains("evt-weibo-1"), "{text}");
            assert!(!text.contains("xxxxxxxxxx"), "{text}");
        }

        // With nothing to clip left, a text over the limit is cut and says so.
        let cut = text::fit(&"警".repeat(5_000), wecom::MAX_CONTENT_BYTES);
        assert!(cut.len() <= wecom::MAX_CONTENT_BYTES);
        assert!(cut.ends_with("已截断）"));
        // Escapes count: a robot measures the JSON string.
        let quotes = text::fit(&"\"\n".repeat(3_000), 1_000);
        assert!(serde_json::to_string(&quotes).unwrap().len() - 2 <= 1_000);
    }
}
