//! The wall display: one page (HTML, CSS and JS embedded in the binary, no CDN, no build
//! step) that a monitoring centre puts on its screens, and the access rule shared by the
//! page, its socket (`/ws/alerts`) and the reports it links to.
//!
//! Wall screens cannot type passwords and browsers cannot set headers on a WebSocket, so
//! the token travels in the URL once (`/?token=…`) and then in a cookie.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

use super::AppState;
use crate::telemetry::Stats;

const PAGE: &str = include_str!("wall/index.html");
const STYLE: &str = include_str!("wall/wall.css");
const SCRIPT: &str = include_str!("wall/wall.js");

/// The cookie a wall screen keeps its token in.
pub const COOKIE: &str = "fenghuo_wall";

/// What the wall display needs beyond the API's state.
#[derive(Clone)]
pub struct WallState {
    /// The outbox's newest committed sequence number: screens wake on it.
    pub committed: watch::Sender<i64>,
    /// Pipeline counters (posts in, matched).
    pub stats: Arc<Stats>,
    /// Tokens that open the wall; empty: open to anyone who reaches the port.
    pub tokens: Arc<[String]>,
    /// Closes the screens' sockets on shutdown.
    pub shutdown: tokio_util::sync::CancellationToken,
}

impl WallState {
    /// The wall's tokens from the HTTP config: the wall token, and the main token when
    /// reads are protected (or a wall token is set: an operator may use either).
    pub fn tokens(wall_token: &str, token: &str, protect_reads: bool) -> Arc<[String]> {
        let mut tokens = Vec::new();
        if !wall_token.is_empty() {
            tokens.push(wall_token.to_owned());
        }
        if !token.is_empty() && (protect_reads || !wall_token.is_empty()) {
            tokens.push(token.to_owned());
        }
        tokens.into()
    }
}

/// The token a request carries: `?token=`, the wall cookie, or a bearer header.
fn given_token(request: &Request) -> Option<String> {
    let from_query = request.uri().query().and_then(|query| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == "token")
            .map(|(_, value)| crate::query::decode_query_value(value))
    });
    from_query
        .or_else(|| cookie(request.headers(), COOKIE))
        .or_else(|| {
            request
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned)
        })
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| crate::query::decode_query_value(v))
}

/// Admits a request to the wall, its socket and reports when the wall is open or the
/// request carries one of its tokens; a page request with a good `?token=` also gets the
/// cookie, so the screen keeps access after the URL is cleaned.
pub async fn require_wall_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let tokens = &state.wall.tokens;
    if tokens.is_empty() {
        return next.run(request).await;
    }
    let Some(given) = given_token(&request) else {
        return (
            StatusCode::UNAUTHORIZED,
            "the wall display needs its token: open /?token=…\n",
        )
            .into_response();
    };
    if !tokens.iter().any(|t| constant_time_eq(t, &given)) {
        return (StatusCode::UNAUTHORIZED, "wrong wall token\n").into_response();
    }
    let mut response = next.run(request).await;
    let cookie = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000",
        percent_encode(&given)
    );
    if let Ok(value) = cookie.parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Compares without stopping at the first difference (no timing hint of the prefix).
pub(super) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// `GET /`: the wall page.
pub async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PAGE,
    )
        .into_response()
}

/// `GET /wall.css`
pub async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        STYLE,
    )
        .into_response()
}

/// `GET /wall.js`
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_comes_from_the_query_the_cookie_or_the_header() {
        let request = |uri: &str, header: Option<(header::HeaderName, &str)>| {
            let mut builder = Request::builder().uri(uri);
            if let Some((name, value)) = header {
                builder = builder.header(name, value);
            }
            builder.body(axum::body::Body::empty()).unwrap()
        };
        assert_eq!(
            given_token(&request("/?a=1&token=w%20x", None)).as_deref(),
            Some("w x")
        );
        assert_eq!(
            given_token(&request(
                "/",
                Some((header::COOKIE, "x=1; fenghuo_wall=abc"))
            ))
            .as_deref(),
            Some("abc")
        );
        assert_eq!(
            given_token(&request("/", Some((header::AUTHORIZATION, "Bearer t")))).as_deref(),
            Some("t")
        );
        assert_eq!(given_token(&request("/", None)), None);
    }

    #[test]
    fn the_main_token_opens_the_wall_only_when_reads_are_protected_or_a_wall_token_is_set() {
        assert!(WallState::tokens("", "main", false).is_empty());
        assert_eq!(&*WallState::tokens("", "main", true), ["main"]);
        assert_eq!(&*WallState::tokens("w", "main", false), ["w", "main"]);
        assert_eq!(&*WallState::tokens("w", "", true), ["w"]);
    }
}
