//! The same feed gives the same events, levels and alert ids at any worker count and
//! replay speed (input order is restored before the tracker).

use fenghuo::config::Config;
use fenghuo::engine::Engine;

use crate::support::read_output;

const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");

/// (alert id, kind, level, event id, posts) of every alert of a replay of the bundled
/// sample, in alert id order.
async fn replay_sample(
    workers: usize,
    speed: Option<f64>,
) -> Vec<(String, String, String, String, u64)> {
    let dir = tempfile::tempdir().unwrap();
    let alerts = dir.path().join("alerts.ndjson");
    let speed = speed.map_or(String::new(), |s| format!("speed = {s:?}\n"));
    let text = format!(
        "[[sources]]\nkind = \"replay\"\nname = \"sample\"\npath = \"@sample\"\n{speed}\
         [rules]\ndir = {RULES:?}\nwatch = false\n[output]\nalerts = {:?}\n[http]\nenabled = false\n\
         [engine]\nworkers = {workers}\n[storage]\ndir = {:?}\n",
        alerts.display().to_string(),
        dir.path().join("data").display().to_string(),
    );
    let config = Config::from_overlays(&[&text]).unwrap();
    let mut engine = Engine::start(&config, None).await.unwrap();
    engine.sources_finished().await;
    engine.shutdown().await.unwrap();
    let mut out: Vec<_> = read_output(&alerts)
        .iter()
        .map(|a| {
            (
                a["alert_id"].as_str().unwrap().to_owned(),
                a["kind"].as_str().unwrap().to_owned(),
                a["level"].as_str().unwrap().to_owned(),
                a["event_id"].as_str().unwrap().to_owned(),
                a["figures"]["total_posts"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_grades_the_same_at_one_and_two_workers_and_paced() {
    let one = replay_sample(1, None).await;
    assert!(one.len() >= 7, "{one:?}");
    let two = replay_sample(2, None).await;
    assert_eq!(one, two, "1 worker vs 2 workers");
    let again = replay_sample(2, None).await;
    assert_eq!(two, again, "two runs at 2 workers");
    // Four hours of feed in about two seconds, posts sent one by one at their times.
    let paced = replay_sample(2, Some(7200.0)).await;
    assert_eq!(one, paced, "full speed vs paced");
}
