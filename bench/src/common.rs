//! What every benchmark shares: where the binaries are, the report shape,
//! and a netsim lab served by a separate process.

use crate::proc::{Exit, FdPeak, Guard, free_port};
use anyhow::{Context, Result, bail, ensure};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

pub struct Env {
    pub root: PathBuf,
    pub release: PathBuf,
    pub python: PathBuf,
    /// Small sizes for a smoke test; the numbers are not the benchmark.
    pub quick: bool,
}

impl Env {
    pub fn bin(&self, name: &str) -> PathBuf {
        self.release.join(name)
    }

    pub fn python_script(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Fails with what to run when the venv lacks a module.
    pub fn require_python(&self, modules: &[&str]) -> Result<()> {
        let code = format!("import {}", modules.join(", "));
        let ok = Command::new(&self.python)
            .args(["-c", &code])
            .status()
            .is_ok_and(|s| s.success());
        ensure!(
            ok,
            "{} cannot `{code}`: run `interop/setup` (builds interop/.venv from interop/requirements.txt) or pass --python",
            self.python.display()
        );
        Ok(())
    }
}

#[derive(Serialize, Clone)]
pub struct Metric {
    pub key: String,
    pub value: f64,
    pub unit: String,
    pub target: Option<String>,
    pub pass: Option<bool>,
}

#[derive(Serialize, Default)]
pub struct Report {
    pub name: String,
    pub metrics: Vec<Metric>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn new(name: &str) -> Report {
        Report {
            name: name.into(),
            ..Default::default()
        }
    }

    pub fn add(&mut self, key: &str, value: f64, unit: &str) -> &mut Metric {
        self.metrics.push(Metric {
            key: key.into(),
            value,
            unit: unit.into(),
            target: None,
            pass: None,
        });
        self.metrics.last_mut().expect("just pushed")
    }

    pub fn note(&mut self, s: impl Into<String>) {
        self.notes.push(s.into());
    }

    pub fn print(&self) {
        println!("\n== {} ==", self.name);
        let w = self.metrics.iter().map(|m| m.key.len()).max().unwrap_or(6);
        println!(
            "{:<w$}  {:>14}  {:<10} {:<14} ok",
            "metric", "value", "unit", "target"
        );
        for m in &self.metrics {
            let v = fmt_value(m.value);
            let ok = match m.pass {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "",
            };
            println!(
                "{:<w$}  {:>14}  {:<10} {:<14} {ok}",
                m.key,
                v,
                m.unit,
                m.target.as_deref().unwrap_or("")
            );
        }
        for n in &self.notes {
            println!("  note: {n}");
        }
    }
}

/// Three significant digits for small values, none for large ones.
fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    if v.abs() >= 100.0 || v == v.trunc() {
        return format!("{v:.0}");
    }
    let decimals = (2 - v.abs().log10().floor() as i32).clamp(1, 9) as usize;
    format!("{v:.decimals$}")
}

impl Metric {
    /// Marks the metric against a target (`at_most`: lower is better).
    pub fn target(&mut self, limit: f64, at_most: bool) {
        let unit = &self.unit;
        self.target = Some(if at_most {
            format!("<= {limit} {unit}")
        } else {
            format!(">= {limit} {unit}")
        });
        self.pass = Some(if at_most {
            self.value <= limit
        } else {
            self.value >= limit
        });
    }
}

/// `netsim serve` in its own process.
pub struct Lab {
    pub guard: Guard,
    pub ssh_port: u16,
    pub telnet_port: u16,
    pub listeners: u64,
    pub stats_path: PathBuf,
}

/// Writes a generated topology (faults off) with `devices` devices to
/// `dir/lab.toml`, and its ground truth to `dir/truth.json`.
pub fn generate(env: &Env, dir: &Path, devices: usize, base_ip: &str) -> Result<PathBuf> {
    generate_with(env, dir, devices, base_ip, &[])
}

/// [`generate`] with more `netsim generate` flags (`--latency 20ms`...).
pub fn generate_with(
    env: &Env,
    dir: &Path,
    devices: usize,
    base_ip: &str,
    extra: &[String],
) -> Result<PathBuf> {
    let path = dir.join("lab.toml");
    let out = Command::new(env.bin("netsim"))
        .args(["generate", "--devices", &devices.to_string(), "--seed", "7"])
        .args(extra)
        .args(["--base-ip", base_ip, "-o"])
        .arg(&path)
        .arg("--truth")
        .arg(dir.join("truth.json"))
        .output()
        .context("running netsim generate")?;
    ensure!(
        out.status.success(),
        "netsim generate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(path)
}

impl Lab {
    pub fn start(env: &Env, topology: &Path, dir: &Path) -> Result<Lab> {
        let (ssh_port, telnet_port) = (free_port()?, free_port()?);
        let stats_path = dir.join("netsim-stats.json");
        let mut cmd = Command::new(env.bin("netsim"));
        cmd.arg("serve")
            .arg(topology)
            .args(["--port", &ssh_port.to_string()])
            .args(["--telnet-port", &telnet_port.to_string()])
            .arg("--stats")
            .arg(&stats_path);
        let mut guard = Guard::spawn(cmd, true)?;
        let ready = guard.wait_line("ready", Duration::from_secs(120))?;
        // "ready: N devices, L listeners (...)"
        let listeners = ready
            .split_whitespace()
            .zip(ready.split_whitespace().skip(1))
            .find(|(_, w)| w.starts_with("listeners"))
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or(0);
        Ok(Lab {
            guard,
            ssh_port,
            telnet_port,
            listeners,
            stats_path,
        })
    }

    /// The stats file as netsim wrote it after `after`: netsim rewrites it
    /// once a second and has no other way to say "this is current".
    pub fn stats_after(&self, after: SystemTime) -> Result<serde_json::Value> {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let fresh = std::fs::metadata(&self.stats_path)
                .and_then(|m| m.modified())
                .is_ok_and(|m| m > after);
            if fresh && let Ok(v) = read_json(&self.stats_path) {
                return Ok(v);
            }
            if std::time::Instant::now() > deadline {
                bail!(
                    "netsim did not rewrite {} in 5 s",
                    self.stats_path.display()
                );
            }
            std::thread::sleep(Duration::from_millis(100)); // sleep-ok: polls for netsim's once-a-second stats rewrite, bounded by the deadline above
        }
    }

    /// SIGTERM; returns the stats netsim writes on exit.
    pub fn stop(mut self) -> Result<serde_json::Value> {
        let exit = self.guard.stop(Duration::from_secs(10))?;
        ensure!(exit.code == Some(0), "netsim exited with {:?}", exit.code);
        read_json(&self.stats_path)
    }
}

/// One `netwalker discover` of a lab, as a user runs it.
pub struct NetwalkerRun {
    /// Exit status, wall time and peak RSS of the netwalker process.
    pub exit: Exit,
    /// Its `--json` summary.
    pub summary: serde_json::Value,
    /// Its stderr lines other than the expected host-key warnings.
    pub stderr: Vec<String>,
    /// When it exited, to read netsim's stats written after that.
    pub ended: SystemTime,
    /// Where its store, inventory.json and reports are.
    pub out: PathBuf,
    /// The most file descriptors it held (sampled, [`FdPeak`]).
    pub fds_peak: u64,
}

/// Runs `netwalker discover` seeded at `seed` against `lab`, with its store
/// and reports in `dir/nw`; fails unless it exits 0 within `timeout`.
pub fn walk_lab(
    env: &Env,
    lab: &Lab,
    seed: &str,
    dir: &Path,
    timeout: Duration,
) -> Result<NetwalkerRun> {
    walk_lab_with(env, lab, seed, dir, timeout, &[])
}

/// [`walk_lab`] with more `netwalker discover` flags (`--concurrency 512`).
pub fn walk_lab_with(
    env: &Env,
    lab: &Lab,
    seed: &str,
    dir: &Path,
    timeout: Duration,
    extra: &[String],
) -> Result<NetwalkerRun> {
    let out = dir.join("nw");
    std::fs::create_dir_all(&out)?;
    let err_path = dir.join("netwalker.err");
    let mut cmd = Command::new(env.bin("netwalker"));
    cmd.args(["discover", "--seed", seed])
        .args(["--port", &lab.ssh_port.to_string()])
        .args(["--telnet-port", &lab.telnet_port.to_string()])
        .args(["--json", "--quiet", "--host-key-policy", "accept-any"])
        .args(extra)
        .arg("--store")
        .arg(out.join("inventory.db"))
        .arg("--out")
        .arg(&out)
        // Simulated devices' credentials; never a real secret.
        .env("NETWALKER_USERNAME", "admin")
        .env("NETWALKER_PASSWORD", "admin")
        .env("NETWALKER_ENABLE", "admin")
        // One host-key warning per device with accept-any: kept, not shown.
        .stderr(std::fs::File::create(&err_path)?);
    let mut g = Guard::spawn(cmd, true)?;
    let fds = FdPeak::watch(g.pid());
    let exit = g.wait(timeout);
    let fds_peak = fds.peak();
    let exit = exit?;
    let ended = SystemTime::now();
    let stdout = g.rest_of_stdout();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    ensure!(
        exit.code == Some(0),
        "netwalker exited with {:?}: {stdout}\n{stderr}",
        exit.code
    );
    let summary = serde_json::from_str(stdout.trim())
        .with_context(|| format!("netwalker --json printed {stdout:?}"))?;
    Ok(NetwalkerRun {
        exit,
        summary,
        stderr: stderr
            .lines()
            .filter(|l| !l.contains("host-key checking is off"))
            .map(str::to_string)
            .collect(),
        ended,
        out,
        fds_peak,
    })
}

/// Walked devices in a `--json` summary.
pub fn walked_count(summary: &serde_json::Value) -> f64 {
    summary["counts"]["walked"].as_f64().unwrap_or(f64::NAN)
}

pub fn read_json(p: &Path) -> Result<serde_json::Value> {
    let s = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
    serde_json::from_str(&s).with_context(|| format!("parsing {}", p.display()))
}

pub fn num(v: &serde_json::Value, key: &str) -> f64 {
    v.get(key).and_then(|x| x.as_f64()).unwrap_or(f64::NAN)
}

/// Runs a Python peer that prints one JSON object on its last stdout line.
pub fn run_python_json(env: &Env, args: &[String], timeout: Duration) -> Result<serde_json::Value> {
    run_python(env, args, timeout).map(|r| r.json)
}

/// One Python peer's run: what it printed and what it cost.
pub struct PythonRun {
    /// The JSON object on its last stdout line.
    pub json: serde_json::Value,
    /// Its exit, wall time and peak RSS.
    pub exit: Exit,
    /// The most file descriptors it held (sampled, [`FdPeak`]).
    pub fds_peak: u64,
}

/// [`run_python_json`], with the process's peak RSS and descriptors.
pub fn run_python(env: &Env, args: &[String], timeout: Duration) -> Result<PythonRun> {
    let mut cmd = Command::new(&env.python);
    cmd.args(args);
    let mut g = Guard::spawn(cmd, true)?;
    let fds = FdPeak::watch(g.pid());
    let exit = g.wait(timeout);
    let fds_peak = fds.peak();
    let exit = exit?;
    let out = g.rest_of_stdout();
    ensure!(
        exit.code == Some(0),
        "python {args:?} exited with {:?}",
        exit.code
    );
    let last = out.lines().last().unwrap_or("");
    let json =
        serde_json::from_str(last).with_context(|| format!("python {args:?} printed {out:?}"))?;
    Ok(PythonRun {
        json,
        exit,
        fds_peak,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_three_significant_digits() {
        assert_eq!(fmt_value(0.00178), "0.00178");
        assert_eq!(fmt_value(0.26), "0.260");
        assert_eq!(fmt_value(45.876), "45.9");
        assert_eq!(fmt_value(153.4), "153");
        assert_eq!(fmt_value(3.0), "3");
        assert_eq!(fmt_value(f64::NAN), "n/a");
    }

    #[test]
    fn targets_mark_pass_and_fail() {
        let mut r = Report::new("t");
        r.add("a", 4.0, "s").target(5.0, true);
        r.add("b", 40.0, "x").target(50.0, false);
        assert_eq!(r.metrics[0].pass, Some(true));
        assert_eq!(r.metrics[1].pass, Some(false));
    }
}
