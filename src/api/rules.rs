//! Rule endpoints: list, reload, and test a text against the live rules.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use crate::normalize::normalize;
use crate::rules::{Scanner, Verdict};

pub async fn list(State(state): State<AppState>) -> Json<serde_json::Value> {
    let rules = state.rules.current();
    let listed: Vec<_> = rules
        .rules()
        .iter()
        .map(|r| json!({ "id": r.id, "name": r.name, "domain": r.domain, "severity": r.severity, "file": r.file }))
        .collect();
    Json(json!({
        "generation": rules.generation,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    pub text: String,
}

/// Which rules `text` fires, with the terms and their offsets in the normalized text, and
/// the rules that had hits but did not fire, with the reason.
pub async fn test(State(state): State<AppState>, Json(request): Json<TestRequest>) -> Response {
    let rules = state.rules.current();
    let answer = tokio::task::spawn_blocking(move || {
        let normalized = normalize(&request.text);
        let mut scanner = Scanner::new();
        let mut matches = Vec::new();
        let mut misses = Vec::new();
        for verdict in rules.evaluate(&normalized, &mut scanner) {
            match verdict {
                Verdict::Fired(mut m) => {
                    rules.locate_regex_starts(&normalized, &mut m.terms);
                    matches.push(rules.rule(m.rule).matched(m.terms))
                }
                Verdict::Missed(rule, miss) => {
                    misses.push(json!({ "id": rules.rule(rule).id, "reason": miss.to_string() }))
                }
            }
        }
        json!({
            "generation": rules.generation,
            "normalized": normalized,
            "matches": matches,
            "not_fired": misses,
        })
    })
    .await;
    match answer {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
