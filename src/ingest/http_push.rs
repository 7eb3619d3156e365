//! HTTP push source: `POST /api/v1/ingest` with NDJSON or a JSON array of posts.
//!
//! The body becomes one frame. The response waits until the frame is queued, so a provider
//! pushing faster than the engine matches is slowed down rather than dropped.
//! `?mapping=weibo,douyin` restricts the mappings tried (default: all).

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::push::PushState;
use super::Frame;

/// Source name posts pushed over HTTP carry.
pub const SOURCE_NAME: &str = "http_push";

#[derive(Debug, Deserialize)]
pub struct PushParams {
    /// Comma-separated mapping names.
    pub mapping: Option<String>,
}

pub async fn ingest(
    State(state): State<PushState>,
    Query(params): Query<PushParams>,
    body: Bytes,
) -> Response {
    let source = state.source_for(SOURCE_NAME, params.mapping.as_deref());
    let source = match source {
        Ok(source) => source,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": e.to_string() })),
            )
                .into_response()
        }
    };
    let bytes = body.len();
    match state.queue.send(Frame::new(source, body)).await {
        Ok(()) => (
            StatusCode::ACCEPTED,
            Json(json!({ "accepted_bytes": bytes })),
        )
            .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "error": "shutting down" })),
        )
            .into_response(),
    }
}
