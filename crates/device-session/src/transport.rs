//! Getting from an address to a logged-in CLI: TCP connect, SSH (russh) or
//! telnet, authentication, first prompt, terminal preparation.
//!
//! Everything here returns a [`Conn`] that owns the socket; nothing is
//! registered yet. If any step fails, the partly built connection is dropped
//! on the spot (RAII), so a failed open can never leak a socket.

use crate::cli::{BoxIo, CliEngine, LoginStage};
use crate::error::{DeviceLabel, SessionError, Step};
use crate::known_hosts::{self, HostKeyError};
use crate::options::{Credentials, HostKeyPolicy, LegacySsh, OpenOptions};
use crate::profile::{self, Prompt};
use crate::resolve::{ResolveError, Resolver};
use crate::telnet::TelnetStream;
use russh::client;
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{Preferred, cipher, kex, mac};
use secrecy::{ExposeSecret, SecretString};
use std::borrow::Cow;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};
use tokio_util::sync::CancellationToken;

/// Bytes of socket read buffer under each SSH session: one read takes a
/// packet's length and body (and any packets behind it) at once. Small, as
/// idle sessions are counted in KiB; larger reads bypass it.
const READ_BUFFER: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    Ssh,
    Telnet,
    /// A stream the caller brought ([`crate::Registry::open_stream`]).
    Stream,
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportKind::Ssh => "ssh",
            TransportKind::Telnet => "telnet",
            TransportKind::Stream => "stream",
        })
    }
}

/// A logged-in connection: the CLI engine over the byte stream, plus the
/// SSH connection handle when there is one (it must outlive the channel and
/// be told to disconnect).
pub(crate) struct Conn {
    /// The prompt/command engine over the byte stream.
    pub cli: CliEngine,
    /// The SSH connection handle: must outlive the channel and be told to disconnect.
    pub ssh: Option<client::Handle<SshHandler>>,
    /// Which transport carried the login, for `SessionInfo`.
    pub kind: TransportKind,
    /// The address really connected to: the registry key.
    pub addr: SocketAddr,
    /// The `show version` output, when it was read to detect the platform.
    pub show_version: Option<String>,
    /// The SSH connection needed algorithms only the legacy lists offer.
    pub legacy_crypto: bool,
}

impl Conn {
    /// Bounded goodbye: the platform's exit sequence, the peer closing, then
    /// the SSH disconnect. `Ok` only if the peer really let go in time.
    pub async fn goodbye(mut self, budget: Duration) -> Result<(), SessionError> {
        let deadline = Instant::now() + budget;
        let r = self.cli.goodbye(budget).await;
        if let Some(handle) = self.ssh.take() {
            let kill = self.cli.kill.clone();
            drop(self.cli);
            // A message to russh's own task, not a wait on the peer.
            let _ = timeout(
                Duration::from_millis(100),
                handle.disconnect(russh::Disconnect::ByApplication, "", "en"),
            )
            .await;
            if r.is_ok() {
                // The handle is a future that ends when russh's connection
                // task has dropped the socket; awaiting it is what makes the
                // close real. Bounded by the goodbye deadline and cut short
                // by a forced shutdown.
                tokio::select! {
                    _ = kill.cancelled() => {}
                    _ = tokio::time::timeout_at(deadline.max(Instant::now() + Duration::from_millis(50)), handle) => {}
                }
            }
        }
        r
    }

    /// Forced close: no goodbye, socket dropped now.
    pub async fn force_close(self) {
        let Conn { cli, ssh, .. } = self;
        // The channel first: russh's task may be blocked handing it data
        // (a device that streams without pause), and would never see the
        // disconnect below.
        drop(cli);
        if let Some(handle) = ssh {
            // One message to russh's task so it drops the socket even if the
            // channel half lingers; bounded, never waits on the peer.
            let _ = timeout(
                Duration::from_millis(100),
                handle.disconnect(russh::Disconnect::ByApplication, "", "en"),
            )
            .await;
        }
    }
}

/// Resolves the host once, through `resolver` and within `budget`; the first
/// address is the canonical key.
pub(crate) async fn resolve(
    resolver: &Resolver,
    host: &str,
    port: u16,
    budget: Duration,
    device: &DeviceLabel,
) -> Result<SocketAddr, SessionError> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    match resolver.lookup(host, port, budget).await {
        Err(ResolveError::TimedOut) => Err(SessionError::Timeout {
            device: device.clone(),
            step: Step::Connect,
            after: budget,
        }),
        Err(ResolveError::Failed(e)) => Err(SessionError::Unreachable {
            device: device.clone(),
            reason: format!("cannot resolve {host:?}: {e}"),
        }),
        Ok(addrs) => addrs
            .into_iter()
            .next()
            .ok_or_else(|| SessionError::Unreachable {
                device: device.clone(),
                reason: format!("{host:?} resolves to no address"),
            }),
    }
}

pub(crate) async fn connect_tcp(
    addr: SocketAddr,
    budget: Duration,
    device: &DeviceLabel,
) -> Result<TcpStream, SessionError> {
    match timeout(budget, TcpStream::connect(addr)).await {
        Err(_) => Err(SessionError::Timeout {
            device: device.clone(),
            step: Step::Connect,
            after: budget,
        }),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err(SessionError::Refused {
                device: device.clone(),
            })
        }
        Ok(Err(e)) => Err(SessionError::Unreachable {
            device: device.clone(),
            reason: e.to_string(),
        }),
        Ok(Ok(s)) => {
            // Without this every prompt round trip waits on Nagle + delayed ACK.
            let _ = s.set_nodelay(true);
            Ok(s)
        }
    }
}

#[derive(Debug)]
pub(crate) enum SshHandlerError {
    Russh(russh::Error),
    HostKey(HostKeyError),
}

impl From<russh::Error> for SshHandlerError {
    fn from(e: russh::Error) -> Self {
        SshHandlerError::Russh(e)
    }
}

pub(crate) struct SshHandler {
    /// How to check the server's host key.
    policy: HostKeyPolicy,
    /// The address the key is checked and recorded under in known_hosts.
    host: String,
    /// The port, part of the known_hosts key when not 22.
    port: u16,
    /// Set when the negotiated algorithms include one only the legacy
    /// lists offer, for [`crate::Session::legacy_crypto`].
    legacy_negotiated: Arc<AtomicBool>,
}

impl client::Handler for SshHandler {
    type Error = SshHandlerError;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key,
            PublicKeyOrCertificate::Certificate(_) => {
                return match self.policy {
                    HostKeyPolicy::Off => Ok(true),
                    _ => Err(SshHandlerError::HostKey(HostKeyError::Changed(
                        "host certificates are not supported".into(),
                    ))),
                };
            }
        };
        let (path, learn) = match &self.policy {
            HostKeyPolicy::Off => {
                tracing::warn!(host = %self.host, port = self.port, "host-key checking is off; accepting the key unverified");
                return Ok(true);
            }
            HostKeyPolicy::AcceptNew { known_hosts } => (known_hosts, true),
            HostKeyPolicy::Strict { known_hosts } => (known_hosts, false),
        };
        known_hosts::verify(&self.host, self.port, key, path, learn)
            .await
            .map(|()| true)
            .map_err(SshHandlerError::HostKey)
    }

    async fn kex_done(
        &mut self,
        _shared_secret: Option<&[u8]>,
        names: &russh::Names,
        _session: &mut client::Session,
    ) -> Result<(), Self::Error> {
        let modern = preferred(false);
        let legacy = !modern.kex.contains(&names.kex)
            || !modern.key.contains(&names.key)
            || !modern.cipher.contains(&names.cipher)
            || [names.client_mac, names.server_mac]
                .iter()
                .any(|m| *m != mac::NONE && !modern.mac.contains(m));
        if legacy {
            self.legacy_negotiated.store(true, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Modern algorithms first; the legacy ones appended only on request.
/// Key exchanges in our order: plain curve25519 before the post-quantum
/// hybrid. Network devices do not offer ML-KEM (so this changes nothing for
/// them), and where both ends do, the hybrid costs about a third of a
/// session's client CPU (measured: ~330 vs ~510 sessions/s against netsim):
/// too much for a walker that opens thousands of short sessions. The hybrid
/// stays on the list, second.
fn kex_order(kex: &[kex::Name]) -> Vec<kex::Name> {
    let fast = [kex::CURVE25519, kex::CURVE25519_PRE_RFC_8731];
    let mut out: Vec<kex::Name> = fast.iter().filter(|k| kex.contains(k)).cloned().collect();
    out.extend(kex.iter().filter(|k| !fast.contains(k)).cloned());
    out
}

pub(crate) fn preferred(legacy: bool) -> Preferred {
    let d = Preferred {
        kex: Cow::Owned(kex_order(&Preferred::DEFAULT.kex)),
        ..Preferred::DEFAULT
    };
    let mut key: Vec<_> = d
        .key
        .iter()
        .filter(|a| legacy || !matches!(a, russh::keys::Algorithm::Rsa { hash: None }))
        .cloned()
        .collect();
    if !legacy {
        return Preferred {
            key: Cow::Owned(key),
            ..d
        };
    }
    let is_ext = |n: &kex::Name| {
        [
            kex::EXTENSION_SUPPORT_AS_CLIENT,
            kex::EXTENSION_SUPPORT_AS_SERVER,
            kex::EXTENSION_OPENSSH_STRICT_KEX_AS_CLIENT,
            kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER,
        ]
        .contains(n)
    };
    let mut kexes: Vec<kex::Name> = d.kex.iter().filter(|n| !is_ext(n)).cloned().collect();
    kexes.extend([kex::DH_GEX_SHA1, kex::DH_G14_SHA1, kex::DH_G1_SHA1]);
    kexes.extend(d.kex.iter().filter(|n| is_ext(n)).cloned());
    let mut ciphers = d.cipher.to_vec();
    ciphers.extend([
        cipher::AES_128_CBC,
        cipher::AES_256_CBC,
        cipher::AES_192_CBC,
    ]);
    let mut macs = d.mac.to_vec();
    macs.extend([mac::HMAC_SHA1, mac::HMAC_SHA1_ETM]);
    if !key.contains(&russh::keys::Algorithm::Rsa { hash: None }) {
        key.push(russh::keys::Algorithm::Rsa { hash: None });
    }
    Preferred {
        kex: Cow::Owned(kexes),
        key: Cow::Owned(key),
        cipher: Cow::Owned(ciphers),
        mac: Cow::Owned(macs),
        ..d
    }
}

fn ssh_error(device: &DeviceLabel, step: Step, e: SshHandlerError) -> SessionError {
    match e {
        SshHandlerError::HostKey(HostKeyError::Changed(detail)) => SessionError::HostKeyMismatch {
            device: device.clone(),
            detail,
        },
        SshHandlerError::HostKey(HostKeyError::Unknown) => SessionError::HostKeyUnknown {
            device: device.clone(),
        },
        SshHandlerError::HostKey(HostKeyError::NotRecorded(detail)) => {
            SessionError::HostKeyNotRecorded {
                device: device.clone(),
                detail,
            }
        }
        SshHandlerError::Russh(e) => russh_error(device, step, e),
    }
}

/// Whether the legacy lists share an algorithm with what the device
/// offered for `kind`, i.e. whether retrying with them can connect.
fn legacy_would_help(kind: &russh::AlgorithmKind, theirs: &[String]) -> bool {
    let p = preferred(true);
    let ours: Vec<String> = match kind {
        russh::AlgorithmKind::Kex => p.kex.iter().map(|n| n.as_ref().to_string()).collect(),
        russh::AlgorithmKind::Key => p.key.iter().map(|k| k.to_string()).collect(),
        russh::AlgorithmKind::Cipher => p.cipher.iter().map(|n| n.as_ref().to_string()).collect(),
        russh::AlgorithmKind::Mac => p.mac.iter().map(|n| n.as_ref().to_string()).collect(),
        russh::AlgorithmKind::Compression => return false,
    };
    theirs.iter().any(|t| ours.contains(t))
}

/// The algorithm kind as a user reads it.
fn kind_name(kind: &russh::AlgorithmKind) -> &'static str {
    match kind {
        russh::AlgorithmKind::Kex => "key exchange",
        russh::AlgorithmKind::Key => "host key",
        russh::AlgorithmKind::Cipher => "cipher",
        russh::AlgorithmKind::Mac => "MAC",
        russh::AlgorithmKind::Compression => "compression",
    }
}

/// The SSH handshake with one set of algorithm lists: connect, key exchange,
/// host key. Returns the handle and whether legacy algorithms were negotiated.
async fn handshake(
    addr: SocketAddr,
    device: &DeviceLabel,
    opts: &OpenOptions,
    legacy: bool,
) -> Result<(client::Handle<SshHandler>, bool), SessionError> {
    let t = opts.timeouts;
    let tcp = connect_tcp(addr, t.connect, device).await?;
    let config = Arc::new(client::Config {
        nodelay: true,
        preferred: preferred(legacy),
        // Our own deadlines govern every step; russh's inactivity timer
        // would only add a second, unrelated one.
        inactivity_timeout: None,
        ..Default::default()
    });
    let legacy_negotiated = Arc::new(AtomicBool::new(false));
    let handler = SshHandler {
        policy: opts.host_key_policy.clone(),
        host: addr.ip().to_string(),
        port: addr.port(),
        legacy_negotiated: legacy_negotiated.clone(),
    };
    // russh reads each packet as a 4-byte length then the rest, straight
    // from the socket: two reads (and often a would-block) per packet. A
    // small read buffer takes whatever has arrived in one read.
    let tcp = tokio::io::BufReader::with_capacity(READ_BUFFER, tcp);
    match timeout(t.banner, client::connect_stream(config, tcp, handler)).await {
        Err(_) => Err(SessionError::Timeout {
            device: device.clone(),
            step: Step::Banner,
            after: t.banner,
        }),
        Ok(Err(SshHandlerError::Russh(russh::Error::NoCommonAlgo { kind, theirs, .. }))) => {
            let offered = format!("{} {}", kind_name(&kind), theirs.join(","));
            if !legacy && legacy_would_help(&kind, &theirs) {
                Err(SessionError::LegacySshRequired {
                    device: device.clone(),
                    offered,
                })
            } else {
                Err(SessionError::Protocol {
                    device: device.clone(),
                    step: Step::Banner,
                    detail: format!(
                        "no {} algorithm in common; the device offers only: {}",
                        kind_name(&kind),
                        theirs.join(",")
                    ),
                })
            }
        }
        Ok(Err(e)) => Err(ssh_error(device, Step::Banner, e)),
        Ok(Ok(h)) => Ok((h, legacy_negotiated.load(Ordering::Relaxed))),
    }
}

fn russh_error(device: &DeviceLabel, step: Step, e: russh::Error) -> SessionError {
    match e {
        russh::Error::Disconnect
        | russh::Error::HUP
        | russh::Error::SendError
        | russh::Error::RecvError => SessionError::Closed {
            device: device.clone(),
            step,
        },
        russh::Error::IO(ref io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::BrokenPipe
            ) =>
        {
            SessionError::Closed {
                device: device.clone(),
                step,
            }
        }
        other => SessionError::Protocol {
            device: device.clone(),
            step,
            detail: other.to_string(),
        },
    }
}

/// SSH to a logged-in CLI: handshake (with the legacy retry), authentication,
/// a shell on a pty, the first prompt. Each step has its own deadline.
pub(crate) async fn open_ssh(
    addr: SocketAddr,
    device: &DeviceLabel,
    creds: &Credentials,
    opts: &OpenOptions,
    kill: &CancellationToken,
) -> Result<Conn, SessionError> {
    let t = opts.timeouts;
    let (mut handle, legacy_crypto) = handshake_per_policy(addr, device, opts).await?;
    match timeout(t.auth, authenticate(&mut handle, device, creds)).await {
        Err(_) => {
            return Err(SessionError::Timeout {
                device: device.clone(),
                step: Step::Auth,
                after: t.auth,
            });
        }
        Ok(r) => r?,
    }
    let channel = open_shell(&handle, device, t.prompt).await?;
    let io: BoxIo = Box::new(channel.into_stream());
    let mut cli = CliEngine::new(io, device.clone(), "\n", kill.clone());
    cli.max_output = opts.max_output_bytes;
    cli.learn_prompt(t.prompt, None).await?;
    Ok(Conn {
        cli,
        ssh: Some(handle),
        kind: TransportKind::Ssh,
        addr,
        show_version: None,
        legacy_crypto,
    })
}

/// The handshake with the algorithm lists [`OpenOptions::legacy_ssh`] asks
/// for; under `Auto`, a device that offers only legacy algorithms gets one
/// more handshake with the legacy lists.
async fn handshake_per_policy(
    addr: SocketAddr,
    device: &DeviceLabel,
    opts: &OpenOptions,
) -> Result<(client::Handle<SshHandler>, bool), SessionError> {
    let first = handshake(addr, device, opts, opts.legacy_ssh == LegacySsh::On).await;
    match first {
        Err(SessionError::LegacySshRequired { offered, .. })
            if opts.legacy_ssh == LegacySsh::Auto =>
        {
            // Once per device: the same handshake with the legacy lists.
            tracing::info!(device = %device, %offered, "device offers only legacy SSH algorithms; retrying with them");
            handshake(addr, device, opts, true).await
        }
        r => r,
    }
}

/// The key file first (if any), then the password (through
/// keyboard-interactive when that is all the device takes).
async fn authenticate(
    handle: &mut client::Handle<SshHandler>,
    device: &DeviceLabel,
    creds: &Credentials,
) -> Result<(), SessionError> {
    if let Some(path) = &creds.key_file
        && authenticate_with_key(handle, device, creds, path).await?
    {
        return Ok(());
    }
    if let Some(pw) = &creds.password
        && authenticate_with_password(handle, device, &creds.username, pw).await?
    {
        return Ok(());
    }
    Err(SessionError::AuthFailed {
        device: device.clone(),
        user: creds.username.clone(),
    })
}

/// Public-key authentication with the key in `path`; `Ok(false)` when the
/// device refused the key.
async fn authenticate_with_key(
    handle: &mut client::Handle<SshHandler>,
    device: &DeviceLabel,
    creds: &Credentials,
    path: &Path,
) -> Result<bool, SessionError> {
    let pass = creds
        .key_passphrase
        .as_ref()
        .map(|p| p.expose_secret().to_string());
    let key = russh::keys::load_secret_key(path, pass.as_deref()).map_err(|e| {
        SessionError::Protocol {
            device: device.clone(),
            step: Step::Auth,
            detail: format!("cannot load key {}: {e}", path.display()),
        }
    })?;
    let hash = handle
        .best_supported_rsa_hash()
        .await
        .map_err(|e| russh_error(device, Step::Auth, e))?
        .flatten();
    let r = handle
        .authenticate_publickey(
            &creds.username,
            PrivateKeyWithHashAlg::new(Arc::new(key), hash),
        )
        .await
        .map_err(|e| russh_error(device, Step::Auth, e))?;
    Ok(r.success())
}

/// Password authentication; `Ok(false)` when the device refused it.
async fn authenticate_with_password(
    handle: &mut client::Handle<SshHandler>,
    device: &DeviceLabel,
    user: &str,
    pw: &SecretString,
) -> Result<bool, SessionError> {
    let r = handle
        .authenticate_password(user, pw.expose_secret())
        .await
        .map_err(|e| russh_error(device, Step::Auth, e))?;
    if r.success() {
        return Ok(true);
    }
    if let russh::client::AuthResult::Failure {
        remaining_methods, ..
    } = &r
        && remaining_methods.contains(&russh::MethodKind::KeyboardInteractive)
    {
        // Devices (and sshd with PAM) that only take the password
        // through keyboard-interactive: answer every prompt with it.
        return authenticate_keyboard_interactive(handle, device, user, pw).await;
    }
    Ok(false)
}

/// Keyboard-interactive with the password as the answer to every prompt, for
/// at most four rounds; `Ok(false)` when the device refused it.
async fn authenticate_keyboard_interactive(
    handle: &mut client::Handle<SshHandler>,
    device: &DeviceLabel,
    user: &str,
    pw: &SecretString,
) -> Result<bool, SessionError> {
    let mut resp = handle
        .authenticate_keyboard_interactive_start(user, None)
        .await
        .map_err(|e| russh_error(device, Step::Auth, e))?;
    for _ in 0..4 {
        match resp {
            client::KeyboardInteractiveAuthResponse::Success => return Ok(true),
            client::KeyboardInteractiveAuthResponse::Failure { .. } => return Ok(false),
            client::KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => {
                let answers = prompts
                    .iter()
                    .map(|_| pw.expose_secret().to_string())
                    .collect();
                resp = handle
                    .authenticate_keyboard_interactive_respond(answers)
                    .await
                    .map_err(|e| russh_error(device, Step::Auth, e))?;
            }
        }
    }
    Ok(false)
}

/// A session channel with a pty and a shell, within `budget`.
async fn open_shell(
    handle: &client::Handle<SshHandler>,
    device: &DeviceLabel,
    budget: Duration,
) -> Result<russh::Channel<client::Msg>, SessionError> {
    let shell = async {
        let ch = handle.channel_open_session().await?;
        ch.request_pty(false, "vt100", 511, 24, 0, 0, &[]).await?;
        ch.request_shell(false).await?;
        Ok::<_, russh::Error>(ch)
    };
    match timeout(budget, shell).await {
        Err(_) => Err(SessionError::Timeout {
            device: device.clone(),
            step: Step::Prompt,
            after: budget,
        }),
        Ok(Err(e)) => Err(russh_error(device, Step::Prompt, e)),
        Ok(Ok(c)) => Ok(c),
    }
}

pub(crate) async fn open_telnet(
    addr: SocketAddr,
    device: &DeviceLabel,
    creds: &Credentials,
    opts: &OpenOptions,
    kill: &CancellationToken,
) -> Result<Conn, SessionError> {
    let t = opts.timeouts;
    let tcp = connect_tcp(addr, t.connect, device).await?;
    let io: BoxIo = Box::new(TelnetStream::new(tcp));
    let mut cli = CliEngine::new(io, device.clone(), "\r\n", kill.clone());
    cli.max_output = opts.max_output_bytes;
    let mut stage = cli.wait_login_stage(Step::Banner, t.banner).await?;
    let deadline = Instant::now() + t.auth;
    let mut typed_password = false;
    for _ in 0..3 {
        match stage {
            LoginStage::Shell => break,
            LoginStage::User if !typed_password => {
                cli.discard_ready().await;
                cli.send_line(&creds.username, &Step::Auth, deadline, t.auth)
                    .await?;
            }
            LoginStage::Password if !typed_password => {
                let Some(pw) = &creds.password else {
                    return Err(SessionError::AuthFailed {
                        device: device.clone(),
                        user: creds.username.clone(),
                    });
                };
                cli.discard_ready().await;
                cli.send_secret(pw, &Step::Auth, deadline, t.auth).await?;
                typed_password = true;
                break;
            }
            _ => {
                return Err(SessionError::AuthFailed {
                    device: device.clone(),
                    user: creds.username.clone(),
                });
            }
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        stage = cli.wait_login_stage(Step::Auth, remaining).await?;
    }
    let check = typed_password.then_some(creds.username.as_str());
    cli.learn_prompt(t.prompt, check).await?;
    Ok(Conn {
        cli,
        ssh: None,
        kind: TransportKind::Telnet,
        addr,
        show_version: None,
        legacy_crypto: false,
    })
}

/// After the first prompt: detect the platform if unknown, raise to enable,
/// turn paging off. A rejected paging command is not fatal: `--More--` is
/// answered while reading.
pub(crate) async fn prepare(
    conn: &mut Conn,
    creds: &Credentials,
    opts: &OpenOptions,
) -> Result<(), SessionError> {
    let t = opts.timeouts;
    let cli = &mut conn.cli;
    let mut platform = opts
        .platform
        .or_else(|| profile::platform_from_prompt(&cli.last_prompt));
    // A Cisco-style `host>` prompt: raise it first, because some devices
    // (and fakenos) refuse even `show version` in user exec. Without a
    // secret this is a best effort: `enable` may need none.
    let cisco_user_exec = Prompt::is_user_exec(&cli.last_prompt)
        && !cli.last_prompt.contains('@')
        && platform.is_none_or(|p| profile::profile(Some(p)).has_enable);
    if opts.prepare_terminal && cisco_user_exec {
        match cli.enable(creds.enable_secret.as_ref(), t.prompt).await {
            Ok(()) => {}
            Err(SessionError::EnableFailed { .. }) if creds.enable_secret.is_none() => {
                tracing::debug!(device = %cli.device, "no enable secret; staying in user exec");
            }
            Err(e) => return Err(e),
        }
    }
    // A paging command this session has already accepted: the platform's
    // own list need not send it again (a round trip per device).
    let mut accepted: Option<&str> = None;
    if platform.is_none() {
        // Both IOS and NX-OS accept this, and it keeps `show version` from paging.
        let paging = cli.run(PROBE_PAGING_OFF, t.command).await?;
        cli.paging_disabled = !paging.rejected;
        accepted = (!paging.rejected).then_some(PROBE_PAGING_OFF);
        let ver = cli.run("show version", t.command).await?;
        platform = detect_platform(&ver.text);
        conn.show_version = Some(ver.text);
    }
    cli.set_platform(platform);
    if !opts.prepare_terminal {
        return Ok(());
    }
    let mut all_ok = true;
    for cmd in cli.profile.paging_off {
        if accepted == Some(*cmd) {
            continue;
        }
        let out = cli.run(cmd, t.command).await?;
        all_ok &= !out.rejected;
    }
    cli.paging_disabled = all_ok;
    Ok(())
}

/// Sent before `show version` when the platform is not known yet.
const PROBE_PAGING_OFF: &str = "terminal length 0";

fn detect_platform(show_version: &str) -> Option<device_platform::Platform> {
    device_platform::detect_platform(show_version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_algorithms_only_on_request() {
        let names = |p: &Preferred| {
            let mut v: Vec<String> = p.kex.iter().map(|n| n.as_ref().to_string()).collect();
            v.extend(p.cipher.iter().map(|n| n.as_ref().to_string()));
            v.extend(p.mac.iter().map(|n| n.as_ref().to_string()));
            v.extend(p.key.iter().map(|k| k.to_string()));
            v
        };
        let legacy = [
            "diffie-hellman-group14-sha1",
            "diffie-hellman-group1-sha1",
            "aes128-cbc",
            "aes256-cbc",
            "hmac-sha1",
            "ssh-rsa",
        ];
        let modern = names(&preferred(false));
        let old = names(&preferred(true));
        for l in legacy {
            assert!(!modern.contains(&l.to_string()), "{l} offered by default");
            assert!(old.contains(&l.to_string()), "{l} missing from legacy");
        }
        // Modern first: the legacy kex come after every default kex.
        let p = preferred(true);
        let first_legacy = p.kex.iter().position(|k| *k == kex::DH_G14_SHA1).unwrap();
        assert!(p.kex[..first_legacy].contains(&kex::CURVE25519));
        assert_eq!(p.cipher[0], Preferred::DEFAULT.cipher[0]);
    }
}
