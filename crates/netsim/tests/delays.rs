//! A served device with delays answers no sooner than its delays say, over
//! telnet and SSH, while a device without delays in the same lab answers
//! at once. Only lower bounds are timed (a loaded machine makes things
//! slower, never faster); "at once" is an ordering against a delay of
//! seconds.

use netsim::{Lab, LabConfig, Topology};
use russh::client;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const T: Duration = Duration::from_secs(20);
const RTT: Duration = Duration::from_millis(100);
const HANDSHAKE: Duration = Duration::from_millis(300);
const COMMAND: Duration = Duration::from_millis(1500);

/// `slow` has every delay; `fast` has none.
async fn lab(base: &str) -> Lab {
    let topo = Topology::from_toml_str(&format!(
        r#"
[[device]]
hostname = "slow"
platform = "cisco_ios"
mgmt_ip = "{base}.1"
serial = "FOC1"
model = "WS-C2960X-48FPD-L"
version = "15.2(7)E4"

[device.delays]
rtt_ms = {rtt}
handshake_ms = {handshake}
command_ms = [{command}, {command}]

[[device]]
hostname = "fast"
platform = "cisco_nxos"
mgmt_ip = "{base}.2"
serial = "SAL1"
model = "C9396PX"
version = "9.3(9)"

[[link]]
a = "slow"
a_interface = "GigabitEthernet1/0/1"
b = "fast"
b_interface = "Ethernet1/1"
"#,
        rtt = RTT.as_millis(),
        handshake = HANDSHAKE.as_millis(),
        command = COMMAND.as_millis(),
    ))
    .unwrap();
    let config = LabConfig {
        ssh_port: 0,
        telnet_port: 0,
        ..LabConfig::default()
    };
    Lab::start(topo, config).await.unwrap()
}

async fn read_until(s: &mut TcpStream, needle: &str) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains(needle) {
        let n = tokio::time::timeout(T, s.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {needle:?}"))
            .unwrap();
        assert!(n > 0, "connection closed before {needle:?}");
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Logs in over telnet; returns the socket at the prompt.
async fn telnet_login(addr: SocketAddr, prompt: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    read_until(&mut s, "Username: ").await;
    s.write_all(b"admin\r\n").await.unwrap();
    read_until(&mut s, "Password: ").await;
    s.write_all(b"admin\r\n").await.unwrap();
    read_until(&mut s, prompt).await;
    s
}

#[tokio::test]
async fn telnet_waits_for_handshake_rtt_and_command_and_only_on_the_slow_device() {
    let lab = lab("127.33.0").await;
    let slow = lab.telnet_addr("slow").unwrap();
    let fast = lab.telnet_addr("fast").unwrap();

    let started = Instant::now();
    let mut s = TcpStream::connect(slow).await.unwrap();
    read_until(&mut s, "Username: ").await;
    assert!(
        started.elapsed() >= RTT + HANDSHAKE,
        "{:?}",
        started.elapsed()
    );
    let sent = Instant::now();
    s.write_all(b"admin\r\n").await.unwrap();
    read_until(&mut s, "Password: ").await;
    assert!(sent.elapsed() >= RTT, "a reply is one round trip away");
    s.write_all(b"admin\r\n").await.unwrap();
    read_until(&mut s, "slow#").await;

    let asked = Instant::now();
    s.write_all(b"show clock\r\n").await.unwrap();
    // Meanwhile the fast device logs in and answers in full.
    let mut f = telnet_login(fast, "fast#").await;
    f.write_all(b"show clock\r\n").await.unwrap();
    let out = read_until(&mut f, "fast#").await;
    let fast_done = Instant::now();
    assert!(out.contains("UTC"), "{out}");

    let answer = read_until(&mut s, "slow#").await;
    let slow_done = Instant::now();
    assert!(answer.contains("2026"), "{answer}");
    assert!(
        slow_done - asked >= RTT + COMMAND,
        "{:?}",
        slow_done - asked
    );
    assert!(
        fast_done < slow_done,
        "the device without delays finished while the slow one was still thinking"
    );
    drop((s, f));
    lab.shutdown(T).await;
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

/// An SSH session and its shell on `addr`, read up to `prompt`.
type Shell = (client::Handle<AcceptAll>, russh::Channel<client::Msg>);

async fn ssh_shell(addr: SocketAddr, prompt: &str) -> Shell {
    let cfg = Arc::new(client::Config::default());
    let mut handle = tokio::time::timeout(T, client::connect(cfg, addr, AcceptAll))
        .await
        .expect("connect in time")
        .unwrap();
    let auth = handle
        .authenticate_password("admin", "admin")
        .await
        .unwrap();
    assert!(auth.success());
    let mut ch = handle.channel_open_session().await.unwrap();
    ch.request_pty(false, "vt100", 200, 24, 0, 0, &[])
        .await
        .unwrap();
    ch.request_shell(false).await.unwrap();
    ssh_read_until(&mut ch, prompt).await;
    (handle, ch)
}

async fn ssh_read_until(ch: &mut russh::Channel<client::Msg>, needle: &str) -> String {
    let mut got = String::new();
    while !got.contains(needle) {
        match tokio::time::timeout(T, ch.wait())
            .await
            .expect("answer in time")
        {
            Some(russh::ChannelMsg::Data { data }) => got.push_str(&String::from_utf8_lossy(&data)),
            Some(_) => {}
            None => panic!("session ended before {needle:?}: {got:?}"),
        }
    }
    got
}

#[tokio::test]
async fn ssh_waits_for_handshake_rtt_and_command_and_only_on_the_slow_device() {
    let lab = lab("127.33.1").await;
    let started = Instant::now();
    let (_slow_session, mut slow) = ssh_shell(lab.ssh_addr("slow").unwrap(), "slow#").await;
    // The handshake delay, then several round trips: key exchange,
    // authentication, channel, pty, shell.
    assert!(
        started.elapsed() >= HANDSHAKE + RTT * 4,
        "{:?}",
        started.elapsed()
    );

    let asked = Instant::now();
    slow.data(&b"show clock\n"[..]).await.unwrap();
    let (_fast_session, mut fast) = ssh_shell(lab.ssh_addr("fast").unwrap(), "fast#").await;
    fast.data(&b"show clock\n"[..]).await.unwrap();
    ssh_read_until(&mut fast, "UTC").await;
    let fast_done = Instant::now();

    let answer = ssh_read_until(&mut slow, "UTC").await;
    let slow_done = Instant::now();
    assert!(answer.contains("2026"), "{answer}");
    assert!(
        slow_done - asked >= RTT + COMMAND,
        "{:?}",
        slow_done - asked
    );
    assert!(fast_done < slow_done);
    lab.shutdown(T).await;
}
