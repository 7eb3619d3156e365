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

/// The Kubernetes rules ConfigMap is a copy of `rules/`: every text file (`.toml`, `.md`),
/// byte for byte (regression: it drifted), and the model (`model.bin`, base64 under
/// `binaryData`; regression: it was left out, so the pack's `[scoring]` could not load in
/// a cluster), within a ConfigMap's 1 MiB. `deploy/kubernetes/sync_rules.py` rewrites it.
/// `corpus/` (training input) is not in it.
#[test]
fn the_kubernetes_rules_configmap_equals_the_rules_directory() {
    use base64::Engine as _;
    let yaml = read("deploy/kubernetes/configmap.yaml");
    let document = yaml.rsplit("\n---\n").next().unwrap();
    let object = &document[document.find("\napiVersion:").unwrap()..];
    assert!(
        object.len() < 1024 * 1024,
        "the fenghuo-rules ConfigMap is {} bytes, over Kubernetes' 1 MiB: shrink the model",
        object.len()
    );
    let model = document
        .split_once("\nbinaryData:\n  model.bin: ")
        .and_then(|(_, rest)| rest.split_once('\n'))
        .map(|(encoded, _)| base64::engine::general_purpose::STANDARD.decode(encoded))
        .expect("model.bin under binaryData")
        .unwrap();
    assert!(
        model
            == std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/model.bin")
            )
            .unwrap(),
        "model.bin differs from its ConfigMap copy: run deploy/kubernetes/sync_rules.py"
    );
    let data = document
        .split_once("\ndata:\n")
        .unwrap()
        .1
        .split("\nkind: ConfigMap")
        .next()
        .unwrap();
    let mut copied = std::collections::BTreeMap::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in data.lines() {
        if let Some(key) = line
            .strip_prefix("  ")
            .filter(|l| !l.starts_with(' '))
            .and_then(|l| l.strip_suffix(": |"))
        {
            copied.extend(
                current
                    .take()
                    .map(|(k, lines)| (k, lines.join("\n") + "\n")),
            );
            current = Some((key.to_owned(), Vec::new()));
        } else if let Some((_, lines)) = &mut current {
            lines.push(line.strip_prefix("    ").unwrap_or(line).to_owned());
        }
    }
    copied.extend(current.map(|(k, lines)| (k, lines.join("\n") + "\n")));
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml") || n.ends_with(".md"))
        .collect();
    names.sort();
    assert_eq!(
        copied.keys().cloned().collect::<Vec<_>>(),
        names,
        "run deploy/kubernetes/sync_rules.py"
    );
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).unwrap();
        assert!(
            copied[&name] == text,
            "{name} differs from its ConfigMap copy: run deploy/kubernetes/sync_rules.py"
        );
    }
}

/// The route table in `src/api/mod.rs` lists every route the API serves (regression: it
/// drifted).
#[test]
fn the_api_route_table_lists_every_route() {
    let api = read("src/api/mod.rs");
    let table: String = api
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    for file in ["src/api/mod.rs", "src/ingest/push.rs"] {
        let text = read(file);
        for (at, _) in text.match_indices(".route(\"") {
            let path = text[at + ".route(\"".len()..].split('"').next().unwrap();
            assert!(
                table.contains(&format!(" {path}`"))
                    || table.contains(&format!(" {path}?"))
                    || table.contains(&format!("`{path}`")),
                "{path} (in {file}) is missing from the route table of src/api/mod.rs"
            );
        }
    }
}

/// The sample feed's README gives the speed the default configuration replays it at.
#[test]
fn the_sample_readme_states_the_default_replay_speed() {
    let config = fenghuo::config::Config::embedded();
    let Some(fenghuo::config::SourceConfig::Replay(replay)) = config.sources.first() else {
        panic!("the default source is a replay");
    };
    let speed = replay.speed.expect("the sample is paced");
    let readme = read("deploy/sample/README.md");
    assert!(
        readme.contains(&format!("{speed}×")),
        "deploy/sample/README.md should say {speed}×"
    );
}

/// The container image's rules directory is exactly what its `COPY … /etc/fenghuo/rules/`
/// lines bring from `rules/`, and that loads as a rule pack (regression: the model was left
/// out, so the image's default rules failed to load).
#[test]
fn the_container_images_rules_directory_loads() {
    let containerfile = read("deploy/Containerfile");
    let sources: Vec<&str> = containerfile
        .lines()
        .filter_map(|l| l.strip_prefix("COPY rules/"))
        .filter_map(|l| l.strip_suffix(" /etc/fenghuo/rules/"))
        .flat_map(|l| l.split(" rules/"))
        .collect();
    assert!(
        !sources.is_empty(),
        "no COPY of rules/ into /etc/fenghuo/rules/"
    );
    let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let image = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&rules).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let copied = sources.iter().any(|source| match source.split_once('*') {
            Some((prefix, suffix)) => name.starts_with(prefix) && name.ends_with(suffix),
            None => name == *source,
        });
        if copied && rules.join(&name).is_file() {
            std::fs::copy(rules.join(&name), image.path().join(&name)).unwrap();
        }
    }
    if let Err(e) = fenghuo::matching::Matcher::load(image.path(), 1) {
        panic!("the image's /etc/fenghuo/rules does not load: {e}");
    }
}

/// Conflict markers a merge left in a file the compiler never reads (YAML, TOML, Markdown,
/// scripts) can pass every other check, as one did in the ConfigMap's header comment: no
/// file outside the build's output and git's own may hold them.
#[test]
fn no_file_holds_merge_conflict_markers() {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy();
            if path.is_dir() {
                if !matches!(name.as_ref(), "target" | ".git" | "node_modules" | "corpus") {
                    walk(&path, found);
                }
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                for (i, line) in text.lines().enumerate() {
                    if line.starts_with("<<<<<<< ") || line.starts_with(">>>>>>> ") {
                        found.push(format!("{}:{}", path.display(), i + 1));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), &mut found);
    assert!(found.is_empty(), "conflict markers at {found:?}");
}
