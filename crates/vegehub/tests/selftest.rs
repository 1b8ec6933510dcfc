//! The self-test engine's safety rules, through the library API.

use axum::Json;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use vegehub::HubOptions;
use vegehub::selftest::{self, Outcome, SelftestOptions};

fn opts(host: String) -> SelftestOptions {
    SelftestOptions {
        host: Some(host),
        setup: true,
        actuators: true,
        hub_options: HubOptions {
            request_timeout: Duration::from_secs(2),
            ..HubOptions::default()
        },
        ..SelftestOptions::default()
    }
}

fn outcome<'a>(s: &'a selftest::Summary, name: &str) -> &'a Outcome {
    &s.results.iter().find(|r| r.name == name).unwrap().outcome
}

/// A hub whose `config/get` fails: the setup test must not write anything.
#[tokio::test]
async fn setup_refuses_to_start_without_a_backup() {
    let sets = Arc::new(AtomicUsize::new(0));
    let sets2 = Arc::clone(&sets);
    let app = axum::Router::new()
        .route(
            "/api/info/get",
            post(|| async {
                Json(
                    json!({"hub": {"num_channels": 1, "num_actuators": 0, "version": "5.1.2",
                                    "is_ac": 1, "batt_v": 0},
                            "wifi": {"mac_addr": "A1:B2:C3:D4:E5:F6"}, "error": "success"}),
                )
            }),
        )
        .route(
            "/api/actuators/status",
            get(|| async { Json(json!({"actuators": [], "error": "success"})) }),
        )
        .route(
            "/api/config/get",
            post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route(
            "/api/config/set",
            post(move |_b: axum::body::Bytes| {
                let sets = Arc::clone(&sets2);
                async move {
                    sets.fetch_add(1, Ordering::SeqCst);
                    Json(json!({"error": "success"}))
                }
            }),
        );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let stop = CancellationToken::new();
    let server = tokio::spawn(
        axum::serve(l, app)
            .with_graceful_shutdown(stop.clone().cancelled_owned())
            .into_future(),
    );
    let http = vegehub::http_client(&HubOptions::default());
    let mut seen = Vec::new();
    let s = selftest::run(
        &opts(addr.to_string()),
        http,
        CancellationToken::new(),
        |r| seen.push(r.name),
    )
    .await;
    match outcome(&s, "setup") {
        Outcome::Failed(m) => assert!(m.contains("could not read the config"), "{m}"),
        o => panic!("{o:?}"),
    }
    assert_eq!(
        sets.load(Ordering::SeqCst),
        0,
        "config/set was called without a backup"
    );
    assert!(matches!(
        outcome(&s, "actuator control"),
        Outcome::Skipped(_)
    ));
    assert!(matches!(
        outcome(&s, "actuator states"),
        Outcome::Skipped(_)
    ));
    assert_eq!(
        seen.len(),
        s.results.len(),
        "every result was reported as it finished"
    );
    assert_eq!(s.failed(), 1);
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn unreachable_hub_fails_info_and_skips_the_rest() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let http = vegehub::http_client(&HubOptions::default());
    let s = selftest::run(
        &opts(format!("127.0.0.1:{port}")),
        http,
        CancellationToken::new(),
        |_| {},
    )
    .await;
    assert!(matches!(outcome(&s, "address"), Outcome::Passed(_)));
    match outcome(&s, "info") {
        Outcome::Failed(m) => assert!(m.contains("could not connect"), "{m}"),
        o => panic!("{o:?}"),
    }
    assert_eq!(s.closing_line(), "3 passed, 1 failed, 5 skipped");
}

#[tokio::test]
async fn cancelled_before_start_runs_nothing_that_changes_the_hub() {
    let sim = vegehub_sim::start(vegehub_sim::SimConfig::default())
        .await
        .unwrap();
    let cancel = CancellationToken::new();
    cancel.cancel();
    let http = vegehub::http_client(&HubOptions::default());
    let s = selftest::run(&opts(sim.addr().to_string()), http, cancel, |_| {}).await;
    assert!(s.interrupted);
    assert_eq!(s.passed(), 0);
    assert_eq!(sim.stats().requests, 0);
    let v: Value = sim.config();
    assert!(!v.to_string().contains(selftest::TEST_SERVER_URL));
    sim.shutdown(Duration::from_secs(2)).await;
}
