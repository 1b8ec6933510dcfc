//! The webhook receiver's limits, over real loopback sockets: slow heads and
//! bodies are cut off in time, connections beyond the limit are refused at
//! once, and a required key is enforced.

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use vegehub::listen::{ListenOptions, PushEvent, PushListener};

async fn start(opts: ListenOptions) -> (PushListener, tokio::sync::mpsc::Receiver<PushEvent>) {
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    let l = PushListener::start_with("127.0.0.1:0".parse().unwrap(), tx, opts)
        .await
        .unwrap();
    (l, rx)
}

/// Reads until the server closes the connection (bounded); returns what it
/// sent and when it closed.
async fn read_to_close(s: &mut TcpStream) -> (String, Instant) {
    let mut buf = Vec::new();
    let r = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    assert!(r.is_ok(), "the server did not close the connection");
    (String::from_utf8_lossy(&buf).into_owned(), Instant::now())
}

#[tokio::test]
async fn a_slow_or_silent_request_head_is_cut_off_within_the_header_timeout() {
    let limit = Duration::from_millis(300);
    let (l, _rx) = start(ListenOptions {
        header_timeout: limit,
        ..ListenOptions::default()
    })
    .await;
    let started = Instant::now();
    let mut slow = TcpStream::connect(l.addr()).await.unwrap();
    slow.write_all(b"POST /x HTTP/1.1\r\nhost: a\r\n")
        .await
        .unwrap();
    let mut silent = TcpStream::connect(l.addr()).await.unwrap();
    for s in [&mut slow, &mut silent] {
        let (_, closed) = read_to_close(s).await;
        let took = closed - started;
        assert!(took >= limit - Duration::from_millis(50), "{took:?}");
        assert!(took < limit + Duration::from_secs(1), "{took:?}");
    }
    assert!(l.shutdown(Duration::from_secs(2)).await);
}

#[tokio::test]
async fn a_body_that_never_ends_is_cut_off_within_the_body_timeout() {
    let limit = Duration::from_millis(300);
    let (l, _rx) = start(ListenOptions {
        header_timeout: Duration::from_secs(30),
        body_timeout: limit,
        ..ListenOptions::default()
    })
    .await;
    let mut s = TcpStream::connect(l.addr()).await.unwrap();
    let started = Instant::now();
    s.write_all(b"POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 100\r\n\r\n{\"mac\":")
        .await
        .unwrap();
    let (reply, closed) = read_to_close(&mut s).await;
    let took = closed - started;
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(took >= limit - Duration::from_millis(50), "{took:?}");
    assert!(took < limit + Duration::from_secs(1), "{took:?}");
    assert!(l.shutdown(Duration::from_secs(2)).await);
}

#[tokio::test]
async fn connections_beyond_the_limit_are_refused_at_once_and_slots_come_back() {
    let (l, mut rx) = start(ListenOptions {
        header_timeout: Duration::from_secs(30),
        max_connections: 2,
        ..ListenOptions::default()
    })
    .await;
    // Two silent clients take both slots (accepted in connect order).
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(TcpStream::connect(l.addr()).await.unwrap());
    }
    // Every further connection is answered 503 and closed, not queued.
    for _ in 0..20 {
        let mut s = TcpStream::connect(l.addr()).await.unwrap();
        let started = Instant::now();
        let (reply, closed) = read_to_close(&mut s).await;
        assert!(reply.starts_with("HTTP/1.1 503"), "{reply}");
        assert!(closed - started < Duration::from_millis(500));
    }
    // The held ones are still being served, not closed.
    let mut probe = [0u8; 1];
    let still_open =
        tokio::time::timeout(Duration::from_millis(100), held[0].read(&mut probe)).await;
    assert!(still_open.is_err(), "a slot holder was closed");
    // Freeing them frees the slots: a push is accepted again.
    drop(held);
    let c = reqwest::Client::new();
    let url = format!("http://{}/x", l.addr());
    let started = Instant::now();
    loop {
        match c.post(&url).json(&json!({"mac": "AA"})).send().await {
            Ok(r) if r.status() == 200 => break,
            _ => assert!(
                started.elapsed() < Duration::from_secs(5),
                "slots never freed"
            ),
        }
        tokio::time::sleep(Duration::from_millis(10)).await; // sleep-ok: polling interval of an outside observer
    }
    assert_eq!(rx.recv().await.unwrap().push.mac.as_deref(), Some("AA"));
    drop(c);
    assert!(l.shutdown(Duration::from_secs(2)).await);
}

#[tokio::test]
async fn a_required_key_is_enforced_and_never_passed_on() {
    let (l, mut rx) = start(ListenOptions {
        api_key: Some("s3cret".to_string().into()),
        ..ListenOptions::default()
    })
    .await;
    let c = reqwest::Client::new();
    let url = format!("http://{}/api/vegehub/update", l.addr());
    for body in [
        json!({"mac": "AA", "sensors": []}),
        json!({"api_key": "wrong", "mac": "AA"}),
        json!({"api_key": "s3cre", "mac": "AA"}),
        json!({"api_key": "s3cretX", "mac": "AA"}),
        json!({"api_key": 1, "mac": "AA"}),
        json!(["s3cret"]),
    ] {
        let r = c.post(&url).json(&body).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "{body}");
    }
    for raw in ["", "not json"] {
        let r = c.post(&url).body(raw).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "{raw:?}");
    }
    assert!(
        rx.try_recv().is_err(),
        "an unauthenticated push got through"
    );
    let r = c
        .post(&url)
        .json(&json!({"api_key": "s3cret", "mac": "aa:bb", "sensors": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let ev = rx.recv().await.unwrap();
    assert_eq!(ev.push.mac.as_deref(), Some("AABB"));
    assert_eq!(ev.raw.get("api_key"), None::<&Value>);
    drop(c);
    assert!(l.shutdown(Duration::from_secs(2)).await);
}

#[tokio::test]
async fn a_hub_set_up_with_the_key_gets_through() {
    let (l, mut rx) = start(ListenOptions {
        api_key: Some("HUBKEY".to_string().into()),
        ..ListenOptions::default()
    })
    .await;
    let sim = vegehub_sim::start(vegehub_sim::SimConfig::default())
        .await
        .unwrap();
    let hub = vegehub::Hub::new(&sim.addr().to_string()).unwrap();
    let url = format!("http://{}/api/vegehub/update", l.addr());
    hub.setup(&"HUBKEY".to_string().into(), &url).await.unwrap();
    hub.request_update().await.unwrap();
    let ev = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ev.push.mac.as_deref(), Some("7C9EBD4B49D8"));
    drop(hub);
    sim.shutdown(Duration::from_secs(2)).await;
    assert!(l.shutdown(Duration::from_secs(2)).await);
}

#[tokio::test]
async fn taken_and_refused_pushes_are_counted() {
    let (l, mut rx) = start(ListenOptions {
        api_key: Some("K".to_string().into()),
        ..ListenOptions::default()
    })
    .await;
    let stats = l.stats();
    let url = format!("http://{}/x", l.addr());
    let c = reqwest::Client::new();
    for (body, status) in [
        (r#"{"api_key": "nope"}"#, 401),
        ("", 401),
        (r#"{"api_key": "K", "mac": "AA"}"#, 200),
        (r#"{"api_key": "K""#, 401),
    ] {
        let r = c.post(&url).body(body).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{body:?}");
    }
    assert!(rx.recv().await.is_some());
    assert_eq!((stats.received(), stats.rejected()), (1, 3));
    drop(c);
    assert!(l.shutdown(Duration::from_secs(2)).await);
}
