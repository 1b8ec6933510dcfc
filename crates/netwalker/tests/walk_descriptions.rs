//! Interface descriptions from a walk: netsim answers `show interface(s)
//! description` on IOS and NX-OS, the walk stores each interface's
//! description whole (device text kept byte for byte, markup and Unicode
//! included), and the interface records the API serves carry it.

use device_session::{Credentials, HostKeyPolicy, OpenOptions};
use netsim::{Lab, LabConfig};
use netwalker::engine::{self, SeedTarget, WalkOptions, WalkProgress};
use netwalker::filter::Filter;
use netwalker::identity::IdentityIndex;
use netwalker::model::{DeviceId, Interface};
use netwalker::store::{StoreReader, StoreWorker, StoreWriter};
use std::collections::HashMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const SSH_PORT: u16 = 5022;
const TELNET_PORT: u16 = 5023;
/// What acc1's SVI is described as: device text for every page to escape.
const ODD: &str = "<script>alert(\"x\")</script> 'Ünïcode' & more";

const TOPOLOGY: &str = r#"
[[device]]
hostname = "core1"
platform = "cisco_nxos"
role = "core"
mgmt_ip = "127.57.0.1"
serial = "SAL1819S6LU"
model = "C9396PX"
version = "9.3(9)"

[[device]]
hostname = "acc1"
platform = "cisco_ios"
role = "access"
mgmt_ip = "127.57.0.2"
serial = "FOC1234X0AB"
model = "WS-C2960X-48FPD-L"
version = "15.2(7)E4"
[[device.interface]]
name = "Vlan10"
ip = "10.0.10.2"
description = 'ODD'
[[device.vlan]]
id = 10
name = "USERS"
ports = ["GigabitEthernet1/0/1", "GigabitEthernet1/0/2", "GigabitEthernet1/0/3", "GigabitEthernet1/0/4", "GigabitEthernet1/0/5", "GigabitEthernet1/0/6"]

[[link]]
a = "core1"
a_interface = "Ethernet1/1"
b = "acc1"
b_interface = "GigabitEthernet1/0/49"
"#;

async fn walk(store: &std::path::Path) -> netsim::Stats {
    let text = TOPOLOGY.replace("'ODD'", &toml_string(ODD));
    let topo = netsim::Topology::from_toml_str(&text).unwrap();
    let lab = Lab::start(
        topo.clone(),
        LabConfig {
            ssh_port: SSH_PORT,
            telnet_port: TELNET_PORT,
            ..LabConfig::default()
        },
    )
    .await
    .unwrap();
    let worker = StoreWorker::spawn(StoreWriter::open(store).unwrap(), 64).unwrap();
    let (tx, _rx) = tokio::sync::watch::channel(WalkProgress::default());
    let options = WalkOptions {
        ssh_port: SSH_PORT,
        telnet_port: TELNET_PORT,
        credentials: vec![Credentials::password("admin", "admin").into()],
        session: OpenOptions {
            host_key_policy: HostKeyPolicy::Off,
            ..OpenOptions::default()
        },
        device_timeout: Duration::from_secs(20),
        ..WalkOptions::default()
    };
    let summary = engine::walk(
        vec![SeedTarget {
            name: Some("core1".into()),
            ip: topo.device("core1").unwrap().mgmt_ip.into(),
        }],
        IdentityIndex::new(),
        HashMap::new(),
        Filter::new(&engine::default_filter_config()).unwrap(),
        worker.sender(),
        options,
        CancellationToken::new(),
        tx,
    )
    .await
    .unwrap();
    assert_eq!(summary.counts.walked, 2, "{summary:?}");
    drop(worker.shutdown().await.unwrap());
    let stats = lab.wait_until_idle(Duration::from_secs(5)).await;
    lab.shutdown(Duration::from_secs(2)).await;
    stats
}

/// `s` as a TOML basic string.
fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn described(ifaces: &[Interface]) -> Vec<(&str, Option<&str>)> {
    ifaces
        .iter()
        .map(|i| (i.name.as_str(), i.description.as_deref()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn descriptions_arrive_whole_from_ios_and_nxos() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inv.db");
    let stats = walk(&path).await;
    assert_eq!(stats.sessions_open, 0);
    let r = StoreReader::open(&path).unwrap();
    let id = |name: &str| -> DeviceId {
        r.devices()
            .unwrap()
            .into_iter()
            .find(|d| d.hostname == name)
            .unwrap_or_else(|| panic!("{name} not stored"))
            .id
    };
    let acc1 = r.interfaces(id("acc1")).unwrap();
    let got = described(&acc1);
    // The link end names where it leads (acc1 is below core1), the SVI
    // keeps its device text byte for byte, the management SVI has none.
    assert!(
        got.contains(&("GigabitEthernet1/0/49", Some("uplink to core1 Eth1/1"))),
        "{got:?}"
    );
    assert!(got.contains(&("Vlan10", Some(ODD))), "{got:?}");
    assert!(got.contains(&("Vlan1", None)), "{got:?}");
    // Some access ports name their VLAN, not all.
    let access: Vec<Option<&str>> = got
        .iter()
        .filter(|(n, _)| n.starts_with("GigabitEthernet1/0/") && *n != "GigabitEthernet1/0/49")
        .map(|(_, d)| *d)
        .collect();
    assert_eq!(access.len(), 6, "{got:?}");
    assert!(access.contains(&Some("USERS access")), "{got:?}");
    assert!(access.contains(&None), "{got:?}");
    // The status table still fills the rest of the record.
    let uplink = acc1
        .iter()
        .find(|i| i.name == "GigabitEthernet1/0/49")
        .unwrap();
    assert_eq!(uplink.vlan.as_deref(), Some("trunk"));
    // NX-OS: its `--` is no description.
    let core = r.interfaces(id("core1")).unwrap();
    let got = described(&core);
    assert!(
        got.contains(&("Ethernet1/1", Some("downlink to acc1 Gi1/0/49"))),
        "{got:?}"
    );
    assert!(got.contains(&("mgmt0", None)), "{got:?}");
    // The interface record the API serves (`/api/v1/devices/{name}`).
    let json = serde_json::to_value(acc1.iter().find(|i| i.name == "Vlan10").unwrap()).unwrap();
    assert_eq!(json["description"], ODD);
    let json = serde_json::to_value(core.iter().find(|i| i.name == "mgmt0").unwrap()).unwrap();
    assert!(json["description"].is_null(), "{json}");
    // Search finds acc1 by its SVI's description.
    let hits = r.interfaces_containing("ünïcode").unwrap();
    assert!(hits.is_empty(), "ASCII case folding only: {hits:?}");
    let hits = r.interfaces_containing("'Ünïcode'").unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].0, id("acc1"));
}
