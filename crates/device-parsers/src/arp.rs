//! IP neighbour caches: which MAC address answers for an IP address, and on
//! which interface. IPv4 ARP and IPv6 neighbour discovery give the same
//! record, [`IpNeighbor`] (named apart from the CDP/LLDP neighbours):
//! IOS `show ip arp` / `show arp` and `show ipv6 neighbors`, NX-OS
//! `show ip arp [detail] [vrf all]`, PAN-OS `show arp all`, Linux
//! `ip -j neigh`.

use crate::normalize::{MacAddr, parse_mac};
use crate::text::{lines, offset_in};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// One IP neighbour cache entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpNeighbor {
    /// The neighbour's address: what end-host tracking starts from.
    pub ip: IpAddr,
    /// IPv4 (ARP) or IPv6 (neighbour discovery), so consumers can filter
    /// without parsing `ip`; always agrees with it.
    pub family: AddressFamily,
    /// The MAC that answers for `ip`; `None` while resolution is incomplete
    /// (`Incomplete`, `INCOMPLETE`, `(incomplete)`, `-`, no lladdr).
    pub mac: Option<MacAddr>,
    /// The L3 interface as written (`Vlan10`, `Ethernet1/1.2151`, `vlan.1`);
    /// `None` when blank or `-`.
    pub interface: Option<String>,
    /// The L2 port behind an SVI (NX-OS `detail` Physical Interface, PAN-OS
    /// `port`): for a routed VLAN it says where the host is.
    pub physical_interface: Option<String>,
    /// Age as written: IOS minutes (`9`), NX-OS `hh:mm:ss` or seconds
    /// (`0.106174`); `None` for `-` (the device's own or a static entry).
    pub age: Option<String>,
    /// Seconds until the entry expires (PAN-OS `ttl`).
    pub ttl_seconds: Option<u32>,
    /// Reachability as written: IPv6 `REACH`/`STALE`/`DELAY`, PAN-OS `c`
    /// (complete), `s`, `e`, `i`; Linux `REACHABLE`, `FAILED` (comma-joined
    /// when several).
    pub state: Option<String>,
    /// IOS encapsulation (`ARPA`, `SNAP`, `SRP-A`).
    pub encapsulation: Option<String>,
    /// NX-OS markers (`*` non-active FHRP, `+` synced via CFSoE, `#`
    /// throttled, `D`, `CP`, `PS`, `RO`): they say the entry may not be
    /// first-hand.
    pub flags: Option<String>,
    /// VRF (NX-OS `context` or VRF column); `None` when not printed.
    pub vrf: Option<String>,
}

/// Address family of an [`IpNeighbor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressFamily {
    /// An ARP entry.
    Ipv4,
    /// An IPv6 neighbour discovery entry.
    Ipv6,
}

impl IpNeighbor {
    /// An entry for `ip` with nothing else known.
    pub fn new(ip: IpAddr) -> IpNeighbor {
        IpNeighbor {
            ip,
            family: if ip.is_ipv6() {
                AddressFamily::Ipv6
            } else {
                AddressFamily::Ipv4
            },
            mac: None,
            interface: None,
            physical_interface: None,
            age: None,
            ttl_seconds: None,
            state: None,
            encapsulation: None,
            flags: None,
            vrf: None,
        }
    }

    /// True while the MAC is not resolved.
    pub fn is_incomplete(&self) -> bool {
        self.mac.is_none()
    }
}

/// A cell, `None` when empty or `-`.
fn cell(t: &str) -> Option<String> {
    let t = t.trim();
    (!t.is_empty() && t != "-").then(|| t.to_string())
}

/// An IP address, with an IPv6 zone (`fe80::1%eth0`) dropped.
fn ip_of(t: &str) -> Option<IpAddr> {
    t.split('%').next()?.parse().ok()
}

/// IOS / IOS-XE `show ip arp` and `show arp`:
/// `Internet  10.0.0.1  5  aabb.cc00.0100  ARPA  Vlan10`. An `Incomplete`
/// entry has no MAC; an entry may have no interface.
pub fn parse_ios_arp(text: &str) -> Vec<IpNeighbor> {
    let mut out = Vec::new();
    for line in lines(text) {
        let toks: Vec<&str> = line.split_whitespace().collect();
        if toks.len() < 5 || !toks[0].eq_ignore_ascii_case("Internet") {
            continue;
        }
        let Some(ip) = ip_of(toks[1]) else { continue };
        let mut n = IpNeighbor::new(ip);
        n.age = cell(toks[2]);
        n.mac = parse_mac(toks[3]);
        n.encapsulation = cell(toks[4]);
        n.interface = toks.get(5).and_then(|t| cell(t));
        out.push(n);
    }
    out
}

/// IOS / IOS-XE `show ipv6 neighbors`:
/// `FE80::1  22 7cad.7485.0c16  STALE Vl6` (age in minutes, `-` for static).
pub fn parse_ios_ipv6_neighbors(text: &str) -> Vec<IpNeighbor> {
    let mut out = Vec::new();
    for line in lines(text) {
        let toks: Vec<&str> = line.split_whitespace().collect();
        if toks.len() < 4 {
            continue;
        }
        let Some(ip) = ip_of(toks[0]).filter(IpAddr::is_ipv6) else {
            continue;
        };
        let mut n = IpNeighbor::new(ip);
        n.age = cell(toks[1]);
        n.mac = parse_mac(toks[2]);
        n.state = cell(toks[3]);
        n.interface = toks.get(4).and_then(|t| cell(t));
        out.push(n);
    }
    out
}

/// NX-OS `show ipv6 neighbor [vrf all]`. An address too long for its
/// column stands alone on its line and the rest of its row follows on the
/// next; the VRF comes from the `IPv6 Adjacency Table for VRF <name>` title.
///
/// ```text
/// IPv6 Adjacency Table for VRF default
/// Address         Age       MAC Address     Pref Source     Interface
/// 2001:db8:0:1::2
///                 00:08:02  0022.bdf8.19ff  50   icmpv6     Vlan1
/// ```
pub fn parse_nxos_ipv6_neighbors(text: &str) -> Vec<IpNeighbor> {
    let mut out = Vec::new();
    let mut vrf: Option<String> = None;
    // An address on its own line, waiting for the rest of its row.
    let mut pending: Option<IpAddr> = None;
    for line in lines(text) {
        let toks: Vec<&str> = line.split_whitespace().collect();
        if let Some(rest) = line.trim().strip_prefix("IPv6 Adjacency Table for VRF ") {
            vrf = cell(rest);
            pending = None;
            continue;
        }
        let (ip, rest) = match (toks.first().and_then(|t| ip_of(t)), pending.take()) {
            (Some(ip), _) if ip.is_ipv6() && toks.len() == 1 => {
                pending = Some(ip);
                continue;
            }
            (Some(ip), _) if ip.is_ipv6() => (ip, &toks[1..]),
            (None, Some(ip)) if line.starts_with([' ', '\t']) => (ip, &toks[..]),
            _ => continue,
        };
        // age, MAC, preference, source, interface
        if rest.len() < 5 {
            continue;
        }
        let mut n = IpNeighbor::new(ip);
        n.age = cell(rest[0]);
        n.mac = parse_mac(rest[1]);
        n.interface = cell(rest[4]);
        n.vrf.clone_from(&vrf);
        out.push(n);
    }
    out
}

/// Where the optional NX-OS columns start, from the header line.
#[derive(Default, Clone, Copy)]
struct NxosColumns {
    /// `Physical Interface` column present (the `detail` form).
    physical: bool,
    /// Byte offset of `VRF Name` (the `vrf all` form).
    vrf_at: Option<usize>,
}

/// NX-OS `show ip arp`, `show ip arp detail` and `show ip arp detail vrf
/// all`. The VRF comes from the `VRF Name` column, else from the `IP ARP
/// Table for context <name>` title.
pub fn parse_nxos_arp(text: &str) -> Vec<IpNeighbor> {
    let mut out = Vec::new();
    let mut cols = NxosColumns::default();
    let mut context: Option<String> = None;
    for line in lines(text) {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("IP ARP Table for ") {
            // "context default" names one; "all contexts" names none.
            context = rest.strip_prefix("context ").and_then(cell);
            continue;
        }
        if t.starts_with("Address") && t.contains("MAC Address") {
            cols = NxosColumns {
                physical: t.contains("Physical Interface"),
                vrf_at: line.find("VRF Name"),
            };
            continue;
        }
        if let Some(mut n) = nxos_row(line, cols) {
            if n.vrf.is_none() && cols.vrf_at.is_none() {
                n.vrf.clone_from(&context);
            }
            out.push(n);
        }
    }
    out
}

/// `ip age mac interface [physical] [flags] [vrf]`.
fn nxos_row(line: &str, cols: NxosColumns) -> Option<IpNeighbor> {
    let toks: Vec<&str> = line.split_whitespace().collect();
    if toks.len() < 4 {
        return None;
    }
    let ip = ip_of(toks[0])?;
    let mac = parse_mac(toks[2]);
    if mac.is_none() && !toks[2].eq_ignore_ascii_case("incomplete") && toks[2] != "-" {
        return None;
    }
    let mut n = IpNeighbor::new(ip);
    n.age = cell(toks[1]);
    n.mac = mac;
    n.interface = cell(toks[3]);
    let mut rest = &toks[4..];
    if cols.physical
        && let Some((p, r)) = rest.split_first()
    {
        n.physical_interface = cell(p);
        rest = r;
    }
    let mut flags = Vec::new();
    for tok in rest {
        let at = offset_in(line, tok).unwrap_or(0);
        match cols.vrf_at {
            Some(v) if at + 1 >= v => n.vrf = cell(tok),
            _ => flags.push(*tok),
        }
    }
    n.flags = (!flags.is_empty()).then(|| flags.join(" "));
    Some(n)
}

/// PAN-OS `show arp all`:
/// `ethernet1/1  172.25.1.254  08:30:6b:26:43:30  ethernet1/1  c  627`.
/// The port may be blank; `(incomplete)` has no MAC.
pub fn parse_panos_arp(text: &str) -> Vec<IpNeighbor> {
    let mut out = Vec::new();
    for line in lines(text) {
        let toks: Vec<&str> = line.split_whitespace().collect();
        if toks.len() < 5 {
            continue;
        }
        let Some(ip) = ip_of(toks[1]) else { continue };
        let mut n = IpNeighbor::new(ip);
        n.interface = cell(toks[0]);
        n.mac = parse_mac(toks[2]);
        let (port, status, ttl) = if toks.len() >= 6 {
            (Some(toks[3]), toks[4], toks[5])
        } else {
            (None, toks[3], toks[4])
        };
        n.physical_interface = port.and_then(cell);
        n.state = cell(status);
        n.ttl_seconds = ttl.parse().ok();
        out.push(n);
    }
    out
}

/// Linux `ip -j neigh` (iproute2 JSON): an array of objects with `dst`,
/// `dev`, `lladdr` (absent for FAILED/INCOMPLETE entries) and `state` (a
/// list of words). Invalid JSON or entries without a usable `dst` give no
/// records.
pub fn parse_ip_neigh_json(text: &str) -> Vec<IpNeighbor> {
    use serde_json::Value;
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    let str_of = |v: Option<&Value>| v.and_then(Value::as_str).and_then(cell);
    items
        .iter()
        .filter_map(|item| {
            let ip = item.get("dst").and_then(Value::as_str).and_then(ip_of)?;
            let mut n = IpNeighbor::new(ip);
            n.interface = str_of(item.get("dev"));
            n.mac = item
                .get("lladdr")
                .and_then(Value::as_str)
                .and_then(parse_mac);
            n.state = match item.get("state") {
                Some(Value::Array(words)) => {
                    let w: Vec<&str> = words.iter().filter_map(Value::as_str).collect();
                    (!w.is_empty()).then(|| w.join(","))
                }
                other => str_of(other),
            };
            Some(n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ios_arp_incomplete_and_no_interface() {
        let t = "Protocol  Address          Age (min)  Hardware Addr   Type   Interface\n\
                 Internet  10.100.88.1             -   c4f7.d564.b716  ARPA   Vlan10\n\
                 Internet  10.100.88.199           0   Incomplete      ARPA\n";
        let n = parse_ios_arp(t);
        assert_eq!(n.len(), 2);
        assert_eq!(n[0].age, None);
        assert_eq!(n[0].mac, parse_mac("c4:f7:d5:64:b7:16"));
        assert_eq!(n[0].interface.as_deref(), Some("Vlan10"));
        assert_eq!(n[0].family, AddressFamily::Ipv4);
        assert!(n[1].is_incomplete());
        assert_eq!(n[1].interface, None);
        assert_eq!(n[1].age.as_deref(), Some("0"));
    }

    #[test]
    fn ios_ipv6_neighbors() {
        let t = "IPv6 Address                              Age Link-layer Addr State Interface\n\
                 FE80::208:E3FF:FEFF:FC28                    0 0008.e3ff.fc28  REACH Vl687\n\
                 FE80::9277:EEFF:FE9B:4E00                   - -               REACH Di0\n";
        let n = parse_ios_ipv6_neighbors(t);
        assert_eq!(n.len(), 2);
        assert_eq!(
            n[0].ip,
            "fe80::208:e3ff:feff:fc28".parse::<IpAddr>().unwrap()
        );
        assert_eq!(n[0].family, AddressFamily::Ipv6);
        assert_eq!(n[0].state.as_deref(), Some("REACH"));
        assert!(n[1].is_incomplete());
        assert_eq!(n[1].age, None);
    }

    #[test]
    fn nxos_detail_vrf_all_flags() {
        let t = "IP ARP Table for all contexts\n\
                 Address         Age       MAC Address     Interface        Physical Interface  Flags    VRF Name\n\
                 10.255.0.2      00:09:24  14a2.a070.52a7  Vlan666          port-channel1000             default\n\
                 10.233.6.6      00:14:04  d0d0.fd61.ecc1  Vlan3            Ethernet1/9         +        PRIMARY\n\
                 10.233.6.1         -      0000.5e00.0101  Vlan9            -\n";
        let n = parse_nxos_arp(t);
        assert_eq!(n.len(), 3);
        assert_eq!(n[0].physical_interface.as_deref(), Some("port-channel1000"));
        assert_eq!(
            (n[0].flags.as_deref(), n[0].vrf.as_deref()),
            (None, Some("default"))
        );
        assert_eq!(
            (n[1].flags.as_deref(), n[1].vrf.as_deref()),
            (Some("+"), Some("PRIMARY"))
        );
        assert_eq!(
            (n[2].age.as_deref(), n[2].physical_interface.as_deref()),
            (None, None)
        );
    }

    #[test]
    fn nxos_context_title_gives_vrf() {
        let t = "IP ARP Table for context default\n\
                 Address         Age       MAC Address     Interface\n\
                 10.5.6.10       00:00:16  INCOMPLETE      Vlan1425\n\
                 10.5.6.11       00:00:16  0000.0c9f.f9d3  Vlan1425   *\n";
        let n = parse_nxos_arp(t);
        assert_eq!(n.len(), 2);
        assert!(n[0].is_incomplete());
        assert_eq!(n[0].vrf.as_deref(), Some("default"));
        assert_eq!(n[1].flags.as_deref(), Some("*"));
    }

    #[test]
    fn panos_arp() {
        let t = "interface         ip address      hw address        port              status   ttl\n\
                 ----------------------------------------------------------------\n\
                 ethernet1/1       172.25.1.254    08:30:6b:26:43:30 ethernet1/1         c      627\n\
                 vlan.1            172.25.2.197    (incomplete)      ethernet1/2.111     i      1016\n\
                 ethernet1/3       10.0.0.1        00-11-22-33-44-55                     s      0\n";
        let n = parse_panos_arp(t);
        assert_eq!(n.len(), 3);
        assert_eq!(n[0].ttl_seconds, Some(627));
        assert!(n[1].is_incomplete());
        assert_eq!(n[1].physical_interface.as_deref(), Some("ethernet1/2.111"));
        assert_eq!(n[2].mac, parse_mac("0011.2233.4455"));
        assert_eq!(n[2].physical_interface, None);
        assert_eq!(n[2].state.as_deref(), Some("s"));
    }

    #[test]
    fn linux_ip_neigh_json() {
        let t = r#"[
          {"dst":"192.168.1.1","dev":"eth0","lladdr":"aa:bb:cc:dd:ee:ff","state":["REACHABLE"]},
          {"dst":"192.168.1.9","dev":"eth0","state":["FAILED"]},
          {"dst":"192.168.1.10","dev":"eth0","state":["INCOMPLETE"]},
          {"dst":"fe80::1","dev":"eth0","lladdr":"00:11:22:33:44:55","router":null,"state":["STALE"]},
          {"dst":"2001:db8::5","dev":"br0","lladdr":"00:11:22:33:44:66","state":["PERMANENT","NOARP"]},
          {"dst":"not an ip","dev":"eth0"},
          {"dev":"eth0"},
          17
        ]"#;
        let n = parse_ip_neigh_json(t);
        assert_eq!(n.len(), 5);
        assert_eq!(n[0].mac, parse_mac("aabb.ccdd.eeff"));
        assert_eq!(n[0].interface.as_deref(), Some("eth0"));
        assert!(n[1].is_incomplete());
        assert_eq!(n[1].state.as_deref(), Some("FAILED"));
        assert!(n[2].is_incomplete());
        assert_eq!(n[3].family, AddressFamily::Ipv6);
        assert_eq!(n[3].mac, parse_mac("0011.2233.4455"));
        assert_eq!(n[4].state.as_deref(), Some("PERMANENT,NOARP"));
        assert!(parse_ip_neigh_json("").is_empty());
        assert!(parse_ip_neigh_json("{\"dst\":\"10.0.0.1\"}").is_empty());
        assert!(parse_ip_neigh_json("[]").is_empty());
    }

    #[test]
    fn nxos_ipv6_neighbours_join_wrapped_addresses() {
        let t = "Flags: # - Adjacencies Throttled for Glean\n\
                 \x20      G - Adjacencies of vPC peer with G/W bit\n\
                 \n\
                 IPv6 Adjacency Table for VRF default\n\
                 Total number of entries: 3\n\
                 Address         Age       MAC Address     Pref Source     Interface\n\
                 2001:db8:0:1::2\n\
                 \x20               00:08:02  0022.bdf8.19ff  50   icmpv6     Vlan1\n\
                 fe80::222:bdff:fef8:19ff\n\
                 \x20               00:08:02  0022.bdf8.19ff  50   icmpv6     Vlan1\n\
                 fd00::a         00:00:12  0014.2200.0001  50   icmpv6     Vlan100\n";
        let n = parse_nxos_ipv6_neighbors(t);
        assert_eq!(n.len(), 3, "{n:?}");
        assert_eq!(n[0].ip.to_string(), "2001:db8:0:1::2");
        assert_eq!(
            n[0].mac.map(|m| m.to_string()).as_deref(),
            Some("00:22:bd:f8:19:ff")
        );
        assert_eq!(n[0].interface.as_deref(), Some("Vlan1"));
        assert_eq!(n[0].vrf.as_deref(), Some("default"));
        assert_eq!(n[2].ip.to_string(), "fd00::a");
        assert_eq!(n[2].age.as_deref(), Some("00:00:12"));
        assert!(n.iter().all(|x| x.family == AddressFamily::Ipv6));
        // A lone address with no row after it is dropped, not misread.
        assert!(parse_nxos_ipv6_neighbors("2001:db8::1\nAddress Age\n").is_empty());
    }
}
