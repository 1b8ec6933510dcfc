//! The registry: every live session, held under its lease's id with the
//! socket address it really connected to (never the string the caller
//! typed), and the counters that prove none was lost.
//!
//! Release is tied to a [`Lease`] value: the session's connection task owns
//! it, releases it explicitly after a goodbye, and its `Drop` releases it as
//! forced on every other path (owner dropped the session, the task panicked,
//! the runtime shut down). A value can be dropped only once, so a session is
//! released exactly once by construction; the counters check it anyway.

use crate::error::{DeviceLabel, SessionError};
use crate::options::{Credentials, OpenOptions, Target, Transports};
use crate::resolve::Resolver;
use crate::session::{self, Session, SessionInfo};
use crate::transport::{self, Conn, TransportKind};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Counters over the registry's life. `opened == closed_gracefully +
/// force_closed + open_now` always holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Sessions registered over the registry's life.
    pub opened: u64,
    /// Sessions released after a goodbye the device answered in time.
    pub closed_gracefully: u64,
    /// Sessions released by dropping the socket (drop, kill, late goodbye).
    pub force_closed: u64,
    /// Opens that failed or were refused before registration.
    pub failed_opens: u64,
    /// Sessions registered and not yet released; 0 at the end of every run.
    pub open_now: u64,
    /// Most sessions open at once, to check the caller's concurrency limit.
    pub peak_concurrent: u64,
    /// Releases of a session that was already released. Must stay 0; it is
    /// counted rather than asserted so tests of other tasks can see it.
    pub double_releases: u64,
}

/// A session the leak check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    /// The address the leaked session is connected to.
    pub addr: SocketAddr,
    /// Its name, if known, for the report.
    pub name: Option<String>,
    /// How long it has been open.
    pub age: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Sessions that said goodbye during shutdown.
    pub closed_gracefully: u64,
    /// Sessions still open when the grace period ran out, closed by force.
    pub force_closed: u64,
    /// Sessions still registered after the force close (always 0 unless
    /// a connection task ignored cancellation, which would be a bug).
    pub still_open: u64,
    /// How long the shutdown took (bounded by `grace` plus local work).
    pub elapsed: Duration,
    /// The counters after shutdown, for the caller's own accounting.
    pub counters: Counters,
}

struct Entry {
    /// The address the session really connected to.
    addr: SocketAddr,
    /// The device's name, for leak reports.
    name: Option<String>,
    /// When it was registered, for the leak check's age.
    opened_at: Instant,
}

#[derive(Default)]
struct State {
    /// Set by `shutdown`: new opens and registrations are refused.
    shutting_down: bool,
    /// The counters, updated under the same lock as `live`.
    counters: Counters,
    /// Every registered session by lease id.
    live: HashMap<u64, Entry>,
}

struct Inner {
    /// Counters and live sessions, behind one lock.
    state: Mutex<State>,
    /// Shutdown phase 1: sessions say goodbye.
    goodbye: CancellationToken,
    /// Shutdown phase 2: sessions drop their sockets now.
    kill: CancellationToken,
    /// Every connection task and every open in flight.
    tracker: TaskTracker,
    /// The next lease id.
    next_id: AtomicU64,
    /// Turns target names into addresses within the connect deadline.
    resolver: Resolver,
}

/// Cheap to clone; all clones are the same registry.
#[derive(Clone)]
pub struct Registry {
    /// Shared by every clone: all clones are the same registry.
    inner: Arc<Inner>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("counters", &self.counters())
            .finish()
    }
}

impl Registry {
    /// A registry that resolves names with the system resolver
    /// ([`Resolver::system`]).
    pub fn new() -> Self {
        Self::with_resolver(Resolver::system())
    }

    /// A registry that resolves target names with `resolver` (each lookup
    /// still bounded by the connect deadline).
    pub fn with_resolver(resolver: Resolver) -> Self {
        Registry {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                goodbye: CancellationToken::new(),
                kill: CancellationToken::new(),
                tracker: TaskTracker::new(),
                next_id: AtomicU64::new(1),
                resolver,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave counters half-updated
        // (each update is a few integer ops), so poisoning is ignored.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn counters(&self) -> Counters {
        self.state().counters
    }

    pub fn is_shutting_down(&self) -> bool {
        self.state().shutting_down
    }

    /// Sessions open for longer than `older_than`, oldest first.
    pub fn leaks(&self, older_than: Duration) -> Vec<Leak> {
        let now = Instant::now();
        let st = self.state();
        let mut v: Vec<Leak> = st
            .live
            .values()
            .filter(|e| now.duration_since(e.opened_at) > older_than)
            .map(|e| Leak {
                addr: e.addr,
                name: e.name.clone(),
                age: now.duration_since(e.opened_at),
            })
            .collect();
        v.sort_by_key(|l| std::cmp::Reverse(l.age));
        v
    }

    fn fail_open(&self, e: SessionError) -> SessionError {
        self.state().counters.failed_opens += 1;
        e
    }

    pub(crate) fn register(&self, addr: SocketAddr, name: Option<String>) -> Option<Lease> {
        let mut st = self.state();
        if st.shutting_down {
            return None;
        }
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        st.live.insert(
            id,
            Entry {
                addr,
                name,
                opened_at: Instant::now(),
            },
        );
        let c = &mut st.counters;
        c.opened += 1;
        c.open_now += 1;
        c.peak_concurrent = c.peak_concurrent.max(c.open_now);
        Some(Lease {
            registry: self.clone(),
            id,
            released: false,
        })
    }

    fn release(&self, id: u64, graceful: bool) {
        let mut st = self.state();
        if st.live.remove(&id).is_none() {
            st.counters.double_releases += 1;
            return;
        }
        let c = &mut st.counters;
        c.open_now -= 1;
        if graceful {
            c.closed_gracefully += 1;
        } else {
            c.force_closed += 1;
        }
    }

    /// Opens a session: SSH first; telnet only when SSH was refused or
    /// unreachable and fallback is on — never after SSH authentication
    /// failed. The session is registered under the address actually used.
    pub async fn open(
        &self,
        target: &Target,
        creds: &Credentials,
        opts: &OpenOptions,
    ) -> Result<Session, SessionError> {
        let device = DeviceLabel::new(target.host.clone()).with_name(target.name.clone());
        if self.is_shutting_down() {
            return Err(self.fail_open(SessionError::ShuttingDown { device }));
        }
        // Shutdown waits for opens in flight too.
        let _in_flight = self.inner.tracker.token();
        let attempt = self.connect(target, creds, opts, &device);
        let conn = tokio::select! {
            biased;
            _ = self.inner.goodbye.cancelled() => Err(SessionError::ShuttingDown { device: device.clone() }),
            r = attempt => r,
        };
        let conn = conn.map_err(|e| self.fail_open(e))?;
        self.adopt(conn, opts)
    }

    async fn connect(
        &self,
        target: &Target,
        creds: &Credentials,
        opts: &OpenOptions,
        device: &DeviceLabel,
    ) -> Result<Conn, SessionError> {
        let t = opts.timeouts;
        let kill = self.inner.kill.clone();
        let try_ssh = opts.transports != Transports::TelnetOnly;
        let try_telnet = opts.transports == Transports::TelnetOnly
            || (opts.transports == Transports::Auto && opts.telnet_fallback);
        let mut ssh_err = None;
        if try_ssh {
            let addr = transport::resolve(
                &self.inner.resolver,
                &target.host,
                target.ssh_port,
                t.connect,
                device,
            )
            .await?;
            let dev = device.clone().with_addr(addr);
            match open_and_prepare(Dial::Ssh, addr, &dev, creds, opts, &kill).await {
                Ok(c) => return Ok(c),
                Err(e) if try_telnet && e.allows_telnet_fallback() => {
                    tracing::info!(device = %dev, error = %e, "SSH not available; trying telnet");
                    ssh_err = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        let addr = transport::resolve(
            &self.inner.resolver,
            &target.host,
            target.telnet_port,
            t.connect,
            device,
        )
        .await?;
        let dev = device.clone().with_addr(addr);
        match open_and_prepare(Dial::Telnet, addr, &dev, creds, opts, &kill).await {
            Ok(c) => Ok(c),
            // Both refused: report the SSH attempt, it is what the user asked for first.
            Err(e) if e.allows_telnet_fallback() => Err(ssh_err.unwrap_or(e)),
            Err(e) => Err(e),
        }
    }

    fn adopt(&self, conn: Conn, opts: &OpenOptions) -> Result<Session, SessionError> {
        let name = conn.cli.device.name.clone();
        let Some(lease) = self.register(conn.addr, name.clone()) else {
            // Shutdown began while we were logging in: this connection is
            // dropped unregistered, never handed out.
            self.state().counters.failed_opens += 1;
            return Err(SessionError::ShuttingDown {
                device: conn.cli.device.clone(),
            });
        };
        let info = SessionInfo {
            addr: conn.addr,
            name,
            platform: conn.cli.platform(),
            prompt: conn.cli.last_prompt.clone(),
            transport: conn.kind,
            paging_disabled: conn.cli.paging_disabled,
            show_version: conn.show_version.clone(),
            device: conn.cli.device.clone(),
            legacy_crypto: conn.legacy_crypto,
        };
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let goodbye = self.inner.goodbye.clone();
        let ended = session::EndReason::default();
        self.inner.tracker.spawn(session::connection_task(
            conn,
            rx,
            lease,
            goodbye,
            opts.timeouts,
            ended.clone(),
        ));
        Ok(Session::new(tx, info, self.clone(), opts.timeouts, ended))
    }

    /// Adopts an already logged-in stream (used by tests and by callers that
    /// bring their own transport). The stream must be at a prompt.
    pub async fn open_stream(
        &self,
        io: crate::cli::BoxIo,
        addr: SocketAddr,
        name: Option<String>,
        creds: &Credentials,
        opts: &OpenOptions,
    ) -> Result<Session, SessionError> {
        let device = DeviceLabel::new(addr.to_string())
            .with_addr(addr)
            .with_name(name);
        if self.is_shutting_down() {
            return Err(self.fail_open(SessionError::ShuttingDown { device }));
        }
        let _in_flight = self.inner.tracker.token();
        let attempt = async {
            let mut cli =
                crate::cli::CliEngine::new(io, device.clone(), "\n", self.inner.kill.clone());
            cli.max_output = opts.max_output_bytes;
            cli.learn_prompt(opts.timeouts.prompt, None).await?;
            let mut conn = Conn {
                cli,
                ssh: None,
                kind: TransportKind::Stream,
                addr,
                show_version: None,
                legacy_crypto: false,
            };
            transport::prepare(&mut conn, creds, opts).await?;
            Ok(conn)
        };
        let conn = tokio::select! {
            biased;
            _ = self.inner.goodbye.cancelled() => Err(SessionError::ShuttingDown { device: device.clone() }),
            r = attempt => r,
        };
        let conn = conn.map_err(|e| self.fail_open(e))?;
        self.adopt(conn, opts)
    }

    /// Stop taking work, let sessions say goodbye within `grace`, force-close
    /// the rest. Returns within `grace` plus a small constant whatever the
    /// peers do, because phase 2 never waits on a peer.
    pub async fn shutdown(&self, grace: Duration) -> ShutdownReport {
        let started = Instant::now();
        let before = {
            let mut st = self.state();
            st.shutting_down = true;
            st.counters
        };
        self.inner.tracker.close();
        self.inner.goodbye.cancel();
        let drained = tokio::time::timeout(grace, self.inner.tracker.wait())
            .await
            .is_ok();
        if !drained {
            self.inner.kill.cancel();
            // Connection tasks only drop sockets now; this is bounded by
            // local work, not by peers. The bound is a safety net.
            let _ = tokio::time::timeout(Duration::from_secs(2), self.inner.tracker.wait()).await;
        }
        let after = self.counters();
        ShutdownReport {
            closed_gracefully: after.closed_gracefully - before.closed_gracefully,
            force_closed: after.force_closed - before.force_closed,
            still_open: after.open_now,
            elapsed: started.elapsed(),
            counters: after,
        }
    }
}

async fn open_and_prepare(
    kind: Dial,
    addr: SocketAddr,
    dev: &DeviceLabel,
    creds: &Credentials,
    opts: &OpenOptions,
    kill: &CancellationToken,
) -> Result<Conn, SessionError> {
    let mut conn = match kind {
        Dial::Ssh => transport::open_ssh(addr, dev, creds, opts, kill).await?,
        Dial::Telnet => transport::open_telnet(addr, dev, creds, opts, kill).await?,
    };
    transport::prepare(&mut conn, creds, opts).await?;
    Ok(conn)
}

/// The transports `open` can dial itself.
#[derive(Clone, Copy)]
enum Dial {
    Ssh,
    Telnet,
}

/// Proof of registration. Released exactly once: explicitly after a
/// goodbye, or as forced by `Drop`.
pub(crate) struct Lease {
    /// The registry to release the entry from.
    registry: Registry,
    /// The entry this lease holds.
    id: u64,
    /// Set by an explicit release, so `Drop` does not release again.
    released: bool,
}

impl Lease {
    pub fn release(mut self, graceful: bool) {
        self.released = true;
        self.registry.release(self.id, graceful);
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if !self.released {
            self.registry.release(self.id, false);
        }
    }
}
