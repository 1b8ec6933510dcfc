//! `sync netbox` when NetBox goes away mid-sync, against a stand-in that
//! speaks just enough of NetBox's REST API (empty lists, bulk writes
//! answered with ids) and then drops the connection, stops listening, or
//! stops answering. The sync must fail promptly (a dropped connection at
//! once, a silent server within the per-request deadline), and its message
//! must name NetBox and its URL (never the token), what failed, how much
//! was written, and say to rerun. The real outage (gunicorn stopped while
//! bulk writes are in flight, then a rerun that finishes the job) is
//! interop suite 80.
#![cfg(feature = "netbox")]

#[path = "common/serve_fixture.rs"]
mod serve_fixture;

use device_parsers::Platform;
use netwalker::model::DeviceResult;
use netwalker::netbox::{
    DesiredOptions, InterfaceScope, SyncError, SyncOptions, Token, sync::sync,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use serve_fixture::{iface, walked, writer};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The token's secret part: it must reach the stand-in and no message.
const SECRET: &str = "s3cretPartThatMustNeverShow";
/// Extra walked devices: more than one bulk chunk (250) of devices.
const DEVICES: usize = 300;

fn token() -> Token {
    Token::new(
        SecretString::from(format!("nbt_standin01.{SECRET}")),
        "NETBOX_TOKEN",
    )
    .unwrap()
}

/// A store of `DEVICES` walked switches, two interfaces each.
fn store(dir: &Path) -> PathBuf {
    let path = dir.join("inv.db");
    let mut w = writer(&path);
    for n in 0..DEVICES {
        let mut d = walked(
            n as i64 + 1,
            &format!("sw-{n:03}"),
            &format!("10.9.{}.{}", n / 200, n % 200 + 1),
            Platform::CiscoIos,
        );
        d.serial = Some(format!("SER{n:05}"));
        d.model = Some("WS-C2960X-48FPD-L".into());
        let mut r = DeviceResult::bare(d);
        r.interfaces = vec![
            iface("GigabitEthernet0/1", "connected"),
            iface("GigabitEthernet0/2", "notconnect"),
        ];
        w.commit_device(&r).unwrap();
    }
    path
}

fn options(url: &str, store: &Path, timeout: Duration) -> SyncOptions {
    SyncOptions {
        url: url.into(),
        token: token(),
        store: store.into(),
        dry_run: false,
        prune: false,
        site_pattern: None,
        tag: "netwalker".into(),
        desired: DesiredOptions {
            default_site: "lab".into(),
            interfaces: InterfaceScope::All,
        },
        timeout,
    }
}

/// What the stand-in does with the bulk write numbered `at` (1-based).
#[derive(Clone, Copy)]
enum Fault {
    /// Answer everything.
    None,
    /// Read the request, close the connection without an answer, and stop
    /// listening (an outage: later connections are refused).
    Drop { at: usize },
    /// Read the request and never answer (a hung server).
    Hang { at: usize },
}

/// The stand-in's record of what it saw.
#[derive(Default)]
struct Seen {
    /// Bulk writes received (answered or not).
    bulks: AtomicUsize,
    /// Objects in the bulk writes it answered: what NetBox wrote.
    written: AtomicUsize,
    /// Each bulk write: method, path, objects.
    log: Mutex<Vec<(String, String, usize)>>,
    /// Whether every request carried the token as `Bearer`.
    token_sent: AtomicUsize,
}

struct StandIn {
    url: String,
    seen: Arc<Seen>,
}

async fn stand_in(fault: Fault) -> StandIn {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let (down_tx, mut down_rx) = watch::channel(false);
    let s = seen.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((conn, _)) = accepted else { return };
                    tokio::spawn(connection(conn, s.clone(), fault, down_tx.clone()));
                }
                // The listener is dropped: new connections are refused.
                _ = down_rx.changed() => return,
            }
        }
    });
    StandIn { url, seen }
}

/// One request: method, path, headers (lower-case names), body.
type Request = (String, String, Vec<(String, String)>, Vec<u8>);

async fn read_request(r: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if r.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = Vec::new();
    loop {
        line.clear();
        r.read_line(&mut line).await.ok()?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let len = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).await.ok()?;
    Some((method, path, headers, body))
}

async fn connection(conn: TcpStream, seen: Arc<Seen>, fault: Fault, down: watch::Sender<bool>) {
    let mut r = BufReader::new(conn);
    while let Some((method, path, headers, body)) = read_request(&mut r).await {
        if *down.borrow() {
            return; // a kept-alive connection after the outage: dropped
        }
        let bearer = format!("Bearer nbt_standin01.{SECRET}");
        if headers
            .iter()
            .any(|(k, v)| k == "authorization" && *v == bearer)
        {
            seen.token_sent.fetch_add(1, Ordering::SeqCst);
        }
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let answer = match (method.as_str(), body.as_array()) {
            ("GET", _) if path.starts_with("/api/status/") => json!({"netbox-version": "4.7.3"}),
            ("GET", _) => json!({"count": 0, "next": null, "previous": null, "results": []}),
            (_, Some(list)) => {
                let n = seen.bulks.fetch_add(1, Ordering::SeqCst) + 1;
                seen.log
                    .lock()
                    .unwrap()
                    .push((method.clone(), path.clone(), list.len()));
                match fault {
                    Fault::Drop { at } if n >= at => {
                        down.send_replace(true);
                        return;
                    }
                    Fault::Hang { at } if n >= at => std::future::pending().await,
                    _ => {}
                }
                let first = seen.written.fetch_add(list.len(), Ordering::SeqCst);
                Value::Array(
                    (0..list.len())
                        .map(|i| json!({"id": first + i + 1}))
                        .collect(),
                )
            }
            _ => json!({"id": 1}),
        };
        let text = answer.to_string();
        let head = format!(
            "HTTP/1.1 {} OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            if method == "POST" { 201 } else { 200 },
            text.len()
        );
        let w = r.get_mut();
        if w.write_all(head.as_bytes()).await.is_err()
            || w.write_all(text.as_bytes()).await.is_err()
        {
            return;
        }
    }
}

/// The bulk writes of a sync that NetBox answers throughout.
async fn bulk_writes(store: &Path) -> Vec<(String, String, usize)> {
    let s = stand_in(Fault::None).await;
    sync(&options(&s.url, store, Duration::from_secs(30)), &|_| {})
        .await
        .unwrap();
    s.seen.log.lock().unwrap().clone()
}

/// The message's promises, whatever failed.
fn assert_tells_what_to_do(msg: &str, url: &str) {
    assert!(msg.contains(&format!("NetBox at {url} ")), "{msg}");
    assert!(
        msg.contains("rerun the same `netwalker sync netbox`"),
        "{msg}"
    );
    assert!(!msg.contains(SECRET) && !msg.contains("nbt_"), "{msg}");
}

#[tokio::test]
async fn an_outage_mid_write_fails_at_once_says_how_far_it_got_and_to_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let writes = bulk_writes(&store).await;
    // The second chunk of devices: a step cut short half-way.
    let devices: Vec<usize> = (0..writes.len())
        .filter(|&i| writes[i].1 == "/api/dcim/devices/" && writes[i].0 == "POST")
        .collect();
    assert!(devices.len() >= 2, "devices in one chunk: {writes:?}");
    let at = devices[1] + 1;

    let s = stand_in(Fault::Drop { at }).await;
    let t0 = Instant::now();
    let timeout = Duration::from_secs(30);
    let err = sync(&options(&s.url, &store, timeout), &|_| {})
        .await
        .unwrap_err();
    let took = t0.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(s.seen.token_sent.load(Ordering::SeqCst) > 0);
    let SyncError::Apply(e) = &err else {
        panic!("not a write failure: {err}")
    };
    // Exactly what NetBox confirmed: earlier kinds and the first device chunk.
    assert_eq!(e.done, s.seen.written.load(Ordering::SeqCst));
    assert!(e.done >= 250);
    let msg = err.to_string();
    assert_tells_what_to_do(&msg, &s.url);
    assert!(
        msg.contains(&format!(
            "did not answer while creating {DEVICES} device(s)"
        )),
        "{msg}"
    );
    assert!(msg.contains("POST /api/dcim/devices/"), "{msg}");
    assert!(
        msg.contains(&format!("{} change(s) were written before that", e.done)),
        "{msg}"
    );
    assert!(msg.contains("may or may not have been"), "{msg}");
}

#[tokio::test]
async fn a_hung_server_fails_within_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let s = stand_in(Fault::Hang { at: 2 }).await;
    let timeout = Duration::from_secs(1);
    let t0 = Instant::now();
    let err = sync(&options(&s.url, &store, timeout), &|_| {})
        .await
        .unwrap_err();
    let took = t0.elapsed();
    assert!(
        took >= timeout && took < timeout + Duration::from_secs(4),
        "took {took:?}"
    );
    let msg = err.to_string();
    assert_tells_what_to_do(&msg, &s.url);
    assert!(msg.contains("no answer within 1 s"), "{msg}");
    let SyncError::Apply(e) = &err else {
        panic!("not a write failure: {err}")
    };
    assert_eq!(e.done, s.seen.written.load(Ordering::SeqCst));
}

#[tokio::test]
async fn netbox_down_from_the_start_writes_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    // A port nothing listens on any more.
    let url = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let t0 = Instant::now();
    let err = sync(&options(&url, &store, Duration::from_secs(30)), &|_| {})
        .await
        .unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(5));
    let msg = err.to_string();
    assert_tells_what_to_do(&msg, &url);
    assert!(
        msg.contains("did not answer while checking NetBox"),
        "{msg}"
    );
    assert!(msg.contains("No inventory object was written"), "{msg}");
}
