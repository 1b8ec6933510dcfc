//! A small stored network with end hosts of every kind (located,
//! ambiguous, only on uplinks, only in ARP, only in history) and uplinks of
//! every kind (CDP neighbour, trunk to a switch found by its own MAC,
//! port-channel with a CDP member), for the inventory, workbook and
//! `find` tests.
#![allow(dead_code)]

use netwalker::model::*;
use netwalker::store::StoreWriter;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub const ACC1: DeviceId = DeviceId(1);
pub const ACC2: DeviceId = DeviceId(2);
pub const DIST: DeviceId = DeviceId(3);

pub const PC: &str = "00:14:22:00:00:01"; // Dell
pub const VM: &str = "00:50:56:00:00:02"; // VMware
pub const BEHIND: &str = "00:14:22:00:00:03";
pub const OLD: &str = "00:14:22:00:00:04";
pub const ARP_ONLY: &str = "00:14:22:00:00:05";
pub const DIST_MAC: &str = "00:1e:7a:00:00:03";

pub fn mac(s: &str) -> MacAddr {
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

/// Two walks into `w`: acc1 alone at t=1000, then dist, acc1 and acc2 at
/// t=2000 (see the constants for the hosts and where they are).
pub fn walks(w: StoreWriter) -> StoreWriter {
    let clock = Arc::new(AtomicI64::new(1000));
    let c2 = clock.clone();
    let mut w = w.with_clock(Arc::new(move || c2.load(Ordering::SeqCst)));
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
