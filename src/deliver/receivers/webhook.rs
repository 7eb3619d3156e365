//! The generic JSON webhook: the notice and its alert as JSON, `Idempotency-Key`, and an
//! optional HMAC-SHA256 signature over `{timestamp}.{body}`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::config::{default_timeout_ms, RateLimit};
use super::{hmac, Protocol};
use crate::deliver::outbox::Notice;

/// `[[receivers]]` with `kind = "webhook"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub name: String,
    pub url: String,
    /// HMAC-SHA256 key of `X-Fenghuo-Signature` (`""`: unsigned).
    #[serde(default)]
    pub secret: String,
    /// Extra HTTP headers (an `Authorization` the other side wants, a source tag).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// None by default.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
}

impl WebhookConfig {
    /// Its settings, for error messages about another kind's.
    pub(super) const FIELDS: &'static [&'static str] = &[
        "name",
        "url",
        "secret",
        "headers",
        "timeout_ms",
        "rate_limit",
    ];
}

impl Protocol for WebhookConfig {
    fn request(
        &self,
        client: &reqwest::Client,
        notice: &Notice,
        now: DateTime<Utc>,
    ) -> reqwest::RequestBuilder {
        let body = webhook_payload(notice).to_string();
        let seconds = now.timestamp().to_string();
        let mut request = client
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", &notice.notice_id)
            .header("X-Fenghuo-Timestamp", &seconds);
        if !self.secret.is_empty() {
            let signature = hex::encode(hmac(
                self.secret.as_bytes(),
                format!("{seconds}.{body}").as_bytes(),
            ));
            request = request.header("X-Fenghuo-Signature", format!("sha256={signature}"));
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        request.body(body)
    }
}

/// The generic webhook's payload (documented in README): the notice and its alert, the
/// event's next deadline, and the updates it stands for.
pub fn webhook_payload(notice: &Notice) -> Value {
    json!({
        "notice_id": notice.notice_id,
        "kind": notice.kind,
        "event_id": notice.event_id,
        "level": notice.level,
        "alert": notice.body["alert"],
        "overdue": notice.body["overdue"],
        // Ids of the pending updates of this event this notice stands for (a receiver
        // that fell behind gets the latest state once); absent when none.
        "superseded": notice.body["superseded"],
        "next_deadline": notice.body["next_deadline"],
    })
}
