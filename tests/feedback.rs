//! Analysts' feedback end to end: a verdict on a post an alert showed (its text and rules
//! resolved from the store) and on a missed one, recorded, counted per rule in `/metrics`
//! (surviving a restart), exported as training TSV the trainer's format accepts, listed in
//! the reports, and bad input refused with 400.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::wall::{story_post, STORY};
use crate::support::{http, spawn_run, TestEngine, FIXTURE_RULES};

const AUTH: (&str, &str) = ("Authorization", "Bearer fb-t0k");
const JSON: (&str, &str) = ("Content-Type", "application/json");

async fn give(addr: SocketAddr, body: &Value) -> (u16, Value) {
    let (status, text) = http(
        addr,
        "POST",
        "/api/v1/feedback",
        &[JSON, AUTH],
        body.to_string().as_bytes(),
    )
    .await;
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

async fn get(addr: SocketAddr, path: &str) -> String {
    let (status, body) = http(addr, "GET", path, &[AUTH], b"").await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// The rows of a training TSV as `fenghuo model train` reads them (`score::data`): a
/// header, then `label, source, text[, reason[, domain]]` with label risk/neutral.
fn training_rows(tsv: &str) -> Vec<(String, String, String, String)> {
    let mut lines = tsv.lines();
    assert_eq!(
        lines.next(),
        Some("label\tsource\ttext\treason\tdomain"),
        "{tsv}"
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            assert_eq!(columns.len(), 5, "{line:?}");
            assert!(matches!(columns[0], "risk" | "neutral"), "{line:?}");
            assert!(!columns[2].trim().is_empty(), "{line:?}");
            (
                columns[0].to_owned(),
                columns[1].to_owned(),
                columns[2].to_owned(),
                columns[4].to_owned(),
            )
        })
        .collect()
}

/// `fenghuo_feedback_total{rule="…",verdict="…"}` in a metrics page (0 when absent).
fn feedback_count(metrics: &str, rule: &str, verdict: &str) -> u64 {
    metrics
        .lines()
        .filter(|l| l.starts_with("fenghuo_feedback_total{"))
        .filter(|l| l.contains(&format!("rule=\"{rule}\"")))
        .filter(|l| l.contains(&format!("verdict=\"{verdict}\"")))
        .filter_map(|l| l.rsplit(' ').next()?.parse().ok())
        .next()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verdict_on_an_alerts_post_is_stored_counted_exported_and_reported() {
    let test = TestEngine::start("[http]\ntoken = \"fb-t0k\"\n").await;
    let addr = test.addr();
    let (status, body) = http(
        addr,
        "POST",
        "/api/v1/ingest?mapping=canonical",
        &[AUTH],
        format!("{}\n", story_post("fb-w1", 50, false, "weibo")).as_bytes(),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let alert: Value = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let listed: Value = serde_json::from_str(&get(addr, "/api/v1/alerts").await).unwrap();
            if listed["alerts"][0]["event_id"].is_string() {
                return listed["alerts"][0].clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the post opens an incident");
    let event_id = alert["event_id"].as_str().unwrap().to_owned();

    // Without the token: refused.
    let verdict =
        json!({"post_id": "fb-w1", "label": "neutral", "who": "analyst-li", "comment": "旧闻"});
    let (status, _) = http(
        addr,
        "POST",
        "/api/v1/feedback",
        &[JSON],
        verdict.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 401);

    // A false alarm, by post id: the store knows its text, incident and rules.
    let (status, answer) = give(addr, &verdict).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["verdict"], "false_alarm");
    assert_eq!(answer["event_id"], json!(event_id));
    assert_eq!(answer["text_from"], "alert");
    let rules: Vec<String> = answer["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    assert!(!rules.is_empty(), "{answer}");
    let (_, shown) = http(
        addr,
        "GET",
        &format!("/api/v1/alerts/{event_id}"),
        &[AUTH],
        b"",
    )
    .await;
    let shown: Value = serde_json::from_str(&shown).unwrap();
    let alert_rules: Vec<String> = shown["alert"]["alert"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(rules, alert_rules);

    // A missed post, by its text.
    let missed = "派出所民警把我当成逃犯关了三天才道歉";
    let (status, answer) = give(
        addr,
        &json!({"text": missed, "label": "risk", "domain": "执法办案", "who": "analyst-wang"}),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["verdict"], "missed");

    // Per-rule counts in /metrics.
    let metrics = get(addr, "/metrics").await;
    for rule in &rules {
        assert_eq!(feedback_count(&metrics, rule, "false_alarm"), 1, "{rule}");
    }

    // The export in the training format.
    let (status, tsv) = http(addr, "GET", "/api/v1/feedback/export", &[AUTH], b"").await;
    assert_eq!(status, 200);
    let rows = training_rows(&tsv);
    assert_eq!(rows.len(), 2, "{tsv}");
    assert_eq!(rows[0].0, "neutral");
    assert_eq!(rows[0].1, "feedback/analyst-li");
    assert!(STORY.starts_with(rows[0].2.trim_end_matches('…')), "{tsv}");
    assert_eq!(rows[0].3, "");
    assert_eq!(
        rows[1],
        (
            "risk".into(),
            "feedback/analyst-wang".into(),
            missed.into(),
            "执法办案".into()
        )
    );
    // A correction replaces the earlier verdict on the same post.
    let (status, answer) = give(
        addr,
        &json!({"post_id": "fb-w1", "label": "risk", "domain": "执法办案", "who": "analyst-zhao"}),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["verdict"], "confirmed");
    let rows = training_rows(&get(addr, "/api/v1/feedback/export").await);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows.iter().filter(|r| r.0 == "risk").count(), 2);

    // The daily report lists the rules that fired with their verdicts of the day.
    let report: Value = serde_json::from_str(&get(addr, "/api/v1/reports/daily").await).unwrap();
    let listed = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == json!(rules[0]))
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(
        (listed["false_alarms"].clone(), listed["confirmed"].clone()),
        (json!(1), json!(1))
    );
    let html = get(addr, "/api/v1/reports/daily?format=html").await;
    assert!(html.contains("<th>误报</th>"), "{html}");
    test.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_feedback_is_refused_with_a_reason() {
    let test = TestEngine::start("[http]\ntoken = \"fb-t0k\"\n").await;
    let addr = test.addr();
    let long = "长".repeat(20_001);
    let cases = [
        (json!({"text": "x", "label": "maybe", "who": "li"}), "label"),
        (
            json!({"text": "x", "label": "risk", "domain": "天气", "who": "li"}),
            "domain",
        ),
        (json!({"text": "x", "label": "risk", "who": "li"}), "domain"),
        (json!({"text": "x", "label": "neutral", "who": ""}), "who"),
        (
            json!({"text": long, "label": "neutral", "who": "li"}),
            "text",
        ),
        (json!({"label": "neutral", "who": "li"}), "post_id or text"),
        (
            json!({"text": "x", "label": "neutral", "who": "li", "mood": 1}),
            "body",
        ),
        (
            json!({"post_id": "never-seen", "label": "neutral", "who": "li"}),
            "post",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = give(addr, &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.starts_with(field), "{body}: {error}");
    }
    // Nothing was recorded.
    let tsv = get(addr, "/api/v1/feedback/export").await;
    assert_eq!(tsv, "label\tsource\ttext\treason\tdomain\n");
    test.finish().await;
}

/// Counts come back from the store when the engine starts again (a new process, so
/// nothing carries over in memory).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_rule_counts_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fenghuo.toml");
    std::fs::write(
        &config,
        format!(
            "sources = []\n[http]\naddr = \"127.0.0.1:0\"\ntoken = \"fb-t0k\"\n[rules]\ndir = {FIXTURE_RULES:?}\nwatch = false\n[output]\nalerts = \"/dev/null\"\nmatches = \"/dev/null\"\n[storage]\ndir = {:?}\n",
            dir.path().join("data").display().to_string(),
        ),
    )
    .unwrap();
    let (mut first, addr) = spawn_run(&config);
    let verdicts = [
        ("risk", vec!["fb.a", "fb.b"]),
        ("risk", vec!["fb.a"]),
        ("neutral", vec!["fb.a"]),
    ];
    for (i, (label, rules)) in verdicts.iter().enumerate() {
        let (status, answer) = give(
            addr,
            &json!({"text": format!("文本{i}"), "label": label, "domain": "其他", "who": "li", "rules": rules}),
        )
        .await;
        assert_eq!(status, 201, "{answer}");
    }
    let before = get(addr, "/metrics").await;
    first.kill().unwrap();
    first.wait().unwrap();

    let (mut second, addr) = spawn_run(&config);
    let after = get(addr, "/metrics").await;
    second.kill().unwrap();
    second.wait().unwrap();
    for metrics in [&before, &after] {
        assert_eq!(feedback_count(metrics, "fb.a", "confirmed"), 2, "{metrics}");
        assert_eq!(feedback_count(metrics, "fb.a", "false_alarm"), 1);
        assert_eq!(feedback_count(metrics, "fb.b", "confirmed"), 1);
        assert_eq!(feedback_count(metrics, "fb.b", "false_alarm"), 0);
    }
}
