//! The lab over real sockets: each way a session can end is counted the way
//! the accounting promises, and every fault fails the way it says.

use netsim::{Lab, LabConfig, Topology};
use russh::client;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const T: Duration = Duration::from_secs(10);

fn topology(base: &str, fault_dev: &str) -> Topology {
    Topology::from_toml_str(&format!(
        r#"
[[device]]
hostname = "sw1"
platform = "cisco_ios"
mgmt_ip = "{base}.1"
serial = "FOC1"
model = "WS-C2960X-48FPD-L"
version = "15.2(7)E4"

[[device]]
hostname = "nx1"
platform = "cisco_nxos"
mgmt_ip = "{base}.2"
serial = "SAL1"
model = "C9396PX"
version = "9.3(9)"

{fault_dev}

[[link]]
a = "sw1"
a_interface = "GigabitEthernet1/0/1"
b = "nx1"
b_interface = "Ethernet1/1"
"#
    ))
    .unwrap()
}

fn faulty(base: &str, fault: &str) -> String {
    format!(
        r#"
[[device]]
hostname = "bad"
platform = "cisco_ios"
mgmt_ip = "{base}.3"
serial = "FOCBAD"
model = "WS-C2960X-48FPD-L"
version = "15.2(7)E4"
fault = "{fault}"
"#
    )
}

async fn lab(base: &str, fault_dev: &str) -> Lab {
    Lab::start(
        topology(base, fault_dev),
        LabConfig {
            ssh_port: 0,
            telnet_port: 0,
            slow_interval: Duration::from_millis(5),
            ..LabConfig::default()
        },
    )
    .await
    .unwrap()
}

struct AcceptAll;
impl client::Handler for AcceptAll {
    type Error = russh::Error;
    async fn check_server_key(
        &mut self,
        _: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// An SSH shell plus a second handle on the raw socket, so a test can kill
/// the TCP connection without any SSH goodbye.
struct Shell {
    handle: client::Handle<AcceptAll>,
    channel: russh::Channel<client::Msg>,
    raw: std::net::TcpStream,
}

async fn ssh_shell(addr: SocketAddr, password: &str) -> Result<Shell, String> {
    let std = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    std.set_nonblocking(true).unwrap();
    let raw = std.try_clone().unwrap();
    let stream = TcpStream::from_std(std).unwrap();
    let cfg = Arc::new(client::Config {
        nodelay: true,
        ..Default::default()
    });
    let mut handle = tokio::time::timeout(T, client::connect_stream(cfg, stream, AcceptAll))
        .await
        .map_err(|_| "connect timeout".to_string())?
        .map_err(|e| e.to_string())?;
    let auth = handle
        .authenticate_password("admin", password)
        .await
        .map_err(|e| e.to_string())?;
    if !auth.success() {
        return Err("auth failed".into());
    }
    let channel = handle
        .channel_open_session()
        .await
        .map_err(|e| e.to_string())?;
    channel
        .request_pty(false, "vt100", 200, 24, 0, 0, &[])
        .await
        .map_err(|e| e.to_string())?;
    channel
        .request_shell(false)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Shell {
        handle,
        channel,
        raw,
    })
}

impl Shell {
    async fn read_until(&mut self, needle: &str) -> String {
        let mut got = String::new();
        let deadline = Instant::now() + T;
        while !got.contains(needle) {
            let msg = tokio::time::timeout_at(deadline.into(), self.channel.wait())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {needle:?}; got {got:?}"));
            match msg {
                Some(russh::ChannelMsg::Data { data }) => {
                    got.push_str(&String::from_utf8_lossy(&data))
                }
                Some(_) => {}
                None => break,
            }
        }
        got
    }

    async fn send(&mut self, s: &str) {
        self.channel.data(s.as_bytes()).await.unwrap();
    }
}

#[tokio::test]
async fn ssh_session_endings_are_counted_right() {
    let lab = lab("127.31.0", "").await;
    let addr = lab.ssh_addr("sw1").unwrap();

    // 1. `exit` at the prompt: graceful.
    let mut a = ssh_shell(addr, "admin").await.unwrap();
    a.read_until("sw1#").await;
    a.send("terminal length 0\n").await;
    a.read_until("sw1#").await;
    a.send("show cdp neighbors detail\n").await;
    let out = a.read_until("sw1#").await;
    assert!(
        out.contains("Device ID:") || out.contains("Device ID: "),
        "{out}"
    );
    assert!(out.contains("Total cdp entries displayed : 1"));
    a.send("exit\n").await;
    while a.channel.wait().await.is_some() {}
    let _ = a
        .handle
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;

    // 2. Closing the channel and disconnecting: graceful.
    let mut b = ssh_shell(addr, "admin").await.unwrap();
    b.read_until("sw1#").await;
    b.channel.close().await.unwrap();
    let _ = b
        .handle
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;

    // 3. The TCP connection dies without any SSH goodbye: dropped.
    let mut c = ssh_shell(addr, "admin").await.unwrap();
    c.read_until("sw1#").await;
    c.raw.shutdown(std::net::Shutdown::Both).unwrap();

    let s = lab.wait_until_idle(T).await;
    let d = s.devices["sw1"];
    assert_eq!(d.sessions_opened, 3, "{s:?}");
    assert_eq!(d.sessions_closed_gracefully, 2, "{s:?}");
    assert_eq!(d.sessions_dropped, 1, "{s:?}");
    assert_eq!(s.sessions_open, 0);
    drop((a, b, c));
    let s = lab.shutdown(T).await;
    assert_eq!(s.sessions_opened, 3);
}

async fn telnet_login(addr: SocketAddr, password: &str) -> (TcpStream, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let got = read_until(&mut s, "Username: ").await;
    assert!(got.starts_with("\u{fffd}") || got.contains("User Access Verification"));
    s.write_all(b"admin\r\n").await.unwrap();
    read_until(&mut s, "Password: ").await;
    s.write_all(format!("{password}\r\n").as_bytes())
        .await
        .unwrap();
    let banner = read_until(&mut s, "#").await;
    (s, banner)
}

async fn read_until(s: &mut TcpStream, needle: &str) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + T;
    while !String::from_utf8_lossy(&got).contains(needle) {
        let n = tokio::time::timeout_at(deadline.into(), s.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {needle:?}"))
            .unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn telnet_logs_in_and_counts_exit_and_drop() {
    let lab = lab("127.31.1", "").await;
    let addr = lab.telnet_addr("nx1").unwrap();
    let (mut s, banner) = telnet_login(addr, "admin").await;
    assert!(banner.contains("Cisco NX-OS Software"));
    s.write_all(b"show version\r\n").await.unwrap();
    // Paging is on until disabled.
    let page = read_until(&mut s, "--More--").await;
    assert!(page.contains("Cisco Nexus Operating System"));
    s.write_all(b"q").await.unwrap();
    read_until(&mut s, "nx1#").await;
    s.write_all(b"exit\r\n").await.unwrap();
    // The device closes the connection after exit: read_to_end reaches EOF.
    let mut rest = Vec::new();
    tokio::time::timeout(T, s.read_to_end(&mut rest))
        .await
        .expect("device closes after exit")
        .unwrap();

    let (s2, _) = telnet_login(addr, "admin").await;
    drop(s2);

    let st = lab.wait_until_idle(T).await.devices["nx1"];
    assert_eq!(
        (
            st.sessions_opened,
            st.sessions_closed_gracefully,
            st.sessions_dropped
        ),
        (2, 1, 1)
    );
    lab.shutdown(T).await;
}

#[tokio::test]
async fn wrong_password_fails_auth_on_both_transports() {
    let lab = lab("127.31.2", &faulty("127.31.2", "auth_fail")).await;
    let err = ssh_shell(lab.ssh_addr("sw1").unwrap(), "wrong").await.err();
    assert_eq!(err.as_deref(), Some("auth failed"));
    // The fault rejects even the declared credentials.
    let err = ssh_shell(lab.ssh_addr("bad").unwrap(), "admin").await.err();
    assert_eq!(err.as_deref(), Some("auth failed"));
    let mut s = TcpStream::connect(lab.telnet_addr("bad").unwrap())
        .await
        .unwrap();
    read_until(&mut s, "Username: ").await;
    s.write_all(b"admin\r\n").await.unwrap();
    read_until(&mut s, "Password: ").await;
    s.write_all(b"admin\r\n").await.unwrap();
    let out = read_until(&mut s, "Username: ").await;
    assert!(out.contains("% Authentication failed"));
    drop(s);
    let st = lab.wait_until_idle(T).await;
    assert_eq!(st.sessions_open, 0);
    lab.shutdown(T).await;
}

#[tokio::test]
async fn refusing_devices_refuse_and_telnet_only_serves_telnet() {
    let extra = format!(
        "{}\n{}",
        faulty("127.31.3", "refuse_all"),
        faulty("127.31.3", "telnet_only")
            .replace("\"bad\"", "\"tonly\"")
            .replace("127.31.3.3", "127.31.3.4")
    );
    let lab = lab("127.31.3", &extra).await;
    assert!(lab.ssh_addr("bad").is_none() && lab.telnet_addr("bad").is_none());
    assert!(lab.ssh_addr("tonly").is_none());
    let addr = lab.telnet_addr("tonly").unwrap();
    let (mut s, _) = telnet_login(addr, "admin").await;
    s.write_all(b"exit\r\n").await.unwrap();
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(T, s.read_to_end(&mut rest)).await;
    // Nothing listens on the refusing device's address.
    let err = TcpStream::connect(("127.31.3.3", 22)).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    lab.shutdown(T).await;
}

#[tokio::test]
async fn silent_devices_hold_the_connection_and_are_counted_when_dropped() {
    let extra = format!(
        "{}\n{}",
        faulty("127.31.4", "no_banner"),
        faulty("127.31.4", "no_prompt")
            .replace("\"bad\"", "\"noprompt\"")
            .replace("127.31.4.3", "127.31.4.4")
    );
    let lab = lab("127.31.4", &extra).await;
    // no_banner: TCP accepted, not one byte of SSH identification.
    let mut s = TcpStream::connect(lab.ssh_addr("bad").unwrap())
        .await
        .unwrap();
    assert!(lab.wait_until_open(1, T).await, "lab never accepted");
    let mut buf = [0u8; 64];
    let r = tokio::time::timeout(Duration::from_millis(300), s.read(&mut buf)).await;
    assert!(r.is_err(), "no_banner device must stay silent");
    drop(s);

    // no_prompt: authenticates, then never prompts.
    let mut sh = ssh_shell(lab.ssh_addr("noprompt").unwrap(), "admin")
        .await
        .unwrap();
    let r = tokio::time::timeout(Duration::from_millis(300), sh.read_until("noprompt#")).await;
    assert!(r.is_err(), "no_prompt device must not prompt");
    sh.raw.shutdown(std::net::Shutdown::Both).unwrap();

    let st = lab.wait_until_idle(T).await;
    assert_eq!(st.devices["bad"].sessions_dropped, 1);
    assert_eq!(st.devices["noprompt"].sessions_dropped, 1);
    assert_eq!(st.sessions_open, 0);
    lab.shutdown(T).await;
}

#[tokio::test]
async fn output_faults_truncate_drop_and_trickle() {
    let extra = format!(
        "{}\n{}\n{}",
        faulty("127.31.5", "drop_mid_command"),
        faulty("127.31.5", "slow_output")
            .replace("\"bad\"", "\"slow\"")
            .replace("127.31.5.3", "127.31.5.4"),
        faulty("127.31.5", "stop_mid_output")
            .replace("\"bad\"", "\"stop\"")
            .replace("127.31.5.3", "127.31.5.5"),
    );
    let lab = lab("127.31.5", &extra).await;

    let mut d = ssh_shell(lab.ssh_addr("bad").unwrap(), "admin")
        .await
        .unwrap();
    d.read_until("bad#").await;
    d.send("terminal length 0\n").await;
    d.read_until("bad#").await;
    d.send("show version\n").await;
    let out = d.read_until("never-printed").await;
    assert!(out.contains("Cisco IOS Software") && !out.contains("Configuration register"));

    let mut s = ssh_shell(lab.ssh_addr("slow").unwrap(), "admin")
        .await
        .unwrap();
    s.read_until("slow#").await;
    s.send("terminal length 0\n").await;
    s.read_until("slow#").await;
    let t0 = Instant::now();
    s.send("show version\n").await;
    let out = s.read_until("Configuration register is 0xF").await;
    // 64-byte chunks 5 ms apart: a ~4 KB output takes well over 100 ms.
    assert!(
        t0.elapsed() > Duration::from_millis(100),
        "{:?}",
        t0.elapsed()
    );
    assert!(out.contains("Cisco IOS Software"));
    s.send("exit\n").await;
    while s.channel.wait().await.is_some() {}

    let mut st = ssh_shell(lab.ssh_addr("stop").unwrap(), "admin")
        .await
        .unwrap();
    st.read_until("stop#").await;
    st.send("terminal length 0\n").await;
    st.read_until("stop#").await;
    st.send("show version\n").await;
    let r = tokio::time::timeout(Duration::from_millis(500), st.read_until("stop#")).await;
    assert!(r.is_err(), "stop_mid_output must never finish");
    st.raw.shutdown(std::net::Shutdown::Both).unwrap();

    let stats = lab.wait_until_idle(T).await;
    assert_eq!(stats.sessions_open, 0, "{stats:?}");
    assert_eq!(stats.devices["bad"].sessions_dropped, 1);
    assert_eq!(stats.devices["stop"].sessions_dropped, 1);
    lab.shutdown(T).await;
}

#[tokio::test]
async fn shutdown_is_bounded_with_sessions_still_open() {
    let lab = lab("127.31.6", &faulty("127.31.6", "no_banner")).await;
    let mut held = ssh_shell(lab.ssh_addr("sw1").unwrap(), "admin")
        .await
        .unwrap();
    held.read_until("sw1#").await;
    let _silent = TcpStream::connect(lab.ssh_addr("bad").unwrap())
        .await
        .unwrap();
    // connect() returns once the kernel queued the connection; shut down only
    // after the lab has accepted and counted it.
    assert!(lab.wait_until_open(2, T).await, "{:?}", lab.stats());
    let t0 = Instant::now();
    let s = lab.shutdown(Duration::from_secs(2)).await;
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    assert_eq!(s.sessions_open, 0, "{s:?}");
    assert_eq!(s.sessions_dropped, 2);
}

#[tokio::test]
async fn generated_thousand_device_lab_serves_every_reachable_device() {
    let topo = netsim::generate(&netsim::GenerateOptions {
        devices: 1000,
        seed: 11,
        faults: true,
        base_ip: "127.40.0.1".parse().unwrap(),
        ..Default::default()
    });
    let truth = netsim::truth(&topo);
    let lab = Lab::start(
        topo,
        LabConfig {
            ssh_port: 0,
            telnet_port: 0,
            ..LabConfig::default()
        },
    )
    .await
    .unwrap();
    let served = truth.devices.iter().filter(|d| d.reachable).count();
    assert!(served > 600, "{served}");
    for d in truth.devices.iter().filter(|d| d.reachable) {
        let a = lab.addrs(&d.hostname).unwrap();
        assert!(a.ssh.is_some() || a.telnet.is_some(), "{}", d.hostname);
    }
    // Spot-check one real login on the campus.
    let core = lab.ssh_addr("core1").unwrap();
    let mut sh = ssh_shell(core, "admin").await.unwrap();
    sh.read_until("core1#").await;
    sh.send("exit\n").await;
    while sh.channel.wait().await.is_some() {}
    let s = lab.shutdown(T).await;
    assert_eq!(s.sessions_open, 0);
    assert_eq!(s.devices["core1"].sessions_opened, 1);
}

/// One SSH and one telnet listener for every device: each connection
/// reaches the device whose address it dialled, one to an address that is
/// no device (or to a device that does not serve the transport) is closed
/// at once and not counted, and the books balance.
#[tokio::test]
async fn shared_listeners_route_by_the_dialled_address() {
    let lab = Lab::start(
        topology("127.32.0", &faulty("127.32.0", "telnet_only")),
        LabConfig {
            ssh_port: 0,
            telnet_port: 0,
            listen: netsim::Listen::Shared,
            ..LabConfig::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(lab.listener_count(), 2);
    let shared = lab.shared_addrs().unwrap();
    let port = shared.ssh.unwrap().port();
    let sw1 = lab.ssh_addr("sw1").unwrap();
    let nx1 = lab.ssh_addr("nx1").unwrap();
    assert_eq!(sw1, SocketAddr::from(([127, 32, 0, 1], port)));
    assert_eq!(nx1, SocketAddr::from(([127, 32, 0, 2], port)));
    assert_eq!(lab.ssh_addr("bad"), None);

    for (addr, prompt) in [(sw1, "sw1#"), (nx1, "nx1#")] {
        let mut sh = ssh_shell(addr, "admin").await.unwrap();
        sh.read_until(prompt).await;
        sh.send("exit\n").await;
        while sh.channel.wait().await.is_some() {}
    }
    let (mut t, _) = telnet_login(lab.telnet_addr("sw1").unwrap(), "admin").await;
    t.write_all(b"exit\r\n").await.unwrap();
    read_until(&mut t, "\u{0}never").await; // to EOF

    let not_a_device = SocketAddr::from(([127, 0, 0, 1], port));
    let bad_on_ssh = SocketAddr::from(([127, 32, 0, 3], port));
    for addr in [not_a_device, bad_on_ssh] {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let mut buf = [0u8; 64];
        let n = tokio::time::timeout(T, s.read(&mut buf)).await;
        assert!(
            matches!(n, Ok(Ok(0)) | Ok(Err(_))),
            "{addr}: not closed at once: {n:?}"
        );
    }

    let s = lab.wait_until_idle(T).await;
    assert_eq!(s.sessions_open, 0, "{s:?}");
    assert_eq!(s.devices["sw1"].sessions_opened, 2, "{s:?}");
    assert_eq!(s.devices["nx1"].sessions_opened, 1, "{s:?}");
    assert_eq!(s.devices["bad"].sessions_opened, 0, "{s:?}");
    assert_eq!(s.sessions_closed_gracefully, 3, "{s:?}");
    let s = lab.shutdown(T).await;
    assert_eq!((s.sessions_opened, s.sessions_open), (3, 0));
}
