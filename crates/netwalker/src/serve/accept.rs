//! The accept loop, ours rather than `axum::serve`'s, for two limits that
//! does not offer: a cap on open connections (a permit per connection,
//! taken before `accept`, so past the cap new clients wait in the
//! kernel's backlog) and a deadline on reading each request's head
//! (hyper's `header_read_timeout`; it also closes a keep-alive connection
//! left idle that long), so a slow or silent client cannot hold a
//! connection. Each request also learns its client's address
//! ([`ConnectInfo`]) for the failed-login backoff.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// Connection limits.
#[derive(Debug, Clone, Copy)]
pub(super) struct ConnLimits {
    /// Connections open at once.
    pub max_connections: usize,
    /// How long a client has to send a request's head (and how long an
    /// idle keep-alive connection stays open).
    pub header_timeout: Duration,
}

/// How the loop and its connections are told to stop.
#[derive(Clone)]
pub(super) struct Stops {
    /// Stop accepting; connections finish their request in flight, then close.
    pub graceful: CancellationToken,
    /// Drop every connection now (the grace ran out).
    pub force: CancellationToken,
    /// Every connection task, to wait for them.
    pub tracker: TaskTracker,
}

/// Accepts until `stops.graceful`, each connection on its own task.
pub(super) async fn accept_loop(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    stops: Stops,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let permit = tokio::select! {
            () = stops.graceful.cancelled() => return,
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
        };
        let accepted = tokio::select! {
            () = stops.graceful.cancelled() => return,
            r = listener.accept() => r,
        };
        match accepted {
            Ok((stream, peer)) => {
                let conn = serve_conn(stream, peer, app.clone(), limits, stops.clone(), permit);
                stops.tracker.spawn(conn);
            }
            Err(e) => {
                // Out of file descriptors, or a connection reset before
                // accept: keep serving, without spinning on the error.
                tracing::warn!("netwalker serve: accept failed: {e}");
                drop(permit);
                tokio::time::sleep(Duration::from_millis(50)).await; // sleep-ok: EMFILE backoff, not a wait
            }
        }
    }
}

async fn serve_conn(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: ConnLimits,
    stops: Stops,
    _permit: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let svc = app.map_request(move |mut req: axum::http::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        req
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        () = stops.graceful.cancelled() => {}
        () = stops.force.cancelled() => return,
    }
    conn.as_mut().graceful_shutdown();
    tokio::select! {
        _ = conn.as_mut() => {}
        () = stops.force.cancelled() => {}
    }
}
