//! Benchmark: sessions per second and client-side memory per idle session,
//! against a `netsim serve` lab running as a separate process (so the
//! memory figures are the client's alone).
//!
//! ```text
//! cargo build --release -p netsim -p bench
//! target/release/session_bench --netsim target/release/netsim
//! # with the netmiko / scrapli comparison on the same lab, same run:
//! python3 -m venv /tmp/bench-venv
//! /tmp/bench-venv/bin/pip install netmiko 'scrapli[asyncssh]==2025.1.30'
//! target/release/session_bench --netsim target/release/netsim \
//!     --python /tmp/bench-venv/bin/python --python-sessions 200
//! ```
//!
//! (scrapli is pinned to the last release with the asyncssh transport;
//! later releases are a rewrite without it.)
//!
//! Workload per session: open (TCP, SSH with modern algorithms, password
//! auth, pty+shell, prompt learned), paging off, one command, close.

use device_platform::Platform;
use device_session::{
    Credentials, HostKeyPolicy, OpenOptions, Registry, Target, Timeouts, Transports,
};
use std::alloc::{GlobalAlloc, Layout};
use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live heap bytes, so "memory per idle session" is what this
/// process really holds, not allocator slack. Underneath is mimalloc, the
/// allocator netwalker ships with.
struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { mimalloc::MiMalloc.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { mimalloc::MiMalloc.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { mimalloc::MiMalloc.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// This process's CPU time (user + system), from /proc.
fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn rss_bytes() -> u64 {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = s
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

struct Args {
    netsim: String,
    /// A Python with netmiko, scrapli and asyncssh: runs the same workload
    /// with them against the same lab for the comparison.
    python: Option<String>,
    python_sessions: usize,
    devices: usize,
    sessions: usize,
    concurrency: usize,
    idle: usize,
}

fn args() -> Args {
    let mut a = Args {
        netsim: "target/release/netsim".into(),
        python: None,
        python_sessions: 200,
        devices: 50,
        sessions: 3000,
        concurrency: 32,
        idle: 1000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--netsim" => a.netsim = v,
            "--python" => a.python = Some(v),
            "--python-sessions" => a.python_sessions = v.parse().expect("--python-sessions"),
            "--devices" => a.devices = v.parse().expect("--devices"),
            "--sessions" => a.sessions = v.parse().expect("--sessions"),
            "--concurrency" => a.concurrency = v.parse().expect("--concurrency"),
            "--idle" => a.idle = v.parse().expect("--idle"),
            _ => panic!("unknown argument {k}"),
        }
    }
    a
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().unwrap();
    let topo_path = dir.path().join("lab.toml");
    let mut topo = String::new();
    let ip = |i: usize| format!("127.77.{}.{}", i / 250, i % 250 + 1);
    for i in 0..a.devices {
        topo.push_str(&format!(
            "[[device]]\nhostname = \"b{i}\"\nplatform = \"cisco_ios\"\nmgmt_ip = \"{}\"\nserial = \"SN{i}\"\nmodel = \"WS-C2960X-48FPD-L\"\nversion = \"15.2(7)E4\"\ntransports = \"ssh\"\n\n",
            ip(i)
        ));
    }
    std::fs::write(&topo_path, topo).unwrap();
    let port = free_port();
    let mut child = Command::new(&a.netsim)
        .args([
            "serve",
            topo_path.to_str().unwrap(),
            "--port",
            &port.to_string(),
            "--telnet-port",
            &free_port().to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", a.netsim));
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.starts_with("ready") => break,
            Some(Ok(_)) => continue,
            _ => panic!("netsim exited before ready"),
        }
    }

    let targets: Vec<Target> = (0..a.devices)
        .map(|i| Target::new(ip(i)).ssh_port(port).name(format!("b{i}")))
        .collect();
    let creds = Credentials::password("admin", "admin");
    let opts = OpenOptions {
        platform: Some(Platform::CiscoIos),
        transports: Transports::SshOnly,
        host_key_policy: HostKeyPolicy::AcceptNew {
            known_hosts: dir.path().join("known_hosts"),
        },
        timeouts: Timeouts::uniform(Duration::from_secs(20)),
        ..Default::default()
    };
    let reg = Registry::new();

    // Warm-up: learn every host key once, fault in code paths.
    for t in &targets {
        reg.open(t, &creds, &opts)
            .await
            .unwrap()
            .close()
            .await
            .unwrap();
    }

    // Workload 1: full session cycles with a concurrency limit.
    let sem = Arc::new(tokio::sync::Semaphore::new(a.concurrency));
    let cpu0 = cpu_seconds();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..a.sessions {
        let permit = sem.clone().acquire_owned().await.unwrap();
        let (reg, t, creds, opts) = (
            reg.clone(),
            targets[i % targets.len()].clone(),
            creds.clone(),
            opts.clone(),
        );
        tasks.spawn(async move {
            let _permit = permit;
            let mut s = reg.open(&t, &creds, &opts).await?;
            s.run("show version").await?;
            s.close().await
        });
    }
    let mut failures = 0;
    while let Some(r) = tasks.join_next().await {
        if !matches!(r, Ok(Ok(()))) {
            failures += 1;
            if failures < 5 {
                eprintln!("session failed: {r:?}");
            }
        }
    }
    let elapsed = started.elapsed();
    let cpu = cpu_seconds() - cpu0;
    println!(
        "client CPU: {:.2}s = {:.2} ms/session",
        cpu,
        cpu * 1000.0 / a.sessions as f64
    );
    println!(
        "sessions: {} in {:.2}s = {:.0} sessions/s (concurrency {}, {} devices, {} failed)",
        a.sessions,
        elapsed.as_secs_f64(),
        a.sessions as f64 / elapsed.as_secs_f64(),
        a.concurrency,
        a.devices,
        failures
    );

    let rust_rate = a.sessions as f64 / elapsed.as_secs_f64();

    // The same workload with the Python tools, against the same lab.
    if let Some(py) = &a.python {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/python_clients.py");
        for client in ["netmiko", "scrapli"] {
            let mut cmd = Command::new(py);
            cmd.args([
                script,
                client,
                &a.python_sessions.to_string(),
                &a.concurrency.to_string(),
                &port.to_string(),
            ]);
            cmd.args((0..a.devices).map(ip));
            let out = cmd.stderr(Stdio::inherit()).output().expect("python runs");
            let line = String::from_utf8_lossy(&out.stdout);
            let f: Vec<&str> = line.split_whitespace().collect();
            if !out.status.success() || f.len() != 4 {
                println!("{client}: failed to run ({line:?})");
                continue;
            }
            let (n, secs): (f64, f64) = (f[1].parse().unwrap(), f[2].parse().unwrap());
            let rate = n / secs;
            println!(
                "{client}: {n} in {secs:.2}s = {rate:.1} sessions/s ({} failed); device-session is {:.1}x faster",
                f[3],
                rust_rate / rate
            );
        }
    }

    // Workload 2: memory per open idle session.
    let heap0 = LIVE.load(Ordering::Relaxed);
    let rss0 = rss_bytes();
    let mut idle = Vec::with_capacity(a.idle);
    for i in 0..a.idle {
        idle.push(
            reg.open(&targets[i % targets.len()], &creds, &opts)
                .await
                .unwrap(),
        );
    }
    let heap1 = LIVE.load(Ordering::Relaxed);
    let rss1 = rss_bytes();
    println!(
        "idle sessions: {}: heap {:.1} KiB/session, RSS {:.1} KiB/session",
        a.idle,
        (heap1 - heap0) as f64 / a.idle as f64 / 1024.0,
        (rss1.saturating_sub(rss0)) as f64 / a.idle as f64 / 1024.0
    );
    let close_started = Instant::now();
    let report = reg.shutdown(Duration::from_secs(10)).await;
    drop(idle);
    println!(
        "shutdown of {} idle sessions: {:.2}s ({} graceful, {} forced, {} still open)",
        a.idle,
        close_started.elapsed().as_secs_f64(),
        report.closed_gracefully,
        report.force_closed,
        report.still_open
    );
    let c = reg.counters();
    println!(
        "registry: opened {}, closed gracefully {}, forced {}, failed opens {}, open now {}, peak {}",
        c.opened,
        c.closed_gracefully,
        c.force_closed,
        c.failed_opens,
        c.open_now,
        c.peak_concurrent
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let _ = SocketAddr::from(([127, 0, 0, 1], port));
}
