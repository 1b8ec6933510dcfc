//! Listening: the loopback-only check (there is no authentication yet),
//! binding, and serving until Ctrl-C or SIGTERM with a bounded grace.

use super::ServeOptions;
use super::errors::ServeError;
use super::router::app;
use super::walks::Walks;
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Refuses an address other machines could reach: without authentication
/// the inventory must stay on this machine (loopback, 127.0.0.0/8 or ::1).
pub fn check_listen(addr: SocketAddr) -> Result<(), ServeError> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(ServeError::NotLoopback { addr })
    }
}

/// A bound server, not yet serving: its address is known (port 0 picks one).
pub struct Server {
    /// The listening socket.
    listener: TcpListener,
    /// The application every connection is served by.
    app: Router,
    /// How long requests in flight get once a stop is asked for.
    grace: Duration,
    /// Walks started through the server: cancelled and awaited on stop.
    walks: Walks,
}

/// How long a walk started through the server gets, beyond the grace, to
/// stop (its devices' own grace, closing sessions, flushing the store,
/// writing its files) when the server stops.
const WALK_STOP_BOUND: Duration = Duration::from_secs(10);

/// How serving ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every connection finished within the grace.
    Graceful,
    /// The grace ran out; the connections still open are dropped.
    GraceExpired,
}

/// Checks the address (loopback only) and binds it.
pub async fn serve(opts: &ServeOptions) -> Result<Server, ServeError> {
    check_listen(opts.listen)?;
    let listener = TcpListener::bind(opts.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: opts.listen,
            source,
        })?;
    let (app, walks) = app(opts);
    Ok(Server {
        listener,
        app,
        grace: opts.grace,
        walks,
    })
}

impl Server {
    /// The address it listens on.
    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        self.listener.local_addr().map_err(ServeError::Serve)
    }

    /// Serves until `stop` completes; then stops accepting, lets requests
    /// in flight finish within the grace, and returns. Connections still
    /// open after the grace are left to the runtime's shutdown.
    pub async fn run(self, stop: impl Future<Output = ()> + Send) -> Result<Stopped, ServeError> {
        let token = CancellationToken::new();
        let signal = token.clone().cancelled_owned();
        let server = axum::serve(self.listener, self.app).with_graceful_shutdown(signal);
        let mut task = tokio::spawn(server.into_future());
        tokio::select! {
            joined = &mut task => return finished(joined).map(|()| Stopped::Graceful),
            () = stop => {}
        }
        token.cancel();
        // A walk started here is cancelled with the server (its live
        // streams end with it): its devices get their grace, its sessions
        // close, the store is flushed, within WALK_STOP_BOUND.
        if !self.walks.shutdown(self.grace + WALK_STOP_BOUND).await {
            tracing::warn!(
                "a walk started through the server was still stopping when the server stopped"
            );
        }
        match tokio::time::timeout(self.grace, &mut task).await {
            Ok(joined) => finished(joined).map(|()| Stopped::Graceful),
            Err(_) => {
                task.abort();
                Ok(Stopped::GraceExpired)
            }
        }
    }
}

fn finished(joined: Result<std::io::Result<()>, tokio::task::JoinError>) -> Result<(), ServeError> {
    match joined {
        Ok(r) => r.map_err(ServeError::Serve),
        Err(e) => Err(ServeError::Serve(std::io::Error::other(e.to_string()))),
    }
}

/// Completes on Ctrl-C or (on Unix) SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
