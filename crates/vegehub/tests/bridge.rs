//! The bridge in-process against the hub simulator on 127.0.0.1, with
//! nothing but Rust: pushes in, `/metrics` out, keys and MACs checked, and
//! with the broker away a bounded queue whose drops are counted and a
//! shutdown that still ends in time. (The real broker is in
//! interop/suites/52-vegehub-mqtt.sh.)

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use vegehub::bridge::{Bridge, BridgeConfig, BridgeHandle, HubSpec, MqttConfig};
use vegehub::listen::ListenOptions;
use vegehub::{Hub, HubOptions, Transform, Transforms};
use vegehub_sim::{Layout, SimConfig, SimHandle};

const KEY: &str = "BRIDGEKEY";

async fn sim() -> SimHandle {
    vegehub_sim::start(SimConfig {
        layout: Layout {
            channels: 2,
            actuators: 1,
            battery: true,
        },
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn config(sim: &SimHandle) -> BridgeConfig {
    BridgeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        listen_options: ListenOptions {
            api_key: Some(KEY.to_string().into()),
            ..ListenOptions::default()
        },
        mqtt: None,
        prometheus: Some("127.0.0.1:0".parse().unwrap()),
        hubs: vec![HubSpec {
            host: sim.addr().to_string(),
            transforms: Some(Transforms {
                default: None,
                per_channel: BTreeMap::from([(0, Transform::Vh400)]),
            }),
        }],
        transforms: Transforms::default(),
        hub_options: HubOptions::default(),
        max_hubs: 4,
    }
}

/// The simulator pushes to the bridge with the right key.
async fn point_at(sim: &SimHandle, bridge: &BridgeHandle) -> Hub {
    let hub = Hub::new(&sim.addr().to_string()).unwrap();
    let url = format!("http://{}/api/vegehub/update", bridge.listen_addr());
    hub.setup(&KEY.to_string().into(), &url).await.unwrap();
    hub
}

async fn scrape(addr: SocketAddr) -> String {
    let r = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/openmetrics-text"), "{ct}");
    r.text().await.unwrap()
}

/// The value of the sample line that starts with `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Scrapes until `series` has `want` (bounded).
async fn until_sample(addr: SocketAddr, series: &str, want: f64) -> String {
    let started = Instant::now();
    loop {
        let text = scrape(addr).await;
        if sample(&text, series) == Some(want) {
            return text;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{series} never became {want}:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn pushes_become_metrics_per_hub_and_channel() {
    let sim = sim().await;
    sim.set_analog(vec![1.25, 0.5]);
    let bridge = Bridge::start(config(&sim), reqwest::Client::new())
        .await
        .unwrap();
    let metrics = bridge.metrics_addr().unwrap();
    // The actuator is known from the hub before any push.
    let text = scrape(metrics).await;
    assert_eq!(
        sample(
            &text,
            r#"vegehub_actuator_state{hub="7C9EBD4B49D8",actuator="0"}"#
        ),
        Some(0.0),
        "{text}"
    );
    let hub = point_at(&sim, &bridge).await;
    hub.set_actuator(0, true, Duration::ZERO).await.unwrap();
    hub.request_update().await.unwrap();
    let text = until_sample(metrics, "vegehub_bridge_pushes_received_total", 1.0).await;
    let ch = |m: &str, c: &str| {
        sample(
            &text,
            &format!(r#"vegehub_{m}{{hub="7C9EBD4B49D8",channel="{c}"}}"#),
        )
    };
    assert_eq!(ch("channel_raw", "analog_0"), Some(1.25));
    assert_eq!(ch("channel_value", "analog_0"), vegehub::vh400(1.25));
    assert_eq!(
        ch("channel_value", "analog_1"),
        Some(0.5),
        "no transform: volts"
    );
    assert!(ch("channel_value", "battery").is_some_and(|b| b > 9.0));
    assert_eq!(ch("channel_value", "actuator_0"), Some(1.0));
    assert_eq!(
        sample(
            &text,
            r#"vegehub_actuator_state{hub="7C9EBD4B49D8",actuator="0"}"#
        ),
        Some(1.0)
    );
    let t = ch("channel_last_push_timestamp_seconds", "analog_0").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - t).abs() < 60.0, "{t} vs {now}");
    assert!(text.ends_with("# EOF\n"));
    drop(hub);
    let report = bridge.shutdown(Duration::from_secs(2)).await;
    assert_eq!((report.pushes_received, report.overran), (1, false));
    assert!(
        sim.wait_idle(Duration::from_secs(5)).await,
        "{:?}",
        sim.stats()
    );
    sim.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn wrong_keys_and_pushes_without_a_mac_are_counted_as_rejected() {
    let sim = sim().await;
    let bridge = Bridge::start(config(&sim), reqwest::Client::new())
        .await
        .unwrap();
    let url = format!("http://{}/x", bridge.listen_addr());
    let c = reqwest::Client::new();
    let sensors = serde_json::json!([{"slot": 1, "samples": [{"v": 1.0}]}]);
    for (body, status) in [
        (
            serde_json::json!({"api_key": "wrong", "mac": "7C9EBD4B49D8", "sensors": sensors}),
            401,
        ),
        (
            serde_json::json!({"api_key": KEY, "mac": "7C:9E", "sensors": sensors}),
            200,
        ),
        (serde_json::json!({"api_key": KEY, "sensors": sensors}), 200),
    ] {
        let r = c.post(&url).json(&body).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status);
    }
    let metrics = bridge.metrics_addr().unwrap();
    let text = until_sample(metrics, "vegehub_bridge_pushes_rejected_total", 3.0).await;
    assert_eq!(
        sample(&text, "vegehub_bridge_pushes_received_total"),
        Some(2.0)
    );
    assert!(!text.contains("channel=\"slot_1\""), "{text}");
    drop(c);
    bridge.shutdown(Duration::from_secs(1)).await;
    sim.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn with_the_broker_away_the_queue_is_bounded_drops_are_counted_and_shutdown_ends_in_time() {
    let sim = sim().await;
    // A port nothing listens on: the broker is away for the whole test.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut cfg = config(&sim);
    let mut mqtt = MqttConfig::from_url(&format!("mqtt://127.0.0.1:{port}")).unwrap();
    mqtt.queue_limit = 5;
    cfg.mqtt = Some(mqtt);
    let bridge = Bridge::start(cfg, reqwest::Client::new()).await.unwrap();
    let metrics = bridge.metrics_addr().unwrap();
    // Start-up alone queues 4 discovery configs and 1 actuator state.
    let text = until_sample(metrics, "vegehub_bridge_mqtt_queued", 5.0).await;
    assert_eq!(
        sample(&text, "vegehub_bridge_mqtt_dropped_total"),
        Some(0.0)
    );
    assert_eq!(sample(&text, "vegehub_bridge_mqtt_connected"), Some(0.0));
    let hub = point_at(&sim, &bridge).await;
    hub.request_update().await.unwrap();
    // The push's 4 states each drop the oldest non-retained message.
    until_sample(metrics, "vegehub_bridge_pushes_received_total", 1.0).await;
    let text = until_sample(metrics, "vegehub_bridge_mqtt_dropped_total", 4.0).await;
    assert_eq!(sample(&text, "vegehub_bridge_mqtt_queued"), Some(5.0));
    drop(hub);
    let grace = Duration::from_millis(300);
    let started = Instant::now();
    let report = bridge.shutdown(grace).await;
    let took = started.elapsed();
    assert!(took < grace + Duration::from_secs(1), "{took:?}");
    assert!(!report.overran);
    // The queue (5, `offline` replacing nothing retained of its topic) is
    // abandoned at the end of the grace and counted.
    assert_eq!(report.published, 0);
    assert!(report.dropped >= 4 + 5, "{report:?}");
    sim.shutdown(Duration::from_secs(1)).await;
}

/// A stand-in broker for one connection (rumqttc's own packet codec): it
/// answers CONNECT and SUBSCRIBE, records each PUBLISH (acknowledging it only
/// if `ack`), and hangs up abruptly after `hang_up_after` publishes.
async fn broker_session(
    mut sock: tokio::net::TcpStream,
    ack: bool,
    hang_up_after: Option<usize>,
    seen: tokio::sync::mpsc::UnboundedSender<(String, Vec<u8>)>,
) {
    use rumqttc::mqttbytes::Error as CodecError;
    use rumqttc::{ConnAck, ConnectReturnCode, Packet, PubAck, QoS, SubAck, SubscribeReasonCode};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = bytes::BytesMut::new();
    let mut published = 0;
    loop {
        let reply = match Packet::read(&mut buf, 1 << 20) {
            Err(CodecError::InsufficientBytes(_)) => {
                let r = tokio::time::timeout(Duration::from_secs(10), sock.read_buf(&mut buf));
                match r.await {
                    Ok(Ok(n)) if n > 0 => continue,
                    _ => return,
                }
            }
            Err(e) => panic!("the bridge sent a malformed packet: {e:?}"),
            Ok(Packet::Connect(_)) => Some(Packet::ConnAck(ConnAck::new(
                ConnectReturnCode::Success,
                false,
            ))),
            Ok(Packet::Subscribe(s)) => Some(Packet::SubAck(SubAck::new(
                s.pkid,
                vec![SubscribeReasonCode::Success(QoS::AtLeastOnce); s.filters.len()],
            ))),
            Ok(Packet::PingReq) => Some(Packet::PingResp),
            Ok(Packet::Publish(p)) => {
                published += 1;
                let _ = seen.send((p.topic.clone(), p.payload.to_vec()));
                if hang_up_after == Some(published) {
                    return;
                }
                ack.then(|| Packet::PubAck(PubAck::new(p.pkid)))
            }
            Ok(Packet::Disconnect) => return,
            Ok(_) => None,
        };
        if let Some(r) = reply {
            let mut out = bytes::BytesMut::new();
            r.write(&mut out, 1 << 20).unwrap();
            sock.write_all(&out).await.unwrap();
        }
    }
}

#[tokio::test]
async fn messages_in_flight_when_the_connection_breaks_are_sent_again_after_the_reconnect() {
    let sim = sim().await;
    let broker = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = broker.local_addr().unwrap().port();
    let mut cfg = config(&sim);
    cfg.mqtt = Some(MqttConfig::from_url(&format!("mqtt://127.0.0.1:{port}")).unwrap());
    let bridge = Bridge::start(cfg, reqwest::Client::new()).await.unwrap();
    // Start-up: `online`, 4 discovery configs, 1 actuator state.
    let n = 6;
    let (tx1, mut first) = tokio::sync::mpsc::unbounded_channel();
    let (sock, _) = broker.accept().await.unwrap();
    broker_session(sock, false, Some(n), tx1).await;
    let mut unacked = Vec::new();
    while let Ok(m) = first.try_recv() {
        unacked.push(m);
    }
    assert_eq!(unacked.len(), n);
    assert_eq!(unacked[0].1, b"online");
    // The connection broke with all six unacknowledged: they come again, in
    // order (`online` first anyway), and are acknowledged this time.
    let (tx2, mut second) = tokio::sync::mpsc::unbounded_channel();
    let (sock, _) = tokio::time::timeout(Duration::from_secs(10), broker.accept())
        .await
        .expect("the bridge did not reconnect")
        .unwrap();
    let session = tokio::spawn(broker_session(sock, true, None, tx2));
    let mut again = Vec::new();
    while again.len() < n {
        let m = tokio::time::timeout(Duration::from_secs(10), second.recv())
            .await
            .expect("not everything came again")
            .unwrap();
        again.push(m);
    }
    assert_eq!(again, unacked);
    let metrics = bridge.metrics_addr().unwrap();
    let text = until_sample(metrics, "vegehub_bridge_mqtt_published_total", n as f64).await;
    assert_eq!(
        sample(&text, "vegehub_bridge_mqtt_dropped_total"),
        Some(0.0)
    );
    assert_eq!(sample(&text, "vegehub_bridge_mqtt_queued"), Some(0.0));
    assert_eq!(sample(&text, "vegehub_bridge_mqtt_connected"), Some(1.0));
    let report = bridge.shutdown(Duration::from_secs(2)).await;
    // `offline` was acknowledged too before the bridge said goodbye.
    assert_eq!((report.published, report.dropped), (n as u64 + 1, 0));
    assert_eq!(
        second.recv().await.unwrap(),
        (
            "vegehub/bridge/availability".to_string(),
            b"offline".to_vec()
        )
    );
    tokio::time::timeout(Duration::from_secs(5), session)
        .await
        .expect("the bridge did not disconnect")
        .unwrap();
    sim.shutdown(Duration::from_secs(1)).await;
}
