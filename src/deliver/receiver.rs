//! Receivers: a generic JSON webhook and the DingTalk, WeCom and Feishu group robots.
//! Each knows its payload, its signature and how it says "failed" inside a 200.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::time::Instant;

use super::outbox::Notice;
use super::redact::Secrets;
use crate::query::with_query_param;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReceiverKind {
    Webhook,
    Dingtalk,
    Wecom,
    Feishu,
}

/// `[[receivers]]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiverConfig {
    pub name: String,
    pub kind: ReceiverKind,
    pub url: String,
    /// HMAC secret: the generic webhook's signature key, or the robot's 加签 secret.
    #[serde(default)]
    pub secret: String,
    /// Extra HTTP headers (generic webhook).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// At most `messages` per `per_seconds`; DingTalk and WeCom robots allow 20 a minute,
    /// which is the default for them.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub messages: usize,
    pub per_seconds: f64,
}

fn default_timeout_ms() -> u64 {
    10_000
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
            .timeout(Duration::from_millis(config.timeout_ms))
            .build()
            .map_err(|e| format!("receiver {}: {e}", config.name))?;
        let rate_limit = config.rate_limit.or(match config.kind {
            ReceiverKind::Dingtalk | ReceiverKind::Wecom => Some(RateLimit {
                messages: 20,
                per_seconds: 60.0,
            }),
            ReceiverKind::Webhook | ReceiverKind::Feishu => None,
        });
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
        &self.config.name
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
        let timestamp = Utc::now();
        let request = match self.config.kind {
            ReceiverKind::Webhook => {
                let body = webhook_payload(notice).to_string();
                let seconds = timestamp.timestamp().to_string();
                let mut request = self
                    .client
                    .post(&self.config.url)
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", &notice.notice_id)
                    .header("X-Fenghuo-Timestamp", &seconds);
                if !self.config.secret.is_empty() {
                    let signature = hex::encode(hmac(
                        self.config.secret.as_bytes(),
                        format!("{seconds}.{body}").as_bytes(),
                    ));
                    request = request.header("X-Fenghuo-Signature", format!("sha256={signature}"));
                }
                for (name, value) in &self.config.headers {
                    request = request.header(name, value);
                }
                request.body(body)
            }
            ReceiverKind::Dingtalk => {
                let mut url = self.config.url.clone();
                if !self.config.secret.is_empty() {
                    let millis = timestamp.timestamp_millis();
                    let sign = dingtalk_sign(&self.config.secret, millis);
                    url = with_query_param(&url, "timestamp", &millis.to_string());
                    url = with_query_param(&url, "sign", &sign);
                }
                let (title, text) = markdown(notice);
                let body =
                    json!({ "msgtype": "markdown", "markdown": { "title": title, "text": text } });
                self.client
                    .post(url)
                    .header("Content-Type", "application/json")
                    .body(body.to_string())
            }
            ReceiverKind::Wecom => {
                let (_, text) = markdown(notice);
                let body = json!({ "msgtype": "markdown", "markdown": { "content": text } });
                self.client
                    .post(&self.config.url)
                    .header("Content-Type", "application/json")
                    .body(body.to_string())
            }
            ReceiverKind::Feishu => {
                let (_, text) = markdown(notice);
                let mut body = json!({ "msg_type": "text", "content": { "text": text } });
                if !self.config.secret.is_empty() {
                    let seconds = timestamp.timestamp();
                    body["timestamp"] = json!(seconds.to_string());
                    body["sign"] = json!(feishu_sign(&self.config.secret, seconds));
                }
                self.client
                    .post(&self.config.url)
                    .header("Content-Type", "application/json")
                    .body(body.to_string())
            }
        };
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
        if self.config.kind != ReceiverKind::Webhook {
            let answer: Value = serde_json::from_str(&text)
                .map_err(|_| SendError::transient(format!("unreadable answer: {excerpt}")))?;
            let code = answer
                .get("errcode")
                .or_else(|| answer.get("code"))
                .or_else(|| answer.get("StatusCode"));
            match code.and_then(Value::as_i64) {
                Some(0) => {}
                Some(code) => {
                    return Err(SendError {
                        message: format!("refused with code {code}: {excerpt}"),
                        permanent: permanent_errcode(self.config.kind, code),
                    })
                }
                None => {
                    return Err(SendError::transient(format!(
                        "answer without a code: {excerpt}"
                    )))
                }
            }
        }
        Ok(())
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
    fn transient(message: String) -> SendError {
        SendError {
            message,
            permanent: false,
        }
    }
}

/// Robot error codes that sending again cannot fix, from each robot's documentation.
/// Any other non-zero code (rate limits such as DingTalk 130101 / 410100, WeCom 45009,
/// Feishu 11232, "system busy" -1) is retried.
pub fn permanent_errcode(kind: ReceiverKind, code: i64) -> bool {
    match kind {
        // 310000: sign not match / keywords not in content / IP not in whitelist;
        // 300001, 400101, 400106: token or robot does not exist; 400102: robot stopped;
        // 400013: group dissolved; 400105: message type not supported; 430101..430106:
        // content refused.
        ReceiverKind::Dingtalk => matches!(
            code,
            310000 | 300001 | 400013 | 400101 | 400102 | 400105 | 400106 | 430101..=430106
        ),
        // 93000: invalid webhook key; 93004: robot disabled; 93008: not in the group;
        // 40008: invalid message type; 40058/40035: invalid parameter; 44004: empty
        // content; 45002: content too long.
        ReceiverKind::Wecom => matches!(
            code,
            93000 | 93004 | 93008 | 40008 | 40035 | 40058 | 44004 | 45002
        ),
        // 19001: invalid token; 19002: params error; 19021: sign match fail or timestamp
        // too old; 19022: IP not allowed; 19024: key words not found; 9499: bad request.
        ReceiverKind::Feishu => matches!(code, 19001 | 19002 | 19021 | 19022 | 19024 | 9499),
        ReceiverKind::Webhook => false,
    }
}

/// The generic webhook's payload (documented in README): the notice and its alert.
pub fn webhook_payload(notice: &Notice) -> Value {
    json!({
        "notice_id": notice.notice_id,
        "kind": notice.kind,
        "event_id": notice.event_id,
        "level": notice.level,
        "alert": notice.body["alert"],
        "overdue": notice.body["overdue"],
    })
}

pub fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// DingTalk 加签: Base64(HMAC-SHA256(key = secret, message = "{millis}\n{secret}")).
pub fn dingtalk_sign(secret: &str, millis: i64) -> String {
    base64::engine::general_purpose::STANDARD.encode(hmac(
        secret.as_bytes(),
        format!("{millis}\n{secret}").as_bytes(),
    ))
}

/// Feishu 签名校验: Base64(HMAC-SHA256(key = "{seconds}\n{secret}", message = "")).
pub fn feishu_sign(secret: &str, seconds: i64) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(hmac(format!("{seconds}\n{secret}").as_bytes(), b""))
}

/// A title and a markdown text a duty officer reads on a phone.
pub fn markdown(notice: &Notice) -> (String, String) {
    let alert = &notice.body["alert"];
    let level_zh = alert["level_zh"].as_str().unwrap_or("");
    let level = alert["level"].as_str().unwrap_or("");
    let what = match (
        notice.kind.as_str(),
        notice.body["overdue"]["step"].as_str(),
    ) {
        ("overdue", Some(step)) => format!("超时未{} ({step} overdue)", step_zh(step)),
        ("opened", _) => "新事件 opened".into(),
        ("escalated", _) => "提级 escalated".into(),
        ("updated", _) => "更新 updated".into(),
        ("resolved", _) => "平息 resolved".into(),
        (other, _) => other.to_owned(),
    };
    let title = format!("【{level_zh}风险 {level}】{what}");
    let mut text = format!(
        "### {title}\n\n**{}**\n\n",
        alert["title"].as_str().unwrap_or("")
    );
    let domains: Vec<String> = alert["domains"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d.as_str().map(str::to_owned))
        .collect();
    let rules: Vec<String> = alert["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    text.push_str(&format!(
        "- 领域 domain: {}\n- 规则 rules: {}\n",
        domains.join("、"),
        rules.join(", ")
    ));
    let why: Vec<String> = alert["why"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["text"].as_str().map(str::to_owned))
        .collect();
    if !why.is_empty() {
        text.push_str(&format!("- 依据 why: {}\n", why.join("; ")));
    }
    text.push_str(&format!(
        "- 帖子 posts: {} · 平台 platforms: {}\n",
        alert["figures"]["total_posts"], alert["figures"]["platforms_total"]
    ));
    if let Some(url) = alert["first_post"]["url"].as_str() {
        text.push_str(&format!("- 首帖 first post: {url}\n"));
    }
    text.push_str(&format!(
        "\n事件 event `{}` · 通知 notice `{}`\n",
        notice.event_id, notice.notice_id
    ));
    (title, text)
}

fn step_zh(step: &str) -> &'static str {
    match step {
        "ack" => "首接",
        "verified" => "核实",
        "responded" => "首次回应",
        "closed" => "发布核心事实",
        _ => "处置",
    }
}

/// At most `limit` sends in any window of `per`: the exact rule robots enforce (a token
/// bucket would allow a burst of twice the limit across a window boundary).
struct SlidingWindow {
    limit: usize,
    per: Duration,
    sent: VecDeque<Instant>,
}

impl SlidingWindow {
    /// The window is widened by 10 % (at least 100 ms) so that network jitter between
    /// our clock and the robot's never makes its count exceed the limit.
    fn new(limit: usize, per: Duration) -> SlidingWindow {
        let margin = (per / 10).max(Duration::from_millis(100));
        SlidingWindow {
            limit: limit.max(1),
            per: per + margin,
            sent: VecDeque::new(),
        }
    }

    /// Takes a slot now (`None`), or says how long to wait before asking again.
    fn try_take(&mut self, now: Instant) -> Option<Duration> {
        while self
            .sent
            .front()
            .is_some_and(|&t| now.duration_since(t) >= self.per)
        {
            self.sent.pop_front();
        }
        if self.sent.len() < self.limit {
            self.sent.push_back(now);
            return None;
        }
        let oldest = *self.sent.front().expect("limit >= 1");
        Some(self.per - now.duration_since(oldest))
    }
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

    #[test]
    fn the_sliding_window_never_allows_more_than_the_limit() {
        let start = Instant::now();
        let mut window = SlidingWindow::new(3, Duration::from_secs(10));
        let mut sent = Vec::new();
        let mut now = start;
        while sent.len() < 10 {
            match window.try_take(now) {
                None => sent.push(now),
                Some(wait) => now += wait,
            }
        }
        for (i, &t) in sent.iter().enumerate() {
            let in_window = sent[i..]
                .iter()
                .filter(|&&u| u.duration_since(t) < Duration::from_secs(10))
                .count();
            assert!(in_window <= 3);
        }
    }
}
