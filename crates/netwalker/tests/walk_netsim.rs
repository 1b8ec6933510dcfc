//! The engine against a generated netsim campus: every reachable device walked
//! exactly once, every link found once, leaves recorded, faults reported with
//! the right class, and no session left open on either side.

use device_session::{Credentials, HostKeyPolicy, OpenOptions, Timeouts};
use netsim::{Fault, GenerateOptions, Lab, LabConfig};
use netwalker::engine::{self, SeedTarget, WalkOptions, WalkProgress};
use netwalker::filter::Filter;
use netwalker::identity::IdentityIndex;
use netwalker::model::{DeviceStatus, Inventory};
use netwalker::store::{StoreWorker, StoreWriter};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const SSH_PORT: u16 = 5022;
const TELNET_PORT: u16 = 5023;

fn walk_options() -> WalkOptions {
    WalkOptions {
        ssh_port: SSH_PORT,
        telnet_port: TELNET_PORT,
        concurrency: 32,
        credentials: vec![
            Credentials::password("admin", "admin")
                .with_enable_secret("admin")
                .into(),
        ],
        session: OpenOptions {
            host_key_policy: HostKeyPolicy::Off,
            timeouts: Timeouts {
                connect: Duration::from_secs(2),
                banner: Duration::from_secs(1),
                auth: Duration::from_secs(2),
                prompt: Duration::from_secs(1),
                command: Duration::from_secs(2),
                goodbye: Duration::from_secs(1),
            },
            ..OpenOptions::default()
        },
        device_timeout: Duration::from_secs(20),
        ..WalkOptions::default()
    }
}

/// Serves `topo` on the tests' ports.
async fn serve(topo: &netsim::Topology) -> Lab {
    Lab::start(
        topo.clone(),
        LabConfig {
            ssh_port: SSH_PORT,
            telnet_port: TELNET_PORT,
            ..LabConfig::default()
        },
    )
    .await
    .unwrap()
}

/// Walks from `seeds` with `opts` into an in-memory store (default
/// filters, no history): what the walk said, and the inventory it left.
async fn walk_into_memory(
    seeds: Vec<SeedTarget>,
    opts: WalkOptions,
    cancel: CancellationToken,
) -> (engine::WalkSummary, Inventory) {
    let worker = StoreWorker::spawn(StoreWriter::open_in_memory().unwrap(), 64).unwrap();
    let (tx, _rx) = tokio::sync::watch::channel(WalkProgress::default());
    let summary = engine::walk(
        seeds,
        IdentityIndex::new(),
        HashMap::new(),
        Filter::new(&engine::default_filter_config()).unwrap(),
        worker.sender(),
        opts,
        cancel,
        tx,
    )
    .await
    .unwrap();
    let inv = worker
        .shutdown()
        .await
        .unwrap()
        .read()
        .export_inventory()
        .unwrap();
    (summary, inv)
}

/// The walk and the lab agree that every session was closed; the lab is
/// shut down.
async fn left_nothing_open(lab: Lab, s: &engine::WalkSummary) {
    assert_eq!(s.sessions_open_at_exit, 0);
    let stats = lab.wait_until_idle(Duration::from_secs(5)).await;
    assert_eq!(stats.sessions_open, 0, "{stats:?}");
    lab.shutdown(Duration::from_secs(2)).await;
}

async fn run_walk(
    lab_devices: usize,
    base: &str,
    faults: bool,
) -> (
    Inventory,
    Vec<netwalker::model::Device>,
    engine::WalkSummary,
    netsim::Stats,
    netsim::Topology,
) {
    let topo = netsim::generate(&GenerateOptions {
        devices: lab_devices,
        seed: 9,
        faults,
        base_ip: base.parse().unwrap(),
        ..GenerateOptions::default()
    });
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
    let dir = tempfile::tempdir().unwrap();
    let writer = StoreWriter::open(dir.path().join("inv.sqlite")).unwrap();
    let worker = StoreWorker::spawn(writer, 256).unwrap();
    let core = topo.device("core1").unwrap();
    let filter = Filter::new(&engine::default_filter_config()).unwrap();
    let (tx, _rx) = tokio::sync::watch::channel(WalkProgress::default());
    let summary = engine::walk(
        vec![SeedTarget {
            name: Some("core1".into()),
            ip: core.mgmt_ip.into(),
        }],
        IdentityIndex::new(),
        HashMap::new(),
        filter,
        worker.sender(),
        walk_options(),
        CancellationToken::new(),
        tx,
    )
    .await
    .unwrap();
    let writer = worker.shutdown().await.unwrap();
    let inv = writer.read().export_inventory().unwrap();
    let devices = writer.read().devices().unwrap();
    let stats = lab.wait_until_idle(Duration::from_secs(5)).await;
    lab.shutdown(Duration::from_secs(2)).await;
    (inv, devices, summary, stats, topo)
}

fn link_key(a: &str, ai: &str, b: &str, bi: &str) -> (String, String, String, String) {
    let l = (a.to_string(), netwalker::model::normalize_interface(ai));
    let r = (b.to_string(), netwalker::model::normalize_interface(bi));
    if l <= r {
        (l.0, l.1, r.0, r.1)
    } else {
        (r.0, r.1, l.0, l.1)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walks_a_campus_once_and_finds_every_link() {
    let (inv, _, summary, stats, topo) = run_walk(150, "127.50.0.1", false).await;
    let truth = netsim::truth(&topo);
    let by_name: HashMap<&str, &netwalker::model::InventoryDevice> = inv
        .devices
        .iter()
        .map(|d| (d.hostname.as_str(), d))
        .collect();

    // Every reachable device walked, exactly once (one record per hostname).
    let names: Vec<&str> = inv.devices.iter().map(|d| d.hostname.as_str()).collect();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(names.len(), unique.len(), "a device was recorded twice");
    for d in &truth.devices {
        let got = by_name
            .get(d.hostname.as_str())
            .unwrap_or_else(|| panic!("{} missing from the inventory", d.hostname));
        if d.reachable {
            assert_eq!(
                got.status,
                DeviceStatus::Walked,
                "{}: {:?}",
                d.hostname,
                got.reason
            );
            assert_eq!(
                got.serial.as_deref(),
                Some(d.serial.as_str()),
                "{}",
                d.hostname
            );
        } else {
            assert_ne!(got.status, DeviceStatus::Walked, "{}", d.hostname);
        }
    }
    // Each session the walk opened was one device: walked devices == SSH/telnet sessions.
    let walked = truth.devices.iter().filter(|d| d.reachable).count() as u64;
    assert_eq!(summary.counts.walked, walked);
    assert_eq!(
        stats.sessions_opened, walked,
        "a device was logged in to twice"
    );
    assert_eq!(stats.sessions_closed_gracefully, walked, "{stats:?}");
    assert_eq!(stats.sessions_open, 0);
    assert_eq!(summary.sessions_open_at_exit, 0);

    // Every link, once, with both interfaces.
    let want: BTreeSet<_> = truth
        .links
        .iter()
        .map(|l| link_key(&l.a, &l.a_interface, &l.b, &l.b_interface))
        .collect();
    let got: BTreeSet<_> = inv
        .links
        .iter()
        .map(|l| link_key(&l.a, &l.a_interface, &l.b, &l.b_interface))
        .collect();
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(missing.is_empty(), "links not found: {missing:#?}");
    assert!(extra.is_empty(), "links that do not exist: {extra:#?}");
    assert_eq!(inv.links.len(), want.len());

    // Phones and printers are filtered with a reason; the telnet-only switch
    // was walked over telnet.
    let phone = truth
        .devices
        .iter()
        .find(|d| d.hostname.starts_with("SEP"))
        .unwrap();
    let p = by_name[phone.hostname.as_str()];
    assert_eq!(p.status, DeviceStatus::Filtered);
    assert!(
        p.reason.as_deref().unwrap_or("").starts_with("filtered: "),
        "{:?}",
        p.reason
    );
    assert_eq!(by_name["legacy1"].status, DeviceStatus::Walked);
    // Nothing in this lab stops a device answering its plan: the Linux hosts'
    // lldpcli lives outside their login PATH (Debian's layout) and must
    // still be found.
    let warned: Vec<_> = inv
        .devices
        .iter()
        .filter(|d| !d.warnings.is_empty())
        .map(|d| (&d.hostname, &d.warnings))
        .collect();
    assert!(warned.is_empty(), "{warned:#?}");
    assert_eq!(summary.devices_with_warnings, 0);
    assert!(
        topo.devices
            .iter()
            .any(|d| d.quirks.contains(&netsim::Quirk::LldpcliOutsidePath))
    );
    // Stacks are members of their device, never devices of their own.
    let stacked = truth
        .devices
        .iter()
        .find(|d| d.stack_members.len() > 1)
        .unwrap();
    assert_eq!(
        by_name[stacked.hostname.as_str()].stack_members.len(),
        stacked.stack_members.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulty_devices_fail_with_the_right_class_and_leak_nothing() {
    let (_, devices, summary, stats, topo) = run_walk(160, "127.51.0.1", true).await;
    let by_name: HashMap<&str, &netwalker::model::Device> =
        devices.iter().map(|d| (d.hostname.as_str(), d)).collect();
    let mut seen = 0;
    for d in &topo.devices {
        let Some(fault) = d.fault else { continue };
        seen += 1;
        let got = by_name[d.hostname.as_str()];
        let class = got.error_class.as_deref();
        match fault {
            Fault::AuthFail => assert_eq!(class, Some("auth_failed"), "{}", d.hostname),
            Fault::NoBanner | Fault::StopMidOutput => {
                assert_eq!(
                    class,
                    Some("timeout"),
                    "{} {fault:?}: {:?}",
                    d.hostname,
                    got.reason
                )
            }
            Fault::NoPrompt => assert!(
                matches!(class, Some("timeout" | "prompt_not_found")),
                "{}: {:?}",
                d.hostname,
                got.reason
            ),
            Fault::RefuseAll => assert_eq!(class, Some("refused"), "{}", d.hostname),
            Fault::DropMidCommand => assert!(
                matches!(class, Some("closed" | "session_closed" | "protocol")),
                "{}: {:?} {:?}",
                d.hostname,
                class,
                got.reason
            ),
            Fault::SlowOutput | Fault::TelnetOnly | Fault::BannerWithPromptChars => {
                assert_eq!(
                    got.status,
                    DeviceStatus::Walked,
                    "{} {fault:?}: {:?}",
                    d.hostname,
                    got.reason
                )
            }
            Fault::EndlessOutput | Fault::LegacySshOnly | Fault::EcdsaHostKey => {
                unreachable!("not in Fault::ALL: the generator never assigns it")
            }
            Fault::GarbageOutput => {
                // Logged in and answered, but nothing parses: a failure with a reason,
                // not a "walked" device with silently empty neighbour tables.
                assert_eq!(
                    class,
                    Some("unparseable"),
                    "{}: {:?}",
                    d.hostname,
                    got.reason
                )
            }
        }
        if got.status == DeviceStatus::Failed {
            assert!(
                got.reason.is_some(),
                "{}: failure without a reason",
                d.hostname
            );
        }
    }
    assert_eq!(seen, Fault::ALL.len());
    // The switch with LLDP off is walked, and says what it could not answer.
    let quiet = topo
        .devices
        .iter()
        .find(|d| d.quirks.contains(&netsim::Quirk::LldpDisabled))
        .expect("the faulty lab switches LLDP off somewhere");
    let got = by_name[quiet.hostname.as_str()];
    assert_eq!(got.status, DeviceStatus::Walked, "{:?}", got.reason);
    assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
    assert!(
        got.warnings[0].contains("LLDP is not enabled"),
        "{:?}",
        got.warnings
    );
    assert!(summary.devices_with_warnings >= 1);
    assert_eq!(stats.sessions_open, 0, "{stats:?}");
    assert_eq!(summary.sessions_open_at_exit, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_depth_skips_with_a_reason_and_cancel_stops_promptly() {
    let topo = netsim::generate(&GenerateOptions {
        devices: 60,
        seed: 3,
        base_ip: "127.52.0.1".parse().unwrap(),
        ..GenerateOptions::default()
    });
    let lab = serve(&topo).await;
    let seed = vec![SeedTarget {
        name: None,
        ip: topo.device("core1").unwrap().mgmt_ip.into(),
    }];

    // Depth 1: cores' direct neighbours are walked, the access layer is skipped.
    let opts = WalkOptions {
        max_depth: Some(1),
        ..walk_options()
    };
    let (s, inv) = walk_into_memory(seed.clone(), opts, CancellationToken::new()).await;
    assert!(s.counts.skipped > 0, "{:?}", s.counts);
    let acc = inv.devices.iter().find(|d| d.hostname == "acc1").unwrap();
    assert_eq!(acc.status, DeviceStatus::Skipped);
    assert!(
        acc.reason.as_deref().unwrap().contains("--max-depth 1"),
        "{:?}",
        acc.reason
    );
    assert!(inv.devices.iter().all(|d| d.depth <= 2));

    // Cancelled before it starts: returns at once, nothing left open.
    let cancel = CancellationToken::new();
    cancel.cancel();
    let t0 = std::time::Instant::now();
    let (s, _) = walk_into_memory(seed, walk_options(), cancel).await;
    assert!(s.interrupted);
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    left_nothing_open(lab, &s).await;
}

/// A device's neighbours are queued as soon as its neighbour tables are
/// in, not when its whole plan is: here the seed answers every command in
/// 300 ms and is cut off by the device timeout after about ten of its
/// 15-16 commands (terminal setup included). Its CDP and LLDP tables
/// (commands four and five) were in by then, so the rest of the campus is
/// walked from them; without the early hand-over the walk would end at
/// the failed seed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neighbours_are_walked_from_the_lead_answers_while_the_rest_is_asked() {
    let mut topo = netsim::generate(&GenerateOptions {
        devices: 40,
        seed: 5,
        faults: false,
        base_ip: "127.58.0.1".parse().unwrap(),
        ..GenerateOptions::default()
    });
    let core = topo
        .devices
        .iter_mut()
        .find(|d| d.hostname == "core1")
        .unwrap();
    core.delays = Some(netsim::Delays {
        command_ms: [300, 300],
        ..netsim::Delays::default()
    });
    let core_ip = core.mgmt_ip;
    let lab = serve(&topo).await;
    let seed = SeedTarget {
        name: None,
        ip: core_ip.into(),
    };
    let opts = WalkOptions {
        device_timeout: Duration::from_secs(3),
        ..walk_options()
    };
    let (s, inv) = walk_into_memory(vec![seed], opts, CancellationToken::new()).await;
    let status = |name: &str| {
        inv.devices
            .iter()
            .find(|d| d.hostname == name)
            .map(|d| d.status)
    };
    assert_eq!(
        status("core1"),
        Some(DeviceStatus::Failed),
        "the seed outlives its timeout"
    );
    let truth = netsim::truth(&topo);
    let walkable = truth.devices.iter().filter(|d| d.reachable).count();
    assert_eq!(
        s.counts.walked as usize,
        walkable - 1,
        "every other walkable device is walked from the seed's lead answers: {:?}",
        s.counts
    );
    left_nothing_open(lab, &s).await;
}

/// Linux hosts as Debian lays them out: lldpcli outside the login PATH is
/// still run; lldpcli missing altogether is a warning on the walked host,
/// never a silent empty neighbour table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linux_hosts_find_lldpcli_or_say_why_not() {
    let topo = netsim::Topology::from_toml_str(
        r#"
[[device]]
hostname = "srv1"
platform = "linux"
kind = "host"
mgmt_ip = "127.53.0.1"
serial = "VMW-1"
model = "VMware"
version = "Debian GNU/Linux 12 (bookworm)"
transports = "ssh"
quirks = ["lldpcli_outside_path"]

[[device]]
hostname = "srv2"
platform = "linux"
kind = "host"
mgmt_ip = "127.53.0.2"
serial = "VMW-2"
model = "VMware"
version = "Debian GNU/Linux 12 (bookworm)"
transports = "ssh"
quirks = ["no_lldpd"]

# Down: only srv1's own LLDP table can reveal it.
[[device]]
hostname = "tor1"
platform = "cisco_nxos"
mgmt_ip = "127.53.0.3"
serial = "SAL0001"
model = "C9396PX"
version = "9.3(9)"
transports = "none"

[[link]]
a = "srv1"
a_interface = "eth0"
b = "tor1"
b_interface = "Ethernet1/1"
protocols = ["lldp"]
"#,
    )
    .unwrap();
    let lab = serve(&topo).await;
    let seeds = ["srv1", "srv2"]
        .map(|n| SeedTarget {
            name: Some(n.into()),
            ip: topo.device(n).unwrap().mgmt_ip.into(),
        })
        .to_vec();
    let (summary, inv) = walk_into_memory(seeds, walk_options(), CancellationToken::new()).await;
    let get = |n: &str| inv.devices.iter().find(|d| d.hostname == n).unwrap();
    assert_eq!(get("srv1").status, DeviceStatus::Walked);
    assert_eq!(get("srv1").warnings, Vec::<String>::new());
    assert_eq!(
        get("tor1").status,
        DeviceStatus::Failed,
        "{:?}",
        get("tor1")
    );
    assert_eq!(inv.links.len(), 1, "{:?}", inv.links);
    let srv2 = get("srv2");
    assert_eq!(srv2.status, DeviceStatus::Walked);
    assert_eq!(srv2.warnings.len(), 1, "{:?}", srv2.warnings);
    assert!(
        srv2.warnings[0].contains("lldpcli was not found"),
        "{:?}",
        srv2.warnings
    );
    assert_eq!(summary.devices_with_warnings, 1);
    // The contract: `warnings` is always present, `[]` when none.
    let json = serde_json::to_value(&inv).unwrap();
    assert!(
        json["devices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["warnings"].is_array())
    );
    assert_eq!(
        lab.wait_until_idle(Duration::from_secs(5))
            .await
            .sessions_open,
        0
    );
    lab.shutdown(Duration::from_secs(2)).await;
}

/// A credential set is offered only inside its scope: scoped to the seed
/// alone, the walk logs in there and nowhere else, and records every other
/// device it would have walked as filtered, with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_offered_only_inside_their_scope() {
    let topo = netsim::generate(&GenerateOptions {
        devices: 40,
        seed: 4,
        base_ip: "127.55.0.1".parse().unwrap(),
        ..GenerateOptions::default()
    });
    let lab = serve(&topo).await;
    let core = topo.device("core1").unwrap().mgmt_ip;
    let mut opts = walk_options();
    opts.credentials = vec![netwalker::login::ScopedCredentials {
        credentials: Credentials::password("admin", "admin").with_enable_secret("admin"),
        scope: vec![format!("{core}/32").parse().unwrap()],
    }];
    let seed = SeedTarget {
        name: Some("core1".into()),
        ip: core.into(),
    };
    let (summary, inv) = walk_into_memory(vec![seed], opts, CancellationToken::new()).await;
    assert_eq!(summary.counts.walked, 1, "{:?}", summary.counts);
    let out_of_scope: Vec<_> = inv
        .devices
        .iter()
        .filter(|d| {
            d.reason
                .as_deref()
                .is_some_and(|r| r.starts_with("filtered: no credential set is scoped to"))
        })
        .collect();
    assert!(!out_of_scope.is_empty(), "{:#?}", inv.devices);
    assert!(
        out_of_scope
            .iter()
            .all(|d| d.status == DeviceStatus::Filtered)
    );
    // netsim's own count: one login, at the seed; nothing was offered elsewhere.
    let stats = lab.wait_until_idle(Duration::from_secs(5)).await;
    assert_eq!(stats.sessions_opened, 1, "{stats:?}");
    assert_eq!(stats.sessions_open, 0);
    lab.shutdown(Duration::from_secs(2)).await;
}
