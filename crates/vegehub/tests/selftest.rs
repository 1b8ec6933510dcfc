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

/// A fresh directory for one run's backup files (kept for inspection).
fn backup_dir() -> std::path::PathBuf {
    tempfile::Builder::new()
        .prefix("vegehub-selftest-")
        .tempdir()
        .unwrap()
        .keep()
}

fn opts(host: String) -> SelftestOptions {
    SelftestOptions {
        host: Some(host),
        backup_dir: backup_dir(),
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
    match outcome(&s, "config backup") {
        Outcome::Failed(m) => assert!(m.contains("could not read the config"), "{m}"),
        o => panic!("{o:?}"),
    }
    assert!(matches!(outcome(&s, "setup"), Outcome::Skipped(_)));
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
    assert_eq!(s.closing_line(), "3 passed, 1 failed, 6 skipped");
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

/// The backup files in `dir`, parsed.
fn backups(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Value)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        out.push((p, v));
    }
    out
}

/// A hub (endpoints firmware, no actuators) whose `config/set` handler looks
/// for the backup file at the moment the first change arrives.
#[tokio::test]
async fn the_backup_file_holds_the_original_config_before_the_first_change() {
    let original = json!({"hub": {"name": "VegeHub"}, "api_key": "",
        "endpoints": [{"id": 1, "name": "Mine", "type": "custom", "enabled": true,
                       "connection_method": "wifi",
                       "config": {"api_key": "ORIGKEY", "data_format": "json", "url": "http://127.0.0.1:7/x"}}],
        "error": 0});
    let dir = backup_dir();
    let config = Arc::new(std::sync::Mutex::new(original.clone()));
    let seen_at_first_set = Arc::new(std::sync::Mutex::new(None::<Vec<Value>>));
    let (cfg_get, cfg_set, seen, d) = (
        Arc::clone(&config),
        Arc::clone(&config),
        Arc::clone(&seen_at_first_set),
        dir.clone(),
    );
    let app = axum::Router::new()
        .route(
            "/api/info/get",
            post(|| async {
                Json(
                    json!({"hub": {"num_channels": 1, "num_actuators": 0, "version": "5.1.2",
                                    "is_ac": 1}, "wifi": {"mac_addr": "A1:B2:C3:D4:E5:F6"},
                            "error": "success"}),
                )
            }),
        )
        .route(
            "/api/actuators/status",
            get(|| async { Json(json!({"actuators": [], "error": "success"})) }),
        )
        .route(
            "/api/config/get",
            post(move || {
                let c = Arc::clone(&cfg_get);
                async move { Json(c.lock().unwrap().clone()) }
            }),
        )
        .route(
            "/api/config/set",
            post(move |Json(body): Json<Value>| {
                let (c, seen, d) = (Arc::clone(&cfg_set), Arc::clone(&seen), d.clone());
                async move {
                    seen.lock()
                        .unwrap()
                        .get_or_insert_with(|| backups(&d).into_iter().map(|(_, v)| v).collect());
                    let mut c = c.lock().unwrap();
                    for (k, v) in body.as_object().unwrap() {
                        c[k] = v.clone();
                    }
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
    let o = SelftestOptions {
        backup_dir: dir.clone(),
        ..opts(addr.to_string())
    };
    let http = vegehub::http_client(&HubOptions::default());
    let s = selftest::run(&o, http, CancellationToken::new(), |_| {}).await;
    let at_first_set = seen_at_first_set.lock().unwrap().clone();
    assert_eq!(
        at_first_set,
        Some(vec![original.clone()]),
        "when the first change arrived, the backup file was not there with the original config"
    );
    let files = backups(&dir);
    assert_eq!(files.len(), 1);
    let path = files[0].0.display().to_string();
    assert!(path.contains("A1B2C3D4E5F6"), "{path}");
    match outcome(&s, "config backup") {
        Outcome::Passed(m) => assert!(m.contains(&path), "the path is not printed: {m}"),
        o => panic!("{o:?}"),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0].0).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the backup holds keys: owner only");
    }
    assert!(matches!(outcome(&s, "setup"), Outcome::Passed(_)), "{s:?}");
    assert_eq!(*config.lock().unwrap(), original, "restored");
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

async fn sim_with(faults: vegehub_sim::Faults, actuators: u32) -> vegehub_sim::SimHandle {
    let sim = vegehub_sim::start(vegehub_sim::SimConfig {
        layout: vegehub_sim::Layout {
            channels: 2,
            actuators,
            battery: false,
        },
        ..vegehub_sim::SimConfig::default()
    })
    .await
    .unwrap();
    sim.set_faults(faults);
    sim
}

#[tokio::test]
async fn a_failed_restore_is_retried_until_it_takes() {
    // Two setup writes go through; the first two restore tries fail.
    let sim = sim_with(
        vegehub_sim::Faults {
            config_set_statuses: vec![200, 200, 503, 500],
            ..Default::default()
        },
        1,
    )
    .await;
    let before = sim.config();
    let o = SelftestOptions {
        actuators: false,
        restore_attempts: 4,
        ..opts(sim.addr().to_string())
    };
    let http = vegehub::http_client(&HubOptions::default());
    let s = selftest::run(&o, http, CancellationToken::new(), |_| {}).await;
    match outcome(&s, "setup") {
        Outcome::Passed(m) => assert!(m.contains("restored and verified (try 3 of 4)"), "{m}"),
        o => panic!("{o:?}"),
    }
    assert_eq!(sim.config(), before);
    assert!(sim.faults().config_set_statuses.is_empty());
    sim.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn a_restore_that_keeps_failing_is_bounded_and_names_the_backup() {
    let sim = sim_with(
        vegehub_sim::Faults {
            config_set_statuses: [vec![200, 200], vec![503; 10]].concat(),
            ..Default::default()
        },
        1,
    )
    .await;
    let dir = backup_dir();
    let o = SelftestOptions {
        actuators: false,
        restore_attempts: 3,
        backup_dir: dir.clone(),
        ..opts(sim.addr().to_string())
    };
    let http = vegehub::http_client(&HubOptions::default());
    let started = std::time::Instant::now();
    let s = selftest::run(&o, http, CancellationToken::new(), |_| {}).await;
    // Three tries and two backoffs (0.25 s, 0.5 s), not more.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        sim.faults().config_set_statuses.len(),
        10 - 3,
        "exactly 3 tries"
    );
    let files = backups(&dir);
    assert_eq!(files.len(), 1);
    match outcome(&s, "setup") {
        Outcome::Failed(m) => {
            assert!(m.contains("RESTORE FAILED after 3 tries"), "{m}");
            assert!(m.contains(&files[0].0.display().to_string()), "{m}");
        }
        o => panic!("{o:?}"),
    }
    sim.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn a_hub_reporting_more_actuators_than_the_limit_is_not_switched() {
    let sim = sim_with(vegehub_sim::Faults::default(), 9).await;
    let o = SelftestOptions {
        setup: false,
        max_actuators: 8,
        ..opts(sim.addr().to_string())
    };
    let http = vegehub::http_client(&HubOptions::default());
    let s = selftest::run(&o, http, CancellationToken::new(), |_| {}).await;
    match outcome(&s, "actuator control") {
        Outcome::Failed(m) => assert!(m.contains("more than the 8"), "{m}"),
        o => panic!("{o:?}"),
    }
    // info, mac, actuators/status: no actuators/set at all.
    assert_eq!(sim.stats().requests, 3);
    sim.shutdown(Duration::from_secs(2)).await;
}
