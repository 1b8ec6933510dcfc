//! Walks started through `netwalker serve` (the Runs page's form, a
//! device's "walk again", `POST /api/v1/runs`) against a netsim campus:
//! the walk runs through the same engine into the served store, its live
//! state is followed to the end, one walk at a time, requests from other
//! sites are refused, and nothing is left open.
#![cfg(feature = "serve")]

#[path = "common/serve_fixture.rs"]
mod fixture;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use fixture::{Got, get, send};
use netsim::{GenerateOptions, Lab, LabConfig};
use netwalker::config::{Config, Credential, HostKeyPolicySetting};
use netwalker::run::WalkLauncher;
use netwalker::serve::{ServeOptions, router};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// A free TCP port on `ip` right now.
fn free_port(ip: Ipv4Addr) -> u16 {
    std::net::TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Campus {
    lab: Lab,
    app: axum::Router,
    /// The options `app` was built from (a test serves them on a socket).
    opts: ServeOptions,
    _dir: tempfile::TempDir,
}

/// A `devices`-device campus on `base` (each SSH handshake `handshake_ms`
/// slow), and a server over a fresh store that can walk it.
async fn campus(devices: usize, base: &str, handshake_ms: u32) -> Campus {
    let base: Ipv4Addr = base.parse().unwrap();
    let mut topo = netsim::generate(&GenerateOptions {
        devices,
        seed: 3,
        faults: false,
        base_ip: base,
        ..GenerateOptions::default()
    });
    topo.delays = Some(netsim::Delays {
        handshake_ms,
        ..netsim::Delays::default()
    });
    let (ssh, telnet) = (free_port(base), free_port(base));
    let lab = Lab::start(
        topo,
        LabConfig {
            ssh_port: ssh,
            telnet_port: telnet,
            ..LabConfig::default()
        },
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("inv.sqlite");
    // The store exists (empty) before the server reads it.
    drop(netwalker::store::StoreWriter::open(&store).unwrap());
    let settings = Config {
        port: Some(ssh),
        telnet_port: Some(telnet),
        concurrency: Some(16),
        store: Some(store.clone().into()),
        out: Some(dir.path().join("out")),
        host_key_policy: Some(HostKeyPolicySetting::AcceptNew),
        known_hosts: Some(dir.path().join("known_hosts")),
        ..Config::default()
    }
    .resolve()
    .unwrap();
    let creds = vec![Credential {
        label: "lab".into(),
        username: "admin".into(),
        password: Some("admin".to_string().into()),
        enable: Some("admin".to_string().into()),
        scope: Vec::new(),
    }];
    let opts = ServeOptions {
        walks: Some(WalkLauncher::new(settings, creds)),
        listen: "127.0.0.1:0".parse().unwrap(),
        ..ServeOptions::new(&store)
    };
    Campus {
        lab,
        app: router(&opts).unwrap(),
        opts,
        _dir: dir,
    }
}

async fn post(
    app: &axum::Router,
    uri: &str,
    content_type: &str,
    body: &str,
    origin: Option<&str>,
) -> Got {
    post_with(app, uri, content_type, body, origin, None).await
}

async fn post_with(
    app: &axum::Router,
    uri: &str,
    content_type: &str,
    body: &str,
    origin: Option<&str>,
    cookie: Option<&str>,
) -> Got {
    let mut req = Request::post(uri)
        .header("content-type", content_type)
        .header("host", "127.0.0.1:8080");
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    send(app, req.body(Body::from(body.to_string())).unwrap()).await
}

/// The Runs page's form token and the pre-session cookie it is bound to,
/// as a browser gets them.
async fn form_token(app: &axum::Router) -> (String, String) {
    let page = get(app, "/runs").await;
    let cookie = page
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|c| c.starts_with("nw_pre="))
        .expect("a pre-session cookie")
        .to_string();
    let token = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the form's csrf field")
        .to_string();
    (cookie, token)
}

/// A form POST as the page's browser sends it: its cookie and token.
async fn post_form(app: &axum::Router, uri: &str, fields: &str, origin: Option<&str>) -> Got {
    let (cookie, token) = form_token(app).await;
    let body = if fields.is_empty() {
        format!("csrf={token}")
    } else {
        format!("{fields}&csrf={token}")
    };
    let form = "application/x-www-form-urlencoded";
    post_with(app, uri, form, &body, origin, Some(&cookie)).await
}

/// Polls the live state until the walk ends (within 60 s).
async fn until_ended(app: &axum::Router) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let v = get(app, "/api/v1/runs/live").await.json();
        if v["end"].is_object() {
            return v;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "walk still running: {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await; // sleep-ok: polling a walk's end
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_started_from_the_page_runs_to_its_end_and_is_recorded() {
    let c = campus(30, "127.212.0.1", 0).await;
    let idle = get(&c.app, "/api/v1/runs/live").await.json();
    assert_eq!(idle["state"], "idle");
    let page = get(&c.app, "/runs").await;
    assert!(page.body.contains("action=\"/runs\""), "the start form");
    let started = post_form(
        &c.app,
        "/runs",
        "seeds=127.212.0.1&depth=",
        Some("http://127.0.0.1:8080"),
    )
    .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    assert_eq!(started.location(), Some("/runs"));
    let end = until_ended(&c.app).await;
    assert_eq!(end["state"], "finished", "{end}");
    let walked = end["end"]["counts"]["walked"].as_u64().unwrap();
    assert!(walked >= 15, "{end}");
    assert_eq!(end["progress"]["walked"], walked, "the last counters");
    let runs = get(&c.app, "/api/v1/runs").await.json();
    assert_eq!(runs["total"], 1);
    assert_eq!(runs["runs"][0]["state"], "finished");
    assert_eq!(runs["runs"][0]["counts"]["walked"], walked);
    let devices = get(&c.app, "/api/v1/devices?status=walked").await.json();
    assert_eq!(
        devices["total"].as_u64(),
        Some(walked),
        "the served store has them"
    );
    // The device page offers "walk again" of its address.
    let core = get(&c.app, "/devices/core1").await.body;
    assert!(
        core.contains("name=\"seeds\" value=\"127.212.0.1\""),
        "{core}"
    );
    let stats = c.lab.wait_until_idle(Duration::from_secs(5)).await;
    assert_eq!(stats.sessions_open, 0);
    assert_eq!(stats.sessions_dropped, 0);
    c.lab.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_starts_one_walk_at_a_time_and_streams_it_to_its_end() {
    let c = campus(40, "127.213.0.1", 300).await;
    let body = r#"{"seeds": ["127.213.0.1"], "max_depth": 1}"#;
    let first = post(&c.app, "/api/v1/runs", "application/json", body, None).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.body);
    assert_eq!(first.json()["state"], "running");
    // Each handshake takes 300 ms: the first walk is surely still running.
    let second = post(&c.app, "/api/v1/runs", "application/json", body, None).await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    assert!(
        second.json()["error"]
            .as_str()
            .unwrap()
            .contains("one at a time")
    );
    // The event stream: states until the end, then it closes.
    let req = Request::get("/api/v1/runs/live/events")
        .body(Body::empty())
        .unwrap();
    let resp = c.app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let stream = tokio::time::timeout(
        Duration::from_secs(60),
        axum::body::to_bytes(resp.into_body(), 1 << 20),
    )
    .await
    .expect("the stream ends with the walk")
    .unwrap();
    let text = String::from_utf8(stream.to_vec()).unwrap();
    let events: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    let last = events.last().unwrap();
    assert_eq!(last["state"], "finished", "{text}");
    assert!(
        events[..events.len() - 1]
            .iter()
            .all(|e| e["state"] == "running")
    );
    let depth_one = last["end"]["counts"]["walked"].as_u64().unwrap();
    assert!(depth_one >= 2, "{last}");
    // Depth 1 from the core: fewer than the whole campus.
    let all = get(&c.app, "/api/v1/devices?limit=1000").await.json();
    assert!(all["total"].as_u64().unwrap() > depth_one);
    c.lab.shutdown(Duration::from_secs(2)).await;
}

/// The `Origin` a browser sends with a form POST from a page of
/// `http://127.0.0.1:8080` served with Referrer-Policy `policy` (Fetch,
/// "append a request `Origin` header": under `no-referrer` it is `null`).
fn browser_origin(policy: &str) -> &'static str {
    if policy.trim().eq_ignore_ascii_case("no-referrer") {
        "null"
    } else {
        "http://127.0.0.1:8080"
    }
}

/// The Runs page's and a device page's forms, posted with the Origin a
/// browser sends under the pages' own Referrer-Policy, start walks (under
/// `no-referrer` Chromium sent `Origin: null` and every walk form got 403).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_walk_forms_pass_with_the_origin_a_browser_sends() {
    let c = campus(10, "127.217.0.1", 0).await;
    for page in ["/runs", "/devices/core1"] {
        let got = get(&c.app, page).await;
        let policy = got.headers["referrer-policy"].to_str().unwrap().to_string();
        let origin = browser_origin(&policy);
        let started = post_form(&c.app, "/runs", "seeds=127.217.0.1&depth=0", Some(origin)).await;
        assert_eq!(
            started.status,
            StatusCode::SEE_OTHER,
            "{page} (Referrer-Policy: {policy}, so Origin: {origin}): {}",
            started.body
        );
        let end = until_ended(&c.app).await;
        assert_eq!(end["end"]["counts"]["walked"], 1, "{end}");
    }
    c.lab.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn other_sites_cannot_start_walks_and_bad_requests_say_why() {
    let c = campus(10, "127.214.0.1", 0).await;
    let form = "application/x-www-form-urlencoded";
    // Without the page's token (what another site's form sends).
    let got = post(&c.app, "/runs", form, "seeds=127.214.0.1", None).await;
    assert_eq!(got.status, StatusCode::FORBIDDEN);
    // With it, but from another origin.
    for origin in ["http://evil.example", "null", "http://127.0.0.1:9999"] {
        let got = post_form(&c.app, "/runs", "seeds=127.214.0.1", Some(origin)).await;
        assert_eq!(got.status, StatusCode::FORBIDDEN, "{origin}");
        let got = post_form(&c.app, "/runs/cancel", "", Some(origin)).await;
        assert_eq!(got.status, StatusCode::FORBIDDEN, "{origin}");
    }
    // A form-encoded body to the JSON API (what a cross-site form can
    // send): no token, refused before it is read.
    let got = post(&c.app, "/api/v1/runs", form, "seeds=127.214.0.1", None).await;
    assert_eq!(got.status, StatusCode::FORBIDDEN);
    // With the page's token but not JSON: the API takes JSON only.
    let got = post_form(&c.app, "/api/v1/runs", "seeds=127.214.0.1", None).await;
    assert_eq!(got.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let got = post_form(&c.app, "/runs", "seeds=+,+&depth=", None).await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST);
    let got = post_form(&c.app, "/runs", "seeds=core1&depth=deep", None).await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(&c.app, "/api/v1/runs/live").await.json()["state"],
        "idle"
    );
    c.lab.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn without_credentials_walks_are_off_and_say_how_to_turn_them_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture::campus(dir.path());
    let app = fixture::app(&path);
    let page = get(&app, "/runs").await.body;
    assert!(page.contains("no device credentials"), "{page}");
    assert!(!page.contains("action=\"/runs\""));
    let got = post(
        &app,
        "/api/v1/runs",
        "application/json",
        r#"{"seeds": ["10.0.0.1"]}"#,
        None,
    )
    .await;
    assert_eq!(got.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        got.json()["error"]
            .as_str()
            .unwrap()
            .contains("NETWALKER_USERNAME")
    );
    let core = get(&app, "/devices/core1").await.body;
    assert!(!core.contains("Walk again"));
}

/// Ctrl-C while a walk started through the server runs: the walk is
/// cancelled with the server, its sessions close, and the server returns
/// promptly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_server_cancels_its_walk_and_leaves_nothing_open() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let c = campus(60, "127.215.0.1", 200).await;
    let server = netwalker::serve::serve(&c.opts).await.unwrap();
    let addr = server.local_addr().unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let stopped = stop.clone();
    let serving = tokio::spawn(server.run(async move { stopped.cancelled().await }));
    let body = r#"{"seeds": ["127.215.0.1"]}"#;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST /api/v1/runs HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).await.unwrap();
    assert!(resp.starts_with("HTTP/1.1 202"), "{resp}");
    // Let it get going: a few devices in flight.
    tokio::time::sleep(Duration::from_millis(400)).await; // sleep-ok: the walk must be mid-way when the server stops
    let asked = Instant::now();
    stop.cancel();
    let how = tokio::time::timeout(Duration::from_secs(20), serving)
        .await
        .expect("the server returns")
        .unwrap()
        .unwrap();
    assert_eq!(how, netwalker::serve::Stopped::Graceful);
    assert!(
        asked.elapsed() < Duration::from_secs(8),
        "{:?}",
        asked.elapsed()
    );
    let stats = c.lab.wait_until_idle(Duration::from_secs(5)).await;
    assert_eq!(stats.sessions_open, 0, "{stats:?}");
    let store = netwalker::store::StoreReader::open(&c.opts.store).unwrap();
    let runs = store.runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert!(
        runs[0].finished.is_none(),
        "a cancelled walk stays unfinished, for `discover --resume`"
    );
    let walked = store.status_counts().unwrap().walked;
    assert!(walked > 0, "what was walked before the stop is kept");
    c.lab.shutdown(Duration::from_secs(2)).await;
}

/// With users, starting a walk is an admin's: a viewer's token is refused
/// (403), an admin's starts it, no token is 401.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_start_walks_once_there_are_users() {
    use netwalker::auth::{Name, Role, generate_token, hash_password};
    use secrecy::ExposeSecret;
    let c = campus(10, "127.216.0.1", 0).await;
    let (admin, viewer) = (generate_token().unwrap(), generate_token().unwrap());
    {
        let mut w = netwalker::store::StoreWriter::open(&c.opts.store).unwrap();
        for (user, role, token) in [
            ("alice", Role::Admin, &admin),
            ("vera", Role::Viewer, &viewer),
        ] {
            let h = hash_password(&"a-long-password".into()).unwrap();
            w.add_user(&Name::new(user).unwrap(), role, &h).unwrap();
            let name = Name::new(&format!("{user}-token")).unwrap();
            w.add_token(&name, &Name::new(user).unwrap(), &token.hash)
                .unwrap();
        }
    }
    let start = |token: Option<String>| {
        let app = c.app.clone();
        async move {
            let mut req = Request::post("/api/v1/runs").header("content-type", "application/json");
            if let Some(t) = token {
                req = req.header("authorization", format!("Bearer {t}"));
            }
            let body = Body::from(r#"{"seeds": ["127.216.0.1"], "max_depth": 0}"#);
            send(&app, req.body(body).unwrap()).await
        }
    };
    assert_eq!(start(None).await.status, StatusCode::UNAUTHORIZED);
    let refused = start(Some(viewer.secret.expose_secret().to_string())).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let ok = start(Some(admin.secret.expose_secret().to_string())).await;
    assert_eq!(ok.status, StatusCode::ACCEPTED, "{}", ok.body);
    let bearer = format!("Bearer {}", admin.secret.expose_secret());
    let started = Instant::now();
    loop {
        let req = Request::get("/api/v1/runs/live").header("authorization", &bearer);
        let v = send(&c.app, req.body(Body::empty()).unwrap()).await.json();
        if v["end"].is_object() {
            assert_eq!(v["state"], "finished", "{v}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{v}");
        tokio::time::sleep(Duration::from_millis(50)).await; // sleep-ok: polling a walk's end
    }
    c.lab.shutdown(Duration::from_secs(2)).await;
}
