//! netsim's end-host tables, rendered for every device of a generated lab
//! and read back with our parsers, agree with the lab's truth: each host's
//! MAC on its port(s) in its VLAN, its addresses in every gateway's caches,
//! its port an access port, uplinks trunks. (Here, not in netsim: netsim
//! must not depend on device-parsers.)

use device_parsers::{self as dp, Parsed, Platform, interface_long, parse_mac};
use netsim::render::{match_command, render};
use netsim::topology::TopologyIndex;
use netsim::{DeviceKind, GenerateOptions};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

/// Renders `command` on `host` and parses it as a walk would.
fn ask(idx: &TopologyIndex, host: &str, command: &str) -> Parsed {
    let i = idx.index_of(host).expect("device in lab");
    let platform = idx.device(i).platform;
    let cmd = match_command(platform, command).unwrap_or_else(|| panic!("{host}: {command}"));
    let text = render(idx, i, cmd).unwrap_or_else(|| panic!("{host} cannot {command}"));
    dp::parse(platform, command, &text).unwrap_or_else(|e| panic!("{host}: {e}"))
}

/// (MAC, VLAN) -> long port names, from a device's dynamic MAC table.
fn mac_table(idx: &TopologyIndex, host: &str, command: &str) -> HashMap<(String, u16), String> {
    let Parsed::MacTable(rows) = ask(idx, host, command) else {
        panic!("{host}: not a MAC table");
    };
    rows.into_iter()
        .filter(|r| r.kind == dp::MacKind::Dynamic && !r.is_own())
        .map(|r| {
            let port = interface_long(&r.ports[0]);
            ((r.mac.to_string(), r.vlan.expect("a VLAN")), port)
        })
        .collect()
}

/// (IP, MAC) pairs of a device's neighbour cache.
fn cache(idx: &TopologyIndex, host: &str, command: &str) -> HashSet<(IpAddr, String)> {
    let Parsed::IpNeighbors(rows) = ask(idx, host, command) else {
        panic!("{host}: not a neighbour cache");
    };
    rows.into_iter()
        .filter_map(|n| Some((n.ip, n.mac?.to_string())))
        .collect()
}

fn lab() -> (TopologyIndex, netsim::Truth) {
    let topo = netsim::generate(&GenerateOptions {
        devices: 200,
        seed: 11,
        endhosts_per_access: 10,
        ..GenerateOptions::default()
    });
    let truth = netsim::truth(&topo);
    (TopologyIndex::new(topo), truth)
}

#[test]
fn rendered_tables_parse_back_to_the_truth() {
    let (idx, truth) = lab();
    assert!(truth.endhosts.len() > 300, "{}", truth.endhosts.len());
    let mut tables: HashMap<String, HashMap<(String, u16), String>> = HashMap::new();
    let mut caches: HashMap<(String, &str), HashSet<(IpAddr, String)>> = HashMap::new();
    for h in &truth.endhosts {
        let mut edge = vec![(h.switch.clone(), h.port.clone())];
        edge.extend(
            h.candidates
                .iter()
                .skip(1)
                .map(|c| (c.switch.clone(), c.port.clone())),
        );
        for (sw, port) in edge {
            let t = tables.entry(sw.clone()).or_insert_with(|| {
                let platform = idx.device(idx.index_of(&sw).unwrap()).platform;
                assert!(matches!(platform, Platform::CiscoIos | Platform::CiscoXe));
                mac_table(&idx, &sw, "show mac address-table dynamic")
            });
            assert_eq!(t.get(&(h.mac.clone(), h.vlan)), Some(&port), "{sw}: {h:?}");
        }
        let gateways = if h.vlan == 10 {
            ["core1", "core2"]
        } else {
            ["", ""]
        };
        for g in gateways.into_iter().filter(|g| !g.is_empty()) {
            let c = caches
                .entry((g.to_string(), "arp"))
                .or_insert_with(|| cache(&idx, g, "show ip arp vrf all"));
            assert!(c.contains(&(IpAddr::V4(h.ip), h.mac.clone())), "{g}: {h:?}");
        }
    }
    // The user VLANs' gateways: each host in exactly one distribution
    // pair's ARP caches (both members), IPv6 hosts in their ND caches.
    let dists: Vec<String> = (0..idx.topology.devices.len())
        .map(|i| idx.device(i))
        .filter(|d| d.role.as_deref() == Some("distribution"))
        .map(|d| d.hostname.clone())
        .collect();
    let arp: Vec<_> = dists
        .iter()
        .map(|d| cache(&idx, d, "show ip arp"))
        .collect();
    let nd: Vec<_> = dists
        .iter()
        .map(|d| cache(&idx, d, "show ipv6 neighbors"))
        .collect();
    for h in truth.endhosts.iter().filter(|h| h.vlan != 10) {
        let v4 = (IpAddr::V4(h.ip), h.mac.clone());
        assert_eq!(arp.iter().filter(|c| c.contains(&v4)).count(), 2, "{h:?}");
        if let Some(v6) = h.ipv6 {
            let v6 = (IpAddr::V6(v6), h.mac.clone());
            assert_eq!(nd.iter().filter(|c| c.contains(&v6)).count(), 2, "{h:?}");
        }
    }
    assert!(truth.endhosts.iter().any(|h| h.ipv6.is_some()));
}

/// Host ports are access ports in the host's VLAN (a phone's port carries
/// the voice VLAN too); ports to other switches are trunks.
#[test]
fn switchport_state_tells_edge_from_uplink() {
    let (idx, truth) = lab();
    let mut by_switch: HashMap<&str, Vec<&netsim::generate::TruthEndHost>> = HashMap::new();
    for h in &truth.endhosts {
        by_switch.entry(&h.switch).or_default().push(h);
    }
    for (sw, hosts) in by_switch {
        let Parsed::Switchports(ports) = ask(&idx, sw, "show interfaces switchport") else {
            panic!("{sw}: not switchports");
        };
        let port = |name: &str| {
            ports
                .iter()
                .find(|p| interface_long(&p.interface) == name)
                .unwrap_or_else(|| panic!("{sw} lacks {name}"))
        };
        for h in hosts {
            let p = port(&h.port);
            assert!(!p.is_trunk(), "{sw} {}", h.port);
            if h.kind == netsim::endhosts::EndHostKind::Phone {
                assert_eq!(p.voice_vlan, Some(h.vlan));
            } else {
                assert_eq!(p.access_vlan, Some(h.vlan), "{sw} {}", h.port);
            }
        }
        let i = idx.index_of(sw).unwrap();
        for e in idx.link_ends(i) {
            if e.remote.kind == DeviceKind::Switch {
                assert!(
                    port(e.local_interface).is_trunk(),
                    "{sw} {}",
                    e.local_interface
                );
            }
        }
    }
    let Parsed::Switchports(core) = ask(&idx, "core1", "show interface switchport") else {
        panic!("core1: not switchports");
    };
    assert!(core.iter().any(|p| p.is_trunk()));
}

/// The other platforms' caches parse: PAN-OS and Linux list their link
/// partners with MACs.
#[test]
fn firewall_and_linux_caches_parse() {
    let (idx, _) = lab();
    for (host, command) in [("fw1", "show arp all"), ("srv1", "ip -j neigh")] {
        let c = cache(&idx, host, command);
        assert!(!c.is_empty(), "{host}");
        assert!(c.iter().all(|(_, mac)| parse_mac(mac).is_some()));
    }
}
