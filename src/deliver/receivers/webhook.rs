//! The generic JSON webhook: the notice and its alert as JSON, `Idempotency-Key`, and an
//! optional HMAC-SHA256 signature over `{timestamp}.{body}`.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{hmac, Protocol, ReceiverConfig};
use crate::deliver::outbox::Notice;

pub(super) struct Webhook;

impl Protocol for Webhook {
    fn request(
        &self,
        client: &reqwest::Client,
        config: &ReceiverConfig,
        notice: &Notice,
        now: DateTime<Utc>,
    ) -> reqwest::RequestBuilder {
        let body = webhook_payload(notice).to_string();
        let seconds = now.timestamp().to_string();
        let mut request = client
            .post(&config.url)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", &notice.notice_id)
            .header("X-Fenghuo-Timestamp", &seconds);
        if !config.secret.is_empty() {
            let signature = hex::encode(hmac(
                config.secret.as_bytes(),
                format!("{seconds}.{body}").as_bytes(),
            ));
            request = request.header("X-Fenghuo-Signature", format!("sha256={signature}"));
        }
        for (name, value) in &config.headers {
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
