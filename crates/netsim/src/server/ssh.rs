//! The SSH side of a device: one russh server config per platform and
//! flavour, the per-connection handler (password auth, channel requests) and
//! the channel task that runs the device CLI on a shell or one command on exec.

use super::{DeviceCtx, LabConfig, LabError, silent_until_closed};
use crate::shell::{DeviceShell, ShellAction};
use crate::stats::SessionGuard;
use crate::topology::Fault;
use device_platform::Platform;
use russh::keys::PrivateKey;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::server::{Auth, Msg, Session};
use russh::{Channel, ChannelId, ChannelMsg, Preferred};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

/// What a device's SSH server offers, beyond its platform's identification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum SshFlavour {
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

    pub(super) fn of(fault: Option<Fault>) -> SshFlavour {
        match fault {
            Some(Fault::EcdsaHostKey) => SshFlavour::Ecdsa,
            Some(Fault::LegacySshOnly) => SshFlavour::LegacyOnly,
            _ => SshFlavour::Normal,
        }
    }
}

/// The server configs a lab's SSH listeners use, by platform and flavour.
pub(super) type SshConfigs = HashMap<(Platform, SshFlavour), Arc<russh::server::Config>>;

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

/// What a normal device offers: russh's modern defaults first, then the
/// legacy algorithms old clients still need.
fn modern_and_legacy() -> Preferred {
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
    Preferred {
        kex: kex.into(),
        cipher: cipher.into(),
        mac: mac.into(),
        ..Preferred::DEFAULT
    }
}

/// The identification string each platform's SSH server sends.
fn server_id(p: Platform) -> &'static str {
    match p {
        Platform::CiscoIos | Platform::CiscoXe => "SSH-2.0-Cisco-1.25",
        Platform::CiscoNxos => "SSH-2.0-OpenSSH_8.3",
        Platform::PaloaltoPanos => "SSH-2.0-OpenSSH_7.4 PKIX[10.1]",
        Platform::Linux => "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
    }
}

/// One SSH server config per platform and flavour, so each platform's
/// identification string looks like the real thing (`SSH-2.0-Cisco-1.25`
/// and friends).
pub(super) fn configs(config: &LabConfig) -> Result<SshConfigs, LabError> {
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&config.host_key_seed));
    let bad_key = |e: russh::keys::Error| LabError::Ssh(format!("built-in host key: {e}"));
    let ecdsa_key = crate::host_keys::ecdsa().map_err(bad_key)?;
    let rsa_key = crate::host_keys::rsa().map_err(bad_key)?;
    let preferred = modern_and_legacy();
    let mut out = HashMap::new();
    for p in Platform::ALL {
        for flavour in SshFlavour::ALL {
            let (keys, preferred) = match flavour {
                SshFlavour::Normal => (vec![key.clone()], preferred.clone()),
                SshFlavour::Ecdsa => (vec![ecdsa_key.clone()], preferred.clone()),
                SshFlavour::LegacyOnly => (vec![rsa_key.clone()], legacy_only()),
            };
            let c = russh::server::Config {
                server_id: russh::SshId::Standard(server_id(p).into()),
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

/// Serves one accepted SSH connection until it ends or the lab shuts down.
pub(super) async fn serve(
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
    if !ctx.before_banner().await {
        return;
    }
    let stream = ctx.delay_line(stream);
    let guard = Arc::new(guard);
    let session_done = CancellationToken::new();
    let _done_on_exit = session_done.clone().drop_guard();
    let handler = SshHandler {
        ctx: ctx.clone(),
        guard: guard.clone(),
        session_done,
    };
    // One socket read takes every packet that has arrived (russh alone
    // reads a packet's length and its body separately).
    let stream = tokio::io::BufReader::with_capacity(4096, stream);
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

/// russh's callbacks for one SSH connection.
struct SshHandler {
    /// The device this connection is to (credentials, fault, tasks).
    ctx: DeviceCtx,
    /// The connection's accounting, shared with its channel tasks.
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
        let task = ChannelTask {
            ctx: self.ctx.clone(),
            channel,
            handle: session.handle(),
            guard: self.guard.clone(),
            session_done: self.session_done.clone(),
            stalled: false,
        };
        self.ctx.tracker.spawn(task.run());
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
struct ChannelTask {
    /// The device, the lab's shutdown token and the slow-output pacing.
    ctx: DeviceCtx,
    /// The session channel this task reads from and writes to.
    channel: Channel<Msg>,
    /// The SSH session, to disconnect it (after `exit`, or abruptly).
    handle: russh::server::Handle,
    /// The connection's accounting: marked graceful on a goodbye.
    guard: Arc<SessionGuard>,
    /// Cancelled when the SSH session has ended, whoever ended it.
    session_done: CancellationToken,
    /// Set by [`ShellAction::Stall`]: further input is ignored.
    stalled: bool,
}

impl ChannelTask {
    async fn run(mut self) {
        let mut shell = DeviceShell::after_auth(self.ctx.topo.clone(), self.ctx.idx);
        loop {
            let msg = tokio::select! {
                _ = self.ctx.token.cancelled() => return,
                m = self.channel.wait() => m,
            };
            tracing::debug!(?msg, "channel message");
            let actions = match msg {
                Some(ChannelMsg::RequestShell { .. }) => shell.start(),
                Some(ChannelMsg::Exec { command, .. }) => {
                    self.exec(&mut shell, &command).await;
                    return;
                }
                Some(ChannelMsg::Data { data }) => {
                    if self.stalled {
                        continue;
                    }
                    shell.feed(&data)
                }
                Some(ChannelMsg::Eof) | Some(ChannelMsg::Close) => {
                    self.guard.goodbye();
                    return;
                }
                // The session ended under us (TCP died, lab shutdown): no goodbye.
                None => return,
                Some(_) => continue,
            };
            for a in crate::shell::coalesce(actions) {
                if self.perform(a).await.is_break() {
                    return;
                }
            }
        }
    }

    /// Exec runs one command: send its output without the prompt, then close.
    async fn exec(&mut self, shell: &mut DeviceShell, command: &[u8]) {
        let mut actions = shell.feed(command);
        actions.extend(shell.feed(b"\n"));
        let mut out = Vec::new();
        let mut busy = Duration::ZERO;
        for a in actions {
            match a {
                ShellAction::Send(b) | ShellAction::SendSlow(b) => out.extend(b),
                ShellAction::Pause(d) => busy += d,
                _ => {}
            }
        }
        if !self.ctx.pause(busy).await {
            return;
        }
        let text = String::from_utf8_lossy(&out);
        let prompt = shell.prompt();
        let body = text
            .trim_start_matches("\r\n")
            .trim_end_matches(prompt.as_str())
            .to_string();
        let _ = self.channel.data_bytes(body.into_bytes()).await;
        let _ = self.channel.exit_status(0).await;
        let _ = self.channel.eof().await;
        let _ = self.channel.close().await;
        self.guard.goodbye();
    }

    /// Carries out one action of the CLI; `Break` when the channel is done.
    async fn perform(&mut self, action: ShellAction) -> ControlFlow<()> {
        match action {
            ShellAction::Send(b) => {
                if self.channel.data_bytes(b).await.is_err() {
                    return ControlFlow::Break(());
                }
            }
            ShellAction::SendSlow(b) => return self.send_slow(&b).await,
            ShellAction::Pause(d) => {
                if !self.ctx.pause(d).await {
                    return ControlFlow::Break(());
                }
            }
            ShellAction::Stall => self.stalled = true,
            ShellAction::Endless => {
                self.endless().await;
                return ControlFlow::Break(());
            }
            ShellAction::Close => {
                self.close().await;
                return ControlFlow::Break(());
            }
            ShellAction::Drop => {
                // Abrupt: end the session without a channel close.
                self.guard.force_dropped();
                let _ = self
                    .handle
                    .disconnect(
                        russh::Disconnect::ConnectionLost,
                        "connection lost".into(),
                        "en".into(),
                    )
                    .await;
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    /// The `slow_output` fault: small chunks with a pause before each.
    async fn send_slow(&mut self, b: &[u8]) -> ControlFlow<()> {
        for chunk in b.chunks(self.ctx.slow_chunk) {
            tokio::select! {
                _ = self.ctx.token.cancelled() => return ControlFlow::Break(()),
                _ = tokio::time::sleep(self.ctx.slow_interval) => {} // sleep-ok: simulated slow device
            }
            if self.channel.data_bytes(chunk.to_vec()).await.is_err() {
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    /// The `endless_output` fault: writes until the session or the lab ends.
    async fn endless(&mut self) {
        // Each write waits for the client's SSH window: netsim
        // generates no faster than the client reads.
        for n in 0.. {
            let chunk = crate::shell::endless_chunk(n);
            // A write waiting for window space is not woken when
            // the session ends, hence `session_done`.
            tokio::select! {
                _ = self.ctx.token.cancelled() => return,
                _ = self.session_done.cancelled() => return,
                r = self.channel.data_bytes(chunk) => if r.is_err() { return },
            }
        }
    }

    /// `exit`: a clean goodbye, then the connection ends.
    async fn close(&mut self) {
        self.guard.goodbye();
        let _ = self.channel.exit_status(0).await;
        let _ = self.channel.eof().await;
        let _ = self.channel.close().await;
        // Most clients hang up once their shell channel is closed.
        // A device does not wait forever for that: after a short
        // linger it drops the connection itself. (Disconnecting at
        // once can discard output still queued behind the close.)
        if tokio::time::timeout(CLOSE_LINGER, self.session_done.cancelled())
            .await
            .is_err()
        {
            let _ = self
                .handle
                .disconnect(russh::Disconnect::ByApplication, String::new(), "en".into())
                .await;
        }
    }
}
