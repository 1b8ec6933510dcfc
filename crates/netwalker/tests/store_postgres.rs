//! The store on PostgreSQL, where it differs from SQLite: the writer's
//! advisory lock, emptying (`--fresh`), somebody else's schema, a newer
//! schema; and the proof that it is the same store: one netsim walk into
//! SQLite and into PostgreSQL gives the same inventory.json, and every
//! command that reads the store works on the PostgreSQL one.
//!
//! Runs only when `NETWALKER_TEST_PG_URL` names a server (the interop
//! suite `40-netwalker-postgres.sh` starts one); each test makes its own
//! database and drops it.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/inventory_json.rs"]
mod inventory_json;

use backends::{PgTestDb, netwalker_on as netwalker, server};
use inventory_json::{Keep, first_difference, normalised};
use netsim::{GenerateOptions, Lab, LabConfig};
use netwalker::model::{DeviceId, DeviceResult, DeviceStatus};
use netwalker::store::{StoreError, StoreReader, StoreWriter};
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

fn walked(id: i64) -> DeviceResult {
    DeviceResult::bare(netwalker::model::Device::new(
        DeviceId(id),
        format!("sw{id}"),
        DeviceStatus::Walked,
    ))
}

#[test]
fn a_second_writer_is_refused_at_once_naming_the_first() {
    let Some(admin) = server() else { return };
    let db = PgTestDb::create(&admin);
    let mut first = StoreWriter::open(&db.location).unwrap();
    first.commit_device(&walked(1)).unwrap();
    let t0 = std::time::Instant::now();
    let err = StoreWriter::open(&db.location).err().expect("refused");
    assert!(t0.elapsed() < Duration::from_secs(5), "at once");
    let text = err.to_string();
    assert!(matches!(err, StoreError::Locked { .. }), "{text}");
    assert!(
        text.contains("in use by another netwalker process"),
        "{text}"
    );
    let pid = format!("netwalker writer pid {}", std::process::id());
    assert!(text.contains(&pid), "names the holder: {text}");
    // Readers are not refused; once the first writer is gone, a writer is.
    let reader = StoreReader::open(&db.location).unwrap();
    assert_eq!(reader.devices().unwrap().len(), 1);
    drop(first);
    let mut again = StoreWriter::open(&db.location).unwrap();
    again.commit_device(&walked(2)).unwrap();
    assert_eq!(reader.devices().unwrap().len(), 2);
}

#[test]
fn fresh_empties_the_store_and_a_foreign_schema_is_refused_untouched() {
    let Some(admin) = server() else { return };
    let db = PgTestDb::create(&admin);
    let mut w = StoreWriter::open(&db.location).unwrap();
    w.commit_device(&walked(1)).unwrap();
    drop(w);
    let w = StoreWriter::open_fresh(&db.location).unwrap();
    assert!(w.read().devices().unwrap().is_empty());
    drop(w);

    let other = PgTestDb::create(&admin);
    run_sql(
        &other,
        vec!["CREATE TABLE customers (id BIGINT PRIMARY KEY)".into()],
    );
    for err in [
        StoreWriter::open(&other.location).err().unwrap(),
        StoreWriter::open_fresh(&other.location).err().unwrap(),
        StoreReader::open(&other.location).err().unwrap(),
    ] {
        assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
    }
    let left = query_one(&other, "SELECT count(*) FROM customers");
    assert_eq!(left, 0, "the table is still there");
}

#[test]
fn a_newer_schema_is_refused_with_advice() {
    let Some(admin) = server() else { return };
    let db = PgTestDb::create(&admin);
    drop(StoreWriter::open(&db.location).unwrap());
    run_sql(&db, vec!["UPDATE schema_version SET version = 999".into()]);
    for err in [
        StoreWriter::open(&db.location).err().unwrap(),
        StoreReader::open(&db.location).err().unwrap(),
    ] {
        let text = err.to_string();
        assert!(
            matches!(err, StoreError::TooNew { found: 999, .. }),
            "{text}"
        );
        assert!(text.contains("upgrade netwalker"), "{text}");
    }
}

#[test]
fn both_engines_are_at_the_same_schema_version() {
    let Some(admin) = server() else { return };
    let db = PgTestDb::create(&admin);
    drop(StoreWriter::open(&db.location).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inv.db");
    drop(StoreWriter::open(&path).unwrap());
    let sqlite: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(query_one(&db, "SELECT version FROM schema_version"), sqlite);
}

fn run_sql(db: &PgTestDb, sql: Vec<String>) {
    let url = db.url_for_tests();
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        for s in sql {
            c.batch_execute(&s).unwrap();
        }
    })
    .join()
    .unwrap();
}

fn query_one(db: &PgTestDb, sql: &str) -> i64 {
    let (url, sql) = (db.url_for_tests(), sql.to_string());
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.query_one(&sql, &[]).unwrap().get::<_, i64>(0)
    })
    .join()
    .unwrap()
}

// --- the same walk on both engines, through the binary ---

const SSH_PORT: u16 = 5422;

fn ok(o: Output, what: &str) -> Output {
    assert!(
        o.status.success(),
        "{what}: {:?}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// `discover` from `seed` into `store`, one device at a time (the walk's
/// order, and so each device's parent, is then the same on every run).
fn discover(store: &str, seed: &str, out: &Path, extra: &[&str]) -> Output {
    let o = netwalker(store)
        .args(["discover", "--seed", seed, "--no-telnet", "--quiet"])
        .args(["--host-key-policy", "accept-any"])
        .args(["--port", &SSH_PORT.to_string(), "--concurrency", "1"])
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    ok(o, "discover")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_walk_gives_the_same_inventory_on_sqlite_and_postgres() {
    let Some(admin) = server() else { return };
    let topo = netsim::generate(&GenerateOptions {
        devices: 40,
        seed: 11,
        base_ip: "127.74.0.1".parse().unwrap(),
        endhosts_per_access: 3,
        ..GenerateOptions::default()
    });
    let seed = topo.device("core1").unwrap().mgmt_ip.to_string();
    let lab = Lab::start(
        topo.clone(),
        LabConfig {
            ssh_port: SSH_PORT,
            telnet_port: SSH_PORT + 1,
            ..LabConfig::default()
        },
    )
    .await
    .unwrap();
    let db = PgTestDb::create(&admin);
    let pg = db.url_for_tests();
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("inv.db").display().to_string();
    let (d, s) = (dir.path().to_path_buf(), seed.clone());
    let pg2 = pg.clone();
    let (sq_out, pg_out) = tokio::task::spawn_blocking(move || {
        discover(&sqlite, &s, &d.join("sqlite"), &[]);
        discover(&pg2, &s, &d.join("postgres"), &[]);
        (d.join("sqlite"), d.join("postgres"))
    })
    .await
    .unwrap();
    let a = normalised(&sq_out.join("inventory.json"), Keep::Parents);
    let b = normalised(&pg_out.join("inventory.json"), Keep::Parents);
    let walked = a["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "walked")
        .count();
    assert!(walked >= 20, "the walk reached the lab: {walked}");
    assert!(!a["endhosts"].as_array().unwrap().is_empty());
    if let Some(d) = first_difference(&a, &b, "") {
        panic!("inventory.json differs between SQLite and PostgreSQL: {d}");
    }

    // Every other command that reads or writes the store, on PostgreSQL.
    let d = dir.path().to_path_buf();
    let mac = a["endhosts"][0]["mac"].as_str().unwrap().to_string();
    tokio::task::spawn_blocking(move || commands_on(&pg, &seed, &d, &mac))
        .await
        .unwrap();
    lab.shutdown(Duration::from_secs(2)).await;
}

/// report, diagram, find, exec (dry run), dns-check and the walks that
/// start from the store, each on the PostgreSQL store `pg`.
fn commands_on(pg: &str, seed: &str, dir: &Path, mac: &str) {
    let out = dir.join("cmds");
    let run = |args: &[&str], what: &str| {
        ok(
            netwalker(pg)
                .args(args)
                .arg("--out")
                .arg(&out)
                .output()
                .unwrap(),
            what,
        )
    };
    run(&["report", "--format", "json,csv"], "report");
    assert!(std::fs::read_dir(&out).unwrap().count() >= 2);
    run(&["diagram", "--format", "dot"], "diagram");
    let found = ok(
        netwalker(pg)
            .args(["find", mac, "--json"])
            .output()
            .unwrap(),
        "find",
    );
    let hosts: Value = serde_json::from_slice(&found.stdout).unwrap();
    assert_eq!(hosts[0]["mac"], mac, "{hosts}");
    let dry = ok(
        netwalker(pg)
            .args([
                "exec",
                "--filter",
                "*",
                "-c",
                "show clock",
                "--dry-run",
                "--json",
            ])
            .output()
            .unwrap(),
        "exec --dry-run",
    );
    let targets: Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert!(
        targets["devices"].as_array().is_some_and(|t| t.len() >= 20),
        "{targets}"
    );
    run(&["dns-check", "--timeout", "1s"], "dns-check");
    for extra in [&["--walk-unwalked"][..], &["--rewalk-stale", "0"]] {
        discover(pg, seed, &dir.join("again"), extra);
    }
    let reader = StoreReader::open(netwalker::store::StoreLocation::parse(pg).unwrap()).unwrap();
    assert_eq!(reader.runs().unwrap().len(), 3, "three walks recorded");
}
