//! `POST /api/v1/feedback` and `GET /api/v1/feedback/export`: analysts' verdicts close the
//! loop between alerts and the detector.
//!
//! An analyst judges a post an alert showed (by its id: the store resolves its text, its
//! incident and the alert's rules) or a post the engine missed (by its text). Each verdict
//! counts for the rules that raised the post — `fenghuo_feedback_total{rule, verdict}`
//! (`confirmed` / `false_alarm`) in `/metrics`, restored from the store at start — and is
//! exported as the training TSV `fenghuo model train` reads beside the corpora.
//!
//! Why the alert's rules: the alert is what the analyst saw and judged (a notice, the wall,
//! `GET /api/v1/alerts/{id}`), and the store keeps alerts, not every match. A caller that
//! knows a post's own rules (from the matches output) may send them as `rules`.

use std::collections::{BTreeMap, HashSet};

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use super::AppState;
use crate::deliver::outbox::{Feedback, NewFeedback, Outbox, OutboxError, RuleVerdicts};

/// The domains a verdict may name: the detector's six, and 其他 for anything else.
pub const DOMAINS: [&str; 7] = [
    "执法办案",
    "窗口服务",
    "队伍管理",
    "重大安保",
    "谣言",
    "袭警",
    "其他",
];

/// Confirmed / false-alarm verdicts per rule.
pub const FEEDBACK_TOTAL: &str = "fenghuo_feedback_total";
/// Risk verdicts on posts no rule matched.
pub const FEEDBACK_MISSED: &str = "fenghuo_feedback_missed_total";

const MAX_TEXT_CHARS: usize = 20_000;
const MAX_ID_CHARS: usize = 256;
const MAX_PLATFORM_CHARS: usize = 64;
const MAX_WHO_CHARS: usize = 64;
const MAX_COMMENT_CHARS: usize = 2_000;
const MAX_RULES: usize = 64;
const MAX_RULE_CHARS: usize = 128;

/// The request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// The post judged, as alerts show it (`first_post.id`, `top_posts[].id`).
    pub post_id: Option<String>,
    /// Narrows `post_id` when ids repeat across platforms.
    pub platform: Option<String>,
    /// The post's text: required for a post the store does not know; when given, it is
    /// used instead of the alert's 140-character excerpt.
    pub text: Option<String>,
    /// `risk` or `neutral`.
    pub label: String,
    /// Required with `risk`: one of [`DOMAINS`].
    pub domain: Option<String>,
    /// Who judged (becomes the export's source, `feedback/<who>`).
    pub who: String,
    #[serde(default)]
    pub comment: String,
    /// The rules that matched the post, when the caller knows them better than the alert.
    pub rules: Option<Vec<String>>,
}

fn bad(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": message.into() })),
    )
        .into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({ "error": e.to_string() })),
    )
        .into_response()
}

/// A field's length in characters within `max`, and free of control characters (which
/// would break the TSV export or a log line) unless `multiline`.
fn check(field: &str, value: &str, max: usize, multiline: bool) -> Result<(), String> {
    let chars = value.chars().count();
    if chars > max {
        return Err(format!("{field}: {chars} characters, at most {max}"));
    }
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(format!("{field}: control characters are not allowed"));
    }
    Ok(())
}

/// Checks everything that does not need the store.
pub fn validate(request: &FeedbackRequest) -> Result<(), String> {
    if !matches!(request.label.as_str(), "risk" | "neutral") {
        return Err(format!(
            "label {:?}: want \"risk\" or \"neutral\"",
            request.label
        ));
    }
    match request.domain.as_deref() {
        Some(domain) if !DOMAINS.contains(&domain) => {
            return Err(format!(
                "domain {domain:?}: want one of {}",
                DOMAINS.join(", ")
            ))
        }
        None if request.label == "risk" => {
            return Err(format!(
                "domain: required with label \"risk\" (one of {})",
                DOMAINS.join(", ")
            ))
        }
        _ => {}
    }
    if request.who.trim().is_empty() {
        return Err("who: required (the analyst's name or id)".into());
    }
    check("who", &request.who, MAX_WHO_CHARS, false)?;
    if request.who.contains(['/', ' ']) {
        return Err("who: no spaces or slashes (it names the export's source)".into());
    }
    check("comment", &request.comment, MAX_COMMENT_CHARS, true)?;
    if let Some(post_id) = &request.post_id {
        if post_id.is_empty() {
            return Err("post_id: empty".into());
        }
        check("post_id", post_id, MAX_ID_CHARS, false)?;
    }
    if let Some(platform) = &request.platform {
        check("platform", platform, MAX_PLATFORM_CHARS, false)?;
    }
    if let Some(text) = &request.text {
        if text.trim().is_empty() {
            return Err("text: empty".into());
        }
        check("text", text, MAX_TEXT_CHARS, true)?;
    }
    if request.post_id.is_none() && request.text.is_none() {
        return Err("post_id or text: one is required".into());
    }
    if let Some(rules) = &request.rules {
        if rules.len() > MAX_RULES {
            return Err(format!("rules: {} given, at most {MAX_RULES}", rules.len()));
        }
        for rule in rules {
            if rule.is_empty() {
                return Err("rules: an empty rule id".into());
            }
            check("rules", rule, MAX_RULE_CHARS, false)?;
        }
    }
    Ok(())
}

/// What a verdict means for the rules it names.
fn verdict(label: &str) -> &'static str {
    if label == "risk" {
        "confirmed"
    } else {
        "false_alarm"
    }
}

/// Sets the feedback metrics to what the store holds: at start (so counts survive
/// restarts) and after each verdict (so they never drift from the store).
pub fn publish_metrics(outbox: &Outbox) -> Result<(), OutboxError> {
    metrics::describe_counter!(
        FEEDBACK_TOTAL,
        "Analysts' verdicts on matched posts, by rule: confirmed or false_alarm."
    );
    metrics::describe_counter!(
        FEEDBACK_MISSED,
        "Analysts' risk verdicts on posts no rule matched."
    );
    for (rule, counts) in outbox.rule_verdicts(None, None)? {
        for (verdict, n) in [
            ("confirmed", counts.confirmed),
            ("false_alarm", counts.false_alarms),
        ] {
            metrics::counter!(FEEDBACK_TOTAL, "rule" => rule.clone(), "verdict" => verdict)
                .absolute(n);
        }
    }
    metrics::counter!(FEEDBACK_MISSED).absolute(outbox.missed_feedback()?);
    Ok(())
}

/// Resolves, records and counts one verdict (on the blocking pool).
fn record(outbox: &Outbox, request: FeedbackRequest) -> Result<Response, OutboxError> {
    let known = match &request.post_id {
        Some(post_id) => outbox.known_post(post_id, request.platform.as_deref())?,
        None => None,
    };
    let text = match (&request.text, &known) {
        (Some(text), _) => text.clone(),
        (None, Some(known)) if !known.text.trim().is_empty() => known.text.clone(),
        _ => {
            return Ok(bad(format!(
                "post {:?} is not in any alert the store keeps; send its text",
                request.post_id.as_deref().unwrap_or_default()
            )))
        }
    };
    let mut rules: Vec<String> = match (&request.rules, &known) {
        (Some(rules), _) => rules.clone(),
        (None, Some(known)) => known.rules.clone(),
        (None, None) => Vec::new(),
    };
    let mut seen = HashSet::new();
    rules.retain(|r| seen.insert(r.clone()));
    let entry = NewFeedback {
        platform: request
            .platform
            .clone()
            .or_else(|| known.as_ref().map(|k| k.platform.clone()))
            .unwrap_or_default(),
        post_id: request.post_id.clone().unwrap_or_default(),
        label: request.label.clone(),
        domain: request.domain.clone().unwrap_or_default(),
        who: request.who.trim().to_owned(),
        comment: request.comment.clone(),
        text,
        event_id: known
            .as_ref()
            .map(|k| k.event_id.clone())
            .unwrap_or_default(),
        rules,
    };
    let id = outbox.record_feedback(&entry, Utc::now())?;
    if let Err(e) = publish_metrics(outbox) {
        tracing::warn!(error = %e, "feedback metrics not updated");
    }
    tracing::info!(
        feedback = id,
        who = %entry.who,
        label = %entry.label,
        rules = entry.rules.len(),
        "feedback recorded"
    );
    let verdict = if entry.rules.is_empty() {
        if entry.label == "risk" {
            "missed"
        } else {
            "neutral"
        }
    } else {
        verdict(&entry.label)
    };
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": id,
            "verdict": verdict,
            "rules": entry.rules,
            "event_id": (!entry.event_id.is_empty()).then_some(&entry.event_id),
            "text_from": if request.text.is_some() { "request" } else { "alert" },
        })),
    )
        .into_response())
}

/// `POST /api/v1/feedback`.
pub async fn give(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let request: FeedbackRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return bad(format!("body: {e}")),
    };
    if let Err(message) = validate(&request) {
        return bad(message);
    }
    let outbox = state.outbox.clone();
    match tokio::task::spawn_blocking(move || record(&outbox, request)).await {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => internal(e),
        Err(e) => internal(e),
    }
}

/// The verdicts as the training TSV (`label, source, text, reason, domain`): the latest
/// verdict per post (or per text, for posts without an id) wins, so an analyst's correction
/// replaces the earlier verdict instead of teaching both.
pub fn export_tsv(feedback: &[Feedback]) -> String {
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ").trim().to_owned();
    let key = |f: &Feedback| {
        if f.entry.post_id.is_empty() {
            format!("text\u{0}{}", clean(&f.entry.text))
        } else {
            format!("post\u{0}{}\u{0}{}", f.entry.platform, f.entry.post_id)
        }
    };
    let mut seen = HashSet::new();
    let mut latest: Vec<&Feedback> = feedback
        .iter()
        .rev()
        .filter(|f| seen.insert(key(f)))
        .collect();
    latest.reverse();
    let mut out = String::from("label\tsource\ttext\treason\tdomain\n");
    for f in latest {
        let e = &f.entry;
        let mut reason = format!("analyst {}", verdict_word(e));
        if !e.comment.trim().is_empty() {
            reason.push_str(": ");
            reason.push_str(e.comment.trim());
        }
        let domain = if e.label == "risk" {
            e.domain.as_str()
        } else {
            ""
        };
        let row = [
            e.label.as_str(),
            &format!("feedback/{}", clean(&e.who)),
            &clean(&e.text),
            &clean(&reason),
            domain,
        ];
        out.push_str(&row.join("\t"));
        out.push('\n');
    }
    out
}

fn verdict_word(entry: &NewFeedback) -> &'static str {
    match (entry.rules.is_empty(), entry.label.as_str()) {
        (true, "risk") => "missed",
        (true, _) => "neutral",
        (false, label) => verdict(label),
    }
}

/// Adds to each rule a report lists (the rules that fired most) the analysts' verdicts on
/// its posts in the report's period: `confirmed` and `false_alarms`.
pub fn add_rule_verdicts(summary: &mut Value, verdicts: &BTreeMap<String, RuleVerdicts>) {
    for rule in summary["rules"].as_array_mut().into_iter().flatten() {
        let counts = rule["id"]
            .as_str()
            .and_then(|id| verdicts.get(id))
            .copied()
            .unwrap_or_default();
        rule["confirmed"] = json!(counts.confirmed);
        rule["false_alarms"] = json!(counts.false_alarms);
    }
}

/// `GET /api/v1/feedback/export`.
pub async fn export(State(state): State<AppState>) -> Response {
    let outbox = state.outbox.clone();
    match tokio::task::spawn_blocking(move || outbox.feedback()).await {
        Ok(Ok(feedback)) => (
            [
                (
                    header::CONTENT_TYPE,
                    "text/tab-separated-values; charset=utf-8",
                ),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"feedback.tsv\"",
                ),
            ],
            export_tsv(&feedback),
        )
            .into_response(),
        Ok(Err(e)) => internal(e),
        Err(e) => internal(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: serde_json::Value) -> FeedbackRequest {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn labels_domains_and_sizes_are_checked() {
        let ok = request(json!({"text": "x", "label": "risk", "domain": "袭警", "who": "li"}));
        assert_eq!(validate(&ok), Ok(()));
        let cases = [
            (
                json!({"text": "x", "label": "maybe", "domain": "袭警", "who": "li"}),
                "label",
            ),
            (
                json!({"text": "x", "label": "risk", "domain": "天气", "who": "li"}),
                "domain",
            ),
            (json!({"text": "x", "label": "risk", "who": "li"}), "domain"),
            (json!({"text": "x", "label": "neutral", "who": ""}), "who"),
            (
                json!({"text": "x", "label": "neutral", "who": "a b"}),
                "who",
            ),
            (json!({"label": "neutral", "who": "li"}), "post_id or text"),
            (
                json!({"text": "x".repeat(MAX_TEXT_CHARS + 1), "label": "neutral", "who": "li"}),
                "text",
            ),
            (
                json!({"text": "x", "label": "neutral", "who": "li", "comment": "c".repeat(MAX_COMMENT_CHARS + 1)}),
                "comment",
            ),
            (
                json!({"post_id": "a\u{1}", "label": "neutral", "who": "li"}),
                "post_id",
            ),
        ];
        for (body, field) in cases {
            let error = validate(&request(body.clone())).unwrap_err();
            assert!(error.starts_with(field), "{body}: {error}");
        }
    }

    #[test]
    fn the_latest_verdict_per_post_is_exported_and_tabs_never_split_a_row() {
        let entry = |post_id: &str, label: &str, text: &str| Feedback {
            id: 0,
            at: Utc::now(),
            entry: NewFeedback {
                platform: "weibo".into(),
                post_id: post_id.into(),
                label: label.into(),
                domain: if label == "risk" {
                    "袭警".into()
                } else {
                    String::new()
                },
                who: "li".into(),
                comment: "see\tthis".into(),
                text: text.into(),
                event_id: String::new(),
                rules: vec!["r1".into()],
            },
        };
        let tsv = export_tsv(&[
            entry("p1", "risk", "a\tb"),
            entry("p2", "risk", "c"),
            entry("p1", "neutral", "a\nb"),
        ]);
        let lines: Vec<&str> = tsv.lines().collect();
        assert_eq!(lines[0], "label\tsource\ttext\treason\tdomain");
        assert_eq!(lines.len(), 3, "{tsv}");
        assert_eq!(
            lines[1],
            "risk\tfeedback/li\tc\tanalyst confirmed: see this\t袭警"
        );
        assert_eq!(
            lines[2],
            "neutral\tfeedback/li\ta b\tanalyst false_alarm: see this\t"
        );
    }
}
