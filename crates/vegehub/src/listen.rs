//! A webhook receiver for hub pushes, answering the way Home Assistant's
//! integration does: `200` with the JSON string `"OK"`, `400` `"No Body"` for an
//! empty POST (and `400` `"Invalid JSON"` where Home Assistant would fail with a 500).

use crate::push::Push;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// One push as received.
#[derive(Clone, Debug, Serialize)]
pub struct PushEvent {
    pub path: String,
    pub raw: Value,
    pub push: Push,
}

/// A running receiver; [`PushListener::shutdown`] stops it within a deadline.
pub struct PushListener {
    addr: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn receive(State(tx): State<mpsc::Sender<PushEvent>>, uri: Uri, body: Bytes) -> Response {
    if body.iter().all(u8::is_ascii_whitespace) {
        return (StatusCode::BAD_REQUEST, axum::Json("No Body")).into_response();
    }
    let raw: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return (StatusCode::BAD_REQUEST, axum::Json("Invalid JSON")).into_response(),
    };
    let push = Push::from_value(&raw);
    let ev = PushEvent {
        path: uri.path().to_string(),
        raw,
        push,
    };
    // Backpressure to the hub rather than dropping data; bounded so a stuck
    // consumer cannot hang the hub's request forever.
    if tokio::time::timeout(Duration::from_secs(5), tx.send(ev))
        .await
        .is_err()
    {
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json("Busy")).into_response();
    }
    (StatusCode::OK, axum::Json("OK")).into_response()
}

impl PushListener {
    /// Accepts POSTs on any path (the hub posts to whatever URL it was given).
    pub async fn start(addr: SocketAddr, tx: mpsc::Sender<PushEvent>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .fallback(axum::routing::post(receive))
            .with_state(tx);
        let stop = CancellationToken::new();
        let signal = stop.clone().cancelled_owned();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await
        });
        Ok(PushListener { addr, stop, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets in-flight pushes finish within `grace`, then drops
    /// the server. Returns false if the grace period ran out.
    pub async fn shutdown(self, grace: Duration) -> bool {
        self.stop.cancel();
        let mut task = self.task;
        match tokio::time::timeout(grace, &mut task).await {
            Ok(_) => true,
            Err(_) => {
                task.abort();
                let _ = task.await;
                false
            }
        }
    }
}
