//! The owner's handle ([`Session`]) and the connection task that owns the
//! socket.
//!
//! The split is what makes closing unconditional: the socket lives in a task
//! the registry tracks, not in the caller's stack frame. Whatever the caller
//! does — returns early, is cancelled, panics, forgets to call `close()` —
//! the task notices (its request channel closes) and force-closes; and the
//! registry's shutdown can reach every socket through the task, including
//! ones whose owners are stuck elsewhere.

use crate::cli::Output;
use crate::error::{DeviceLabel, SessionError, Step};
use crate::options::Timeouts;
use crate::registry::{Lease, Registry};
use crate::transport::{Conn, TransportKind};
use device_platform::Platform;
use secrecy::SecretString;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// What we learned about the device while opening.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The canonical registry key: the address actually connected to.
    pub addr: SocketAddr,
    /// The caller's name for it, else the hostname from the prompt.
    pub name: Option<String>,
    /// The platform detected or given; selects the profile used for every command.
    pub platform: Option<Platform>,
    /// The prompt line after login and preparation, e.g. `sw1#`.
    pub prompt: String,
    /// How the session is carried (SSH, telnet, caller's stream), for reports.
    pub transport: TransportKind,
    /// False if a paging-off command was rejected (`--More--` is then answered).
    pub paging_disabled: bool,
    /// The `show version` output, when it was read to detect the platform.
    pub show_version: Option<String>,
    /// The label every error about this session carries.
    pub device: DeviceLabel,
    /// The SSH connection needed the legacy algorithm lists (SHA-1 key
    /// exchange, `ssh-rsa`, CBC, SHA-1 MACs): worth reporting, the device
    /// should be upgraded.
    pub legacy_crypto: bool,
}

pub(crate) enum Request {
    Run {
        command: String,
        budget: Duration,
        reply: oneshot::Sender<Result<Output, SessionError>>,
    },
    Enable {
        secret: SecretString,
        reply: oneshot::Sender<Result<(), SessionError>>,
    },
    Close {
        reply: oneshot::Sender<Result<(), SessionError>>,
    },
}

/// A logged-in CLI session. Dropping it without [`Session::close`]
/// force-closes the connection (counted by the registry as forced).
#[derive(Debug)]
pub struct Session {
    /// Requests to the connection task that owns the socket.
    tx: mpsc::Sender<Request>,
    /// What was learned at open, readable without a round trip.
    info: SessionInfo,
    /// The registry the session is leased from (keeps it alive).
    registry: Registry,
    /// Deadlines for each request, from the open options.
    timeouts: Timeouts,
    /// Why the connection task ended on its own, if it did, for the next call's error.
    ended: EndReason,
}

/// Why the connection task ended on its own, for the owner's next call.
pub(crate) type EndReason = Arc<Mutex<Option<SessionError>>>;

impl Session {
    pub(crate) fn new(
        tx: mpsc::Sender<Request>,
        info: SessionInfo,
        registry: Registry,
        timeouts: Timeouts,
        ended: EndReason,
    ) -> Self {
        Session {
            tx,
            info,
            registry,
            timeouts,
            ended,
        }
    }

    pub fn info(&self) -> &SessionInfo {
        &self.info
    }

    pub fn addr(&self) -> SocketAddr {
        self.info.addr
    }

    pub fn platform(&self) -> Option<Platform> {
        self.info.platform
    }

    /// Whether the negotiated SSH connection needed the legacy algorithm
    /// lists (see [`crate::LegacySsh`]). Always false on telnet.
    pub fn legacy_crypto(&self) -> bool {
        self.info.legacy_crypto
    }

    /// The error for a call on a session whose connection is gone: why it
    /// went, when the connection task recorded that.
    fn gone(&self) -> SessionError {
        let recorded = self.ended.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(e) = recorded {
            e
        } else if self.registry.is_shutting_down() {
            SessionError::ShuttingDown {
                device: self.info.device.clone(),
            }
        } else {
            SessionError::SessionClosed {
                device: self.info.device.clone(),
            }
        }
    }

    /// Runs one command with the session's command deadline.
    pub async fn run(&mut self, command: &str) -> Result<Output, SessionError> {
        self.run_with_timeout(command, self.timeouts.command).await
    }

    /// Runs one command with its own deadline. If this future is dropped
    /// before it finishes, the session is force-closed: its stream position
    /// would be unknown.
    pub async fn run_with_timeout(
        &mut self,
        command: &str,
        budget: Duration,
    ) -> Result<Output, SessionError> {
        let (reply, rx) = oneshot::channel();
        let req = Request::Run {
            command: command.to_string(),
            budget,
            reply,
        };
        self.tx.send(req).await.map_err(|_| self.gone())?;
        rx.await.map_err(|_| self.gone())?
    }

    /// Runs commands in order; stops at the first that fails to complete
    /// (a rejected command is an `Output` with `rejected`, not a failure).
    pub async fn run_all<I, S>(&mut self, commands: I) -> Result<Vec<Output>, SessionError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out = Vec::new();
        for c in commands {
            out.push(self.run(c.as_ref()).await?);
        }
        Ok(out)
    }

    /// `enable` with a secret (when it was not given at open).
    pub async fn enable(&mut self, secret: SecretString) -> Result<(), SessionError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request::Enable { secret, reply })
            .await
            .map_err(|_| self.gone())?;
        rx.await.map_err(|_| self.gone())?
    }

    /// Says goodbye within the goodbye deadline and releases the session.
    /// `Ok` means the device acknowledged (closed its side); on `Err` the
    /// socket is closed anyway and the registry counts it as forced.
    pub async fn close(self) -> Result<(), SessionError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request::Close { reply })
            .await
            .map_err(|_| self.gone())?;
        rx.await.map_err(|_| self.gone())?
    }
}

/// Owns the connection from registration to release.
pub(crate) async fn connection_task(
    mut conn: Conn,
    mut rx: mpsc::Receiver<Request>,
    lease: Lease,
    goodbye: CancellationToken,
    timeouts: Timeouts,
    ended: EndReason,
) {
    let record = |e: SessionError| {
        *ended.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
    };
    loop {
        let req = tokio::select! {
            biased;
            _ = goodbye.cancelled(), if !(rx.is_closed() && rx.is_empty()) => {
                if rx.is_closed() && rx.is_empty() {
                    // The owner dropped the session while this task waited
                    // (the guard above was checked before that): abandoned,
                    // so forced, whatever the registry is doing.
                    conn.force_close().await;
                    drop(lease);
                    return;
                }
                // Registry shutdown: say goodbye; the kill token inside the
                // CLI cuts this short when the grace period ends.
                record(SessionError::ShuttingDown { device: conn.cli.device.clone() });
                let ok = conn.goodbye(timeouts.goodbye).await.is_ok();
                lease.release(ok);
                return;
            }
            req = rx.recv() => req,
        };
        match req {
            None => {
                // The owner dropped the session without closing it.
                tracing::debug!(device = %conn.cli.device, "session dropped without close(); forcing");
                conn.force_close().await;
                drop(lease);
                return;
            }
            Some(Request::Close { reply }) => {
                let r = conn.goodbye(timeouts.goodbye).await;
                lease.release(r.is_ok());
                let _ = reply.send(r);
                return;
            }
            Some(Request::Run {
                command,
                budget,
                mut reply,
            }) => {
                let r = tokio::select! {
                    r = conn.cli.run(&command, budget) => r,
                    _ = reply.closed() => {
                        // The caller stopped waiting mid-command.
                        record(SessionError::Cancelled { device: conn.cli.device.clone(), step: Step::Command(command) });
                        conn.force_close().await;
                        drop(lease);
                        return;
                    }
                };
                if let Err(e @ SessionError::OutputTooLarge { .. }) = &r {
                    // A runaway device: it is still streaming, so release the
                    // socket now rather than wait for the owner's close().
                    record(e.clone());
                    let _ = reply.send(r);
                    conn.force_close().await;
                    drop(lease);
                    return;
                }
                let _ = reply.send(r);
            }
            Some(Request::Enable { secret, mut reply }) => {
                let r = tokio::select! {
                    r = conn.cli.enable(Some(&secret), timeouts.prompt) => r,
                    _ = reply.closed() => {
                        record(SessionError::Cancelled { device: conn.cli.device.clone(), step: Step::Enable });
                        conn.force_close().await;
                        drop(lease);
                        return;
                    }
                };
                let _ = reply.send(r);
            }
        }
    }
}
