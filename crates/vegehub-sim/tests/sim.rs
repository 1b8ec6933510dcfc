//! The simulator on its own, driven by a plain HTTP client on 127.0.0.1.

use serde_json::{Value, json};
use std::time::Duration;
use vegehub_sim::{BodyFault, Faults, Firmware, Layout, SimConfig};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn post(c: &reqwest::Client, base: &str, path: &str, body: Value) -> (u16, String) {
    let r = c
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    (st, r.text().await.unwrap())
}

#[tokio::test]
async fn counts_connections_and_requests_and_shuts_down_clean() {
    let sim = vegehub_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.url();
    let c = client();
    for _ in 0..3 {
        let (st, body) = post(&c, &base, "/api/info/get", json!({"hub": [], "wifi": []})).await;
        assert_eq!(st, 200);
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["wifi"]["mac_addr"], "7C:9E:BD:4B:49:D8");
        assert_eq!(v["error"], "success");
    }
    // One pooled keep-alive connection carried all three requests.
    let s = sim.stats();
    assert_eq!(s.requests, 3);
    assert_eq!(s.connections_opened, 1);
    assert_eq!(s.connections_open, 1);
    drop(c);
    assert!(sim.wait_idle(Duration::from_secs(5)).await);
    let s = sim.stats();
    assert_eq!(
        (
            s.connections_opened,
            s.connections_closed,
            s.connections_open
        ),
        (1, 1, 0)
    );
    let report = sim.shutdown(Duration::from_secs(2)).await;
    assert!(!report.forced);
}

#[tokio::test]
async fn http_stats_excludes_the_asking_connection() {
    let sim = vegehub_sim::start(SimConfig::default()).await.unwrap();
    let c = client();
    post(&c, &sim.url(), "/api/info/get", json!({"hub": []})).await;
    drop(c);
    let c2 = client();
    let v: Value = c2
        .get(format!("{}/_sim/stats?wait_idle_ms=3000", sim.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["connections_open"], 0, "{v}");
    assert_eq!(v["connections_opened"], 1, "{v}");
    assert_eq!(v["connections_closed"], 1, "{v}");
    assert_eq!(v["requests"], 1, "{v}");
    drop(c2);
    sim.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn only_known_sections_and_bad_bodies_are_400() {
    let sim = vegehub_sim::start(SimConfig::default()).await.unwrap();
    let c = client();
    let (st, body) = post(
        &c,
        &sim.url(),
        "/api/config/get",
        json!({"hub": [], "bogus": []}),
    )
    .await;
    assert_eq!(st, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(v.get("bogus").is_none());
    assert!(v["hub"].is_object());
    assert_eq!(v["error"], 0);
    let r = c
        .post(format!("{}/api/config/set", sim.url()))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let (st, _) = post(
        &c,
        &sim.url(),
        "/api/actuators/set",
        json!({"target": 9, "duration": 1, "state": 1}),
    )
    .await;
    assert_eq!(st, 400);
    sim.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn actuator_override_reverts_after_its_duration() {
    let sim = vegehub_sim::start(SimConfig {
        layout: Layout {
            channels: 2,
            actuators: 2,
            battery: false,
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = client();
    let (st, _) = post(
        &c,
        &sim.url(),
        "/api/actuators/set",
        json!({"target": 1, "duration": 0.3, "state": 1}),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(sim.actuator_states(), vec![0, 1]);
    let started = std::time::Instant::now();
    // Await the revert through the status API, bounded.
    loop {
        let v: Value = c
            .get(format!("{}/api/actuators/status", sim.url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if v["actuators"][1]["state"] == 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(3), "never reverted");
        tokio::time::sleep(Duration::from_millis(50)).await; // sleep-ok: polling interval of an external observer
    }
    assert!(started.elapsed() >= Duration::from_millis(250));
    sim.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn hang_is_released_by_graceful_shutdown_within_the_grace_period() {
    let sim = vegehub_sim::start(SimConfig::default()).await.unwrap();
    sim.set_faults(Faults {
        hang: true,
        ..Faults::default()
    });
    let url = sim.url();
    let req = tokio::spawn(async move {
        let c = client();
        c.post(format!("{url}/api/info/get"))
            .json(&json!({"hub": []}))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    // Wait until the request is being served (it is counted before it hangs).
    let started = std::time::Instant::now();
    while sim.stats().requests == 0 {
        assert!(started.elapsed() < Duration::from_secs(3));
        tokio::task::yield_now().await;
    }
    let report = sim.shutdown(Duration::from_secs(2)).await;
    assert!(report.elapsed < Duration::from_secs(2));
    assert_eq!(req.await.unwrap().unwrap(), 503);
}

#[tokio::test]
async fn asleep_refuses_connections_then_wakes() {
    let sim = vegehub_sim::start(SimConfig::default()).await.unwrap();
    sim.set_asleep(true);
    let c = client();
    // The accept loop drops the listener asynchronously; refusal must follow promptly.
    let started = std::time::Instant::now();
    loop {
        match c
            .get(format!("{}/api/actuators/status", sim.url()))
            .send()
            .await
        {
            Err(e) if e.is_connect() => break,
            _ => {}
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "still accepting while asleep"
        );
        tokio::task::yield_now().await;
    }
    sim.set_asleep(false);
    let started = std::time::Instant::now();
    loop {
        if let Ok(r) = c
            .get(format!("{}/api/actuators/status", sim.url()))
            .send()
            .await
        {
            assert_eq!(r.status().as_u16(), 200);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(3), "never woke");
        tokio::task::yield_now().await;
    }
    sim.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn body_faults_change_what_is_sent() {
    let sim = vegehub_sim::start(SimConfig::default()).await.unwrap();
    let c = client();
    let url = format!("{}/api/actuators/status", sim.url());
    sim.set_faults(Faults {
        body: Some(BodyFault::Html),
        ..Faults::default()
    });
    let r = c.get(&url).send().await.unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    sim.set_faults(Faults {
        body: Some(BodyFault::Malformed),
        ..Faults::default()
    });
    let t = c.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&t).is_err(), "{t}");
    sim.set_faults(Faults {
        body: Some(BodyFault::DropMidBody),
        ..Faults::default()
    });
    let r = c.get(&url).send().await.unwrap();
    assert!(r.bytes().await.is_err());
    sim.set_faults(Faults {
        connection_close: true,
        ..Faults::default()
    });
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.headers()["connection"], "close");
    sim.set_faults(Faults {
        error_status: Some(503),
        error_count: 1,
        ..Faults::default()
    });
    assert_eq!(c.get(&url).send().await.unwrap().status().as_u16(), 503);
    assert_eq!(c.get(&url).send().await.unwrap().status().as_u16(), 200);
    sim.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn legacy_firmware_tolerates_echoed_null_endpoints_and_pushes() {
    // A push receiver on loopback standing in for Home Assistant.
    let rx = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let rx_addr = rx.local_addr().unwrap();
    let (tx, mut got) = tokio::sync::mpsc::channel::<Value>(4);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(v).await;
                axum::Json(json!("OK"))
            }
        }),
    );
    let server = tokio::spawn(async move { axum::serve(rx, app).await });

    let sim = vegehub_sim::start(SimConfig {
        firmware: Firmware::Legacy,
        layout: Layout {
            channels: 1,
            actuators: 1,
            battery: true,
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = client();
    let (_, body) = post(
        &c,
        &sim.url(),
        "/api/config/get",
        json!({"hub": [], "api_key": [], "endpoints": []}),
    )
    .await;
    let mut cfg: Value = serde_json::from_str(&body).unwrap();
    assert!(cfg["endpoints"].is_null());
    cfg["api_key"] = json!("KEY1");
    cfg["hub"]["server_url"] = json!(format!("http://{rx_addr}/hook"));
    cfg["hub"]["server_type"] = json!(3);
    let (st, _) = post(&c, &sim.url(), "/api/config/set", cfg).await;
    assert_eq!(st, 200);
    assert_eq!(sim.config()["api_key"], "KEY1");
    let r = c
        .get(format!("{}/api/update/send", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let push = tokio::time::timeout(Duration::from_secs(5), got.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(push["api_key"], "KEY1");
    assert_eq!(push["mac"], "7C9EBD4B49D8");
    let slots: Vec<u64> = push["sensors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["slot"].as_u64().unwrap())
        .collect();
    assert_eq!(slots, vec![1, 2, 3]);
    sim.shutdown(Duration::from_secs(2)).await;
    server.abort();
}

#[tokio::test]
async fn periodic_push_reaches_an_endpoints_target() {
    let rx = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let rx_addr = rx.local_addr().unwrap();
    let (tx, mut got) = tokio::sync::mpsc::channel::<Value>(8);
    let app = axum::Router::new().route(
        "/p",
        axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(v).await;
                "ok"
            }
        }),
    );
    let server = tokio::spawn(async move { axum::serve(rx, app).await });
    let sim = vegehub_sim::start(SimConfig {
        push_period: Some(Duration::from_millis(100)),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = client();
    // A disabled endpoint and a vendor-cloud one must never be pushed to.
    let (st, _) = post(
        &c,
        &sim.url(),
        "/api/config/set",
        json!({"endpoints": [
            {"id": 1, "name": "VegeCloud", "type": "vegecloud", "enabled": true,
             "config": {"url": format!("http://{rx_addr}/p")}},
            {"id": 2, "name": "Off", "type": "custom", "enabled": false,
             "config": {"url": format!("http://{rx_addr}/p")}},
            {"id": 3, "name": "HA", "type": "custom", "enabled": true,
             "config": {"api_key": "EP", "url": format!("http://{rx_addr}/p")}}
        ]}),
    )
    .await;
    assert_eq!(st, 200);
    for _ in 0..2 {
        let p = tokio::time::timeout(Duration::from_secs(5), got.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p["api_key"], "EP");
    }
    drop(c);
    // Final counts: every push task has finished by the end of shutdown.
    let s = sim.shutdown(Duration::from_secs(2)).await.stats;
    assert!(s.pushes_sent >= 2 && s.pushes_failed == 0, "{s:?}");
    assert_eq!(s.connections_open, 0, "{s:?}");
    // Each push went once per period to the one enabled custom endpoint.
    let mut extra = 0;
    while got.try_recv().is_ok() {
        extra += 1;
    }
    assert!(extra <= 2, "{extra} extra pushes");
    server.abort();
}

#[tokio::test]
async fn a_stalled_client_is_force_closed_after_the_grace_period() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sim = vegehub_sim::start(SimConfig::default()).await.unwrap();
    let mut s = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
    // Headers promise 100 bytes of body; one arrives. The handler waits for the rest.
    s.write_all(b"POST /api/info/get HTTP/1.1\r\nHost: hub\r\nContent-Length: 100\r\n\r\n{")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    while sim.stats().requests == 0 {
        assert!(started.elapsed() < Duration::from_secs(3));
        tokio::task::yield_now().await;
    }
    let report = sim.shutdown(Duration::from_millis(300)).await;
    assert!(report.forced);
    assert!(report.elapsed >= Duration::from_millis(300));
    assert!(
        report.elapsed < Duration::from_secs(2),
        "{:?}",
        report.elapsed
    );
    assert_eq!(report.stats.connections_open, 0, "{:?}", report.stats);
    assert_eq!(report.stats.connections_closed, 1);
    // The client sees the connection closed, not a hang.
    let mut buf = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(2), s.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap_or(0);
    assert!(!String::from_utf8_lossy(&buf[..n]).contains("200 OK"));
}

#[tokio::test]
async fn asleep_ms_over_http_sleeps_then_wakes_by_itself() {
    let sim = vegehub_sim::start(SimConfig::default()).await.unwrap();
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let (st, _) = post(&c, &sim.url(), "/_sim/faults", json!({"asleep_ms": 1000})).await;
    assert_eq!(st, 200);
    let url = format!("{}/api/actuators/status", sim.url());
    let started = std::time::Instant::now();
    // Refused while asleep ...
    loop {
        match c.get(&url).send().await {
            Err(e) if e.is_connect() => break,
            _ => assert!(
                started.elapsed() < Duration::from_millis(900),
                "never fell asleep"
            ),
        }
        tokio::task::yield_now().await;
    }
    // ... and answering again once the period is over, with no call to wake it.
    loop {
        if let Ok(r) = c.get(&url).send().await {
            assert_eq!(r.status().as_u16(), 200);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(3), "never woke");
        tokio::task::yield_now().await;
    }
    assert!(started.elapsed() >= Duration::from_millis(900));
    sim.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn config_set_statuses_script_the_next_writes_in_order() {
    let sim = vegehub_sim::start(SimConfig {
        firmware: Firmware::Legacy,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    sim.set_faults(Faults {
        config_set_statuses: vec![200, 503, 500],
        ..Faults::default()
    });
    let (base, c) = (sim.url(), client());
    let mut seen = Vec::new();
    for key in ["a", "b", "c", "d"] {
        let (st, _) = post(&c, &base, "/api/config/set", json!({"api_key": key})).await;
        seen.push((st, sim.config()["api_key"].as_str().unwrap().to_string()));
    }
    // A failed write changes nothing; after the script, writes work again.
    let want = [(200, "a"), (503, "a"), (500, "a"), (200, "d")];
    let want: Vec<(u16, String)> = want.iter().map(|(s, k)| (*s, k.to_string())).collect();
    assert_eq!(seen, want);
    assert!(sim.faults().config_set_statuses.is_empty());
    // Other calls do not use up the script.
    sim.set_faults(Faults {
        config_set_statuses: vec![503],
        ..Faults::default()
    });
    let (st, _) = post(&c, &base, "/api/config/get", json!({"api_key": []})).await;
    assert_eq!(st, 200);
    assert_eq!(sim.faults().config_set_statuses, vec![503]);
    drop(c);
    sim.shutdown(Duration::from_secs(2)).await;
}
