//! `[[receivers]]`: one entry per receiver, its settings chosen by `kind`. Each kind's
//! settings live beside its code (`WebhookConfig` in `webhook.rs`, …) and refuse the
//! fields of other kinds, so `mention` on a webhook or `headers` on a robot is an error
//! that says which kinds take it, instead of a setting silently ignored.
//!
//! [`parse_receivers`] reads and checks a whole list: what start-up and a reload of the
//! receivers both go through.

use std::collections::HashSet;

use serde::{Deserialize, Deserializer};

use super::dingtalk::DingtalkConfig;
use super::feishu::FeishuConfig;
use super::webhook::WebhookConfig;
use super::wecom::WecomConfig;
use super::Protocol;
use crate::deliver::outbox::Notice;
use crate::models::Level;

/// One `[[receivers]]` entry, by `kind`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ReceiverConfig {
    /// Generic signed JSON webhook.
    Webhook(WebhookConfig),
    /// DingTalk group robot (钉钉自定义机器人).
    Dingtalk(DingtalkConfig),
    /// WeCom group robot (企业微信群机器人).
    Wecom(WecomConfig),
    /// Feishu / Lark group robot (飞书自定义机器人).
    Feishu(FeishuConfig),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiverKind {
    Webhook,
    Dingtalk,
    Wecom,
    Feishu,
}

impl ReceiverKind {
    const ALL: [ReceiverKind; 4] = [
        ReceiverKind::Webhook,
        ReceiverKind::Dingtalk,
        ReceiverKind::Wecom,
        ReceiverKind::Feishu,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ReceiverKind::Webhook => "webhook",
            ReceiverKind::Dingtalk => "dingtalk",
            ReceiverKind::Wecom => "wecom",
            ReceiverKind::Feishu => "feishu",
        }
    }

    /// The settings a receiver of this kind takes (besides `kind`).
    fn fields(self) -> &'static [&'static str] {
        match self {
            ReceiverKind::Webhook => WebhookConfig::FIELDS,
            ReceiverKind::Dingtalk => DingtalkConfig::FIELDS,
            ReceiverKind::Wecom => WecomConfig::FIELDS,
            ReceiverKind::Feishu => FeishuConfig::FIELDS,
        }
    }
}

/// `mention = { levels = ["red"], all = true, mobiles = [], user_ids = [] }`: whom a
/// robot @mentions, for which levels (默认：红色预警 @所有人).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MentionConfig {
    /// Levels whose notices (alerts and overdue reminders) @mention.
    #[serde(default = "default_mention_levels")]
    pub levels: Vec<Level>,
    /// @all: DingTalk `isAtAll`, Feishu `<at id=all>` (WeCom markdown has none).
    #[serde(default = "default_true")]
    pub all: bool,
    /// Phone numbers: DingTalk `atMobiles`.
    #[serde(default)]
    pub mobiles: Vec<String>,
    /// User ids: DingTalk `atUserIds`, WeCom `<@userid>`, Feishu `<at id=…>` (open_id).
    #[serde(default)]
    pub user_ids: Vec<String>,
}

impl Default for MentionConfig {
    fn default() -> MentionConfig {
        MentionConfig {
            levels: default_mention_levels(),
            all: true,
            mobiles: Vec::new(),
            user_ids: Vec::new(),
        }
    }
}

impl MentionConfig {
    /// Whom `notice` @mentions, if its level asks for it.
    pub fn for_notice(&self, notice: &Notice) -> Option<&MentionConfig> {
        let wanted = self.levels.iter().any(|l| l.label() == notice.level);
        let anyone = self.all || !self.mobiles.is_empty() || !self.user_ids.is_empty();
        (wanted && anyone).then_some(self)
    }
}

fn default_mention_levels() -> Vec<Level> {
    vec![Level::Red]
}

fn default_true() -> bool {
    true
}

/// At most `messages` per `per_seconds`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub messages: usize,
    pub per_seconds: f64,
}

pub(super) fn default_timeout_ms() -> u64 {
    10_000
}

impl ReceiverConfig {
    pub fn kind(&self) -> ReceiverKind {
        match self {
            ReceiverConfig::Webhook(_) => ReceiverKind::Webhook,
            ReceiverConfig::Dingtalk(_) => ReceiverKind::Dingtalk,
            ReceiverConfig::Wecom(_) => ReceiverKind::Wecom,
            ReceiverConfig::Feishu(_) => ReceiverKind::Feishu,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            ReceiverConfig::Webhook(c) => &c.name,
            ReceiverConfig::Dingtalk(c) => &c.name,
            ReceiverConfig::Wecom(c) => &c.name,
            ReceiverConfig::Feishu(c) => &c.name,
        }
    }

    pub fn url(&self) -> &str {
        match self {
            ReceiverConfig::Webhook(c) => &c.url,
            ReceiverConfig::Dingtalk(c) => &c.url,
            ReceiverConfig::Wecom(c) => &c.url,
            ReceiverConfig::Feishu(c) => &c.url,
        }
    }

    /// The signing secret (`""`: none; WeCom robots have none, their key is in the URL).
    pub fn secret(&self) -> &str {
        match self {
            ReceiverConfig::Webhook(c) => &c.secret,
            ReceiverConfig::Dingtalk(c) => &c.secret,
            ReceiverConfig::Wecom(_) => "",
            ReceiverConfig::Feishu(c) => &c.secret,
        }
    }

    /// Values of the extra HTTP headers (the generic webhook's), for redaction.
    pub fn header_values(&self) -> Vec<&str> {
        match self {
            ReceiverConfig::Webhook(c) => c.headers.values().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    pub fn timeout_ms(&self) -> u64 {
        match self {
            ReceiverConfig::Webhook(c) => c.timeout_ms,
            ReceiverConfig::Dingtalk(c) => c.timeout_ms,
            ReceiverConfig::Wecom(c) => c.timeout_ms,
            ReceiverConfig::Feishu(c) => c.timeout_ms,
        }
    }

    /// The configured rate limit, else the kind's documented one.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        let configured = match self {
            ReceiverConfig::Webhook(c) => c.rate_limit,
            ReceiverConfig::Dingtalk(c) => c.rate_limit,
            ReceiverConfig::Wecom(c) => c.rate_limit,
            ReceiverConfig::Feishu(c) => c.rate_limit,
        };
        configured.or_else(|| self.protocol().default_rate_limit())
    }

    /// What this kind sends and how it reads an answer.
    pub(super) fn protocol(&self) -> &dyn Protocol {
        match self {
            ReceiverConfig::Webhook(c) => c,
            ReceiverConfig::Dingtalk(c) => c,
            ReceiverConfig::Wecom(c) => c,
            ReceiverConfig::Feishu(c) => c,
        }
    }
}

/// Reads one `[[receivers]]` entry; an error names the entry and, for a field of another
/// kind, the kinds that take it.
fn parse_one(index: usize, value: &toml::Value) -> Result<ReceiverConfig, String> {
    let name = value
        .get("name")
        .and_then(toml::Value::as_str)
        .unwrap_or("?");
    let kind = value.get("kind").and_then(toml::Value::as_str);
    let at = match kind {
        Some(kind) => format!("receivers[{index}] ({name}, kind = {kind:?})"),
        None => format!("receivers[{index}] ({name})"),
    };
    value.clone().try_into().map_err(|e: toml::de::Error| {
        let message = e.message().trim().to_owned();
        let mut hint = String::new();
        if let Some(field) = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
        {
            let takers: Vec<&str> = ReceiverKind::ALL
                .into_iter()
                .filter(|k| k.fields().contains(&field))
                .map(ReceiverKind::label)
                .collect();
            if !takers.is_empty() {
                hint = format!(
                    " (`{field}` is a setting of {} receivers)",
                    takers.join(", ")
                );
            }
        }
        format!("{at}: {message}{hint}")
    })
}

/// Reads and checks a `receivers` list (an array of tables): every problem, each naming
/// its entry. What start-up and a reload of the receivers go through.
pub fn parse_receivers(value: &toml::Value) -> Result<Vec<ReceiverConfig>, Vec<String>> {
    let Some(entries) = value.as_array() else {
        return Err(vec![
            "receivers: expected a list of [[receivers]] tables".to_owned()
        ]);
    };
    let mut receivers = Vec::new();
    let mut problems = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        match parse_one(index, entry) {
            Ok(receiver) => receivers.push(receiver),
            Err(problem) => problems.push(problem),
        }
    }
    validate_receivers(&receivers, &mut problems);
    if problems.is_empty() {
        Ok(receivers)
    } else {
        Err(problems)
    }
}

/// What the types alone cannot check: unique names, http(s) URLs, usable rate limits.
pub fn validate_receivers(receivers: &[ReceiverConfig], problems: &mut Vec<String>) {
    let mut names = HashSet::new();
    for receiver in receivers {
        let name = receiver.name();
        if name.trim().is_empty() {
            problems.push("receivers: a receiver needs a name".to_owned());
        } else if !names.insert(name) {
            problems.push(format!("receivers: duplicate receiver name {name:?}"));
        }
        let url = receiver.url();
        if !url.starts_with("http://") && !url.starts_with("https://") {
            problems.push(format!(
                "receivers.{name}: url must start with http:// or https://"
            ));
        }
        if receiver.timeout_ms() == 0 {
            problems.push(format!("receivers.{name}: timeout_ms must be positive"));
        }
        if let Some(limit) = receiver.rate_limit() {
            if limit.messages == 0 || !(limit.per_seconds > 0.0 && limit.per_seconds.is_finite()) {
                problems.push(format!(
                    "receivers.{name}: rate_limit needs messages >= 1 and per_seconds > 0"
                ));
            }
        }
    }
}

/// `#[serde(deserialize_with)]` for the configuration's `receivers`: through
/// [`parse_one`], so errors name their entry (the checks of [`validate_receivers`] run
/// with the rest of the configuration's, so every problem is reported at once).
pub fn deserialize_receivers<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<ReceiverConfig>, D::Error> {
    let entries = Vec::<toml::Value>::deserialize(deserializer)?;
    let mut receivers = Vec::new();
    let mut problems = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        match parse_one(index, entry) {
            Ok(receiver) => receivers.push(receiver),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(receivers)
    } else {
        Err(serde::de::Error::custom(problems.join("\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<ReceiverConfig>, Vec<String>> {
        let table: toml::Table = text.parse().unwrap();
        parse_receivers(&table["receivers"])
    }

    #[test]
    fn every_kind_takes_its_own_settings_as_existing_files_write_them() {
        let receivers = parse(
            r#"
            [[receivers]]
            name = "hook"
            kind = "webhook"
            url = "https://example.org/hook"
            secret = "s"
            headers = { "X-Source" = "fenghuo" }
            timeout_ms = 500
            [[receivers]]
            name = "ding"
            kind = "dingtalk"
            url = "https://oapi.dingtalk.com/robot/send?access_token=t"
            secret = "SEC1"
            rate_limit = { messages = 20, per_seconds = 60 }
            mention = { levels = ["red", "orange"], mobiles = ["13800000000"] }
            [[receivers]]
            name = "wecom"
            kind = "wecom"
            url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
            mention = { user_ids = ["zhangsan"] }
            [[receivers]]
            name = "feishu"
            kind = "feishu"
            url = "https://open.feishu.cn/open-apis/bot/v2/hook/t"
            secret = "fs"
            "#,
        )
        .unwrap();
        let kinds: Vec<ReceiverKind> = receivers.iter().map(ReceiverConfig::kind).collect();
        assert_eq!(
            kinds,
            [
                ReceiverKind::Webhook,
                ReceiverKind::Dingtalk,
                ReceiverKind::Wecom,
                ReceiverKind::Feishu
            ]
        );
        assert_eq!(receivers[0].timeout_ms(), 500);
        assert_eq!(receivers[0].header_values(), ["fenghuo"]);
        assert_eq!(receivers[1].secret(), "SEC1");
        assert_eq!(
            receivers[2].rate_limit().unwrap().messages,
            20,
            "WeCom's default"
        );
        assert_eq!(
            receivers[3].rate_limit().unwrap().messages,
            5,
            "Feishu's default"
        );
    }

    #[test]
    fn a_setting_of_another_kind_is_an_error_that_says_whose_it_is() {
        let problems = parse(
            r#"
            [[receivers]]
            name = "hook"
            kind = "webhook"
            url = "https://example.org/hook"
            mention = { all = true }
            [[receivers]]
            name = "ding"
            kind = "dingtalk"
            url = "https://oapi.dingtalk.com/robot/send"
            headers = { "X" = "y" }
            [[receivers]]
            name = "wecom"
            kind = "wecom"
            url = "ftp://nowhere"
            [[receivers]]
            name = "wecom"
            kind = "slack"
            url = "https://x"
            "#,
        )
        .unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(
            problems[0]
                .starts_with("receivers[0] (hook, kind = \"webhook\"): unknown field `mention`")
                && problems[0]
                    .ends_with("(`mention` is a setting of dingtalk, wecom, feishu receivers)"),
            "{}",
            problems[0]
        );
        assert!(
            problems[1].contains("unknown field `headers`")
                && problems[1].contains("(`headers` is a setting of webhook receivers)"),
            "{}",
            problems[1]
        );
        assert!(
            problems[2].contains("unknown variant `slack`"),
            "{}",
            problems[2]
        );
        assert!(
            problems[3].contains("url must start with http"),
            "{}",
            problems[3]
        );
    }

    #[test]
    fn each_kinds_field_list_is_what_its_config_takes() {
        for kind in ReceiverKind::ALL {
            let entry: toml::Value = toml::from_str(&format!(
                "name = \"r\"\nkind = {:?}\nurl = \"https://x/\"\nzzz = 1\n",
                kind.label()
            ))
            .unwrap();
            let problem = parse_one(0, &entry).unwrap_err();
            let expected: Vec<&str> = problem
                .split("expected one of ")
                .nth(1)
                .unwrap_or_else(|| panic!("{problem}"))
                .split(", ")
                .map(|f| f.trim().trim_matches('`'))
                .collect();
            assert_eq!(expected, kind.fields(), "{problem}");
        }
    }
}
