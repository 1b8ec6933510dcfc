//! The end-host answers of a plan (MAC table, switchport state, ARP and
//! IPv6 neighbour caches) as typed records: which entries say where a host
//! is, and which are the switch's own or not on a port at all.

use super::Ask;
use crate::model::{BundleMember, EndHostTables, IpMac, MacSighting, normalize_interface};
use device_parsers::{self as dp, Platform};

/// Adds one end-host answer to `t`.
pub(super) fn interpret(t: &mut EndHostTables, platform: Platform, ask: Ask, text: &str) {
    t.collected = true;
    match ask {
        Ask::MacTable => t.macs.extend(mac_sightings(text)),
        Ask::Bundles => t.bundles.extend(bundles(text)),
        Ask::Arp | Ask::Ipv6Neighbors => t.ip_macs.extend(ip_macs(platform, ask, text)),
        _ => {}
    }
}

/// Entries that place a MAC on a port: learnt (or configured, or secure)
/// unicast entries with one real port. The switch's own MACs, `CPU`,
/// `Drop`, `sup-eth1(R)`, `Router`, flooded entries are not hosts.
fn mac_sightings(text: &str) -> Vec<MacSighting> {
    // A table has thousands of entries on a few dozen ports: each port
    // name is normalised once.
    let mut long: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    dp::parse_mac_address_table(text)
        .into_iter()
        .filter(|e| {
            matches!(
                e.kind,
                dp::MacKind::Dynamic | dp::MacKind::Static | dp::MacKind::Secure
            ) && !e.is_own()
                && e.ports.len() == 1
                && e.mac.0[0] & 1 == 0
        })
        .filter_map(|e| {
            let port = e.ports.into_iter().next()?;
            if !is_port_name(&port) {
                return None;
            }
            let port = long
                .entry(port)
                .or_insert_with_key(|p| normalize_interface(p))
                .clone();
            Some(MacSighting {
                mac: e.mac,
                port,
                vlan: e.vlan,
            })
        })
        .collect()
}

/// `Gi1/0/5`, `Eth1/1`, `Po10`: letters then a digit, no parentheses or
/// spaces (`sup-eth1(R)`, `vPC Peer-Link`, `CPU`, `Drop` are not ports).
fn is_port_name(p: &str) -> bool {
    p.starts_with(|c: char| c.is_ascii_alphabetic())
        && p.contains(|c: char| c.is_ascii_digit())
        && !p.contains(['(', ' '])
        && !p.starts_with("sup-")
}

/// Trunk ports, long form: those whose interface status shows `trunk`
/// in the VLAN column (port-channels included).
pub(super) fn trunks(status: &[dp::InterfaceStatus]) -> Vec<String> {
    status
        .iter()
        .filter(|p| p.vlan.eq_ignore_ascii_case("trunk"))
        .map(|p| normalize_interface(&p.port))
        .collect()
}

/// Ports bundled into a port-channel, both names long form.
fn bundles(text: &str) -> Vec<BundleMember> {
    dp::parse_port_channel_summary(text)
        .into_iter()
        .flat_map(|pc| {
            let port_channel = normalize_interface(&pc.name);
            pc.members.into_iter().map(move |m| BundleMember {
                port: normalize_interface(&m),
                port_channel: port_channel.clone(),
            })
        })
        .collect()
}

/// Resolved cache entries (incomplete ones name no MAC).
fn ip_macs(platform: Platform, ask: Ask, text: &str) -> Vec<IpMac> {
    let entries = match (platform, ask) {
        (Platform::CiscoNxos, Ask::Ipv6Neighbors) => dp::parse_nxos_ipv6_neighbors(text),
        (Platform::CiscoNxos, _) => dp::parse_nxos_arp(text),
        (Platform::PaloaltoPanos, _) => dp::parse_panos_arp(text),
        (Platform::Linux, _) => dp::parse_ip_neigh_json(text),
        (_, Ask::Ipv6Neighbors) => dp::parse_ios_ipv6_neighbors(text),
        _ => dp::parse_ios_arp(text),
    };
    entries
        .into_iter()
        .filter_map(|n| {
            Some(IpMac {
                ip: n.ip,
                mac: n.mac?,
                interface: n.interface.as_deref().map(normalize_interface),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_host_entries_on_real_ports_are_sightings() {
        let t = "Vlan    Mac Address       Type        Ports\n\
                 ----    -----------       --------    -----\n\
                  All    0100.0ccc.cccc    STATIC      CPU\n\
                  100    0014.2200.0001    DYNAMIC     Gi1/0/5\n\
                  100    0100.5e00.0001    DYNAMIC     Gi1/0/6\n\
                   20    001e.7a00.0001    DYNAMIC     Po1\n";
        let s = mac_sightings(t);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[0].port, "GigabitEthernet1/0/5");
        assert_eq!(s[0].vlan, Some(100));
        assert_eq!(s[0].mac.to_string(), "00:14:22:00:00:01");
        assert_eq!(s[1].port, "Port-channel1");
        let nx = "   VLAN     MAC Address      Type      age     Secure NTFY Ports\n\
                  ---------+-----------------+--------+---------+------+----+------------------\n\
                  G   10     5087.89a1.de75   static   -         F      F    sup-eth1(R)\n\
                  *   10     0050.5600.0001   dynamic  81        F      F    Eth1/1\n";
        let s = mac_sightings(nx);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].port, "Ethernet1/1");
    }

    #[test]
    fn incomplete_cache_entries_are_dropped() {
        let t = "Protocol  Address          Age (min)  Hardware Addr   Type   Interface\n\
                 Internet  10.0.0.10               3   0014.2200.0001  ARPA   Vlan100\n\
                 Internet  10.0.0.11               0   Incomplete      ARPA\n";
        let n = ip_macs(Platform::CiscoIos, Ask::Arp, t);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].interface.as_deref(), Some("Vlan100"));
    }

    #[test]
    fn trunks_come_from_the_status_vlan_column_and_bundles_from_the_summary() {
        let status = dp::parse_interfaces_status(
            "Port      Name               Status       Vlan       Duplex  Speed Type\n\
             Gi1/0/1   pc                 connected    100        a-full a-1000 10/100/1000BaseTX\n\
             Gi1/0/49  uplink             connected    trunk      a-full a-10G SFP-10GBase-SR\n\
             Po1                          connected    trunk      a-full a-10G\n",
        );
        assert_eq!(trunks(&status), ["GigabitEthernet1/0/49", "Port-channel1"]);
        let b = bundles(
            "Group  Port-channel  Protocol    Ports\n\
             ------+-------------+-----------+--------------------------\n\
             1      Po1(SU)         LACP      Gi1/0/49(P) Gi1/0/50(P)\n",
        );
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[1].port.as_str(), b[1].port_channel.as_str()),
            ("GigabitEthernet1/0/50", "Port-channel1")
        );
    }
}
