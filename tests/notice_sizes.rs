//! Issue 13.2: each robot's notices stay within its documented size limits for real large
//! events (many rules and domains, a huge region, author and URL from the feed), checked on
//! the bodies a local recording server received from the engine, and still carry the
//! essentials a duty officer needs.

use serde_json::{json, Value};

use crate::support::receiver::{Behaviour, Call, TestReceiver};
use crate::support::{http, TestEngine, FIXTURE_RULES};

/// DingTalk: a message of at most 20,000 bytes.
const DINGTALK_MAX_BYTES: usize = 20_000;
/// WeCom: markdown content of at most 4,096 bytes.
const WECOM_MAX_CONTENT_BYTES: usize = 4_096;
/// Feishu custom robots: a request body of at most 20 KB.
const FEISHU_MAX_BYTES: usize = 20 * 1024;

/// Forty rules, each with a long name and a domain of its own, all matching the same words:
/// one post fires them all.
fn many_rules() -> String {
    (0..40)
        .map(|i| {
            format!(
                "[[rule]]\nid = \"big.r{i}\"\nname = \"第{i}条{}\"\ndomain = \"领域{i}{}\"\nseverity = \"high\"\nkeywords = [\"警察打人\"]\n\n",
                "超长规则名称".repeat(30),
                "很长".repeat(20)
            )
        })
        .collect()
}

fn robot(name: &str, kind: &str, url: &str) -> String {
    // WeCom robots are not signed (their key is in the URL).
    let secret = if kind == "wecom" {
        String::new()
    } else {
        format!("secret = \"SECret-{name}\"\n")
    };
    format!(
        "[[receivers]]\nname = {name:?}\nkind = {kind:?}\nurl = {url:?}\n{secret}\
         rate_limit = {{ messages = 100, per_seconds = 1.0 }}\n\
         mention = {{ levels = [\"red\", \"orange\", \"yellow\"], all = true, mobiles = [\"13800000000\"], user_ids = [\"zhangsan\"] }}\n"
    )
}

fn text_of(kind: &str, body: &Value) -> String {
    let text = match kind {
        "dingtalk" => &body["markdown"]["text"],
        "wecom" => &body["markdown"]["content"],
        _ => &body["card"]["elements"][0]["content"],
    };
    text.as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robot_notices_of_a_huge_event_fit_each_robots_limit_and_keep_the_essentials() {
    let rules = tempfile::tempdir().unwrap();
    std::fs::copy(
        format!("{FIXTURE_RULES}/police.toml"),
        rules.path().join("police.toml"),
    )
    .unwrap();
    std::fs::write(rules.path().join("many.toml"), many_rules()).unwrap();
    let ding = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let wecom = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let feishu = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let overlay = format!(
        "[rules]\ndir = {:?}\n{}{}{}",
        rules.path().display().to_string(),
        robot("ding", "dingtalk", &ding.url("/robot/send?access_token=t")),
        robot("wecom", "wecom", &wecom.url("/cgi-bin/webhook/send?key=k")),
        robot(
            "feishu",
            "feishu",
            &feishu.url("/open-apis/bot/v2/hook/tok")
        ),
    );
    let test = TestEngine::start(&overlay).await;

    // One post as large as a feed may send: a 60 KB URL, a 10,000-character region and
    // author name, a long text; then reposts by big verified accounts raise it to 红.
    let at = "2026-11-28T10:00:00+08:00";
    let mut posts = vec![json!({
        "platform": "weibo", "id": "5241075719150801",
        "url": format!("https://weibo.com/u/{}", "x".repeat(60_000)),
        "body": format!("{}警察打人{}", "长文".repeat(3_000), "视频".repeat(3_000)),
        "published_at": at,
        "region": "江州".repeat(5_000),
        "author": {"id": "a0", "name": "作者".repeat(5_000), "followers": 100},
    })];
    for i in 0..24 {
        posts.push(json!({
            "platform": "weibo", "id": format!("r{i}"), "body": "转发：警察打人",
            "published_at": at, "repost_of": "5241075719150801",
            "author": {"id": format!("big{i}"), "followers": 10_000_000, "verified": true},
        }));
    }
    let body: String = posts.iter().map(|p| p.to_string() + "\n").collect();
    let (status, answer) = http(test.addr(), "POST", "/api/v1/ingest", &[], body.as_bytes()).await;
    assert_eq!(status, 202, "{answer}");

    let reached_red = |calls: &[Call]| calls.iter().any(|c| c.body.contains("红色预警"));
    for receiver in [&ding, &wecom, &feishu] {
        receiver.wait_until(reached_red).await;
    }
    let alerts = test.finish_alerts().await;
    assert!(alerts.iter().any(|a| a["level"] == "red"), "{alerts:?}");
    assert!(
        alerts
            .iter()
            .any(|a| a["rules"].as_array().unwrap().len() > 40),
        "every rule fired"
    );

    for (kind, receiver) in [("dingtalk", &ding), ("wecom", &wecom), ("feishu", &feishu)] {
        let calls = receiver.calls();
        assert!(!calls.is_empty());
        let mut largest = 0;
        for call in &calls {
            let body: Value = serde_json::from_str(&call.body).unwrap();
            if kind == "wecom" && body["msgtype"] == "text" {
                // The @all after the markdown: within the text message's 2,048 bytes.
                let content = body["text"]["content"].as_str().unwrap();
                assert!(content.len() <= 2_048, "{}", content.len());
                assert!(content.contains("预警·"), "{content}");
                assert_eq!(body["text"]["mentioned_list"], json!(["@all"]));
                continue;
            }
            let text = text_of(kind, &body);
            match kind {
                "dingtalk" => assert!(call.body.len() <= DINGTALK_MAX_BYTES, "{}", call.body.len()),
                "wecom" => assert!(text.len() <= WECOM_MAX_CONTENT_BYTES, "{}", text.len()),
                _ => assert!(call.body.len() <= FEISHU_MAX_BYTES, "{}", call.body.len()),
            }
            largest = largest.max(call.body.len());
            // The essentials: what and how grave, rules by name, when and where, the
            // post's link, the next deadline, the ids to act on, and the @mention.
            let title = match kind {
                "dingtalk" => body["markdown"]["title"].as_str().unwrap(),
                "wecom" => text.lines().next().unwrap(),
                _ => body["card"]["header"]["title"]["content"].as_str().unwrap(),
            };
            assert!(title.contains("预警·"), "{kind}: {title}");
            for part in [
                "命中规则：第0条超长规则名称",
                "等 41 项",
                "首发时间：11-28 10:00",
                "属地：江州江州",
                "https://m.weibo.cn/status/5241075719150801",
                "下一时限",
                "evt-weibo-5241075719150801",
            ] {
                assert!(text.contains(part), "{kind}: {part} in {text}");
            }
            assert!(
                !text.contains("xxxxxxxxxx"),
                "{kind}: the huge URL left out"
            );
            match kind {
                "dingtalk" => {
                    assert_eq!(body["at"]["isAtAll"], true);
                    assert!(text.contains("@13800000000"), "mobiles in the text");
                }
                "wecom" => assert!(text.ends_with("<@zhangsan>"), "{text}"),
                _ => assert!(text.starts_with("<at id=all></at> <at id=zhangsan></at>")),
            }
        }
        if kind == "wecom" {
            let texts = calls.iter().filter(|c| c.body.contains("\"text\"")).count();
            assert_eq!(texts * 2, calls.len(), "each markdown followed by its @all");
        }
        eprintln!(
            "{kind}: {} messages, largest body {largest} bytes",
            calls.len()
        );
    }
}
