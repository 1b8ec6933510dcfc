//! `walk-latency`: a walk at real-world speed, where concurrency decides.
//!
//! One generated lab (10,000 devices by default) with netsim's delays (20
//! ms round trip, 0.5 s handshake, 50-400 ms per command, jitter), served
//! by one netsim on its shared listeners; netwalker walks all of it at each
//! `--concurrency`, the scrapli walker (`bench/python/walk.py`) a capped
//! prefix of it at each of its concurrencies (its whole-lab time
//! extrapolated from its rate). Per run: devices walked, wall time,
//! devices/s, peak RSS, peak open file descriptors (client and netsim), the
//! ratio to scrapli's best rate; netwalker's inventory checked against the
//! ground truth and netsim's session accounting after each walk.

use crate::common::{
    Env, Lab, Report, generate_with, num, read_json, run_python, walk_lab_with, walked_count,
};
use crate::proc::{FdPeak, proc_cpu};
use crate::walk_scale::{add_mismatches, against_truth};
use anyhow::Result;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Where the lab's addresses start (no other benchmark uses 127.90/16).
const BASE_IP: &str = "127.90.0.1";

pub struct Opts {
    /// Devices in the lab, leaves included.
    pub devices: usize,
    /// netwalker's `--concurrency` values, one walk each.
    pub netwalker: Vec<usize>,
    /// The scrapli walker's concurrencies, one capped walk each.
    pub scrapli: Vec<usize>,
    /// Devices the scrapli walker walks before it stops.
    pub scrapli_devices: usize,
    /// Seconds the scrapli walker may take before it stops.
    pub python_budget_secs: u64,
    /// The `netsim generate` delay flags (`--latency 20ms`...).
    pub delays: Vec<String>,
}

/// One walk's row of the table.
struct Row {
    /// `netwalker` or `scrapli`.
    tool: &'static str,
    /// Devices in flight at most.
    concurrency: usize,
    /// Devices walked (scrapli: of its capped prefix).
    walked: f64,
    /// Wall time of the run, seconds.
    secs: f64,
    /// Peak RSS of the walker, MiB.
    rss_mib: f64,
    /// Peak open file descriptors of the walker.
    fds: u64,
    /// Peak open file descriptors of netsim during the run.
    netsim_fds: u64,
    /// CPU seconds the walker used (over `secs`: cores kept busy).
    cpu: f64,
    /// CPU seconds netsim used during the run.
    netsim_cpu: f64,
    /// Whether the walk stopped at its cap (its whole-lab time is then
    /// extrapolated from its rate).
    capped: bool,
}

impl Row {
    fn rate(&self) -> f64 {
        self.walked / self.secs
    }
}

pub fn run(env: &Env, o: &Opts) -> Result<Report> {
    if !o.scrapli.is_empty() {
        env.require_python(&["scrapli", "asyncssh", "ntc_templates"])?;
    }
    let dir = tempfile::tempdir()?;
    let topo = generate_with(env, dir.path(), o.devices, BASE_IP, &o.delays)?;
    let lab = Lab::start(env, &topo, dir.path())?;
    let mut r = Report::new("walk-latency");
    r.note(format!(
        "lab: netsim generate --devices {} --seed 7 {} --base-ip {BASE_IP}, served by one netsim (shared listeners, {} sockets); netwalker discover --seed {BASE_IP} --json --quiet --host-key-policy accept-any --concurrency C",
        o.devices,
        o.delays.join(" "),
        lab.listeners
    ));
    let mut rows = Vec::new();
    for &c in &o.netwalker {
        rows.push(netwalker(env, &lab, dir.path(), o.devices, c, &mut r)?);
    }
    for &c in &o.scrapli {
        rows.push(scrapli(env, &lab, o, c, &mut r)?);
    }
    let fin = lab.stop()?;
    r.add(
        "netsim.sessions_open_at_end",
        num(&fin, "sessions_open"),
        "sessions",
    )
    .target(0.0, true);
    summarise(&rows, o, &mut r);
    print_table(&rows);
    Ok(r)
}

/// One full netwalker walk at concurrency `c`, checked against the truth.
fn netwalker(
    env: &Env,
    lab: &Lab,
    lab_dir: &Path,
    devices: usize,
    c: usize,
    r: &mut Report,
) -> Result<Row> {
    let run_dir = lab_dir.join(format!("netwalker-c{c}"));
    std::fs::create_dir_all(&run_dir)?;
    let before = lab.stats_after(SystemTime::now())?;
    // Each device takes seconds; the slowest run (c = 32) about
    // devices / c * 2.5 s.
    let budget = Duration::from_secs(300 + (devices as u64 * 4).div_ceil(c as u64));
    let netsim = Netsim::watch(lab);
    let args = ["--concurrency".to_string(), c.to_string()];
    let nw = walk_lab_with(env, lab, BASE_IP, &run_dir, budget, &args);
    let (netsim_fds, netsim_cpu) = netsim.done();
    let nw = nw?;
    let live = lab.stats_after(nw.ended)?;
    let p = format!("netwalker.c{c}");
    for l in nw.stderr.iter().take(5) {
        r.note(format!("{p} stderr: {l}"));
    }
    let opened = num(&live, "sessions_opened") - num(&before, "sessions_opened");
    let mismatches = against_truth(lab_dir, &nw.out, opened)?;
    add_mismatches(r, &p, &mismatches);
    if !mismatches.is_empty() {
        for why in failure_reasons(&nw.out)? {
            r.note(format!("{p} failed: {why}"));
        }
    }
    r.add(
        &format!("{p}.netsim_sessions_open_after"),
        num(&live, "sessions_open"),
        "sessions",
    )
    .target(0.0, true);
    let row = Row {
        tool: "netwalker",
        concurrency: c,
        walked: walked_count(&nw.summary),
        secs: nw.exit.wall.as_secs_f64(),
        rss_mib: nw.exit.max_rss as f64 / 1048576.0,
        fds: nw.fds_peak,
        netsim_fds,
        cpu: nw.exit.cpu.as_secs_f64(),
        netsim_cpu,
        capped: false,
    };
    add_row_metrics(&row, r);
    Ok(row)
}

/// Why devices failed, most common first (at most three), from the
/// walk's inventory.json: a reason names its device, so only the text after
/// the device's address counts.
fn failure_reasons(out: &Path) -> Result<Vec<String>> {
    let inv = read_json(&out.join("inventory.json"))?;
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    let devices = inv["devices"].as_array().cloned().unwrap_or_default();
    for d in devices.iter().filter(|d| d["status"] == "failed") {
        let reason = d["reason"].as_str().unwrap_or("?");
        let why = reason.split_once("): ").map_or(reason, |(_, w)| w);
        *counts.entry(why.to_string()).or_default() += 1;
    }
    let mut top: Vec<(String, usize)> = counts.into_iter().collect();
    top.sort_by_key(|x| std::cmp::Reverse(x.1));
    Ok(top
        .into_iter()
        .take(3)
        .map(|(w, n)| format!("{n} x {w}"))
        .collect())
}

/// One capped scrapli walk at concurrency `c`.
fn scrapli(env: &Env, lab: &Lab, o: &Opts, c: usize, r: &mut Report) -> Result<Row> {
    let script = env.python_script("bench/python/walk.py");
    let args = vec![
        script.display().to_string(),
        "scrapli".to_string(),
        BASE_IP.to_string(),
        lab.ssh_port.to_string(),
        o.scrapli_devices.to_string(),
        o.python_budget_secs.to_string(),
        c.to_string(),
    ];
    let netsim = Netsim::watch(lab);
    let budget = Duration::from_secs(o.python_budget_secs + 120);
    let py = run_python(env, &args, budget);
    let (netsim_fds, netsim_cpu) = netsim.done();
    let py = py?;
    let v = &py.json;
    let row = Row {
        tool: "scrapli",
        concurrency: c,
        walked: num(v, "walked"),
        secs: num(v, "seconds"),
        rss_mib: py.exit.max_rss as f64 / 1048576.0,
        fds: py.fds_peak,
        netsim_fds,
        cpu: py.exit.cpu.as_secs_f64(),
        netsim_cpu,
        capped: v.get("capped").and_then(|x| x.as_bool()) == Some(true),
    };
    let p = format!("scrapli.c{c}");
    r.add(&format!("{p}.failed"), num(v, "failed"), "devices");
    add_row_metrics(&row, r);
    Ok(row)
}

/// What netsim spends while one walk runs: its peak descriptors and CPU.
struct Netsim {
    /// Counts netsim's open descriptors.
    fds: FdPeak,
    /// netsim's process id.
    pid: i32,
    /// Its CPU time when the walk began.
    cpu_before: Option<Duration>,
}

impl Netsim {
    fn watch(lab: &Lab) -> Netsim {
        let pid = lab.guard.pid();
        Netsim {
            fds: FdPeak::watch(pid),
            pid,
            cpu_before: proc_cpu(pid),
        }
    }

    /// (peak descriptors, CPU seconds) since `watch`.
    fn done(self) -> (u64, f64) {
        let cpu = match (self.cpu_before, proc_cpu(self.pid)) {
            (Some(a), Some(b)) => (b - a).as_secs_f64(),
            _ => f64::NAN,
        };
        (self.fds.peak(), cpu)
    }
}

/// A row's numbers as report metrics (for `--json`).
fn add_row_metrics(row: &Row, r: &mut Report) {
    let p = format!("{}.c{}", row.tool, row.concurrency);
    r.add(&format!("{p}.devices_walked"), row.walked, "devices");
    r.add(&format!("{p}.walk_time"), row.secs, "s");
    r.add(&format!("{p}.devices_per_s"), row.rate(), "dev/s");
    r.add(&format!("{p}.peak_rss"), row.rss_mib, "MiB");
    r.add(&format!("{p}.fds_peak"), row.fds as f64, "fds");
    r.add(
        &format!("{p}.netsim_fds_peak"),
        row.netsim_fds as f64,
        "fds",
    );
}

/// The best of each tool and the targets: the best netwalker walk
/// under 60 s (a 10,000-device lab) and 500 MiB, at least 10x scrapli's
/// best rate.
fn summarise(rows: &[Row], o: &Opts, r: &mut Report) {
    let best = |tool: &str| {
        rows.iter()
            .filter(|x| x.tool == tool)
            .max_by(|a, b| a.rate().total_cmp(&b.rate()))
    };
    let (Some(nw), scrapli) = (best("netwalker"), best("scrapli")) else {
        return;
    };
    r.add("best.netwalker_concurrency", nw.concurrency as f64, "");
    let wall = r.add("best.netwalker_walk_time", nw.secs, "s");
    if o.devices >= 10_000 {
        wall.target(60.0, true);
    }
    r.add("best.netwalker_peak_rss", nw.rss_mib, "MiB")
        .target(500.0, true);
    if let Some(s) = scrapli {
        r.add("best.scrapli_concurrency", s.concurrency as f64, "");
        r.add("best.scrapli_devices_per_s", s.rate(), "dev/s");
        r.add(
            "ratio.netwalker_best_vs_scrapli_best",
            nw.rate() / s.rate(),
            "x",
        )
        .target(10.0, false);
        if rows.iter().any(|x| x.capped) {
            r.note(format!(
                "scrapli walks were capped at {} devices / {} s: their whole-lab wall time is extrapolated from their rate to netwalker's {} walked devices (marked ~)",
                o.scrapli_devices, o.python_budget_secs, nw.walked
            ));
        }
    }
    r.note("netwalker runs its full plan per device (an IOS switch: 2 terminal commands and 13 show commands, 4 of them for end hosts; parse, store, reports); the scrapli walker runs 3 show commands with TextFSM and keeps nothing");
}

/// The table the issue asks for, one row per walk.
fn print_table(rows: &[Row]) {
    let best = rows
        .iter()
        .filter(|x| x.tool == "scrapli")
        .map(Row::rate)
        .fold(f64::NAN, f64::max);
    let full = rows
        .iter()
        .filter(|x| x.tool == "netwalker")
        .map(|x| x.walked)
        .fold(f64::NAN, f64::max);
    println!(
        "\n{:<10} {:>5} {:>7} {:>9} {:>10} {:>9} {:>6} {:>10} {:>6} {:>10} {:>6} {:>12}",
        "tool",
        "conc",
        "walked",
        "wall s",
        "devices/s",
        "RSS MiB",
        "fds",
        "netsim fd",
        "CPU s",
        "netsim CPU",
        "x best",
        "whole lab s"
    );
    for x in rows {
        // The whole lab's time: measured, or extrapolated from the rate
        // for a walk capped at a prefix of the lab.
        let whole = if x.capped {
            format!("~{:.0}", full / x.rate())
        } else {
            format!("{:.1}", x.secs)
        };
        println!(
            "{:<10} {:>5} {:>7.0} {:>9.1} {:>10.1} {:>9.0} {:>6} {:>10} {:>6.1} {:>10.1} {:>6.1} {:>12}",
            x.tool,
            x.concurrency,
            x.walked,
            x.secs,
            x.rate(),
            x.rss_mib,
            x.fds,
            x.netsim_fds,
            x.cpu,
            x.netsim_cpu,
            x.rate() / best,
            whole
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_reasons_count_the_text_after_the_device() {
        let dir = tempfile::tempdir().unwrap();
        let inv = serde_json::json!({"devices": [
            {"status": "failed", "reason": "a (127.0.0.1:22): enable failed (check the enable secret)"},
            {"status": "failed", "reason": "b (127.0.0.2:22): enable failed (check the enable secret)"},
            {"status": "failed", "reason": "c (127.0.0.3:22): unreachable: Too many open files (os error 24)"},
            {"status": "walked"},
        ]});
        std::fs::write(dir.path().join("inventory.json"), inv.to_string()).unwrap();
        assert_eq!(
            failure_reasons(dir.path()).unwrap(),
            [
                "2 x enable failed (check the enable secret)",
                "1 x unreachable: Too many open files (os error 24)"
            ]
        );
    }
}
