//! Secrets out of every text a receiver produces: the webhook's `?access_key=`, DingTalk's
//! `access_token` (and the `sign` computed per request), WeCom's `key`, Feishu's hook
//! token, the configured signing secret and header values. An error, a log line, an
//! attempt or a dead letter shown by the unauthenticated API must never carry enough to
//! post to the group.

use super::receivers::{ReceiverConfig, ReceiverKind};

/// Query parameters that carry credentials, whatever the receiver.
const SECRET_PARAMS: [&str; 12] = [
    "access_key",
    "access_token",
    "token",
    "key",
    "sign",
    "signature",
    "secret",
    "api_key",
    "apikey",
    "password",
    "auth",
    "timestamp",
];

/// What replaces a secret.
pub const REDACTED: &str = "***";

/// Shorter strings are not redacted: they would mangle ordinary text, and are no secret.
const MIN_SECRET_CHARS: usize = 4;

/// The secrets of one receiver.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// Longest first, so a secret containing another is replaced whole.
    secrets: Vec<String>,
}

impl Secrets {
    pub fn of(config: &ReceiverConfig) -> Secrets {
        let mut secrets = vec![config.secret().to_owned()];
        let url = config.url();
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        for pair in query.split('&') {
            if let Some((name, value)) = pair.split_once('=') {
                if SECRET_PARAMS.contains(&name.to_ascii_lowercase().as_str()) {
                    secrets.push(value.to_owned());
                    secrets.push(crate::query::decode_query_value(value));
                }
            }
        }
        // user:password@host
        if let Some((_, rest)) = base.split_once("://") {
            if let Some((userinfo, _)) = rest.split_once('@') {
                secrets.extend(userinfo.split(':').map(str::to_owned));
            }
        }
        // Feishu / Lark: https://open.feishu.cn/open-apis/bot/v2/hook/{token}.
        if config.kind() == ReceiverKind::Feishu || base.contains("/hook/") {
            if let Some(token) = base.rsplit('/').next() {
                secrets.push(token.to_owned());
            }
        }
        for value in config.header_values() {
            secrets.push(value.to_owned());
            if let Some((_, credential)) = value.split_once(' ') {
                secrets.push(credential.to_owned());
            }
        }
        secrets.retain(|s| s.chars().count() >= MIN_SECRET_CHARS);
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Secrets { secrets }
    }

    /// `text` with every secret (and, in URLs, every credential-carrying query value)
    /// replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut text = redact_query_values(text);
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), REDACTED);
            }
        }
        text
    }
}

/// Replaces the values of credential-carrying query parameters anywhere in `text`
/// (`…?access_token=abc&sign=…` → `…?access_token=***&sign=***`): also the ones computed
/// per request, which no configuration names.
fn redact_query_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['?', '&']) {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        if rest[name_end..].starts_with('=')
            && SECRET_PARAMS.contains(&name.to_ascii_lowercase().as_str())
        {
            out.push_str(name);
            out.push('=');
            out.push_str(REDACTED);
            let value = &rest[name_end + 1..];
            let value_end = value
                .find(|c: char| {
                    c == '&' || c == '#' || c == '"' || c == '\'' || c == ')' || c.is_whitespace()
                })
                .unwrap_or(value.len());
            rest = &value[value_end..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(kind: ReceiverKind, url: &str, secret: &str) -> ReceiverConfig {
        let headers = if kind == ReceiverKind::Webhook {
            "headers = { Authorization = \"Bearer HDR-123456\" }\n"
        } else {
            ""
        };
        let text = format!(
            "name = \"r\"\nkind = {:?}\nurl = {url:?}\nsecret = {secret:?}\n{headers}",
            kind.label()
        );
        toml::from_str(&text).unwrap()
    }

    #[test]
    fn every_kind_of_credential_is_taken_out() {
        let hook = Secrets::of(&config(
            ReceiverKind::Webhook,
            "https://user:pa55word@hooks.example/in?access_key=AK-abc%2B1&x=1",
            "HMAC-s3cret",
        ));
        let text = "error sending request for url (https://user:pa55word@hooks.example/in?access_key=AK-abc%2B1&x=1): HMAC-s3cret AK-abc+1 Bearer HDR-123456";
        let redacted = hook.redact(text);
        for secret in ["pa55word", "AK-abc", "HMAC-s3cret", "HDR-123456"] {
            assert!(!redacted.contains(secret), "{secret} in {redacted}");
        }
        assert!(redacted.contains("x=1"), "{redacted}");

        let feishu = Secrets::of(&config(
            ReceiverKind::Feishu,
            "https://open.feishu.cn/open-apis/bot/v2/hook/FS-0a1b2c3d",
            "",
        ));
        let redacted =
            feishu.redact("POST https://open.feishu.cn/open-apis/bot/v2/hook/FS-0a1b2c3d: 19021");
        assert!(!redacted.contains("FS-0a1b2c3d"), "{redacted}");

        // A per-request DingTalk signature no configuration names.
        let any = Secrets::default();
        assert_eq!(
            any.redact("robot/send?access_token=tok&timestamp=1700&sign=a%2Bb%3D failed"),
            "robot/send?access_token=***&timestamp=***&sign=*** failed"
        );
    }
}
