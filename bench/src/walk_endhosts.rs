//! `walk-endhosts`: what end-host tracking costs and whether it is right.
//! One generated campus (1,000 devices by default) with end hosts behind
//! every access port (20+ per access switch, 20,000+ hosts), served by one
//! netsim; netwalker walks it alternately with and without end hosts
//! (`--no-endhosts`), each into a fresh store. The baseline is the walk
//! without, in the same run: the ratio of wall times must stay within 1.5.
//! inventory.json's `endhosts` is checked against the generator's truth:
//! every host learnt on exactly one edge port located there, every
//! ambiguous one ambiguous with the truth's candidates. `--real-speed`
//! serves the same lab with walk-latency's delays (round trip, handshake,
//! per-command time), where the end-host questions cost round trips
//! rather than CPU.

use crate::common::{Env, Lab, Report, generate_with, num, read_json, walk_lab_with, walked_count};
use crate::walk_scale::{add_mismatches, against_truth};
use anyhow::{Context, Result, ensure};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

pub struct Opts {
    /// Devices in the lab.
    pub devices: usize,
    /// End hosts behind each access switch (`netsim generate --endhosts-per-access`).
    pub per_access: usize,
    /// Walks of each kind; the best wall time of each counts.
    pub rounds: usize,
    /// `netsim generate` delay flags (`--latency 20ms`...): none for
    /// loopback speed, walk-latency's for real-world speed.
    pub delays: Vec<String>,
}

/// One walk's measurements.
#[derive(Clone, Copy)]
struct Walk {
    /// Wall time, seconds.
    secs: f64,
    /// Peak RSS, MiB.
    rss: f64,
}

pub fn run(env: &Env, o: &Opts) -> Result<Report> {
    let mut r = Report::new(if o.delays.is_empty() {
        "walk-endhosts"
    } else {
        "walk-endhosts (real-world speed)"
    });
    r.note(format!(
        "netsim generate --devices {} --seed 7 --endhosts-per-access {} --base-ip 127.81.0.1{}{}, one netsim; netwalker discover (defaults, accept-any), alternately with and without --no-endhosts, {} rounds, best of each",
        o.devices,
        o.per_access,
        if o.delays.is_empty() { "" } else { " " },
        o.delays.join(" "),
        o.rounds
    ));
    let dir = tempfile::tempdir()?;
    let mut extra = vec![
        "--endhosts-per-access".to_string(),
        o.per_access.to_string(),
    ];
    extra.extend(o.delays.iter().cloned());
    let topo = generate_with(env, dir.path(), o.devices, "127.81.0.1", &extra)?;
    let truth = read_json(&dir.path().join("truth.json"))?;
    let hosts = truth["endhosts"].as_array().map_or(0, Vec::len);
    r.add("endhosts_in_lab", hosts as f64, "hosts");
    let lab = Lab::start(env, &topo, dir.path())?;
    let budget = Duration::from_secs(300);
    let (mut with, mut without): (Vec<Walk>, Vec<Walk>) = (Vec::new(), Vec::new());
    let mut checked = false;
    let mut opened_before = 0.0;
    for round in 0..o.rounds {
        for endhosts in [false, true] {
            let sub = dir.path().join(format!("r{round}-{endhosts}"));
            std::fs::create_dir_all(&sub)?;
            let flags: Vec<String> = if endhosts {
                vec![]
            } else {
                vec!["--no-endhosts".into()]
            };
            let nw = walk_lab_with(env, &lab, "127.81.0.1", &sub, budget, &flags)?;
            let w = Walk {
                secs: nw.exit.wall.as_secs_f64(),
                rss: nw.exit.max_rss as f64 / 1048576.0,
            };
            let live = lab.stats_after(nw.ended)?;
            let opened = num(&live, "sessions_opened");
            if endhosts && !checked {
                // The truth check needs this walk's logins only.
                std::fs::copy(dir.path().join("truth.json"), sub.join("truth.json"))?;
                let mut bad = against_truth(&sub, &nw.out, opened - opened_before)?;
                bad.extend(endhosts_against_truth(&truth, &nw.out)?);
                add_mismatches(&mut r, "with_endhosts", &bad);
                r.add("devices_walked", walked_count(&nw.summary), "devices");
                checked = true;
            }
            opened_before = opened;
            if endhosts { &mut with } else { &mut without }.push(w);
        }
    }
    lab.stop()?;
    let best = |v: &[Walk]| {
        v.iter()
            .copied()
            .fold(v[0], |a, b| if b.secs < a.secs { b } else { a })
    };
    let (w, wo) = (best(&with), best(&without));
    r.add("walk_time_without_endhosts", wo.secs, "s");
    r.add("walk_time_with_endhosts", w.secs, "s");
    r.add("walk_time_ratio", w.secs / wo.secs, "x")
        .target(1.5, true);
    r.add("peak_rss_without_endhosts", wo.rss, "MiB");
    r.add("peak_rss_with_endhosts", w.rss, "MiB");
    Ok(r)
}

/// A MAC with its separators dropped, lower case: truth and inventory
/// write MACs differently.
fn mac_key(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Every truth host where inventory.json puts it: located on its port
/// when the truth has no candidates, ambiguous with the same candidate
/// ports when it has.
fn endhosts_against_truth(truth: &serde_json::Value, out: &Path) -> Result<Vec<String>> {
    let inv = read_json(&out.join("inventory.json"))?;
    let got: HashMap<String, &serde_json::Value> = inv["endhosts"]
        .as_array()
        .context("inventory.json has no endhosts")?
        .iter()
        .filter_map(|h| Some((mac_key(h["mac"].as_str()?), h)))
        .collect();
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let ports = |list: &serde_json::Value| -> BTreeSet<(String, String)> {
        list.as_array()
            .into_iter()
            .flatten()
            .map(|c| (s(&c["switch"]), s(&c["port"])))
            .collect()
    };
    let mut bad = Vec::new();
    let want = truth["endhosts"]
        .as_array()
        .context("truth has no endhosts")?;
    ensure!(!want.is_empty(), "the lab has no end hosts");
    for h in want {
        let mac = s(&h["mac"]);
        let Some(g) = got.get(&mac_key(&mac)) else {
            bad.push(format!("{mac}: not in inventory.json"));
            continue;
        };
        let want_candidates = ports(&h["candidates"]);
        if want_candidates.is_empty() {
            let at = (s(&g["switch"]), s(&g["port"]));
            if g["status"] != "located" || at != (s(&h["switch"]), s(&h["port"])) {
                bad.push(format!(
                    "{mac}: truth {} {}, inventory {} {:?}",
                    s(&h["switch"]),
                    s(&h["port"]),
                    s(&g["status"]),
                    at
                ));
            }
        } else if g["status"] != "ambiguous" || ports(&g["candidates"]) != want_candidates {
            bad.push(format!(
                "{mac}: truth ambiguous over {want_candidates:?}, inventory {} {:?}",
                s(&g["status"]),
                ports(&g["candidates"])
            ));
        }
    }
    Ok(bad)
}
