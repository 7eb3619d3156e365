//! The deploy files refer only to what the engine exports.

use std::collections::BTreeSet;

use fenghuo::telemetry::DESCRIPTIONS;

/// `fenghuo_*` metric names in `text`, without the histogram series suffixes.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("fenghuo_") {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let mut name = &tail[..end];
        for suffix in ["_bucket", "_sum", "_count"] {
            if let Some(base) = name.strip_suffix(suffix) {
                if DESCRIPTIONS.iter().any(|(n, _)| *n == base) {
                    name = base;
                }
            }
        }
        names.insert(name.to_owned());
        rest = &tail[end..];
    }
    names
}

fn exported() -> BTreeSet<String> {
    DESCRIPTIONS
        .iter()
        .map(|(name, _)| name.to_string())
        .collect()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn the_grafana_dashboard_parses_and_uses_only_exported_metrics() {
    let text = read("deploy/grafana/fenghuo-dashboard.json");
    let dashboard: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(dashboard["panels"]
        .as_array()
        .is_some_and(|p| !p.is_empty()));
    let used = metric_names(&text);
    let exported = exported();
    let unknown: Vec<_> = used.difference(&exported).collect();
    assert!(
        unknown.is_empty(),
        "the dashboard uses metrics the engine does not export: {unknown:?}"
    );
    assert!(
        used.len() >= 20,
        "the dashboard covers the metrics: {used:?}"
    );
}

#[test]
fn prometheus_alerting_rules_use_only_exported_metrics() {
    let text = read("deploy/prometheus/alerts.yml");
    // Recording rules define names of their own (`fenghuo:...`), which contain no `fenghuo_`.
    let unknown: Vec<_> = metric_names(&text)
        .into_iter()
        .filter(|n| !exported().contains(n))
        .collect();
    assert!(
        unknown.is_empty(),
        "alerting rules use metrics the engine does not export: {unknown:?}"
    );
}
