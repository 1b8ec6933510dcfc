//! `netwalker serve`'s safety: device strings are escaped on every page,
//! the server refuses non-loopback addresses while the store has no
//! users, responses forbid scripts, and a stop is bounded by the grace.
#![cfg(feature = "serve")]

#[path = "common/serve_fixture.rs"]
mod fixture;

use axum::http::StatusCode;
use device_parsers::Platform;
use fixture::*;
use netwalker::model::*;
use netwalker::serve::{
    AuthPolicy, ServeError, ServeOptions, Stopped, check_listen, effective_policy, serve,
};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const HOSTILE: &str = "<script>alert(1)</script>";
const HOSTILE_PORT: &str = "<img src=x onerror=alert(2)>Gi1/0/1";
const HOSTILE_NEIGHBOUR: &str = "\"><script>alert(3)</script>";

/// A store whose devices say hostile things everywhere they can.
fn hostile_store(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("hostile.db");
    let mut w = writer(&path);
    let mut d = walked(1, HOSTILE, "10.9.0.1", Platform::CiscoIos);
    d.model = Some("<b>model</b>".into());
    d.version = Some("15.2<script>alert(4)</script>".into());
    d.serial = Some("'onmouseover='alert(5)".into());
    d.warnings = vec!["<script>alert(6)</script>".into()];
    d.aliases.insert("<script>alert(7)</script>".into());
    let mut n = Device::new(DeviceId(2), HOSTILE_NEIGHBOUR, DeviceStatus::Failed);
    n.reason = Some("<script>alert(8)</script>".into());
    let mut r = DeviceResult::bare(d);
    let mut i = iface(HOSTILE_PORT, "<script>alert(9)</script>");
    i.kind = Some("<svg onload=alert(10)>".into());
    r.interfaces = vec![i];
    r.vlans = vec![Vlan {
        id: 10,
        name: "<script>alert(11)</script>".into(),
        ports: vec![HOSTILE_PORT.into()],
        port_channels: vec![],
    }];
    let mut m = StackMember::new(1);
    m.model = Some("<script>alert(12)</script>".into());
    r.stack_members = vec![m];
    r.neighbors = vec![n];
    r.links = vec![Link::new(
        DeviceId(1),
        HOSTILE_PORT,
        DeviceId(2),
        "<script>alert(13)</script>",
        LinkProtocol::Cdp,
    )];
    w.commit_device(&r).unwrap();
    path
}

fn assert_inert(uri: &str, html: &str) {
    let lower = html.to_lowercase();
    for raw in ["<script", "<img", "<svg", "<b>", "onmouseover='"] {
        assert!(!lower.contains(raw), "{uri}: raw {raw:?} in {html}");
    }
}

#[tokio::test]
async fn device_strings_are_escaped_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(hostile_store(dir.path()));
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let pages = [
        "/".to_string(),
        "/devices?q=script".to_string(),
        format!("/devices/{}", enc(HOSTILE)),
        format!("/devices/{}", enc(HOSTILE_NEIGHBOUR)),
        "/search?q=%3Cscript".to_string(),
        "/search?q=alert".to_string(),
        // Not found: the name comes back in the message, escaped.
        format!("/devices/{}", enc("<script>nope</script>")),
        format!("/search?q={}", enc("<script>x</script>")),
    ];
    for uri in &pages {
        let got = get(&app, uri).await;
        assert!(
            got.status == StatusCode::OK || got.status == StatusCode::NOT_FOUND,
            "{uri}: {}",
            got.status
        );
        assert_inert(uri, &got.body);
    }
    // The strings are there, escaped, not dropped.
    let page = get(&app, &format!("/devices/{}", enc(HOSTILE))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || page.body.contains("&lt;script&gt;alert(1)"),
        "{}",
        page.body
    );
    for n in 4..=13 {
        if n == 5 || n == 7 || n == 8 {
            continue;
        }
        assert!(
            page.body.contains(&format!("alert({n})")),
            "alert({n}) missing: {}",
            page.body
        );
    }
    // Links to the hostile neighbour are percent-encoded in the path.
    assert!(
        page.body.contains(&format!(
            "href=\"/devices/{}\"",
            "%22%3E%3Cscript%3Ealert%283%29%3C%2Fscript%3E"
        )),
        "{}",
        page.body
    );
    // Search redirects to a percent-encoded path, not a raw one.
    let one = get(&app, "/search?q=alert(1)").await;
    assert_eq!(one.status, StatusCode::SEE_OTHER);
    assert_eq!(
        one.location(),
        Some("/devices/%3Cscript%3Ealert%281%29%3C%2Fscript%3E")
    );
}

#[tokio::test]
async fn the_api_carries_device_strings_as_json_strings() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(hostile_store(dir.path()));
    let got = get(&app, "/api/v1/devices").await;
    assert!(
        got.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let v = got.json();
    let names: Vec<&str> = v["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["hostname"].as_str().unwrap())
        .collect();
    assert!(names.contains(&HOSTILE), "{names:?}");
}

#[tokio::test]
async fn responses_forbid_scripts_and_sniffing() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(campus(dir.path()));
    for uri in ["/", "/devices/core1", "/api/v1/devices", "/nothing"] {
        let got = get(&app, uri).await;
        let csp = got.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("script-src"),
            "{uri}: {csp}"
        );
        assert_eq!(got.headers["x-content-type-options"], "nosniff", "{uri}");
    }
}

#[tokio::test]
async fn only_loopback_addresses_are_served_without_users() {
    for addr in [
        "0.0.0.0:8080",
        "[::]:8080",
        "192.168.1.10:8080",
        "10.0.0.1:80",
    ] {
        let err = check_listen(addr.parse().unwrap(), 0).unwrap_err();
        assert!(matches!(err, ServeError::NotLoopback { .. }), "{addr}");
        assert!(err.to_string().contains("netwalker user add"), "{err}");
        check_listen(addr.parse().unwrap(), 1).unwrap();
    }
    for addr in ["127.0.0.1:8080", "127.0.0.2:0", "[::1]:8080"] {
        check_listen(addr.parse().unwrap(), 0).unwrap();
        let a = addr.parse().unwrap();
        assert_eq!(effective_policy(a, AuthPolicy::Auto), AuthPolicy::Auto);
    }
    // Off loopback a login is always asked for, users or not.
    for addr in ["0.0.0.0:8080", "192.168.1.10:8080", "[::]:8080"] {
        let a = addr.parse().unwrap();
        assert_eq!(effective_policy(a, AuthPolicy::Auto), AuthPolicy::Required);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut opts = ServeOptions::new(campus(dir.path()));
    opts.listen = "0.0.0.0:0".parse().unwrap();
    assert!(matches!(
        serve(&opts).await,
        Err(ServeError::NotLoopback { .. })
    ));
}

#[test]
fn the_binary_refuses_a_non_loopback_listen_without_users_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let store = campus(dir.path());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_netwalker"))
        .args(["serve", "--listen", "0.0.0.0:0", "--store"])
        .arg(&store)
        .env("HOME", "/nonexistent")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("netwalker user add") && err.contains("0.0.0.0:0"),
        "{err}"
    );
}

/// One raw HTTP/1.1 exchange with a real socket.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn a_real_server_answers_then_stops_within_its_grace() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = ServeOptions::new(campus(dir.path()));
    opts.listen = "127.0.0.1:0".parse().unwrap();
    opts.grace = Duration::from_millis(300);
    let server = serve(&opts).await.unwrap();
    let addr = server.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run(async {
        let _ = stop_rx.await;
    }));
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        http_get(addr, "/api/v1/devices?limit=1"),
    )
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(&format!("\"total\":{DEVICES}")), "{answer}");
    // A client that never finishes its request must not hold the stop.
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    stalled
        .write_all(b"GET / HTTP/1.1\r\nHost: loc")
        .await
        .unwrap();
    let asked = Instant::now();
    stop_tx.send(()).unwrap();
    let stopped = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("run returned")
        .unwrap()
        .unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "{:?}",
        asked.elapsed()
    );
    assert!(matches!(stopped, Stopped::Graceful | Stopped::GraceExpired));
    // Nothing listens any more.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    drop(stalled);
}
