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
//! | `POST /api/v1/config/reload`   | receivers, routes, deadlines, places, accounts (token) |
//! | `GET  /api/v1/alerts`          | incidents, newest first (`?level=&state=&domain=&since=`) |
//! | `GET  /api/v1/alerts/{id}`     | one incident: latest alert, steps, deadlines, deliveries |
//! | `POST /api/v1/alerts/{id}/{action}` | record a step: ack, verified, responded, closed (token) |
//! | `GET  /api/v1/silences`        | silences                                              |
//! | `POST /api/v1/silences`, `DELETE /api/v1/silences/{id}` | add, expire a silence (token) |
//! | `GET  /api/v1/dead-letters`    | notices a receiver gave up on                         |
//! | `POST /api/v1/feedback`        | an analyst's verdict on a post (token)                |
//! | `GET  /api/v1/feedback/export` | the verdicts as training TSV for `fenghuo model train` |
//! | `GET  /healthz`, `/readyz`     | liveness, readiness                                   |
//! | `GET  /metrics`                | Prometheus text format                                |
//! | `GET  /`                       | the wall display (wall token, if configured)          |
//! | `GET  /wall.css`, `/wall.js`   | its style and script                                  |
//! | `GET  /ws/alerts?since=SEQ`    | the wall's socket: snapshot, then deltas              |
//! | `GET  /api/v1/reports/daily`   | 舆情日报 `?date=YYYY-MM-DD[&format=html]` (wall token)  |
//! | `GET  /api/v1/reports/weekly`  | 周报 `?week=YYYY-Www[&format=html]` (wall token)        |

mod alert_filter;
mod alerts;
pub mod bounds;
pub mod cpu_pool;
pub mod feedback;
mod report_html;
mod report_summary;
mod reports;
mod rules;
pub mod server;
mod steps;
pub mod wall;
mod wall_view;
pub mod ws_alerts;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::deliver::deadlines::DeadlinesConfig;
use crate::deliver::outbox::Outbox;
use crate::grade::store::PolicyStore;
use crate::health::Health;
use crate::ingest::push::{self, PushState};
use crate::matching::store::RuleStore;

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub rules: Arc<RuleStore>,
    pub policy: Arc<PolicyStore>,
    pub health: Arc<Health>,
    pub outbox: Arc<Outbox>,
    /// Reloadable with the configuration.
    pub deadlines: Arc<arc_swap::ArcSwap<DeadlinesConfig>>,
    /// `POST /api/v1/config/reload`: routes, receivers, deadlines, places and accounts.
    pub reconfigure: Option<Arc<crate::reconfigure::Reconfigure>>,
    /// Require the token on reading endpoints too.
    pub protect_reads: bool,
    pub metrics: Option<PrometheusHandle>,
    /// Required as `Authorization: Bearer …` on changing endpoints, when set.
    pub token: Option<Arc<str>>,
    /// The largest request body accepted.
    pub max_frame_bytes: usize,
    pub wall: wall::WallState,
    /// The largest title + text `POST /api/v1/rules/test` judges (as for a post).
    pub max_text_bytes: usize,
    /// Where CPU work done for callers runs, a bounded number at once.
    pub cpu: cpu_pool::CpuPool,
}

/// The whole API: `state` for its own handlers, `push` for the push sources it mounts.
pub fn router(state: AppState, push: PushState) -> Router {
    let token = state.token.clone();
    let pushing = push::router(push)
        .route_layer(middleware::from_fn_with_state(token.clone(), require_token));
    let changing = Router::new()
        .route("/api/v1/rules/reload", post(rules::reload))
        .route("/api/v1/policy/reload", post(reload_policy))
        .route("/api/v1/config/reload", post(reload_config))
        .route("/api/v1/alerts/{id}/{action}", post(steps::step))
        .route("/api/v1/silences", post(alerts::add_silence))
        .route("/api/v1/silences/{id}", delete(alerts::expire_silence))
        .route("/api/v1/feedback", post(feedback::give))
        .route(
            "/api/v1/dead-letters/{id}/retry",
            post(alerts::retry_dead_letter),
        )
        .route_layer(middleware::from_fn_with_state(token.clone(), require_token));
    let mut reading = Router::new()
        .route("/api/v1/rules", get(rules::list))
        .route("/api/v1/rules/test", post(rules::test))
        .route("/api/v1/alerts", get(alerts::list))
        .route("/api/v1/alerts/{id}", get(alerts::show))
        .route("/api/v1/silences", get(alerts::silences))
        .route("/api/v1/dead-letters", get(alerts::dead_letters))
        .route("/api/v1/feedback/export", get(feedback::export));
    if state.protect_reads {
        reading = reading.route_layer(middleware::from_fn_with_state(token, require_token));
    }
    let max_frame_bytes = state.max_frame_bytes;
    let wall = Router::new()
        .route("/", get(wall::page))
        .route("/wall.css", get(wall::style))
        .route("/wall.js", get(wall::script))
        .route("/ws/alerts", get(ws_alerts::upgrade))
        .route("/api/v1/reports/daily", get(reports::daily))
        .route("/api/v1/reports/weekly", get(reports::weekly))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            wall::require_wall_token,
        ));
    Router::new()
        .merge(changing)
        .merge(reading)
        .layer(axum::extract::DefaultBodyLimit::max(
            bounds::MAX_API_BODY_BYTES,
        ))
        .merge(wall)
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(render_metrics))
        .with_state(state)
        .merge(pushing)
        .layer(axum::extract::DefaultBodyLimit::max(max_frame_bytes))
}

async fn require_token(
    State(token): State<Option<Arc<str>>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(token) = token {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        // Constant time: how long a refusal takes says nothing of how much was right.
        if !given.is_some_and(|given| wall::constant_time_eq(given, &token)) {
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

/// Reloads routes, receivers and deadlines from the configuration file, and the places and
/// accounts files: 200 with what now runs, or 422 with why nothing changed.
async fn reload_config(State(state): State<AppState>) -> Response {
    let Some(reconfigure) = state.reconfigure.clone() else {
        return (StatusCode::NOT_FOUND, "no reloadable configuration\n").into_response();
    };
    match tokio::task::spawn_blocking(move || reconfigure.reload()).await {
        Ok(Ok(now)) => Json(now).into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "configuration reload rejected");
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(serde_json::json!({ "error": e.to_string() })),
            )
                .into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// 200 with the state of things when ready; 503 with every reason when not.
async fn ready(State(state): State<AppState>) -> Response {
    let outbox = state.outbox.clone();
    let writable = tokio::task::spawn_blocking(move || outbox.writable()).await;
    let outbox_problem = match writable {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(e) => Some(e.to_string()),
    };
    let readiness = state.health.readiness(&state.rules);
    let outbox_line = match &outbox_problem {
        None => "outbox: writable\n".to_owned(),
        Some(problem) => format!("outbox: NOT WRITABLE: {problem}\n"),
    };
    let status = if readiness.ready && outbox_problem.is_none() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, readiness.report + &outbox_line).into_response()
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

#[cfg(test)]
mod tests {
    use super::wall::constant_time_eq;

    /// The bearer token compare goes through the constant-time compare (regression: `!=`
    /// on strings stops at the first differing byte); it must still decide rightly.
    #[test]
    fn the_token_compare_decides_rightly() {
        assert!(constant_time_eq("s3cret", "s3cret"));
        assert!(!constant_time_eq("s3cre", "s3cret"));
        assert!(!constant_time_eq("s3cret!", "s3cret"));
        assert!(!constant_time_eq("s3creT", "s3cret"));
        assert!(!constant_time_eq("", "s3cret"));
    }
}
