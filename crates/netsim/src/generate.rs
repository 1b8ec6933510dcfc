//! A realistic campus of any size, from a seed.
//!
//! Shape: an NX-OS core pair (with parallel links between them), a PAN-OS
//! firewall on both cores, IOS-XE distribution pairs dual-homed to the core,
//! access switches (IOS and IOS-XE, some stacked) dual-homed to their
//! distribution pair (so the graph has loops a walker must not go round), a
//! telnet-only legacy switch, Linux hosts running lldpd, and phones, access
//! points, cameras and printers as CDP/LLDP leaves that never answer. With
//! `faults`, one access switch per fault kind misbehaves.
//!
//! Up to [`CAMPUS_MAX`] devices the lab is that one campus; a bigger one is
//! several sites, each such a campus with its hostnames prefixed by the site
//! (`s001-core1`), joined by WAN links between their cores (`sites`).
//!
//! Same options and seed, same file: the generator uses its own seeded
//! ChaCha RNG and never iterates a hash map.

mod delays;
mod endhosts;
mod sites;

pub use delays::DelayOptions;
pub use endhosts::MAX_PER_ACCESS as MAX_ENDHOSTS_PER_ACCESS;

use crate::topology::{
    DeviceKind, DeviceSpec, Fault, LinkSpec, Protocol, Quirk, ServedTransports, StackMember,
    Topology, VlanSpec,
};
use device_platform::Platform;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};
use std::net::Ipv4Addr;

/// The largest lab generated as one campus; a bigger one is several sites
/// of at most this many devices each.
pub const CAMPUS_MAX: usize = 1000;

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Total devices, leaves included. At least 12 (smaller asks get 12).
    pub devices: usize,
    /// Seed of the generator's RNG: the same options and seed give the same file.
    pub seed: u64,
    /// Give one access switch each fault kind (and one IOS switch LLDP off),
    /// so a walk meets every misbehaviour.
    pub faults: bool,
    /// Login name every device accepts.
    pub username: String,
    /// Password every device accepts (and the enable secret where one is set).
    pub password: String,
    /// First management address; devices count up from here, skipping .0
    /// and .255, so `devices` addresses span about `devices * 256 / 254`
    /// (50,000 devices from 127.1.0.1 end in 127.1.196.x).
    pub base_ip: Ipv4Addr,
    /// DNS domain devices append to their names in CDP/LLDP, as real ones do.
    pub domain: Option<String>,
    /// Real-world slowness to give every device that answers (drawn per
    /// device from its own seeded RNG, so the rest of the file is the same
    /// with or without it); `None`: loopback speed, no `delays` in the file.
    pub delays: Option<DelayOptions>,
    /// Host ports per access switch that get end hosts (PCs, phones,
    /// printers, VMs, desk switches; see `generate/endhosts.rs`), at most
    /// [`MAX_ENDHOSTS_PER_ACCESS`]. 0 (the default): none, and the lab is
    /// byte for byte what it was before end hosts existed.
    pub endhosts_per_access: usize,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            devices: 200,
            seed: 1,
            faults: false,
            username: "admin".into(),
            password: "admin".into(),
            base_ip: Ipv4Addr::new(127, 1, 0, 1),
            domain: Some("campus.example".into()),
            delays: None,
            endhosts_per_access: 0,
        }
    }
}

/// kind, name, model, software text, CDP platform, protocols, access VLAN.
type LeafShape = (
    DeviceKind,
    String,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [Protocol],
    (u16, &'static str),
);

/// The campus under construction; each step below adds one part of it.
struct Builder {
    /// The only source of randomness: seeded, so a seed gives one file.
    rng: ChaCha8Rng,
    /// Credentials and addressing every device gets.
    opts: GenerateOptions,
    /// Next management address to hand out (as a `u32`).
    next_ip: u32,
    /// Devices so far; steps refer to them by index.
    devices: Vec<DeviceSpec>,
    /// Links so far.
    links: Vec<LinkSpec>,
    /// Prepended to the hostnames of the site being built (`s001-`; empty
    /// for a one-campus lab), so names carry their site.
    site: String,
    /// Serials handed out: serials identify devices, so none may repeat.
    serials: HashSet<String>,
    /// Hostnames handed out: phones are named by a random MAC, which must
    /// not repeat either.
    names: HashSet<String>,
    /// End hosts so far (their table, MAC counters, subnets).
    endhosts: endhosts::EndHostState,
}

const CDP_LLDP: &[Protocol] = &[Protocol::Cdp, Protocol::Lldp];
const LLDP: &[Protocol] = &[Protocol::Lldp];
const CDP: &[Protocol] = &[Protocol::Cdp];

impl Builder {
    fn new(opts: &GenerateOptions) -> Builder {
        Builder {
            rng: ChaCha8Rng::seed_from_u64(opts.seed),
            opts: opts.clone(),
            next_ip: u32::from(opts.base_ip),
            devices: Vec::new(),
            links: Vec::new(),
            site: String::new(),
            serials: HashSet::new(),
            names: HashSet::new(),
            endhosts: endhosts::EndHostState::default(),
        }
    }

    /// `base` named for the site being built.
    fn name(&self, base: &str) -> String {
        format!("{}{base}", self.site)
    }

    fn ip(&mut self) -> Ipv4Addr {
        loop {
            let ip = Ipv4Addr::from(self.next_ip);
            self.next_ip += 1;
            let last = ip.octets()[3];
            if last != 0 && last != 255 {
                return ip;
            }
        }
    }

    /// A serial never handed out before (drawn again on a repeat).
    fn serial(&mut self, prefix: &str) -> String {
        const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
        loop {
            let mut s = prefix.to_string();
            s.push_str(&format!("{:04}", self.rng.random_range(1800..2899)));
            for _ in 0..4 {
                s.push(ALNUM[self.rng.random_range(0..ALNUM.len())] as char);
            }
            if self.serials.insert(s.clone()) {
                return s;
            }
        }
    }

    fn mac(&mut self) -> String {
        let b: [u8; 6] = self.rng.random();
        format!(
            "{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}",
            b[0] & 0xfc,
            b[1],
            b[2],
            b[3],
            b[4],
            b[5]
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn device(
        &mut self,
        hostname: String,
        platform: Platform,
        kind: DeviceKind,
        role: Option<&str>,
        serial: String,
        model: &str,
        version: &str,
    ) -> usize {
        let mgmt_ip = self.ip();
        self.names.insert(hostname.clone());
        self.devices.push(DeviceSpec {
            hostname,
            platform,
            kind,
            role: role.map(str::to_string),
            mgmt_ip,
            serial,
            model: model.to_string(),
            version: version.to_string(),
            cdp_platform: None,
            username: self.opts.username.clone(),
            password: self.opts.password.clone(),
            enable_secret: None,
            transports: if kind.is_leaf() {
                ServedTransports::None
            } else {
                ServedTransports::Both
            },
            fault: None,
            quirks: Vec::new(),
            stack: Vec::new(),
            vlans: Vec::new(),
            interfaces: Vec::new(),
            delays: None,
        });
        self.devices.len() - 1
    }

    fn link(&mut self, a: usize, ai: String, b: usize, bi: String, protocols: &[Protocol]) {
        self.links.push(LinkSpec {
            a: self.devices[a].hostname.clone(),
            a_interface: ai,
            b: self.devices[b].hostname.clone(),
            b_interface: bi,
            protocols: protocols.iter().copied().collect::<BTreeSet<_>>(),
        });
    }
}

/// Builds the lab: one campus up to [`CAMPUS_MAX`] devices, else sites.
pub fn generate(opts: &GenerateOptions) -> Topology {
    let mut b = Builder::new(opts);
    if opts.devices <= CAMPUS_MAX {
        b.campus(opts.devices, true);
    } else {
        b.sites(opts.devices);
    }
    if let Some(d) = &opts.delays {
        delays::assign(&mut b.devices, d, opts.seed);
    }
    Topology {
        domain: opts.domain.clone(),
        delays: None,
        endhosts: b.endhosts.table,
        devices: b.devices,
        links: b.links,
    }
}

impl Builder {
    /// One campus of `devices` devices (a firewall among them if
    /// `firewall`), named for the current site; returns its core pair.
    fn campus(&mut self, devices: usize, firewall: bool) -> [usize; 2] {
        let mut budget = Budget::new(devices);
        // This campus's links start here: earlier sites' links are none of
        // its business (WAN links come after every site).
        let first_link = self.links.len();
        if !firewall {
            budget.leaves += 1; // the firewall's place
        }
        // The order of the steps is the order of RNG draws and addresses: the
        // same seed gives the same file only while it stays this order.
        let core = self.core_pair();
        if firewall {
            self.firewall(&core);
        }
        let mut dist_pairs = self.distribution_pairs(&core, budget.pairs);
        let access = self.access_switches(&mut dist_pairs, budget.access);
        self.legacy_switch(&mut dist_pairs[0]);
        let mut ports = AccessPorts::new(access);
        self.hosts(&mut ports, budget.hosts);
        self.leaves(&mut ports, budget.leaves);
        self.end_hosts(&mut ports, &dist_pairs, &core);
        let access = ports.switches;
        self.parking_vlans(&access);
        if self.opts.faults {
            self.spread_faults(&access);
            switch_lldp_off(&mut self.devices, &self.links[first_link..], &access);
        }
        core
    }
}

/// How many devices of each kind a campus of a given size gets.
struct Budget {
    /// Phones, access points, cameras, printers: about 30% of the rest.
    leaves: usize,
    /// Linux servers: one per 20 infrastructure devices, at least one.
    hosts: usize,
    /// Distribution pairs: one per up to 40 access switches.
    pairs: usize,
    /// Access switches (the legacy switch not counted).
    access: usize,
}

impl Budget {
    fn new(devices: usize) -> Budget {
        let total = devices.max(12);
        // Budget: 2 core + 1 firewall + 1 legacy; of the rest ~30% leaves.
        let rest = total - 4;
        let leaves = rest * 3 / 10;
        let infra = rest - leaves;
        let hosts = (infra / 20).max(1);
        let switches = infra - hosts; // distribution + access
        // One distribution pair per up to 40 access switches.
        let pairs = switches.div_ceil(42).max(1);
        Budget {
            leaves,
            hosts,
            pairs,
            access: switches - 2 * pairs,
        }
    }
}

/// A distribution pair and where its next access switch plugs in.
struct DistPair {
    /// The two distribution switches (device indices).
    switches: [usize; 2],
    /// Next free downlink port number, the same on both switches.
    next_port: usize,
}

/// The access switches hosts and leaves attach to, and each one's next
/// free port (ports 1..=40, member 1 of stacks).
struct AccessPorts {
    /// Access switch device indices, in creation order.
    switches: Vec<usize>,
    /// Next free port number per access switch (same order).
    next_port: Vec<usize>,
}

impl AccessPorts {
    fn new(switches: Vec<usize>) -> AccessPorts {
        let next_port = vec![1usize; switches.len()];
        AccessPorts {
            switches,
            next_port,
        }
    }
}

impl Builder {
    /// Core pair, with two parallel links between them.
    fn core_pair(&mut self) -> [usize; 2] {
        let mut core = [0; 2];
        for (n, slot) in (1..=2).zip(&mut core) {
            let serial = self.serial("SAL");
            *slot = self.device(
                self.name(&format!("core{n}")),
                Platform::CiscoNxos,
                DeviceKind::Switch,
                Some("core"),
                serial,
                "C93180YC-EX",
                "9.3(9)",
            );
        }
        for p in 0..2 {
            let i = format!("Ethernet1/{}", 53 + p);
            self.link(core[0], i.clone(), core[1], i, CDP_LLDP);
        }
        core
    }

    /// Firewall on both cores; PAN-OS speaks LLDP only.
    fn firewall(&mut self, core: &[usize; 2]) {
        let fw_serial = loop {
            let s = format!("0128010{:05}", self.rng.random_range(0..99999));
            if self.serials.insert(s.clone()) {
                break s;
            }
        };
        let fw = self.device(
            self.name("fw1"),
            Platform::PaloaltoPanos,
            DeviceKind::Firewall,
            Some("core"),
            fw_serial,
            "PA-3220",
            "10.2.4",
        );
        for (k, &c) in core.iter().enumerate() {
            let port = format!("ethernet1/{}", k + 1);
            self.link(fw, port, c, "Ethernet1/48".into(), LLDP);
        }
    }

    /// Distribution pairs, each switch dual-homed to the core and linked to
    /// its partner: loops a walker must not go round.
    fn distribution_pairs(&mut self, core: &[usize; 2], pairs: usize) -> Vec<DistPair> {
        let mut out = Vec::new();
        for p in 0..pairs {
            let mut pair = [0; 2];
            for (side, slot) in pair.iter_mut().enumerate() {
                let serial = self.serial("FDO");
                let d = self.device(
                    self.name(&format!("dist{}", p * 2 + side + 1)),
                    Platform::CiscoXe,
                    DeviceKind::Switch,
                    Some("distribution"),
                    serial,
                    "C9500-48Y4C",
                    "17.9.4a",
                );
                for (c, &core_idx) in core.iter().enumerate() {
                    self.link(
                        d,
                        format!("HundredGigE1/0/{}", 49 + c),
                        core_idx,
                        format!("Ethernet1/{}", 1 + p * 2 + side),
                        CDP_LLDP,
                    );
                }
                *slot = d;
            }
            // Inter-distribution link: another loop.
            let uplink = "HundredGigE1/0/52";
            self.link(pair[0], uplink.into(), pair[1], uplink.into(), CDP_LLDP);
            out.push(DistPair {
                switches: pair,
                next_port: 1,
            });
        }
        out
    }

    /// Access switches, dual-homed, round robin over the distribution pairs.
    fn access_switches(&mut self, dist_pairs: &mut [DistPair], access: usize) -> Vec<usize> {
        let pairs = dist_pairs.len();
        (0..access)
            .map(|n| self.access_switch(n, &mut dist_pairs[n % pairs]))
            .collect()
    }

    /// Access switch `n`: IOS and IOS-XE alternate; every fifth is a stack;
    /// every third IOS one has an enable secret.
    fn access_switch(&mut self, n: usize, dist: &mut DistPair) -> usize {
        let xe = n % 2 == 1;
        let stack_size = if n % 5 == 4 { 2 + (n / 5) % 3 } else { 0 };
        let (model, version, platform) = if xe {
            ("C9300-48P", "17.9.4a", Platform::CiscoXe)
        } else {
            ("WS-C2960X-48FPD-L", "15.2(7)E4", Platform::CiscoIos)
        };
        let serial = self.serial("FOC");
        let a = self.device(
            self.name(&format!("acc{}", n + 1)),
            platform,
            DeviceKind::Switch,
            Some("access"),
            serial.clone(),
            model,
            version,
        );
        if stack_size > 0 {
            self.devices[a].stack = self.stack_members(stack_size, model, serial);
        }
        if n % 3 == 2 && !xe {
            self.devices[a].enable_secret = Some(self.opts.password.clone());
        }
        let up = |k: usize| {
            if xe {
                format!("TenGigabitEthernet1/1/{k}")
            } else {
                format!("GigabitEthernet1/0/{}", 48 + k)
            }
        };
        for (k, &d) in dist.switches.iter().enumerate() {
            let down = format!("TwentyFiveGigE1/0/{}", dist.next_port);
            self.link(a, up(k + 1), d, down, CDP_LLDP);
        }
        dist.next_port += 1;
        a
    }

    /// A stack of `size` members; member 1 (active) has the switch's serial.
    fn stack_members(&mut self, size: usize, model: &str, serial: String) -> Vec<StackMember> {
        let mut members = Vec::new();
        for m in 1..=size {
            let s = if m == 1 {
                serial.clone()
            } else {
                self.serial("FOC")
            };
            let mac = self.mac();
            members.push(StackMember {
                switch: m as u32,
                role: match m {
                    1 => "active",
                    2 => "standby",
                    _ => "member",
                }
                .into(),
                model: model.into(),
                serial: s,
                mac,
                priority: if m == 1 { 15 } else { 14 - m as u32 },
            });
        }
        members
    }

    /// The legacy switch: telnet only, old IOS, enable secret, single-homed.
    fn legacy_switch(&mut self, dist: &mut DistPair) {
        let legacy_serial = self.serial("CAT");
        let legacy = self.device(
            self.name("legacy1"),
            Platform::CiscoIos,
            DeviceKind::Switch,
            Some("access"),
            legacy_serial,
            "WS-C3560-48PS",
            "12.2(55)SE12",
        );
        self.devices[legacy].transports = ServedTransports::Telnet;
        self.devices[legacy].enable_secret = Some(self.opts.password.clone());
        let down = format!("TwentyFiveGigE1/0/{}", dist.next_port);
        let uplink = "GigabitEthernet0/1".into();
        self.link(legacy, uplink, dist.switches[0], down, CDP_LLDP);
        dist.next_port += 1;
    }

    /// Plugs `leaf` into the next free port of a random access switch and
    /// puts that port in `vlan`. Nothing happens in a campus without access
    /// switches.
    fn attach(
        &mut self,
        ports: &mut AccessPorts,
        leaf: usize,
        protos: &[Protocol],
        vlan: (u16, &str),
    ) {
        if ports.switches.is_empty() {
            return;
        }
        let k = self.rng.random_range(0..ports.switches.len());
        let sw = ports.switches[k];
        let port = ports.next_port[k];
        ports.next_port[k] += 1;
        let ifname = format!("GigabitEthernet1/0/{port}");
        let remote_if = match self.devices[leaf].kind {
            DeviceKind::Host => "eth0".to_string(),
            DeviceKind::Phone => "Port 1".to_string(),
            DeviceKind::AccessPoint => "GigabitEthernet0".to_string(),
            _ => "eth0".to_string(),
        };
        self.link(sw, ifname.clone(), leaf, remote_if, protos);
        let dev = &mut self.devices[sw];
        match dev.vlans.iter_mut().find(|v| v.id == vlan.0) {
            Some(v) => v.ports.push(ifname),
            None => dev.vlans.push(VlanSpec {
                id: vlan.0,
                name: vlan.1.into(),
                ports: vec![ifname],
            }),
        }
    }

    /// Linux servers running lldpd, SSH only, in the SERVERS VLAN.
    fn hosts(&mut self, ports: &mut AccessPorts, hosts: usize) {
        for n in 0..hosts {
            // VMware's real format: 16 bytes of the VM's UUID.
            let u: [u8; 16] = self.rng.random();
            let hex: Vec<String> = u.iter().map(|x| format!("{x:02x}")).collect();
            let serial = format!(
                "VMware-{} {}-{}",
                hex[..8].join(" "),
                hex[8..9].join(" "),
                hex[9..].join(" ")
            );
            let h = self.device(
                self.name(&format!("srv{}", n + 1)),
                Platform::Linux,
                DeviceKind::Host,
                None,
                serial,
                "VMware Virtual Platform",
                "Debian GNU/Linux 12 (bookworm)",
            );
            self.devices[h].transports = ServedTransports::Ssh;
            // Debian installs lldpcli in /usr/sbin, outside a user's PATH.
            self.devices[h].quirks.push(Quirk::LldpcliOutsidePath);
            self.attach(ports, h, LLDP, (10, "SERVERS"));
        }
    }

    /// Phones, access points, cameras and printers (5:2:2:1).
    fn leaves(&mut self, ports: &mut AccessPorts, leaves: usize) {
        for n in 0..leaves {
            let (kind, name, model, version, cdp_platform, protos, vlan) = self.leaf_shape(n);
            let serial = self.serial("LEAF");
            let platform = if kind == DeviceKind::AccessPoint {
                Platform::CiscoIos
            } else {
                Platform::Linux
            };
            let l = self.device(name, platform, kind, None, serial, model, version);
            self.devices[l].cdp_platform = cdp_platform.map(str::to_string);
            self.attach(ports, l, protos, vlan);
        }
    }

    /// What leaf `n` is.
    fn leaf_shape(&mut self, n: usize) -> LeafShape {
        match n % 10 {
            0..=4 => {
                // Phones keep their real names (no site): a repeat is drawn again.
                let name = loop {
                    let mac: String = self.mac().replace('.', "").to_ascii_uppercase();
                    let name = format!("SEP{mac}");
                    if !self.names.contains(&name) {
                        break name;
                    }
                };
                (
                    DeviceKind::Phone,
                    name,
                    "CP-8845",
                    "sip88xx.14-1-1-0001-136",
                    Some("Cisco IP Phone 8845"),
                    CDP_LLDP,
                    (20, "VOICE"),
                )
            }
            5..=6 => (
                DeviceKind::AccessPoint,
                self.name(&format!("ap{}", n + 1)),
                "AIR-AP2802I-B-K9",
                "Cisco AP Software, ap3g3-k9w8 Version: 17.9.4.27",
                Some("cisco AIR-AP2802I-B-K9"),
                CDP,
                (30, "WIRELESS"),
            ),
            7..=8 => (
                DeviceKind::Camera,
                self.name(&format!("cam{}", n + 1)),
                "P3245-V",
                "AXIS P3245-V Network Camera 10.12.182",
                Some("AXIS P3245-V"),
                LLDP,
                (40, "CAMERAS"),
            ),
            _ => (
                DeviceKind::Printer,
                self.name(&format!("prn{}", n + 1)),
                "HP LaserJet M507",
                "HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153",
                None,
                LLDP,
                (50, "PRINTERS"),
            ),
        }
    }

    /// An empty VLAN on every access switch: real networks have them and
    /// parsers must keep them.
    fn parking_vlans(&mut self, access: &[usize]) {
        for &a in access {
            self.devices[a].vlans.push(VlanSpec {
                id: 99,
                name: "PARKING".into(),
                ports: Vec::new(),
            });
            self.devices[a].vlans.sort_by_key(|v| v.id);
        }
    }

    /// One access switch per fault kind, spread over the campus.
    fn spread_faults(&mut self, access: &[usize]) {
        let step = (access.len() / Fault::ALL.len()).max(1);
        for (k, fault) in Fault::ALL.iter().enumerate() {
            let Some(&a) = access.get(k * step + step / 2) else {
                break;
            };
            let d = &mut self.devices[a];
            d.fault = Some(*fault);
            if *fault == Fault::AuthFail {
                d.password = format!("{}-rotated", self.opts.password);
            }
        }
    }
}

/// Switches LLDP off (`no lldp run`) on one healthy IOS access switch whose
/// every link also runs CDP, so the network loses no link but the walk must
/// say that the switch could not answer for LLDP.
fn switch_lldp_off(devices: &mut [DeviceSpec], links: &[LinkSpec], access: &[usize]) {
    let all_links_run_cdp = |name: &str| {
        links
            .iter()
            .filter(|l| l.a == name || l.b == name)
            .all(|l| l.protocols.contains(&Protocol::Cdp))
    };
    let chosen = access.iter().rev().copied().find(|&a| {
        let d = &devices[a];
        d.fault.is_none() && d.platform == Platform::CiscoIos && all_links_run_cdp(&d.hostname)
    });
    if let Some(a) = chosen {
        devices[a].quirks.push(Quirk::LldpDisabled);
    }
}

/// Ground truth in the shape of netwalker's `inventory.json`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Truth {
    /// Every device, leaves included, in topology order.
    pub devices: Vec<TruthDevice>,
    /// Every link, with the protocols it is really seen over.
    pub links: Vec<TruthLink>,
    /// Every end host and where it is; absent for labs without them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endhosts: Vec<TruthEndHost>,
}

/// An end host as a walk should locate it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct TruthEndHost {
    /// Its MAC, `aa:bb:cc:dd:ee:ff`.
    pub mac: String,
    /// Its IPv4 address (in its gateways' ARP caches).
    pub ip: Ipv4Addr,
    /// Its IPv6 address, when its gateways' neighbour caches hold one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<std::net::Ipv6Addr>,
    /// The access switch it is plugged into.
    pub switch: String,
    /// That switch's port, long form.
    pub port: String,
    /// Its VLAN.
    pub vlan: u16,
    /// PC, phone, printer, VM or PC behind a desk switch.
    pub kind: crate::endhosts::EndHostKind,
    /// Every edge port its MAC is learnt on, `switch`/`port` first, when
    /// there are several (a VM that moved): a walk cannot tell which is
    /// current and must report them all. Empty when unambiguous.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<TruthPort>,
}

/// A switch port in the truth.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct TruthPort {
    /// The switch's hostname.
    pub switch: String,
    /// Its port, long form.
    pub port: String,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct TruthDevice {
    /// The name the device answers to (its identity in inventory.json).
    pub hostname: String,
    /// Chassis serial (member 1's for stacks) a walk should report.
    pub serial: String,
    /// The CLI family a walk should detect.
    pub platform: Platform,
    /// Switch, router, firewall, host or leaf.
    pub kind: DeviceKind,
    /// Hardware model a walk should report.
    pub model: String,
    /// Software version a walk should report.
    pub version: String,
    /// The address the device is served and advertised on.
    pub mgmt_ip: Ipv4Addr,
    /// What the device serves: a telnet-only device is walked over telnet.
    pub transports: ServedTransports,
    /// Something listens and logs in with the declared credentials works
    /// unless `fault` says otherwise.
    pub reachable: bool,
    /// The misbehaviour, if any, that explains a failed or partial walk.
    pub fault: Option<Fault>,
    /// Stack members a walk should list under the device.
    pub stack_members: Vec<StackMember>,
    /// VLANs a walk should report, empty ones included.
    pub vlans: Vec<VlanSpec>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct TruthLink {
    /// Hostname of one end.
    pub a: String,
    /// That end's interface, in its long form.
    pub a_interface: String,
    /// Hostname of the other end.
    pub b: String,
    /// The other end's interface.
    pub b_interface: String,
    /// Protocols the two ends really see each other over (quirks applied);
    /// empty when quirks hide the link from any walk.
    pub protocols: BTreeSet<Protocol>,
}

pub fn truth(topo: &Topology) -> Truth {
    let by_name: std::collections::HashMap<&str, &DeviceSpec> = topo
        .devices
        .iter()
        .map(|d| (d.hostname.as_str(), d))
        .collect();
    Truth {
        devices: topo
            .devices
            .iter()
            .map(|d| TruthDevice {
                hostname: d.hostname.clone(),
                serial: d.serial.clone(),
                platform: d.platform,
                kind: d.kind,
                model: d.model.clone(),
                version: d.version.clone(),
                mgmt_ip: d.mgmt_ip,
                transports: d.transports,
                reachable: !d.kind.is_leaf()
                    && d.transports != ServedTransports::None
                    && d.fault != Some(Fault::RefuseAll),
                fault: d.fault,
                stack_members: d.stack.clone(),
                vlans: d.vlans.clone(),
            })
            .collect(),
        links: topo
            .links
            .iter()
            .map(|l| TruthLink {
                a: l.a.clone(),
                a_interface: l.a_interface.clone(),
                b: l.b.clone(),
                b_interface: l.b_interface.clone(),
                protocols: match (by_name.get(l.a.as_str()), by_name.get(l.b.as_str())) {
                    (Some(a), Some(b)) => l.effective_protocols(a, b),
                    _ => BTreeSet::new(),
                },
            })
            .collect(),
        endhosts: truth_endhosts(&topo.endhosts),
    }
}

/// The end-host table as truth records (lines that do not parse are left
/// out: a served lab refuses them anyway).
fn truth_endhosts(table: &crate::endhosts::EndHostTable) -> Vec<TruthEndHost> {
    let port = |p: &crate::endhosts::PortRef<'_>| TruthPort {
        switch: p.switch.to_string(),
        port: p.port.to_string(),
    };
    table
        .hosts()
        .flatten()
        .map(|(_, h)| TruthEndHost {
            mac: crate::endhosts::colon_mac(h.mac),
            ip: h.ip,
            ipv6: h.ipv6,
            switch: h.at.switch.to_string(),
            port: h.at.port.to_string(),
            vlan: h.vlan,
            kind: h.kind,
            candidates: if h.also.is_empty() {
                Vec::new()
            } else {
                std::iter::once(&h.at).chain(&h.also).map(port).collect()
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Command, render};
    use crate::topology::TopologyIndex;

    fn opts(n: usize, faults: bool) -> GenerateOptions {
        GenerateOptions {
            devices: n,
            seed: 7,
            faults,
            ..GenerateOptions::default()
        }
    }

    #[test]
    fn same_seed_same_file_and_sizes_are_honoured() {
        let a = generate(&opts(300, true)).to_toml_string();
        let b = generate(&opts(300, true)).to_toml_string();
        assert_eq!(a, b);
        let c = generate(&GenerateOptions {
            seed: 8,
            ..opts(300, true)
        })
        .to_toml_string();
        assert_ne!(a, c);
        for n in [12, 50, 200, 1000] {
            let t = generate(&opts(n, false));
            assert_eq!(t.devices.len(), n);
            t.validate().expect("generated topology is valid");
            // Serials identify devices: no two may share one.
            let serials: std::collections::BTreeSet<&str> =
                t.devices.iter().map(|d| d.serial.as_str()).collect();
            assert_eq!(serials.len(), n, "duplicate serials in a {n}-device lab");
        }
    }

    /// FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
    fn fnv1a(text: &str) -> u64 {
        text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    /// The generator's output for fixed seeds, pinned: a refactoring of
    /// `generate` must not change a single byte of the file it writes.
    #[test]
    fn fixed_seeds_give_the_pinned_topology() {
        // Counts and hash computed from the generator before it was split
        // into named steps.
        for (n, faults, links, hash) in [
            (300, true, 504, 0x5617_d181_224c_33a3_u64),
            (1000, false, 1681, 0xd8bd_5d97_5a9e_53f1),
            (12, false, 19, 0xa1a3_1fd2_4606_363a),
        ] {
            let t = generate(&opts(n, faults));
            assert_eq!(
                (t.devices.len(), t.links.len(), fnv1a(&t.to_toml_string())),
                (n, links, hash),
                "{n} devices, faults {faults}: the generated file changed"
            );
        }
    }

    #[test]
    fn campus_has_every_ingredient() {
        let t = generate(&opts(1000, true));
        let count = |p: &dyn Fn(&DeviceSpec) -> bool| t.devices.iter().filter(|d| p(d)).count();
        assert_eq!(count(&|d| d.role.as_deref() == Some("core")), 3);
        assert_eq!(count(&|d| d.platform == Platform::PaloaltoPanos), 1);
        assert!(count(&|d| d.role.as_deref() == Some("distribution")) >= 2);
        assert!(count(&|d| !d.stack.is_empty()) > 10);
        assert_eq!(count(&|d| d.transports == ServedTransports::Telnet), 1);
        assert!(count(&|d| d.kind == DeviceKind::Host) >= 1);
        for kind in [
            DeviceKind::Phone,
            DeviceKind::AccessPoint,
            DeviceKind::Camera,
            DeviceKind::Printer,
        ] {
            assert!(count(&|d| d.kind == kind) > 0, "{kind:?}");
        }
        for f in Fault::ALL {
            assert_eq!(count(&|d| d.fault == Some(f)), 1, "{f:?}");
        }
        assert_eq!(count(&|d| d.quirks.contains(&Quirk::LldpDisabled)), 1);
        assert_eq!(
            count(&|d| d.quirks.contains(&Quirk::LldpcliOutsidePath)),
            count(&|d| d.kind == DeviceKind::Host)
        );
        // Switching LLDP off hides no link: every one still runs some protocol.
        for l in &t.links {
            let end = |n: &str| t.device(n).unwrap();
            assert!(
                !l.effective_protocols(end(&l.a), end(&l.b)).is_empty(),
                "{l:?}"
            );
        }
        // Loops: more links than a tree would have.
        assert!(t.links.len() >= t.devices.len());
    }

    /// Every link's two ends must tell the same story in the rendered output.
    #[test]
    fn every_link_is_seen_from_both_ends() {
        let t = generate(&opts(200, false));
        let idx = TopologyIndex::new(t.clone());
        for l in &t.links {
            for (me, my_if, them, their_if) in [
                (&l.a, &l.a_interface, &l.b, &l.b_interface),
                (&l.b, &l.b_interface, &l.a, &l.a_interface),
            ] {
                let i = idx.index_of(me).unwrap();
                let d = idx.device(i);
                if d.kind.is_leaf() || d.platform == Platform::PaloaltoPanos {
                    continue; // no CLI for these neighbour tables
                }
                let them_dev = idx.device(idx.index_of(them).unwrap());
                if l.protocols.contains(&Protocol::Cdp) && d.platform != Platform::Linux {
                    let out = render(&idx, i, Command::ShowCdpNeighborsDetail).unwrap();
                    let needle = if d.platform == Platform::CiscoNxos {
                        format!("Interface: {my_if}, Port ID (outgoing port): {their_if}")
                    } else {
                        format!("Interface: {my_if},  Port ID (outgoing port): {their_if}")
                    };
                    assert!(out.contains(&needle), "{me}: CDP lacks {needle}");
                    assert!(out.contains(&them_dev.mgmt_ip.to_string()));
                }
                if l.protocols.contains(&Protocol::Lldp) {
                    let cmd = if d.platform == Platform::Linux {
                        Command::LldpcliJson
                    } else {
                        Command::ShowLldpNeighborsDetail
                    };
                    let out = render(&idx, i, cmd).unwrap();
                    assert!(out.contains(&them_dev.hostname), "{me}: LLDP lacks {them}");
                    assert!(out.contains(&them_dev.mgmt_ip.to_string()));
                }
            }
        }
    }

    /// Beyond one campus: sites that pass the serve-time validation, every
    /// device reachable over links from the first core, names carrying
    /// their site, one of each fault per site, a truth with every device
    /// and link.
    #[test]
    fn big_labs_are_valid_sites() {
        for (n, sites) in [(1500, 2), (5000, 5), (20_000, 20)] {
            let t = generate(&opts(n, true));
            assert_eq!(t.devices.len(), n);
            t.validate().expect("generated topology is valid");
            let serials: BTreeSet<&str> = t.devices.iter().map(|d| d.serial.as_str()).collect();
            assert_eq!(serials.len(), n, "duplicate serials in a {n}-device lab");
            let cores: Vec<&str> = t
                .devices
                .iter()
                .map(|d| d.hostname.as_str())
                .filter(|h| h.ends_with("-core1"))
                .collect();
            assert_eq!(cores.len(), sites, "{n}");
            assert_eq!(cores[0], "s001-core1");
            for d in &t.devices {
                let site = d.hostname.get(..5).unwrap_or("");
                assert!(
                    d.kind == DeviceKind::Phone
                        || (site.starts_with('s') && d.hostname[1..4].parse::<u32>().is_ok()),
                    "{} carries no site",
                    d.hostname
                );
            }
            let faulty = t.devices.iter().filter(|d| d.fault.is_some()).count();
            assert_eq!(faulty, sites * Fault::ALL.len(), "{n}");
            assert_eq!(unreached_from(&t, "s001-core1"), Vec::<String>::new());
            let truth = truth(&t);
            assert_eq!(truth.devices.len(), n);
            assert_eq!(truth.links.len(), t.links.len());
            assert!(truth.links.iter().all(|l| !l.protocols.is_empty()));
            let walkable = truth.devices.iter().filter(|d| d.reachable).count();
            assert!(walkable > n / 2, "{n}: only {walkable} walkable");
        }
    }

    /// Hostnames no chain of links reaches from `start`.
    fn unreached_from(t: &Topology, start: &str) -> Vec<String> {
        let idx = TopologyIndex::new(t.clone());
        let mut seen = vec![false; t.devices.len()];
        let mut queue = vec![idx.index_of(start).unwrap()];
        seen[queue[0]] = true;
        while let Some(i) = queue.pop() {
            for end in idx.link_ends(i) {
                let j = idx.index_of(&end.remote.hostname).unwrap();
                if !std::mem::replace(&mut seen[j], true) {
                    queue.push(j);
                }
            }
        }
        let unreached = t.devices.iter().zip(&seen).filter(|(_, s)| !**s);
        unreached.map(|(d, _)| d.hostname.clone()).collect()
    }

    #[test]
    fn truth_marks_leaves_and_refusers_unreachable() {
        let t = generate(&opts(100, true));
        let truth = truth(&t);
        assert_eq!(truth.devices.len(), 100);
        assert_eq!(truth.links.len(), t.links.len());
        for d in &truth.devices {
            let leaf = d.kind.is_leaf();
            assert_eq!(
                d.reachable,
                !leaf && d.fault != Some(Fault::RefuseAll),
                "{}",
                d.hostname
            );
        }
        let json = serde_json::to_value(&truth).unwrap();
        assert!(json["devices"][0]["mgmt_ip"].is_string());
        assert!(json["links"][0]["protocols"].is_array());
    }
}
