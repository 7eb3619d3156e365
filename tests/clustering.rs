//! Clustering against ground truth: the bundled sample's seven incidents and the scenario
//! feeds of `tests/scenarios/` (see its `make_scenarios.py`), scored as `fenghuo eval
//! clusters` scores them.

use std::path::Path;

use fenghuo::cluster_eval::{cluster_feed, score, Labels, Scores};
use fenghuo::config::Config;
use fenghuo::decode::Decoder;
use fenghuo::events::local::Local;
use fenghuo::grade::Policy;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn evaluate(feed: &str) -> Scores {
    evaluate_with_alerts(feed).0
}

fn evaluate_with_alerts(feed: &str) -> (Scores, Vec<fenghuo::grade::Alert>) {
    let config = Config::embedded();
    let rules_dir = Path::new(ROOT).join("rules");
    let matcher = fenghuo::matching::matcher::Matcher::load(&rules_dir, 1).unwrap();
    let local = Local::load(&rules_dir).unwrap();
    let decoder = Decoder::new(&config.mappings, config.engine.max_post_bytes);
    let path = Path::new(ROOT).join(feed);
    let bytes = std::fs::read(&path).unwrap();
    let labels_path = path.with_extension("labels.tsv");
    let labels = if labels_path.is_file() {
        Labels::from_tsv(&std::fs::read_to_string(labels_path).unwrap()).unwrap()
    } else {
        Labels::from_feed(&bytes, &decoder)
    };
    let clustering = cluster_feed(
        &bytes,
        &decoder,
        &matcher,
        config.events.clone(),
        Policy::embedded(),
        local,
    );
    (score(&labels, &clustering), clustering.alerts)
}

fn assert_no_merges(feed: &str, scores: &Scores) {
    for incident in &scores.incidents {
        assert!(
            incident.merged_with.is_empty(),
            "{feed}: {} merged with {:?}",
            incident.incident,
            incident.merged_with
        );
        assert!(
            !incident.lost_to_merge,
            "{feed}: {} lost its alerts",
            incident.incident
        );
    }
}

#[test]
fn the_samples_incidents_come_out_one_event_each() {
    let scores = evaluate("deploy/sample/feed.ndjson");
    assert_eq!(scores.incidents.len(), 7);
    // The target. Posts the learned scorer alone matched (`model.risk`) join the
    // story of their domain they tell (who/what), so they no longer stay singletons.
    assert!(
        scores.bcubed_f1() >= 0.95,
        "B-cubed F1 {:.3}",
        scores.bcubed_f1()
    );
    assert_no_merges("sample", &scores);
    for incident in &scores.incidents {
        assert!(
            incident.alerted,
            "{} raised no alert of its own",
            incident.incident
        );
        // Most of each incident's tracked posts sit in one event.
        let main = incident.events.first().map_or(0, |(_, n)| *n);
        assert!(
            main * 10 >= incident.tracked * 6,
            "{} split: {:?}",
            incident.incident,
            incident.events
        );
    }
}

#[test]
fn no_scenario_merges_two_incidents() {
    for feed in [
        "tests/scenarios/two_shootings.ndjson",
        "tests/scenarios/delivery_riders.ndjson",
        "tests/scenarios/hour_apart.ndjson",
        "tests/scenarios/official.ndjson",
        "tests/scenarios/follow_ups_apart.ndjson",
        "tests/scenarios/markets_apart.ndjson",
        "tests/scenarios/acts_apart.ndjson",
        "tests/scenarios/resurfacing_apart.ndjson",
    ] {
        let scores = evaluate(feed);
        assert_no_merges(feed, &scores);
        for incident in &scores.incidents {
            assert!(
                incident.alerted,
                "{feed}: {} got no alert",
                incident.incident
            );
        }
    }
}

#[test]
fn one_story_in_other_words_chains_and_a_slow_day_stays_one_event() {
    for feed in [
        "tests/scenarios/five_platforms.ndjson",
        "tests/scenarios/chains.ndjson",
        "tests/scenarios/slow_story.ndjson",
        "tests/scenarios/follow_ups.ndjson",
        "tests/scenarios/market_names.ndjson",
        "tests/scenarios/paraphrased_acts.ndjson",
        "tests/scenarios/resurfacing.ndjson",
    ] {
        let scores = evaluate(feed);
        assert_eq!(scores.split(), 0, "{feed}: {:?}", scores.incidents);
        assert_eq!(scores.intruders, 0, "{feed}");
    }
}

#[test]
fn each_event_is_placed_where_its_posts_say_it_happened() {
    let (scores, alerts) = evaluate_with_alerts("tests/scenarios/two_shootings.ndjson");
    let place_of = |incident: &str| {
        let outcome = scores
            .incidents
            .iter()
            .find(|i| i.incident == incident)
            .unwrap();
        let event = &outcome.events[0].0;
        let alert = alerts.iter().rev().find(|a| &a.event_id == event).unwrap();
        alert.place.clone().unwrap()
    };
    let station = place_of("station");
    assert_eq!(station.name, "江州站");
    assert_eq!(station.bureau.as_deref(), Some("江州市公安局老城分局"));
    let paichusuo = place_of("paichusuo");
    assert_eq!(paichusuo.name, "临江派出所");
    assert_eq!(paichusuo.district.as_deref(), Some("临江区"));
    assert_eq!(paichusuo.evidence.text, "临江派出所");
}
