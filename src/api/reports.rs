//! `GET /api/v1/reports/daily?date=YYYY-MM-DD` and `/weekly?week=YYYY-Www`: the 舆情日报
//! and 周报, as JSON or (`format=html`) as a printable page the wall display links to.
//! Days and weeks are China Standard Time (UTC+8), as the monitoring centre counts them.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use serde::Deserialize;
use serde_json::json;

use super::feedback::add_rule_verdicts;
use super::report_html::render;
use super::report_summary::summarize;
use super::AppState;

/// China Standard Time.
pub fn report_zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A report's period: `[from, to)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    pub kind: &'static str,
    pub label: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

fn start_of(date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    report_zone()
        .from_local_datetime(&midnight)
        .single()
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// The day `date` (default: today), in China Standard Time.
pub fn day(date: Option<&str>, now: DateTime<Utc>) -> Result<Period, String> {
    let date = match date {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|e| format!("date {text:?}: {e} (want YYYY-MM-DD)"))?,
        None => now.with_timezone(&report_zone()).date_naive(),
    };
    Ok(Period {
        kind: "daily",
        label: date.format("%Y-%m-%d").to_string(),
        from: start_of(date),
        to: start_of(date) + Duration::days(1),
    })
}

/// The ISO week `week` (`2026-W48`; or a date, meaning its week; default: this week).
pub fn week(week: Option<&str>, now: DateTime<Utc>) -> Result<Period, String> {
    let monday = match week {
        Some(text) => {
            if let Some((year, number)) = text.split_once("-W") {
                let year: i32 = year
                    .parse()
                    .map_err(|_| format!("week {text:?}: want YYYY-Www"))?;
                let number: u32 = number
                    .parse()
                    .map_err(|_| format!("week {text:?}: want YYYY-Www"))?;
                NaiveDate::from_isoywd_opt(year, number, Weekday::Mon)
                    .ok_or_else(|| format!("week {text:?}: no such week"))?
            } else {
                let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| format!("week {text:?}: want YYYY-Www or a date"))?;
                date - Duration::days(date.weekday().num_days_from_monday().into())
            }
        }
        None => {
            let date = now.with_timezone(&report_zone()).date_naive();
            date - Duration::days(date.weekday().num_days_from_monday().into())
        }
    };
    let iso = monday.iso_week();
    Ok(Period {
        kind: "weekly",
        label: format!("{}-W{:02}", iso.year(), iso.week()),
        from: start_of(monday),
        to: start_of(monday) + Duration::days(7),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    pub date: Option<String>,
    pub week: Option<String>,
    /// `json` (default) or `html`.
    pub format: Option<String>,
    /// The wall token, when the page was opened with one (checked by the wall's guard).
    #[serde(default, rename = "token")]
    pub _token: Option<String>,
}

pub async fn daily(State(state): State<AppState>, Query(query): Query<ReportQuery>) -> Response {
    let period = day(query.date.as_deref(), Utc::now());
    report(state, period, query.format.as_deref()).await
}

pub async fn weekly(State(state): State<AppState>, Query(query): Query<ReportQuery>) -> Response {
    let period = week(query.week.as_deref(), Utc::now());
    report(state, period, query.format.as_deref()).await
}

async fn report(state: AppState, period: Result<Period, String>, format: Option<&str>) -> Response {
    let period = match period {
        Ok(period) => period,
        Err(message) => {
            return (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
        }
    };
    let html = match format {
        None | Some("json") => false,
        Some("html") => true,
        Some(other) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": format!("format {other:?}: json or html") })),
            )
                .into_response()
        }
    };
    let outbox = state.outbox.clone();
    let (from, to) = (period.from, period.to);
    let incidents = tokio::task::spawn_blocking(move || {
        Ok::<_, crate::deliver::outbox::OutboxError>((
            outbox.report_incidents(from, to)?,
            outbox.rule_verdicts(Some(from), Some(to))?,
        ))
    })
    .await;
    let (incidents, verdicts) = match incidents {
        Ok(Ok(found)) => found,
        Ok(Err(e)) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({ "error": e.to_string() })),
            )
                .into_response()
        }
        Err(e) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({ "error": e.to_string() })),
            )
                .into_response()
        }
    };
    let mut summary = summarize(
        &period,
        &incidents,
        &state.deadlines.load_full(),
        Utc::now(),
    );
    add_rule_verdicts(&mut summary, &verdicts);
    if html {
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            render(&summary),
        )
            .into_response()
    } else {
        Json(summary).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn days_and_weeks_are_counted_in_china_standard_time() {
        let now = utc("2026-11-30T17:00:00Z"); // 01:00 on 1 December in Beijing
        let today = day(None, now).unwrap();
        assert_eq!(today.label, "2026-12-01");
        assert_eq!(today.from, utc("2026-11-30T16:00:00Z"));
        assert_eq!(today.to, utc("2026-12-01T16:00:00Z"));
        assert!(day(Some("2026-13-01"), now).is_err());

        let this_week = week(None, now).unwrap();
        assert_eq!(this_week.label, "2026-W49");
        assert_eq!(this_week.from, utc("2026-11-29T16:00:00Z")); // Monday 30 Nov, Beijing
        assert_eq!(week(Some("2026-W49"), now).unwrap(), this_week);
        assert_eq!(week(Some("2026-12-03"), now).unwrap(), this_week);
        assert!(week(Some("2026-W60"), now).is_err());
    }
}
