//! A local HTTP receiver for delivery tests: records every call, answers as told.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;
use tokio::time::Instant;

/// How the receiver answers.
#[derive(Debug, Clone, Copy)]
pub enum Behaviour {
    /// 500 for the first `n` calls, then 200 `{"errcode":0}`.
    FailFirst(usize),
    /// 200 with a non-zero errcode for the first `n` calls, then errcode 0.
    ErrcodeFirst(usize),
    /// Accepts the request and never answers.
    Hang,
    /// Answers 200 after a delay.
    Slow(Duration),
    /// Answers `status` with `body` for the first `first` calls, then 200 `{"errcode":0}`.
    Refuse {
        first: usize,
        status: u16,
        body: &'static str,
    },
    /// 500 for every call whose body contains this text; 200 for the others.
    FailWhen(&'static str),
    /// 400 with the request's URI and headers in the body (as some gateways answer).
    EchoRequest,
    /// 503 until [`TestReceiver::come_up`], then 200 `{"errcode":0}`: a receiver that is
    /// down for as long as a test needs.
    DownUntilUp,
}

#[derive(Debug, Clone)]
pub struct Call {
    pub at: Instant,
    pub uri: String,
    pub headers: HeaderMap,
    pub body: String,
    /// The status answered (0 while hanging).
    pub status: u16,
}

#[derive(Clone)]
struct Shared {
    behaviour: Behaviour,
    calls: Arc<Mutex<Vec<Call>>>,
    notify: Arc<Notify>,
    up: Arc<AtomicBool>,
}

pub struct TestReceiver {
    pub addr: SocketAddr,
    calls: Arc<Mutex<Vec<Call>>>,
    notify: Arc<Notify>,
    /// [`Behaviour::DownUntilUp`]: whether it answers yet.
    up: Arc<AtomicBool>,
}

async fn handle(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let index = {
        let mut calls = shared.calls.lock().unwrap();
        calls.push(Call {
            at: Instant::now(),
            uri: uri.to_string(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            status: 0,
        });
        calls.len() - 1
    };
    let body = String::from_utf8_lossy(&body).into_owned();
    if let Behaviour::EchoRequest = shared.behaviour {
        let echo = {
            let mut calls = shared.calls.lock().unwrap();
            calls[index].status = 400;
            format!(
                "bad request {} {:?}",
                calls[index].uri, calls[index].headers
            )
        };
        shared.notify.notify_waiters();
        return (StatusCode::BAD_REQUEST, echo).into_response();
    }
    let (status, answer) = match shared.behaviour {
        Behaviour::Refuse {
            first,
            status,
            body,
        } if index < first => (status, body),
        Behaviour::FailWhen(text) if body.contains(text) => (500, r#"{"error":"no"}"#),
        Behaviour::FailFirst(n) if index < n => (500, r#"{"error":"down"}"#),
        Behaviour::ErrcodeFirst(n) if index < n => {
            (200, r#"{"errcode":130101,"errmsg":"send too fast"}"#)
        }
        Behaviour::Hang => std::future::pending().await,
        Behaviour::DownUntilUp if !shared.up.load(Ordering::SeqCst) => (503, r#"{"error":"down"}"#),
        Behaviour::Slow(delay) => {
            tokio::time::sleep(delay).await;
            (200, r#"{"errcode":0,"code":0}"#)
        }
        _ => (200, r#"{"errcode":0,"code":0,"errmsg":"ok"}"#),
    };
    shared.calls.lock().unwrap()[index].status = status;
    shared.notify.notify_waiters();
    (StatusCode::from_u16(status).unwrap(), answer).into_response()
}

impl TestReceiver {
    pub async fn start(behaviour: Behaviour) -> TestReceiver {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let notify = Arc::new(Notify::new());
        let up = Arc::new(AtomicBool::new(false));
        let shared = Shared {
            behaviour,
            calls: calls.clone(),
            notify: notify.clone(),
            up: up.clone(),
        };
        let app = axum::Router::new().fallback(handle).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        TestReceiver {
            addr,
            calls,
            notify,
            up,
        }
    }

    /// A [`Behaviour::DownUntilUp`] receiver answers from now on.
    pub fn come_up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// Answered calls with a 2xx status.
    pub fn successes(&self) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| (200..300).contains(&c.status))
            .collect()
    }

    /// Waits (bounded) until `done` holds for the calls so far; woken by each answer.
    pub async fn wait_until(&self, done: impl Fn(&[Call]) -> bool) {
        tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                let notified = self.notify.notified();
                if done(&self.calls()) {
                    return;
                }
                notified.await;
            }
        })
        .await
        .expect("the receiver got what was expected in time");
    }
}
