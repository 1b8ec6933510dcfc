//! `sessions`: device-session's throughput and idle cost
//! (`src/bin/session_bench.rs`, which also runs netmiko and scrapli on the
//! same lab in the same run through `python/python_clients.py`), driven from
//! here so that `bench all` covers it and its figures land in the same report.

use crate::common::{Env, Report};
use crate::proc::Guard;
use anyhow::{Context, Result, ensure};
use regex::Regex;
use std::process::Command;
use std::time::Duration;

pub struct Opts {
    pub sessions: usize,
    pub idle: usize,
    pub python_sessions: usize,
}

pub fn run(env: &Env, o: &Opts) -> Result<Report> {
    env.require_python(&["netmiko", "scrapli", "asyncssh"])?;
    let mut cmd = Command::new(env.bin("session_bench"));
    cmd.arg("--netsim")
        .arg(env.bin("netsim"))
        .args(["--sessions", &o.sessions.to_string()])
        .args(["--idle", &o.idle.to_string()])
        .args(["--concurrency", "32", "--devices", "50"])
        .arg("--python")
        .arg(&env.python)
        .args(["--python-sessions", &o.python_sessions.to_string()]);
    let mut g = Guard::spawn(cmd, true)?;
    let exit = g.wait(Duration::from_secs(900))?;
    let out = g.rest_of_stdout();
    ensure!(
        exit.code == Some(0),
        "session_bench exited with {:?}:\n{out}",
        exit.code
    );
    let grab = |re: &str| -> Result<Vec<f64>> {
        let caps = Regex::new(re)?
            .captures(&out)
            .with_context(|| format!("session_bench output has no match for {re}:\n{out}"))?;
        Ok(caps
            .iter()
            .skip(1)
            .map(|m| m.map_or(f64::NAN, |m| m.as_str().parse().unwrap_or(f64::NAN)))
            .collect())
    };
    let mut r = Report::new("sessions");
    r.note(format!(
        "session_bench: netsim serve (50 cisco_ios devices, SSH, modern algorithms) in its own process; concurrency 32; device-session {} sessions, netmiko/scrapli {} each; open+auth+prompt+paging off+`show version`+close",
        o.sessions, o.python_sessions
    ));
    let rust = grab(r"sessions: (\d+) in ([\d.]+)s = ([\d.]+) sessions/s .*?(\d+) failed")?;
    r.add("device_session.sessions_per_s", rust[2], "sess/s")
        .target(1000.0, false);
    r.add("device_session.failed", rust[3], "sessions");
    let cpu = grab(r"client CPU: [\d.]+s = ([\d.]+) ms/session")?;
    r.add("device_session.client_cpu_per_session", cpu[0], "ms");
    for client in ["netmiko", "scrapli"] {
        let v = grab(&format!(
            r"{client}: ([\d.]+) in ([\d.]+)s = ([\d.]+) sessions/s \((\d+) failed\)"
        ))?;
        r.add(&format!("{client}.sessions_per_s"), v[2], "sess/s");
        r.add(&format!("{client}.failed"), v[3], "sessions");
        r.add(
            &format!("ratio.device_session_vs_{client}"),
            rust[2] / v[2],
            "x",
        );
    }
    let idle = grab(r"idle sessions: (\d+): heap ([\d.]+) KiB/session, RSS ([\d.]+) KiB/session")?;
    r.add("device_session.rss_per_idle_session", idle[2], "KiB")
        .target(64.0, true);
    r.add("device_session.heap_per_idle_session", idle[1], "KiB");
    let shut = grab(
        r"shutdown of \d+ idle sessions: ([\d.]+)s \((\d+) graceful, (\d+) forced, (\d+) still open\)",
    )?;
    r.add("device_session.shutdown_idle_secs", shut[0], "s");
    r.add(
        "device_session.still_open_after_shutdown",
        shut[3],
        "sessions",
    )
    .target(0.0, true);
    Ok(r)
}
