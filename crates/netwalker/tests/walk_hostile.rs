//! The fault matrix at its worst: a campus where a dozen switches answer
//! `show` with output that never ends, one offers only legacy SSH and one
//! an ECDSA host key. The walk must finish in bounded time with bounded
//! memory, fail the endless devices with `output_too_large`, connect the
//! legacy one (and say so), and leave no session open on either side.
//!
//! Its own test binary, so the peak RSS it reads is this walk's alone.

use device_session::{Credentials, HostKeyPolicy, LegacySsh, OpenOptions, Timeouts};
use netsim::{Fault, GenerateOptions, Lab, LabConfig};
use netwalker::engine::{self, SeedTarget, WalkOptions, WalkProgress};
use netwalker::filter::Filter;
use netwalker::identity::IdentityIndex;
use netwalker::model::DeviceStatus;
use netwalker::store::{StoreWorker, StoreWriter};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const SSH_PORT: u16 = 5122;
const TELNET_PORT: u16 = 5123;
const ENDLESS: usize = 12;
/// Per-command output cap for this walk.
const CAP: usize = 1024 * 1024;

/// Peak resident set size of this process (Linux `VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_output_legacy_ssh_and_ecdsa_keys_walk_bounded() {
    let mut topo = netsim::generate(&GenerateOptions {
        devices: 120,
        seed: 5,
        faults: true,
        base_ip: "127.54.0.1".parse().unwrap(),
        ..GenerateOptions::default()
    });
    // Healthy access switches get the faults the generator does not spread.
    let mut healthy: Vec<usize> = (0..topo.devices.len())
        .filter(|&i| {
            let d = &topo.devices[i];
            d.role.as_deref() == Some("access")
                && d.fault.is_none()
                && d.quirks.is_empty()
                && d.transports == netsim::ServedTransports::Both
        })
        .collect();
    assert!(healthy.len() > ENDLESS + 2, "{} healthy", healthy.len());
    let legacy = healthy.pop().unwrap();
    let ecdsa = healthy.pop().unwrap();
    topo.devices[legacy].fault = Some(Fault::LegacySshOnly);
    topo.devices[ecdsa].fault = Some(Fault::EcdsaHostKey);
    let endless: Vec<usize> = healthy.into_iter().take(ENDLESS).collect();
    for &i in &endless {
        topo.devices[i].fault = Some(Fault::EndlessOutput);
    }
    let lab = Lab::start(
        topo.clone(),
        LabConfig {
            ssh_port: SSH_PORT,
            telnet_port: TELNET_PORT,
            slow_interval: Duration::from_millis(1),
            ..LabConfig::default()
        },
    )
    .await
    .unwrap();
    let worker = StoreWorker::spawn(StoreWriter::open_in_memory().unwrap(), 64).unwrap();
    let (tx, _rx) = tokio::sync::watch::channel(WalkProgress::default());
    let opts = WalkOptions {
        ssh_port: SSH_PORT,
        telnet_port: TELNET_PORT,
        credentials: vec![
            Credentials::password("admin", "admin")
                .with_enable_secret("admin")
                .into(),
        ],
        session: OpenOptions {
            host_key_policy: HostKeyPolicy::Off,
            legacy_ssh: LegacySsh::Auto,
            max_output_bytes: CAP,
            timeouts: Timeouts {
                connect: Duration::from_secs(2),
                banner: Duration::from_secs(2),
                auth: Duration::from_secs(3),
                prompt: Duration::from_secs(2),
                // Long enough that an uncapped buffer would grow far past
                // the bound below before the command timed out.
                command: Duration::from_secs(10),
                goodbye: Duration::from_secs(1),
            },
            ..OpenOptions::default()
        },
        device_timeout: Duration::from_secs(30),
        ..WalkOptions::default()
    };
    let t0 = Instant::now();
    let summary = engine::walk(
        vec![SeedTarget {
            name: Some("core1".into()),
            ip: topo.device("core1").unwrap().mgmt_ip.into(),
        }],
        IdentityIndex::new(),
        HashMap::new(),
        Filter::new(&engine::default_filter_config()).unwrap(),
        worker.sender(),
        opts,
        CancellationToken::new(),
        tx,
    )
    .await
    .unwrap();
    let elapsed = t0.elapsed();
    let devices = worker.shutdown().await.unwrap().read().devices().unwrap();
    let by_name: HashMap<&str, &netwalker::model::Device> =
        devices.iter().map(|d| (d.hostname.as_str(), d)).collect();

    for &i in &endless {
        let d = by_name[topo.devices[i].hostname.as_str()];
        assert_eq!(d.status, DeviceStatus::Failed, "{}", d.hostname);
        assert_eq!(
            d.error_class.as_deref(),
            Some("output_too_large"),
            "{}: {:?}",
            d.hostname,
            d.reason
        );
    }
    let l = by_name[topo.devices[legacy].hostname.as_str()];
    assert_eq!(l.status, DeviceStatus::Walked, "{:?}", l.reason);
    assert!(
        l.legacy_crypto,
        "the legacy-only switch is marked: {:?} {:?}",
        l.method, summary
    );
    assert_eq!(summary.devices_legacy_crypto, 1);
    let e = by_name[topo.devices[ecdsa].hostname.as_str()];
    assert_eq!(e.status, DeviceStatus::Walked, "{:?}", e.reason);
    assert!(
        devices
            .iter()
            .filter(|d| d.status == DeviceStatus::Walked)
            .all(|d| d.legacy_crypto == (d.id == l.id)),
        "only the legacy-only switch needed legacy crypto"
    );

    assert_eq!(summary.sessions_open_at_exit, 0);
    let stats = lab.wait_until_idle(Duration::from_secs(5)).await;
    assert_eq!(stats.sessions_open, 0, "{stats:?}");
    lab.shutdown(Duration::from_secs(2)).await;

    // Bounded time: the slowest fault (output that stops mid-way) costs one
    // command timeout; the endless devices end at the cap, not at theirs.
    assert!(elapsed < Duration::from_secs(40), "walk took {elapsed:?}");
    // Bounded memory: lab and walk together, with a dozen devices
    // streaming at once; the cap keeps each buffer at 1 MiB.
    let peak = peak_rss_kib();
    assert!(peak < 300 * 1024, "peak RSS {} MiB", peak / 1024);
    eprintln!(
        "walked {} devices in {elapsed:?}, peak RSS {} MiB",
        summary.counts.walked,
        peak / 1024
    );
}
