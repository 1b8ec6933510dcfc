//! `bench`: the product's speed and memory targets, measured as ratios to
//! baselines run in the same invocation on the same machine (absolute
//! numbers on a shared 2-core VM are noisy; ratios are not).
//!
//! ```text
//! interop/setup                                  # the Python peers' venv
//! cargo run --release -p bench -- all --json bench.json
//! cargo run --release -p bench -- walk           # or sessions, netsim-scale, parsers, store, walk-scale, walk-endhosts
//! cargo run --release -p bench -- walk-latency   # not in `all`: a 10,000-device lab at real-world speed
//! ```
//!
//! Everything targets loopback only. Every child (netsim, netwalker, the
//! Python peers) runs in its own process group under a guard that kills it
//! on every exit path; every wait has a deadline.

mod common;
mod parsers;
mod proc;
mod scale;
mod serve;
mod sessions;
mod store;
mod walk;
mod walk_distributed;
mod walk_endhosts;
mod walk_latency;
mod walk_scale;

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use common::{Env, Report};
use std::path::PathBuf;
use std::process::Command;

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Name {
    All,
    Walk,
    Sessions,
    NetsimScale,
    Parsers,
    Store,
    WalkScale,
    /// End-host tracking's cost (with vs without) and its answers vs the truth.
    WalkEndhosts,
    /// A walk at real-world latency against concurrency (not in `all`:
    /// it takes tens of minutes at its default size).
    WalkLatency,
    /// `netwalker serve`'s page times over a 10,000-device store.
    Serve,
    /// Distributed walks: 1, 2 and 4 workers through a PostgreSQL store's
    /// queue vs one local walk, and the database's cost per device (not in
    /// `all`: it needs a PostgreSQL server, `--pg-url`).
    WalkDistributed,
}

#[derive(Parser)]
#[command(
    name = "bench",
    about = "Benchmarks as ratios to Python peers, same run, loopback only"
)]
struct Args {
    /// Which benchmark.
    name: Name,
    /// Also write every report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Python with netmiko, scrapli[asyncssh], ntc-templates (built by `interop/setup`).
    #[arg(long)]
    python: Option<PathBuf>,
    /// Small sizes for a smoke test (the numbers are not the benchmark).
    #[arg(long)]
    quick: bool,
    /// Do not run `cargo build --release` for netsim, netwalker and the bench binaries first.
    #[arg(long)]
    no_build: bool,
    /// Devices in the walk lab and in the store benchmark's ring (default
    /// 1000), or in the walk-latency lab (default 10000).
    #[arg(long)]
    devices: Option<usize>,
    /// walk-endhosts: end hosts behind each access switch.
    #[arg(long, default_value_t = 40)]
    endhosts_per_access: usize,
    /// walk-endhosts: serve the lab at real-world speed, with the delays
    /// walk-latency uses (--latency, --handshake-delay, --command-delay,
    /// --jitter), instead of as fast as loopback goes.
    #[arg(long)]
    real_speed: bool,
    /// Devices the sequential netmiko walker walks before it stops.
    #[arg(long, default_value_t = 50)]
    netmiko_devices: usize,
    /// Devices the scrapli walker walks before it stops.
    #[arg(long, default_value_t = 1000)]
    scrapli_devices: usize,
    /// Lab sizes for walk-scale, smallest first.
    #[arg(long, value_delimiter = ',', default_values_t = [1000, 3000, 10000])]
    sizes: Vec<usize>,
    /// Time budget for each Python walker, seconds.
    #[arg(long, default_value_t = 120)]
    python_budget: u64,
    /// walk-latency: netwalker's concurrencies, one walk each (given with
    /// no value: skip it).
    #[arg(long, value_delimiter = ',', num_args = 0.., default_values_t = [32, 128, 512, 1024])]
    concurrency: Vec<usize>,
    /// walk-latency: the scrapli walker's concurrencies (given with no
    /// value: skip it).
    #[arg(long, value_delimiter = ',', num_args = 0.., default_values_t = [32, 128, 512])]
    scrapli_concurrency: Vec<usize>,
    /// walk-latency (and walk-endhosts --real-speed): round-trip time to
    /// each device (netsim generate --latency).
    #[arg(long, default_value = "20ms")]
    latency: String,
    /// walk-latency: wait before each device's banner (--handshake-delay).
    #[arg(long, default_value = "500ms")]
    handshake_delay: String,
    /// walk-latency: per-command processing time (--command-delay).
    #[arg(long, default_value = "50ms..400ms")]
    command_delay: String,
    /// walk-latency: per-round-trip jitter bound (--jitter).
    #[arg(long, default_value = "5ms")]
    jitter: String,
    /// walk-distributed: worker counts, one walk each.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 2, 4])]
    workers: Vec<usize>,
    /// walk-distributed: a PostgreSQL server whose user may create
    /// databases (default: NETWALKER_TEST_PG_URL).
    #[arg(long, env = "NETWALKER_TEST_PG_URL", hide_env_values = true)]
    pg_url: Option<String>,
}

fn main() -> std::process::ExitCode {
    match run(Args::parse()) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("bench: some targets were missed (rows marked NO)");
            std::process::ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("bench: error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}

fn run(a: Args) -> Result<bool> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .canonicalize()
        .context("repository root")?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let env = Env {
        python: a
            .python
            .clone()
            .unwrap_or_else(|| root.join("interop/.venv/bin/python")),
        release: target.join("release"),
        root,
        quick: a.quick,
    };
    proc::kill_children_on_signal()?;
    if !a.no_build {
        build(&env)?;
    }
    let names: Vec<Name> = if a.name == Name::All {
        vec![
            Name::Walk,
            Name::Sessions,
            Name::NetsimScale,
            Name::Parsers,
            Name::Store,
            Name::WalkScale,
            Name::WalkEndhosts,
            Name::Serve,
        ]
    } else {
        vec![a.name]
    };
    let mut reports: Vec<Report> = Vec::new();
    let mut errors = Vec::new();
    for n in names {
        let got = match n {
            Name::Walk => walk::run(
                &env,
                &walk::Opts {
                    devices: if env.quick {
                        60
                    } else {
                        a.devices.unwrap_or(1000)
                    },
                    netmiko_devices: if env.quick { 3 } else { a.netmiko_devices },
                    scrapli_devices: if env.quick { 20 } else { a.scrapli_devices },
                    python_budget_secs: if env.quick { 30 } else { a.python_budget },
                },
            ),
            Name::Sessions => sessions::run(
                &env,
                &sessions::Opts {
                    sessions: if env.quick { 100 } else { 2000 },
                    idle: if env.quick { 50 } else { 1000 },
                    python_sessions: if env.quick { 20 } else { 200 },
                },
            ),
            Name::NetsimScale => scale::run(&env, 1000, if env.quick { 20 } else { 150 }),
            Name::Parsers => parsers::run(&env),
            Name::Store => store::run(if env.quick {
                100
            } else {
                a.devices.unwrap_or(1000)
            }),
            Name::WalkScale => walk_scale::run(
                &env,
                &walk_scale::Opts {
                    sizes: if env.quick {
                        vec![60, 200]
                    } else {
                        a.sizes.clone()
                    },
                },
            ),
            Name::WalkEndhosts => walk_endhosts::run(
                &env,
                &walk_endhosts::Opts {
                    devices: if env.quick {
                        120
                    } else {
                        a.devices.unwrap_or(1000)
                    },
                    per_access: a.endhosts_per_access,
                    rounds: if env.quick { 1 } else { 3 },
                    delays: if a.real_speed {
                        delay_flags(&a)
                    } else {
                        Vec::new()
                    },
                },
            ),
            Name::WalkLatency => walk_latency::run(&env, &latency_opts(&a)),
            Name::Serve => serve::run(
                &env,
                &serve::Opts {
                    devices: a.devices.unwrap_or(if env.quick { 300 } else { 10_000 }),
                },
            ),
            Name::WalkDistributed => match &a.pg_url {
                Some(url) => walk_distributed::run(
                    &env,
                    &walk_distributed::Opts {
                        devices: a.devices.unwrap_or(if env.quick { 120 } else { 1000 }),
                        workers: a.workers.clone(),
                        pg_url: url.clone(),
                    },
                ),
                None => Err(anyhow::anyhow!(
                    "walk-distributed needs a PostgreSQL server: --pg-url postgres://USER:PASSWORD@127.0.0.1:PORT/DB (a user that may create databases); BENCHMARKS.md shows how to start a throwaway one"
                )),
            },
            Name::All => unreachable!("expanded above"),
        };
        match got {
            Ok(r) => {
                r.print();
                reports.push(r);
            }
            Err(e) => {
                let name = n.to_possible_value().map(|v| v.get_name().to_string());
                eprintln!("bench: {}: {e:#}", name.as_deref().unwrap_or("?"));
                errors.push(format!("{}: {e:#}", name.unwrap_or_default()));
            }
        }
    }
    if let Some(p) = &a.json {
        let doc = serde_json::json!({
            "quick": env.quick,
            "reports": reports,
            "errors": errors,
        });
        std::fs::write(p, serde_json::to_vec_pretty(&doc)?)
            .with_context(|| format!("writing {}", p.display()))?;
    }
    if !errors.is_empty() {
        bail!(
            "{} benchmark(s) failed: {}",
            errors.len(),
            errors.join("; ")
        );
    }
    Ok(reports
        .iter()
        .flat_map(|r| &r.metrics)
        .all(|m| m.pass != Some(false)))
}

/// walk-latency's options from the arguments (`--quick`: 300 devices, two
/// concurrencies each).
/// The `netsim generate` flags for real-world speed.
fn delay_flags(a: &Args) -> Vec<String> {
    [
        ("--latency", &a.latency),
        ("--handshake-delay", &a.handshake_delay),
        ("--command-delay", &a.command_delay),
        ("--jitter", &a.jitter),
    ]
    .iter()
    .flat_map(|(flag, v)| [flag.to_string(), v.to_string()])
    .collect()
}

fn latency_opts(a: &Args) -> walk_latency::Opts {
    walk_latency::Opts {
        devices: a.devices.unwrap_or(if a.quick { 300 } else { 10_000 }),
        netwalker: if a.quick {
            vec![32, 128]
        } else {
            a.concurrency.clone()
        },
        scrapli: if a.quick {
            vec![32]
        } else {
            a.scrapli_concurrency.clone()
        },
        scrapli_devices: if a.quick { 20 } else { a.scrapli_devices },
        python_budget_secs: if a.quick { 30 } else { a.python_budget },
        delays: delay_flags(a),
    }
}

/// Builds what the benchmarks run, release profile, so a stale binary is
/// never measured.
fn build(env: &Env) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&env.root)
        .args(["build", "--release", "--quiet"])
        .args(["-p", "netsim", "-p", "netwalker", "-p", "bench"])
        .args(["--bin", "netsim", "--bin", "netwalker"])
        .args(["--bin", "parser_bench", "--bin", "session_bench"])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --release of netsim, netwalker and the bench binaries failed");
    }
    Ok(())
}
