//! `netsim-scale`: what a 1,000-device lab costs the machine: netsim's RSS
//! idle and while holding 150 concurrent open sessions, and its listeners.

use crate::common::{Env, Lab, Report, generate, num};
use crate::proc::proc_status_bytes;
use anyhow::{Context, Result, ensure};
use device_session::{Credentials, HostKeyPolicy, OpenOptions, Registry, Target, Transports};
use std::time::{Duration, Instant, SystemTime};

pub fn run(env: &Env, devices: usize, sessions: usize) -> Result<Report> {
    let dir = tempfile::tempdir()?;
    let topo = generate(env, dir.path(), devices, "127.71.0.1")?;
    let ssh_ips = ssh_devices(&std::fs::read_to_string(&topo)?);
    ensure!(
        ssh_ips.len() >= sessions,
        "the lab has {} SSH devices, fewer than {sessions}",
        ssh_ips.len()
    );
    let lab = Lab::start(env, &topo, dir.path())?;
    let pid = lab.guard.pid();
    let mib = |b: Option<u64>| b.map_or(f64::NAN, |b| b as f64 / 1048576.0);
    let mut r = Report::new("netsim-scale");
    r.add("netsim.devices", devices as f64, "devices");
    r.add("netsim.listeners", lab.listeners as f64, "sockets");
    r.add(
        "netsim.rss_idle",
        mib(proc_status_bytes(pid, "VmRSS")),
        "MiB",
    )
    .target(200.0, true);

    let rt = tokio::runtime::Runtime::new()?;
    let (opened, open_secs) = rt.block_on(async {
        let reg = Registry::new();
        let creds = Credentials::password("admin", "admin");
        let opts = OpenOptions {
            host_key_policy: HostKeyPolicy::Off,
            transports: Transports::SshOnly,
            ..Default::default()
        };
        let started = Instant::now();
        let mut set = tokio::task::JoinSet::new();
        for ip in ssh_ips.iter().take(sessions) {
            let (reg, creds, opts) = (reg.clone(), creds.clone(), opts.clone());
            let t = Target::new(ip.clone()).ssh_port(lab.ssh_port);
            set.spawn(async move { reg.open(&t, &creds, &opts).await });
        }
        let mut held = Vec::new();
        let mut failures = Vec::new();
        while let Some(j) = set.join_next().await {
            match j {
                Ok(Ok(s)) => held.push(s),
                Ok(Err(e)) => failures.push(e.to_string()),
                Err(e) => failures.push(e.to_string()),
            }
        }
        let open_secs = started.elapsed().as_secs_f64();
        // All `sessions` are open at this moment: measure the server now.
        let rss = mib(proc_status_bytes(pid, "VmRSS"));
        let n = held.len();
        for s in held {
            // Close in turn; the count of graceful closes is checked below.
            let _ = s.close().await;
        }
        let rep = reg.shutdown(Duration::from_secs(5)).await;
        if let Some(f) = failures.first() {
            eprintln!("netsim-scale: {} opens failed, first: {f}", failures.len());
        }
        anyhow::Ok(((n, rss, rep.still_open), open_secs))
    })?;
    let (n, rss_busy, still_open) = opened;
    let ended = SystemTime::now();
    r.add("sessions.opened_concurrently", n as f64, "sessions")
        .target(sessions as f64, false);
    r.add("sessions.open_all_secs", open_secs, "s");
    r.add("netsim.rss_with_sessions", rss_busy, "MiB")
        .target(200.0, true);
    r.add(
        "netsim.peak_rss",
        mib(proc_status_bytes(pid, "VmHWM")),
        "MiB",
    )
    .target(200.0, true);
    r.add(
        "client.still_open_after_shutdown",
        still_open as f64,
        "sessions",
    )
    .target(0.0, true);
    let live = lab
        .stats_after(ended)
        .context("netsim stats after closing")?;
    r.add("netsim.peak_open", num(&live, "peak_open"), "sessions");
    r.add(
        "netsim.sessions_open_after_close",
        num(&live, "sessions_open"),
        "sessions",
    )
    .target(0.0, true);
    lab.stop()?;
    r.note(format!(
        "netsim serve of `netsim generate --devices {devices} --seed 7` in its own process; {sessions} SSH sessions opened at once by device-session from this process and held idle while netsim's VmRSS is read"
    ));
    Ok(r)
}

/// Management IPs of devices that accept SSH, in file order.
fn ssh_devices(toml: &str) -> Vec<String> {
    let mut out = Vec::new();
    for block in toml.split("[[device]]").skip(1) {
        let block = block.split("\n[").next().unwrap_or("");
        let get = |k: &str| {
            block.lines().find_map(|l| {
                let (key, v) = l.split_once('=')?;
                (key.trim() == k).then(|| v.trim().trim_matches('"').to_string())
            })
        };
        let ssh = matches!(get("transports").as_deref(), None | Some("both" | "ssh"));
        if ssh
            && get("fault").is_none()
            && let Some(ip) = get("mgmt_ip")
        {
            out.push(ip);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::ssh_devices;

    #[test]
    fn only_healthy_ssh_devices_are_targets() {
        let toml = r#"
[[device]]
hostname = "a"
mgmt_ip = "127.9.0.1"
transports = "both"

[[device]]
hostname = "b"
mgmt_ip = "127.9.0.2"
transports = "none"

[[device]]
hostname = "c"
mgmt_ip = "127.9.0.3"
fault = "auth_fail"

[[device]]
hostname = "d"
mgmt_ip = "127.9.0.4"

[[link]]
a = "a"
"#;
        assert_eq!(ssh_devices(toml), ["127.9.0.1", "127.9.0.4"]);
    }
}
