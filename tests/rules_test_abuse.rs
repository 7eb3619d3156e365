//! `POST /api/v1/rules/test` cannot be used to burn the engine's CPU (issue 15, item 6).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fenghuo::matching::{Matcher, Session, Subject};

use crate::support::{http, TestEngine, FIXTURE_RULES};

const JSON: [(&str, &str); 1] = [("Content-Type", "application/json")];

/// Regression: character offsets were counted from the start of the text for every hit,
/// terms de-duplicated pairwise and near clauses compared pair by pair, so a text full of
/// terms was quadratic (1 MB: 86 s). A 1 MB text of both sides of a near clause, a must
/// group and a regex is now judged and explained in well under a second per MB.
#[test]
fn a_text_full_of_terms_is_explained_in_linear_time() {
    let matcher = Matcher::load(&PathBuf::from(FIXTURE_RULES), 1).unwrap();
    let text = "警察打人殴打民警派出所刁难网传民警开枪".repeat(20_000);
    assert!(text.len() > 1_000_000);
    let started = Instant::now();
    let explanation = matcher.explain(Subject::text(&text), &mut Session::new());
    let took = started.elapsed();
    assert!(explanation.verdict.is_match());
    assert!(
        took < Duration::from_secs(20),
        "explaining a 1 MB text took {took:?}"
    );
    // Offsets are still characters of the normalized text.
    let chars = explanation.normalized.chars().count();
    let terms = &explanation.verdict.rules[0].terms;
    assert!(terms.iter().all(|t| t.end <= chars));
    assert_eq!(terms[0].start, Some(0));
    assert_eq!(terms[0].end, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_over_the_post_limit_is_refused() {
    let test = TestEngine::start("[engine]\nmax_text_bytes = 1000\n").await;
    let body = serde_json::json!({ "text": "警察打人".repeat(100) }).to_string();
    let (status, answer) = http(
        test.addr(),
        "POST",
        "/api/v1/rules/test",
        &JSON,
        body.as_bytes(),
    )
    .await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("limit is 1000"), "{answer}");
    let body = serde_json::json!({ "text": "警察打人".repeat(50) }).to_string();
    let (status, answer) = http(
        test.addr(),
        "POST",
        "/api/v1/rules/test",
        &JSON,
        body.as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    test.finish().await;
}
