//! Transport choice over real loopback sockets: a connect that times out
//! (a listener whose accept queue is full drops our SYN) allows telnet; the
//! fake device then logs us in over telnet.

mod common;

use common::{Fake, Style};
use device_session::{
    Credentials, OpenOptions, Registry, SessionError, Step, Target, Timeouts, TransportKind,
    Transports,
};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// A listener that never accepts, with its accept queue filled so that
/// further connects hang in SYN-SENT.
async fn black_hole() -> (TcpListener, Vec<TcpStream>, std::net::SocketAddr) {
    let sock = TcpSocket::new_v4().unwrap();
    sock.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = sock.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    // Fill the queue; stop once a connect no longer completes at once.
    for _ in 0..8 {
        match tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr)).await {
            Ok(Ok(s)) => fillers.push(s),
            _ => break,
        }
    }
    (listener, fillers, addr)
}

async fn telnet_device(fake: Fake) -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            tokio::spawn(fake.clone().serve(s));
        }
    });
    addr
}

fn login_fake() -> Fake {
    let mut f = Fake::new("tel-sw", Style::Ios);
    f.telnet_login = Some(("admin".into(), "pw-1".into()));
    f
}

#[tokio::test]
async fn connect_timeout_on_ssh_falls_back_to_telnet() {
    let (_l, _fill, ssh) = black_hole().await;
    let telnet = telnet_device(login_fake()).await;
    let reg = Registry::new();
    let t = Target::new("127.0.0.1")
        .ssh_port(ssh.port())
        .telnet_port(telnet.port());
    let opts = OpenOptions {
        timeouts: Timeouts {
            connect: Duration::from_millis(500),
            ..Timeouts::uniform(Duration::from_secs(5))
        },
        ..Default::default()
    };
    let creds = Credentials::password("admin", "pw-1");

    // SSH only: the connect deadline is the error.
    let ssh_only = OpenOptions {
        transports: Transports::SshOnly,
        ..opts.clone()
    };
    let started = Instant::now();
    let e = reg.open(&t, &creds, &ssh_only).await.unwrap_err();
    assert!(
        matches!(
            e,
            SessionError::Timeout {
                step: Step::Connect,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );

    // Auto: telnet after the SSH connect timed out.
    let mut s = reg
        .open(&t, &creds, &opts)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.info().transport, TransportKind::Telnet);
    assert_eq!(s.info().addr, telnet);
    assert_eq!(s.info().prompt, "tel-sw#");
    let out = s.run("show version").await.unwrap();
    assert!(out.text.starts_with("Cisco IOS Software"), "{:?}", out.text);
    s.close().await.unwrap();

    // A wrong password over telnet is an authentication failure.
    let wrong = Credentials::password("admin", "nope");
    let e = reg.open(&t, &wrong, &opts).await.unwrap_err();
    assert!(matches!(e, SessionError::AuthFailed { .. }), "{e}");
    let c = reg.counters();
    assert_eq!(
        (c.opened, c.closed_gracefully, c.failed_opens, c.open_now),
        (1, 1, 2, 0)
    );
}
