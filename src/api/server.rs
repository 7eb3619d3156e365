//! The HTTP listener: a connection cap, read timeouts, and a shutdown that never waits on
//! a slow client.
//!
//! `axum::serve` had none of these: 2,000 slow-header and 2,000 slow-body connections were
//! held for 60 s, at the fd limit `/healthz` timed out and accept errors were logged every
//! second, and its graceful shutdown waits for every connection. Here:
//!
//! - a semaphore permit is taken *before* `accept()` (mini-redis's pattern), so at most
//!   `max_connections` sockets are open and the rest wait in the kernel's backlog instead
//!   of failing `accept` at the fd limit; the permit lives in the connection's I/O, so an
//!   upgraded WebSocket holds it too;
//! - hyper's header read timeout closes a connection that has not sent a whole request head
//!   within `header_timeout_secs` of connecting or of its last response (so idle keep-alive
//!   connections go too); once three quarters of the slots are taken it is one second, so
//!   a slow-loris load recycles slots fast enough for `/healthz` to be served;
//! - every request body must arrive within `body_timeout_secs` ([`DeadlineBody`]);
//! - on shutdown, open connections are asked to finish and dropped after a short grace;
//! - with `http.tls_cert` and `http.tls_key`, it serves HTTPS (rustls; the handshake
//!   within the header timeout).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper::body::{Frame, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::ingest::push::BodyTimedOut;
use crate::telemetry::{HTTP_ACCEPT_ERRORS, HTTP_CONNECTIONS};

/// How the listener protects itself (`[http]` in the configuration).
#[derive(Clone)]
pub struct ListenerLimits {
    /// HTTPS with this certificate and key when set (`http.tls_cert`, `http.tls_key`).
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// Connections open at once (WebSockets included); more wait in the accept backlog.
    pub max_connections: usize,
    /// A request head must arrive within this of connecting or of the last response.
    pub header_timeout_secs: u64,
    /// A request body must arrive whole within this of the request head.
    pub body_timeout_secs: u64,
    /// A WebSocket that sends nothing (not even a pong) for this long is closed.
    pub idle_timeout_secs: u64,
}

/// The header timeout once the listener is busy (three quarters of its slots taken).
const BUSY_HEADER_TIMEOUT: Duration = Duration::from_secs(1);

/// How long open connections get to finish once shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Serves `router` on `listener` until `shutdown`, within `limits`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ListenerLimits,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let busy_above = limits.max_connections - limits.max_connections / 4;
    let body_timeout = Duration::from_secs(limits.body_timeout_secs);
    let router = router.layer(axum::middleware::map_request(
        move |request: Request| async move {
            request.map(|body| Body::new(DeadlineBody::new(body, body_timeout)))
        },
    ));
    let mut connections = JoinSet::new();
    let mut last_accept_error: Option<Instant> = None;
    loop {
        let permit = tokio::select! {
            _ = shutdown.cancelled() => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, _peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of fds or a connection reset before accept: log once a second at
                    // most, and back off rather than spin.
                    metrics::counter!(HTTP_ACCEPT_ERRORS).increment(1);
                    if last_accept_error.is_none_or(|at| at.elapsed() > Duration::from_secs(1)) {
                        tracing::warn!(error = %e, "accepting an HTTP connection failed");
                        last_accept_error = Some(Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        let in_use = limits.max_connections - slots.available_permits();
        let header_timeout = if in_use > busy_above {
            BUSY_HEADER_TIMEOUT
        } else {
            Duration::from_secs(limits.header_timeout_secs)
        };
        let router = router.clone();
        let stop = shutdown.clone();
        let tls = limits.tls.clone();
        connections.spawn(async move {
            metrics::gauge!(HTTP_CONNECTIONS).increment(1.0);
            match tls {
                None => serve_connection(stream, permit, router, header_timeout, stop).await,
                Some(acceptor) => {
                    // The handshake counts against the header timeout.
                    let handshake = tokio::time::timeout(header_timeout, acceptor.accept(stream));
                    if let Ok(Ok(stream)) = handshake.await {
                        serve_connection(stream, permit, router, header_timeout, stop).await;
                    }
                }
            }
            metrics::gauge!(HTTP_CONNECTIONS).decrement(1.0);
        });
    }
    // Connections still open after the grace are dropped: they hold the push sources' queue
    // senders, which must go for the pipeline to drain.
    let _ = tokio::time::timeout(SHUTDOWN_GRACE + Duration::from_millis(500), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

/// Serves HTTP/1.1 (with upgrades) on one connection until it ends or shutdown's grace.
async fn serve_connection<S>(
    stream: S,
    permit: OwnedSemaphorePermit,
    router: Router,
    header_timeout: Duration,
    stop: CancellationToken,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(Held {
        stream,
        _permit: permit,
    });
    let service = TowerToHyperService::new(router);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let connection = builder.serve_connection(io, service).with_upgrades();
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = stop.cancelled() => {
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, connection).await;
        }
    }
}

/// Reads a PEM certificate chain and private key into a TLS acceptor.
pub fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("http.tls_cert {}: {e}", cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("http.tls_key {}: {e}", key.display()))?;
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS: {e}"))?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(|e| format!("http.tls_cert / tls_key: {e}"))?;
    Ok(tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config)))
}

/// A connection's socket with its slot of the cap: the slot is free again only when the
/// socket is closed, whether hyper or an upgraded WebSocket had it last.
struct Held<S> {
    stream: S,
    _permit: OwnedSemaphorePermit,
}

impl<S: AsyncRead + Unpin> AsyncRead for Held<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Held<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// A request body that fails once its deadline passes: a client trickling a body cannot
/// hold a connection (and the memory reserved for the body) longer than the deadline.
pub struct DeadlineBody {
    inner: Body,
    timeout: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl DeadlineBody {
    pub fn new(inner: Body, timeout: Duration) -> DeadlineBody {
        DeadlineBody {
            inner,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

impl hyper::body::Body for DeadlineBody {
    type Data = bytes::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<bytes::Bytes>, axum::BoxError>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut(self.timeout)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
