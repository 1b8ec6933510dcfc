//! Where is this MAC? The edge-port rule, pure (no store, no I/O).
//!
//! A MAC is located at the port where it is learnt that is not an uplink
//! to another walked switch. A port is an uplink ([`Uplink`]) when CDP/LLDP
//! sees a walked switch on it, when it trunks and a walked switch's own MAC
//! is learnt on it, or when it is a port-channel with such a member. A
//! port towards a switch that was not walked is an edge port: what is
//! learnt there is behind that switch, and the candidate says so. Seen on
//! one edge port: located; on several (a host or VM that moved, a hub, an
//! unwalked switch below): ambiguous, with every candidate and the reason,
//! never a guess.

use crate::model::{Device, DeviceId, DeviceStatus, Link, MacAddr, MacSeen, UnixTime};
use device_parsers::Platform;
use std::collections::{BTreeMap, HashMap};

/// Why a port is an uplink: MACs learnt on it are behind another walked switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uplink {
    /// CDP/LLDP sees this walked switch on the port.
    Neighbour(DeviceId),
    /// The port trunks and this walked switch's own MAC is learnt on it.
    TrunkToSwitch(DeviceId),
    /// A port-channel with this uplink member.
    PortChannelOf(String),
}

/// A port-channel and its member ports, long form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// The switch it is on.
    pub device: DeviceId,
    /// `Port-channel1`.
    pub port_channel: String,
    /// Its members (`GigabitEthernet1/0/49`...).
    pub members: Vec<String>,
}

/// Values by (switch, port), looked up by `&str` without allocating:
/// every sighting of every MAC asks about its port.
#[derive(Debug, Clone)]
struct PortMap<V>(HashMap<DeviceId, HashMap<String, V>>);

impl<V> Default for PortMap<V> {
    fn default() -> Self {
        PortMap(HashMap::new())
    }
}

impl<V> PortMap<V> {
    fn get(&self, device: DeviceId, port: &str) -> Option<&V> {
        self.0.get(&device)?.get(port)
    }

    fn insert(&mut self, device: DeviceId, port: &str, v: V) {
        self.0
            .entry(device)
            .or_default()
            .insert(port.to_string(), v);
    }

    fn insert_if_absent(&mut self, device: DeviceId, port: &str, v: V) {
        let ports = self.0.entry(device).or_default();
        if !ports.contains_key(port) {
            ports.insert(port.to_string(), v);
        }
    }
}

/// Every switch port that is an uplink, and every edge port with a switch
/// on it that was not walked.
#[derive(Debug, Clone, Default)]
pub struct Ports {
    /// (switch, port) -> why it is an uplink.
    uplinks: PortMap<Uplink>,
    /// (switch, port) -> the unwalked switch CDP/LLDP sees on it.
    behind: PortMap<DeviceId>,
}

/// What the network looks like around the MAC tables.
#[derive(Debug, Clone, Copy)]
pub struct Network<'a> {
    /// Every known device, walked or not.
    pub devices: &'a [Device],
    /// Every link CDP/LLDP found.
    pub links: &'a [Link],
    /// Every MAC sighting (trunk sightings of switch MACs find uplinks).
    pub sightings: &'a [MacSeen],
    /// Walked switches' own MACs (chassis, stack members).
    pub switch_macs: &'a HashMap<MacAddr, DeviceId>,
    /// Port-channels and their members.
    pub bundles: &'a [Bundle],
}

/// A switch whose MAC table and neighbours a walk read: a walked device
/// that says it switches, or a walked Cisco device that says nothing.
pub fn is_walked_switch(d: &Device) -> bool {
    let says = |w: &str| d.capabilities.iter().any(|c| c.eq_ignore_ascii_case(w));
    let cisco = matches!(
        d.platform,
        Some(Platform::CiscoIos | Platform::CiscoXe | Platform::CiscoNxos)
    );
    d.status == DeviceStatus::Walked
        && (says("Switch") || says("Bridge") || (cisco && d.capabilities.is_empty()))
}

/// A network device CDP/LLDP reports (walked or not): a switch or bridge.
fn is_switch_like(d: &Device) -> bool {
    d.capabilities
        .iter()
        .any(|c| c.eq_ignore_ascii_case("Switch") || c.eq_ignore_ascii_case("Bridge"))
        || is_walked_switch(d)
}

impl Ports {
    /// Classifies the ports of `net`.
    pub fn find(net: Network<'_>) -> Ports {
        let by_id: HashMap<DeviceId, &Device> = net.devices.iter().map(|d| (d.id, d)).collect();
        let mut p = Ports::default();
        for l in net.links {
            for (me, port, them) in [(l.a, &l.a_interface, l.b), (l.b, &l.b_interface, l.a)] {
                let Some(d) = by_id.get(&them) else { continue };
                if is_walked_switch(d) {
                    p.uplinks.insert(me, port, Uplink::Neighbour(them));
                } else if is_switch_like(d) {
                    p.behind.insert(me, port, them);
                }
            }
        }
        for s in net.sightings.iter().filter(|s| s.trunk) {
            if let Some(&sw) = net.switch_macs.get(&s.mac)
                && sw != s.device
            {
                p.uplinks
                    .insert_if_absent(s.device, &s.port, Uplink::TrunkToSwitch(sw));
            }
        }
        for b in net.bundles {
            let member = b
                .members
                .iter()
                .find(|m| p.uplinks.get(b.device, m).is_some());
            if let Some(m) = member {
                let why = Uplink::PortChannelOf(m.clone());
                p.uplinks.insert(b.device, &b.port_channel, why);
            }
        }
        p
    }

    /// Why `port` of `device` is an uplink, if it is one.
    pub fn uplink(&self, device: DeviceId, port: &str) -> Option<&Uplink> {
        self.uplinks.get(device, port)
    }
}

/// One edge port a MAC was learnt on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The switch.
    pub device: DeviceId,
    /// Its port, long form.
    pub port: String,
    /// The VLANs it was learnt in there (usually one).
    pub vlans: Vec<u16>,
    /// The first walk that saw it there.
    pub first_seen: UnixTime,
    /// The last walk that saw it there.
    pub last_seen: UnixTime,
    /// A switch CDP/LLDP sees on the port that was not walked: the host is
    /// somewhere behind it.
    pub behind: Option<DeviceId>,
}

/// Where a MAC is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Learnt on exactly one edge port.
    Port(Candidate),
    /// Learnt on several edge ports: every one, newest first, and why.
    Ambiguous {
        /// Every edge port it is learnt on.
        candidates: Vec<Candidate>,
        /// Why one cannot tell, for the user.
        reason: String,
    },
    /// Not learnt on any edge port (only on uplinks, or not recently).
    Unknown {
        /// Why, for the user.
        reason: String,
    },
}

/// Locates one MAC from its sightings (all of the same MAC), counting only
/// those last seen at or after `since` (the latest walk's start: older
/// rows are history, not where it is now).
pub fn locate(sightings: &[MacSeen], ports: &Ports, since: UnixTime) -> Location {
    let current: Vec<&MacSeen> = sightings.iter().filter(|s| s.last_seen >= since).collect();
    if current.is_empty() {
        return Location::Unknown {
            reason: "not learnt by any switch in the latest walk".into(),
        };
    }
    let mut edge: BTreeMap<(DeviceId, &str), Candidate> = BTreeMap::new();
    for s in current
        .iter()
        .filter(|s| ports.uplink(s.device, &s.port).is_none())
    {
        let c = edge
            .entry((s.device, s.port.as_str()))
            .or_insert_with(|| Candidate {
                device: s.device,
                port: s.port.clone(),
                vlans: Vec::new(),
                first_seen: s.first_seen,
                last_seen: s.last_seen,
                behind: ports.behind.get(s.device, &s.port).copied(),
            });
        c.vlans.extend(s.vlan.filter(|v| !c.vlans.contains(v)));
        c.first_seen = c.first_seen.min(s.first_seen);
        c.last_seen = c.last_seen.max(s.last_seen);
    }
    let mut candidates: Vec<Candidate> = edge.into_values().collect();
    candidates.sort_by_key(|c| std::cmp::Reverse(c.last_seen));
    match candidates.len() {
        0 => Location::Unknown {
            reason: format!(
                "learnt only on uplinks to walked switches ({} sightings): its edge switch was not walked or has aged it out",
                current.len()
            ),
        },
        1 => Location::Port(candidates.remove(0)),
        n => Location::Ambiguous {
            reason: format!(
                "learnt on {n} edge ports: a host or VM that moved, a hub or unmanaged switch, or a switch below that was not walked"
            ),
            candidates,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LinkProtocol;

    const ACC1: DeviceId = DeviceId(1);
    const ACC2: DeviceId = DeviceId(2);
    const DIST: DeviceId = DeviceId(3);
    const HIDDEN: DeviceId = DeviceId(4);
    const PHONE: DeviceId = DeviceId(5);
    const UP: &str = "GigabitEthernet1/0/49";
    const PO: &str = "Port-channel1";

    fn device(id: DeviceId, status: DeviceStatus, caps: &[&str]) -> Device {
        let mut d = Device::new(id, format!("d{}", id.0), status);
        d.platform = Some(Platform::CiscoIos);
        d.capabilities = caps.iter().map(|c| c.to_string()).collect();
        d
    }

    fn seen(device: DeviceId, port: &str, vlan: u16, last_seen: UnixTime) -> MacSeen {
        MacSeen {
            mac: MacAddr([0, 0x14, 0x22, 0, 0, 1]),
            device,
            port: port.into(),
            vlan: Some(vlan),
            trunk: port == UP || port.starts_with("Te"),
            first_seen: 10,
            last_seen,
        }
    }

    /// acc1 and acc2 hang off dist by CDP; acc2 also trunks to dist on
    /// Te1/1/1 without CDP (dist's MAC learnt there) and bundles Gi1/0/49
    /// into Po1; an unwalked switch sits on acc1 Gi1/0/20, a phone on
    /// acc1 Gi1/0/4.
    fn ports() -> Ports {
        let devices = [
            device(ACC1, DeviceStatus::Walked, &["Switch", "IGMP"]),
            device(ACC2, DeviceStatus::Walked, &[]),
            device(DIST, DeviceStatus::Walked, &["Router", "Switch"]),
            device(HIDDEN, DeviceStatus::Failed, &["Switch"]),
            device(PHONE, DeviceStatus::NeighborOnly, &["Host", "Phone"]),
        ];
        let links = [
            Link::new(ACC1, UP, DIST, "TwentyFiveGigE1/0/1", LinkProtocol::Cdp),
            Link::new(DIST, "TwentyFiveGigE1/0/2", ACC2, UP, LinkProtocol::Lldp),
            Link::new(
                ACC1,
                "GigabitEthernet1/0/20",
                HIDDEN,
                "Gi0/1",
                LinkProtocol::Cdp,
            ),
            Link::new(
                ACC1,
                "GigabitEthernet1/0/4",
                PHONE,
                "Port 1",
                LinkProtocol::Cdp,
            ),
        ];
        let dist_mac = MacAddr([0x50, 0, 0, 0, 0, 3]);
        let sightings = [MacSeen {
            mac: dist_mac,
            ..seen(ACC2, "TenGigabitEthernet1/1/1", 1, 100)
        }];
        let switch_macs = HashMap::from([(dist_mac, DIST)]);
        let bundles = [Bundle {
            device: ACC2,
            port_channel: PO.into(),
            members: vec![UP.into(), "GigabitEthernet1/0/50".into()],
        }];
        Ports::find(Network {
            devices: &devices,
            links: &links,
            sightings: &sightings,
            switch_macs: &switch_macs,
            bundles: &bundles,
        })
    }

    #[test]
    fn uplinks_are_switch_neighbours_trunks_to_switches_and_their_bundles() {
        let p = ports();
        assert_eq!(p.uplink(ACC1, UP), Some(&Uplink::Neighbour(DIST)));
        assert_eq!(
            p.uplink(DIST, "TwentyFiveGigE1/0/1"),
            Some(&Uplink::Neighbour(ACC1))
        );
        assert_eq!(
            p.uplink(DIST, "TwentyFiveGigE1/0/2"),
            Some(&Uplink::Neighbour(ACC2))
        );
        assert_eq!(
            p.uplink(ACC2, "TenGigabitEthernet1/1/1"),
            Some(&Uplink::TrunkToSwitch(DIST))
        );
        assert_eq!(p.uplink(ACC2, PO), Some(&Uplink::PortChannelOf(UP.into())));
        // Not uplinks: a phone's port, an unwalked switch's port.
        assert_eq!(p.uplink(ACC1, "GigabitEthernet1/0/4"), None);
        assert_eq!(p.uplink(ACC1, "GigabitEthernet1/0/20"), None);
    }

    #[test]
    fn one_edge_port_locates_the_mac() {
        let p = ports();
        let s = [
            seen(ACC1, "GigabitEthernet1/0/4", 100, 100),
            seen(ACC1, "GigabitEthernet1/0/4", 20, 100),
            seen(DIST, "TwentyFiveGigE1/0/1", 100, 100),
            seen(ACC2, PO, 100, 100),
        ];
        let Location::Port(c) = locate(&s, &p, 50) else {
            panic!("not located: {:?}", locate(&s, &p, 50));
        };
        assert_eq!((c.device, c.port.as_str()), (ACC1, "GigabitEthernet1/0/4"));
        assert_eq!(c.vlans, [100, 20]);
        assert_eq!(c.behind, None);
    }

    #[test]
    fn several_edge_ports_are_ambiguous_with_every_candidate() {
        let p = ports();
        let s = [
            seen(ACC1, "GigabitEthernet1/0/7", 10, 90),
            seen(ACC2, "GigabitEthernet1/0/9", 10, 100),
            seen(DIST, "TwentyFiveGigE1/0/2", 10, 100),
        ];
        let Location::Ambiguous { candidates, reason } = locate(&s, &p, 50) else {
            panic!("not ambiguous");
        };
        let at: Vec<(DeviceId, &str)> = candidates
            .iter()
            .map(|c| (c.device, c.port.as_str()))
            .collect();
        assert_eq!(
            at,
            [
                (ACC2, "GigabitEthernet1/0/9"),
                (ACC1, "GigabitEthernet1/0/7")
            ]
        );
        assert!(reason.contains("2 edge ports"), "{reason}");
        // History before `since` does not count: then it is located.
        assert!(matches!(locate(&s, &p, 95), Location::Port(c) if c.device == ACC2));
    }

    #[test]
    fn behind_an_unwalked_switch_or_only_on_uplinks() {
        let p = ports();
        let s = [
            seen(ACC1, "GigabitEthernet1/0/20", 100, 100),
            seen(DIST, "TwentyFiveGigE1/0/1", 100, 100),
        ];
        let Location::Port(c) = locate(&s, &p, 50) else {
            panic!("not located");
        };
        assert_eq!(c.behind, Some(HIDDEN));
        let up = [seen(ACC1, UP, 100, 100), seen(ACC2, PO, 100, 100)];
        let Location::Unknown { reason } = locate(&up, &p, 50) else {
            panic!("located on an uplink");
        };
        assert!(reason.contains("only on uplinks"), "{reason}");
        assert!(matches!(locate(&up, &p, 200), Location::Unknown { .. }));
        assert!(matches!(locate(&[], &p, 0), Location::Unknown { .. }));
    }
}
