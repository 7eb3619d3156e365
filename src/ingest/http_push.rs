//! HTTP push source: `POST /api/v1/ingest` with NDJSON or a JSON array of posts.
//!
//! The body becomes one frame. Its bytes are reserved in the queue's byte budget *before*
//! the body is read (the `Content-Length`, or `max_frame_bytes` for a chunked body, given
//! back down to the real size once read), so bodies in flight count against the same bound
//! as queued frames. A push that finds no room within `push_wait_ms` is answered 503 with
//! `Retry-After`; the response otherwise waits until the frame is queued, so a provider
//! pushing faster than the engine matches is slowed down rather than dropped.
//! `?mapping=weibo,douyin` restricts the mappings tried (default: all).

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::BytesMut;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::json;

use super::push::PushState;
use super::queue::ReserveError;
use super::Frame;
use crate::telemetry::PUSH_REFUSED;

/// Source name posts pushed over HTTP carry.
pub const SOURCE_NAME: &str = "http_push";

/// Seconds a refused provider is told to wait.
const RETRY_AFTER_SECS: &str = "1";

#[derive(Debug, Deserialize)]
pub struct PushParams {
    /// Comma-separated mapping names.
    pub mapping: Option<String>,
}

pub async fn ingest(
    State(state): State<PushState>,
    Query(params): Query<PushParams>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let source = match state.source_for(SOURCE_NAME, params.mapping.as_deref()) {
        Ok(source) => source,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(length) = declared.filter(|&l| l > state.max_frame_bytes) {
        return too_large(length, state.max_frame_bytes);
    }
    let wanted = declared.unwrap_or(state.max_frame_bytes);
    let mut reservation = match state.queue.reserve_within(wanted, state.push_wait).await {
        Ok(reservation) => reservation,
        Err(ReserveError::Closed) => {
            return error(StatusCode::SERVICE_UNAVAILABLE, "shutting down".into())
        }
        Err(e) => {
            metrics::counter!(PUSH_REFUSED, "source" => SOURCE_NAME, "reason" => "busy")
                .increment(1);
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, RETRY_AFTER_SECS)],
                Json(json!({ "error": e.to_string() })),
            )
                .into_response();
        }
    };
    // One buffer of the reserved size: collecting chunks and joining them held the body
    // twice.
    let mut buffer = BytesMut::with_capacity(wanted);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                let status = if timed_out(&e) {
                    StatusCode::REQUEST_TIMEOUT
                } else {
                    StatusCode::BAD_REQUEST
                };
                return error(status, format!("reading the body: {e}"));
            }
        };
        if buffer.len() + chunk.len() > wanted {
            return too_large(buffer.len() + chunk.len(), wanted);
        }
        buffer.extend_from_slice(&chunk);
    }
    reservation.shrink_to(buffer.len());
    let bytes = buffer.len();
    match state
        .queue
        .send_reserved(Frame::new(source, buffer.freeze()), reservation)
        .await
    {
        Ok(()) => (
            StatusCode::ACCEPTED,
            Json(json!({ "accepted_bytes": bytes })),
        )
            .into_response(),
        Err(_) => error(StatusCode::SERVICE_UNAVAILABLE, "shutting down".into()),
    }
}

/// Whether reading the body failed on the listener's body deadline.
fn timed_out(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<super::push::BodyTimedOut>() {
            return true;
        }
        source = e.source();
    }
    false
}

fn too_large(bytes: usize, limit: usize) -> Response {
    metrics::counter!(PUSH_REFUSED, "source" => SOURCE_NAME, "reason" => "too_large").increment(1);
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("body of {bytes} bytes or more exceeds the limit of {limit}"),
    )
}

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}
