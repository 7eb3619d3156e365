//! `POST /api/v1/alerts/{event_id}/{ack|verified|responded|closed}`: the plan's steps.
//!
//! Each step is taken once (a repeat answers 409 and counts nothing); `at` may not be
//! before the incident opened nor later than now plus [`MAX_CLOCK_SKEW`], so the deadline
//! histogram sees only real durations. An `ack` with a `department` is that department's
//! own acknowledgement; the joint response is met when every department the incident's
//! routes named has acknowledged.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use metrics::histogram;
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use crate::deliver::outbox::{StepOutcome, StepTake};
use crate::models::Step;
use crate::telemetry::DEADLINE_STEP_SECONDS;

/// How far in the future a step's `at` may be (clocks of the officers' machines differ).
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(2);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// Who took the step (officer).
    pub by: String,
    /// For `ack`: the department acknowledging for itself (情指, 网安, 宣传, …).
    #[serde(default)]
    pub department: Option<String>,
    /// When; default now.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub comment: String,
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

pub async fn step(
    State(state): State<AppState>,
    Path((event_id, action)): Path<(String, String)>,
    Json(request): Json<StepRequest>,
) -> Response {
    let step = match action.parse::<Step>() {
        Ok(step) => step.as_str(),
        Err(e) => return answer(StatusCode::BAD_REQUEST, json!({ "error": e.to_string() })),
    };
    if request.by.trim().is_empty() {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({ "error": "`by` must say who took the step" }),
        );
    }
    let bounded = super::bounds::name("by", &request.by)
        .and_then(|()| {
            request
                .department
                .as_deref()
                .map_or(Ok(()), |d| super::bounds::name("department", d))
        })
        .and_then(|()| {
            super::bounds::text(
                "comment",
                &request.comment,
                super::bounds::MAX_COMMENT_CHARS,
            )
        });
    if let Err(e) = bounded {
        return answer(StatusCode::BAD_REQUEST, json!({ "error": e }));
    }
    let department = request
        .department
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    if department.is_some() && step != Step::Ack.as_str() {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({ "error": "`department` acknowledges: only with ack" }),
        );
    }
    let now = Utc::now();
    let at = request.at.unwrap_or(now);
    if at > now + MAX_CLOCK_SKEW {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({ "error": format!("`at` {at} is in the future (now {now})") }),
        );
    }
    let outbox = state.outbox.clone();
    let owned = (
        event_id.clone(),
        department.map(str::to_owned),
        request.by.trim().to_owned(),
        request.comment.clone(),
    );
    let outcome = tokio::task::spawn_blocking(move || {
        let (event_id, department, by, comment) = owned;
        let take = StepTake {
            event_id: &event_id,
            step,
            department: department.as_deref(),
            by: &by,
            comment: &comment,
            at,
        };
        let outcome = outbox.record_step(&take, Utc::now())?;
        let departments = outbox.departments(&event_id)?;
        Ok::<_, crate::deliver::outbox::OutboxError>((outcome, departments))
    })
    .await;
    let (outcome, departments) = match outcome {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => {
            return answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "error": e.to_string() }),
            )
        }
        Err(e) => {
            return answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "error": e.to_string() }),
            )
        }
    };
    match outcome {
        StepOutcome::UnknownIncident => {
            answer(StatusCode::NOT_FOUND, json!({ "error": "no such alert" }))
        }
        StepOutcome::BeforeOpened { opened_at } => answer(
            StatusCode::BAD_REQUEST,
            json!({ "error": format!("`at` {at} is before the incident opened ({opened_at})") }),
        ),
        StepOutcome::Repeated { at: taken } => answer(
            StatusCode::CONFLICT,
            json!({ "error": "this step was already taken", "taken_at": taken,
                    "department": department }),
        ),
        StepOutcome::NotRequired { required } => answer(
            StatusCode::BAD_REQUEST,
            json!({ "error": format!("{} is not among the departments this incident needs",
                                     department.unwrap_or_default()),
                    "departments": required }),
        ),
        StepOutcome::Taken(taken) => {
            let mut met = Vec::new();
            for (name, elapsed) in &taken.met {
                histogram!(DEADLINE_STEP_SECONDS, "level" => taken.level.clone(), "step" => *name)
                    .record(elapsed.num_milliseconds() as f64 / 1000.0);
                met.push(*name);
            }
            if let Some(seq) = taken.seq {
                state.wall.committed.send_replace(seq);
            }
            Json(
                json!({ "event_id": event_id, "step": step, "department": department,
                         "at": at, "by": request.by.trim(), "met": met,
                         "departments": departments }),
            )
            .into_response()
        }
    }
}
