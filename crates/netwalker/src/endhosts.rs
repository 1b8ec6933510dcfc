//! Every end host of the inventory: each MAC the latest walks learnt,
//! located by the edge-port rule ([`crate::locate`]), joined to the
//! addresses it answered for and to its vendor. Pure: the rows come from
//! the store ([`StoreReader::endhost_rows`](crate::store::StoreReader::endhost_rows)),
//! the result feeds inventory.json, the End Hosts sheet and `netwalker find`.

use crate::locate::{self, Bundle, Location, Network, Ports};
use crate::model::{
    BundleMember, Device, DeviceId, EndHostStatus, InventoryCandidate, InventoryEndHost, IpSeen,
    Link, MacAddr, MacSeen, UnixTime,
};
use crate::store::EndHostRows;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// One end host: a MAC, where it is, what it answered for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndHost {
    /// The MAC: the host's identity here.
    pub mac: MacAddr,
    /// Addresses it answered for in any ARP/ND cache, most recently seen first.
    pub ips: Vec<IpSeen>,
    /// The registered owner of its OUI, if the registry knows it.
    pub vendor: Option<&'static str>,
    /// Where it is, or why that cannot be told.
    pub location: Location,
    /// The first walk that saw it anywhere (MAC table or cache).
    pub first_seen: UnixTime,
    /// The last walk that saw it anywhere.
    pub last_seen: UnixTime,
}

/// The walk-wide facts the edge-port rule needs, built once from the
/// inventory and the end-host rows.
pub struct EndHostMap {
    /// Uplinks and ports towards unwalked switches.
    ports: Ports,
    /// MACs that answered for a walked device's address: the network's
    /// own, never end hosts.
    device_macs: HashMap<MacAddr, DeviceId>,
    /// Each switch's latest end-host collection: its sightings seen then
    /// are where hosts are now; older ones are history.
    fresh: HashMap<DeviceId, i64>,
}

impl EndHostMap {
    /// Classifies every port from the inventory and the stored rows.
    pub fn new(devices: &[Device], links: &[Link], rows: &EndHostRows) -> EndHostMap {
        let device_macs = device_macs(devices, &rows.ip_macs);
        let switch_macs: HashMap<MacAddr, DeviceId> = {
            let switches: HashMap<DeviceId, &Device> = devices
                .iter()
                .filter(|d| locate::is_walked_switch(d))
                .map(|d| (d.id, d))
                .collect();
            device_macs
                .iter()
                .filter(|(_, id)| switches.contains_key(id))
                .map(|(m, id)| (*m, *id))
                .collect()
        };
        let mut fresh: HashMap<DeviceId, i64> = HashMap::new();
        for s in &rows.sightings {
            let t = fresh.entry(s.device).or_insert(s.last_seen);
            *t = (*t).max(s.last_seen);
        }
        // Only trunk sightings of a walked switch's own MAC make uplinks.
        let trunk_switch_macs: Vec<MacSeen> = rows
            .sightings
            .iter()
            .filter(|s| s.trunk && switch_macs.contains_key(&s.mac) && is_current(&fresh, s))
            .cloned()
            .collect();
        let bundles = bundles(&rows.bundles);
        let ports = Ports::find(Network {
            devices,
            links,
            sightings: &trunk_switch_macs,
            switch_macs: &switch_macs,
            bundles: &bundles,
        });
        EndHostMap {
            ports,
            device_macs,
            fresh,
        }
    }

    /// Whether `mac` belongs to a walked device (it answered for one's address).
    pub fn device_of(&self, mac: MacAddr) -> Option<DeviceId> {
        self.device_macs.get(&mac).copied()
    }

    /// Where `mac` is, from its sightings (history included: only those
    /// from each switch's latest walk count).
    pub fn locate(&self, sightings: &[MacSeen]) -> Location {
        if sightings.iter().all(|s| self.is_current(s)) && !sightings.is_empty() {
            return locate::locate(sightings, &self.ports, 0);
        }
        let current: Vec<MacSeen> = sightings
            .iter()
            .filter(|s| is_current(&self.fresh, s))
            .cloned()
            .collect();
        if current.is_empty() && !sightings.is_empty() {
            return Location::Unknown {
                reason: "not learnt by any switch at its latest walk (history only)".into(),
            };
        }
        if current.is_empty() {
            return Location::Unknown {
                reason: "in an ARP/ND cache only: no walked switch learnt it".into(),
            };
        }
        locate::locate(&current, &self.ports, 0)
    }

    /// Whether a sighting was made by its switch's latest walk.
    pub fn is_current(&self, s: &MacSeen) -> bool {
        is_current(&self.fresh, s)
    }
}

/// Whether `s` was seen at its switch's latest end-host collection.
fn is_current(fresh: &HashMap<DeviceId, i64>, s: &MacSeen) -> bool {
    fresh.get(&s.device).is_none_or(|&t| s.last_seen >= t)
}

/// MACs that answered for a walked device's own address.
fn device_macs(devices: &[Device], ip_macs: &[IpSeen]) -> HashMap<MacAddr, DeviceId> {
    let by_ip: HashMap<IpAddr, DeviceId> = devices
        .iter()
        .filter(|d| d.status == crate::model::DeviceStatus::Walked)
        .flat_map(|d| d.ips.iter().chain(d.mgmt_ip.iter()).map(|ip| (*ip, d.id)))
        .collect();
    ip_macs
        .iter()
        .filter_map(|p| Some((p.mac, *by_ip.get(&p.ip)?)))
        .collect()
}

/// The stored members grouped into their port-channels.
fn bundles(rows: &[(DeviceId, BundleMember)]) -> Vec<Bundle> {
    let mut by: BTreeMap<(DeviceId, &str), Vec<String>> = BTreeMap::new();
    for (d, m) in rows {
        by.entry((*d, m.port_channel.as_str()))
            .or_default()
            .push(m.port.clone());
    }
    by.into_iter()
        .map(|((device, pc), members)| Bundle {
            device,
            port_channel: pc.to_string(),
            members,
        })
        .collect()
}

/// Every end host: each MAC currently learnt by a switch or cached with
/// an address, except the walked devices' own, by MAC.
pub fn end_hosts(devices: &[Device], links: &[Link], rows: &EndHostRows) -> Vec<EndHost> {
    let map = EndHostMap::new(devices, links, rows);
    // The store reads both by MAC; sorted here only if a caller's were not.
    let sightings = by_mac(&rows.sightings, |s| s.mac);
    let cached = by_mac(&rows.ip_macs, |p| p.mac);
    let mut seen = sightings.chunk_by(|a, b| a.mac == b.mac).peekable();
    let mut ips = cached.chunk_by(|a, b| a.mac == b.mac).peekable();
    let mut out = Vec::new();
    loop {
        let mac = match (seen.peek(), ips.peek()) {
            (Some(s), Some(i)) => s[0].mac.min(i[0].mac),
            (Some(s), None) => s[0].mac,
            (None, Some(i)) => i[0].mac,
            (None, None) => break,
        };
        let s: &[MacSeen] = seen.next_if(|g| g[0].mac == mac).unwrap_or_default();
        let i: &[IpSeen] = ips.next_if(|g| g[0].mac == mac).unwrap_or_default();
        // The network's own MACs are not hosts; a MAC only in history and
        // in no cache is gone, not a host now.
        if map.device_of(mac).is_some() || (i.is_empty() && !s.iter().any(|x| map.is_current(x))) {
            continue;
        }
        out.push(EndHost::new(mac, s, i.to_vec(), &map));
    }
    out
}

/// `rows` in MAC order: borrowed when they already are.
fn by_mac<T: Clone>(rows: &[T], mac: impl Fn(&T) -> MacAddr) -> std::borrow::Cow<'_, [T]> {
    if rows.is_sorted_by_key(&mac) {
        return std::borrow::Cow::Borrowed(rows);
    }
    let mut v = rows.to_vec();
    v.sort_by_key(mac);
    std::borrow::Cow::Owned(v)
}

impl EndHost {
    /// `mac` from its sightings (history included) and cache entries.
    pub fn new(mac: MacAddr, seen: &[MacSeen], ips: Vec<IpSeen>, map: &EndHostMap) -> EndHost {
        let times = seen
            .iter()
            .map(|s| (s.first_seen, s.last_seen))
            .chain(ips.iter().map(|p| (p.first_seen, p.last_seen)));
        let first_seen = times.clone().map(|t| t.0).min().unwrap_or_default();
        let last_seen = times.map(|t| t.1).max().unwrap_or_default();
        EndHost {
            mac,
            location: map.locate(seen),
            vendor: crate::oui::vendor(mac),
            ips,
            first_seen,
            last_seen,
        }
    }
}

impl EndHost {
    /// The `inventory.json` record, switches by hostname (`name_of`).
    pub fn to_inventory(&self, name_of: &impl Fn(DeviceId) -> String) -> InventoryEndHost {
        let mut h = InventoryEndHost {
            mac: self.mac,
            ips: self.ips.iter().map(|p| p.ip).collect(),
            vendor: self.vendor.map(str::to_string),
            status: EndHostStatus::Unknown,
            switch: None,
            port: None,
            vlan: None,
            reason: None,
            first_seen: Some(self.first_seen),
            last_seen: Some(self.last_seen),
            candidates: Vec::new(),
        };
        match &self.location {
            Location::Port(c) => {
                h.status = EndHostStatus::Located;
                h.switch = Some(name_of(c.device));
                h.port = Some(c.port.clone());
                h.vlan = c.vlans.first().copied();
                h.reason = c
                    .behind
                    .map(|b| format!("behind {}, a switch that was not walked", name_of(b)));
            }
            Location::Ambiguous { candidates, reason } => {
                h.status = EndHostStatus::Ambiguous;
                h.reason = Some(reason.clone());
                h.candidates = candidates
                    .iter()
                    .map(|c| InventoryCandidate {
                        switch: name_of(c.device),
                        port: c.port.clone(),
                        vlans: c.vlans.clone(),
                        behind: c.behind.map(name_of),
                        first_seen: c.first_seen,
                        last_seen: c.last_seen,
                    })
                    .collect();
                // Newest first (as located); ties by name, not by the
                // walk-order-dependent device ids, so two walks of one
                // network list them alike.
                h.candidates.sort_by(|a, b| {
                    b.last_seen
                        .cmp(&a.last_seen)
                        .then_with(|| a.switch.cmp(&b.switch))
                        .then_with(|| a.port.cmp(&b.port))
                });
            }
            Location::Unknown { reason } => h.reason = Some(reason.clone()),
        }
        h
    }
}
