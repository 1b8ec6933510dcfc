//! End hosts behind the access ports (`--endhosts-per-access N`; none by
//! default, so labs generated without the flag are unchanged).
//!
//! Each access switch gets hosts on its next free ports (up to port 48):
//! mostly PCs in the USERS VLAN, every tenth port an IP phone with a PC
//! behind it (two MACs, two VLANs, one port), every tenth a printer; one
//! access switch in four has a desk switch with four PCs on its first host
//! port, one in eight a VM in the SERVERS VLAN, and one in sixteen's VM is
//! also still learnt on a port of another access switch of the same
//! distribution pair (it moved): ambiguous by design.
//!
//! The user VLANs (USERS, VOICE, PRINTERS) are routed on the distribution
//! pair, SERVERS on the core pair: their SVIs (`Vlan<n>`, a /21 per VLAN
//! and pair from 10.0.0.0/8) hold the ARP entries, the distribution pairs
//! also IPv6 neighbour entries for one PC in three. Nothing here draws from
//! the generator's RNG: MACs count up under real vendor prefixes, so adding
//! end hosts changes no device, link or serial of the lab.

use super::{AccessPorts, Builder, DistPair};
use crate::endhosts::{EndHost, EndHostKind, EndHostTable, PortRef};
use crate::topology::{InterfaceSpec, VlanSpec};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Most host ports per access switch (`--endhosts-per-access` is capped):
/// keeps every VLAN's hosts of a distribution pair inside its /21.
pub const MAX_PER_ACCESS: usize = 40;

/// The last port number hosts use (48-port switches; uplinks come after).
const LAST_PORT: usize = 48;

const USERS: (u16, &str) = (100, "USERS");
const VOICE: (u16, &str) = (20, "VOICE");
const PRINTERS: (u16, &str) = (50, "PRINTERS");
const SERVERS: (u16, &str) = (10, "SERVERS");

/// The generator's end-host state across sites: MAC counters per vendor,
/// subnets handed out, and the table written so far.
#[derive(Debug, Default)]
pub(super) struct EndHostState {
    /// The lines written so far; becomes the topology's `endhosts`.
    pub(super) table: EndHostTable,
    /// Next MAC suffix per kind (index of [`oui`]): MACs never repeat.
    macs: [u32; 4],
    /// /21 subnets handed out so far (from 10.0.0.0).
    subnets: u32,
}

/// A VLAN's subnet and the two devices routing it.
struct Lan {
    /// VLAN number and name.
    vlan: (u16, &'static str),
    /// The routing pair (device indices): ARP lives on both.
    gateways: [usize; 2],
    /// Which /21 of 10.0.0.0/8 this is.
    subnet: u32,
    /// Hosts addressed so far.
    next: u32,
}

impl Lan {
    fn base(&self) -> u32 {
        u32::from(Ipv4Addr::new(10, 0, 0, 0)) + (self.subnet << 11)
    }

    /// The next host address, and an IPv6 one from the same counter.
    fn address(&mut self) -> (Ipv4Addr, Ipv6Addr) {
        let n = self.next + 10;
        self.next += 1;
        let v6 = Ipv6Addr::new(
            0xfd00,
            0,
            self.subnet as u16,
            self.vlan.0,
            0,
            0,
            0,
            n as u16,
        );
        (Ipv4Addr::from(self.base() + n), v6)
    }
}

/// A host placed on a port, by device index until the line is written.
struct Placed {
    /// Its MAC.
    mac: [u8; 6],
    /// Its addresses.
    ip: Ipv4Addr,
    /// Its IPv6 address, if it gets one.
    ipv6: Option<Ipv6Addr>,
    /// VLAN number.
    vlan: u16,
    /// What it is.
    kind: EndHostKind,
    /// Access switch and port.
    at: (usize, String),
    /// Who routes its VLAN.
    gateways: [usize; 2],
    /// Other ports it is still learnt on.
    also: Vec<(usize, String)>,
}

/// What goes on one host port.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PortUse {
    Pc,
    PhoneWithPc,
    Printer,
    DeskSwitch,
    Vm,
}

/// What access switch `k`'s `j`th host port gets.
fn port_use(k: usize, j: usize) -> PortUse {
    match (j, k % 4, k % 8, j % 10) {
        (0, 1, _, _) => PortUse::DeskSwitch,
        (1, _, 2, _) => PortUse::Vm,
        (_, _, _, 3) => PortUse::PhoneWithPc,
        (_, _, _, 7) => PortUse::Printer,
        _ => PortUse::Pc,
    }
}

/// Vendor prefix and MAC counter per kind (Dell, Cisco, HP, VMware;
/// desk-switch PCs are Dell PCs too, so they share the PC counter).
fn oui(kind: EndHostKind) -> (usize, [u8; 3]) {
    match kind {
        EndHostKind::Pc => (0, [0x00, 0x14, 0x22]),
        EndHostKind::Phone => (1, [0x00, 0x1e, 0x7a]),
        EndHostKind::Printer => (2, [0x00, 0x1b, 0x78]),
        EndHostKind::Vm => (3, [0x00, 0x50, 0x56]),
        EndHostKind::DeskSwitchPc => (0, [0x00, 0x14, 0x22]),
    }
}

impl Builder {
    /// The campus's end hosts (nothing without `endhosts_per_access`).
    pub(super) fn end_hosts(
        &mut self,
        ports: &mut AccessPorts,
        dist_pairs: &[DistPair],
        core: &[usize; 2],
    ) {
        let per_access = self.opts.endhosts_per_access.min(MAX_PER_ACCESS);
        if per_access == 0 || dist_pairs.is_empty() {
            return;
        }
        let mut user_lans: Vec<[Lan; 3]> = dist_pairs
            .iter()
            .map(|p| [USERS, VOICE, PRINTERS].map(|v| self.lan(v, p.switches)))
            .collect();
        let mut servers = self.lan(SERVERS, *core);
        let mut placed = Vec::new();
        for k in 0..ports.switches.len() {
            let lans = &mut user_lans[k % dist_pairs.len()];
            self.access_hosts(ports, k, per_access, lans, &mut servers, &mut placed);
        }
        self.move_vms(ports, dist_pairs.len(), &mut placed);
        self.write_hosts(&placed);
    }

    /// A new subnet for `vlan` routed by `gateways`, with an SVI on each.
    fn lan(&mut self, vlan: (u16, &'static str), gateways: [usize; 2]) -> Lan {
        let lan = Lan {
            vlan,
            gateways,
            subnet: self.endhosts.subnets,
            next: 0,
        };
        self.endhosts.subnets += 1;
        for (k, &g) in gateways.iter().enumerate() {
            let d = &mut self.devices[g];
            d.interfaces.push(InterfaceSpec {
                name: format!("Vlan{}", vlan.0),
                ip: Some(Ipv4Addr::from(lan.base() + 1 + k as u32)),
                description: None,
            });
            add_vlan_port(&mut d.vlans, vlan, None);
        }
        lan
    }

    /// Hosts on access switch `k`'s next `per_access` free ports.
    fn access_hosts(
        &mut self,
        ports: &mut AccessPorts,
        k: usize,
        per_access: usize,
        [users, voice, printers]: &mut [Lan; 3],
        servers: &mut Lan,
        placed: &mut Vec<Placed>,
    ) {
        let sw = ports.switches[k];
        let first = ports.next_port[k];
        for (j, p) in (first..=LAST_PORT).take(per_access).enumerate() {
            let port = format!("GigabitEthernet1/0/{p}");
            let at = (sw, port.clone());
            let (lan, hosts): (&mut Lan, &[EndHostKind]) = match port_use(k, j) {
                PortUse::Pc => (users, &[EndHostKind::Pc]),
                PortUse::DeskSwitch => (users, &[EndHostKind::DeskSwitchPc; 4]),
                PortUse::Printer => (printers, &[EndHostKind::Printer]),
                PortUse::Vm => (servers, &[EndHostKind::Vm]),
                PortUse::PhoneWithPc => {
                    placed.push(self.host(EndHostKind::Phone, voice, at.clone()));
                    (users, &[EndHostKind::Pc])
                }
            };
            add_vlan_port(&mut self.devices[sw].vlans, lan.vlan, Some(port));
            for &kind in hosts {
                placed.push(self.host(kind, lan, at.clone()));
            }
            ports.next_port[k] = p + 1;
        }
    }

    /// One host of `kind` in `lan` at `at`.
    fn host(&mut self, kind: EndHostKind, lan: &mut Lan, at: (usize, String)) -> Placed {
        let (slot, prefix) = oui(kind);
        let n = self.endhosts.macs[slot];
        self.endhosts.macs[slot] += 1;
        let [_, a, b, c] = n.to_be_bytes();
        let (ip, v6) = lan.address();
        let with_v6 = kind == EndHostKind::Pc && lan.next % 3 == 1;
        Placed {
            mac: [prefix[0], prefix[1], prefix[2], a, b, c],
            ip,
            ipv6: with_v6.then_some(v6),
            vlan: lan.vlan.0,
            kind,
            at,
            gateways: lan.gateways,
            also: Vec::new(),
        }
    }

    /// The VM of one access switch in sixteen is still learnt on a free
    /// port of the next access switch of its distribution pair.
    fn move_vms(&mut self, ports: &mut AccessPorts, pairs: usize, placed: &mut [Placed]) {
        for h in placed.iter_mut().filter(|h| h.kind == EndHostKind::Vm) {
            let Some(k) = ports.switches.iter().position(|&s| s == h.at.0) else {
                continue;
            };
            let to = k + pairs;
            if k % 16 != 2 || to >= ports.switches.len() || ports.next_port[to] > LAST_PORT {
                continue;
            }
            let (sw, p) = (ports.switches[to], ports.next_port[to]);
            ports.next_port[to] += 1;
            let port = format!("GigabitEthernet1/0/{p}");
            add_vlan_port(&mut self.devices[sw].vlans, SERVERS, Some(port.clone()));
            h.also.push((sw, port));
        }
    }

    /// Appends the campus's hosts to the table, by hostname.
    fn write_hosts(&mut self, placed: &[Placed]) {
        let mut table = std::mem::take(&mut self.endhosts.table);
        let name = |i: usize| self.devices[i].hostname.as_str();
        for h in placed {
            table.push(&EndHost {
                mac: h.mac,
                ip: h.ip,
                ipv6: h.ipv6,
                vlan: h.vlan,
                kind: h.kind,
                at: PortRef {
                    switch: name(h.at.0),
                    port: &h.at.1,
                },
                gateways: h.gateways.iter().map(|&g| name(g)).collect(),
                also: h
                    .also
                    .iter()
                    .map(|(s, p)| PortRef {
                        switch: name(*s),
                        port: p,
                    })
                    .collect(),
            });
        }
        self.endhosts.table = table;
    }
}

/// Puts `port` (if any) in `vlan`, creating the VLAN if the device lacks
/// it; VLANs stay sorted by number.
fn add_vlan_port(vlans: &mut Vec<VlanSpec>, vlan: (u16, &str), port: Option<String>) {
    let v = match vlans.iter().position(|v| v.id == vlan.0) {
        Some(i) => &mut vlans[i],
        None => {
            vlans.push(VlanSpec {
                id: vlan.0,
                name: vlan.1.into(),
                ports: Vec::new(),
            });
            vlans.sort_by_key(|v| v.id);
            vlans
                .iter_mut()
                .find(|v| v.id == vlan.0)
                .expect("just added")
        }
    };
    if let Some(p) = port
        && !v.ports.contains(&p)
    {
        v.ports.push(p);
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::{GenerateOptions, generate, truth};
    use crate::topology::TopologyIndex;
    use std::collections::{BTreeSet, HashMap};

    fn opts(devices: usize, per_access: usize) -> GenerateOptions {
        GenerateOptions {
            devices,
            seed: 7,
            faults: true,
            endhosts_per_access: per_access,
            ..GenerateOptions::default()
        }
    }

    /// End hosts add hosts, VLANs and SVIs, and change nothing else.
    #[test]
    fn end_hosts_leave_devices_and_links_alone() {
        let plain = generate(&opts(300, 0));
        let with = generate(&opts(300, 12));
        assert!(plain.endhosts.is_empty());
        assert!(!with.endhosts.is_empty());
        let key = |t: &crate::Topology| {
            let d: Vec<_> = t.devices.iter().map(|d| (&d.hostname, &d.serial)).collect();
            format!("{d:?}{:?}", t.links)
        };
        assert_eq!(key(&plain), key(&with));
        with.validate().expect("valid with end hosts");
        let again = crate::Topology::from_toml_str(&with.to_toml_string()).unwrap();
        assert_eq!(again, with);
    }

    /// The proof's lab: 1,000 devices, over 20,000 hosts, unique MACs, a
    /// few ambiguous ones with their candidates, desk switches with
    /// several MACs on one port.
    #[test]
    fn a_thousand_devices_carry_twenty_thousand_hosts() {
        let t = generate(&opts(1000, 32));
        let truth = truth(&t);
        assert!(truth.endhosts.len() >= 20_000, "{}", truth.endhosts.len());
        let macs: BTreeSet<&str> = truth.endhosts.iter().map(|h| h.mac.as_str()).collect();
        assert_eq!(macs.len(), truth.endhosts.len(), "a MAC repeats");
        let ambiguous: Vec<_> = truth
            .endhosts
            .iter()
            .filter(|h| !h.candidates.is_empty())
            .collect();
        // One access switch in sixteen: a few dozen of 20,000.
        assert!((10..=100).contains(&ambiguous.len()), "{}", ambiguous.len());
        for h in &ambiguous {
            assert_eq!(h.candidates.len(), 2);
            assert_eq!(
                (&h.candidates[0].switch, &h.candidates[0].port),
                (&h.switch, &h.port)
            );
            assert_ne!(h.candidates[1].switch, h.switch);
        }
        let mut per_port: HashMap<(&str, &str), usize> = HashMap::new();
        for h in &truth.endhosts {
            *per_port.entry((&h.switch, &h.port)).or_default() += 1;
        }
        assert!(per_port.values().any(|&n| n == 4), "no desk switch");
        assert!(per_port.values().any(|&n| n == 2), "no phone with a PC");
        assert!(truth.endhosts.iter().any(|h| h.ipv6.is_some()));
    }

    /// Every switch from a host's port to its gateways learns its MAC, the
    /// host's own switch on the host's port, the others on ports facing
    /// it; both gateways cache its address.
    #[test]
    fn tables_follow_each_path_to_the_gateways() {
        let t = generate(&opts(200, 8));
        let truth = truth(&t);
        let idx = TopologyIndex::new(t);
        let learnt = |dev: &str, mac: &str| -> Vec<String> {
            let i = idx.index_of(dev).unwrap();
            let tb = idx.endhosts();
            tb.macs(i)
                .iter()
                .filter(|r| crate::endhosts::colon_mac(r.mac) == mac)
                .map(|r| tb.port(i, r.port).to_string())
                .collect()
        };
        for h in &truth.endhosts {
            assert_eq!(learnt(&h.switch, &h.mac), vec![h.port.clone()], "{h:?}");
            let gateways = if h.vlan == 10 {
                ["core1", "core2"]
            } else {
                ["", ""]
            };
            let gw_macs = |g: &str| {
                let i = idx.index_of(g).unwrap();
                idx.endhosts().cached(i).filter(|c| c.ip == h.ip).count()
            };
            if h.vlan == 10 {
                for g in gateways {
                    assert_eq!(gw_macs(g), 1, "{g} lacks {h:?}");
                    let ports = learnt(g, &h.mac);
                    assert_eq!(ports.len(), 1, "{g}: {ports:?}");
                }
            }
        }
        // Uplinks carry many MACs: a distribution switch learns every host
        // of its access switches.
        let dist1 = idx.index_of("dist1").unwrap();
        assert!(idx.endhosts().macs(dist1).len() > 20);
        assert!(idx.endhosts().cached(dist1).count() > 20);
    }
}
