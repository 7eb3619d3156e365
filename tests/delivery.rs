//! Delivery: every alert reaches every receiver exactly once per idempotency key, in spite
//! of failures, dead receivers, crashes, rate limits; signatures check out.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::support::receiver::{Behaviour, TestReceiver};
use crate::support::{http, spawn_run, TestEngine, FIXTURE_FEED, FIXTURE_RULES};

fn mac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// Undoes %XX escapes.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn receiver_toml(name: &str, kind: &str, url: &str, extra: &str) -> String {
    format!("[[receivers]]\nname = {name:?}\nkind = {kind:?}\nurl = {url:?}\n{extra}\n")
}

fn fixture_source() -> String {
    format!("[[sources]]\nkind = \"replay\"\nname = \"fixture\"\npath = {FIXTURE_FEED:?}\n")
}

const FAST_RETRY: &str =
    "[delivery]\nretry_initial_ms = 10\nretry_max_ms = 50\ngive_up_after_secs = 60\n";

/// Alert ids the fixture feed produces (one opened alert per event).
async fn fixture_alert_ids() -> BTreeSet<String> {
    let mut test = TestEngine::start(&fixture_source()).await;
    test.engine.sources_finished().await;
    test.finish_alerts()
        .await
        .iter()
        .map(|a| a["alert_id"].as_str().unwrap().to_owned())
        .collect()
}

fn keys(calls: &[crate::support::receiver::Call]) -> Vec<String> {
    calls
        .iter()
        .map(|c| c.headers["idempotency-key"].to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_gets_every_alert_exactly_once_after_retries() {
    let expected = fixture_alert_ids().await;
    let receiver = TestReceiver::start(Behaviour::FailFirst(3)).await;
    let overlay = fixture_source()
        + &receiver_toml(
            "hook",
            "webhook",
            &receiver.url("/hook"),
            "secret = \"s3cret\"",
        )
        + FAST_RETRY;
    let mut test = TestEngine::start(&overlay).await;
    test.engine.sources_finished().await;
    receiver
        .wait_until(|calls| calls.iter().filter(|c| c.status == 200).count() >= expected.len())
        .await;
    test.finish().await;

    let calls = receiver.calls();
    let delivered = keys(&receiver.successes());
    let unique: BTreeSet<String> = delivered.iter().cloned().collect();
    assert_eq!(delivered.len(), unique.len(), "no key delivered twice");
    assert_eq!(unique, expected);
    assert_eq!(calls.iter().filter(|c| c.status == 500).count(), 3);
    // Retries of one notice carry the same key: the first notice, refused, was tried
    // again (and delivered) under its key.
    let first = keys(&calls[..1]).remove(0);
    assert!(keys(&calls[1..]).contains(&first));

    // The generic signature: HMAC-SHA256(secret, "{timestamp}.{body}"), hex.
    for call in &calls {
        let timestamp = call.headers["x-fenghuo-timestamp"].to_str().unwrap();
        let expected = format!(
            "sha256={}",
            hex::encode(mac(
                b"s3cret",
                format!("{timestamp}.{}", call.body).as_bytes()
            ))
        );
        assert_eq!(
            call.headers["x-fenghuo-signature"].to_str().unwrap(),
            expected
        );
        let payload: serde_json::Value = serde_json::from_str(&call.body).unwrap();
        assert_eq!(
            payload["notice_id"],
            call.headers["idempotency-key"].to_str().unwrap()
        );
        assert!(payload["alert"]["why"].is_array());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_never_answers_does_not_delay_another() {
    let expected = fixture_alert_ids().await;
    let dead = TestReceiver::start(Behaviour::Hang).await;
    let alive = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let overlay = fixture_source()
        + &receiver_toml("dead", "webhook", &dead.url("/"), "timeout_ms = 600000")
        + &receiver_toml("alive", "webhook", &alive.url("/"), "")
        + FAST_RETRY;
    let mut test = TestEngine::start(&overlay).await;
    test.engine.sources_finished().await;
    // Every alert reaches the live receiver while the dead one still holds its first.
    alive
        .wait_until(|calls| calls.len() >= expected.len())
        .await;
    let dead_calls = dead.calls();
    assert_eq!(dead_calls.len(), 1);
    assert_eq!(dead_calls[0].status, 0, "still hanging");
    assert_eq!(
        keys(&alive.successes())
            .into_iter()
            .collect::<BTreeSet<_>>(),
        expected
    );
    let outbox = test.engine.outbox().clone();
    assert_eq!(
        outbox.pending("dead").unwrap() as usize,
        expected.len(),
        "the dead receiver's cursor has not moved"
    );
    test.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dingtalk_is_signed_rate_limited_and_errcode_in_a_200_is_retried() {
    let expected = fixture_alert_ids().await;
    let robot = TestReceiver::start(Behaviour::ErrcodeFirst(1)).await;
    let extra = "secret = \"SECabc\"\nrate_limit = { messages = 2, per_seconds = 1.0 }";
    let overlay = fixture_source()
        + &receiver_toml(
            "ding",
            "dingtalk",
            &robot.url("/robot/send?access_token=t"),
            extra,
        )
        + FAST_RETRY;
    let mut test = TestEngine::start(&overlay).await;
    test.engine.sources_finished().await;
    robot
        .wait_until(|calls| calls.iter().filter(|c| c.status == 200).count() > expected.len())
        .await;
    test.finish().await;

    let calls = robot.calls();
    assert_eq!(
        calls.len(),
        expected.len() + 1,
        "the refused first message was sent again"
    );
    for call in &calls {
        let query: HashMap<String, String> = call
            .uri
            .split_once('?')
            .unwrap()
            .1
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect();
        let timestamp = &query["timestamp"];
        let sign = base64::engine::general_purpose::STANDARD
            .encode(mac(b"SECabc", format!("{timestamp}\nSECabc").as_bytes()));
        assert_eq!(percent_decode(&query["sign"]), sign);
        assert_eq!(query["access_token"], "t");
        let body: serde_json::Value = serde_json::from_str(&call.body).unwrap();
        assert_eq!(body["msgtype"], "markdown");
        assert!(body["markdown"]["text"].as_str().unwrap().contains("预警"));
    }
    // Never more than 2 messages in any 1-second window.
    for (i, call) in calls.iter().enumerate() {
        let window = calls[i..]
            .iter()
            .filter(|c| c.at.duration_since(call.at) < Duration::from_secs(1))
            .count();
        assert!(window <= 2, "{window} messages within a second");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feishu_and_wecom_get_their_formats_and_feishu_is_signed() {
    let expected = fixture_alert_ids().await;
    let feishu = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let wecom = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let overlay = fixture_source()
        + &receiver_toml(
            "feishu",
            "feishu",
            &feishu.url("/hook"),
            "secret = \"fs-secret\"",
        )
        + &receiver_toml(
            "wecom",
            "wecom",
            &wecom.url("/cgi-bin/webhook/send?key=k"),
            "rate_limit = { messages = 100, per_seconds = 1.0 }",
        )
        + FAST_RETRY;
    let mut test = TestEngine::start(&overlay).await;
    test.engine.sources_finished().await;
    feishu
        .wait_until(|calls| calls.len() >= expected.len())
        .await;
    wecom
        .wait_until(|calls| calls.len() >= expected.len())
        .await;
    test.finish().await;
    for call in feishu.calls() {
        let body: serde_json::Value = serde_json::from_str(&call.body).unwrap();
        let timestamp = body["timestamp"].as_str().unwrap();
        let sign = base64::engine::general_purpose::STANDARD
            .encode(mac(format!("{timestamp}\nfs-secret").as_bytes(), b""));
        assert_eq!(body["sign"], sign);
        assert_eq!(body["msg_type"], "interactive");
        assert!(body["card"]["elements"][0]["content"]
            .as_str()
            .unwrap()
            .contains("命中规则"));
    }
    for call in wecom.calls() {
        let body: serde_json::Value = serde_json::from_str(&call.body).unwrap();
        if body["msgtype"] == "text" {
            // The @all that follows a red notice's markdown (markdown cannot @all).
            assert_eq!(body["text"]["mentioned_list"], serde_json::json!(["@all"]));
            continue;
        }
        assert_eq!(body["msgtype"], "markdown");
        assert!(body["markdown"]["content"]
            .as_str()
            .unwrap()
            .contains("事件"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silences_and_routes_pick_who_gets_what() {
    let window = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let duty = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let overlay = receiver_toml("window", "webhook", &window.url("/"), "")
        + &receiver_toml("duty", "webhook", &duty.url("/"), "")
        + "[[routes]]\nmatch = { domains = [\"窗口服务\"] }\nreceivers = [\"window\"]\ncontinue = true\n"
        + "[[routes]]\nreceivers = [\"duty\"]\n"
        + FAST_RETRY;
    let test = TestEngine::start(&overlay).await;
    // Silence the rumour rule's alerts for an hour.
    let silence = serde_json::json!({
        "matchers": {"rules": ["fx.rumour"]},
        "starts_at": chrono::Utc::now() - chrono::Duration::minutes(1),
        "ends_at": chrono::Utc::now() + chrono::Duration::hours(1),
        "created_by": "值班员 张三", "comment": "已核实为谣言，辟谣已发"
    });
    let json = [("Content-Type", "application/json")];
    let (status, body) = http(
        test.addr(),
        "POST",
        "/api/v1/silences",
        &json,
        silence.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let feed = std::fs::read_to_string(FIXTURE_FEED).unwrap();
    let (status, _) = http(test.addr(), "POST", "/api/v1/ingest", &[], feed.as_bytes()).await;
    assert_eq!(status, 202);
    let alerts = test.finish_alerts().await;
    let of_domain = |d: &str| {
        alerts
            .iter()
            .filter(|a| a["domains"].as_array().unwrap().iter().any(|x| x == d))
            .count()
    };
    let rumours = alerts
        .iter()
        .filter(|a| a["rules"][0]["id"] == "fx.rumour")
        .count();
    assert_eq!(rumours, 1);
    // `continue`: window-service alerts go to both; the rest only to duty; the silenced
    // rumour to nobody.
    assert_eq!(window.successes().len(), of_domain("窗口服务"));
    assert_eq!(duty.successes().len(), alerts.len() - rumours);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_step_is_sent_once_to_the_escalation_receivers() {
    use fenghuo::config::Config;
    use fenghuo::deliver::deadlines::chase_overdue;
    use fenghuo::deliver::outbox::{IncidentUpdate, Outbox};

    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::open(dir.path()).unwrap();
    let config = Config::embedded().deadlines;
    let (committed, _) = tokio::sync::watch::channel(0);
    let opened = chrono::Utc::now();
    let alert = serde_json::json!({"alert_id": "evt-1#1", "level": "orange"});
    let escalate = vec!["督察".to_owned()];
    let incident = IncidentUpdate {
        event_id: "evt-1",
        level: "orange",
        resolved: false,
        domains: &[],
        escalation_receivers: &escalate,
        alert: &alert,
    };
    outbox.upsert_incident(&incident, opened).unwrap();
    let at = |minutes| opened + chrono::Duration::minutes(minutes);

    assert_eq!(
        chase_overdue(&outbox, &config, &committed, at(29)).unwrap(),
        0
    );
    assert_eq!(
        chase_overdue(&outbox, &config, &committed, at(31)).unwrap(),
        1,
        "首接 30 min passed"
    );
    assert_eq!(
        chase_overdue(&outbox, &config, &committed, at(32)).unwrap(),
        0,
        "once per step"
    );
    let notice = outbox.next_for("督察").unwrap().unwrap();
    assert_eq!(notice.notice_id, "evt-1#1:overdue:ack");
    assert_eq!(notice.body["overdue"]["step"], "ack");

    // Verified in time (orange: 4 h); the response (orange: 2 h) is late.
    outbox
        .take_step("evt-1", "ack", "值班员", "", at(31))
        .unwrap();
    outbox
        .take_step("evt-1", "verified", "网安", "", at(100))
        .unwrap();
    assert_eq!(
        chase_overdue(&outbox, &config, &committed, at(121)).unwrap(),
        1
    );
    assert_eq!(
        outbox
            .overdue(at(24 * 60 + 1), |l, s| config.deadline(l, s))
            .unwrap()
            .iter()
            .map(|o| o.step)
            .collect::<Vec<_>>(),
        ["closed"]
    );
    outbox
        .take_step("evt-1", "closed", "宣传", "", at(200))
        .unwrap();
    assert_eq!(
        chase_overdue(&outbox, &config, &committed, at(10_000)).unwrap(),
        0,
        "closed: nothing more to chase"
    );
    assert_eq!(outbox.incident("evt-1").unwrap().unwrap().state, "closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_query_api_shows_alerts_steps_and_deliveries() {
    let receiver = TestReceiver::start(Behaviour::FailFirst(1)).await;
    let overlay = fixture_source()
        + &receiver_toml("hook", "webhook", &receiver.url("/"), "")
        + FAST_RETRY
        + "[http]\ntoken = \"t0k\"\n";
    let mut test = TestEngine::start(&overlay).await;
    test.engine.sources_finished().await;
    let expected = 2; // at least the first two alerts delivered
    receiver
        .wait_until(|calls| calls.iter().filter(|c| c.status == 200).count() >= expected)
        .await;
    let addr = test.addr();
    let (status, body) = http(addr, "GET", "/api/v1/alerts?level=yellow", &[], b"").await;
    assert_eq!(status, 200, "{body}");
    let listed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let first = listed["alerts"][0]["event_id"].as_str().unwrap().to_owned();
    assert_eq!(listed["alerts"][0]["state"], "open");

    let auth = [
        ("Content-Type", "application/json"),
        ("Authorization", "Bearer t0k"),
    ];
    let step = serde_json::json!({"by": "值班员 李四", "comment": "已通知情指"}).to_string();
    let (status, _) = http(
        addr,
        "POST",
        &format!("/api/v1/alerts/{first}/ack"),
        &auth[..1],
        step.as_bytes(),
    )
    .await;
    assert_eq!(status, 401, "changing endpoints need the token");
    let (status, body) = http(
        addr,
        "POST",
        &format!("/api/v1/alerts/{first}/ack"),
        &auth,
        step.as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = http(
        addr,
        "POST",
        &format!("/api/v1/alerts/{first}/dance"),
        &auth,
        step.as_bytes(),
    )
    .await;
    assert_eq!(status, 400);

    let (_, body) = http(addr, "GET", &format!("/api/v1/alerts/{first}"), &[], b"").await;
    let shown: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(shown["alert"]["state"], "ack");
    assert_eq!(shown["steps"][0]["by"], "值班员 李四");
    assert!(shown["alert"]["alert"]["why"].is_array());
    assert!(shown["deadlines"]["verified"].is_string());
    let (_, body) = http(addr, "GET", "/api/v1/alerts?state=ack", &[], b"").await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["alerts"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    test.finish().await;
}

/// Kill -9 mid-delivery, start again on the same data: nothing accepted is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_delivery_loses_no_alert() {
    let expected = fixture_alert_ids().await;
    let receiver = TestReceiver::start(Behaviour::Slow(Duration::from_millis(300))).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fenghuo.toml");
    std::fs::write(
        &config,
        format!(
            "{}[http]\naddr = \"127.0.0.1:0\"\n[rules]\ndir = {FIXTURE_RULES:?}\nwatch = false\n[output]\nalerts = \"/dev/null\"\n[storage]\ndir = {:?}\n{}{FAST_RETRY}",
            fixture_source(),
            dir.path().join("data").display().to_string(),
            receiver_toml("hook", "webhook", &receiver.url("/"), ""),
        ),
    )
    .unwrap();
    let start = || spawn_run(&config).0;
    let mut first = start();
    // The first delivery has arrived (and more are committed, waiting): crash now.
    receiver.wait_until(|calls| calls.len() >= 2).await;
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let before_restart = receiver.calls().len();
    assert!(
        before_restart < expected.len() + 1,
        "the crash came mid-delivery"
    );

    let mut second = start();
    receiver
        .wait_until(|calls| {
            let delivered: BTreeSet<String> = calls
                .iter()
                .filter(|c| c.status == 200)
                .map(|c| c.headers["idempotency-key"].to_str().unwrap().to_owned())
                .collect();
            delivered.is_superset(&expected)
        })
        .await;
    second.kill().unwrap();
    second.wait().unwrap();
}
