//! `serve`: how fast `netwalker serve` answers over a large store. A
//! generated 10,000-device lab (ten sites) is walked into a store, then
//! `netwalker serve --site-pattern '*-core*'` over it is asked for each
//! page kind over loopback (a fresh connection per request, as a browser
//! without keep-alive): the device list, a filtered and sorted list,
//! search (one hit, and many), a device page, a site's map, the API's
//! device list. Each is timed from connect to the last byte, the median
//! and the slowest of `ROUNDS` after a warm-up. Targets (issue #16): list
//! and search under 100 ms, a device page under 50 ms, a site's map under
//! 1 s (the server's part of "first render": the page's own script lays
//! out in the browser, which interop suite 60 times).

use crate::common::{Env, Lab, Report, generate, read_json, walk_lab, walked_count};
use crate::proc::{Guard, free_port};
use anyhow::{Context, Result, ensure};
use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

/// Timed requests per page kind, after the warm-up.
const ROUNDS: usize = 15;

pub struct Opts {
    /// Devices in the lab.
    pub devices: usize,
}

/// One page kind: its metric name, path, target (ms) and the status it
/// must answer with.
struct Case {
    key: &'static str,
    path: String,
    target_ms: f64,
    status: u16,
}

pub fn run(env: &Env, o: &Opts) -> Result<Report> {
    let mut r = Report::new("serve");
    r.note(format!(
        "netsim generate --devices {} --seed 7 --base-ip 127.90.0.1, walked by netwalker discover; netwalker serve --site-pattern '*-core*' over its store; each page {ROUNDS} times after a warm-up, a fresh loopback connection each, connect to last byte",
        o.devices
    ));
    let dir = tempfile::tempdir()?;
    let topo = generate(env, dir.path(), o.devices, "127.90.0.1")?;
    let lab = Lab::start(env, &topo, dir.path())?;
    let nw = walk_lab(
        env,
        &lab,
        "127.90.0.1",
        dir.path(),
        Duration::from_secs(600),
    )?;
    lab.stop()?;
    r.add("devices_walked", walked_count(&nw.summary), "devices");
    let inv = read_json(&nw.out.join("inventory.json"))?;
    let devices = inv["devices"].as_array().context("inventory devices")?;
    r.add("devices_in_store", devices.len() as f64, "devices");
    let names: Vec<&str> = devices
        .iter()
        .filter(|d| d["status"] == "walked")
        .filter_map(|d| d["hostname"].as_str())
        .collect();
    ensure!(!names.is_empty(), "nothing walked");
    let middle = names[names.len() / 2];
    let site = middle.split('-').next().unwrap_or(middle);
    let store = nw.out.join("inventory.db");
    let port = free_port()?;
    let mut cmd = Command::new(env.bin("netwalker"));
    cmd.arg("serve")
        .arg("--store")
        .arg(&store)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--site-pattern", "*-core*"]);
    let mut server = Guard::spawn(cmd, true)?;
    server.wait_line("netwalker serve:", Duration::from_secs(30))?;
    let addr = format!("127.0.0.1:{port}");
    let cases = [
        Case {
            key: "device_list",
            path: "/devices".into(),
            target_ms: 100.0,
            status: 200,
        },
        Case {
            key: "device_list_filtered_sorted",
            path: "/devices?q=acc&platform=cisco_ios&sort=version&dir=desc&offset=200".into(),
            target_ms: 100.0,
            status: 200,
        },
        Case {
            key: "search_one_hit",
            path: format!("/search?q={middle}"),
            target_ms: 100.0,
            status: 303,
        },
        Case {
            key: "search_many_hits",
            path: format!("/search?q={site}-acc"),
            target_ms: 100.0,
            status: 200,
        },
        Case {
            key: "device_page",
            path: format!("/devices/{middle}"),
            target_ms: 50.0,
            status: 200,
        },
        Case {
            key: "site_map",
            path: format!("/map?site={site}"),
            target_ms: 1000.0,
            status: 200,
        },
        Case {
            key: "api_device_list",
            path: "/api/v1/devices?limit=100".into(),
            target_ms: 100.0,
            status: 200,
        },
    ];
    for c in &cases {
        let (median, max, bytes) = time_case(&addr, c)?;
        r.add(&format!("{}_median_ms", c.key), median, "ms")
            .target(c.target_ms, true);
        r.add(&format!("{}_max_ms", c.key), max, "ms");
        r.add(&format!("{}_kib", c.key), bytes as f64 / 1024.0, "KiB");
    }
    let exit = server.stop(Duration::from_secs(10))?;
    ensure!(
        exit.code == Some(0),
        "netwalker serve exited with {:?}",
        exit.code
    );
    r.add("serve_peak_rss_mib", exit.max_rss as f64 / 1048576.0, "MiB");
    Ok(r)
}

/// Median and slowest time (ms) of [`ROUNDS`] requests after two warm-ups,
/// and the response's size.
fn time_case(addr: &str, c: &Case) -> Result<(f64, f64, usize)> {
    let mut times = Vec::with_capacity(ROUNDS);
    let mut size = 0;
    for round in 0..ROUNDS + 2 {
        let started = Instant::now();
        let (status, bytes) = get(addr, &c.path)?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        ensure!(
            status == c.status,
            "{} answered {status}, not {}",
            c.path,
            c.status
        );
        size = bytes;
        if round >= 2 {
            times.push(ms);
        }
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times[times.len() - 1], size))
}

/// One GET on a fresh connection: the status and the response's length.
fn get(addr: &str, path: &str) -> Result<(u16, usize)> {
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp)?;
    let head = String::from_utf8_lossy(&resp[..resp.len().min(64)]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("{path}: no status line in {head:?}"))?;
    Ok((status, resp.len()))
}
