//! What a wall screen shows of an incident, as JSON: the facts a duty officer reads across
//! a room (level, domain, 属地, platforms, first post, reach), the velocity of the last
//! hour, and the next deadline of the plan with its due time.

use serde_json::{json, Value};

use crate::deliver::deadlines::{next_deadline, DeadlinesConfig, Due};
use crate::deliver::outbox::IncidentView;

/// Minutes of velocity a screen draws.
pub const CURVE_MINUTES: i64 = 60;

/// The place an event happened (属地) if grading found one; else the first poster's IP
/// region (`发布于 四川` → `四川`), marked as such: it says where the poster was, not
/// where it happened.
pub fn place(alert: &Value) -> Option<(String, &'static str)> {
    let place = &alert["place"];
    let named = place
        .as_str()
        .or_else(|| place["name"].as_str())
        .filter(|p| !p.trim().is_empty());
    if let Some(named) = named {
        return Some((named.trim().to_owned(), "event"));
    }
    alert["first_post"]["region"]
        .as_str()
        .map(|r| r.trim().trim_start_matches("发布于").trim().to_owned())
        .filter(|r| !r.is_empty())
        .map(|r| (r, "ip"))
}

fn platforms(alert: &Value) -> Vec<String> {
    let mut platforms: Vec<String> = Vec::new();
    let posts = std::iter::once(&alert["first_post"])
        .chain(alert["top_posts"].as_array().into_iter().flatten());
    for post in posts {
        if let Some(p) = post["platform"].as_str() {
            if !platforms.iter().any(|q| q == p) {
                platforms.push(p.to_owned());
            }
        }
    }
    platforms
}

/// The largest reach any window measured (followers of distinct authors).
pub fn reach(alert: &Value) -> u64 {
    alert["figures"]["windows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| w["reach"].as_u64())
        .max()
        .unwrap_or(0)
}

/// Posts per minute for the last [`CURVE_MINUTES`] minutes up to the incident's newest
/// minute, oldest first, and that minute.
fn curve(view: &IncidentView) -> (Vec<u64>, Option<i64>) {
    let Some((&end, _)) = view.curve.last_key_value() else {
        return (Vec::new(), None);
    };
    let counts = (end - CURVE_MINUTES + 1..=end)
        .map(|minute| view.curve.get(&minute).copied().unwrap_or(0))
        .collect();
    (counts, Some(end))
}

/// Each chased step's due time and when it was taken; and the next one not taken.
fn deadlines(view: &IncidentView, config: &DeadlinesConfig) -> (Vec<Due>, Value) {
    let schedule = config.schedule(
        &view.incident.level,
        view.incident.opened_at,
        !view.departments.is_empty(),
        |step| view.steps.iter().find(|s| s.step == step).map(|s| s.at),
    );
    let next = next_deadline(&schedule).map_or(
        Value::Null,
        |due| json!({ "step": due.step, "due_at": due.due_at }),
    );
    (schedule, next)
}

/// An incident as a wall screen draws it.
pub fn incident_json(view: &IncidentView, config: &DeadlinesConfig) -> Value {
    let alert = &view.incident.alert;
    let (counts, end) = curve(view);
    let (all_deadlines, next_deadline) = deadlines(view, config);
    let first = &alert["first_post"];
    json!({
        "event_id": view.incident.event_id,
        "level": view.incident.level,
        "state": view.incident.state,
        "active": view.active(),
        "domains": view.incident.domains,
        "place": place(alert).map(|(p, _)| p),
        "place_kind": place(alert).map(|(_, kind)| kind),
        "platforms": platforms(alert),
        "title": alert["title"],
        "excerpt": first["excerpt"],
        "first_post": {
            "platform": first["platform"],
            "author": first["author"],
            "published_at": first["published_at"],
            "url": first["url"],
        },
        "reach": reach(alert),
        "total_posts": alert["figures"]["total_posts"],
        "rules": alert["rules"].as_array().into_iter().flatten()
            .filter_map(|r| r["name"].as_str()).collect::<Vec<_>>(),
        "opened_at": view.incident.opened_at,
        "escalated_at": view.escalated_at,
        "updated_at": view.incident.updated_at,
        "velocity": counts,
        "velocity_end_minute": end,
        "deadlines": all_deadlines,
        "next_deadline": next_deadline,
        "steps": view.steps,
        "departments": view.departments,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{Duration, Utc};
    use serde_json::json;

    use super::*;
    use crate::config::Config;
    use crate::deliver::outbox::{DepartmentAck, Incident, Step};

    fn view(opened_minutes_ago: i64, steps: &[&str], departments: usize) -> IncidentView {
        let opened_at = Utc::now() - Duration::minutes(opened_minutes_ago);
        IncidentView {
            incident: Incident {
                event_id: "e".into(),
                level: "red".into(),
                state: "open".into(),
                resolved: false,
                domains: vec![],
                opened_at,
                updated_at: opened_at,
                alert: json!({"first_post": {"region": "发布于 四川", "platform": "weibo"},
                              "top_posts": [{"platform": "douyin"}, {"platform": "weibo"}]}),
            },
            steps: steps
                .iter()
                .map(|s| Step {
                    step: (*s).into(),
                    at: opened_at,
                    by: "x".into(),
                    comment: String::new(),
                })
                .collect(),
            departments: (0..departments)
                .map(|i| DepartmentAck {
                    department: format!("d{i}"),
                    at: None,
                    by: None,
                })
                .collect(),
            escalated_at: opened_at,
            curve: BTreeMap::from([(90, 3), (158, 5)]),
        }
    }

    #[test]
    fn the_next_deadline_is_the_earliest_step_not_taken_and_may_be_past() {
        let config = Config::embedded().deadlines;
        let late = incident_json(&view(45, &[], 0), &config);
        assert_eq!(late["next_deadline"]["step"], "ack");
        let due: chrono::DateTime<Utc> =
            serde_json::from_value(late["next_deadline"]["due_at"].clone()).unwrap();
        assert!(
            due < Utc::now(),
            "45 minutes after opening, the 30-minute ack is overdue"
        );
        let acked = incident_json(&view(45, &["ack"], 0), &config);
        assert_eq!(acked["next_deadline"]["step"], "verified");
        let joint = incident_json(&view(5, &["ack"], 3), &config);
        assert_eq!(joint["next_deadline"]["step"], "joint_response");
    }

    #[test]
    fn the_ip_region_is_marked_and_the_curve_is_the_last_hour() {
        let config = Config::embedded().deadlines;
        let shown = incident_json(&view(5, &[], 0), &config);
        assert_eq!(shown["place"], "四川");
        assert_eq!(shown["place_kind"], "ip");
        assert_eq!(shown["platforms"], json!(["weibo", "douyin"]));
        let velocity = shown["velocity"].as_array().unwrap();
        assert_eq!(velocity.len(), CURVE_MINUTES as usize);
        assert_eq!(velocity[59], 5);
        assert_eq!(
            velocity.iter().filter_map(|v| v.as_u64()).sum::<u64>(),
            5,
            "minute 90 is over an hour before 158"
        );
        let mut with_place = view(5, &[], 0);
        with_place.incident.alert["place"] = json!({"name": "江州市城南区"});
        assert_eq!(incident_json(&with_place, &config)["place_kind"], "event");
    }
}
