//! Alert endpoints: incidents with their why, steps and deliveries; the plan's steps
//! (ack, verified, responded, closed); silences; dead letters.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use crate::deliver::outbox::{
    valid_cursor, IncidentFilter, OutboxError, Silence, JOINT_RESPONSE, STEPS,
};

fn failed(e: OutboxError) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({ "error": e.to_string() })),
    )
        .into_response()
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

/// `GET /api/v1/alerts?level=&state=&domain=&since=&limit=&cursor=`: one page, newest
/// update first; `next_cursor` (when there is more) goes in `cursor` for the next page.
pub async fn list(State(state): State<AppState>, Query(filter): Query<IncidentFilter>) -> Response {
    let filter = match super::alert_filter::checked(filter) {
        Ok(filter) => filter,
        Err(message) => return bad_request(message),
    };
    if filter.cursor.as_deref().is_some_and(|c| !valid_cursor(c)) {
        return bad_request("cursor: not one this API gave out".into());
    }
    match state.outbox.blocking(move |o| o.incidents(&filter)).await {
        Ok(page) => Json(json!({ "alerts": page.incidents, "next_cursor": page.next_cursor }))
            .into_response(),
        Err(e) => failed(e),
    }
}

/// `GET /api/v1/alerts/{event_id}`: the incident, its latest alert (with the why), its
/// steps, the deadlines, the departments that must join and their acknowledgements, and
/// every delivery attempt.
pub async fn show(State(state): State<AppState>, Path(event_id): Path<String>) -> Response {
    let id = event_id.clone();
    let found = state
        .outbox
        .blocking(move |o| {
            let Some(incident) = o.incident(&id)? else {
                return Ok(None);
            };
            Ok(Some((
                incident,
                o.steps(&id)?,
                o.attempts(&id)?,
                o.departments(&id)?,
            )))
        })
        .await;
    let (incident, steps, attempts, departments) = match found {
        Ok(Some(found)) => found,
        Ok(None) => {
            return (
                StatusCode::NOT_FOUND,
                Json(json!({ "error": "no such alert" })),
            )
                .into_response()
        }
        Err(e) => return failed(e),
    };
    let joint = (!departments.is_empty()).then_some(JOINT_RESPONSE);
    let configured = state.deadlines.load_full();
    let deadlines: serde_json::Map<String, serde_json::Value> = STEPS
        .iter()
        .copied()
        .chain(joint)
        .filter_map(|step| {
            let limit = configured.deadline(&incident.level, step)?;
            Some((step.to_string(), json!(incident.opened_at + limit)))
        })
        .collect();
    Json(
        json!({ "alert": incident, "steps": steps, "deadlines": deadlines,
                 "departments": departments, "deliveries": attempts }),
    )
    .into_response()
}

pub async fn silences(State(state): State<AppState>) -> Response {
    match state.outbox.blocking(|o| o.silences()).await {
        Ok(silences) => {
            let now = Utc::now();
            let listed: Vec<_> = silences
                .into_iter()
                .map(|s| {
                    let active = s.starts_at <= now && now < s.ends_at;
                    json!({ "silence": s, "active": active })
                })
                .collect();
            Json(json!({ "silences": listed })).into_response()
        }
        Err(e) => failed(e),
    }
}

/// `POST /api/v1/silences` with matchers (or `event_id` for one incident), starts_at
/// (default now), ends_at, created_by, comment.
pub async fn add_silence(
    State(state): State<AppState>,
    Json(mut silence): Json<Silence>,
) -> Response {
    if let Some(event_id) = silence.event_id.take() {
        if !silence.matchers.event_ids.contains(&event_id) {
            silence.matchers.event_ids.push(event_id);
        }
    }
    if silence.ends_at <= silence.starts_at {
        return bad_request("ends_at must be after starts_at".into());
    }
    if silence.created_by.trim().is_empty() {
        return bad_request("created_by must say who silences".into());
    }
    if silence.matchers == Default::default() {
        return bad_request(
            "a silence needs at least one matcher (it would silence everything)".into(),
        );
    }
    if let Err(e) = bounded_silence(&silence) {
        return bad_request(e);
    }
    match state
        .outbox
        .blocking(move |o| o.add_silence(&silence))
        .await
    {
        Ok(id) => (StatusCode::CREATED, Json(json!({ "id": id }))).into_response(),
        Err(e) => failed(e),
    }
}

/// A silence's fields within [`bounds`](super::bounds): names, comment, matcher lists, and
/// a span of at most `MAX_SILENCE_DAYS` (a silence until 9999 was accepted).
fn bounded_silence(silence: &crate::deliver::outbox::Silence) -> Result<(), String> {
    use super::bounds::{self, MAX_COMMENT_CHARS, MAX_MATCHER_ENTRIES, MAX_SILENCE_DAYS};
    bounds::name("created_by", &silence.created_by)?;
    bounds::text("comment", &silence.comment, MAX_COMMENT_CHARS)?;
    let m = &silence.matchers;
    if m.levels.len() > MAX_MATCHER_ENTRIES {
        return Err(format!(
            "`matchers.levels` has more than {MAX_MATCHER_ENTRIES} entries"
        ));
    }
    for (field, list) in [
        ("domains", &m.domains),
        ("regions", &m.regions),
        ("platforms", &m.platforms),
        ("tags", &m.tags),
        ("rules", &m.rules),
        ("event_ids", &m.event_ids),
    ] {
        if list.len() > MAX_MATCHER_ENTRIES {
            return Err(format!(
                "`matchers.{field}` has more than {MAX_MATCHER_ENTRIES} entries"
            ));
        }
        for entry in list {
            bounds::name(&format!("matchers.{field}"), entry)?;
        }
    }
    if silence.ends_at - silence.starts_at > chrono::Duration::days(MAX_SILENCE_DAYS) {
        return Err(format!(
            "a silence may last at most {MAX_SILENCE_DAYS} days; renew it if it must last longer"
        ));
    }
    Ok(())
}

/// `DELETE /api/v1/silences/{id}`: expires it now.
pub async fn expire_silence(State(state): State<AppState>, Path(id): Path<i64>) -> Response {
    match state
        .outbox
        .blocking(move |o| o.expire_silence(id, Utc::now()))
        .await
    {
        Ok(true) => Json(json!({ "id": id, "expired": true })).into_response(),
        Ok(false) => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "no active silence with that id" })),
        )
            .into_response(),
        Err(e) => failed(e),
    }
}

pub async fn dead_letters(State(state): State<AppState>) -> Response {
    match state.outbox.blocking(|o| o.dead_letters()).await {
        Ok(letters) => Json(json!({ "dead_letters": letters })).into_response(),
        Err(e) => failed(e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryQuery {
    /// Only this receiver's dead letter; default every receiver's.
    pub receiver: Option<String>,
}

/// `POST /api/v1/dead-letters/{notice_id}/retry[?receiver=]`: sends a dead letter again
/// (once its receiver is fixed), as a new notice `{notice_id}!retry{n}`.
pub async fn retry_dead_letter(
    State(state): State<AppState>,
    Path(notice_id): Path<String>,
    Query(query): Query<RetryQuery>,
) -> Response {
    let id = notice_id.clone();
    let retried = state
        .outbox
        .blocking(move |o| o.retry_dead_letter(&id, query.receiver.as_deref(), Utc::now()))
        .await;
    match retried {
        Ok(Some((retry_id, seq))) => {
            state.wall.committed.send_replace(seq);
            (
                StatusCode::ACCEPTED,
                Json(json!({ "notice_id": notice_id, "retry_id": retry_id, "seq": seq })),
            )
                .into_response()
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "no such dead letter" })),
        )
            .into_response(),
        Err(e) => failed(e),
    }
}
