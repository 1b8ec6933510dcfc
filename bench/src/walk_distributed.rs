//! `walk-distributed`: one generated lab (1,000 devices by default)
//! walked by `netwalker worker` processes through a PostgreSQL store's
//! queue, with 1, 2 and 4 workers and one `discover --distributed`
//! submitter; the baseline is the same lab walked by one local
//! `netwalker discover` (SQLite store) in the same run. Every process
//! shares this machine's cores with netsim and PostgreSQL, so the rates
//! are CPU-bound: the point is what the database costs per device
//! (statements, transactions, rows, WAL bytes), from which ARCHITECTURE.md
//! estimates where one PostgreSQL primary saturates.
//!
//! Needs a PostgreSQL server whose user may create databases
//! (`--pg-url`, or `NETWALKER_TEST_PG_URL`); statements are counted when
//! the server preloads `pg_stat_statements` (interop/servers/postgres.sh
//! does). Each run gets a database of its own, dropped after.

use crate::common::{Env, Lab, Report, generate, walk_lab, walked_count};
use crate::proc::Guard;
use anyhow::{Context, Result, bail, ensure};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

pub struct Opts {
    /// Lab size (leaves included).
    pub devices: usize,
    /// Worker counts, one distributed walk each.
    pub workers: Vec<usize>,
    /// The server (a database URL whose user may create databases).
    pub pg_url: String,
}

/// The database's counters that a walk moves.
#[derive(Debug, Clone, Copy, Default)]
struct DbCounters {
    /// Statements executed (pg_stat_statements), if it is loaded.
    statements: Option<f64>,
    /// Committed transactions (pg_stat_database.xact_commit).
    commits: f64,
    /// Rows inserted, updated and deleted.
    rows_written: f64,
    /// WAL position, bytes.
    wal: f64,
}

pub fn run(env: &Env, o: &Opts) -> Result<Report> {
    ensure!(
        !o.workers.is_empty(),
        "walk-distributed needs worker counts"
    );
    let mut r = Report::new("walk-distributed");
    r.note(format!(
        "netsim generate --devices {} --seed 7 --base-ip 127.82.0.1, one netsim; baseline: netwalker discover (local, SQLite, concurrency 128); then per worker count N: N `netwalker worker` (concurrency 128 each) + `discover --distributed` on a fresh PostgreSQL database; wall = the submitter's",
        o.devices
    ));
    let dir = tempfile::tempdir()?;
    let topo = generate(env, dir.path(), o.devices, "127.82.0.1")?;
    let lab = Lab::start(env, &topo, dir.path())?;
    let local = walk_lab(
        env,
        &lab,
        "127.82.0.1",
        &dir.path().join("local"),
        Duration::from_secs(300),
    )?;
    let base_walked = walked_count(&local.summary);
    let base_secs = local.exit.wall.as_secs_f64();
    r.add("local.devices_walked", base_walked, "devices");
    r.add("local.walk_time", base_secs, "s");
    r.add("local.devices_per_s", base_walked / base_secs, "dev/s");
    for &n in &o.workers {
        one_count(env, o, &lab, n, dir.path(), base_walked, base_secs, &mut r)?;
    }
    lab.stop()?;
    Ok(r)
}

#[allow(clippy::too_many_arguments)]
fn one_count(
    env: &Env,
    o: &Opts,
    lab: &Lab,
    n: usize,
    dir: &Path,
    base_walked: f64,
    base_secs: f64,
    r: &mut Report,
) -> Result<()> {
    let db = TestDb::create(&o.pg_url, &format!("nwbench_{}_{n}", std::process::id()))?;
    let out = dir.join(format!("w{n}"));
    std::fs::create_dir_all(&out)?;
    let mut workers = Vec::new();
    for i in 0..n {
        let mut c = netwalker(env, &db.url);
        c.args(["worker", "--name", &format!("w{i}"), "--json", "--quiet"])
            .args(["--exit-when-idle", "600s"]);
        lab_args(&mut c, lab);
        c.stderr(std::fs::File::create(out.join(format!("w{i}.err")))?);
        workers.push(Guard::spawn(c, true)?);
    }
    // The submitter creates the schema; counters start before it.
    let before = db.counters().unwrap_or_default();
    let mut c = netwalker(env, &db.url);
    c.args([
        "discover",
        "--distributed",
        "--seed",
        "127.82.0.1",
        "--json",
        "--quiet",
    ]);
    lab_args(&mut c, lab);
    c.arg("--out")
        .arg(&out)
        .stderr(std::fs::File::create(out.join("submitter.err"))?);
    let mut sub = Guard::spawn(c, true)?;
    let exit = sub.wait(Duration::from_secs(600))?;
    let stdout = sub.rest_of_stdout();
    if exit.code != Some(0) {
        let err = std::fs::read_to_string(out.join("submitter.err")).unwrap_or_default();
        bail!("the submitter exited with {:?}: {stdout}\n{err}", exit.code);
    }
    // Workers stopped first: their connections' statistics reach the
    // server's counters when the connections end.
    let mut worker_cpu = Duration::ZERO;
    for mut w in workers {
        let e = w.stop(Duration::from_secs(30))?;
        ensure!(e.code == Some(130), "a worker exited with {:?}", e.code);
        worker_cpu += e.cpu;
    }
    let after = db.counters()?;
    let summary: serde_json::Value =
        serde_json::from_str(stdout.trim()).context("the submitter's --json")?;
    let walked = walked_count(&summary);
    if walked < 1.0 {
        let err = std::fs::read_to_string(out.join("submitter.err")).unwrap_or_default();
        let werr = std::fs::read_to_string(out.join("w0.err")).unwrap_or_default();
        let inv = std::fs::read_to_string(out.join("inventory.json")).unwrap_or_default();
        bail!(
            "the distributed walk walked nothing: {err}\nworker: {werr}\ninventory: {}",
            &inv[..inv.len().min(3000)]
        );
    }
    let secs = exit.wall.as_secs_f64();
    let p = format!("workers{n}");
    r.add(&format!("{p}.devices_walked"), walked, "devices")
        .target(base_walked, false);
    r.add(&format!("{p}.walk_time"), secs, "s");
    r.add(&format!("{p}.devices_per_s"), walked / secs, "dev/s");
    r.add(&format!("{p}.rate_vs_local"), base_secs / secs, "x");
    let per = |x: f64| x / walked;
    r.add(
        &format!("{p}.cpu_per_device_workers"),
        worker_cpu.as_secs_f64() * 1000.0 / walked,
        "ms",
    );
    r.add(
        &format!("{p}.cpu_per_device_submitter"),
        exit.cpu.as_secs_f64() * 1000.0 / walked,
        "ms",
    );
    if let (Some(a), Some(b)) = (after.statements, before.statements) {
        r.add(&format!("{p}.db_statements_per_device"), per(a - b), "");
    }
    r.add(
        &format!("{p}.db_commits_per_device"),
        per(after.commits - before.commits),
        "",
    );
    r.add(
        &format!("{p}.db_rows_written_per_device"),
        per(after.rows_written - before.rows_written),
        "",
    );
    r.add(
        &format!("{p}.db_wal_bytes_per_device"),
        per(after.wal - before.wal),
        "B",
    );
    Ok(())
}

fn netwalker(env: &Env, store: &str) -> Command {
    let mut c = Command::new(env.bin("netwalker"));
    c.env("NETWALKER_STORE", store)
        // Simulated devices' credentials; never a real secret.
        .env("NETWALKER_USERNAME", "admin")
        .env("NETWALKER_PASSWORD", "admin")
        .env("NETWALKER_ENABLE", "admin")
        .env("HOME", "/nonexistent")
        .env("XDG_CONFIG_HOME", "/nonexistent");
    c
}

/// The lab's ports and host keys (after the subcommand).
fn lab_args(c: &mut Command, lab: &Lab) {
    c.args(["--port", &lab.ssh_port.to_string()])
        .args(["--telnet-port", &lab.telnet_port.to_string()])
        .args(["--host-key-policy", "accept-any"]);
}

/// A database of its own on the server, dropped with this.
struct TestDb {
    /// The admin URL (the server's, as given).
    admin: String,
    /// The database's name.
    name: String,
    /// Its URL.
    url: String,
}

impl TestDb {
    fn create(admin: &str, name: &str) -> Result<TestDb> {
        drop_db(admin, name)?;
        pg(admin, &format!("CREATE DATABASE {name}"))?;
        let (base, _) = admin
            .rsplit_once('/')
            .context("the PostgreSQL URL has no database part")?;
        Ok(TestDb {
            admin: admin.into(),
            name: name.into(),
            url: format!("{base}/{name}"),
        })
    }

    /// The counters a walk moves, read from the walk's database.
    fn counters(&self) -> Result<DbCounters> {
        let q = format!(
            "SELECT xact_commit::float8, (tup_inserted + tup_updated + tup_deleted)::float8,
                    (pg_current_wal_lsn() - '0/0'::pg_lsn)::float8
             FROM pg_stat_database WHERE datname = '{}'",
            self.name
        );
        let rows = pg_rows(&self.url, &q)?;
        let v = |i: usize| rows.first().and_then(|r| r.get(i)).copied().unwrap_or(0.0);
        let statements = pg_rows(
            &self.url,
            "SELECT coalesce(sum(calls), 0)::float8 FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .ok()
        .and_then(|r| r.first().and_then(|r| r.first()).copied());
        Ok(DbCounters {
            statements,
            commits: v(0),
            rows_written: v(1),
            wal: v(2),
        })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = drop_db(&self.admin, &self.name);
    }
}

/// Drops database `name`: our own sessions on it are ended first, and the
/// plain DROP then waits for them and stops autovacuum itself (`WITH
/// (FORCE)` needs pg_signal_backend over an autovacuum worker, which a
/// CREATEDB user has not).
fn drop_db(admin: &str, name: &str) -> Result<()> {
    pg(
        admin,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = '{name}' AND usename = current_user AND pid <> pg_backend_pid()"
        ),
    )?;
    pg(admin, &format!("DROP DATABASE IF EXISTS {name}"))
}

/// Runs statements (no rows wanted).
fn pg(url: &str, sql: &str) -> Result<()> {
    pg_rows(url, sql).map(drop)
}

/// Every row of a query of float columns (a thread of its own: the client
/// must not run on an async thread).
fn pg_rows(url: &str, sql: &str) -> Result<Vec<Vec<f64>>> {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || -> Result<Vec<Vec<f64>>> {
        let mut c = postgres::Client::connect(&url, postgres::NoTls)
            .context("connecting to the benchmark's PostgreSQL")?;
        let mut out = Vec::new();
        for m in c.simple_query(&sql)? {
            if let postgres::SimpleQueryMessage::Row(row) = m {
                out.push(
                    (0..row.len())
                        .map(|i| row.get(i).and_then(|s| s.parse().ok()).unwrap_or(0.0))
                        .collect(),
                );
            }
        }
        Ok(out)
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the PostgreSQL thread panicked"))?
}
