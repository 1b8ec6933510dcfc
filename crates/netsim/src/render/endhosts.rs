//! What end hosts put in a device's tables, per platform: MAC address
//! tables (IOS/IOS-XE, NX-OS), switchport state, ARP and IPv6 neighbour
//! caches (IOS/IOS-XE, NX-OS), PAN-OS `show arp all` and Linux
//! `ip -j neigh`. Rendered from the compact tables in
//! [`crate::endhosts::tables`] on each call; formats follow the
//! ntc-templates captures.

use super::{chassis_mac, colon_mac, short_ifname, stable_hash};
use crate::endhosts::{cisco_mac, parse_cisco_mac};
use crate::topology::{DeviceKind, DeviceSpec, TopologyIndex};
use std::collections::HashSet;
use std::fmt::Write as _;

/// The voice VLAN phones sit in (data VLAN on the same port).
const VOICE_VLAN: u16 = 20;

/// Seconds-ish age of an entry: stable per MAC, never the same for all.
fn age(mac: [u8; 6]) -> u64 {
    stable_hash(&cisco_mac(mac)) % 300
}

/// IOS / IOS-XE `show mac address-table [dynamic]`.
pub(super) fn ios_mac_table(topo: &TopologyIndex, idx: usize, dynamic_only: bool) -> String {
    let mut s = String::from(
        "          Mac Address Table\n-------------------------------------------\n\nVlan    Mac Address       Type        Ports\n----    -----------       --------    -----\n",
    );
    let mut n = 0usize;
    if !dynamic_only {
        for cpu in ["0100.0ccc.cccc", "0100.0ccc.cccd", "0180.c200.0000"] {
            let _ = writeln!(s, " All    {cpu}    STATIC      CPU");
            n += 1;
        }
    }
    let t = topo.endhosts();
    for r in t.macs(idx) {
        let port = short_ifname(t.port(idx, r.port));
        let _ = writeln!(
            s,
            "{:>4}    {}    DYNAMIC     {port}",
            r.vlan,
            cisco_mac(r.mac)
        );
        n += 1;
    }
    let _ = writeln!(s, "Total Mac Addresses for this criterion: {n}");
    s
}

/// NX-OS `show mac address-table [dynamic]`: its SVIs' own (gateway) MACs
/// first, then what it learnt.
pub(super) fn nxos_mac_table(topo: &TopologyIndex, idx: usize, dynamic_only: bool) -> String {
    let mut s = String::from(
        "Legend: \n        * - primary entry, G - Gateway MAC, (R) - Routed MAC, O - Overlay MAC\n        age - seconds since last seen,+ - primary entry using vPC Peer-Link,\n        (T) - True, (F) - False, C - ControlPlane MAC, ~ - vsan\n   VLAN     MAC Address      Type      age     Secure NTFY Ports\n---------+-----------------+--------+---------+------+----+------------------\n",
    );
    let d = topo.device(idx);
    if !dynamic_only {
        let own = chassis_mac(d);
        for vlan in svis(d).map(|(vlan, _)| vlan) {
            let _ = writeln!(
                s,
                "G {vlan:>5}     {own}   static   -         F      F    sup-eth1(R)"
            );
        }
    }
    let t = topo.endhosts();
    for r in t.macs(idx) {
        let _ = writeln!(
            s,
            "* {:>5}     {}   dynamic  {:<9} F      F    {}",
            r.vlan,
            cisco_mac(r.mac),
            age(r.mac),
            short_ifname(t.port(idx, r.port))
        );
    }
    s
}

/// The device's SVIs with an address: (VLAN, address).
fn svis(d: &DeviceSpec) -> impl Iterator<Item = (u16, std::net::Ipv4Addr)> + '_ {
    d.interfaces.iter().filter_map(|i| {
        let vlan = i.name.strip_prefix("Vlan")?.parse().ok()?;
        Some((vlan, i.ip?))
    })
}

/// How a port forwards, as `show interfaces switchport` reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PortMode {
    /// Towards another switch or router: every VLAN, tagged.
    Trunk,
    /// One VLAN (and a voice VLAN when a phone is on it).
    Access { vlan: u16, voice: Option<u16> },
    /// A routed port (towards a firewall): no switchport.
    Routed,
}

/// Every port the device has something on, in link order, then VLAN order.
fn ports(topo: &TopologyIndex, idx: usize) -> Vec<(String, PortMode)> {
    let d = topo.device(idx);
    let access_vlan = |port: &str| {
        d.vlans
            .iter()
            .find(|v| v.ports.iter().any(|p| p == port))
            .map_or(1, |v| v.id)
    };
    let t = topo.endhosts();
    let voice: HashSet<&str> = t
        .macs(idx)
        .iter()
        .filter(|r| r.vlan == VOICE_VLAN)
        .map(|r| t.port(idx, r.port))
        .collect();
    let access = |port: &str| {
        let vlan = access_vlan(port);
        let voice = (vlan != VOICE_VLAN && voice.contains(port)).then_some(VOICE_VLAN);
        PortMode::Access { vlan, voice }
    };
    let mut out: Vec<(String, PortMode)> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for e in topo.link_ends(idx) {
        let mode = match e.remote.kind {
            DeviceKind::Switch | DeviceKind::Router => PortMode::Trunk,
            DeviceKind::Firewall => PortMode::Routed,
            _ => access(e.local_interface),
        };
        if seen.insert(e.local_interface.to_string()) {
            out.push((e.local_interface.to_string(), mode));
        }
    }
    let vlan_ports = d
        .vlans
        .iter()
        .flat_map(|v| v.ports.iter().map(String::as_str));
    let learnt = t.macs(idx).iter().map(|r| t.port(idx, r.port));
    for p in vlan_ports.chain(learnt) {
        if seen.insert(p.to_string()) {
            out.push((p.to_string(), access(p)));
        }
    }
    out
}

/// `100 (USERS)`, `1 (default)`.
fn vlan_label(d: &DeviceSpec, vlan: u16) -> String {
    let name = match d.vlans.iter().find(|v| v.id == vlan) {
        Some(v) => v.name.clone(),
        None if vlan == 1 => "default".to_string(),
        None => format!("VLAN{vlan:04}"),
    };
    format!("{vlan} ({name})")
}

/// IOS / IOS-XE `show etherchannel summary`: labs have no port-channels
/// (every link is one cable), so the legend and no groups.
pub(super) const IOS_ETHERCHANNEL_SUMMARY: &str =
    "Flags:  D - down        P - bundled in port-channel
        I - stand-alone s - suspended
        H - Hot-standby (LACP only)
        R - Layer3      S - Layer2
        U - in use      f - failed to allocate aggregator

        M - not in use, minimum links not met
        u - unsuitable for bundling
        w - waiting to be aggregated
        d - default port


Number of channel-groups in use: 0
Number of aggregators:           0

Group  Port-channel  Protocol    Ports
------+-------------+-----------+-----------------------------------------------

";

/// NX-OS `show port-channel summary`, with no groups (see above).
pub(super) const NXOS_PORT_CHANNEL_SUMMARY: &str =
    "Flags:  D - Down        P - Up in port-channel (members)
        I - Individual  H - Hot-standby (LACP only)
        s - Suspended   r - Module-removed
        b - BFD Session Wait
        S - Switched    R - Routed
        U - Up (port-channel)
        p - Up in delay-lacp mode (member)
        M - Not in use. Min-links not met
--------------------------------------------------------------------------------
Group Port-       Type     Protocol  Member Ports
      Channel
--------------------------------------------------------------------------------
";

/// IOS / IOS-XE `show interfaces switchport`.
pub(super) fn ios_switchport(topo: &TopologyIndex, idx: usize) -> String {
    let d = topo.device(idx);
    let mut s = String::new();
    for (port, mode) in ports(topo, idx) {
        let _ = writeln!(s, "Name: {}", short_ifname(&port));
        let (admin, oper, encap, nego, vlan, voice) = match mode {
            PortMode::Routed => {
                s.push_str("Switchport: Disabled\n\n");
                continue;
            }
            PortMode::Trunk => ("trunk", "trunk", "dot1q", "On", 1, None),
            PortMode::Access { vlan, voice } => (
                "static access",
                "static access",
                "native",
                "Off",
                vlan,
                voice,
            ),
        };
        let voice = voice.map_or("none".to_string(), |v| vlan_label(d, v));
        let _ = write!(
            s,
            "Switchport: Enabled
Administrative Mode: {admin}
Operational Mode: {oper}
Administrative Trunking Encapsulation: dot1q
Operational Trunking Encapsulation: {encap}
Negotiation of Trunking: {nego}
Access Mode VLAN: {access}
Trunking Native Mode VLAN: 1 (default)
Administrative Native VLAN tagging: enabled
Voice VLAN: {voice}
Administrative private-vlan host-association: none
Administrative private-vlan mapping: none
Operational private-vlan: none
Trunking VLANs Enabled: ALL
Pruning VLANs Enabled: 2-1001
Capture Mode Disabled
Capture VLANs Allowed: ALL

Protected: false
Unknown unicast blocked: disabled
Unknown multicast blocked: disabled
Appliance trust: none

",
            access = vlan_label(d, vlan),
        );
    }
    s
}

/// NX-OS `show interface switchport`.
pub(super) fn nxos_switchport(topo: &TopologyIndex, idx: usize) -> String {
    let d = topo.device(idx);
    let mut s = String::new();
    for (port, mode) in ports(topo, idx) {
        let _ = writeln!(s, "Name: {port}");
        let (oper, vlan, voice) = match mode {
            PortMode::Routed => {
                s.push_str("  Switchport: Disabled\n\n");
                continue;
            }
            PortMode::Trunk => ("trunk", 1, None),
            PortMode::Access { vlan, voice } => ("access", vlan, voice),
        };
        let voice = voice.map_or("none".to_string(), |v| vlan_label(d, v));
        let _ = write!(
            s,
            "  Switchport: Enabled
  Switchport Monitor: Not enabled 
  Switchport Isolated : Disabled
  Operational Mode: {oper}
  Access Mode VLAN: {access}
  Trunking Native Mode VLAN: 1 (default)
  Trunking VLANs Allowed: 1-4094
  Voice VLAN: {voice}
  Extended Trust State : not trusted [COS 0]
  Administrative private-vlan primary host-association: none
  Operational private-vlan: none

",
            access = vlan_label(d, vlan),
        );
    }
    s
}

/// IOS / IOS-XE `show ip arp`: its own SVIs, then the hosts it routes for.
pub(super) fn ios_arp(topo: &TopologyIndex, idx: usize) -> String {
    let d = topo.device(idx);
    let mut s =
        String::from("Protocol  Address          Age (min)  Hardware Addr   Type   Interface\n");
    let own = chassis_mac(d);
    for (vlan, ip) in svis(d) {
        let _ = writeln!(
            s,
            "Internet  {ip:<16} {:>9}   {own}  ARPA   Vlan{vlan}",
            "-"
        );
    }
    for h in topo.endhosts().cached(idx) {
        let _ = writeln!(
            s,
            "Internet  {:<16} {:>9}   {}  ARPA   Vlan{}",
            h.ip,
            age(h.mac) / 60,
            cisco_mac(h.mac),
            h.vlan
        );
    }
    s
}

/// IOS / IOS-XE `show ipv6 neighbors`: hosts with an IPv6 address.
pub(super) fn ios_ipv6_neighbors(topo: &TopologyIndex, idx: usize) -> String {
    let mut s = String::from(
        "IPv6 Address                              Age Link-layer Addr State Interface\n",
    );
    for h in topo.endhosts().cached(idx) {
        let Some(v6) = h.ipv6 else { continue };
        let ip = v6.to_string().to_ascii_uppercase();
        let _ = writeln!(
            s,
            "{ip:<40} {:>4} {}  REACH Vl{}",
            age(h.mac) / 60,
            cisco_mac(h.mac),
            h.vlan
        );
    }
    s
}

/// NX-OS `show ipv6 neighbor [vrf all]`: addresses longer than their
/// column on a line of their own, as NX-OS prints them.
pub(super) fn nxos_ipv6_neighbors(topo: &TopologyIndex, idx: usize) -> String {
    let hosts: Vec<_> = topo
        .endhosts()
        .cached(idx)
        .filter(|h| h.ipv6.is_some())
        .collect();
    let mut s = format!(
        "
Flags: # - Adjacencies Throttled for Glean
       G - Adjacencies of vPC peer with G/W bit

IPv6 Adjacency Table for VRF default
Total number of entries: {}
Address         Age       MAC Address     Pref Source     Interface
",
        hosts.len()
    );
    for h in hosts {
        let Some(v6) = h.ipv6 else { continue };
        let a = age(h.mac);
        let ip = v6.to_string();
        if ip.len() > 15 {
            let _ = writeln!(s, "{ip}");
            s.push_str(&" ".repeat(16));
        } else {
            let _ = write!(s, "{ip:<16}");
        }
        let _ = writeln!(
            s,
            "00:{:02}:{:02}  {}  50   icmpv6     Vlan{}",
            a / 60,
            a % 60,
            cisco_mac(h.mac),
            h.vlan
        );
    }
    s
}

/// NX-OS `show ip arp [vrf all]`.
pub(super) fn nxos_arp(topo: &TopologyIndex, idx: usize) -> String {
    let hosts: Vec<_> = topo.endhosts().cached(idx).collect();
    let mut s = format!(
        "
Flags: * - Adjacencies learnt on non-active FHRP router
       + - Adjacencies synced via CFSoE
       # - Adjacencies Throttled for Glean
       CP - Added via L2RIB, Control plane Adjacencies
       PS - Added via L2RIB, Peer Sync
       RO - Re-Originated Peer Sync Entry
       D - Static Adjacencies attached to down interface

IP ARP Table for all contexts
Total number of entries: {}
Address         Age       MAC Address     Interface       Flags
",
        hosts.len()
    );
    for h in hosts {
        let a = age(h.mac);
        let _ = writeln!(
            s,
            "{:<15} 00:{:02}:{:02}  {}  Vlan{:<11}",
            h.ip,
            a / 60,
            a % 60,
            cisco_mac(h.mac),
            h.vlan
        );
    }
    s
}

/// PAN-OS `show arp all`: the routers on its links.
pub(super) fn panos_arp(topo: &TopologyIndex, idx: usize) -> String {
    let ends: Vec<_> = topo.link_ends(idx).collect();
    let mut s = format!(
        "
maximum of entries supported :      8192
default timeout:                    1800 seconds
total ARP entries in table :        {n}
total ARP entries shown :           {n}
status: s - static, c - complete, e - expiring, i - incomplete

interface         ip address      hw address        port              status   ttl
--------------------------------------------------------------------------------
",
        n = ends.len()
    );
    for e in ends {
        let mac = colon_mac(&chassis_mac(e.remote));
        let _ = writeln!(
            s,
            "{:<17} {:<15} {mac} {:<19} c      {}",
            e.local_interface,
            e.remote.mgmt_ip,
            e.local_interface,
            600 + age(mac_bytes(e.remote))
        );
    }
    s
}

/// Linux `ip -j neigh`: the devices on its links.
pub(super) fn linux_neigh(topo: &TopologyIndex, idx: usize) -> String {
    let entries: Vec<serde_json::Value> = topo
        .link_ends(idx)
        .map(|e| {
            serde_json::json!({
                "dst": e.remote.mgmt_ip.to_string(),
                "dev": e.local_interface,
                "lladdr": colon_mac(&chassis_mac(e.remote)),
                "state": ["REACHABLE"],
            })
        })
        .collect();
    let mut s = serde_json::Value::Array(entries).to_string();
    s.push('\n');
    s
}

fn mac_bytes(d: &DeviceSpec) -> [u8; 6] {
    parse_cisco_mac(&chassis_mac(d)).unwrap_or_default()
}
