//! Every client call and every fault mode against the simulator on 127.0.0.1.

use secrecy::SecretString;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use vegehub::listen::PushListener;
use vegehub::{Error, Hub, HubOptions, RetryPolicy, SetupChange};
use vegehub_sim::{BodyFault, Faults, Firmware, Layout, SimConfig, SimHandle};

async fn sim_with(firmware: Firmware, layout: Layout) -> SimHandle {
    vegehub_sim::start(SimConfig {
        firmware,
        layout,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

async fn sim() -> SimHandle {
    sim_with(Firmware::Endpoints, Layout::default()).await
}

fn fast() -> HubOptions {
    HubOptions {
        connect_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_millis(500),
        retry: RetryPolicy {
            attempts: 2,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
        },
        retry_config_set: false,
    }
}

fn hub(sim: &SimHandle) -> Hub {
    let o = fast();
    Hub::with_client(&sim.addr().to_string(), vegehub::http_client(&o), o).unwrap()
}

async fn finish(sim: SimHandle) {
    // Every client is dropped by now: all connections must close, none forced.
    assert!(
        sim.wait_idle(Duration::from_secs(5)).await,
        "{:?}",
        sim.stats()
    );
    let s = sim.stats();
    assert_eq!(s.connections_open, 0);
    assert_eq!(s.connections_opened, s.connections_closed);
    let r = sim.shutdown(Duration::from_secs(2)).await;
    assert!(!r.forced);
}

#[tokio::test]
async fn info_and_mac() {
    let sim = sim_with(
        Firmware::Legacy,
        Layout {
            channels: 3,
            actuators: 2,
            battery: true,
        },
    )
    .await;
    let h = hub(&sim);
    let info = h.info().await.unwrap();
    assert_eq!(info.mac.as_deref(), Some("7C9EBD4B49D8"));
    assert_eq!(
        (info.num_channels, info.num_actuators, info.is_ac),
        (3, 2, false)
    );
    assert!(info.battery_volts.unwrap() > 9.0);
    assert_eq!(info.version.as_deref(), Some("5.1.2"));
    assert_eq!(h.mac().await.unwrap(), "7C9EBD4B49D8");
    // One pooled connection carried both calls.
    assert_eq!(sim.stats().connections_opened, 1);
    drop(h);
    finish(sim).await;
}

#[tokio::test]
async fn addresses_are_normalised() {
    for a in ["127.0.0.1:80", "http://127.0.0.1:80/", " 127.0.0.1:80 "] {
        assert_eq!(Hub::new(a).unwrap().url(), "http://127.0.0.1");
    }
    assert!(matches!(
        Hub::new("https://x"),
        Err(Error::InvalidAddress { .. })
    ));
    assert!(matches!(Hub::new(""), Err(Error::InvalidAddress { .. })));
}

#[tokio::test]
async fn config_get_detects_both_formats() {
    for (fw, fmt) in [
        (Firmware::Legacy, vegehub::ConfigFormat::Legacy),
        (Firmware::Endpoints, vegehub::ConfigFormat::Endpoints),
    ] {
        let sim = sim_with(fw, Layout::default()).await;
        let h = hub(&sim);
        let cfg = h.config().await.unwrap();
        assert_eq!(cfg.format, Some(fmt));
        drop(h);
        finish(sim).await;
    }
}

#[tokio::test]
async fn setup_endpoints_is_idempotent_and_uses_max_plus_one() {
    let sim = sim().await;
    let h = hub(&sim);
    // Ids with a gap: the Python client's len+1 would collide with id 2.
    h.set_config(&json!({"endpoints": [
        {"id": 2, "name": "A", "type": "custom", "enabled": false, "config": {"url": "http://x/1"}},
        {"id": 5, "name": "B", "type": "custom", "enabled": false, "config": {"url": "http://x/2"}}
    ]}))
    .await
    .unwrap();
    let key = SecretString::from("K1".to_string());
    let first = h.setup(&key, "http://127.0.0.1:1/hook").await.unwrap();
    assert_eq!(first, SetupChange::Added { id: 6 });
    let second = h.setup(&key, "http://127.0.0.1:1/hook").await.unwrap();
    assert_eq!(second, SetupChange::Updated { id: 6 });
    let eps = sim.config()["endpoints"].as_array().unwrap().clone();
    assert_eq!(eps.len(), 3);
    assert_eq!(eps[2]["config"]["api_key"], "K1");
    // New key, same URL: updated in place.
    let k2 = SecretString::from("K2".to_string());
    assert_eq!(
        h.setup(&k2, "http://127.0.0.1:1/hook").await.unwrap(),
        SetupChange::Updated { id: 6 }
    );
    assert_eq!(sim.config()["endpoints"][2]["config"]["api_key"], "K2");
    drop(h);
    finish(sim).await;
}

#[tokio::test]
async fn setup_legacy_sets_key_url_and_type() {
    let sim = sim_with(Firmware::Legacy, Layout::default()).await;
    let h = hub(&sim);
    let key = SecretString::from("LEGACYKEY".to_string());
    assert_eq!(
        h.setup(&key, "http://127.0.0.1:1/x").await.unwrap(),
        SetupChange::Legacy
    );
    let c = sim.config();
    assert_eq!(c["api_key"], "LEGACYKEY");
    assert_eq!(c["hub"]["server_url"], "http://127.0.0.1:1/x");
    assert_eq!(c["hub"]["server_type"], 3);
    assert_eq!(c["hub"]["name"], "VegeHub");
    drop(h);
    finish(sim).await;
}

#[tokio::test]
async fn config_set_not_persisted_is_detected() {
    let sim = sim().await;
    sim.set_faults(Faults {
        config_no_persist: true,
        ..Faults::default()
    });
    let h = hub(&sim);
    let key = SecretString::from("K".to_string());
    let e = h.setup(&key, "http://127.0.0.1:1/x").await.unwrap_err();
    assert!(matches!(e, Error::NotPersisted { .. }), "{e}");
    drop(h);
    finish(sim).await;
}

#[tokio::test]
async fn invalid_config_body_is_http_400() {
    let sim = sim().await;
    let h = hub(&sim);
    let e = h
        .set_config(&json!({"hub": "not an object"}))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::HttpStatus { status: 400, .. }), "{e}");
    assert!(matches!(
        h.set_config(&json!([1])).await,
        Err(Error::InvalidArgument(_))
    ));
    drop(h);
    finish(sim).await;
}

#[tokio::test]
async fn actuators_set_status_and_all_off() {
    let sim = sim_with(
        Firmware::Endpoints,
        Layout {
            channels: 2,
            actuators: 3,
            battery: false,
        },
    )
    .await;
    let h = hub(&sim);
    let list = h.actuators().await.unwrap();
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|a| a.state == 0));
    h.set_actuator(2, true, Duration::from_secs(30))
        .await
        .unwrap();
    let list = h.actuators().await.unwrap();
    assert_eq!(list[2].state, 1);
    assert!(list[2].last_run.unwrap() > 0);
    assert_eq!(sim.actuator_states(), vec![0, 0, 1]);
    h.all_off(3).await.unwrap();
    assert_eq!(sim.actuator_states(), vec![0, 0, 0]);
    let e = h
        .set_actuator(7, true, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::HttpStatus { status: 400, .. }));
    drop(h);
    finish(sim).await;
}

#[tokio::test]
async fn no_actuators_is_its_own_error() {
    let sim = sim_with(
        Firmware::Endpoints,
        Layout {
            channels: 1,
            actuators: 0,
            battery: false,
        },
    )
    .await;
    let h = hub(&sim);
    assert!(matches!(
        h.actuators().await,
        Err(Error::NoActuators { .. })
    ));
    drop(h);
    finish(sim).await;
}

#[tokio::test]
async fn update_trigger_pushes_to_the_configured_server() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    // The hub sends its key in the body; the listener requires it.
    let opts = vegehub::listen::ListenOptions {
        api_key: Some(SecretString::from("PUSHKEY".to_string())),
        ..Default::default()
    };
    let listener = PushListener::start_with("127.0.0.1:0".parse().unwrap(), tx, opts)
        .await
        .unwrap();
    let sim = sim_with(
        Firmware::Endpoints,
        Layout {
            channels: 2,
            actuators: 1,
            battery: true,
        },
    )
    .await;
    sim.set_analog(vec![1.5, 0.5]);
    let h = hub(&sim);
    let key = SecretString::from("PUSHKEY".to_string());
    let url = format!("http://{}/api/webhook/abc", listener.addr());
    h.setup(&key, &url).await.unwrap();
    h.request_update().await.unwrap();
    let ev = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ev.path, "/api/webhook/abc");
    // Checked, then removed so it is never printed.
    assert!(ev.raw.get("api_key").is_none());
    let info = h.info().await.unwrap();
    let mapped = ev.push.mapped(&info.layout());
    assert_eq!(mapped["analog_0"], 1.5);
    assert_eq!(mapped["analog_1"], 0.5);
    assert!(mapped["battery"] > 9.0);
    assert_eq!(mapped["actuator_0"], 0.0);
    assert!(listener.shutdown(Duration::from_secs(2)).await);
    drop(h);
    finish(sim).await;
    // The push connection is closed too: the sim keeps no idle push connections.
}

#[tokio::test]
async fn listener_answers_like_home_assistant() {
    let (tx, _rx) = tokio::sync::mpsc::channel(4);
    let listener = PushListener::start("127.0.0.1:0".parse().unwrap(), tx)
        .await
        .unwrap();
    let c = reqwest::Client::new();
    let base = format!("http://{}/x", listener.addr());
    let r = c.post(&base).body("").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.text().await.unwrap(), "\"No Body\"");
    let r = c
        .post(&base)
        .json(&json!({"mac": "AA", "sensors": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!("OK"));
    drop(c);
    assert!(listener.shutdown(Duration::from_secs(2)).await);
}

// ---- fault modes ----

#[tokio::test]
async fn latency_within_timeout_succeeds_beyond_it_times_out() {
    let sim = sim().await;
    let h = hub(&sim);
    sim.set_faults(Faults {
        latency_ms: 100,
        ..Faults::default()
    });
    h.info().await.unwrap();
    sim.set_faults(Faults {
        latency_ms: 2000,
        ..Faults::default()
    });
    let no_retry = h.with_options(HubOptions {
        retry: RetryPolicy::none(),
        ..fast()
    });
    let t = Instant::now();
    let e = no_retry.info().await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e}");
    assert!(t.elapsed() < Duration::from_millis(1500));
    drop((h, no_retry));
    sim.set_faults(Faults::default());
    finish(sim).await;
}

#[tokio::test]
async fn hang_fails_fast_with_timeout_and_retries_are_bounded() {
    let sim = sim().await;
    sim.set_faults(Faults {
        hang: true,
        ..Faults::default()
    });
    let h = hub(&sim);
    let t = Instant::now();
    let e = h.actuators().await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e}");
    // Two attempts of 500 ms plus a short backoff.
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(sim.stats().requests, 2);
    drop(h);
    // The hung requests' connections were dropped by the client on timeout.
    finish(sim).await;
}

#[tokio::test]
async fn asleep_is_unreachable_and_fails_fast() {
    let sim = sim().await;
    sim.set_asleep(true);
    let h = hub(&sim);
    // The accept loop releases the port asynchronously; wait for that.
    let t = Instant::now();
    let e = loop {
        match h.info().await {
            Err(e @ Error::Unreachable { .. }) => break e,
            _ => assert!(t.elapsed() < Duration::from_secs(3)),
        }
    };
    assert!(e.to_string().contains("sleeps"), "{e}");
    sim.set_asleep(false);
    let t = Instant::now();
    while h.info().await.is_err() {
        assert!(t.elapsed() < Duration::from_secs(3), "hub never woke");
    }
    drop(h);
    finish(sim).await;
}

#[tokio::test]
async fn error_status_is_retried_for_reads_but_not_for_config_set() {
    let sim = sim().await;
    let h = hub(&sim);
    sim.set_faults(Faults {
        error_status: Some(503),
        error_count: 1,
        ..Faults::default()
    });
    h.info().await.unwrap();
    assert_eq!(sim.stats().requests, 2, "one failure, one retry");
    sim.set_faults(Faults {
        error_status: Some(503),
        error_count: 1,
        ..Faults::default()
    });
    let e = h.set_config(&json!({"api_key": "x"})).await.unwrap_err();
    assert!(matches!(e, Error::HttpStatus { status: 503, .. }), "{e}");
    assert_eq!(sim.stats().requests, 3, "config/set is not retried");
    // 4xx is not transient: no retry.
    sim.set_faults(Faults {
        error_status: Some(404),
        error_count: 5,
        ..Faults::default()
    });
    assert!(matches!(
        h.info().await,
        Err(Error::HttpStatus { status: 404, .. })
    ));
    assert_eq!(sim.stats().requests, 4);
    // Asked for: config/set retries too.
    sim.set_faults(Faults {
        error_status: Some(500),
        error_count: 1,
        ..Faults::default()
    });
    let retrying = h.with_options(HubOptions {
        retry_config_set: true,
        ..fast()
    });
    retrying.set_config(&json!({"api_key": "x"})).await.unwrap();
    drop((h, retrying));
    finish(sim).await;
}

#[tokio::test]
async fn malformed_empty_and_html_bodies_are_malformed_with_first_bytes() {
    let sim = sim().await;
    let h = hub(&sim);
    for (fault, needle) in [
        (BodyFault::Malformed, "{"),
        (BodyFault::Empty, ""),
        (BodyFault::Html, "<html>"),
    ] {
        sim.set_faults(Faults {
            body: Some(fault),
            ..Faults::default()
        });
        match h.info().await {
            Err(Error::Malformed { first_bytes, .. }) => {
                assert!(
                    first_bytes.starts_with(needle),
                    "{fault:?}: {first_bytes:?}"
                )
            }
            other => panic!("{fault:?}: {other:?}"),
        }
    }
    drop(h);
    sim.set_faults(Faults::default());
    finish(sim).await;
}

#[tokio::test]
async fn wrong_content_type_is_tolerated_when_the_body_is_json() {
    let sim = sim().await;
    sim.set_faults(Faults {
        body: Some(BodyFault::WrongContentType),
        ..Faults::default()
    });
    let h = hub(&sim);
    assert_eq!(h.mac().await.unwrap(), "7C9EBD4B49D8");
    drop(h);
    finish(sim).await;
}

#[tokio::test]
async fn drop_mid_body_is_a_cut_off_reply() {
    let sim = sim().await;
    sim.set_faults(Faults {
        body: Some(BodyFault::DropMidBody),
        ..Faults::default()
    });
    let h = hub(&sim).with_options(HubOptions {
        retry: RetryPolicy::none(),
        ..fast()
    });
    match h.info().await {
        Err(e @ Error::Malformed { .. }) => {
            assert!(e.to_string().contains("cut off"), "{e}");
            assert!(e.is_transient());
        }
        other => panic!("{other:?}"),
    }
    drop(h);
    finish(sim).await;
}

#[tokio::test]
async fn connection_close_opens_one_connection_per_call_and_closes_each() {
    let sim = sim().await;
    sim.set_faults(Faults {
        connection_close: true,
        ..Faults::default()
    });
    let h = hub(&sim);
    for _ in 0..3 {
        h.actuators().await.unwrap();
    }
    assert_eq!(sim.stats().connections_opened, 3);
    drop(h);
    finish(sim).await;
}
