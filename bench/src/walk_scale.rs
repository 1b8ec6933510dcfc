//! `walk-scale`: netwalker on generated labs of growing size (1,000 /
//! 3,000 / 10,000 devices by default), each served by its own netsim
//! process: wall time, devices/s and peak RSS per size, the inventory
//! checked against the generator's ground truth, and the growth exponent of
//! wall time fitted over the sizes (1.0 is linear). The baseline is the
//! smallest size in the same run: the per-device cost must not grow with
//! the network.

use crate::common::{Env, Lab, Report, generate, num, read_json, walk_lab, walked_count};
use crate::proc::proc_cpu;
use anyhow::{Context, Result, ensure};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

pub struct Opts {
    /// Lab sizes in devices (leaves included), smallest first.
    pub sizes: Vec<usize>,
}

/// One size's measurements.
struct Point {
    /// Devices netwalker walked (the ground truth's reachable ones).
    walked: f64,
    /// netwalker's wall time, seconds.
    secs: f64,
}

pub fn run(env: &Env, o: &Opts) -> Result<Report> {
    ensure!(!o.sizes.is_empty(), "walk-scale needs at least one size");
    let mut r = Report::new("walk-scale");
    r.note("netsim generate --devices N --seed 7 --base-ip 127.80.0.1 (faults off), served by a separate netsim; netwalker discover --seed 127.80.0.1 --json --quiet --host-key-policy accept-any (its default concurrency, 128)");
    let mut points = Vec::new();
    for &n in &o.sizes {
        points.push(one_size(env, n, &mut r)?);
    }
    if points.len() >= 2 {
        let k = growth_exponent(&points);
        r.add("wall_time_growth_exponent", k, "").target(1.1, true);
    }
    Ok(r)
}

/// Generates, serves and walks one lab; checks the inventory against the
/// ground truth and netsim's session accounting.
fn one_size(env: &Env, n: usize, r: &mut Report) -> Result<Point> {
    let dir = tempfile::tempdir()?;
    let topo = generate(env, dir.path(), n, "127.80.0.1")?;
    let lab = Lab::start(env, &topo, dir.path())?;
    let budget = Duration::from_secs(60 + n as u64 / 50);
    let netsim_before = proc_cpu(lab.guard.pid()).context("reading netsim's CPU time")?;
    let nw = walk_lab(env, &lab, "127.80.0.1", dir.path(), budget)?;
    let netsim_cpu = proc_cpu(lab.guard.pid())
        .context("reading netsim's CPU time")?
        .saturating_sub(netsim_before);
    let live = lab.stats_after(nw.ended)?;
    lab.stop()?;
    let walked = walked_count(&nw.summary);
    let secs = nw.exit.wall.as_secs_f64();
    let rss = nw.exit.max_rss as f64 / 1048576.0;
    let p = format!("n{n}");
    r.add(&format!("{p}.devices_walked"), walked, "devices");
    let wall = r.add(&format!("{p}.walk_time"), secs, "s");
    if n == 10_000 {
        wall.target(10.0, true);
    }
    r.add(&format!("{p}.devices_per_s"), walked / secs, "dev/s");
    let peak = r.add(&format!("{p}.peak_rss"), rss, "MiB");
    if n == 10_000 {
        peak.target(400.0, true);
    }
    // Where the time goes: both processes share the machine's cores, so
    // the walk is as fast as their CPU per device allows.
    let ms_per = |d: Duration| d.as_secs_f64() * 1000.0 / walked;
    r.add(
        &format!("{p}.netwalker_cpu_per_device"),
        ms_per(nw.exit.cpu),
        "ms",
    );
    r.add(
        &format!("{p}.netsim_cpu_per_device"),
        ms_per(netsim_cpu),
        "ms",
    );
    r.add(
        &format!("{p}.cores_busy"),
        (nw.exit.cpu + netsim_cpu).as_secs_f64() / secs,
        "cores",
    );
    r.add(
        &format!("{p}.rss_per_walked_device"),
        rss * 1024.0 / walked,
        "KiB",
    );
    let open = num(&live, "sessions_open");
    r.add(&format!("{p}.netsim_sessions_open_after"), open, "sessions")
        .target(0.0, true);
    let mismatches = against_truth(dir.path(), &nw.out, num(&live, "sessions_opened"))?;
    add_mismatches(r, &p, &mismatches);
    Ok(Point { walked, secs })
}

/// The ground-truth mismatch count as a metric that must be 0, and the
/// first mismatch as a note.
pub(crate) fn add_mismatches(r: &mut Report, prefix: &str, mismatches: &[String]) {
    r.add(
        &format!("{prefix}.ground_truth_mismatches"),
        mismatches.len() as f64,
        "",
    )
    .target(0.0, true);
    if let Some(first) = mismatches.first() {
        r.note(format!(
            "{prefix}: {} ground-truth mismatches, first: {first}",
            mismatches.len()
        ));
    }
}

/// What differs between netwalker's inventory.json and the generator's
/// truth: every reachable device walked exactly once (and logged in to
/// once), nothing else walked, every link once.
pub(crate) fn against_truth(dir: &Path, out: &Path, sessions_opened: f64) -> Result<Vec<String>> {
    let truth = read_json(&dir.join("truth.json"))?;
    let inv = read_json(&out.join("inventory.json"))?;
    let list = |v: &serde_json::Value, k: &str| v[k].as_array().cloned().unwrap_or_default();
    let reachable: BTreeSet<String> = list(&truth, "devices")
        .iter()
        .filter(|d| d["reachable"].as_bool() == Some(true))
        .filter_map(|d| d["hostname"].as_str().map(str::to_string))
        .collect();
    let walked: Vec<String> = list(&inv, "devices")
        .iter()
        .filter(|d| d["status"].as_str() == Some("walked"))
        .filter_map(|d| d["hostname"].as_str().map(str::to_string))
        .collect();
    let walked_set: BTreeSet<String> = walked.iter().cloned().collect();
    let mut bad = Vec::new();
    if walked.len() != walked_set.len() {
        bad.push(format!(
            "{} walked records for {} hostnames",
            walked.len(),
            walked_set.len()
        ));
    }
    for h in reachable.difference(&walked_set) {
        bad.push(format!("{h} reachable but not walked"));
    }
    for h in walked_set.difference(&reachable) {
        bad.push(format!("{h} walked but not reachable in the truth"));
    }
    if sessions_opened != reachable.len() as f64 {
        bad.push(format!(
            "netsim counted {sessions_opened} logins for {} devices",
            reachable.len()
        ));
    }
    let (want, got) = (list(&truth, "links").len(), list(&inv, "links").len());
    if want != got {
        bad.push(format!("{got} links in the inventory, {want} in the truth"));
    }
    Ok(bad)
}

/// Least-squares slope of ln(wall time) over ln(devices walked): 1.0 when
/// the walk is linear in the network's size.
fn growth_exponent(points: &[Point]) -> f64 {
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (p.walked.ln(), p.secs.ln()))
        .collect();
    let n = xy.len() as f64;
    let (mx, my) = (
        xy.iter().map(|p| p.0).sum::<f64>() / n,
        xy.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let cov: f64 = xy.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let var: f64 = xy.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    cov / var
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exponent_is_one_for_linear_and_two_for_quadratic_growth() {
        let pts = |f: fn(f64) -> f64| -> Vec<Point> {
            [700.0, 2100.0, 7000.0]
                .into_iter()
                .map(|w| Point {
                    walked: w,
                    secs: f(w),
                })
                .collect()
        };
        assert!((growth_exponent(&pts(|w| w / 500.0)) - 1.0).abs() < 1e-9);
        assert!((growth_exponent(&pts(|w| w * w / 1e6)) - 2.0).abs() < 1e-9);
    }
}
