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
    score(&labels, &clustering)
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
    ] {
        let scores = evaluate(feed);
        assert_eq!(scores.split(), 0, "{feed}: {:?}", scores.incidents);
        assert_eq!(scores.intruders, 0, "{feed}");
    }
}
