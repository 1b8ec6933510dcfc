//! The running lab: one SSH and one telnet listener per device, each on the
//! device's own loopback address.
//!
//! Ownership: [`Lab`] owns a `CancellationToken` and a `TaskTracker`. Every
//! accept loop and every connection task is spawned on that tracker and
//! watches that token. [`Lab::shutdown`] cancels the token (listeners close,
//! live connections are disconnected), then awaits the tracker, so when it
//! returns no task of the lab is left running and every session has been
//! counted. Connection tasks own their socket and their [`SessionGuard`]; the
//! guard's drop is what records the session as closed.

use crate::cli::{Action, Cli};
use crate::stats::{Accounting, SessionGuard, Stats};
use crate::topology::{Fault, Topology, TopologyIndex};
use device_platform::Platform;
use russh::keys::PrivateKey;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::server::{Auth, Msg, Session};
use russh::{Channel, ChannelId, ChannelMsg, Preferred};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How a lab is served.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// SSH port on every device address; 0 gives each device its own ephemeral port.
    pub ssh_port: u16,
    /// Telnet port on every device address; 0 gives each device its own ephemeral port.
    pub telnet_port: u16,
    /// Seed for the (shared) Ed25519 host key. Fixed by default so a client's
    /// known_hosts stays valid across lab restarts, like real devices' keys.
    pub host_key_seed: [u8; 32],
    /// Chunk size and pause for the `slow_output` fault.
    pub slow_chunk: usize,
    pub slow_interval: Duration,
}

impl Default for LabConfig {
    fn default() -> Self {
        LabConfig {
            ssh_port: 2222,
            telnet_port: 2323,
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
        device: String,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("SSH server setup failed: {0}")]
    Ssh(String),
}

/// Listening addresses of one device (None: that transport is not served).
#[derive(Debug, Clone, Copy, Default)]
pub struct DeviceAddrs {
    pub ssh: Option<SocketAddr>,
    pub telnet: Option<SocketAddr>,
}

/// A running simulated network.
pub struct Lab {
    topo: Arc<TopologyIndex>,
    addrs: Vec<DeviceAddrs>,
    acct: Arc<Accounting>,
    token: CancellationToken,
    tracker: TaskTracker,
}

/// Everything a connection task needs about its device.
#[derive(Clone)]
struct DeviceCtx {
    topo: Arc<TopologyIndex>,
    idx: usize,
    acct: Arc<Accounting>,
    token: CancellationToken,
    tracker: TaskTracker,
    slow_chunk: usize,
    slow_interval: Duration,
}

impl DeviceCtx {
    fn fault(&self) -> Option<Fault> {
        self.topo.device(self.idx).fault
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
        let ssh_configs = ssh_configs(&config)?;

        let mut listeners = Vec::new();
        let mut addrs = Vec::with_capacity(topo.topology.devices.len());
        for (idx, d) in topo.topology.devices.iter().enumerate() {
            let mut a = DeviceAddrs::default();
            let serves = !d.kind.is_leaf() && d.fault != Some(Fault::RefuseAll);
            if serves && d.transports.ssh() && d.fault != Some(Fault::TelnetOnly) {
                let l = bind(&d.hostname, d.mgmt_ip.into(), config.ssh_port).await?;
                a.ssh = Some(local_addr(&l, &d.hostname)?);
                listeners.push((idx, l, true));
            }
            if serves && (d.transports.telnet() || d.fault == Some(Fault::TelnetOnly)) {
                let l = bind(&d.hostname, d.mgmt_ip.into(), config.telnet_port).await?;
                a.telnet = Some(local_addr(&l, &d.hostname)?);
                listeners.push((idx, l, false));
            }
            addrs.push(a);
        }

        for (idx, listener, is_ssh) in listeners {
            let ctx = DeviceCtx {
                topo: topo.clone(),
                idx,
                acct: acct.clone(),
                token: token.clone(),
                tracker: tracker.clone(),
                slow_chunk: config.slow_chunk.max(1),
                slow_interval: config.slow_interval,
            };
            let d = topo.device(idx);
            let ssh_config = ssh_configs[&(d.platform, SshFlavour::of(d.fault))].clone();
            tracker.spawn(accept_loop(ctx, listener, is_ssh.then_some(ssh_config)));
        }
        Ok(Lab {
            topo,
            addrs,
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
        self.addrs
            .iter()
            .map(|a| usize::from(a.ssh.is_some()) + usize::from(a.telnet.is_some()))
            .sum()
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

/// What a device's SSH server offers, beyond its platform's identification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum SshFlavour {
    /// The lab's Ed25519 key; modern algorithms, legacy ones accepted too.
    Normal,
    /// The `ecdsa_host_key` fault: an ECDSA host key.
    Ecdsa,
    /// The `legacy_ssh_only` fault: nothing but legacy algorithms.
    LegacyOnly,
}

impl SshFlavour {
    const ALL: [SshFlavour; 3] = [
        SshFlavour::Normal,
        SshFlavour::Ecdsa,
        SshFlavour::LegacyOnly,
    ];

    fn of(fault: Option<Fault>) -> SshFlavour {
        match fault {
            Some(Fault::EcdsaHostKey) => SshFlavour::Ecdsa,
            Some(Fault::LegacySshOnly) => SshFlavour::LegacyOnly,
            _ => SshFlavour::Normal,
        }
    }
}

/// The only algorithms a `legacy_ssh_only` device offers: what old IOS
/// images speak (SHA-1 key exchanges, an `ssh-rsa` host key, CBC, SHA-1 MACs).
fn legacy_only() -> Preferred {
    Preferred {
        kex: vec![russh::kex::DH_G14_SHA1, russh::kex::DH_G1_SHA1].into(),
        key: vec![russh::keys::Algorithm::Rsa { hash: None }].into(),
        cipher: vec![russh::cipher::AES_128_CBC, russh::cipher::AES_256_CBC].into(),
        mac: vec![russh::mac::HMAC_SHA1].into(),
        ..Preferred::DEFAULT
    }
}

/// One SSH server config per platform and flavour, so each platform's
/// identification string looks like the real thing (`SSH-2.0-Cisco-1.25`
/// and friends).
fn ssh_configs(
    config: &LabConfig,
) -> Result<HashMap<(Platform, SshFlavour), Arc<russh::server::Config>>, LabError> {
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&config.host_key_seed));
    let bad_key = |e: russh::keys::Error| LabError::Ssh(format!("built-in host key: {e}"));
    let ecdsa_key = crate::host_keys::ecdsa().map_err(bad_key)?;
    let rsa_key = crate::host_keys::rsa().map_err(bad_key)?;
    let mut kex = Preferred::DEFAULT.kex.to_vec();
    kex.extend([
        russh::kex::DH_G14_SHA1,
        russh::kex::DH_G1_SHA1,
        russh::kex::DH_GEX_SHA1,
    ]);
    let mut cipher = Preferred::DEFAULT.cipher.to_vec();
    cipher.extend([russh::cipher::AES_128_CBC, russh::cipher::AES_256_CBC]);
    let mut mac = Preferred::DEFAULT.mac.to_vec();
    if !mac.contains(&russh::mac::HMAC_SHA1) {
        mac.push(russh::mac::HMAC_SHA1);
    }
    let preferred = Preferred {
        kex: kex.into(),
        cipher: cipher.into(),
        mac: mac.into(),
        ..Preferred::DEFAULT
    };
    let mut out = HashMap::new();
    for p in Platform::ALL {
        let id = match p {
            Platform::CiscoIos | Platform::CiscoXe => "SSH-2.0-Cisco-1.25",
            Platform::CiscoNxos => "SSH-2.0-OpenSSH_8.3",
            Platform::PaloaltoPanos => "SSH-2.0-OpenSSH_7.4 PKIX[10.1]",
            Platform::Linux => "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
        };
        for flavour in SshFlavour::ALL {
            let (keys, preferred) = match flavour {
                SshFlavour::Normal => (vec![key.clone()], preferred.clone()),
                SshFlavour::Ecdsa => (vec![ecdsa_key.clone()], preferred.clone()),
                SshFlavour::LegacyOnly => (vec![rsa_key.clone()], legacy_only()),
            };
            let c = russh::server::Config {
                server_id: russh::SshId::Standard(id.into()),
                methods: russh::MethodSet::from(&[russh::MethodKind::Password][..]),
                auth_rejection_time: Duration::from_millis(5),
                auth_rejection_time_initial: Some(Duration::ZERO),
                keys,
                preferred,
                // Real devices drop idle VTY sessions; ten minutes keeps abandoned
                // test clients from holding tasks forever.
                inactivity_timeout: Some(Duration::from_secs(600)),
                nodelay: true,
                ..Default::default()
            };
            out.insert((p, flavour), Arc::new(c));
        }
    }
    Ok(out)
}

async fn accept_loop(
    ctx: DeviceCtx,
    listener: TcpListener,
    ssh: Option<Arc<russh::server::Config>>,
) {
    loop {
        let accepted = tokio::select! {
            _ = ctx.token.cancelled() => break,
            r = listener.accept() => r,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and friends: log and keep serving; the client sees a
                // refused or reset connection, as with an overloaded device.
                tracing::warn!(device = %ctx.topo.device(ctx.idx).hostname, error = %e, "accept failed");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let guard = ctx.acct.open(ctx.idx);
        let c = ctx.clone();
        match &ssh {
            Some(cfg) => {
                let cfg = cfg.clone();
                ctx.tracker
                    .spawn(async move { serve_ssh(c, stream, peer, cfg, guard).await });
            }
            None => {
                ctx.tracker
                    .spawn(async move { serve_telnet(c, stream, guard).await });
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

// ---------------------------------------------------------------- SSH

async fn serve_ssh(
    ctx: DeviceCtx,
    mut stream: TcpStream,
    peer: SocketAddr,
    cfg: Arc<russh::server::Config>,
    guard: SessionGuard,
) {
    if ctx.fault() == Some(Fault::NoBanner) {
        silent_until_closed(&mut stream, &ctx.token).await;
        return;
    }
    let guard = Arc::new(guard);
    let session_done = CancellationToken::new();
    let _done_on_exit = session_done.clone().drop_guard();
    let handler = SshHandler {
        ctx: ctx.clone(),
        guard: guard.clone(),
        session_done,
    };
    let running = match russh::server::run_stream(cfg, stream, handler).await {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(%peer, error = %e, "ssh handshake failed");
            return;
        }
    };
    let handle = running.handle();
    tokio::pin!(running);
    let result = tokio::select! {
        r = &mut running => r,
        _ = ctx.token.cancelled() => {
            let _ = handle
                .disconnect(russh::Disconnect::ByApplication, "lab shutting down".into(), "en".into())
                .await;
            // The session task ends once the disconnect is written.
            let _ = tokio::time::timeout(Duration::from_millis(500), &mut running).await;
            return;
        }
    };
    tracing::debug!(%peer, ?result, graceful = guard.is_graceful(), "ssh session ended");
}

struct SshHandler {
    ctx: DeviceCtx,
    guard: Arc<SessionGuard>,
    /// Cancelled when the SSH session has ended, whoever ended it.
    session_done: CancellationToken,
}

impl russh::server::Handler for SshHandler {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        let d = self.ctx.topo.device(self.ctx.idx);
        let ok = self.ctx.fault() != Some(Fault::AuthFail)
            && user == d.username
            && password == d.password;
        Ok(if ok {
            Auth::Accept
        } else {
            // Like a real device: wrong password, try again (up to the limit).
            Auth::Reject {
                proceed_with_methods: Some(russh::MethodSet::from(
                    &[russh::MethodKind::Password][..],
                )),
                partial_success: false,
            }
        })
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        let ctx = self.ctx.clone();
        let guard = self.guard.clone();
        let handle = session.handle();
        let done = self.session_done.clone();
        self.ctx
            .tracker
            .spawn(async move { ssh_channel_task(ctx, channel, handle, guard, done).await });
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        Ok(())
    }

    async fn channel_close(
        &mut self,
        _channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Closing the channel is how many clients say goodbye; and once the
        // shell channel is gone a real device drops the connection, so do we.
        // (Here, in the session loop, all output before the close is already
        // written, so the disconnect cannot overtake it.)
        self.guard.goodbye();
        session.disconnect(russh::Disconnect::ByApplication, "", "en")?;
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        _channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.guard.goodbye();
        Ok(())
    }
}

/// How long a device waits for the client to hang up after `exit` before it
/// drops the connection itself.
const CLOSE_LINGER: Duration = Duration::from_millis(500);

/// Owns one SSH session channel: runs the CLI on a shell, or one command on exec.
async fn ssh_channel_task(
    ctx: DeviceCtx,
    mut channel: Channel<Msg>,
    handle: russh::server::Handle,
    guard: Arc<SessionGuard>,
    session_done: CancellationToken,
) {
    let mut cli = Cli::after_auth(ctx.topo.clone(), ctx.idx);
    let mut stalled = false;
    loop {
        let msg = tokio::select! {
            _ = ctx.token.cancelled() => return,
            m = channel.wait() => m,
        };
        tracing::debug!(?msg, "channel message");
        let actions = match msg {
            Some(ChannelMsg::RequestShell { .. }) => cli.start(),
            Some(ChannelMsg::Exec { command, .. }) => {
                let mut actions = cli.feed(&command);
                actions.extend(cli.feed(b"\n"));
                // Exec runs one command: send its output without the prompt, then close.
                let mut out = Vec::new();
                for a in actions {
                    if let Action::Send(b) | Action::SendSlow(b) = a {
                        out.extend(b);
                    }
                }
                let text = String::from_utf8_lossy(&out);
                let prompt = cli.prompt();
                let body = text
                    .trim_start_matches("\r\n")
                    .trim_end_matches(prompt.as_str())
                    .to_string();
                let _ = channel.data_bytes(body.into_bytes()).await;
                let _ = channel.exit_status(0).await;
                let _ = channel.eof().await;
                let _ = channel.close().await;
                guard.goodbye();
                return;
            }
            Some(ChannelMsg::Data { data }) => {
                if stalled {
                    continue;
                }
                cli.feed(&data)
            }
            Some(ChannelMsg::Eof) | Some(ChannelMsg::Close) => {
                guard.goodbye();
                return;
            }
            // The session ended under us (TCP died, lab shutdown): no goodbye.
            None => return,
            Some(_) => continue,
        };
        for a in crate::cli::coalesce(actions) {
            match a {
                Action::Send(b) => {
                    if channel.data_bytes(b).await.is_err() {
                        return;
                    }
                }
                Action::SendSlow(b) => {
                    for chunk in b.chunks(ctx.slow_chunk) {
                        tokio::select! {
                            _ = ctx.token.cancelled() => return,
                            _ = tokio::time::sleep(ctx.slow_interval) => {} // sleep-ok: simulated slow device
                        }
                        if channel.data_bytes(chunk.to_vec()).await.is_err() {
                            return;
                        }
                    }
                }
                Action::Stall => stalled = true,
                Action::Endless => {
                    // Each write waits for the client's SSH window: netsim
                    // generates no faster than the client reads.
                    for n in 0.. {
                        let chunk = crate::cli::endless_chunk(n);
                        // A write waiting for window space is not woken when
                        // the session ends, hence `session_done`.
                        tokio::select! {
                            _ = ctx.token.cancelled() => return,
                            _ = session_done.cancelled() => return,
                            r = channel.data_bytes(chunk) => if r.is_err() { return },
                        }
                    }
                }
                Action::Close => {
                    guard.goodbye();
                    let _ = channel.exit_status(0).await;
                    let _ = channel.eof().await;
                    let _ = channel.close().await;
                    // Most clients hang up once their shell channel is closed.
                    // A device does not wait forever for that: after a short
                    // linger it drops the connection itself. (Disconnecting at
                    // once can discard output still queued behind the close.)
                    if tokio::time::timeout(CLOSE_LINGER, session_done.cancelled())
                        .await
                        .is_err()
                    {
                        let _ = handle
                            .disconnect(
                                russh::Disconnect::ByApplication,
                                String::new(),
                                "en".into(),
                            )
                            .await;
                    }
                    return;
                }
                Action::Drop => {
                    // Abrupt: end the session without a channel close.
                    guard.force_dropped();
                    let _ = handle
                        .disconnect(
                            russh::Disconnect::ConnectionLost,
                            "connection lost".into(),
                            "en".into(),
                        )
                        .await;
                    return;
                }
            }
        }
    }
}

// ---------------------------------------------------------------- telnet

const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;
const OPT_ECHO: u8 = 1;
const OPT_SGA: u8 = 3;

/// Strips telnet commands from client input and answers option requests:
/// we WILL ECHO and SGA (the device echoes, character mode) and refuse the rest.
#[derive(Default)]
struct TelnetDecoder {
    state: TState,
}

#[derive(Default, Clone, Copy, PartialEq)]
enum TState {
    #[default]
    Data,
    Iac,
    Opt(u8),
    Sb,
    SbIac,
}

impl TelnetDecoder {
    fn decode(&mut self, input: &[u8], data: &mut Vec<u8>, reply: &mut Vec<u8>) {
        for &b in input {
            self.state = match (self.state, b) {
                (TState::Data, IAC) => TState::Iac,
                (TState::Data, _) => {
                    data.push(b);
                    TState::Data
                }
                (TState::Iac, IAC) => {
                    data.push(IAC);
                    TState::Data
                }
                (TState::Iac, DO | DONT | WILL | WONT) => TState::Opt(b),
                (TState::Iac, SB) => TState::Sb,
                (TState::Iac, _) => TState::Data,
                (TState::Opt(verb), opt) => {
                    match verb {
                        DO if opt != OPT_ECHO && opt != OPT_SGA => {
                            reply.extend_from_slice(&[IAC, WONT, opt])
                        }
                        WILL if opt != OPT_SGA => reply.extend_from_slice(&[IAC, DONT, opt]),
                        _ => {}
                    }
                    TState::Data
                }
                (TState::Sb, IAC) => TState::SbIac,
                (TState::Sb, _) => TState::Sb,
                (TState::SbIac, SE) => TState::Data,
                (TState::SbIac, _) => TState::Sb,
            };
        }
    }
}

async fn serve_telnet(ctx: DeviceCtx, mut stream: TcpStream, guard: SessionGuard) {
    if ctx.fault() == Some(Fault::NoBanner) {
        silent_until_closed(&mut stream, &ctx.token).await;
        return;
    }
    let mut cli = Cli::telnet(ctx.topo.clone(), ctx.idx);
    let mut decoder = TelnetDecoder::default();
    let mut first = vec![IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA];
    let mut pending = crate::cli::coalesce(cli.start());
    if let Some(Action::Send(b)) = pending.first_mut() {
        first.append(b);
        pending.remove(0);
    }
    if stream.write_all(&first).await.is_err() {
        return;
    }
    let mut stalled = false;
    let mut buf = vec![0u8; 4096];
    let mut data = Vec::new();
    let mut reply = Vec::new();
    loop {
        for a in pending.drain(..) {
            match a {
                Action::Send(b) => {
                    if stream.write_all(&escape_iac(b)).await.is_err() {
                        return;
                    }
                }
                Action::SendSlow(b) => {
                    for chunk in b.chunks(ctx.slow_chunk) {
                        tokio::select! {
                            _ = ctx.token.cancelled() => return,
                            _ = tokio::time::sleep(ctx.slow_interval) => {} // sleep-ok: simulated slow device
                        }
                        if stream.write_all(&escape_iac(chunk.to_vec())).await.is_err() {
                            return;
                        }
                    }
                }
                Action::Stall => stalled = true,
                Action::Endless => {
                    // write_all waits for the socket: bounded by TCP's buffers.
                    for n in 0.. {
                        let chunk = escape_iac(crate::cli::endless_chunk(n));
                        tokio::select! {
                            _ = ctx.token.cancelled() => return,
                            r = stream.write_all(&chunk) => if r.is_err() { return },
                        }
                    }
                }
                Action::Close => {
                    guard.goodbye();
                    let _ = stream.shutdown().await;
                    return;
                }
                Action::Drop => {
                    // Mid-output, no goodbye: the client sees the connection die.
                    return;
                }
            }
        }
        let n = tokio::select! {
            _ = ctx.token.cancelled() => return,
            r = stream.read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
        };
        if stalled {
            continue;
        }
        data.clear();
        reply.clear();
        decoder.decode(&buf[..n], &mut data, &mut reply);
        if !reply.is_empty() && stream.write_all(&reply).await.is_err() {
            return;
        }
        pending = crate::cli::coalesce(cli.feed(&data));
    }
}

fn escape_iac(b: Vec<u8>) -> Vec<u8> {
    if !b.contains(&IAC) {
        return b;
    }
    let mut out = Vec::with_capacity(b.len() + 8);
    for x in b {
        out.push(x);
        if x == IAC {
            out.push(IAC);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telnet_decoder_strips_commands_and_refuses_unknown_options() {
        let mut d = TelnetDecoder::default();
        let mut data = Vec::new();
        let mut reply = Vec::new();
        // DO ECHO (ok), WILL NAWS (refused), SB NAWS ... SE (skipped), data, IAC IAC.
        let input = [
            IAC, DO, OPT_ECHO, IAC, WILL, 31, IAC, SB, 31, 0, 80, 0, 24, IAC, SE, b'a', IAC, IAC,
            b'b',
        ];
        d.decode(&input[..7], &mut data, &mut reply);
        d.decode(&input[7..], &mut data, &mut reply);
        assert_eq!(data, vec![b'a', IAC, b'b']);
        assert_eq!(reply, vec![IAC, DONT, 31]);
    }
}
