//! The running lab: one SSH and one telnet listener per device, each on the
//! device's own loopback address ([`Listen::PerDevice`]), or one of each for
//! all devices ([`Listen::Shared`], `shared`).
//!
//! Ownership: [`Lab`] owns a `CancellationToken` and a `TaskTracker`. Every
//! accept loop and every connection task is spawned on that tracker and
//! watches that token. [`Lab::shutdown`] cancels the token (listeners close,
//! live connections are disconnected), then awaits the tracker, so when it
//! returns no task of the lab is left running and every session has been
//! counted. Connection tasks own their socket and their [`SessionGuard`]; the
//! guard's drop is what records the session as closed.
//!
//! This file holds what both transports share (the lab's life, listeners,
//! accept loops, accounting, a device's waits); `ssh` and `telnet` each
//! drive one connection, over a `delay_line` that puts the device's round
//! trip on it.

mod delay_line;
mod shared;
mod ssh;
mod telnet;

use crate::delays::{Delays, Draws};
use crate::stats::{Accounting, Stats};
use crate::topology::{Fault, Topology, TopologyIndex};
use shared::Routes;
use ssh::{SshConfigs, SshFlavour};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Where a lab's devices listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Listen {
    /// Each device listens on its own address: two sockets per device, so
    /// the open-file limit caps the lab's size. Two labs on disjoint
    /// 127.x ranges can share a port.
    #[default]
    PerDevice,
    /// One SSH and one telnet socket on `0.0.0.0:PORT` serve every device,
    /// routed by the address the client dialled; connections to any other
    /// address are closed at once. The port is the lab's alone. A device
    /// that does not serve a transport (a leaf, `refuse_all`, the SSH of a
    /// telnet-only one) accepts and closes at once on it instead of
    /// refusing: nothing unprivileged can refuse one address of a wildcard
    /// socket, and clients see "closed", not "refused" (device-session then
    /// does not fall back to telnet).
    Shared,
}

/// How a lab is served.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// SSH port on every device address; 0 gives each device its own
    /// ephemeral port (with [`Listen::Shared`], one for all).
    pub ssh_port: u16,
    /// Telnet port on every device address; 0 gives each device its own
    /// ephemeral port (with [`Listen::Shared`], one for all).
    pub telnet_port: u16,
    /// A socket per device, or one per transport for all of them.
    pub listen: Listen,
    /// Seed for the (shared) Ed25519 host key. Fixed by default so a client's
    /// known_hosts stays valid across lab restarts, like real devices' keys.
    pub host_key_seed: [u8; 32],
    /// Bytes per chunk for the `slow_output` fault.
    pub slow_chunk: usize,
    /// Pause before each chunk of the `slow_output` fault.
    pub slow_interval: Duration,
}

impl Default for LabConfig {
    fn default() -> Self {
        LabConfig {
            ssh_port: 2222,
            telnet_port: 2323,
            listen: Listen::PerDevice,
            host_key_seed: *b"netsim-default-host-key-seed-v1!",
            slow_chunk: 64,
            slow_interval: Duration::from_millis(100),
        }
    }
}

/// Why a lab could not start.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error(
        "cannot listen on {addr} for device {device:?}: {source} (is another netsim or service using that port? try --port/--telnet-port)"
    )]
    Bind {
        /// The device whose listener failed, so the user can find it in the file.
        device: String,
        /// The address and port that could not be bound.
        addr: SocketAddr,
        /// What the OS said (address in use, permission denied...).
        source: std::io::Error,
    },
    #[error(
        "cannot listen on {addr} for all devices: {source} (is another netsim or service using that port? try --port/--telnet-port)"
    )]
    BindShared {
        /// The wildcard address and port that could not be bound.
        addr: SocketAddr,
        /// What the OS said (address in use, permission denied...).
        source: std::io::Error,
    },
    #[error("SSH server setup failed: {0}")]
    Ssh(String),
}

/// Listening addresses of one device (None: that transport is not served).
#[derive(Debug, Clone, Copy, Default)]
pub struct DeviceAddrs {
    /// Where the device's SSH server listens (the port is the real one
    /// when the config asked for an ephemeral port).
    pub ssh: Option<SocketAddr>,
    /// Where the device's telnet server listens.
    pub telnet: Option<SocketAddr>,
}

/// A running simulated network.
pub struct Lab {
    /// The topology being served, indexed for per-device lookups.
    topo: Arc<TopologyIndex>,
    /// Listening addresses, by device index.
    addrs: Vec<DeviceAddrs>,
    /// The shared listeners' addresses (`0.0.0.0:PORT`); `None` with
    /// per-device listeners.
    shared: Option<DeviceAddrs>,
    /// Session counts every connection task reports to.
    acct: Arc<Accounting>,
    /// Cancelled by `shutdown`: accept loops and connections stop.
    token: CancellationToken,
    /// Every task of the lab, so `shutdown` can wait for all of them.
    tracker: TaskTracker,
}

/// Everything a connection task needs about its device.
#[derive(Clone)]
struct DeviceCtx {
    /// The whole topology: a device's answers mention its neighbours.
    topo: Arc<TopologyIndex>,
    /// This device's index in `topo`.
    idx: usize,
    /// The lab's accounting, where each accepted connection is opened.
    acct: Arc<Accounting>,
    /// The lab's shutdown token.
    token: CancellationToken,
    /// The lab's task tracker: connection and channel tasks are spawned on it.
    tracker: TaskTracker,
    /// Bytes per chunk for `slow_output` (at least 1).
    slow_chunk: usize,
    /// Pause before each `slow_output` chunk.
    slow_interval: Duration,
}

impl DeviceCtx {
    fn fault(&self) -> Option<Fault> {
        self.topo.device(self.idx).fault
    }

    /// The connection as the device sees it: its input one round trip
    /// late when the device has delays.
    fn delay_line(&self, stream: TcpStream) -> delay_line::DelayLine<TcpStream> {
        let d = self.topo.device(self.idx);
        let draws = Draws::round_trips(d.mgmt_ip);
        delay_line::DelayLine::new(stream, self.topo.delays(self.idx), draws)
    }

    /// Waits out the device's handshake (the connect's round trip and its
    /// handshake delay) before its first word; false if the lab shut down
    /// meanwhile.
    async fn before_banner(&self) -> bool {
        let d = self.topo.delays(self.idx).map(Delays::before_banner);
        self.pause(d.unwrap_or_default()).await
    }

    /// The device is busy for `d` (a timer, no thread held); false if the
    /// lab shut down meanwhile.
    async fn pause(&self, d: Duration) -> bool {
        if d.is_zero() {
            return true;
        }
        tokio::select! {
            _ = self.token.cancelled() => false,
            _ = tokio::time::sleep(d) => true, // sleep-ok: a simulated device's delay (handshake or command processing)
        }
    }
}

impl Lab {
    /// Binds every listener first, then starts serving: when this returns,
    /// every device is reachable (that is what `netsim serve` prints `ready` for).
    pub async fn start(topology: Topology, config: LabConfig) -> Result<Lab, LabError> {
        let topo = Arc::new(TopologyIndex::new(topology));
        let names = topo
            .topology
            .devices
            .iter()
            .map(|d| d.hostname.clone())
            .collect();
        let acct = Accounting::new(names);
        let token = CancellationToken::new();
        let tracker = TaskTracker::new();
        let ssh_configs = Arc::new(ssh::configs(&config)?);
        let (addrs, listeners, shared) = match config.listen {
            Listen::PerDevice => {
                let (addrs, listeners) = bind_all(&topo, &config).await?;
                (addrs, listeners, None)
            }
            Listen::Shared => {
                let (addrs, listeners, shared) = bind_shared(&topo, &config)?;
                (addrs, listeners, Some(shared))
            }
        };
        // What every connection's context shares; each sets its own `idx`.
        let ctx = DeviceCtx {
            topo: topo.clone(),
            idx: 0,
            acct: acct.clone(),
            token: token.clone(),
            tracker: tracker.clone(),
            slow_chunk: config.slow_chunk.max(1),
            slow_interval: config.slow_interval,
        };
        for (route, listener, is_ssh) in listeners {
            let ssh = is_ssh.then(|| ssh_configs.clone());
            tracker.spawn(accept_loop(ctx.clone(), listener, route, ssh));
        }
        Ok(Lab {
            topo,
            addrs,
            shared,
            acct,
            token,
            tracker,
        })
    }

    pub fn topology(&self) -> &Topology {
        &self.topo.topology
    }

    pub fn addrs(&self, hostname: &str) -> Option<DeviceAddrs> {
        self.topo.index_of(hostname).map(|i| self.addrs[i])
    }

    pub fn ssh_addr(&self, hostname: &str) -> Option<SocketAddr> {
        self.addrs(hostname).and_then(|a| a.ssh)
    }

    pub fn telnet_addr(&self, hostname: &str) -> Option<SocketAddr> {
        self.addrs(hostname).and_then(|a| a.telnet)
    }

    /// Number of listening sockets (for the `ready` line and scale checks).
    pub fn listener_count(&self) -> usize {
        let count =
            |a: &DeviceAddrs| usize::from(a.ssh.is_some()) + usize::from(a.telnet.is_some());
        match &self.shared {
            Some(shared) => count(shared),
            None => self.addrs.iter().map(count).sum(),
        }
    }

    /// With [`Listen::Shared`], where the shared listeners listen
    /// (`0.0.0.0` and the real ports); `None` with per-device listeners.
    pub fn shared_addrs(&self) -> Option<DeviceAddrs> {
        self.shared
    }

    pub fn stats(&self) -> Stats {
        self.acct.snapshot()
    }

    /// Waits (without polling) until no session is open, or `timeout` passes.
    pub async fn wait_until_idle(&self, timeout: Duration) -> Stats {
        self.acct.wait_until_idle(timeout).await
    }

    /// Waits (without polling) until at least `n` sessions are open.
    pub async fn wait_until_open(&self, n: u64, timeout: Duration) -> bool {
        self.acct.wait_until_open(n, timeout).await
    }

    /// A token that is cancelled when the lab shuts down.
    pub fn cancellation_token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// Stops listening, disconnects live sessions (they count as dropped unless
    /// they had said goodbye), and waits for every lab task to end — at most
    /// `grace`, after which the remaining tasks are left to the runtime's
    /// teardown. Returns the final accounting.
    pub async fn shutdown(self, grace: Duration) -> Stats {
        self.token.cancel();
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                open = self.acct.open_now(),
                "netsim: some connection tasks did not finish within the grace period"
            );
        }
        self.acct.snapshot()
    }
}

/// Which device a listener's connections are for.
enum Route {
    /// A per-device listener: always this device (by index).
    Device(usize),
    /// A shared listener: the device whose address the client dialled.
    Shared(Arc<Routes>),
}

impl Route {
    /// The device `stream` is for; `None`: close it at once.
    fn device(&self, stream: &TcpStream) -> Option<usize> {
        match self {
            Route::Device(idx) => Some(*idx),
            Route::Shared(routes) => routes.device(stream),
        }
    }
}

/// A bound listener: (where its connections go, socket, true for SSH /
/// false for telnet).
type Listener = (Route, TcpListener, bool);

/// Whether device `d` serves SSH, and telnet (`telnet_only` moves SSH to telnet).
fn served(d: &crate::topology::DeviceSpec) -> (bool, bool) {
    let serves = !d.kind.is_leaf() && d.fault != Some(Fault::RefuseAll);
    let telnet_only = d.fault == Some(Fault::TelnetOnly);
    (
        serves && d.transports.ssh() && !telnet_only,
        serves && (d.transports.telnet() || telnet_only),
    )
}

/// Binds the listeners of every device that serves something, in device order.
async fn bind_all(
    topo: &TopologyIndex,
    config: &LabConfig,
) -> Result<(Vec<DeviceAddrs>, Vec<Listener>), LabError> {
    let mut listeners = Vec::new();
    let mut addrs = Vec::with_capacity(topo.topology.devices.len());
    for (idx, d) in topo.topology.devices.iter().enumerate() {
        let mut a = DeviceAddrs::default();
        let (ssh, telnet) = served(d);
        if ssh {
            let l = bind(&d.hostname, d.mgmt_ip.into(), config.ssh_port).await?;
            a.ssh = Some(local_addr(&l, &d.hostname)?);
            listeners.push((Route::Device(idx), l, true));
        }
        if telnet {
            let l = bind(&d.hostname, d.mgmt_ip.into(), config.telnet_port).await?;
            a.telnet = Some(local_addr(&l, &d.hostname)?);
            listeners.push((Route::Device(idx), l, false));
        }
        addrs.push(a);
    }
    Ok((addrs, listeners))
}

/// Binds the two shared listeners (a transport no device serves gets
/// none); every device that serves a transport is reached at its own
/// address on that listener's port.
fn bind_shared(
    topo: &TopologyIndex,
    config: &LabConfig,
) -> Result<(Vec<DeviceAddrs>, Vec<Listener>, DeviceAddrs), LabError> {
    let devices = &topo.topology.devices;
    let mut listeners = Vec::new();
    let mut shared = DeviceAddrs::default();
    for (is_ssh, port) in [(true, config.ssh_port), (false, config.telnet_port)] {
        let routes = Routes::new(topo, |i| {
            let (ssh, telnet) = served(&devices[i]);
            if is_ssh { ssh } else { telnet }
        });
        if routes.is_empty() {
            continue;
        }
        let l = shared::bind(port)?;
        let addr = l.local_addr().map_err(|source| LabError::BindShared {
            addr: SocketAddr::from(([0, 0, 0, 0], port)),
            source,
        })?;
        if is_ssh {
            shared.ssh = Some(addr);
        } else {
            shared.telnet = Some(addr);
        }
        listeners.push((Route::Shared(Arc::new(routes)), l, is_ssh));
    }
    let addrs = devices
        .iter()
        .map(|d| {
            let (ssh, telnet) = served(d);
            let at = |on: bool, l: Option<SocketAddr>| {
                l.filter(|_| on)
                    .map(|l| SocketAddr::new(d.mgmt_ip.into(), l.port()))
            };
            DeviceAddrs {
                ssh: at(ssh, shared.ssh),
                telnet: at(telnet, shared.telnet),
            }
        })
        .collect();
    Ok((addrs, listeners, shared))
}

async fn bind(device: &str, ip: IpAddr, port: u16) -> Result<TcpListener, LabError> {
    let addr = SocketAddr::new(ip, port);
    let sock = match ip {
        IpAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
        IpAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
    };
    let bind_err = |source| LabError::Bind {
        device: device.to_string(),
        addr,
        source,
    };
    let sock = sock.map_err(bind_err)?;
    // Restarting a lab right after a run must not fail on TIME_WAIT sockets.
    sock.set_reuseaddr(true).map_err(bind_err)?;
    sock.bind(addr).map_err(bind_err)?;
    sock.listen(1024).map_err(bind_err)
}

fn local_addr(l: &TcpListener, device: &str) -> Result<SocketAddr, LabError> {
    l.local_addr().map_err(|source| LabError::Bind {
        device: device.to_string(),
        addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        source,
    })
}

/// Accepts connections on one listener until the lab shuts down; each one
/// `route` names a device for gets its own task (with a `DeviceCtx` for
/// that device, made from `lab`) and its own accounting guard; any other is
/// closed at once.
async fn accept_loop(
    lab: DeviceCtx,
    listener: TcpListener,
    route: Route,
    ssh: Option<Arc<SshConfigs>>,
) {
    loop {
        let accepted = tokio::select! {
            _ = lab.token.cancelled() => break,
            r = listener.accept() => r,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and friends: log and keep serving; the client sees a
                // refused or reset connection, as with an overloaded device.
                let at = listener.local_addr().ok();
                tracing::warn!(listener = ?at, error = %e, "accept failed");
                continue;
            }
        };
        let Some(idx) = route.device(&stream) else {
            let to = stream.local_addr().ok();
            tracing::debug!(%peer, ?to, "closed: no device of the lab at that address");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let ctx = DeviceCtx { idx, ..lab.clone() };
        let guard = ctx.acct.open(idx);
        match &ssh {
            Some(cfgs) => {
                let d = ctx.topo.device(idx);
                let cfg = cfgs[&(d.platform, SshFlavour::of(d.fault))].clone();
                lab.tracker
                    .spawn(async move { ssh::serve(ctx, stream, peer, cfg, guard).await });
            }
            None => {
                lab.tracker
                    .spawn(async move { telnet::serve(ctx, stream, guard).await });
            }
        };
    }
}

/// Holds the connection open, saying nothing, until the client gives up or
/// the lab shuts down (the `no_banner` fault; also a stalled CLI).
async fn silent_until_closed(stream: &mut TcpStream, token: &CancellationToken) {
    let mut buf = [0u8; 1024];
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            r = stream.read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
        }
    }
}
