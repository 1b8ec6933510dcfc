//! What one walked device's neighbour tables say: a placeholder record per
//! neighbour and one link per port pair, whichever protocols reported it.
//! Identity is decided by the caller (the run's identity index); this is
//! the bookkeeping around it, without I/O.

use super::plan::Sighting;
use crate::model::{Device, DeviceId, DeviceStatus, Link, LinkProtocol, Via};
use std::collections::BTreeMap;

/// The neighbours and links of one walked device, as its sightings are
/// added.
#[derive(Debug, Default)]
pub(super) struct Neighbourhood {
    /// One placeholder per neighbour: what the tables said about it, filled
    /// in from every sighting of it.
    pub neighbours: BTreeMap<DeviceId, Device>,
    /// One link per (local port, neighbour, remote port): CDP and LLDP
    /// reports of the same cable merge into one link with both protocols.
    pub links: BTreeMap<(String, DeviceId, String), Link>,
}

impl Neighbourhood {
    /// Adds sighting `s` of neighbour `nid` by device `me`, at `depth`
    /// (the neighbour's, one below `me`).
    pub fn add(&mut self, me: DeviceId, nid: DeviceId, s: &Sighting, depth: u32) {
        let key = (s.local_interface.clone(), nid, s.remote_interface.clone());
        self.links
            .entry(key)
            .or_insert_with(|| Link {
                a: me,
                a_interface: s.local_interface.clone(),
                b: nid,
                b_interface: s.remote_interface.clone(),
                protocols: Default::default(),
            })
            .protocols
            .insert(s.protocol);
        let placeholder = self.neighbours.entry(nid).or_insert_with(|| {
            let mut d = Device::new(nid, s.name.clone(), DeviceStatus::NeighborOnly);
            d.hostname_raw = Some(s.name_raw.clone());
            d.depth = depth;
            d.parent = Some(me);
            d.via = Some(match s.protocol {
                LinkProtocol::Cdp => Via::Cdp,
                LinkProtocol::Lldp => Via::Lldp,
            });
            d
        });
        fill_gaps(placeholder, s);
    }
}

/// What a sighting adds to a neighbour's placeholder: its addresses, and
/// whatever earlier sightings left unknown.
fn fill_gaps(d: &mut Device, s: &Sighting) {
    d.ips.extend(s.ips.iter().copied());
    if d.mgmt_ip.is_none() {
        d.mgmt_ip = s.ips.first().copied();
    }
    if d.platform_text.is_none() {
        d.platform_text = s.platform_text.clone();
    }
    for cap in &s.capabilities {
        if !d.capabilities.contains(cap) {
            d.capabilities.push(cap.clone());
        }
    }
    if d.serial.is_none() {
        d.serial = s.serial.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sighting(local: &str, remote: &str, protocol: LinkProtocol, ip: &str) -> Sighting {
        Sighting {
            name_raw: "sw2.example.com".into(),
            name: "sw2".into(),
            serial: None,
            ips: vec![ip.parse().unwrap()],
            platform_text: Some("cisco WS-C2960X".into()),
            capabilities: vec!["Switch".into()],
            local_interface: local.into(),
            remote_interface: remote.into(),
            protocol,
        }
    }

    #[test]
    fn cdp_and_lldp_of_one_cable_are_one_link_and_one_neighbour() {
        let mut n = Neighbourhood::default();
        let (me, nb) = (DeviceId(1), DeviceId(2));
        n.add(
            me,
            nb,
            &sighting("Gi1/0/1", "Gi0/1", LinkProtocol::Cdp, "10.0.0.2"),
            1,
        );
        n.add(
            me,
            nb,
            &sighting("Gi1/0/1", "Gi0/1", LinkProtocol::Lldp, "10.0.0.3"),
            1,
        );
        n.add(
            me,
            nb,
            &sighting("Gi1/0/2", "Gi0/2", LinkProtocol::Cdp, "10.0.0.2"),
            1,
        );
        assert_eq!(n.links.len(), 2);
        let first = &n.links[&("Gi1/0/1".to_string(), nb, "Gi0/1".to_string())];
        assert_eq!(first.protocols.len(), 2);
        let d = &n.neighbours[&nb];
        assert_eq!(n.neighbours.len(), 1);
        assert_eq!(
            d.mgmt_ip,
            Some("10.0.0.2".parse().unwrap()),
            "first address wins"
        );
        assert_eq!(d.ips.len(), 2);
        assert_eq!(d.capabilities, ["Switch"], "capabilities once");
        assert_eq!((d.parent, d.depth, d.via), (Some(me), 1, Some(Via::Cdp)));
    }
}
