//! Listening: the rule for addresses other machines can reach (only with
//! users to log in as), binding, and serving until Ctrl-C or SIGTERM with
//! a bounded grace.

use super::ServeOptions;
use super::accept::{ConnLimits, Stops, accept_loop};
use super::auth::AuthPolicy;
use super::errors::ServeError;
use super::router::app;
use super::walks::Walks;
use crate::store::StoreReader;
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Loopback (127.0.0.0/8, ::1) may always be listened on; any other
/// address only when the store has users (`users`), since the server then
/// asks every request for a login.
pub fn check_listen(addr: SocketAddr, users: u64) -> Result<(), ServeError> {
    if addr.ip().is_loopback() || users > 0 {
        Ok(())
    } else {
        Err(ServeError::NotLoopback { addr })
    }
}

/// The policy served: off loopback always [`AuthPolicy::Required`], so
/// removing the last user never opens the inventory to the network.
pub fn effective_policy(addr: SocketAddr, asked: AuthPolicy) -> AuthPolicy {
    if addr.ip().is_loopback() {
        asked
    } else {
        AuthPolicy::Required
    }
}

/// How many users the store at `opts.store` has (read on the blocking pool).
pub async fn count_users(opts: &ServeOptions) -> Result<u64, ServeError> {
    let path = opts.store.clone();
    tokio::task::spawn_blocking(move || Ok(StoreReader::open(&path)?.user_count()?))
        .await
        .map_err(|e| ServeError::Task(e.to_string()))?
}

/// A bound server, not yet serving: its address is known (port 0 picks one).
pub struct Server {
    /// The listening socket.
    listener: TcpListener,
    /// The application every connection is served by.
    app: Router,
    /// How long requests in flight get once a stop is asked for.
    grace: Duration,
    /// Open connections and the request-head deadline.
    limits: ConnLimits,
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

/// Checks the address (anything but loopback needs users in the store,
/// and then always asks for a login, even should the users be removed
/// meanwhile) and binds it.
pub async fn serve(opts: &ServeOptions) -> Result<Server, ServeError> {
    check_listen(opts.listen, count_users(opts).await?)?;
    let mut opts = opts.clone();
    opts.auth = effective_policy(opts.listen, opts.auth);
    let listener = TcpListener::bind(opts.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: opts.listen,
            source,
        })?;
    let (app, walks) = app(&opts)?;
    Ok(Server {
        listener,
        app,
        walks,
        grace: opts.grace,
        limits: ConnLimits {
            max_connections: opts.max_connections,
            header_timeout: opts.header_timeout,
        },
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
        let stops = Stops {
            graceful: CancellationToken::new(),
            force: CancellationToken::new(),
            tracker: TaskTracker::new(),
        };
        let accepting = tokio::spawn(accept_loop(
            self.listener,
            self.app,
            self.limits,
            stops.clone(),
        ));
        stop.await;
        stops.graceful.cancel();
        let _ = accepting.await;
        // A walk started here is cancelled with the server (its live
        // streams end with it): its devices get their grace, its sessions
        // close, the store is flushed, within WALK_STOP_BOUND.
        if !self.walks.shutdown(self.grace + WALK_STOP_BOUND).await {
            tracing::warn!(
                "a walk started through the server was still stopping when the server stopped"
            );
        }
        stops.tracker.close();
        if tokio::time::timeout(self.grace, stops.tracker.wait())
            .await
            .is_ok()
        {
            return Ok(Stopped::Graceful);
        }
        stops.force.cancel();
        Ok(Stopped::GraceExpired)
    }
}

/// Completes on Ctrl-C or (on Unix) SIGTERM.
pub use crate::signal::shutdown_signal;
