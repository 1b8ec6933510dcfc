//! `parsers`: the parsers' throughput (`src/bin/parser_bench.rs`) and its
//! TextFSM peer (`python/textfsm_compare.py`, Python TextFSM with the
//! ntc-templates package on exactly the same inputs), run back to back and
//! reported as ratios.

use crate::common::{Env, Report};
use crate::proc::Guard;
use anyhow::{Result, ensure};
use std::process::Command;
use std::time::Duration;

pub fn run(env: &Env) -> Result<Report> {
    env.require_python(&["ntc_templates", "textfsm"])?;
    let dir = tempfile::tempdir()?;
    let mut cmd = Command::new(env.bin("parser_bench"));
    // A short pass: this run only writes the inputs; the timings that count
    // come from the interleaved rounds below.
    cmd.arg("--dump").arg(dir.path()).args(["--secs", "0.2"]);
    let mut g = Guard::spawn(cmd, true)?;
    let exit = g.wait(Duration::from_secs(300))?;
    let out = g.rest_of_stdout();
    ensure!(
        exit.code == Some(0),
        "device-parsers bench exited with {:?}:\n{out}",
        exit.code
    );

    let mut cmd = Command::new(&env.python);
    cmd.arg(env.python_script("bench/python/textfsm_compare.py"))
        .arg(dir.path())
        .arg("--rust")
        .arg(env.bin("parser_bench"));
    let mut g = Guard::spawn(cmd, true)?;
    let exit = g.wait(Duration::from_secs(600))?;
    let out = g.rest_of_stdout();
    ensure!(
        exit.code == Some(0),
        "textfsm_compare.py exited with {:?}:\n{out}",
        exit.code
    );

    let mut r = Report::new("parsers");
    r.note("thread CPU time per run, best of 7 alternating 0.4 s rounds per side (TextFSM round, then ours, on the same input); corpus = ntc-templates fixtures of every claimed command (testdata/ntc-templates); cdp_*_1000 = synthetic 1,000-neighbour `show cdp neighbors detail`");
    let mut rows = 0;
    // input bytes TextFSM-records TextFSM-s/run ours-s/run TextFSM-MB/s ours-MB/s speed-up
    for line in out.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 8 || !f[7].ends_with('x') {
            continue;
        }
        let (Ok(tf), Ok(ours), Ok(ours_mb)) = (
            f[3].parse::<f64>(),
            f[4].parse::<f64>(),
            f[6].parse::<f64>(),
        ) else {
            continue;
        };
        rows += 1;
        let label = f[0];
        r.add(&format!("{label}.ours_mb_per_s"), ours_mb, "MB/s");
        r.add(&format!("{label}.textfsm_s_per_run"), tf, "s");
        r.add(&format!("{label}.ours_s_per_run"), ours, "s");
        r.add(&format!("ratio.{label}_vs_textfsm"), tf / ours, "x")
            .target(50.0, false);
    }
    ensure!(
        rows == 3,
        "textfsm_compare.py printed {rows} result rows, expected 3:\n{out}"
    );
    Ok(r)
}
