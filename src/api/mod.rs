//! The HTTP API (axum): push ingest, rule tooling, health and metrics.
//!
//! | route                          | what                                                  |
//! |--------------------------------|-------------------------------------------------------|
//! | `POST /api/v1/ingest`          | push NDJSON or a JSON array of posts (token)          |
//! | `GET  /api/v1/ingest/ws`       | WebSocket push of posts (token)                       |
//! | `GET  /api/v1/rules`           | the live generation, its rules, the last reload error |
//! | `POST /api/v1/rules/reload`    | compile, test and swap in the rules directory (token) |
//! | `POST /api/v1/rules/test`      | which rules a text fires, and why                     |
//! | `POST /api/v1/policy/reload`   | reload the grading policy file (token)                |
//! | `GET  /healthz`, `/readyz`     | liveness, readiness                                   |
//! | `GET  /metrics`                | Prometheus text format                                |

mod rules;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio_util::sync::CancellationToken;

use crate::decode::Decoder;
use crate::grade::store::PolicyStore;
use crate::health::Health;
use crate::ingest::queue::FrameSender;
use crate::ingest::{http_push, websocket_server};
use crate::rules::RuleStore;

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub queue: FrameSender,
    pub decoder: Arc<Decoder>,
    pub rules: Arc<RuleStore>,
    pub policy: Arc<PolicyStore>,
    pub health: Arc<Health>,
    pub metrics: Option<PrometheusHandle>,
    /// Required as `Authorization: Bearer …` on changing endpoints when not empty.
    pub token: Arc<str>,
    pub max_frame_bytes: usize,
    pub shutdown: CancellationToken,
}

pub fn router(state: AppState) -> Router {
    let changing = Router::new()
        .route("/api/v1/ingest", post(http_push::ingest))
        .route("/api/v1/ingest/ws", get(websocket_server::upgrade))
        .route("/api/v1/rules/reload", post(rules::reload))
        .route("/api/v1/policy/reload", post(reload_policy))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .merge(changing)
        .route("/api/v1/rules", get(rules::list))
        .route("/api/v1/rules/test", post(rules::test))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(render_metrics))
        .layer(axum::extract::DefaultBodyLimit::max(state.max_frame_bytes))
        .with_state(state)
}

async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.token.is_empty() {
        let expected = format!("Bearer {}", state.token);
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if given != Some(expected.as_str()) {
            return (StatusCode::UNAUTHORIZED, "missing or wrong bearer token\n").into_response();
        }
    }
    next.run(request).await
}

async fn reload_policy(State(state): State<AppState>) -> Response {
    let policy = state.policy.clone();
    match tokio::task::spawn_blocking(move || policy.reload()).await {
        Ok(Ok(())) => (StatusCode::OK, "policy reloaded\n").into_response(),
        Ok(Err(e)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("policy rejected; the previous policy keeps grading:\n{e}\n"),
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// 200 with the state of things when ready; 503 with every reason when not.
async fn ready(State(state): State<AppState>) -> Response {
    match state.health.readiness(&state.rules) {
        Ok(report) => (StatusCode::OK, report).into_response(),
        Err(report) => (StatusCode::SERVICE_UNAVAILABLE, report).into_response(),
    }
}

async fn render_metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "metrics recorder not installed\n").into_response(),
    }
}
