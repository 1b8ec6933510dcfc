//! `walk`: netwalker (seeded with core1's address) on a generated campus served by a separate netsim,
//! against the Python walkers it replaces, in the same run on the same lab.

use crate::common::{
    Env, Lab, Report, generate, num, run_python_json, walk_lab_with, walked_count,
};
use anyhow::Result;
use std::time::Duration;

pub struct Opts {
    pub devices: usize,
    pub netmiko_devices: usize,
    pub scrapli_devices: usize,
    pub python_budget_secs: u64,
}

pub fn run(env: &Env, o: &Opts) -> Result<Report> {
    env.require_python(&["netmiko", "scrapli", "asyncssh", "ntc_templates"])?;
    let dir = tempfile::tempdir()?;
    let topo = generate(env, dir.path(), o.devices, "127.70.0.1")?;
    let lab = Lab::start(env, &topo, dir.path())?;
    let mut r = Report::new("walk");
    r.note(format!(
        "lab: netsim generate --devices {} --seed 7 --base-ip 127.70.0.1 (faults off), {} listeners, served by a separate netsim process",
        o.devices, lab.listeners
    ));

    // (a) netwalker, as many in flight as the scrapli walker (its own
    // default is 128).
    let nw = walk_lab_with(
        env,
        &lab,
        "127.70.0.1",
        dir.path(),
        Duration::from_secs(600),
        &["--concurrency".into(), "32".into()],
    )?;
    for l in &nw.stderr {
        r.note(format!("netwalker stderr: {l}"));
    }
    let (summary, ended) = (&nw.summary, nw.ended);
    let walked = walked_count(summary);
    let secs = nw.exit.wall.as_secs_f64();
    let nw_rate = walked / secs;
    r.add("netwalker.devices_walked", walked, "devices");
    r.add("netwalker.walk_time", secs, "s").target(5.0, true);
    r.add("netwalker.devices_per_s", nw_rate, "dev/s");
    r.add(
        "netwalker.peak_rss",
        nw.exit.max_rss as f64 / 1048576.0,
        "MiB",
    )
    .target(150.0, true);
    r.add(
        "netwalker.sessions_open_at_exit",
        num(summary, "sessions_open_at_exit"),
        "sessions",
    )
    .target(0.0, true);
    let live = lab.stats_after(ended)?;
    r.add(
        "netsim.sessions_open_after_netwalker",
        num(&live, "sessions_open"),
        "sessions",
    )
    .target(0.0, true);
    r.add(
        "netsim.sessions_dropped_by_netwalker",
        num(&live, "sessions_dropped"),
        "sessions",
    );
    r.add(
        "netsim.sessions_opened_by_netwalker",
        num(&live, "sessions_opened"),
        "sessions",
    );

    // (b) and (c): the Python walkers, capped.
    let script = env.python_script("bench/python/walk.py");
    let budget = Duration::from_secs(o.python_budget_secs);
    for (client, cap, conc) in [
        ("netmiko", o.netmiko_devices, 1),
        ("scrapli", o.scrapli_devices, 32),
    ] {
        let args = vec![
            script.display().to_string(),
            client.to_string(),
            "127.70.0.1".to_string(),
            lab.ssh_port.to_string(),
            cap.to_string(),
            o.python_budget_secs.to_string(),
            conc.to_string(),
        ];
        let v = run_python_json(env, &args, budget + Duration::from_secs(120))?;
        let (w, s) = (num(&v, "walked"), num(&v, "seconds"));
        let rate = w / s;
        r.add(&format!("{client}.devices_walked"), w, "devices");
        r.add(&format!("{client}.failed"), num(&v, "failed"), "devices");
        r.add(&format!("{client}.seconds"), s, "s");
        r.add(&format!("{client}.devices_per_s"), rate, "dev/s");
        r.add(
            &format!("{client}.extrapolated_walk_time"),
            walked / rate,
            "s",
        );
        r.add(&format!("ratio.netwalker_vs_{client}"), nw_rate / rate, "x");
        if v.get("capped").and_then(|c| c.as_bool()) == Some(true) {
            r.note(format!(
                "{client} (concurrency {conc}) was capped at {cap} devices / {}s; its whole-walk time is extrapolated from its rate to netwalker's {walked} devices",
                o.python_budget_secs
            ));
        }
    }
    r.note(
        "netwalker runs its full plan per device (7-8 commands, parse, store, reports); the Python walkers run 3 commands with TextFSM and keep nothing",
    );
    let fin = lab.stop()?;
    r.add(
        "netsim.sessions_open_at_end",
        num(&fin, "sessions_open"),
        "sessions",
    )
    .target(0.0, true);
    Ok(r)
}
