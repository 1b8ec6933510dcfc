//! `netwalker serve`'s connection limits on a real socket: a client that
//! does not finish its request head is cut off after the head deadline,
//! and past the connection cap a new client waits until one closes.
#![cfg(feature = "serve")]

#[path = "common/serve_fixture.rs"]
mod fixture;

use fixture::*;
use netwalker::serve::{ServeOptions, Server, serve};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Starts `opts` on a loopback port; the sender stops it.
async fn start(opts: ServeOptions) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let server: Server = serve(&opts).await.unwrap();
    let addr = server.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    (addr, tx)
}

fn options(dir: &std::path::Path) -> ServeOptions {
    let mut opts = ServeOptions::new(campus(dir));
    opts.listen = "127.0.0.1:0".parse().unwrap();
    opts.grace = Duration::from_millis(200);
    opts
}

const REQUEST: &[u8] =
    b"GET /api/v1/devices?limit=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

/// Reads until the server closes; `Err` when that takes longer than `within`.
async fn read_to_close(s: &mut TcpStream, within: Duration) -> Result<String, ()> {
    let mut out = Vec::new();
    match tokio::time::timeout(within, s.read_to_end(&mut out)).await {
        Ok(_) => Ok(String::from_utf8_lossy(&out).into_owned()),
        Err(_) => Err(()),
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_head_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path());
    opts.header_timeout = Duration::from_millis(300);
    let (addr, _stop) = start(opts).await;
    let mut slow = TcpStream::connect(addr).await.unwrap();
    let began = Instant::now();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: loc")
        .await
        .unwrap();
    let answer = read_to_close(&mut slow, Duration::from_secs(10))
        .await
        .expect("the server closed the connection");
    let took = began.elapsed();
    assert!(took >= Duration::from_millis(250), "{took:?}");
    assert!(!answer.contains("200 OK"), "{answer}");
    // A silent connection is closed too, and a prompt client is served.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    read_to_close(&mut silent, Duration::from_secs(10))
        .await
        .expect("the idle connection was closed");
    let mut prompt = TcpStream::connect(addr).await.unwrap();
    prompt.write_all(REQUEST).await.unwrap();
    let answer = read_to_close(&mut prompt, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn past_the_connection_cap_a_client_waits_for_a_free_slot() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path());
    opts.max_connections = 2;
    opts.header_timeout = Duration::from_secs(60);
    let (addr, _stop) = start(opts).await;
    // Two connections, open and silent, take both slots: each is accepted
    // (a request on it would be answered).
    let mut first = TcpStream::connect(addr).await.unwrap();
    let second = TcpStream::connect(addr).await.unwrap();
    let mut third = TcpStream::connect(addr).await.unwrap();
    third.write_all(REQUEST).await.unwrap();
    // The third waits in the backlog: no answer while both slots are held.
    assert!(
        read_to_close(&mut third, Duration::from_millis(500))
            .await
            .is_err(),
        "answered past the cap"
    );
    // The first is served (it holds a slot), then closes: the third gets its turn.
    first.write_all(REQUEST).await.unwrap();
    let answer = read_to_close(&mut first, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = read_to_close(&mut third, Duration::from_secs(10))
        .await
        .expect("served once a slot was free");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(second);
}
