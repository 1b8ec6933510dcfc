//! The accept loop and per-connection tasks.
//!
//! We drive hyper ourselves instead of `axum::serve` because we need three things it
//! does not give: every connection counted from accept to close, a forced close of
//! whatever is left after the grace period, and a listener that can go away and
//! come back (a sleeping hub refuses connections).

use crate::Shared;
use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio_util::sync::CancellationToken;

/// Binds with SO_REUSEADDR so a sleeping hub can re-open its own port on waking.
pub(crate) fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Counts a connection as opened on creation and as closed exactly once, on drop,
/// whichever way the connection task ends (clean EOF, error, forced cancel).
struct ConnGuard(Arc<Shared>);

impl ConnGuard {
    fn new(shared: Arc<Shared>) -> Self {
        shared.counters.opened.fetch_add(1, Ordering::SeqCst);
        shared.open_tx.send_modify(|n| *n += 1);
        ConnGuard(shared)
    }
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        self.0.counters.closed.fetch_add(1, Ordering::SeqCst);
        self.0.open_tx.send_modify(|n| *n = n.saturating_sub(1));
    }
}

pub(crate) async fn accept_loop(shared: Arc<Shared>, listener: TcpListener, router: Router) {
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            tracing::error!("vegehub-sim: listener has no local address: {e}");
            return;
        }
    };
    let mut listener = Some(listener);
    let mut asleep_rx = shared.asleep_tx.subscribe();
    loop {
        let asleep = *asleep_rx.borrow_and_update();
        if asleep {
            // Closing the socket makes connects fail with "connection refused".
            listener = None;
        } else if listener.is_none() {
            match bind(addr) {
                Ok(l) => listener = Some(l),
                Err(e) => {
                    tracing::error!("vegehub-sim: cannot re-bind {addr} after waking: {e}");
                    return;
                }
            }
        }
        let Some(l) = listener.as_ref() else {
            tokio::select! {
                _ = shared.graceful.cancelled() => return,
                r = asleep_rx.changed() => if r.is_err() { return },
            }
            continue;
        };
        tokio::select! {
            _ = shared.graceful.cancelled() => return,
            r = asleep_rx.changed() => if r.is_err() { return },
            r = l.accept() => match r {
                Ok((stream, _peer)) => {
                    let epoch = shared.epoch.lock().map(|e| e.clone()).unwrap_or_default();
                    let task_shared = Arc::clone(&shared);
                    let router = router.clone();
                    shared
                        .tracker
                        .spawn(serve_conn(task_shared, stream, router, epoch));
                }
                Err(e) => {
                    // Typically EMFILE or a connection reset before accept; keep serving.
                    tracing::warn!("vegehub-sim: accept on {addr} failed: {e}");
                }
            },
        }
    }
}

async fn serve_conn(
    shared: Arc<Shared>,
    stream: TcpStream,
    router: Router,
    epoch: CancellationToken,
) {
    let _guard = ConnGuard::new(Arc::clone(&shared));
    let _ = stream.set_nodelay(true);
    let svc = TowerToHyperService::new(router);
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = shared.graceful.cancelled() => {}
        // The hub fell asleep or the grace period is over: drop the socket.
        _ = epoch.cancelled() => return,
        _ = shared.force.cancelled() => return,
    }
    // Graceful: finish the in-flight request, then close; idle connections close now.
    conn.as_mut().graceful_shutdown();
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = epoch.cancelled() => {}
        _ = shared.force.cancelled() => {}
    }
}
