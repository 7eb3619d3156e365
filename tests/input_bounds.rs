//! Bounds on what callers send (issue 15, item 10): step and silence fields, silences
//! without end, WebSocket protocol errors counted.

use futures::SinkExt;

use crate::support::{http, TestEngine};

const JSON: [(&str, &str); 1] = [("Content-Type", "application/json")];

async fn post(test: &TestEngine, path: &str, body: &serde_json::Value) -> (u16, String) {
    http(
        test.addr(),
        "POST",
        path,
        &JSON,
        body.to_string().as_bytes(),
    )
    .await
}

/// A POST whose body may be refused before it is sent whole: write errors are ignored.
async fn raw_post(addr: std::net::SocketAddr, path: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (mut reader, mut writer) = stream.split();
    let write = async {
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.write_all(body).await;
    };
    let mut response = Vec::new();
    let (_, _) = tokio::join!(write, reader.read_to_end(&mut response));
    String::from_utf8_lossy(&response).into_owned()
}

/// Regression: a 10 MB `by` was stored with the step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_fields_are_bounded() {
    let test = TestEngine::start("").await;
    let path = "/api/v1/alerts/e1/ack";
    let body = serde_json::json!({ "by": "x".repeat(10 << 20) }).to_string();
    let response = raw_post(test.addr(), path, body.as_bytes()).await;
    assert!(
        response.starts_with("HTTP/1.1 413"),
        "a 10 MB body to the API is refused: {response}"
    );
    let (status, answer) = post(&test, path, &serde_json::json!({ "by": "x".repeat(300) })).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("`by`"), "{answer}");
    let (status, answer) = post(&test, path, &serde_json::json!({ "by": "张\nINFO forged" })).await;
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = post(
        &test,
        path,
        &serde_json::json!({ "by": "张", "comment": "长".repeat(5000) }),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    test.finish().await;
}

/// Regression: a silence until 9999 was accepted without a word.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silences_are_bounded_in_time_and_size() {
    let test = TestEngine::start("").await;
    let silence = |ends_at: &str, domains: Vec<String>| {
        serde_json::json!({
            "matchers": { "domains": domains },
            "ends_at": ends_at,
            "created_by": "值班员",
        })
    };
    let red = vec!["执法办案".to_owned()];
    let (status, answer) = post(
        &test,
        "/api/v1/silences",
        &silence("9999-12-31T00:00:00Z", red.clone()),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("30 days"), "{answer}");
    let (status, answer) = post(
        &test,
        "/api/v1/silences",
        &silence("2099-01-01T00:00:00Z", vec!["x".to_owned(); 101]),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let soon = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let (status, answer) = post(&test, "/api/v1/silences", &silence(&soon, red)).await;
    assert_eq!(status, 201, "{answer}");
    test.finish().await;
}

/// Regression: a WebSocket push that broke the protocol was counted in no metric.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_protocol_errors_are_counted() {
    let test = TestEngine::start("").await;
    let count = |metrics: &str| -> f64 {
        metrics
            .lines()
            .filter(|l| l.starts_with("fenghuo_source_protocol_errors_total"))
            .filter_map(|l| l.split_whitespace().last()?.parse::<f64>().ok())
            .sum()
    };
    let before = count(&http(test.addr(), "GET", "/metrics", &[], b"").await.1);
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/api/v1/ingest/ws", test.addr()))
            .await
            .unwrap();
    // A text frame that is not UTF-8, sent raw.
    let frame = tokio_tungstenite::tungstenite::protocol::frame::Frame::message(
        vec![0xff, 0xfe, 0xfd],
        tokio_tungstenite::tungstenite::protocol::frame::coding::OpCode::Data(
            tokio_tungstenite::tungstenite::protocol::frame::coding::Data::Text,
        ),
        true,
    );
    socket
        .send(tokio_tungstenite::tungstenite::Message::Frame(frame))
        .await
        .unwrap();
    let mut after = before;
    for _ in 0..100 {
        after = count(&http(test.addr(), "GET", "/metrics", &[], b"").await.1);
        if after > before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(after, before + 1.0);
    test.finish().await;
}
