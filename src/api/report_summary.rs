//! A report's content from the incidents of its period: counts by level, domain and 属地,
//! the biggest incidents with their curves, each deadline met or missed, and the rules
//! that fired most.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::reports::{report_zone, Period};
use super::wall_view::{place, reach};
use crate::deliver::deadlines::DeadlinesConfig;
use crate::deliver::outbox::{ReportIncident, JOINT_RESPONSE};

/// Steps whose deadlines a report checks, in the plan's order.
const CHECKED: [&str; 5] = ["ack", JOINT_RESPONSE, "verified", "responded", "closed"];
/// How many incidents the report details.
const BIGGEST: usize = 10;
/// Most points a curve in a report has (longer lives are summed into wider buckets).
const CURVE_POINTS: i64 = 96;

/// Counts by key, largest first (ties by key).
fn ranked(counts: BTreeMap<String, usize>, name: &str) -> Vec<Value> {
    let mut pairs: Vec<(String, usize)> = counts.into_iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    pairs
        .into_iter()
        .map(|(key, n)| json!({ name: key, "incidents": n }))
        .collect()
}

/// An incident's whole curve in at most [`CURVE_POINTS`] buckets.
fn curve(incident: &ReportIncident) -> Value {
    let (Some((&first, _)), Some((&last, _))) = (
        incident.curve.first_key_value(),
        incident.curve.last_key_value(),
    ) else {
        return json!({ "start": null, "step_minutes": 1, "counts": [] });
    };
    let span = last - first + 1;
    let step = (span + CURVE_POINTS - 1) / CURVE_POINTS;
    let mut counts = vec![0u64; ((span + step - 1) / step) as usize];
    for (&minute, &count) in &incident.curve {
        counts[((minute - first) / step) as usize] += count;
    }
    let start = DateTime::from_timestamp(first * 60, 0).map(|t| t.with_timezone(&report_zone()));
    json!({ "start": start, "step_minutes": step, "counts": counts })
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// Each checked step's deadlines over the period: met, missed (late, or not taken when
/// due), pending (not yet due), and the median minutes to take it.
fn deadlines(incidents: &[ReportIncident], config: &DeadlinesConfig, now: DateTime<Utc>) -> Value {
    let mut out = Vec::new();
    for step in CHECKED {
        let (mut met, mut missed, mut pending) = (0, 0, 0);
        let mut minutes = Vec::new();
        for report in incidents {
            let incident = &report.incident;
            if step == JOINT_RESPONSE && report.departments.is_empty() {
                continue;
            }
            let Some(limit) = config.deadline(&incident.level, step) else {
                continue;
            };
            let due = incident.opened_at + limit;
            match report.steps.iter().find(|s| s.step == step) {
                Some(taken) => {
                    minutes.push((taken.at - incident.opened_at).num_seconds() as f64 / 60.0);
                    if taken.at <= due {
                        met += 1;
                    } else {
                        missed += 1;
                    }
                }
                None if now > due => missed += 1,
                None => pending += 1,
            }
        }
        let limits: BTreeMap<&str, Option<i64>> = ["red", "orange", "yellow"]
            .into_iter()
            .map(|level| (level, config.deadline(level, step).map(|d| d.num_minutes())))
            .collect();
        out.push(json!({
            "step": step, "met": met, "missed": missed, "pending": pending,
            "median_minutes": median(&mut minutes), "limit_minutes": limits,
        }));
    }
    Value::Array(out)
}

/// The report as JSON.
pub fn summarize(
    period: &Period,
    incidents: &[ReportIncident],
    config: &DeadlinesConfig,
    now: DateTime<Utc>,
) -> Value {
    let mut by_level: BTreeMap<String, usize> = ["red", "orange", "yellow"]
        .into_iter()
        .map(|l| (l.to_owned(), 0))
        .collect();
    let mut by_domain = BTreeMap::new();
    let mut by_place = BTreeMap::new();
    let mut rules: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for report in incidents {
        *by_level.entry(report.peak_level.clone()).or_default() += 1;
        for domain in &report.incident.domains {
            *by_domain.entry(domain.clone()).or_default() += 1;
        }
        let place = place(&report.incident.alert).map_or_else(|| "未知".to_owned(), |(p, _)| p);
        *by_place.entry(place).or_default() += 1;
        for rule in report.incident.alert["rules"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(id) = rule["id"].as_str() else {
                continue;
            };
            let name = rule["name"].as_str().unwrap_or(id).to_owned();
            rules.entry(id.to_owned()).or_insert((name, 0)).1 += 1;
        }
    }
    let mut biggest: Vec<&ReportIncident> = incidents.iter().collect();
    biggest.sort_by_key(|r| {
        std::cmp::Reverse((
            reach(&r.incident.alert),
            r.incident.alert["figures"]["total_posts"]
                .as_u64()
                .unwrap_or(0),
        ))
    });
    let biggest: Vec<Value> = biggest
        .into_iter()
        .take(BIGGEST)
        .map(|r| {
            let alert = &r.incident.alert;
            json!({
                "event_id": r.incident.event_id,
                "level": r.peak_level,
                "state": if r.incident.resolved { "resolved" } else { r.incident.state.as_str() },
                "title": alert["title"],
                "domains": r.incident.domains,
                "place": place(alert).map(|(p, _)| p),
                "reach": reach(alert),
                "total_posts": alert["figures"]["total_posts"],
                "opened_at": r.incident.opened_at.with_timezone(&report_zone()),
                "curve": curve(r),
            })
        })
        .collect();
    let mut rules: Vec<(String, String, usize)> = rules
        .into_iter()
        .map(|(id, (name, n))| (id, name, n))
        .collect();
    rules.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let rules: Vec<Value> = rules
        .into_iter()
        .take(BIGGEST)
        .map(|(id, name, n)| json!({ "id": id, "name": name, "incidents": n }))
        .collect();
    json!({
        "kind": period.kind,
        "period": {
            "label": period.label,
            "from": period.from.with_timezone(&report_zone()),
            "to": period.to.with_timezone(&report_zone()),
        },
        "generated_at": now.with_timezone(&report_zone()),
        "incidents": incidents.len(),
        "by_level": by_level,
        "by_domain": ranked(by_domain, "domain"),
        "by_place": ranked(by_place, "place"),
        "biggest": biggest,
        "deadlines": deadlines(incidents, config, now),
        "rules": rules,
    })
}
