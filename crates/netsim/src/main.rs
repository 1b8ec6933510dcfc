//! `netsim`: generate a campus topology, serve it on loopback, or render one
//! device's output offline. Thin: everything lives in the library.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use netsim::{DelayOptions, GenerateOptions, Lab, LabConfig, Listen, Span, Stats, Topology};
use quiet_stdio::{errln, out, outln};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// mimalloc rather than glibc malloc: the SSH server and the
/// output rendering make many small short-lived allocations across threads, and glibc
/// returned freed pages to the kernel only to fault them back in on the next
/// device (a fifth of the CDP parser's time was page faults). See
/// ARCHITECTURE.md, "Allocator".
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "netsim",
    version,
    about = "A simulated network of SSH/telnet devices on loopback"
)]
struct Args {
    /// What to do.
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write a realistic campus topology (same seed, same file).
    Generate {
        /// Total devices, leaf neighbours (phones, APs, cameras, printers)
        /// included. Up to 1000 one campus; more, sites of up to 1000 each
        /// (`s001-core1`...) joined by WAN links between their cores.
        #[arg(long, default_value_t = 200)]
        devices: usize,
        /// RNG seed: the same seed and options give the same file.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Give one access switch each fault kind.
        #[arg(long)]
        faults: bool,
        /// Login name every device accepts.
        #[arg(long, default_value = "admin")]
        username: String,
        /// Password every device accepts (simulated devices only).
        #[arg(long, default_value = "admin")]
        password: String,
        /// First management address (must be in 127.0.0.0/8); devices count
        /// up from it, skipping .0 and .255 (50,000 from 127.1.0.1 end in 127.1.196.x).
        #[arg(long, default_value = "127.1.0.1")]
        base_ip: Ipv4Addr,
        /// DNS domain devices append to their names in CDP/LLDP.
        #[arg(long, default_value = "campus.example")]
        domain: String,
        /// End hosts (PCs, phones with PCs behind them, printers, VMs, desk
        /// switches) on this many ports of every access switch, filling MAC
        /// tables and the gateways' ARP caches; listed in the truth's
        /// `endhosts`. 0 (default): none. At most 40 (about 32 gives a
        /// 1,000-device lab 20,000 hosts).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=40))]
        endhosts_per_access: u16,
        /// Output topology file.
        #[arg(short, long)]
        output: PathBuf,
        /// Also write the ground truth (inventory.json shape) here.
        #[arg(long)]
        truth: Option<PathBuf>,
        /// Real-world slowness (none by default: loopback speed).
        #[command(flatten)]
        delays: DelayArgs,
    },
    /// Serve a topology until SIGINT/SIGTERM. Prints a line starting with `ready`.
    Serve {
        /// Topology file (TOML) to serve.
        topology: PathBuf,
        /// SSH port on every device address (0: an ephemeral one).
        #[arg(long, default_value_t = 2222)]
        port: u16,
        /// Telnet port on every device address (0: an ephemeral one).
        #[arg(long, default_value_t = 2323)]
        telnet_port: u16,
        /// `shared`: one SSH and one telnet socket on 0.0.0.0 serve every
        /// device address (any lab size); `per-device`: two sockets per
        /// device (the open-file limit caps the size).
        #[arg(long, value_enum, default_value_t = Listen::Shared)]
        listen: Listen,
        /// Keep this JSON file current (at least once a second) and write it on exit.
        #[arg(long)]
        stats: Option<PathBuf>,
        /// How long live sessions get to finish on shutdown.
        #[arg(long, default_value_t = 2000)]
        grace_ms: u64,
    },
    /// Print what one device answers to one command, without any network.
    Render {
        /// Topology file (TOML) the device is in.
        topology: PathBuf,
        /// The device to ask.
        hostname: String,
        /// The command, as typed on the device (abbreviations work on Cisco).
        command: String,
    },
}

/// `netsim generate`'s delay flags: each takes `20ms`, `0.5s` or a span
/// `50ms..400ms`; with any of them every device that answers gets its own
/// `[device.delays]` (drawn from the span with the lab's seed) and `netsim
/// serve` applies them.
#[derive(clap::Args)]
struct DelayArgs {
    /// Round-trip time to each device (a span: drawn per device).
    #[arg(long, value_name = "DURATION[..DURATION]")]
    latency: Option<Span>,
    /// Wait before a device's SSH server speaks or its telnet banner
    /// (a slow CPU, an AAA server); a span: drawn per device.
    #[arg(long, value_name = "DURATION[..DURATION]")]
    handshake_delay: Option<Span>,
    /// Processing time per command; each command draws from the span,
    /// long outputs from higher in it.
    #[arg(long, value_name = "DURATION[..DURATION]")]
    command_delay: Option<Span>,
    /// Up to this much more per round trip, drawn each time (a span:
    /// each device draws its bound).
    #[arg(long, value_name = "DURATION[..DURATION]")]
    jitter: Option<Span>,
}

impl DelayArgs {
    /// The generator's delay options; `None` when no flag was given (the
    /// file then has no delays at all).
    fn options(&self) -> Option<DelayOptions> {
        let all = [
            self.latency,
            self.handshake_delay,
            self.command_delay,
            self.jitter,
        ];
        if all.iter().all(Option::is_none) {
            return None;
        }
        let d = DelayOptions::default();
        Some(DelayOptions {
            rtt: self.latency.unwrap_or(d.rtt),
            handshake: self.handshake_delay.unwrap_or(d.handshake),
            command: self.command_delay.unwrap_or(d.command),
            jitter: self.jitter.unwrap_or(d.jitter),
        })
    }
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("NETSIM_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            errln!("netsim: error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}

fn run(args: Args) -> Result<()> {
    match args.command {
        Cmd::Generate {
            devices,
            seed,
            faults,
            username,
            password,
            base_ip,
            domain,
            endhosts_per_access,
            output,
            truth,
            delays,
        } => {
            anyhow::ensure!(
                base_ip.is_loopback(),
                "--base-ip {base_ip} is not in 127.0.0.0/8; netsim only serves loopback"
            );
            let opts = GenerateOptions {
                devices,
                seed,
                faults,
                username,
                password,
                base_ip,
                domain: (!domain.is_empty()).then_some(domain),
                delays: delays.options(),
                endhosts_per_access: usize::from(endhosts_per_access),
            };
            generate(&opts, &output, truth.as_deref())
        }
        Cmd::Serve {
            topology,
            port,
            telnet_port,
            listen,
            stats,
            grace_ms,
        } => {
            let topo = Topology::load(&topology)?;
            raise_fd_limit(topo.devices.len(), listen);
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(serve(
                topo,
                LabConfig {
                    ssh_port: port,
                    telnet_port,
                    listen,
                    ..LabConfig::default()
                },
                stats,
                Duration::from_millis(grace_ms),
            ))
        }
        Cmd::Render {
            topology,
            hostname,
            command,
        } => render(&topology, &hostname, &command),
    }
}

/// `netsim generate`: the topology file, and the ground truth if asked for.
fn generate(opts: &GenerateOptions, output: &Path, truth: Option<&Path>) -> Result<()> {
    let topo = netsim::generate(opts);
    // A base address near the top of 127.0.0.0/8 runs out of loopback.
    topo.validate().with_context(|| {
        format!(
            "{} devices from --base-ip {} do not make a lab netsim can serve; try a lower --base-ip",
            opts.devices, opts.base_ip
        )
    })?;
    write_atomic(output, topo.to_toml_string().as_bytes())?;
    if let Some(path) = truth {
        let json = serde_json::to_vec_pretty(&netsim::truth(&topo))?;
        write_atomic(path, &json)?;
    }
    errln!(
        "wrote {} ({} devices, {} links)",
        output.display(),
        topo.devices.len(),
        topo.links.len()
    );
    Ok(())
}

/// `netsim render`: one device's answer to one command, printed.
fn render(topology: &Path, hostname: &str, command: &str) -> Result<()> {
    let topo = Topology::load(topology)?;
    let idx = netsim::topology::TopologyIndex::new(topo);
    let i = idx
        .index_of(hostname)
        .with_context(|| format!("no device named {hostname:?} in {}", topology.display()))?;
    let platform = idx.device(i).platform;
    let cmd = netsim::render::match_command(platform, command).with_context(|| {
        let known: Vec<&str> = netsim::render::command_table(platform)
            .iter()
            .map(|(c, _)| *c)
            .collect();
        format!(
            "{hostname} ({platform}) does not know {command:?}; it knows: {}",
            known.join(", ")
        )
    })?;
    let text = netsim::render::render(&idx, i, cmd)
        .with_context(|| format!("{command:?} has no output on {platform}"))?;
    out!("{text}")?;
    Ok(())
}

async fn serve(
    topo: Topology,
    config: LabConfig,
    stats_path: Option<PathBuf>,
    grace: Duration,
) -> Result<()> {
    let devices = topo.devices.len();
    let lab = Lab::start(topo, config.clone()).await?;
    release_freed_memory();
    // Shared listeners on port 0 got one real port each: print that.
    let shared = lab.shared_addrs().unwrap_or_default();
    outln!(
        "ready: {devices} devices, {} listeners (ssh port {}, telnet port {})",
        lab.listener_count(),
        shared.ssh.map_or(config.ssh_port, |a| a.port()),
        shared.telnet.map_or(config.telnet_port, |a| a.port())
    )?;
    // Stats are written from this loop only, and once more after shutdown,
    // so the periodic and the final write never race.
    let stop = shutdown_signal();
    tokio::pin!(stop);
    if let Some(path) = &stats_path {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = &mut stop => break,
                _ = tick.tick() => {
                    if let Err(e) = write_stats(path, &lab.stats()) {
                        tracing::warn!(error = %e, "cannot write stats file");
                    }
                }
            }
        }
    } else {
        stop.await;
    }
    let final_stats = lab.shutdown(grace).await;
    if let Some(path) = &stats_path {
        write_stats(path, &final_stats)?;
    }
    errln!(
        "netsim: stopped; sessions opened {}, closed gracefully {}, dropped {}, open {}",
        final_stats.sessions_opened,
        final_stats.sessions_closed_gracefully,
        final_stats.sessions_dropped,
        final_stats.sessions_open
    );
    Ok(())
}

/// Hands back to the OS the memory that parsing the topology freed.
/// mimalloc purges freed pages only during later allocator calls on the
/// same thread, and this thread then waits for a signal: an idle
/// 50,000-device lab kept ~370 MiB of parse garbage (445 MiB RSS, 73 MiB
/// after this).
fn release_freed_memory() {
    // SAFETY: `mi_collect` takes no pointers; it only frees and purges
    // pages of mimalloc's own heaps that hold no live allocation.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn write_stats(path: &Path, stats: &Stats) -> Result<()> {
    write_atomic(path, &serde_json::to_vec_pretty(stats)?)
}

/// Readers never see a half-written file.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp~");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Listeners (two per device unless shared) plus sessions: lift the soft
/// fd limit to the hard one.
fn raise_fd_limit(devices: usize, listen: Listen) {
    // Shared listeners: sessions only, however big the lab.
    let want = match listen {
        Listen::PerDevice => (devices as u64) * 4 + 1024,
        Listen::Shared => 8192,
    };
    match rlimit::increase_nofile_limit(want) {
        Ok(got) if got < want => errln!(
            "netsim: warning: open-file limit is {got}, a lab this size wants {want}; raise `ulimit -n`"
        ),
        _ => {}
    }
}
