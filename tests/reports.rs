//! Daily and weekly reports: the incidents of the period by level, domain and 属地, the
//! biggest with their curves, deadlines met or missed, the rules that fired most; as JSON
//! and as a printable page.

use serde_json::{json, Value};

use crate::support::wall::{escalate_event, open_event};
use crate::support::{http, TestEngine};

async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    http(addr, "GET", path, &[], b"").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_report_counts_the_days_incidents_and_their_deadlines() {
    let test = TestEngine::start("").await;
    let addr = test.addr();
    open_event(addr).await;
    escalate_event(addr).await;
    // Wait until the escalation is committed.
    let event_id = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            let (_, body) = get(addr, "/api/v1/alerts?level=red").await;
            let listed: Value = serde_json::from_str(&body).unwrap();
            if let Some(id) = listed["alerts"][0]["event_id"].as_str() {
                return id.to_owned();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the incident reaches 红");
    let (status, body) = http(
        addr,
        "POST",
        &format!("/api/v1/alerts/{event_id}/ack"),
        &[("Content-Type", "application/json")],
        r#"{"by": "值班员"}"#.as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // The day and week the incident opened in, China Standard Time.
    let (_, shown) = get(addr, &format!("/api/v1/alerts/{event_id}")).await;
    let shown: Value = serde_json::from_str(&shown).unwrap();
    let opened =
        chrono::DateTime::parse_from_rfc3339(shown["alert"]["opened_at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    let date = opened.format("%Y-%m-%d").to_string();
    let week = opened.format("%G-W%V").to_string();
    let (status, body) = get(addr, &format!("/api/v1/reports/daily?date={date}")).await;
    assert_eq!(status, 200, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["kind"], "daily");
    assert_eq!(report["incidents"], 1);
    assert_eq!(
        report["by_level"],
        json!({"red": 1, "orange": 0, "yellow": 0})
    );
    assert_eq!(
        report["by_domain"],
        json!([{"domain": "执法办案", "incidents": 1}])
    );
    assert_eq!(
        report["by_place"],
        json!([{"place": "江苏", "incidents": 1}])
    );
    let biggest = &report["biggest"][0];
    assert_eq!(biggest["event_id"], json!(event_id));
    assert_eq!(biggest["reach"], 12_000_050);
    let counts = biggest["curve"]["counts"].as_array().unwrap();
    assert_eq!(counts.iter().filter_map(Value::as_u64).sum::<u64>(), 2);
    let ack = &report["deadlines"][0];
    assert_eq!(ack["step"], "ack");
    assert_eq!(
        (ack["met"].clone(), ack["missed"].clone()),
        (json!(1), json!(0))
    );
    let verified = report["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["step"] == "verified")
        .unwrap();
    assert_eq!(verified["pending"], 1);
    assert_eq!(report["rules"][0]["name"], "警察打人");

    let (status, page) = get(
        addr,
        &format!("/api/v1/reports/daily?date={date}&format=html"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("舆情日报") && page.contains("执法办案") && page.contains("<svg"));
    let (status, body) = get(addr, &format!("/api/v1/reports/weekly?week={week}")).await;
    assert_eq!(status, 200);
    let weekly: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(weekly["incidents"], 1);
    let (_, body) = get(addr, "/api/v1/reports/daily?date=2020-01-01").await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["incidents"],
        0
    );
    let (status, _) = get(addr, "/api/v1/reports/daily?date=yesterday").await;
    assert_eq!(status, 400);
    let (status, _) = get(addr, "/api/v1/reports/weekly?week=2026-W99").await;
    assert_eq!(status, 400);
    test.finish().await;
}
