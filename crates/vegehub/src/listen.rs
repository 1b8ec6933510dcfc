//! A webhook receiver for hub pushes, answering the way Home Assistant's
//! integration does: `200` with the JSON string `"OK"`, `400` `"No Body"` for an
//! empty POST (and `400` `"Invalid JSON"` where Home Assistant would fail with a 500).
//!
//! Pushes and every other client on the network are untrusted, so the receiver
//! bounds what one can hold ([`ListenOptions`]):
//!
//! * **Request head**: hyper closes a connection whose request line and headers
//!   have not arrived within `header_timeout`; the same clock runs while a
//!   kept-alive connection waits for its next request, so a silent client is
//!   cut off too.
//! * **Body**: reading it and handing the push over must finish within
//!   `body_timeout` (tower-http's `TimeoutLayer`, answering `408`); it may be at
//!   most `max_body` bytes (axum's `DefaultBodyLimit`, answering `413`).
//! * **Connections**: at most `max_connections` at once (a semaphore in the
//!   accept loop). One more is *refused*, not queued: it is accepted, answered
//!   `503` `Connection: close` if the socket takes the bytes at once, and closed,
//!   so nothing grows while the slots are taken.
//! * **Key**: with `api_key` set, a push must carry it. The hub sends the
//!   `api_key` of its endpoint config as the top-level `"api_key"` field of the
//!   JSON body it POSTs (testdata/vegehub/push_payload.json; the hub has no
//!   header for it), so that is where it is checked; anything else gets `401`.
//!   The key is removed from [`PushEvent::raw`] so it is never printed.

use crate::push::Push;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::timeout::TimeoutLayer;

/// One push as received.
#[derive(Clone, Debug, Serialize)]
pub struct PushEvent {
    /// The URL path the hub posted to (it posts to whatever it was given).
    pub path: String,
    /// The body as JSON, without its `api_key` field.
    pub raw: Value,
    /// The body parsed.
    pub push: Push,
}

/// Limits and the key a [`PushListener`] enforces.
#[derive(Clone, Debug)]
pub struct ListenOptions {
    /// A client that has not sent a full request head within this time (or
    /// sends nothing on a kept-alive connection) is disconnected, so slow
    /// clients cannot hold connection slots.
    pub header_timeout: Duration,
    /// Reading the body and handing the push over must finish within this time
    /// (`408` otherwise), so a body that never ends frees its slot.
    pub body_timeout: Duration,
    /// Largest body accepted (`413` beyond); a hub's pushes are a few KiB.
    pub max_body: usize,
    /// Connections served at once; more are refused so memory stays bounded.
    pub max_connections: usize,
    /// When set, pushes must carry this key in their `api_key` field (`401`
    /// otherwise): anyone on the network can POST to the receiver.
    pub api_key: Option<SecretString>,
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_body: 64 * 1024,
            max_connections: 32,
            api_key: None,
        }
    }
}

/// What a receiver has answered, counted as it answers (for a bridge's
/// metrics; `listen` does not show them).
#[derive(Debug, Default)]
pub struct ListenStats {
    /// Pushes taken (answered `200`): each became a [`PushEvent`].
    received: AtomicU64,
    /// Pushes refused by the handler: wrong or missing key, empty body,
    /// invalid JSON, or no room to hand them over (`401`/`400`/`503`).
    rejected: AtomicU64,
}

impl ListenStats {
    /// Pushes taken so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Pushes refused so far.
    pub fn rejected(&self) -> u64 {
        self.rejected.load(Ordering::Relaxed)
    }
}

/// A running receiver; [`PushListener::shutdown`] stops it within a deadline.
pub struct PushListener {
    /// The bound address (the port is chosen by the OS when 0 was asked).
    addr: SocketAddr,
    /// Stop accepting; connections finish their request, then close.
    stop: CancellationToken,
    /// Drop whatever is left after the grace period.
    force: CancellationToken,
    /// The accept loop and every connection task, to await them on shutdown.
    tracker: TaskTracker,
    /// Counts of what the handler answered, shared with it.
    stats: Arc<ListenStats>,
}

/// What the request handler needs.
#[derive(Clone)]
struct Ctx {
    /// Where received pushes go.
    tx: mpsc::Sender<PushEvent>,
    /// The key pushes must carry, if any.
    key: Option<Arc<SecretString>>,
    /// Where the handler counts what it answered.
    stats: Arc<ListenStats>,
}

/// Compares without an early exit, so the time taken does not tell an
/// attacker how much of a guessed key was right.
fn same_key(given: &[u8], expected: &[u8]) -> bool {
    let diff = given
        .iter()
        .zip(expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    given.len() == expected.len() && diff == 0
}

fn reply(status: StatusCode, msg: &'static str) -> Response {
    (status, axum::Json(msg)).into_response()
}

async fn receive(State(ctx): State<Ctx>, uri: Uri, body: Bytes) -> Response {
    let resp = take(&ctx, uri, body).await;
    let counter = if resp.status() == StatusCode::OK {
        &ctx.stats.received
    } else {
        &ctx.stats.rejected
    };
    counter.fetch_add(1, Ordering::Relaxed);
    resp
}

/// Checks, parses and hands one push over; the answer says which happened.
async fn take(ctx: &Ctx, uri: Uri, body: Bytes) -> Response {
    let parsed = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(serde_json::from_slice::<Value>(&body))
    };
    if let Some(key) = &ctx.key {
        let given = match &parsed {
            Some(Ok(v)) => v.get("api_key").and_then(Value::as_str),
            _ => None,
        };
        if !given.is_some_and(|g| same_key(g.as_bytes(), key.expose_secret().as_bytes())) {
            return reply(StatusCode::UNAUTHORIZED, "Unauthorized");
        }
    }
    let mut raw = match parsed {
        None => return reply(StatusCode::BAD_REQUEST, "No Body"),
        Some(Err(_)) => return reply(StatusCode::BAD_REQUEST, "Invalid JSON"),
        Some(Ok(v)) => v,
    };
    if let Some(m) = raw.as_object_mut() {
        m.remove("api_key");
    }
    let push = Push::from_value(&raw);
    let ev = PushEvent {
        path: uri.path().to_string(),
        raw,
        push,
    };
    // Backpressure to the hub rather than dropping data; bounded so a stuck
    // consumer cannot hang the hub's request forever.
    if tokio::time::timeout(Duration::from_secs(5), ctx.tx.send(ev))
        .await
        .is_err()
    {
        return reply(StatusCode::SERVICE_UNAVAILABLE, "Busy");
    }
    reply(StatusCode::OK, "OK")
}

/// Sent to a connection beyond the limit before it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\
content-type: application/json\r\ncontent-length: 6\r\n\r\n\"Busy\"";

impl PushListener {
    /// Accepts POSTs on any path with the default [`ListenOptions`] (no key).
    pub async fn start(addr: SocketAddr, tx: mpsc::Sender<PushEvent>) -> std::io::Result<Self> {
        Self::start_with(addr, tx, ListenOptions::default()).await
    }

    /// Accepts POSTs on any path (the hub posts to whatever URL it was given),
    /// within the limits of `opts`.
    pub async fn start_with(
        addr: SocketAddr,
        tx: mpsc::Sender<PushEvent>,
        opts: ListenOptions,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(ListenStats::default());
        let ctx = Ctx {
            tx,
            key: opts.api_key.clone().map(Arc::new),
            stats: Arc::clone(&stats),
        };
        let app = Router::new()
            .fallback(axum::routing::post(receive))
            .with_state(ctx)
            .layer(DefaultBodyLimit::max(opts.max_body));
        Ok(Self::serve(listener, addr, app, &opts, stats))
    }

    /// Serves `app` on `addr` within the limits of `opts` (its key aside):
    /// the same hardened server for pushes and for the bridge's `/metrics`.
    #[cfg_attr(not(feature = "bridge"), allow(dead_code))]
    pub(crate) async fn start_router(
        addr: SocketAddr,
        app: Router,
        opts: &ListenOptions,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        Ok(Self::serve(listener, addr, app, opts, Arc::default()))
    }

    /// Spawns the accept loop on `listener`.
    fn serve(
        listener: TcpListener,
        addr: SocketAddr,
        app: Router,
        opts: &ListenOptions,
        stats: Arc<ListenStats>,
    ) -> Self {
        let app = app.layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            opts.body_timeout,
        ));
        let l = PushListener {
            addr,
            stop: CancellationToken::new(),
            force: CancellationToken::new(),
            tracker: TaskTracker::new(),
            stats,
        };
        let conns = Conns {
            app,
            header_timeout: opts.header_timeout,
            stop: l.stop.clone(),
            force: l.force.clone(),
            tracker: l.tracker.clone(),
        };
        let slots = Arc::new(Semaphore::new(opts.max_connections.max(1)));
        l.tracker.spawn(conns.accept_loop(listener, slots));
        l
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The receiver's counts, live (they keep counting while it runs).
    pub fn stats(&self) -> Arc<ListenStats> {
        Arc::clone(&self.stats)
    }

    /// Stops accepting, lets in-flight pushes finish within `grace`, then drops
    /// the connections left. Returns false if the grace period ran out.
    pub async fn shutdown(self, grace: Duration) -> bool {
        self.stop.cancel();
        self.tracker.close();
        let in_time = tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_ok();
        if !in_time {
            self.force.cancel();
            self.tracker.wait().await;
        }
        in_time
    }
}

impl Drop for PushListener {
    fn drop(&mut self) {
        self.stop.cancel();
        self.force.cancel();
    }
}

/// What the accept loop hands each connection task.
#[derive(Clone)]
struct Conns {
    /// The request handler with its body limit and timeout layers.
    app: Router,
    /// hyper's header read timeout.
    header_timeout: Duration,
    /// Graceful stop: finish the request in flight, then close.
    stop: CancellationToken,
    /// Forced stop after the grace period.
    force: CancellationToken,
    /// Tracks connection tasks so shutdown can await them.
    tracker: TaskTracker,
}

impl Conns {
    async fn accept_loop(self, listener: TcpListener, slots: Arc<Semaphore>) {
        loop {
            let accepted = tokio::select! {
                _ = self.stop.cancelled() => return,
                r = listener.accept() => r,
            };
            match accepted {
                Ok((stream, peer)) => match Arc::clone(&slots).try_acquire_owned() {
                    Ok(permit) => {
                        self.tracker.spawn(self.clone().serve(stream, permit));
                    }
                    Err(_) => {
                        tracing::warn!("vegehub listen: refusing {peer}: connection limit reached");
                        // Best effort and never blocking: the socket buffer
                        // of a fresh connection takes these few bytes.
                        let _ = stream.try_write(BUSY);
                    }
                },
                Err(e) => {
                    // Typically EMFILE: back off instead of spinning on it.
                    tracing::warn!("vegehub listen: accept failed: {e}");
                    tokio::select! {
                        _ = self.stop.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_millis(50)) => {} // sleep-ok: back-off after a failed accept (EMFILE)
                    }
                }
            }
        }
    }

    async fn serve(self, stream: TcpStream, _permit: OwnedSemaphorePermit) {
        let _ = stream.set_nodelay(true);
        let svc = TowerToHyperService::new(self.app);
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_timeout);
        let conn = builder.serve_connection(TokioIo::new(stream), svc);
        tokio::pin!(conn);
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = self.stop.cancelled() => {}
            _ = self.force.cancelled() => return,
        }
        conn.as_mut().graceful_shutdown();
        tokio::select! {
            _ = conn.as_mut() => {}
            _ = self.force.cancelled() => {}
        }
    }
}
