//! Against peers nobody here wrote. Run by `interop/suites/20-device-session.sh`,
//! which starts the peers and passes their addresses in the environment:
//!
//! - `DS_FAKENOS_IOS`, `DS_FAKENOS_NXOS`: fakenos devices (admin/admin)
//! - `DS_SSHD`: OpenSSH sshd offering only legacy algorithms, with
//!   `DS_USER`, `DS_PASSWORD` and `DS_KEY` (a private key in its authorized_keys)
//! - `DS_SSHD_KBD`: OpenSSH with modern defaults, password via PAM
//!   keyboard-interactive only
//! - `DS_TELNETD`: inetutils telnetd, same user and password
//!
//! A missing variable fails the test: the suite never skips.

use device_platform::Platform;
use device_session::{
    Credentials, HostKeyPolicy, LegacySsh, OpenOptions, Registry, SessionError, Step, Target,
    Timeouts, TransportKind, Transports,
};
use std::net::SocketAddr;
use std::time::Duration;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run this through interop/suites/20-device-session.sh")
    })
}

fn addr(name: &str) -> SocketAddr {
    env(name).parse().unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn ssh_target(a: SocketAddr) -> Target {
    Target::new(a.ip().to_string())
        .ssh_port(a.port())
        .telnet_port(1)
}

fn opts(dir: &tempfile::TempDir) -> OpenOptions {
    OpenOptions {
        host_key_policy: HostKeyPolicy::AcceptNew {
            known_hosts: dir.path().join("known_hosts"),
        },
        timeouts: Timeouts {
            command: Duration::from_secs(20),
            ..Timeouts::uniform(Duration::from_secs(10))
        },
        ..Default::default()
    }
}

async fn fakenos(var: &str, platform: fn(Platform) -> bool) {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::new();
    let creds = Credentials::password("admin", "admin");
    let o = OpenOptions {
        transports: Transports::SshOnly,
        ..opts(&dir)
    };
    let mut s = reg
        .open(&ssh_target(addr(var)), &creds, &o)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(s.platform().is_some_and(platform), "{:?}", s.info());
    let out = s.run("show version").await.unwrap();
    assert!(!out.rejected, "{:?}", out.text);
    assert!(out.text.contains("Cisco"), "{:?}", out.text);
    assert!(
        !out.text.contains(&s.info().prompt),
        "prompt left in output: {:?}",
        out.text
    );
    let bad = s.run("show no-such-thing-here").await.unwrap();
    assert!(bad.rejected, "{:?}", bad.text);
    let outs = s.run_all(["show clock", "show version"]).await.unwrap();
    assert_eq!(outs[1].text, out.text, "same command, same output");
    s.close().await.unwrap_or_else(|e| panic!("close: {e}"));
    let c = reg.counters();
    assert_eq!((c.opened, c.closed_gracefully, c.open_now), (1, 1, 0));
}

#[tokio::test]
#[ignore = "interop"]
async fn fakenos_cisco_ios() {
    // fakenos' "cisco_ios" prints an IOS-XE `show version`: either is right.
    fakenos("DS_FAKENOS_IOS", Platform::is_ios_family).await;
}

#[tokio::test]
#[ignore = "interop"]
async fn fakenos_cisco_nxos() {
    fakenos("DS_FAKENOS_NXOS", |p| p == Platform::CiscoNxos).await;
}

#[tokio::test]
#[ignore = "interop"]
async fn openssh_legacy_only_needs_the_legacy_option() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::new();
    let t = ssh_target(addr("DS_SSHD"));
    let creds = Credentials::password(env("DS_USER"), env("DS_PASSWORD"));
    let modern = OpenOptions {
        transports: Transports::SshOnly,
        legacy_ssh: LegacySsh::Off,
        ..opts(&dir)
    };
    let e = reg.open(&t, &creds, &modern).await.unwrap_err();
    assert!(
        matches!(
            e,
            SessionError::LegacySshRequired { .. }
                | SessionError::Protocol {
                    step: Step::Banner,
                    ..
                }
                | SessionError::Closed {
                    step: Step::Banner,
                    ..
                }
        ),
        "{e}"
    );

    let legacy = OpenOptions {
        legacy_ssh: LegacySsh::On,
        ..modern.clone()
    };
    let mut s = reg
        .open(&t, &creds, &legacy)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.platform(), Some(Platform::Linux));
    let out = s.run("echo interop-$((6*7))").await.unwrap();
    assert_eq!(out.text.trim(), "interop-42", "{:?}", out.text);
    let bad = s.run("no-such-command-here").await.unwrap();
    assert!(bad.rejected, "{:?}", bad.text);
    let long = s.run("seq 1 3000").await.unwrap();
    assert_eq!(long.text.lines().count(), 3000);
    assert_eq!(long.text.lines().last(), Some("3000"));
    s.close().await.unwrap_or_else(|e| panic!("close: {e}"));

    // Key authentication (no password at all).
    let key_creds = Credentials {
        password: None,
        ..Credentials::password(env("DS_USER"), "unused")
    }
    .with_key_file(env("DS_KEY"));
    let s = reg
        .open(&t, &key_creds, &legacy)
        .await
        .unwrap_or_else(|e| panic!("key auth: {e}"));
    s.close().await.unwrap();

    // A wrong password is AuthFailed, and with fallback on it must not try telnet.
    let wrong = Credentials::password(env("DS_USER"), "wrong-password");
    let auto = OpenOptions {
        transports: Transports::Auto,
        ..legacy
    };
    let e = reg.open(&t, &wrong, &auto).await.unwrap_err();
    assert!(matches!(e, SessionError::AuthFailed { .. }), "{e}");
    assert!(!e.to_string().contains("wrong-password"));
    let c = reg.counters();
    assert_eq!(
        (c.opened, c.closed_gracefully, c.open_now, c.failed_opens),
        (2, 2, 0, 2)
    );
}

#[tokio::test]
#[ignore = "interop"]
async fn inetutils_telnetd() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::new();
    let a = addr("DS_TELNETD");
    let t = Target::new(a.ip().to_string())
        .telnet_port(a.port())
        .ssh_port(1);
    let creds = Credentials::password(env("DS_USER"), env("DS_PASSWORD"));
    // SSH is refused on port 1, so Auto falls back to telnet.
    let mut s = reg
        .open(&t, &creds, &opts(&dir))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.info().transport, TransportKind::Telnet);
    assert_eq!(s.platform(), Some(Platform::Linux));
    let out = s.run("echo telnet-$((6*7))").await.unwrap();
    assert_eq!(out.text.trim(), "telnet-42", "{:?}", out.text);
    let long = s.run("seq 1 2000").await.unwrap();
    assert_eq!(long.text.lines().count(), 2000);
    s.close().await.unwrap_or_else(|e| panic!("close: {e}"));

    let wrong = Credentials::password(env("DS_USER"), "wrong-password");
    let e = reg.open(&t, &wrong, &opts(&dir)).await.unwrap_err();
    assert!(matches!(e, SessionError::AuthFailed { .. }), "{e}");
    let c = reg.counters();
    assert_eq!((c.opened, c.closed_gracefully, c.open_now), (1, 1, 0));
}

#[tokio::test]
#[ignore = "interop"]
async fn openssh_keyboard_interactive_only() {
    // sshd with PasswordAuthentication no and PAM keyboard-interactive, as
    // some AAA-backed devices are: the password goes through the prompts.
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::new();
    let t = ssh_target(addr("DS_SSHD_KBD"));
    let creds = Credentials::password(env("DS_USER"), env("DS_PASSWORD"));
    let o = OpenOptions {
        transports: Transports::SshOnly,
        ..opts(&dir)
    };
    let mut s = reg
        .open(&t, &creds, &o)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let out = s.run("echo kbd-$((6*7))").await.unwrap();
    assert_eq!(out.text.trim(), "kbd-42", "{:?}", out.text);
    s.close().await.unwrap_or_else(|e| panic!("close: {e}"));
    let wrong = Credentials::password(env("DS_USER"), "wrong-password");
    let e = reg.open(&t, &wrong, &o).await.unwrap_err();
    assert!(matches!(e, SessionError::AuthFailed { .. }), "{e}");
}
