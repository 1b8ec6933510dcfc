//! How a device appears to its neighbours: the name, platform, capabilities,
//! software text and port names its CDP/LLDP advertisements carry. Every
//! platform's neighbour tables print these, so both ends of a link agree.

use super::{ios, short_ifname};
use crate::topology::{DeviceKind, DeviceSpec, LinkEnd, Protocol, TopologyIndex};
use device_platform::Platform;

pub(super) fn fqdn(topo: &TopologyIndex, d: &DeviceSpec) -> String {
    match (topo.domain(), d.kind.is_leaf()) {
        (Some(dom), false) => format!("{}.{}", d.hostname, dom),
        _ => d.hostname.clone(),
    }
}

pub(super) fn ends_with(topo: &TopologyIndex, idx: usize, proto: Protocol) -> Vec<LinkEnd<'_>> {
    topo.link_ends(idx)
        .filter(|e| e.advertises(proto))
        .collect()
}

pub(super) fn cdp_platform(d: &DeviceSpec) -> String {
    if let Some(p) = &d.cdp_platform {
        return p.clone();
    }
    match d.platform {
        Platform::CiscoNxos => format!("N9K-{}", d.model),
        Platform::Linux => "Linux".to_string(),
        Platform::PaloaltoPanos => format!("Palo Alto Networks {}", d.model),
        _ => format!("cisco {}", d.model),
    }
}

pub(super) fn cdp_capabilities(d: &DeviceSpec) -> &'static str {
    match (d.kind, d.platform) {
        (DeviceKind::Phone, _) => "Host Phone Two-port Mac Relay",
        (DeviceKind::AccessPoint, _) => "Trans-Bridge Source-Route-Bridge IGMP",
        (DeviceKind::Camera | DeviceKind::Printer | DeviceKind::Host, _) => "Host",
        (DeviceKind::Router, _) => "Router Source-Route-Bridge",
        (DeviceKind::Firewall, _) => "Router",
        (_, Platform::CiscoNxos) => "Router Switch IGMP Filtering Supports-STP-Dispute",
        _ => "Router Switch IGMP",
    }
}

/// LLDP (supported, enabled) capability letters.
pub(super) fn lldp_capabilities(d: &DeviceSpec) -> (&'static str, &'static str) {
    match d.kind {
        DeviceKind::Phone => ("B,T", "B,T"),
        DeviceKind::AccessPoint => ("B,W", "W"),
        DeviceKind::Camera | DeviceKind::Printer | DeviceKind::Host => ("S", "S"),
        DeviceKind::Router | DeviceKind::Firewall => ("R", "R"),
        _ => ("B,R", "B,R"),
    }
}

pub(super) fn lldp_cap_words(letters: &str, enabled: &str) -> Vec<(&'static str, bool)> {
    let mut out = Vec::new();
    for (l, w) in [
        ("B", "Bridge"),
        ("R", "Router"),
        ("W", "Wlan"),
        ("T", "Tel"),
        ("S", "Station"),
    ] {
        if letters.split(',').any(|x| x == l) {
            out.push((w, enabled.split(',').any(|x| x == l)));
        }
    }
    out
}

/// Software description a neighbour advertises (CDP `Version :`, LLDP system description).
pub(super) fn software_text(d: &DeviceSpec) -> String {
    match d.platform {
        Platform::CiscoIos => format!(
            "Cisco IOS Software, {fam} Software ({img}), Version {v}, RELEASE SOFTWARE (fc1)\nTechnical Support: http://www.cisco.com/techsupport\nCopyright (c) 1986-2023 by Cisco Systems, Inc.\nCompiled Tue 14-Mar-23 10:11 by prod_rel_team",
            fam = ios::family(&d.model),
            img = ios::image(&d.model),
            v = d.version
        ),
        Platform::CiscoXe => format!(
            "Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_IOSXE), Version {v}, RELEASE SOFTWARE (fc3)\nTechnical Support: http://www.cisco.com/techsupport\nCopyright (c) 1986-2023 by Cisco Systems, Inc.\nCompiled Fri 20-Oct-23 10:44 by mcpre",
            v = d.version
        ),
        Platform::CiscoNxos => format!(
            "Cisco Nexus Operating System (NX-OS) Software, Version {}",
            d.version
        ),
        Platform::PaloaltoPanos => format!(
            "Palo Alto Networks {} firewall, PAN-OS {}",
            d.model, d.version
        ),
        Platform::Linux if !d.kind.is_leaf() => format!(
            "{} Linux 6.1.0-26-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 x86_64",
            d.version
        ),
        Platform::Linux => d.version.clone(),
    }
}

/// How the neighbour names its own port in LLDP `Port id`.
pub(super) fn lldp_port_id(d: &DeviceSpec, ifname: &str) -> String {
    match d.platform {
        Platform::CiscoIos | Platform::CiscoXe => short_ifname(ifname),
        _ => ifname.to_string(),
    }
}
