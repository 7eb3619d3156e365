//! Receivers: a generic JSON webhook and the DingTalk, WeCom and Feishu group robots, one
//! file per kind behind [`Protocol`]: each knows its payload, its signature, its default
//! rate limit and how it says "refused" inside a 200. What they share (the client, the
//! rate limiter, redaction, error classes) lives here.

mod dingtalk;
mod feishu;
mod rate_limit;
mod text;
mod webhook;
mod wecom;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;
use tokio::time::Instant;

use super::outbox::Notice;
use super::redact::Secrets;
use rate_limit::SlidingWindow;

pub use dingtalk::dingtalk_sign;
pub use feishu::feishu_sign;
pub use text::markdown;
pub use webhook::webhook_payload;

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

/// What differs between kinds of receivers.
trait Protocol: Send + Sync {
    /// The HTTP request that delivers `notice` (signed as the kind requires).
    fn request(
        &self,
        client: &reqwest::Client,
        config: &ReceiverConfig,
        notice: &Notice,
        now: DateTime<Utc>,
    ) -> reqwest::RequestBuilder;

    /// A refusal inside a 2xx answer, if the kind has such a thing.
    fn refusal(&self, _answer: &str) -> Option<SendError> {
        None
    }

    /// The rate limit the kind's service enforces, when the configuration names none.
    fn default_rate_limit(&self) -> Option<RateLimit> {
        None
    }
}

fn protocol(kind: ReceiverKind) -> &'static dyn Protocol {
    match kind {
        ReceiverKind::Webhook => &webhook::Webhook,
        ReceiverKind::Dingtalk => &dingtalk::Dingtalk,
        ReceiverKind::Wecom => &wecom::Wecom,
        ReceiverKind::Feishu => &feishu::Feishu,
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
            .timeout(Duration::from_millis(config.timeout_ms))
            .build()
            .map_err(|e| format!("receiver {}: {e}", config.name))?;
        let rate_limit = config
            .rate_limit
            .or_else(|| protocol(config.kind).default_rate_limit());
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
        let request =
            protocol(self.config.kind).request(&self.client, &self.config, notice, Utc::now());
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
        match protocol(self.config.kind).refusal(&text) {
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

    #[test]
    fn each_robot_tells_permanent_refusals_from_passing_ones() {
        let refusal = |kind, answer: &str| protocol(kind).refusal(answer);
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
