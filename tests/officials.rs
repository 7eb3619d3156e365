//! Official police accounts: their statements never count as risk, and one in an open
//! event records the incident's `responded` step.

use fenghuo::config::Config;
use fenghuo::engine::Engine;

use crate::support::read_output;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_in_an_open_event_records_the_response_and_adds_no_risk() {
    let dir = tempfile::tempdir().unwrap();
    let alerts = dir.path().join("alerts.ndjson");
    let text = format!(
        "[[sources]]\nkind = \"replay\"\nname = \"scenario\"\npath = \"{ROOT}/tests/scenarios/official.ndjson\"\n\
         [rules]\ndir = \"{ROOT}/rules\"\nwatch = false\n[output]\nalerts = {:?}\n[http]\nenabled = false\n\
         [storage]\ndir = {:?}\n",
        alerts.display().to_string(),
        dir.path().join("data").display().to_string(),
    );
    let config = Config::from_overlays(&[&text]).unwrap();
    let mut engine = Engine::start(&config, None).await.unwrap();
    engine.sources_finished().await;
    let outbox = engine.outbox().clone();
    engine.shutdown().await.unwrap();
    let lines = read_output(&alerts);
    let by_account = |account: &str| {
        lines
            .iter()
            .find(|a| a["response"]["account"] == account)
            .unwrap_or_else(|| panic!("no alert carries {account}'s statement"))
            .clone()
    };
    for account in ["江州铁路公安", "江州市公安局临江分局"] {
        let alert = by_account(account);
        let event = alert["event_id"].as_str().unwrap();
        let steps = outbox.steps(event).unwrap();
        let responded = steps
            .iter()
            .find(|s| s.step == "responded")
            .unwrap_or_else(|| panic!("{event}: no responded step in {steps:?}"));
        assert_eq!(responded.by, account);
        assert!(responded.comment.contains("通报") || responded.comment.contains("辟谣"));
        // The statement is no risk of its own: it is neither a top post nor the opener.
        assert!(alert["top_posts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["author"] != account));
        assert_ne!(alert["first_post"]["author"], account);
    }
    // Only the two stories opened events: the statements opened none.
    let mut events: Vec<&str> = lines
        .iter()
        .map(|a| a["event_id"].as_str().unwrap())
        .collect();
    events.sort();
    events.dedup();
    assert_eq!(events.len(), 2, "{events:?}");
}

/// A statement that no rule fires on (it tells what the police did, in calm words) still
/// reaches the tracker from an official account, joins the open event it names by its
/// place and act, and records the response.
#[test]
fn a_statement_no_rule_fires_on_still_records_the_response() {
    use std::sync::Arc;

    use arc_swap::ArcSwap;
    use fenghuo::events::local::Local;
    use fenghuo::grade::{Grader, Policy};
    use fenghuo::models::{Author, MatchRecord, MatchedRule, Post, RuleRef, Severity};

    let local = Local::load(&std::path::Path::new(ROOT).join("rules")).unwrap();
    let mut grader = Grader::new(
        Config::embedded().events,
        Arc::new(ArcSwap::from_pointee(Policy::embedded())),
    );
    grader
        .tracker_mut()
        .use_local(Arc::new(ArcSwap::from_pointee(local)));
    let at = chrono::Utc::now();
    let post = |id: &str, name: &str, verified: bool, text: &str| Post {
        platform: "weibo".into(),
        id: id.into(),
        url: Some(format!("https://example.invalid/{id}")),
        author: Author {
            id: Some(format!("a-{id}")),
            name: Some(name.into()),
            followers: 100_000,
            verified,
        },
        title: None,
        body: text.into(),
        published_at: at,
        counts: Default::default(),
        repost_of: None,
        root_id: None,
        region: None,
    };
    let record = |post: Post, rules: Vec<MatchedRule>| MatchRecord {
        post,
        source: "test".into(),
        generation: 1,
        rules,
        score: None,
        matched_at: at,
        received_at: at,
        fingerprint: None,
        identity: None,
        completion: None,
    };
    let violence = MatchedRule {
        rule: RuleRef {
            id: "law.violence".into(),
            name: "暴力执法".into(),
            domain: "执法办案".into(),
            severity: Severity::High,
            tags: Vec::new(),
        },
        terms: Vec::new(),
    };
    let story = grader
        .place(&record(
            post(
                "1",
                "网友",
                false,
                "明湖路卡点一个辅警上来就扇了外卖小哥一巴掌，太嚣张了",
            ),
            vec![violence],
        ))
        .event_id
        .unwrap();
    let statement = grader.place(&record(
        post(
            "2",
            "江州市公安局明湖分局",
            true,
            "【情况通报】11月28日，明湖路一辅警与外卖骑手发生冲突并有打人行为，该辅警已被停止执行职务，调查处理结果将及时公布。",
        ),
        Vec::new(),
    ));
    assert_eq!(statement.event_id.as_deref(), Some(story.as_str()));
    let event = grader.tracker().event(&story).unwrap();
    let response = event.response.as_ref().expect("the response is recorded");
    assert_eq!(response.account, "江州市公安局明湖分局");
    assert_eq!(response.kind, "通报");
    assert_eq!(event.total_posts, 1, "the statement is no risk of its own");
}
