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
