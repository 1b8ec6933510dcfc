//! `netwalker demo`: an embedded netsim campus on 127.200.0.0/16, walked
//! like a real network, its reports written.

use super::{DiscoverOutcome, WalkLauncher, Walker, discover_in};
use super::{Result, RunError};
use crate::config::{Credential, HostKeyPolicySetting, Settings};
use crate::engine::WalkProgress;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// What `netwalker demo` did, for printing.
#[derive(Debug)]
pub struct DemoOutcome {
    /// The walk of the simulated campus, as `discover` reports it.
    pub discover: DiscoverOutcome,
    /// Devices the simulated campus had, to compare with what was found.
    pub devices: usize,
    /// Where the lab listened, so the user knows what was walked.
    pub subnet: String,
    /// The simulator's own session counts: every session opened was closed.
    pub simulator: netsim::Stats,
}

/// Starts an embedded netsim campus, walks it, writes the reports, and shuts
/// the lab down. The lab answers only on 127.x addresses (see [`demo_listen`]).
pub async fn demo(
    devices: usize,
    out: &Path,
    concurrency: usize,
    cancel: CancellationToken,
    progress: watch::Sender<WalkProgress>,
) -> Result<DemoOutcome> {
    let lab = DemoLab::start(devices, out, concurrency, None).await?;
    let outcome = lab.walk(cancel, progress).await;
    lab.shutdown().await;
    outcome
}

/// The demo's simulated campus, running, with the settings that walk it
/// (`demo --serve` keeps it up while serving, so walks can be started
/// from the browser).
pub struct DemoLab {
    /// The campus, for its size.
    devices: usize,
    /// The simulator serving it; shut down by [`DemoLab::shutdown`].
    lab: netsim::Lab,
    /// Settings of a walk of it: seed, ports, store and outputs under `out`.
    settings: Settings,
}

impl DemoLab {
    /// Generates a `devices`-device campus and starts it on free ports;
    /// with `command_delay`, each command a device answers costs it a time
    /// drawn from that span (a real network's pace: a walk to watch).
    pub async fn start(
        devices: usize,
        out: &Path,
        concurrency: usize,
        command_delay: Option<netsim::Span>,
    ) -> Result<DemoLab> {
        let base: Ipv4Addr = "127.200.0.1".parse().expect("literal");
        let (topo, lab, port, telnet_port) = start_lab(devices, base, command_delay).await?;
        std::fs::create_dir_all(out).map_err(|source| RunError::CreateDir {
            path: out.to_path_buf(),
            source,
        })?;
        let seed = topo.device("core1").map(|d| d.mgmt_ip).unwrap_or(base);
        let settings = demo_settings(seed, port, telnet_port, concurrency, out)?;
        Ok(DemoLab {
            devices,
            lab,
            settings,
        })
    }

    /// Walks the campus from its core into a fresh store (the demo shows
    /// one walk, not history; emptied under its lock, so a demo still
    /// running in `out` is refused, not wrecked).
    pub async fn walk(
        &self,
        cancel: CancellationToken,
        progress: watch::Sender<WalkProgress>,
    ) -> Result<DemoOutcome> {
        let discover = discover_in(
            &self.settings,
            Walker::Local(&demo_credentials()),
            cancel,
            progress,
            true,
        )
        .await;
        let simulator = self.lab.wait_until_idle(Duration::from_secs(2)).await;
        Ok(DemoOutcome {
            discover: discover?,
            devices: self.devices,
            subnet: "127.200.0.0/16".into(),
            simulator,
        })
    }

    /// Starts further walks of the campus into the same store (for
    /// `demo --serve`).
    pub fn launcher(&self) -> WalkLauncher {
        WalkLauncher::new(self.settings.clone(), demo_credentials())
    }

    /// Stops the simulator (its sessions closed within a bound).
    pub async fn shutdown(self) {
        self.lab.shutdown(Duration::from_secs(2)).await;
    }
}

/// Generates the campus from `base` up (its commands as slow as
/// `command_delay`, if given) and starts it on free ports (the same SSH
/// and telnet port on every device address); returns it with those ports.
async fn start_lab(
    devices: usize,
    base: Ipv4Addr,
    command_delay: Option<netsim::Span>,
) -> Result<(netsim::Topology, netsim::Lab, u16, u16)> {
    let topo = netsim::generate(&netsim::GenerateOptions {
        devices,
        seed: 1,
        faults: false,
        base_ip: base,
        delays: command_delay.map(|command| netsim::DelayOptions {
            command,
            ..netsim::DelayOptions::default()
        }),
        ..netsim::GenerateOptions::default()
    });
    let port =
        free_port(base.into()).map_err(lab_error("no free TCP port on 127.200.0.1 for the lab"))?;
    let telnet_port = free_port(base.into()).map_err(lab_error("no free telnet port"))?;
    let lab = netsim::Lab::start(
        topo.clone(),
        netsim::LabConfig {
            ssh_port: port,
            telnet_port,
            listen: demo_listen(devices),
            ..netsim::LabConfig::default()
        },
    )
    .await
    .map_err(lab_error("cannot start the simulated network"))?;
    Ok((topo, lab, port, telnet_port))
}

/// A socket per device keeps a small demo on loopback addresses only; past
/// [`SHARED_ABOVE`] devices that would be two sockets a device (20,000 for
/// 10,000 devices, past common open-file limits), so the lab shares one
/// SSH and one telnet socket (bound on every address; netsim refuses any
/// connection not dialled to a 127.0.0.0/8 address).
fn demo_listen(devices: usize) -> netsim::Listen {
    if devices > SHARED_ABOVE {
        netsim::Listen::Shared
    } else {
        netsim::Listen::PerDevice
    }
}

/// Most devices a demo serves with a socket each.
const SHARED_ABOVE: usize = 1000;

/// The settings of the demo walk: from the core, on the lab's ports, store
/// and outputs under `out`, host keys learnt into `out`.
fn demo_settings(
    seed: Ipv4Addr,
    port: u16,
    telnet_port: u16,
    concurrency: usize,
    out: &Path,
) -> Result<Settings> {
    Ok(crate::config::Config {
        seeds: Some(vec![seed.to_string()]),
        port: Some(port),
        telnet_port: Some(telnet_port),
        concurrency: Some(concurrency),
        store: Some(out.join(DEMO_STORE).into()),
        out: Some(out.to_path_buf()),
        host_key_policy: Some(HostKeyPolicySetting::AcceptNew),
        known_hosts: Some(out.join("known_hosts")),
        ..crate::config::Config::default()
    }
    .resolve()?)
}

/// The demo's store, under its output directory (`demo --serve` serves it).
pub const DEMO_STORE: &str = "inventory.sqlite";

/// The lab's one login (netsim's default admin/admin), scoped nowhere.
fn demo_credentials() -> Vec<Credential> {
    vec![Credential {
        label: "demo".into(),
        username: "admin".into(),
        password: Some("admin".to_string().into()),
        enable: Some("admin".to_string().into()),
        scope: Vec::new(),
    }]
}

/// Wraps an error of the embedded lab with what was being done.
fn lab_error<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> RunError {
    move |e| RunError::Lab {
        what,
        detail: e.to_string(),
    }
}

/// A port free on `ip` right now (the lab binds it a moment later).
fn free_port(ip: IpAddr) -> std::io::Result<u16> {
    let l = std::net::TcpListener::bind((ip, 0))?;
    Ok(l.local_addr()?.port())
}
