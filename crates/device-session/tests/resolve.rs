//! A target given as a name is resolved within the connect deadline, on a
//! thread the runtime does not wait for: a name server that never answers
//! can neither hold an open past its deadline nor the program's exit.

use device_session::{
    Credentials, Lookup, OpenOptions, Registry, Resolver, SessionError, Step, Target, Timeouts,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CONNECT: Duration = Duration::from_millis(300);

/// A lookup that blocks until the returned sender is dropped, like
/// getaddrinfo waiting on a name server that never answers.
fn stuck() -> (Arc<Lookup>, std::sync::mpsc::Sender<()>) {
    let (hold, wait) = std::sync::mpsc::channel::<()>();
    let wait = Mutex::new(wait);
    let lookup: Arc<Lookup> = Arc::new(move |_, _| {
        let _ = wait.lock().map(|w| w.recv());
        Ok(vec![])
    });
    (lookup, hold)
}

fn options() -> OpenOptions {
    OpenOptions {
        timeouts: Timeouts {
            connect: CONNECT,
            ..Timeouts::uniform(Duration::from_secs(5))
        },
        ..Default::default()
    }
}

fn creds() -> Credentials {
    Credentials::password("admin", "pw-1")
}

/// The connect-step timeout about `host`, or a panic naming what came instead.
fn assert_resolve_timeout(e: &SessionError, host: &str) {
    match e {
        SessionError::Timeout {
            device,
            step: Step::Connect,
            after,
        } => {
            assert_eq!(device.host, host);
            assert_eq!(*after, CONNECT);
        }
        other => panic!("expected a connect timeout, got {other}"),
    }
    assert!(e.to_string().contains(host), "{e}");
}

#[tokio::test]
async fn open_fails_by_its_deadline_when_the_lookup_never_returns() {
    let (lookup, hold) = stuck();
    let reg = Registry::with_resolver(Resolver::with_lookup(lookup, 4));
    let started = Instant::now();
    let e = reg
        .open(&Target::new("stuck.invalid"), &creds(), &options())
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_resolve_timeout(&e, "stuck.invalid");
    assert!(took < CONNECT + Duration::from_secs(1), "took {took:?}");
    assert_eq!(reg.counters().failed_opens, 1);
    let report = reg.shutdown(Duration::from_secs(1)).await;
    assert_eq!(report.still_open, 0);
    drop(hold);
}

#[test]
fn a_stuck_lookup_does_not_hold_the_runtime_exit() {
    let (lookup, hold) = stuck();
    // Releases the lookup at the latest 5 s from now, so that a regression
    // (a lookup on tokio's blocking pool) fails below instead of hanging.
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(5)); // sleep-ok: the watchdog's bound
        drop(hold);
    });
    let rt = tokio::runtime::Runtime::new().unwrap();
    let reg = Registry::with_resolver(Resolver::with_lookup(lookup, 4));
    let e = rt
        .block_on(reg.open(&Target::new("hung.invalid"), &creds(), &options()))
        .unwrap_err();
    assert_resolve_timeout(&e, "hung.invalid");
    let started = Instant::now();
    drop(reg);
    drop(rt);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "the runtime's shutdown waited {took:?} for a stuck lookup"
    );
}

#[tokio::test]
async fn opens_by_a_name_that_resolves_connect_to_its_address() {
    // A name the lookup maps to a loopback port nobody listens on: the error
    // is about that address, so the name was resolved and used.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let lookup: Arc<Lookup> =
        Arc::new(|_, port| Ok(vec![std::net::SocketAddr::from(([127, 0, 0, 1], port))]));
    let reg = Registry::with_resolver(Resolver::with_lookup(lookup, 1));
    let opts = OpenOptions {
        transports: device_session::Transports::SshOnly,
        ..options()
    };
    let e = reg
        .open(&Target::new("sw1.lab").ssh_port(port), &creds(), &opts)
        .await
        .unwrap_err();
    match e {
        SessionError::Refused { device } => {
            assert_eq!(device.host, "sw1.lab");
            assert_eq!(device.addr.map(|a| a.port()), Some(port));
        }
        other => panic!("expected refused, got {other}"),
    }
}
