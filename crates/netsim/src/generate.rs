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
//! Same options and seed, same file: the generator uses its own seeded
//! ChaCha RNG and never iterates a hash map.

use crate::topology::{
    DeviceKind, DeviceSpec, Fault, LinkSpec, Protocol, Quirk, StackMember, Topology, Transports,
    VlanSpec,
};
use device_platform::Platform;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Total devices, leaves included. At least 12 (smaller asks get 12).
    pub devices: usize,
    pub seed: u64,
    pub faults: bool,
    pub username: String,
    pub password: String,
    /// First management address; devices count up from here, skipping .0 and .255.
    pub base_ip: Ipv4Addr,
    pub domain: Option<String>,
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

struct Builder {
    rng: ChaCha8Rng,
    opts: GenerateOptions,
    next_ip: u32,
    devices: Vec<DeviceSpec>,
    links: Vec<LinkSpec>,
}

const CDP_LLDP: &[Protocol] = &[Protocol::Cdp, Protocol::Lldp];
const LLDP: &[Protocol] = &[Protocol::Lldp];
const CDP: &[Protocol] = &[Protocol::Cdp];

impl Builder {
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

    fn serial(&mut self, prefix: &str) -> String {
        const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
        let mut s = prefix.to_string();
        s.push_str(&format!("{:04}", self.rng.random_range(1800..2899)));
        for _ in 0..4 {
            s.push(ALNUM[self.rng.random_range(0..ALNUM.len())] as char);
        }
        s
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
                Transports::None
            } else {
                Transports::Both
            },
            fault: None,
            quirks: Vec::new(),
            stack: Vec::new(),
            vlans: Vec::new(),
            interfaces: Vec::new(),
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

/// Builds the campus.
pub fn generate(opts: &GenerateOptions) -> Topology {
    let total = opts.devices.max(12);
    let mut b = Builder {
        rng: ChaCha8Rng::seed_from_u64(opts.seed),
        opts: opts.clone(),
        next_ip: u32::from(opts.base_ip),
        devices: Vec::new(),
        links: Vec::new(),
    };

    // Budget: 2 core + 1 firewall + 1 legacy; of the rest ~30% leaves.
    let rest = total - 4;
    let leaves = rest * 3 / 10;
    let infra = rest - leaves;
    let hosts = (infra / 20).max(1);
    let switches = infra - hosts; // distribution + access
    // One distribution pair per up to 40 access switches.
    let pairs = switches.div_ceil(42).max(1);
    let access = switches - 2 * pairs;

    // Core pair, with two parallel links between them.
    let mut core = Vec::new();
    for n in 1..=2 {
        let serial = b.serial("SAL");
        core.push(b.device(
            format!("core{n}"),
            Platform::CiscoNxos,
            DeviceKind::Switch,
            Some("core"),
            serial,
            "C93180YC-EX",
            "9.3(9)",
        ));
    }
    for p in 0..2 {
        let i = format!("Ethernet1/{}", 53 + p);
        b.link(core[0], i.clone(), core[1], i, CDP_LLDP);
    }

    // Firewall on both cores; PAN-OS speaks LLDP only.
    let fw_serial = format!("0128010{:05}", b.rng.random_range(0..99999));
    let fw = b.device(
        "fw1".into(),
        Platform::PaloaltoPanos,
        DeviceKind::Firewall,
        Some("core"),
        fw_serial,
        "PA-3220",
        "10.2.4",
    );
    b.link(
        fw,
        "ethernet1/1".into(),
        core[0],
        "Ethernet1/48".into(),
        LLDP,
    );
    b.link(
        fw,
        "ethernet1/2".into(),
        core[1],
        "Ethernet1/48".into(),
        LLDP,
    );

    // Distribution pairs.
    let mut dist_pairs = Vec::new();
    for p in 0..pairs {
        let mut pair = Vec::new();
        for side in 0..2 {
            let serial = b.serial("FDO");
            let d = b.device(
                format!("dist{}", p * 2 + side + 1),
                Platform::CiscoXe,
                DeviceKind::Switch,
                Some("distribution"),
                serial,
                "C9500-48Y4C",
                "17.9.4a",
            );
            for (c, &core_idx) in core.iter().enumerate() {
                b.link(
                    d,
                    format!("HundredGigE1/0/{}", 49 + c),
                    core_idx,
                    format!("Ethernet1/{}", 1 + p * 2 + side),
                    CDP_LLDP,
                );
            }
            pair.push(d);
        }
        // Inter-distribution link: another loop.
        b.link(
            pair[0],
            "HundredGigE1/0/52".into(),
            pair[1],
            "HundredGigE1/0/52".into(),
            CDP_LLDP,
        );
        dist_pairs.push((pair, 1usize)); // next free downlink port
    }

    // Access switches, dual-homed; every fifth is a stack.
    let mut access_idx = Vec::new();
    for n in 0..access {
        let xe = n % 2 == 1;
        let stack_size = if n % 5 == 4 { 2 + (n / 5) % 3 } else { 0 };
        let (model, version, platform) = if xe {
            ("C9300-48P", "17.9.4a", Platform::CiscoXe)
        } else {
            ("WS-C2960X-48FPD-L", "15.2(7)E4", Platform::CiscoIos)
        };
        let serial = b.serial("FOC");
        let a = b.device(
            format!("acc{}", n + 1),
            platform,
            DeviceKind::Switch,
            Some("access"),
            serial.clone(),
            model,
            version,
        );
        if stack_size > 0 {
            let mut members = Vec::new();
            for m in 1..=stack_size {
                let s = if m == 1 {
                    serial.clone()
                } else {
                    b.serial("FOC")
                };
                let mac = b.mac();
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
            b.devices[a].stack = members;
        }
        if n % 3 == 2 && !xe {
            b.devices[a].enable_secret = Some(opts.password.clone());
        }
        let (pair, port) = &mut dist_pairs[n % pairs];
        let pair = pair.clone();
        let up = |k: usize| {
            if xe {
                format!("TenGigabitEthernet1/1/{k}")
            } else {
                format!("GigabitEthernet1/0/{}", 48 + k)
            }
        };
        for (k, &dist) in pair.iter().enumerate() {
            b.link(
                a,
                up(k + 1),
                dist,
                format!("TwentyFiveGigE1/0/{}", *port),
                CDP_LLDP,
            );
        }
        *port += 1;
        access_idx.push(a);
    }

    // The legacy switch: telnet only, old IOS, enable secret.
    let legacy_serial = b.serial("CAT");
    let legacy = b.device(
        "legacy1".into(),
        Platform::CiscoIos,
        DeviceKind::Switch,
        Some("access"),
        legacy_serial,
        "WS-C3560-48PS",
        "12.2(55)SE12",
    );
    b.devices[legacy].transports = Transports::Telnet;
    b.devices[legacy].enable_secret = Some(opts.password.clone());
    {
        let (pair, port) = &mut dist_pairs[0];
        let dist = pair[0];
        b.link(
            legacy,
            "GigabitEthernet0/1".into(),
            dist,
            format!("TwentyFiveGigE1/0/{}", *port),
            CDP_LLDP,
        );
        *port += 1;
    }

    // Access-side attachments: hosts and leaves take ports 1..=40 of each
    // access switch (member 1 of stacks), round robin.
    let mut next_port = vec![1usize; access_idx.len()];
    let mut attach = |b: &mut Builder, leaf: usize, protos: &[Protocol], vlan: (u16, &str)| {
        if access_idx.is_empty() {
            return;
        }
        let k = b.rng.random_range(0..access_idx.len());
        let sw = access_idx[k];
        let port = next_port[k];
        next_port[k] += 1;
        let ifname = format!("GigabitEthernet1/0/{port}");
        let remote_if = match b.devices[leaf].kind {
            DeviceKind::Host => "eth0".to_string(),
            DeviceKind::Phone => "Port 1".to_string(),
            DeviceKind::AccessPoint => "GigabitEthernet0".to_string(),
            _ => "eth0".to_string(),
        };
        b.link(sw, ifname.clone(), leaf, remote_if, protos);
        let dev = &mut b.devices[sw];
        match dev.vlans.iter_mut().find(|v| v.id == vlan.0) {
            Some(v) => v.ports.push(ifname),
            None => dev.vlans.push(VlanSpec {
                id: vlan.0,
                name: vlan.1.into(),
                ports: vec![ifname],
            }),
        }
    };

    for n in 0..hosts {
        // VMware's real format: 16 bytes of the VM's UUID.
        let u: [u8; 16] = b.rng.random();
        let hex: Vec<String> = u.iter().map(|x| format!("{x:02x}")).collect();
        let serial = format!(
            "VMware-{} {}-{}",
            hex[..8].join(" "),
            hex[8..9].join(" "),
            hex[9..].join(" ")
        );
        let h = b.device(
            format!("srv{}", n + 1),
            Platform::Linux,
            DeviceKind::Host,
            None,
            serial,
            "VMware Virtual Platform",
            "Debian GNU/Linux 12 (bookworm)",
        );
        b.devices[h].transports = Transports::Ssh;
        // Debian installs lldpcli in /usr/sbin, outside a user's PATH.
        b.devices[h].quirks.push(Quirk::LldpcliOutsidePath);
        attach(&mut b, h, LLDP, (10, "SERVERS"));
    }

    for n in 0..leaves {
        let (kind, name, model, version, cdp_platform, protos, vlan): LeafShape = match n % 10 {
            0..=4 => {
                let mac: String = b.mac().replace('.', "").to_ascii_uppercase();
                (
                    DeviceKind::Phone,
                    format!("SEP{mac}"),
                    "CP-8845",
                    "sip88xx.14-1-1-0001-136",
                    Some("Cisco IP Phone 8845"),
                    CDP_LLDP,
                    (20, "VOICE"),
                )
            }
            5..=6 => (
                DeviceKind::AccessPoint,
                format!("ap{}", n + 1),
                "AIR-AP2802I-B-K9",
                "Cisco AP Software, ap3g3-k9w8 Version: 17.9.4.27",
                Some("cisco AIR-AP2802I-B-K9"),
                CDP,
                (30, "WIRELESS"),
            ),
            7..=8 => (
                DeviceKind::Camera,
                format!("cam{}", n + 1),
                "P3245-V",
                "AXIS P3245-V Network Camera 10.12.182",
                Some("AXIS P3245-V"),
                LLDP,
                (40, "CAMERAS"),
            ),
            _ => (
                DeviceKind::Printer,
                format!("prn{}", n + 1),
                "HP LaserJet M507",
                "HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153",
                None,
                LLDP,
                (50, "PRINTERS"),
            ),
        };
        let serial = b.serial("LEAF");
        let platform = if kind == DeviceKind::AccessPoint {
            Platform::CiscoIos
        } else {
            Platform::Linux
        };
        let l = b.device(name, platform, kind, None, serial, model, version);
        b.devices[l].cdp_platform = cdp_platform.map(str::to_string);
        attach(&mut b, l, protos, vlan);
    }

    // An empty VLAN on every access switch: real networks have them and
    // parsers must keep them.
    for &a in &access_idx {
        b.devices[a].vlans.push(VlanSpec {
            id: 99,
            name: "PARKING".into(),
            ports: Vec::new(),
        });
        b.devices[a].vlans.sort_by_key(|v| v.id);
    }

    if opts.faults {
        // One access switch per fault kind, spread over the campus.
        let step = (access_idx.len() / Fault::ALL.len()).max(1);
        for (k, fault) in Fault::ALL.iter().enumerate() {
            let Some(&a) = access_idx.get(k * step + step / 2) else {
                break;
            };
            let d = &mut b.devices[a];
            d.fault = Some(*fault);
            if *fault == Fault::AuthFail {
                d.password = format!("{}-rotated", opts.password);
            }
        }
    }

    if opts.faults {
        switch_lldp_off(&mut b.devices, &b.links, &access_idx);
    }

    Topology {
        domain: opts.domain.clone(),
        devices: b.devices,
        links: b.links,
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
    pub devices: Vec<TruthDevice>,
    pub links: Vec<TruthLink>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct TruthDevice {
    pub hostname: String,
    pub serial: String,
    pub platform: Platform,
    pub kind: DeviceKind,
    pub model: String,
    pub version: String,
    pub mgmt_ip: Ipv4Addr,
    pub transports: Transports,
    /// Something listens and logs in with the declared credentials works
    /// unless `fault` says otherwise.
    pub reachable: bool,
    pub fault: Option<Fault>,
    pub stack_members: Vec<StackMember>,
    pub vlans: Vec<VlanSpec>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct TruthLink {
    pub a: String,
    pub a_interface: String,
    pub b: String,
    pub b_interface: String,
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
                    && d.transports != Transports::None
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
    }
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
        assert_eq!(count(&|d| d.transports == Transports::Telnet), 1);
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
