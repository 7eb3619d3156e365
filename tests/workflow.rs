//! The plan's workflow: departments a route names acknowledge each for itself and meet the
//! joint response together; steps are validated and taken once; the alerts list refuses
//! unknown filters; a silence can target one incident and starts now by default.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::support::wall::open_event;
use crate::support::{http, TestEngine};

const JSON: [(&str, &str); 1] = [("Content-Type", "application/json")];

const ROUTE: &str = "[[routes]]\nreceivers = []\ndepartments = [\"情指\", \"网安\", \"宣传\"]\n";

async fn post(addr: std::net::SocketAddr, path: &str, body: Value) -> (u16, Value) {
    let (status, text) = http(addr, "POST", path, &JSON, body.to_string().as_bytes()).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, Value) {
    let (status, text) = http(addr, "GET", path, &[], b"").await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Opens the story's incident and returns its event id.
async fn opened_incident(test: &TestEngine) -> String {
    let addr = test.addr();
    open_event(addr).await;
    let wait = async {
        loop {
            let (_, listed) = get(addr, "/api/v1/alerts").await;
            if let Some(id) = listed["alerts"][0]["event_id"].as_str() {
                return id.to_owned();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(20), wait)
        .await
        .expect("the incident opens")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn departments_acknowledge_each_for_itself_and_meet_the_joint_response() {
    let test = TestEngine::start(ROUTE).await;
    let addr = test.addr();
    let id = opened_incident(&test).await;
    let ack = format!("/api/v1/alerts/{id}/ack");

    let (status, body) = post(addr, &ack, json!({"by": "王五", "department": "情指"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["met"],
        json!(["ack"]),
        "the first department's ack is the 首接"
    );
    let (status, body) = post(addr, &ack, json!({"by": "王五", "department": "情指"})).await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = post(addr, &ack, json!({"by": "赵六", "department": "交警"})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["departments"], json!(["情指", "网安", "宣传"]));
    let (status, body) = post(addr, &ack, json!({"by": "孙七", "department": "网安"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["met"], json!([]));
    let (status, body) = post(addr, &ack, json!({"by": "周八", "department": "宣传"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["met"], json!(["joint_response"]));
    assert!(body["departments"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| !d["at"].is_null()));

    let (_, shown) = get(addr, &format!("/api/v1/alerts/{id}")).await;
    let steps: Vec<&str> = shown["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["ack", "joint_response"]);
    assert!(shown["deadlines"]["joint_response"].is_string());
    assert_eq!(shown["departments"][1]["department"], "网安");
    assert_eq!(shown["departments"][1]["by"], "孙七");
    assert_eq!(shown["alert"]["state"], "ack");
    test.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_are_validated_and_taken_once() {
    let test = TestEngine::start("").await;
    let addr = test.addr();
    let id = opened_incident(&test).await;
    let verified = format!("/api/v1/alerts/{id}/verified");

    let early = Utc::now() - Duration::hours(1);
    let (status, body) = post(addr, &verified, json!({"by": "网安", "at": early})).await;
    assert_eq!(status, 400, "before the incident opened: {body}");
    let late = Utc::now() + Duration::hours(1);
    let (status, body) = post(addr, &verified, json!({"by": "网安", "at": late})).await;
    assert_eq!(status, 400, "in the future: {body}");
    let (status, body) = post(addr, &verified, json!({"by": "网安"})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(addr, &verified, json!({"by": "网安"})).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["taken_at"].is_string());
    let (status, _) = post(
        addr,
        &format!("/api/v1/alerts/{id}/responded"),
        json!({"by": "宣传", "department": "宣传"}),
    )
    .await;
    assert_eq!(
        status, 400,
        "departments acknowledge; they do not respond here"
    );
    let (_, shown) = get(addr, &format!("/api/v1/alerts/{id}")).await;
    assert_eq!(shown["steps"].as_array().unwrap().len(), 1, "counted once");

    // The alerts list: unknown values refused; Chinese level names accepted.
    let (status, body) = get(addr, "/api/v1/alerts?level=crimson").await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = get(addr, "/api/v1/alerts?state=opne").await;
    assert_eq!(status, 400);
    let (status, listed) = get(addr, "/api/v1/alerts?level=%E9%BB%84").await;
    assert_eq!(status, 200);
    assert_eq!(listed["alerts"][0]["event_id"], json!(id));
    let (_, listed) = get(addr, "/api/v1/alerts?state=open").await;
    assert_eq!(listed["alerts"], json!([]), "verified is no longer open");
    let (_, listed) = get(addr, "/api/v1/alerts?state=verified&level=yellow").await;
    assert_eq!(listed["alerts"].as_array().unwrap().len(), 1);

    // A silence for this one incident, starting now.
    let (status, body) = post(
        addr,
        "/api/v1/silences",
        json!({"event_id": id, "ends_at": Utc::now() + Duration::hours(2), "created_by": "值班员"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, silences) = get(addr, "/api/v1/silences").await;
    let silence = &silences["silences"][0];
    assert_eq!(silence["active"], true);
    assert_eq!(silence["silence"]["matchers"]["event_ids"], json!([id]));
    test.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn departments_missing_at_the_deadline_are_chased_by_name_once() {
    use fenghuo::config::Config;
    use fenghuo::deliver::joint::chase_joint_response;
    use fenghuo::deliver::outbox::{IncidentUpdate, Outbox, StepTake};

    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::open(dir.path()).unwrap();
    let config = Config::embedded().deadlines;
    let (committed, _) = tokio::sync::watch::channel(0);
    let opened = Utc::now();
    let alert = json!({"alert_id": "evt-9#1", "event_id": "evt-9", "level": "red"});
    let escalate = vec!["督察".to_owned()];
    outbox
        .upsert_incident(
            &IncidentUpdate {
                event_id: "evt-9",
                level: "red",
                resolved: false,
                domains: &[],
                escalation_receivers: &escalate,
                alert: &alert,
            },
            opened,
        )
        .unwrap();
    outbox
        .require_departments("evt-9", &["情指".into(), "网安".into(), "法制".into()])
        .unwrap();
    outbox
        .record_step(
            &StepTake {
                event_id: "evt-9",
                step: "ack",
                department: Some("网安"),
                by: "孙七",
                comment: "",
                at: opened + Duration::minutes(5),
            },
            opened + Duration::minutes(5),
        )
        .unwrap();
    let at = |minutes| opened + Duration::minutes(minutes);
    assert_eq!(
        chase_joint_response(&outbox, &config, &committed, at(29)).unwrap(),
        0
    );
    assert_eq!(
        chase_joint_response(&outbox, &config, &committed, at(31)).unwrap(),
        1
    );
    assert_eq!(
        chase_joint_response(&outbox, &config, &committed, at(40)).unwrap(),
        0,
        "once"
    );
    let notice = outbox.next_for("督察").unwrap().unwrap();
    assert_eq!(notice.kind, "overdue");
    assert_eq!(notice.body["overdue"]["step"], "joint_response");
    assert_eq!(
        notice.body["overdue"]["missing_departments"],
        json!(["情指", "法制"])
    );
}
