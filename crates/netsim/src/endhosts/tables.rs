//! The per-device tables end hosts fill, built once when a lab is indexed
//! and kept compact (a MAC row is 10 bytes; port names are stored once per
//! device and port), so renderers print MAC tables and ARP caches lazily.
//!
//! Who learns what: the host's switch learns its MAC on the host's port (and
//! on every `also` port); every switch on the shortest path from the host's
//! switch to each of its gateways learns it on the port facing the host; the
//! host's switch and the switches between learn each gateway's own MAC on
//! the port facing the gateway. Paths run over switches and routers only,
//! at most [`MAX_HOPS`] links long.

use super::EndHostTable;
use crate::render::chassis_mac;
use crate::topology::{DeviceKind, TopologyIndex};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::{Ipv4Addr, Ipv6Addr};

/// The longest path from an access switch to a gateway the tables follow.
pub const MAX_HOPS: usize = 4;

/// One MAC table entry: learnt on `port` (an index into the device's port names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacRow {
    /// The learnt address.
    pub mac: [u8; 6],
    /// The VLAN it was learnt in.
    pub vlan: u16,
    /// Index into the device's port names ([`EndHostTables::port`]).
    pub port: u16,
}

/// An end host as its gateways' caches hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Host {
    /// Its MAC.
    pub mac: [u8; 6],
    /// Its VLAN: the gateway's SVI it is cached on (`Vlan<n>`).
    pub vlan: u16,
    /// Its IPv4 address (ARP).
    pub ip: Ipv4Addr,
    /// Its IPv6 address, if it has one (neighbour cache).
    pub ipv6: Option<Ipv6Addr>,
}

/// One device's share of the tables.
#[derive(Debug, Default)]
struct DeviceTables {
    /// Its MAC table, sorted by VLAN then MAC, one row per (VLAN, MAC).
    macs: Vec<MacRow>,
    /// Port names its rows refer to, each once.
    ports: Vec<Box<str>>,
    /// Hosts it is a gateway for (indices into `hosts`), in table order.
    arp: Vec<u32>,
}

/// Every device's MAC rows and cached hosts; empty for a lab without end hosts.
#[derive(Debug, Default)]
pub struct EndHostTables {
    /// Every host once, in table order.
    hosts: Vec<Host>,
    /// Per device index; empty when the lab has no end hosts (then every
    /// device's tables are empty without costing a slot per device).
    devices: Vec<DeviceTables>,
}

impl EndHostTables {
    /// Builds the tables of `topo`'s devices from `table`. Lines that do not
    /// parse or name unknown devices are skipped (validation reports them).
    pub fn build(topo: &TopologyIndex, table: &EndHostTable) -> EndHostTables {
        let mut t = EndHostTables::default();
        if table.is_empty() {
            return t;
        }
        t.devices = (0..topo.topology.devices.len())
            .map(|_| DeviceTables::default())
            .collect();
        let mut paths = Paths::new(topo);
        // (host's switch, VLAN, gateway): who learns which gateway MAC.
        let mut gateway_macs: BTreeSet<(usize, u16, usize)> = BTreeSet::new();
        for (_, host) in table.hosts().flatten() {
            let Some(a) = topo.index_of(host.at.switch) else {
                continue;
            };
            t.learn(a, host.mac, host.vlan, host.at.port);
            for p in &host.also {
                if let Some(b) = topo.index_of(p.switch) {
                    t.learn(b, host.mac, host.vlan, p.port);
                }
            }
            let id = t.hosts.len() as u32;
            t.hosts.push(Host {
                mac: host.mac,
                vlan: host.vlan,
                ip: host.ip,
                ipv6: host.ipv6,
            });
            for g in host.gateways.iter().filter_map(|g| topo.index_of(g)) {
                t.devices[g].arp.push(id);
                for hop in paths.between(a, g) {
                    t.learn(hop.parent, host.mac, host.vlan, hop.parent_port);
                }
                gateway_macs.insert((a, host.vlan, g));
            }
        }
        for (a, vlan, g) in gateway_macs {
            let Some(mac) = super::parse_cisco_mac(&chassis_mac(topo.device(g))) else {
                continue;
            };
            for hop in paths.between(a, g) {
                t.learn(hop.node, mac, vlan, hop.node_port);
            }
        }
        for d in &mut t.devices {
            d.macs.sort_by_key(|r| (r.vlan, r.mac));
            d.macs.dedup_by_key(|r| (r.vlan, r.mac));
            d.macs.shrink_to_fit();
            d.arp.shrink_to_fit();
        }
        t
    }

    /// Device `idx` learns `mac` in `vlan` on `port`.
    fn learn(&mut self, idx: usize, mac: [u8; 6], vlan: u16, port: &str) {
        let d = &mut self.devices[idx];
        let port = match d.ports.iter().position(|p| &**p == port) {
            Some(p) => p,
            None => {
                d.ports.push(port.into());
                d.ports.len() - 1
            }
        };
        d.macs.push(MacRow {
            mac,
            vlan,
            port: port as u16,
        });
    }

    /// Device `idx`'s MAC rows, by VLAN then MAC.
    pub fn macs(&self, idx: usize) -> &[MacRow] {
        self.devices.get(idx).map_or(&[], |d| &d.macs)
    }

    /// The long name of port `port` of device `idx` (see [`MacRow::port`]).
    pub fn port(&self, idx: usize, port: u16) -> &str {
        self.devices
            .get(idx)
            .and_then(|d| d.ports.get(usize::from(port)))
            .map_or("", |p| p)
    }

    /// The hosts device `idx` is a gateway for, in table order.
    pub fn cached(&self, idx: usize) -> impl Iterator<Item = &Host> + '_ {
        let ids = self.devices.get(idx).map_or(&[][..], |d| &d.arp);
        ids.iter().map(|&i| &self.hosts[i as usize])
    }

    /// Every host, in table order.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }
}

/// One link of a path, walking from the host's switch toward a gateway.
#[derive(Debug, Clone, Copy)]
struct Hop<'a> {
    /// The device nearer the host.
    node: usize,
    /// Its port facing the gateway.
    node_port: &'a str,
    /// The device nearer the gateway.
    parent: usize,
    /// Its port facing the host.
    parent_port: &'a str,
}

/// Shortest paths to each gateway: one breadth-first tree per gateway,
/// built when first asked for.
struct Paths<'a> {
    /// The lab.
    topo: &'a TopologyIndex,
    /// Gateway -> (device -> its hop toward the gateway).
    trees: HashMap<usize, HashMap<usize, Hop<'a>>>,
}

impl<'a> Paths<'a> {
    fn new(topo: &'a TopologyIndex) -> Paths<'a> {
        Paths {
            topo,
            trees: HashMap::new(),
        }
    }

    /// The hops from `from` to `gateway`, nearest `from` first; none when
    /// they are the same device or farther apart than [`MAX_HOPS`].
    fn between(&mut self, from: usize, gateway: usize) -> Vec<Hop<'a>> {
        let topo = self.topo;
        let tree = self
            .trees
            .entry(gateway)
            .or_insert_with(|| tree_toward(topo, gateway));
        let mut out = Vec::new();
        let mut node = from;
        while let Some(hop) = tree.get(&node) {
            out.push(*hop);
            node = hop.parent;
        }
        out
    }
}

/// Devices frames are switched or routed through.
fn forwards(kind: DeviceKind) -> bool {
    matches!(kind, DeviceKind::Switch | DeviceKind::Router)
}

/// Breadth-first from `gateway` over forwarding devices: each device
/// reached gets its hop toward the gateway.
fn tree_toward(topo: &TopologyIndex, gateway: usize) -> HashMap<usize, Hop<'_>> {
    let mut tree: HashMap<usize, Hop<'_>> = HashMap::new();
    let mut queue = VecDeque::from([(gateway, 0usize)]);
    while let Some((parent, depth)) = queue.pop_front() {
        if depth == MAX_HOPS {
            continue;
        }
        for end in topo.link_ends(parent) {
            let Some(node) = topo.index_of(&end.remote.hostname) else {
                continue;
            };
            if node == gateway || !forwards(end.remote.kind) || tree.contains_key(&node) {
                continue;
            }
            tree.insert(
                node,
                Hop {
                    node,
                    node_port: end.remote_interface,
                    parent,
                    parent_port: end.local_interface,
                },
            );
            queue.push_back((node, depth + 1));
        }
    }
    tree
}
