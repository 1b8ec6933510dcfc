//! Distributed walks (issue #15): `netwalker worker` processes and a
//! `discover --distributed` submitter on one PostgreSQL store.
//!
//! - A 1,000-device netsim lab walked by three workers, one of them
//!   SIGKILLed mid-walk, gives the same inventory.json as one local walk;
//!   only devices the killed worker held are walked twice (counted by the
//!   submitter as `jobs_reclaimed`, and checked against netsim's per-device
//!   session counts); the other workers stop on SIGTERM with exit 130 and
//!   no session open; netsim has 0 sessions open afterwards.
//! - Zones route devices to the workers of their zone; a worker whose
//!   database goes away fails clearly within its retry bound.
//!
//! Runs only when `NETWALKER_TEST_PG_URL` names a server (interop suite 40
//! and `.ci/run` give one). Every child process is killed when its guard
//! drops, so a failing assertion leaves nothing running.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/inventory_json.rs"]
mod inventory_json;

use backends::{PgTestDb, netwalker_on as netwalker, server};
use inventory_json::{Keep, first_difference, normalised};
use netsim::{GenerateOptions, Lab, LabConfig, Stats};
use serde_json::Value;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (SIGKILL) and reaped when dropped, unless it
/// was waited for.
struct Proc {
    /// The process, until waited for.
    child: Option<Child>,
    /// For messages.
    name: String,
}

impl Proc {
    fn spawn(mut c: Command, name: &str) -> Proc {
        let child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        Proc {
            child: Some(child),
            name: name.into(),
        }
    }

    fn pid(&self) -> i32 {
        self.child.as_ref().map(|c| c.id() as i32).unwrap_or(0)
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid, which is not reaped yet.
        unsafe {
            libc::kill(self.pid(), sig);
        }
    }

    /// Waits for the exit, within `limit`; the output.
    fn wait(mut self, limit: Duration) -> Output {
        let mut child = self.child.take().expect("not waited for yet");
        let t0 = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if t0.elapsed() > limit {
                let _ = child.kill();
                let out = child.wait_with_output().unwrap();
                panic!(
                    "{} did not exit within {limit:?}\n{}",
                    self.name,
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(20)); // sleep-ok: polling a child's exit
        }
        child.wait_with_output().unwrap()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One statement's rows on the store's database, off any async thread.
fn sql(url: &str, q: &str) -> Vec<Vec<Option<String>>> {
    try_sql(url, q).unwrap_or_else(|e| panic!("{q}: {e}"))
}

/// [`sql`], or the error (the schema may not exist yet).
fn try_sql(url: &str, q: &str) -> Result<Vec<Vec<Option<String>>>, postgres::Error> {
    let (url, q) = (url.to_string(), q.to_string());
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls)?;
        Ok(c.simple_query(&q)?
            .into_iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect())
    })
    .join()
    .unwrap()
}

fn count(url: &str, q: &str) -> u64 {
    sql(url, q)[0][0].as_deref().unwrap_or("0").parse().unwrap()
}

/// Common walk flags: the lab's port, its host keys, no telnet.
fn lab_flags(c: &mut Command, port: u16) {
    c.args(["--port", &port.to_string(), "--no-telnet"]).args([
        "--host-key-policy",
        "accept-any",
        "--quiet",
    ]);
}

fn worker(store: &str, port: u16, name: &str, extra: &[&str]) -> Proc {
    let mut c = netwalker(store);
    c.args(["worker", "--name", name, "--json"]);
    lab_flags(&mut c, port);
    c.args(extra);
    Proc::spawn(c, name)
}

fn started_lab(rt: &tokio::runtime::Runtime, opts: GenerateOptions, port: u16) -> (Lab, String) {
    let topo = netsim::generate(&opts);
    let seed = topo.device("core1").unwrap().mgmt_ip.to_string();
    let lab = rt
        .block_on(Lab::start(
            topo,
            LabConfig {
                ssh_port: port,
                telnet_port: port + 1,
                ..LabConfig::default()
            },
        ))
        .unwrap();
    (lab, seed)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn three_workers_one_killed_give_the_local_walks_inventory() {
    let Some(admin) = server() else { return };
    const PORT: u16 = 5462;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (lab, seed) = started_lab(
        &rt,
        GenerateOptions {
            devices: 1000,
            seed: 7,
            base_ip: "127.76.0.1".parse().unwrap(),
            endhosts_per_access: 2,
            ..GenerateOptions::default()
        },
        PORT,
    );
    let dir = tempfile::tempdir().unwrap();

    // The reference: one local walk.
    let local_store = dir.path().join("local.db").display().to_string();
    let mut c = netwalker(&local_store);
    c.args(["discover", "--seed", &seed, "--concurrency", "32", "--out"])
        .arg(dir.path().join("local"));
    lab_flags(&mut c, PORT);
    let out = c.output().unwrap();
    assert!(out.status.success(), "local walk: {}", stderr(&out));
    let before: Stats = lab.stats();

    // Three workers, then the submitter.
    let db = PgTestDb::create(&admin);
    let pg = db.url_for_tests();
    let lease = ["--lease", "6s", "--concurrency", "8"];
    let w1 = worker(&pg, PORT, "w1", &lease);
    let w2 = worker(&pg, PORT, "w2", &lease);
    let w3 = worker(&pg, PORT, "w3", &lease);
    let mut c = netwalker(&pg);
    c.args([
        "discover",
        "--distributed",
        "--seed",
        &seed,
        "--json",
        "--out",
    ])
    .arg(dir.path().join("distributed"));
    lab_flags(&mut c, PORT);
    let submitter = Proc::spawn(c, "submitter");

    // SIGKILL w1 while it holds devices, a good way into the walk.
    let t0 = Instant::now();
    loop {
        let rows = try_sql(
            &pg,
            "SELECT count(*) FILTER (WHERE state IN ('done', 'settled')),
                    count(*) FILTER (WHERE state = 'claimed' AND claimer = 'w1')
             FROM walk_jobs",
        )
        .unwrap_or_default(); // no schema until the submitter creates it
        let num = |i: usize| {
            rows.first()
                .and_then(|r| r[i].as_deref())
                .unwrap_or("0")
                .parse::<u64>()
                .unwrap()
        };
        if num(0) >= 150 && num(1) >= 2 {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "the walk never got going"
        );
        std::thread::sleep(Duration::from_millis(10)); // sleep-ok: polling the queue
    }
    w1.signal(libc::SIGKILL);
    let held = count(
        &pg,
        "SELECT count(*) FROM walk_jobs WHERE state = 'claimed' AND claimer = 'w1'",
    );
    let killed = w1.wait(Duration::from_secs(5));
    assert!(!killed.status.success());

    let out = submitter.wait(Duration::from_secs(180));
    assert!(out.status.success(), "submitter: {}", stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let reclaimed = summary["jobs_reclaimed"].as_u64().unwrap();
    assert!(
        reclaimed >= 1 && reclaimed <= held.max(1) + 8,
        "the killed worker's devices (it held {held}) were taken again: {reclaimed}"
    );

    // The others stop on SIGTERM: exit 130, every session closed.
    for w in [w2, w3] {
        w.signal(libc::SIGTERM);
        let o = w.wait(Duration::from_secs(15));
        assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
        let s: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(s["sessions_open_at_exit"], 0, "{s}");
        assert!(s["completed"].as_u64().unwrap() > 0, "both took part: {s}");
    }

    let a = normalised(&dir.path().join("local/inventory.json"), Keep::NoParents);
    let b = normalised(
        &dir.path().join("distributed/inventory.json"),
        Keep::NoParents,
    );
    let walked = a["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "walked")
        .count();
    assert!(walked > 600, "the lab was walked: {walked}");
    if let Some(d) = first_difference(&a, &b, "") {
        panic!("the distributed walk's inventory differs from the local one: {d}");
    }

    // Walked twice: only what the killed worker held.
    let after = lab.stats();
    let twice: Vec<&String> = after
        .devices
        .iter()
        .filter(|(name, d)| {
            let first = before.devices.get(*name).map_or(0, |b| b.sessions_opened);
            d.sessions_opened - first > first
        })
        .map(|(name, _)| name)
        .collect();
    assert!(
        twice.len() as u64 <= reclaimed,
        "devices walked twice ({twice:?}) beyond the {reclaimed} reclaimed"
    );
    let t0 = Instant::now();
    while lab.stats().sessions_open > 0 && t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50)); // sleep-ok: the killed worker's sockets closing
    }
    assert_eq!(lab.stats().sessions_open, 0, "netsim sessions left open");
    eprintln!(
        "backend: postgres: walked {walked}, w1 held {held} when killed, reclaimed {reclaimed}, walked twice {}",
        twice.len()
    );
    rt.block_on(lab.shutdown(Duration::from_secs(2)));
}

#[test]
fn zones_route_devices_and_a_vanished_database_stops_workers_clearly() {
    let Some(admin) = server() else { return };
    const PORT: u16 = 5464;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (lab, seed) = started_lab(
        &rt,
        GenerateOptions {
            devices: 40,
            seed: 5,
            base_ip: "127.78.0.1".parse().unwrap(),
            ..GenerateOptions::default()
        },
        PORT,
    );
    let dir = tempfile::tempdir().unwrap();
    // Addresses from .16 up are zone "east".
    let config = dir.path().join("netwalker.toml");
    std::fs::write(
        &config,
        "[[zones]]\nname = \"east\"\ncidrs = [\"127.78.0.16/28\", \"127.78.0.32/27\", \"127.78.0.64/26\"]\n",
    )
    .unwrap();
    let db = PgTestDb::create(&admin);
    let pg = db.url_for_tests();
    let retry = ["--db-retry", "2s"];
    let plain = worker(&pg, PORT, "plain", &retry);
    let east = worker(
        &pg,
        PORT,
        "east",
        &[&retry[..], &["--zone", "east"]].concat(),
    );
    let mut c = netwalker(&pg);
    c.arg("--config")
        .arg(&config)
        .args([
            "discover",
            "--distributed",
            "--seed",
            &seed,
            "--json",
            "--out",
        ])
        .arg(dir.path().join("out"));
    lab_flags(&mut c, PORT);
    let out = Proc::spawn(c, "submitter").wait(Duration::from_secs(120));
    assert!(out.status.success(), "submitter: {}", stderr(&out));

    let rows = sql(
        &pg,
        "SELECT coalesce(zone, '-'), claimer, count(*) FROM walk_jobs
         WHERE state = 'settled' GROUP BY 1, 2 ORDER BY 1, 2",
    );
    let got: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("-".to_string(), "plain".to_string()),
            ("east".to_string(), "east".to_string())
        ],
        "each zone's devices walked by its worker only: {rows:?}"
    );

    // The database goes away under the workers: each stops within its
    // retry bound (plus a call's deadline), exit 1, saying what to do.
    drop(db);
    let t0 = Instant::now();
    for w in [plain, east] {
        let o = w.wait(Duration::from_secs(60));
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let e = stderr(&o);
        assert!(e.contains("could not be reached"), "{e}");
        assert!(e.contains("start the worker again"), "{e}");
        assert!(!e.contains(&admin_password(&pg)), "password shown: {e}");
    }
    assert!(t0.elapsed() < Duration::from_secs(45), "{:?}", t0.elapsed());
    rt.block_on(lab.shutdown(Duration::from_secs(2)));
}

/// The password in a test URL (never to be printed).
fn admin_password(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(str::to_string))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "\u{0}no password\u{0}".into())
}

#[test]
fn ctrl_c_on_the_submitter_stops_the_walk_on_every_worker() {
    let Some(admin) = server() else { return };
    const PORT: u16 = 5466;
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Slow devices (every command 150-300 ms): the walk is still going
    // when it is interrupted.
    let (lab, seed) = started_lab(
        &rt,
        GenerateOptions {
            devices: 200,
            seed: 9,
            base_ip: "127.79.0.1".parse().unwrap(),
            delays: Some(netsim::DelayOptions {
                command: netsim::Span {
                    lo_ms: 150,
                    hi_ms: 300,
                },
                ..netsim::DelayOptions::default()
            }),
            ..GenerateOptions::default()
        },
        PORT,
    );
    let dir = tempfile::tempdir().unwrap();
    let db = PgTestDb::create(&admin);
    let pg = db.url_for_tests();
    let w = worker(&pg, PORT, "w", &["--concurrency", "16", "--grace", "1s"]);
    let mut c = netwalker(&pg);
    c.args([
        "discover",
        "--distributed",
        "--seed",
        &seed,
        "--json",
        "--grace",
        "1s",
    ])
    .arg("--out")
    .arg(dir.path().join("out"));
    lab_flags(&mut c, PORT);
    let submitter = Proc::spawn(c, "submitter");
    let t0 = Instant::now();
    while try_sql(
        &pg,
        "SELECT count(*) FROM walk_jobs WHERE state = 'settled'",
    )
    .ok()
    .and_then(|r| r.first().and_then(|r| r[0].clone()))
    .and_then(|n| n.parse::<u64>().ok())
    .unwrap_or(0)
        < 10
    {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the walk never got going"
        );
        std::thread::sleep(Duration::from_millis(20)); // sleep-ok: polling the queue
    }
    submitter.signal(libc::SIGINT);
    let stopped = Instant::now();
    let out = submitter.wait(Duration::from_secs(30));
    // Grace 1 s plus two heartbeats (2 s each) plus writing the files.
    assert!(
        stopped.elapsed() < Duration::from_secs(12),
        "the submitter took {:?} to stop",
        stopped.elapsed()
    );
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["interrupted"], true, "{summary}");
    let walked = summary["counts"]["walked"].as_u64().unwrap();
    assert!(walked >= 10, "{summary}");
    // The walk is over in the queue: nothing of it is claimable, and the
    // worker let go of its devices (netsim has no session open) while it
    // keeps running for the next walk.
    let open = count(
        &pg,
        "SELECT count(*) FROM walk_jobs WHERE state IN ('queued', 'claimed', 'done')",
    );
    assert_eq!(open, 0, "jobs left open after the walk ended");
    let t0 = Instant::now();
    while lab.stats().sessions_open > 0 && t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50)); // sleep-ok: waiting for the worker's grace to end
    }
    assert_eq!(
        lab.stats().sessions_open,
        0,
        "the worker kept sessions open"
    );
    w.signal(libc::SIGTERM);
    let o = w.wait(Duration::from_secs(15));
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["sessions_open_at_exit"], 0, "{s}");
    rt.block_on(lab.shutdown(Duration::from_secs(2)));
}

/// `netwalker serve` on a PostgreSQL store: a walk started from the API
/// goes through the queue and a worker process walks it.
#[cfg(feature = "serve")]
#[test]
fn a_walk_started_in_serve_is_walked_by_a_worker() {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;
    let Some(admin) = server() else { return };
    const PORT: u16 = 5468;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (lab, seed) = started_lab(
        &rt,
        GenerateOptions {
            devices: 40,
            seed: 4,
            base_ip: "127.81.0.1".parse().unwrap(),
            ..GenerateOptions::default()
        },
        PORT,
    );
    let dir = tempfile::tempdir().unwrap();
    let db = PgTestDb::create(&admin);
    let pg = db.url_for_tests();
    // The store exists (migrated) before the server reads it.
    drop(netwalker::store::StoreWriter::open(&db.location).unwrap());
    let settings = netwalker::config::Config {
        port: Some(PORT),
        store: Some(db.location.clone()),
        out: Some(dir.path().join("out")),
        ..netwalker::config::Config::default()
    }
    .resolve()
    .unwrap();
    let launcher = netwalker::run::WalkLauncher::through_workers(settings).unwrap();
    let opts = netwalker::serve::ServeOptions {
        walks: Some(launcher),
        ..netwalker::serve::ServeOptions::new(db.location.clone())
    };
    let w = worker(&pg, PORT, "w", &[]);
    let app = netwalker::serve::router(&opts).unwrap();
    let ask = |req: Request<Body>| {
        let app = app.clone();
        rt.block_on(async move {
            let res = app.oneshot(req).await.unwrap();
            let status = res.status();
            let body = axum::body::to_bytes(res.into_body(), 1 << 20)
                .await
                .unwrap();
            (
                status,
                serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null),
            )
        })
    };
    let body = format!(r#"{{"seeds": ["{seed}"]}}"#);
    let (status, v) = ask(Request::post("/api/v1/runs")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap());
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    let t0 = Instant::now();
    let end = loop {
        let (_, v) = ask(Request::get("/api/v1/runs/live")
            .body(Body::empty())
            .unwrap());
        if v["end"].is_object() {
            break v;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "still running: {v}");
        std::thread::sleep(Duration::from_millis(50)); // sleep-ok: polling the walk's end
    };
    assert_eq!(end["state"], "finished", "{end}");
    let walked = end["end"]["counts"]["walked"].as_u64().unwrap();
    assert!(walked >= 15, "{end}");
    w.signal(libc::SIGTERM);
    let o = w.wait(Duration::from_secs(15));
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        s["completed"].as_u64(),
        Some(walked + end["end"]["counts"]["failed"].as_u64().unwrap()),
        "the worker walked them: {s}"
    );
    rt.block_on(lab.shutdown(Duration::from_secs(2)));
}
