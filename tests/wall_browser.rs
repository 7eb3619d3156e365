//! The wall display in a real browser: headless Chromium driven through WebDriver
//! (chromedriver) watches an event open at 黄 and escalate to 红 without a reload, and
//! leaves screenshots at 1920×1080 and 3840×2160 under the tests' output folder.
//!
//! Needs Debian's `chromium`, `chromium-driver` and `fonts-noto-cjk` (`make test`
//! installs them); without them this test fails and says so, never passes silently.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::support::wall::{escalate_event, open_event, STORY};
use crate::support::TestEngine;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn require_browser() {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "the wall display's browser test needs {missing:?}: run `make test`, or \
         `apt-get install chromium chromium-driver fonts-noto-cjk`"
    );
    let fonts = Command::new("fc-list")
        .arg(":lang=zh")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(
        !fonts.trim().is_empty(),
        "no CJK font: every Chinese character would be a box; apt-get install fonts-noto-cjk"
    );
}

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver { child, port };
        // Ready when it accepts connections.
        let ready = tokio::time::timeout(Duration::from_secs(30), async {
            while tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err()
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        assert!(ready.is_ok(), "chromedriver did not listen within 30 s");
        driver
    }

    async fn browser(&self, profile: &Path) -> Client {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--window-size=1920,1080",
            &format!("--user-data-dir={}", profile.display()),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a headless Chromium session")
    }
}

/// Where the screenshots go: the integration tests' output folder.
fn output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wall");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn card_in(client: &Client, level: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(&format!(
            r#"section[data-level="{level}"] .card"#
        )))
        .await
        .unwrap_or_else(|e| panic!("no card under {level} within 30 s: {e}"))
}

/// Sizes the viewport (not the window, whose frame takes some of it) to width × height.
async fn set_viewport(client: &Client, width: u32, height: u32) {
    client.set_window_size(width, height).await.unwrap();
    let inner = client
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .unwrap();
    let inner = |i: usize| inner[i].as_u64().unwrap() as u32;
    let (frame_w, frame_h) = (width - inner(0).min(width), height - inner(1).min(height));
    if frame_w > 0 || frame_h > 0 {
        client
            .set_window_size(width + frame_w, height + frame_h)
            .await
            .unwrap();
    }
}

async fn screenshot(client: &Client, width: u32, height: u32) -> PathBuf {
    set_viewport(client, width, height).await;
    // Let the layout settle at the new size (one animation frame, then the next).
    client
        .execute_async(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            vec![],
        )
        .await
        .unwrap();
    let png = client.screenshot().await.unwrap();
    let path = output_dir().join(format!("wall-{width}x{height}.png"));
    std::fs::write(&path, png).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wall_shows_an_event_under_yellow_then_red_without_a_reload() {
    require_browser();
    // Departments must join; at 红 the joint response is due at once, so the card shows
    // an overdue deadline.
    let route = "[[routes]]\nreceivers = []\ndepartments = [\"情指\", \"网安\", \"宣传\"]\n\
                 [deadlines]\njoint_response = { red = 0, orange = 30, yellow = 30 }\n";
    let test = TestEngine::start(route).await;
    let addr = test.addr();
    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;

    client.goto(&format!("http://{addr}/")).await.unwrap();
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(r#"body[data-connected="true"]"#))
        .await
        .expect("the page connects its socket");
    // Set on this document: a reload would lose it.
    client
        .execute("window.sameDocument = true;", vec![])
        .await
        .unwrap();

    open_event(addr).await;
    let yellow = card_in(&client, "yellow").await;
    let text = yellow.text().await.unwrap();
    assert!(text.contains("执法办案"), "{text}");
    assert!(text.contains(&STORY[..12]), "{text}");
    assert!(text.contains("首接确认 剩"), "the ack countdown: {text}");

    escalate_event(addr).await;
    let red = card_in(&client, "red").await;
    let text = red.text().await.unwrap();
    assert!(text.contains("江苏"), "the place: {text}");
    assert!(text.contains("微博") && text.contains("抖音"), "{text}");
    assert!(
        text.contains("联合响应 0/3") && text.contains("情指、网安、宣传"),
        "{text}"
    );
    // A department acknowledges: the card says so, still without a reload.
    let event_id = red.attr("data-event-id").await.unwrap().unwrap();
    let (status, body) = crate::support::http(
        addr,
        "POST",
        &format!("/api/v1/alerts/{event_id}/ack"),
        &[("Content-Type", "application/json")],
        r#"{"by": "孙七", "department": "网安"}"#.as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::XPath(
            r#"//section[@data-level="red"]//div[@class="departments" and contains(., "联合响应 1/3")]"#,
        ))
        .await
        .expect("the card shows the department's acknowledgement");
    let overdue = client
        .find(Locator::Css(
            r#"section[data-level="red"] .deadline.overdue"#,
        ))
        .await
        .expect("the overdue joint response shows in red")
        .text()
        .await
        .unwrap();
    assert!(overdue.contains("联合响应 超时"), "{overdue}");
    let yellow_cards = client
        .find_all(Locator::Css(r#"section[data-level="yellow"] .card"#))
        .await
        .unwrap();
    assert!(yellow_cards.is_empty(), "it left 黄 when it reached 红");
    let same = client
        .execute("return window.sameDocument === true;", vec![])
        .await
        .unwrap();
    assert_eq!(same, json!(true), "the page was not reloaded");
    let red_count = client
        .find(Locator::Id("c-red"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Counters come every 2 s; the count reaches 1 within a few.
    let counted = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(r#"//dd[@id="c-red" and text()="1"]"#))
        .await;
    assert!(counted.is_ok(), "the 红 counter shows 1 (was {red_count})");

    let small = screenshot(&client, 1920, 1080).await;
    let large = screenshot(&client, 3840, 2160).await;
    // The daily report the wall links to, as printed.
    let daily = client
        .find(Locator::Id("daily"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .expect("the wall links the daily report");
    client.goto(&format!("http://{addr}{daily}")).await.unwrap();
    let heading = client
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(heading.contains("舆情日报"), "{heading}");
    let report = screenshot(&client, 1280, 1000).await;
    let renamed = output_dir().join("report-daily.png");
    std::fs::rename(&report, &renamed).unwrap();
    eprintln!(
        "screenshots: {} {} {}",
        small.display(),
        large.display(),
        renamed.display()
    );

    // Back on the wall, the engine stops: the screen says it is reconnecting.
    client.goto(&format!("http://{addr}/")).await.unwrap();
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(r#"body[data-connected="true"]"#))
        .await
        .expect("the page connects again");
    test.finish().await;
    let banner = client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#banner.reconnecting:not([hidden])"))
        .await
        .expect("a reconnecting banner once the engine is gone");
    let text = banner.text().await.unwrap();
    assert!(text.contains("正在重连"), "{text}");
    let red_still = client
        .find_all(Locator::Css(r#"section[data-level="red"] .card"#))
        .await
        .unwrap();
    assert_eq!(red_still.len(), 1, "the picture stays as it was");
    client.close().await.unwrap();
    drop(driver);
}
