use fenghuo::ingest::replay::SAMPLE_FEED;

use crate::support::{matched_rules, TestEngine, FIXTURE_FEED};

fn expected() -> Vec<(String, Vec<String>)> {
    let mut expected: Vec<(String, Vec<String>)> = [
        ("d1", "fx.violence"), // full-width + traditional
        ("t1", "fx.window"),   // must groups across title and body
        ("w1", "fx.violence"),
        ("w2", "fx.violence"), // 警*察 殴 打
        ("w3", "fx.rumour"),   // regex, platform filter passes
        ("w5", "fx.assault"),  // enough followers
        ("w6", "fx.violence"), // zero-width space
    ]
    .into_iter()
    .map(|(id, rule)| (id.to_owned(), vec![rule.to_owned()]))
    .collect();
    expected.sort();
    expected
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_of_the_fixture_feed_gives_exactly_the_expected_matches() {
    let overlay =
        format!("[[sources]]\nkind = \"replay\"\nname = \"fixture\"\npath = {FIXTURE_FEED:?}\n");
    let mut test = TestEngine::start(&overlay).await;
    test.engine.sources_finished().await;
    let stats = test.engine.stats().clone();
    let lines = test.finish().await;
    assert_eq!(matched_rules(&lines), expected());
    assert_eq!(
        stats.received.load(std::sync::atomic::Ordering::Relaxed),
        11
    );
    assert_eq!(stats.rejected.load(std::sync::atomic::Ordering::Relaxed), 0);
    let w2 = lines.iter().find(|l| l["post"]["id"] == "w2").unwrap();
    // The original text is kept for display; the terms are offsets into the normalized text.
    assert_eq!(w2["post"]["body"], "警*察 殴 打路人");
    assert_eq!(w2["rules"][0]["terms"][0]["term"], "警察");
    assert_eq!(w2["rules"][0]["terms"][1]["start"], 2);
    assert_eq!(w2["generation"], 1);
    assert_eq!(w2["rules"][0]["domain"], "执法办案");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paced_replay_gives_the_same_matches() {
    // The fixture spans a few minutes of post time; at 6000x that is well under a second.
    let overlay = format!("[[sources]]\nkind = \"replay\"\nname = \"fixture\"\npath = {FIXTURE_FEED:?}\nspeed = 6000.0\n");
    let mut test = TestEngine::start(&overlay).await;
    test.engine.sources_finished().await;
    assert_eq!(matched_rules(&test.finish().await), expected());
}

#[test]
fn the_bundled_sample_feed_is_a_real_feed() {
    let lines = SAMPLE_FEED
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert!(lines >= 2000, "the bundled feed has {lines} posts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_writes_graded_alerts_one_per_event_not_one_per_post() {
    let overlay =
        format!("[[sources]]\nkind = \"replay\"\nname = \"fixture\"\npath = {FIXTURE_FEED:?}\n");
    let mut test = TestEngine::start(&overlay).await;
    test.engine.sources_finished().await;
    let alerts = test.finish_alerts().await;
    assert!(!alerts.is_empty() && alerts.len() <= 7, "{alerts:?}");
    let mut events: Vec<&str> = alerts
        .iter()
        .map(|a| a["event_id"].as_str().unwrap())
        .collect();
    events.dedup();
    assert_eq!(
        events.len(),
        alerts.len(),
        "one opened alert per event, nothing more"
    );
    for alert in &alerts {
        assert_eq!(alert["kind"], "opened");
        assert_eq!(alert["level"], "yellow");
        assert_eq!(alert["why"][0]["signal"], "base");
    }
}
