//! Tables IOS, IOS-XE and NX-OS print alike: CDP and LLDP neighbour
//! summaries, VLANs, the interface list behind the status tables, the clock.

use super::neighbor::{ends_with, fqdn, lldp_capabilities, lldp_port_id};
use super::short_ifname;
use crate::topology::{Protocol, TopologyIndex};
use std::collections::HashMap;
use std::fmt::Write as _;

pub(super) fn cdp_brief(topo: &TopologyIndex, idx: usize) -> String {
    let mut s = String::from(
        "Capability Codes: R - Router, T - Trans Bridge, B - Source Route Bridge
                  S - Switch, H - Host, I - IGMP, r - Repeater, P - Phone, 
                  D - Remote, C - CVTA, M - Two-port Mac Relay 

Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID
",
    );
    let ends = ends_with(topo, idx, Protocol::Cdp);
    for e in &ends {
        let _ = writeln!(
            s,
            "{}\n                 {:<17} 164             R S I {:<9} {}",
            fqdn(topo, e.remote),
            short_ifname(e.local_interface),
            e.remote.model,
            short_ifname(e.remote_interface)
        );
    }
    let _ = write!(s, "\nTotal cdp entries displayed : {}\n", ends.len());
    s
}

pub(super) fn lldp_brief(topo: &TopologyIndex, idx: usize) -> String {
    let mut s = String::from(
        "Capability codes:
    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device
    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other

Device ID           Local Intf     Hold-time  Capability      Port ID
",
    );
    let ends = ends_with(topo, idx, Protocol::Lldp);
    for e in &ends {
        let name: String = e.remote.hostname.chars().take(20).collect();
        let _ = writeln!(
            s,
            "{:<20}{:<15}{:<11}{:<16}{}",
            name,
            short_ifname(e.local_interface),
            120,
            lldp_capabilities(e.remote).1,
            lldp_port_id(e.remote, e.remote_interface)
        );
    }
    let _ = write!(s, "\nTotal entries displayed: {}\n", ends.len());
    s
}

/// Access ports per VLAN, plus VLAN 1 holding the device's unused ports.
pub(super) fn vlans(topo: &TopologyIndex, idx: usize, nxos_type_section: bool) -> String {
    let d = topo.device(idx);
    let mut s = String::from(
        "\nVLAN Name                             Status    Ports\n---- -------------------------------- --------- -------------------------------\n",
    );
    let mut all: Vec<(u16, String, Vec<String>)> = Vec::new();
    if !d.vlans.iter().any(|v| v.id == 1) {
        all.push((1, "default".to_string(), Vec::new()));
    }
    for v in &d.vlans {
        all.push((
            v.id,
            v.name.clone(),
            v.ports.iter().map(|p| short_ifname(p)).collect(),
        ));
    }
    let _ = topo;
    for (id, name, ports) in &all {
        let _ = write!(s, "{id:<4} {name:<32} active    ");
        // Real devices wrap the port list at ~4 ports per line with a deep indent.
        for (i, chunk) in ports.chunks(4).enumerate() {
            if i > 0 {
                s.push_str(&" ".repeat(48));
            }
            s.push_str(&chunk.join(", "));
            if (i + 1) * 4 < ports.len() {
                s.push(',');
            }
            s.push('\n');
        }
        if ports.is_empty() {
            s.push('\n');
        }
    }
    if !nxos_type_section && d.platform.is_ios_family() {
        for (id, name) in [
            (1002, "fddi-default"),
            (1003, "token-ring-default"),
            (1004, "fddinet-default"),
            (1005, "trnet-default"),
        ] {
            let _ = writeln!(s, "{id:<4} {name:<32} act/unsup ");
        }
    }
    if nxos_type_section {
        s.push_str("\nVLAN Type         Vlan-mode\n---- -----        ----------\n");
        for (id, _, _) in &all {
            let _ = writeln!(s, "{id:<4} enet         CE     ");
        }
    }
    s
}

/// Every interface the device has: link ends (trunks) and access ports,
/// each with its description (empty when none; the status tables print
/// it cut to their Name column) and its VLAN column.
pub(super) fn interface_rows(topo: &TopologyIndex, idx: usize) -> Vec<(String, String, String)> {
    let d = topo.device(idx);
    let described: HashMap<String, Option<String>> = super::descriptions::descriptions(topo, idx)
        .into_iter()
        .collect();
    let text = |name: &str| described.get(name).cloned().flatten().unwrap_or_default();
    let mut rows: Vec<(String, String, String)> = Vec::new();
    for e in topo.link_ends(idx) {
        rows.push((
            e.local_interface.to_string(),
            text(e.local_interface),
            "trunk".to_string(),
        ));
    }
    for v in &d.vlans {
        for p in &v.ports {
            if !rows.iter().any(|(n, _, _)| n == p) {
                rows.push((p.clone(), text(p), v.id.to_string()));
            }
        }
    }
    rows
}

/// `show clock` on IOS, IOS-XE and NX-OS (a fixed time: outputs stay reproducible).
pub(super) fn clock() -> String {
    "*16:00:00.000 UTC Mon Nov 23 2026\n".to_string()
}

#[cfg(test)]
mod tests {
    use crate::render::tests::lab;
    use crate::render::{Command, render};

    #[test]
    fn vlans_keep_empty_vlans_and_list_ports() {
        let t = lab();
        let v = render(&t, t.index_of("acc1").unwrap(), Command::ShowVlanBrief).unwrap();
        assert!(v.contains("10   USERS"), "{v}");
        assert!(v.contains("Gi1/0/1, Gi1/0/2"));
        assert!(v.lines().any(|l| l.starts_with("1    default")));
    }
}
