//! Safe defaults (issue 15, item 9): no listener beyond loopback without a token unless
//! allowed, and deploy files that ship a token from a Secret and a NetworkPolicy.

use fenghuo::config::Config;
use fenghuo::engine::Engine;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn config(http: &str) -> Config {
    let dir = tempfile::tempdir().unwrap().keep();
    Config::from_overlay(&format!(
        "sources = []\n[rules]\ndir = \"tests/fixtures/rules\"\nwatch = false\n[output]\nalerts = {:?}\n[storage]\ndir = {:?}\n[http]\n{http}\n",
        dir.join("alerts.ndjson").display().to_string(),
        dir.join("data").display().to_string(),
    ))
    .unwrap()
}

/// Regression: the container and Kubernetes configs bound 0.0.0.0:8080 with an empty token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_listener_beyond_loopback_is_refused_unless_allowed() {
    let refused = Engine::start(&config("addr = \"0.0.0.0:0\""), None).await;
    let problem = refused
        .err()
        .expect("0.0.0.0 without a token is refused")
        .to_string();
    assert!(problem.contains("FENGHUO_HTTP_TOKEN"), "{problem}");

    for allowed in [
        "addr = \"0.0.0.0:0\"\ntoken = \"s3cret\"",
        "addr = \"0.0.0.0:0\"\nallow_open = true",
        "addr = \"127.0.0.1:0\"",
        "addr = \"[::1]:0\"",
    ] {
        let engine = Engine::start(&config(allowed), None).await;
        let engine = engine.unwrap_or_else(|e| panic!("{allowed}: {e}"));
        engine.shutdown().await.unwrap();
    }
}

#[test]
fn the_container_config_needs_a_token_and_kubernetes_gives_one() {
    let container = Config::from_overlay(&read("deploy/container/fenghuo.toml")).unwrap();
    assert!(container.http.exposure_problem().is_some());
    let mut with_token = container.clone();
    with_token.http.token = Some("from-the-environment".into());
    assert!(with_token.http.exposure_problem().is_none());

    let deployment = read("deploy/kubernetes/deployment.yaml");
    let engine_env = deployment
        .split("- name: FENGHUO_HTTP_TOKEN")
        .nth(1)
        .expect("the engine gets FENGHUO_HTTP_TOKEN");
    assert!(engine_env.trim_start().starts_with(
        "valueFrom:\n                secretKeyRef:\n                  name: fenghuo-token"
    ));
    let kustomization = read("deploy/kubernetes/kustomization.yaml");
    for file in ["secret.yaml", "networkpolicy.yaml"] {
        assert!(kustomization.contains(file), "kustomization lists {file}");
    }
    let policy = read("deploy/kubernetes/networkpolicy.yaml");
    assert!(policy.contains("kind: NetworkPolicy") && policy.contains("port: 8080"));
}

/// Optional TLS (rustls) on the listener: HTTPS on 127.0.0.1:0 with a certificate the
/// client trusts; plain HTTP to it gets no answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_serves_https_with_a_configured_certificate() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls");
    let test = crate::support::TestEngine::start(&format!(
        "[http]\ntls_cert = \"{fixtures}/cert.pem\"\ntls_key = \"{fixtures}/key.pem\"\n"
    ))
    .await;
    let root =
        reqwest::Certificate::from_pem(read("tests/fixtures/tls/cert.pem").as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(root)
        .build()
        .unwrap();
    let answer = client
        .get(format!("https://{}/healthz", test.addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "ok\n");
    let plain = tokio::time::timeout(
        std::time::Duration::from_secs(15),
        reqwest::get(format!("http://{}/healthz", test.addr())),
    )
    .await
    .expect("a plain request is answered or refused, not held");
    assert!(plain.is_err() || plain.unwrap().status() != 200);
    test.finish().await;
}
