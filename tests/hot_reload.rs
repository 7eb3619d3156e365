use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use crate::support::{http, matched_rules, weibo, TestEngine};

const NEW_RULE: &str = r#"
[[rule]]
id = "fx.delivery"
name = "外卖"
domain = "执法办案"
severity = "low"
keywords = ["外卖"]

[rule.examples]
match = ["外卖员"]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_under_load_loses_nothing_and_matches_nothing_twice() {
    let test = TestEngine::start("").await;
    let addr = test.addr();
    let mut live = test.engine.subscribe();
    let (halfway_tx, halfway_rx) = tokio::sync::oneshot::channel();
    let (reloaded_tx, reloaded_rx) = tokio::sync::oneshot::channel::<()>();
    // Posts keep flowing while the reload compiles; the last half is sent only after it
    // landed, so both generations certainly match some posts.
    let pusher = tokio::spawn(async move {
        let mut halfway = Some(halfway_tx);
        let mut reloaded = Some(reloaded_rx);
        for batch in 0..40 {
            if batch == 20 {
                reloaded.take().unwrap().await.unwrap();
            }
            let frame: String = (0..25)
                .map(|i| weibo(&format!("p{batch}-{i}"), "警察打人外卖员") + "\n")
                .collect();
            let (status, _) = http(addr, "POST", "/api/v1/ingest", &[], frame.as_bytes()).await;
            assert_eq!(status, 202);
            if batch == 10 {
                halfway.take().unwrap().send(()).unwrap();
            }
        }
    });
    halfway_rx.await.unwrap();
    assert_eq!(live.recv().await.unwrap().generation, 1);
    std::fs::write(test.rules_dir().join("new.toml"), NEW_RULE).unwrap();
    let (status, body) = http(addr, "POST", "/api/v1/rules/reload", &[], b"").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"generation\":2"), "{body}");
    reloaded_tx.send(()).unwrap();
    pusher.await.unwrap();

    let lines = test.finish().await;
    assert_eq!(lines.len(), 1000, "every post matched exactly once");
    let ids: BTreeSet<String> = matched_rules(&lines)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids.len(), 1000);
    let mut by_generation: HashMap<u64, usize> = HashMap::new();
    for line in &lines {
        let generation = line["generation"].as_u64().unwrap();
        *by_generation.entry(generation).or_default() += 1;
        // The rules a post fired are exactly those of the generation that matched it.
        let expected_rules = if generation == 1 { 1 } else { 2 };
        assert_eq!(line["rules"].as_array().unwrap().len(), expected_rules);
    }
    assert!(
        by_generation[&1] > 0 && by_generation[&2] >= 500,
        "{by_generation:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_rule_file_is_rejected_and_the_old_generation_keeps_running() {
    let test = TestEngine::start("").await;
    let broken = "[[rule]]\nid = \"bad.one\"\nname = \"坏\"\ndomain = \"执法办案\"\nseverity = \"high\"\nregex = [\"(警察|民警\"]\n";
    std::fs::write(test.rules_dir().join("broken.toml"), broken).unwrap();
    let (status, body) = http(test.addr(), "POST", "/api/v1/rules/reload", &[], b"").await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("broken.toml") && body.contains("bad.one") && body.contains("(警察|民警"),
        "{body}"
    );
    assert_eq!(test.engine.rules().current().generation, 1);
    let (_, listed) = http(test.addr(), "GET", "/api/v1/rules", &[], b"").await;
    assert!(
        listed.contains("bad.one"),
        "the last reload error is visible: {listed}"
    );

    // A typo'd key is an error too, not a silently ignored line.
    std::fs::write(test.rules_dir().join("broken.toml"), "[[rule]]\nid = \"t\"\nname = \"t\"\ndomain = \"d\"\nseverity = \"low\"\nkeywrods = [\"x\"]\n").unwrap();
    let (status, body) = http(test.addr(), "POST", "/api/v1/rules/reload", &[], b"").await;
    assert_eq!(status, 422);
    assert!(body.contains("keywrods"), "{body}");

    let (status, _) = http(
        test.addr(),
        "POST",
        "/api/v1/ingest",
        &[],
        weibo("still", "警察打人").as_bytes(),
    )
    .await;
    assert_eq!(status, 202);
    let lines = test.finish().await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["generation"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_a_rule_file_reloads_without_restart() {
    let test = TestEngine::start("[rules]\nwatch = true\n").await;
    let mut generation = test.engine.rules().subscribe();
    std::fs::write(test.rules_dir().join("new.toml"), NEW_RULE).unwrap();
    tokio::time::timeout(Duration::from_secs(30), generation.wait_for(|g| *g == 2))
        .await
        .expect("the file change reloads the rules")
        .unwrap();
    let (status, _) = http(
        test.addr(),
        "POST",
        "/api/v1/ingest",
        &[],
        weibo("w", "外卖").as_bytes(),
    )
    .await;
    assert_eq!(status, 202);
    let lines = test.finish().await;
    assert_eq!(
        matched_rules(&lines),
        [("w".to_owned(), vec!["fx.delivery".to_owned()])]
    );
}
