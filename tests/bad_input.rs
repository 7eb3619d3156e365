use std::sync::atomic::Ordering;

use crate::support::{http, matched_rules, weibo, TestEngine};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_input_of_each_kind_is_counted_and_skipped() {
    let test = TestEngine::start("[engine]\nmax_post_bytes = 2000\nmax_text_bytes = 300\n").await;
    let mut frame = Vec::new();
    frame.extend_from_slice(format!("{}\n", weibo("good1", "警察打人")).as_bytes());
    frame.extend_from_slice(b"{\"idstr\": \"broken\n"); // invalid JSON
    frame.extend_from_slice(b"{\"idstr\":\"x\",\"text\":\"\xe8\xad\xa6\xff\"}\n"); // invalid UTF-8
    frame.extend_from_slice(b"{\"idstr\":\"x\"}\n"); // missing text
    frame.extend_from_slice(
        b"{\"idstr\":\"x\",\"text\":\"t\",\"user\":{\"followers_count\":\"lots\"}}\n",
    ); // wrong type
    frame.extend_from_slice(b"{\"idstr\":{\"nested\":1},\"text\":\"t\"}\n"); // wrong type
    frame.extend_from_slice(format!("{}\n", weibo("long", &"警察打人".repeat(40))).as_bytes()); // text too large
    frame.extend_from_slice(format!("{}\n", weibo("huge", &"长".repeat(1000))).as_bytes()); // post too large
    frame.extend_from_slice(b"{\"neither\":\"platform\"}\n"); // no mapping
    frame.extend_from_slice(b"42\n"); // not an object
    frame.extend_from_slice(format!("{}\n", weibo("good2", "民警殴打路人")).as_bytes());
    let (status, _) = http(test.addr(), "POST", "/api/v1/ingest", &[], &frame).await;
    assert_eq!(status, 202);

    let stats = test.engine.stats().clone();
    let lines = test.finish().await;
    let ids: Vec<String> = matched_rules(&lines)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids, ["good1", "good2"]);
    for (reason, count) in [
        ("invalid_json", 1),
        ("invalid_utf8", 1),
        ("missing_field", 1),
        ("wrong_type", 2),
        ("too_large", 2),
        ("no_mapping", 1),
        ("not_an_object", 1),
    ] {
        assert_eq!(stats.rejected_for("http_push", reason), count, "{reason}");
    }
    assert_eq!(stats.received.load(Ordering::Relaxed), 11);
    assert_eq!(stats.decoded.load(Ordering::Relaxed), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_line_in_a_replay_is_rejected_without_buffering_it() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.ndjson");
    let mut text = format!("{}\n", weibo("before", "警察打人"));
    text.push_str(&"x".repeat(3_000_000));
    text.push('\n');
    text.push_str(&format!("{}\n", weibo("after", "警察打人")));
    std::fs::write(&feed, text).unwrap();
    let overlay = format!("[[sources]]\nkind = \"replay\"\nname = \"big\"\npath = {:?}\n[engine]\nmax_post_bytes = 100000\n", feed.display().to_string());
    let mut test = TestEngine::start(&overlay).await;
    test.engine.sources_finished().await;
    let stats = test.engine.stats().clone();
    let ids: Vec<String> = matched_rules(&test.finish().await)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids, ["after", "before"]);
    assert_eq!(stats.rejected_for("big", "too_large"), 1);
}
