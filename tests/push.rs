use futures::SinkExt;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{http, matched_rules, weibo, TestEngine};

const JSON: [(&str, &str); 1] = [("Content-Type", "application/json")];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_push_takes_ndjson_and_json_arrays() {
    let test = TestEngine::start("").await;
    let ndjson = format!(
        "{}\n{}\n",
        weibo("a1", "警察打人"),
        weibo("a2", "今天天气不错")
    );
    let (status, body) = http(
        test.addr(),
        "POST",
        "/api/v1/ingest",
        &[],
        ndjson.as_bytes(),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let array = format!(
        "[{}, {}]",
        weibo("a3", "民警殴打群众"),
        weibo("a4", "吃饭了")
    );
    let (status, _) = http(
        test.addr(),
        "POST",
        "/api/v1/ingest?mapping=weibo",
        &[],
        array.as_bytes(),
    )
    .await;
    assert_eq!(status, 202);
    let (status, _) = http(
        test.addr(),
        "POST",
        "/api/v1/ingest?mapping=nope",
        &[],
        array.as_bytes(),
    )
    .await;
    assert_eq!(status, 400);
    let lines = test.finish().await;
    let ids: Vec<String> = matched_rules(&lines)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids, ["a1", "a3"]);
    assert!(lines.iter().all(|l| l["source"] == "http_push"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_endpoints_require_the_token_when_one_is_set() {
    let test = TestEngine::start("[http]\ntoken = \"s3cret\"\n").await;
    let post = weibo("t1", "警察打人");
    let (status, _) = http(test.addr(), "POST", "/api/v1/ingest", &[], post.as_bytes()).await;
    assert_eq!(status, 401);
    let (status, _) = http(test.addr(), "POST", "/api/v1/rules/reload", &[], b"").await;
    assert_eq!(status, 401);
    let auth = [("Authorization", "Bearer s3cret")];
    let (status, _) = http(
        test.addr(),
        "POST",
        "/api/v1/ingest",
        &auth,
        post.as_bytes(),
    )
    .await;
    assert_eq!(status, 202);
    // Reading endpoints stay open.
    let (status, _) = http(test.addr(), "GET", "/api/v1/rules", &[], b"").await;
    assert_eq!(status, 200);
    assert_eq!(test.finish().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_push_delivers_each_message() {
    let test = TestEngine::start("").await;
    let mut live = test.engine.subscribe();
    let url = format!("ws://{}/api/v1/ingest/ws", test.addr());
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    socket
        .send(Message::text(weibo("ws1", "辅警殴打外卖员")))
        .await
        .unwrap();
    socket
        .send(Message::text(format!(
            "{}\n{}",
            weibo("ws2", "天气"),
            weibo("ws3", "警察打人")
        )))
        .await
        .unwrap();
    socket
        .send(Message::binary(
            format!("[{}]", weibo("ws4", "民警打人")).into_bytes(),
        ))
        .await
        .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        seen.push(live.recv().await.unwrap().post.id.clone());
    }
    seen.sort();
    assert_eq!(seen, ["ws1", "ws3", "ws4"]);
    socket.close(None).await.unwrap();
    let lines = test.finish().await;
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|l| l["source"] == "websocket_push"));
}

/// `POST /api/v1/rules/test` with `text`; the answer, which must be a 200.
async fn rules_test(test: &TestEngine, text: &str) -> serde_json::Value {
    let body = serde_json::json!({ "text": text }).to_string();
    let (status, answer) = http(
        test.addr(),
        "POST",
        "/api/v1/rules/test",
        &JSON,
        body.as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    serde_json::from_str(&answer).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_test_endpoint_explains_matches_after_normalization() {
    let test = TestEngine::start("").await;
    let answer = rules_test(&test, "警*察當街毆打路人，演习？不是").await;
    assert_eq!(answer["normalized"], "警察当街殴打路人,演习?不是");
    assert!(answer["matches"].as_array().unwrap().is_empty());
    assert_eq!(answer["not_fired"][0]["id"], "fx.violence");
    assert_eq!(answer["not_fired"][0]["reason"], "excluded by \"演习\"");

    let answer = rules_test(&test, "警*察當街毆打路人").await;
    let terms = &answer["matches"][0]["terms"];
    assert_eq!(answer["matches"][0]["id"], "fx.violence");
    assert_eq!(
        terms[0],
        serde_json::json!({"term": "警察", "start": 0, "end": 2})
    );
    assert_eq!(
        terms[1],
        serde_json::json!({"term": "殴打", "start": 4, "end": 6})
    );

    // Regex hits are located for the asker (the hot path only tracks where they end).
    let answer = rules_test(&test, "据说网传車站民警开枪了").await;
    assert_eq!(answer["matches"][0]["id"], "fx.rumour");
    assert_eq!(answer["matches"][0]["terms"][0]["start"], 2);
    assert_eq!(answer["matches"][0]["terms"][0]["end"], 10);
    test.finish().await;
}

/// The test API judges as the workers do: the platform and follower filters apply to what
/// the request says of the post (regression: it used to skip them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_test_endpoint_applies_platform_and_follower_filters() {
    let test = TestEngine::start("").await;
    let ask = |body: serde_json::Value| {
        let test = &test;
        async move {
            let (status, answer) = http(
                test.addr(),
                "POST",
                "/api/v1/rules/test",
                &JSON,
                body.to_string().as_bytes(),
            )
            .await;
            assert_eq!(status, 200, "{answer}");
            serde_json::from_str::<serde_json::Value>(&answer).unwrap()
        }
    };
    let fired = |answer: &serde_json::Value| -> Vec<String> {
        answer["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let reason = |answer: &serde_json::Value, id: &str| -> String {
        let not_fired = answer["not_fired"].as_array().unwrap();
        let entry = not_fired.iter().find(|n| n["id"] == id).unwrap();
        entry["reason"].as_str().unwrap().to_owned()
    };
    let rumour = "据说网传車站民警开枪了";
    assert_eq!(
        fired(&ask(serde_json::json!({ "text": rumour })).await),
        ["fx.rumour"]
    );
    assert_eq!(
        fired(&ask(serde_json::json!({ "text": rumour, "platform": "weibo" })).await),
        ["fx.rumour"]
    );
    let answer = ask(serde_json::json!({ "text": rumour, "platform": "douyin" })).await;
    assert!(fired(&answer).is_empty(), "{answer}");
    assert!(reason(&answer, "fx.rumour").contains("douyin"), "{answer}");

    let assault = "男子袭警被拘";
    assert_eq!(
        fired(&ask(serde_json::json!({ "text": assault, "followers": 20000 })).await),
        ["fx.assault"]
    );
    let answer = ask(serde_json::json!({ "text": assault, "followers": 5 })).await;
    assert!(fired(&answer).is_empty(), "{answer}");
    assert_eq!(
        reason(&answer, "fx.assault"),
        "author has 5 followers, the rule needs 10000"
    );
    test.finish().await;
}
