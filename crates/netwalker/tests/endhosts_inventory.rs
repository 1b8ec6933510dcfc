//! inventory.json's `endhosts`, from what walks stored: every host the
//! latest walks saw, located on its edge port by the edge-port rule over
//! all three kinds of uplink (a CDP neighbour that is a walked switch, a
//! trunk where a walked switch's own MAC is learnt, a port-channel of an
//! uplink member), ambiguous ones with their candidates, joined to their
//! addresses and vendors; the walked switches' own MACs and hosts only in
//! history are not listed.

use netwalker::model::*;
use netwalker::store::StoreWriter;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

const ACC1: DeviceId = DeviceId(1);
const ACC2: DeviceId = DeviceId(2);
const DIST: DeviceId = DeviceId(3);

const PC: &str = "00:14:22:00:00:01"; // Dell
const VM: &str = "00:50:56:00:00:02"; // VMware
const BEHIND: &str = "00:14:22:00:00:03";
const OLD: &str = "00:14:22:00:00:04";
const ARP_ONLY: &str = "00:14:22:00:00:05";
const DIST_MAC: &str = "00:1e:7a:00:00:03";

fn mac(s: &str) -> MacAddr {
    device_parsers::parse_mac(s).unwrap()
}

/// A walked switch that learnt `macs` (MAC, port), with `trunks`,
/// `bundles` (member, port-channel), cached `ips` (IP, MAC) and `links`.
struct Walk<'a> {
    id: DeviceId,
    ip: &'a str,
    macs: &'a [(&'a str, &'a str)],
    trunks: &'a [&'a str],
    bundles: &'a [(&'a str, &'a str)],
    ips: &'a [(&'a str, &'a str)],
    links: Vec<Link>,
}

impl Walk<'_> {
    fn result(&self) -> DeviceResult {
        let mut d = Device::new(self.id, format!("sw{}", self.id.0), DeviceStatus::Walked);
        d.capabilities = vec!["Switch".into()];
        d.mgmt_ip = Some(self.ip.parse().unwrap());
        d.ips.insert(self.ip.parse().unwrap());
        let mut r = DeviceResult::bare(d);
        r.links = self.links.clone();
        r.endhosts = EndHostTables {
            collected: true,
            macs: self
                .macs
                .iter()
                .map(|&(m, port)| MacSighting {
                    mac: mac(m),
                    port: port.into(),
                    vlan: Some(100),
                })
                .collect(),
            ip_macs: self
                .ips
                .iter()
                .map(|&(a, m)| IpMac {
                    ip: a.parse().unwrap(),
                    mac: mac(m),
                    interface: None,
                })
                .collect(),
            trunks: self.trunks.iter().map(|t| t.to_string()).collect(),
            bundles: self
                .bundles
                .iter()
                .map(|&(port, pc)| BundleMember {
                    port: port.into(),
                    port_channel: pc.into(),
                })
                .collect(),
        };
        r
    }
}

fn walks() -> StoreWriter {
    let clock = Arc::new(AtomicI64::new(1000));
    let c2 = clock.clone();
    let mut w = StoreWriter::open_in_memory()
        .unwrap()
        .with_clock(Arc::new(move || c2.load(Ordering::SeqCst)));
    // An earlier walk of acc1 learnt OLD, which has since gone.
    let acc1_then = Walk {
        id: ACC1,
        ip: "10.0.0.1",
        macs: &[(OLD, "GigabitEthernet1/0/6")],
        trunks: &[],
        bundles: &[],
        ips: &[],
        links: vec![],
    };
    w.commit_device(&acc1_then.result()).unwrap();
    clock.store(2000, Ordering::SeqCst);
    let dist = Walk {
        id: DIST,
        ip: "10.0.0.3",
        macs: &[
            (PC, "TenGigabitEthernet1/0/1"),
            (VM, "TenGigabitEthernet1/0/2"),
        ],
        trunks: &["TenGigabitEthernet1/0/1", "TenGigabitEthernet1/0/2"],
        bundles: &[],
        ips: &[
            ("10.0.0.3", DIST_MAC),
            ("10.0.100.10", PC),
            ("fd00::a", PC),
            ("10.0.100.11", VM),
            ("10.0.100.12", ARP_ONLY),
        ],
        links: vec![],
    };
    w.commit_device(&dist.result()).unwrap();
    let acc1 = Walk {
        id: ACC1,
        ip: "10.0.0.1",
        macs: &[
            (PC, "GigabitEthernet1/0/5"),
            (VM, "GigabitEthernet1/0/7"),
            // Gi1/0/50 trunks to dist without CDP: dist's MAC is learnt there.
            (DIST_MAC, "GigabitEthernet1/0/50"),
            (BEHIND, "GigabitEthernet1/0/50"),
        ],
        trunks: &["GigabitEthernet1/0/49", "GigabitEthernet1/0/50"],
        bundles: &[],
        ips: &[],
        links: vec![Link::new(
            ACC1,
            "GigabitEthernet1/0/49",
            DIST,
            "TenGigabitEthernet1/0/1",
            LinkProtocol::Cdp,
        )],
    };
    w.commit_device(&acc1.result()).unwrap();
    let acc2 = Walk {
        id: ACC2,
        ip: "10.0.0.2",
        // MACs are learnt on Po1, CDP sees dist on its member Gi1/0/49.
        macs: &[
            (VM, "GigabitEthernet1/0/9"),
            (BEHIND, "Port-channel1"),
            (PC, "Port-channel1"),
        ],
        trunks: &["Port-channel1"],
        bundles: &[("GigabitEthernet1/0/49", "Port-channel1")],
        ips: &[],
        links: vec![Link::new(
            ACC2,
            "GigabitEthernet1/0/49",
            DIST,
            "TenGigabitEthernet1/0/2",
            LinkProtocol::Cdp,
        )],
    };
    w.commit_device(&acc2.result()).unwrap();
    w
}

#[test]
fn every_current_host_is_listed_located_or_explained() {
    let w = walks();
    let inv = w.read().export_inventory().unwrap();
    let macs: Vec<String> = inv.endhosts.iter().map(|h| h.mac.to_string()).collect();
    assert_eq!(
        macs,
        [PC, BEHIND, ARP_ONLY, VM],
        "by MAC, no switch's own, no history"
    );
    let host = |m: &str| inv.endhosts.iter().find(|h| h.mac == mac(m)).unwrap();

    let pc = host(PC);
    assert_eq!(pc.status, EndHostStatus::Located, "{pc:?}");
    assert_eq!(pc.switch.as_deref(), Some("sw1"));
    assert_eq!(pc.port.as_deref(), Some("GigabitEthernet1/0/5"));
    assert_eq!(pc.vlan, Some(100));
    assert_eq!(pc.vendor.as_deref(), Some("Dell Inc."));
    let ips: Vec<String> = pc.ips.iter().map(|i| i.to_string()).collect();
    assert_eq!(ips, ["10.0.100.10", "fd00::a"]);
    assert_eq!((pc.first_seen, pc.last_seen), (Some(2000), Some(2000)));
    assert!(pc.candidates.is_empty());

    let vm = host(VM);
    assert_eq!(vm.status, EndHostStatus::Ambiguous, "{vm:?}");
    assert_eq!(vm.switch, None);
    assert_eq!(vm.vendor.as_deref(), Some("VMware, Inc."));
    let mut at: Vec<(&str, &str)> = vm
        .candidates
        .iter()
        .map(|c| (c.switch.as_str(), c.port.as_str()))
        .collect();
    at.sort();
    assert_eq!(
        at,
        [
            ("sw1", "GigabitEthernet1/0/7"),
            ("sw2", "GigabitEthernet1/0/9")
        ]
    );
    assert!(vm.reason.as_deref().unwrap().contains("2 edge ports"));

    // Only on uplinks: acc1's trunk to dist (found by dist's MAC) and
    // acc2's port-channel (found by its member's CDP neighbour).
    let behind = host(BEHIND);
    assert_eq!(behind.status, EndHostStatus::Unknown, "{behind:?}");
    assert!(
        behind
            .reason
            .as_deref()
            .unwrap()
            .contains("only on uplinks")
    );

    let arp = host(ARP_ONLY);
    assert_eq!(arp.status, EndHostStatus::Unknown);
    assert!(arp.reason.as_deref().unwrap().contains("ARP/ND cache only"));
    assert_eq!(arp.ips.len(), 1);
}

#[test]
fn an_inventory_without_end_hosts_has_an_empty_list() {
    let mut w = StoreWriter::open_in_memory().unwrap();
    let d = Device::new(ACC1, "sw1", DeviceStatus::Walked);
    w.commit_device(&DeviceResult::bare(d)).unwrap();
    let v = serde_json::to_value(w.read().export_inventory().unwrap()).unwrap();
    assert_eq!(v["endhosts"], serde_json::json!([]));
}

#[test]
fn the_workbook_lists_hosts_and_counts_them_per_port() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let w = walks();
    let dir = tempfile::tempdir().unwrap();
    let opts = netwalker::report::ReportOptions::new(dir.path());
    let snap = netwalker::snapshot::Snapshot::read(w.read()).unwrap();
    let files = netwalker::report::write_reports_from(&snap, &opts).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&files[0]).unwrap();
    let text = |d: &Data| d.to_string();
    let hosts = wb.worksheet_range("End Hosts").unwrap();
    let rows: Vec<Vec<String>> = hosts.rows().map(|r| r.iter().map(text).collect()).collect();
    assert_eq!(rows.len(), 5, "header and four hosts: {rows:?}");
    let pc = rows.iter().find(|r| r[0] == PC).unwrap();
    assert_eq!(
        &pc[1..7],
        [
            "Dell Inc.",
            "10.0.100.10, fd00::a",
            "located",
            "sw1",
            "GigabitEthernet1/0/5",
            "100"
        ]
    );
    let vm = rows.iter().find(|r| r[0] == VM).unwrap();
    assert_eq!(vm[3], "ambiguous");
    assert!(
        vm[7].contains("sw1 GigabitEthernet1/0/7 (VLAN 100)"),
        "{vm:?}"
    );
    let ports = wb.worksheet_range("End Host Ports").unwrap();
    let rows: Vec<Vec<String>> = ports.rows().map(|r| r.iter().map(text).collect()).collect();
    assert_eq!(
        rows[1..],
        [
            ["sw1", "GigabitEthernet1/0/5", "1", "0"],
            ["sw1", "GigabitEthernet1/0/7", "0", "1"],
            ["sw2", "GigabitEthernet1/0/9", "0", "1"],
        ]
    );
    let summary = wb.worksheet_range("Summary").unwrap();
    let located = summary
        .rows()
        .find(|r| text(&r[0]) == "End hosts located")
        .map(|r| text(&r[1]));
    assert_eq!(located.as_deref(), Some("1"));
}
