//! The learned risk scorer end to end: a post no rule catches still matches as
//! `model.risk` when the model says so, and a retrained model file goes live on a rules
//! reload (the model is part of the generation).

use std::path::Path;

use fenghuo::score::train::Settings;

use crate::support::{http, matched_rules, weibo, TestEngine};

/// The backbone the scorer needs (`@police`) and the `[scoring]` table naming the model.
const SCORING: &str = r#"
[lexicon]
police = ["民警", "派出所"]

[scoring]
model = "model.bin"
"#;

/// The text under test: it names the police (so it is scored) but fires none of the
/// fixture rules.
const PROBE: &str = "派出所民警砸坏了摊位的秤";

/// Labelled training texts where the probe's words mean risk (`probe_is_risk`) or not.
fn corpus(probe_is_risk: bool) -> String {
    let mut tsv = String::from("label\tsource\ttext\treason\tdomain\n");
    let (risky, calm) = if probe_is_risk {
        ("砸坏了摊位的秤", "送来了一面锦旗")
    } else {
        ("送来了一面锦旗", "砸坏了摊位的秤")
    };
    for i in 0..24 {
        tsv.push_str(&format!(
            "risk\ttest\t民警{risky}，第{i}次\tr\t执法办案\nneutral\ttest\t民警{calm}，第{i}次\tr\t\n"
        ));
    }
    tsv
}

/// Trains the model of `rules` on `corpus(probe_is_risk)` through `fenghuo model train`'s
/// library path, writing `rules/model.bin`.
fn train(rules: &Path, probe_is_risk: bool) {
    let data = rules.parent().unwrap().join("corpus.tsv");
    std::fs::write(&data, corpus(probe_is_risk)).unwrap();
    let settings = Settings {
        dims_log2: 12,
        domain_dims_log2: 8,
        ..Settings::default()
    };
    let mut report = Vec::new();
    fenghuo::training::train(
        &[data],
        rules,
        &rules.join("model.bin"),
        &settings,
        &mut report,
    )
    .unwrap();
}

async fn reload(test: &TestEngine) {
    let (status, body) = http(test.addr(), "POST", "/api/v1/rules/reload", &[], b"").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_no_rule_catches_matches_as_model_risk_and_a_retrained_model_hot_reloads() {
    let test = TestEngine::start("").await;
    let rules = test.rules_dir();
    std::fs::write(rules.join("scoring.toml"), SCORING).unwrap();
    train(&rules, true);
    reload(&test).await;
    let ingest = |id: &'static str| {
        let addr = test.addr();
        async move {
            let (status, _) = http(
                addr,
                "POST",
                "/api/v1/ingest",
                &[],
                weibo(id, PROBE).as_bytes(),
            )
            .await;
            assert_eq!(status, 202);
        }
    };
    ingest("before").await;

    // The same words now mean nothing risky: retrain, reload, and the probe stays quiet.
    train(&rules, false);
    reload(&test).await;
    ingest("after").await;

    let lines = test.finish().await;
    assert_eq!(
        matched_rules(&lines),
        [("before".to_owned(), vec!["model.risk".to_owned()])],
        "only the first model scores the probe as risk: {lines:?}"
    );
    let score = &lines[0]["score"];
    assert_eq!(score["passed"], true, "{score}");
    assert_eq!(score["domain"], "执法办案", "{score}");
    assert_eq!(lines[0]["generation"], 2, "{}", lines[0]);
}
