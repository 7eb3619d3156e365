//! Rule endpoints: list, reload, and test a text against the live rules.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::cpu_pool::PoolError;
use super::AppState;
use crate::matching::{Session, Subject};

pub async fn list(State(state): State<AppState>) -> Json<serde_json::Value> {
    let matcher = state.rules.current();
    let listed: Vec<_> = matcher
        .rules()
        .rules()
        .iter()
        .map(|r| json!({ "id": r.id, "name": r.name, "domain": r.domain, "severity": r.severity, "file": r.file }))
        .collect();
    Json(json!({
        "generation": matcher.generation,
        "dir": state.rules.dir().display().to_string(),
        "rules": listed,
        "last_reload_error": state.rules.last_error(),
    }))
}

pub async fn reload(State(state): State<AppState>) -> Response {
    let store = state.rules.clone();
    match tokio::task::spawn_blocking(move || store.reload()).await {
        Ok(Ok(generation)) => Json(json!({ "generation": generation })).into_response(),
        Ok(Err(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "error": "rules rejected; the previous generation keeps running",
                "generation": state.rules.current().generation,
                "problems": errors.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            })),
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// A text to judge, and optionally what a post would carry besides: the rules' platform
/// and follower filters apply to what is given, as they do to posts from a feed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    pub text: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub platform: Option<String>,
    #[serde(default)]
    pub followers: Option<u64>,
}

/// Which rules `text` fires, with the terms and their offsets in the normalized text; the
/// rules that had hits but did not fire, with the reason; the score, when the generation
/// has a scoring stage. Judged by the live generation's matcher, as the workers judge.
///
/// Bounded like a post: a title + text over `max_text_bytes` is refused (413), and the
/// work runs on the API's [`CpuPool`](super::cpu_pool::CpuPool) (503 when it is busy),
/// abandoned if the client goes before it starts or while it is answered.
pub async fn test(State(state): State<AppState>, Json(request): Json<TestRequest>) -> Response {
    let bytes = request.text.len() + request.title.as_ref().map_or(0, String::len);
    if bytes > state.max_text_bytes {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            Json(json!({
                "error": format!("title + text is {bytes} bytes; the limit is {}", state.max_text_bytes),
            })),
        )
            .into_response();
    }
    let matcher = state.rules.current();
    let answer = state
        .cpu
        .run(move |cancel| {
            if cancel.is_cancelled() {
                return serde_json::Value::Null;
            }
            let title = request.title.as_deref().filter(|t| !t.is_empty());
            let subject = Subject {
                parts: match title {
                    Some(title) => [title, "\n", &request.text],
                    None => ["", "", &request.text],
                },
                platform: request.platform.as_deref(),
                followers: request.followers,
                post: None,
            };
            let explanation = matcher.explain(subject, &mut Session::new());
            if cancel.is_cancelled() {
                return serde_json::Value::Null;
            }
            let not_fired: Vec<_> = explanation
                .not_fired
                .iter()
                .map(|(rule, why)| json!({ "id": rule.id, "reason": why.to_string() }))
                .collect();
            json!({
                "generation": explanation.verdict.generation,
                "normalized": explanation.normalized,
                "matches": explanation.verdict.rules,
                "not_fired": not_fired,
                "score": explanation.verdict.score,
            })
        })
        .await;
    match answer {
        Ok(answer) => Json(answer).into_response(),
        Err(e @ PoolError::Busy) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
