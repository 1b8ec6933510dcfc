//! The topology file: the ground truth a simulated network serves and a
//! discovery run is compared against.
//!
//! One TOML file describes devices, the links between their interfaces, stack
//! members, VLANs and per-device faults. Everything a device prints (CDP/LLDP
//! neighbours on both ends of a link, inventories, VLAN tables) is derived from
//! this file, so the two ends of a link can never disagree.

use crate::delays::Delays;
use crate::endhosts::EndHostTable;
use crate::endhosts::tables::EndHostTables;
use device_platform::Platform;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;
use std::path::Path;

/// A whole simulated network.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    /// DNS domain appended to hostnames in CDP/LLDP system names (`core1.campus.example`),
    /// as real devices with `ip domain-name` do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// How slow every device is that has no `[device.delays]` of its own
    /// (`[delays]`); none: answers as fast as loopback allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delays: Option<Delays>,
    /// End hosts behind access ports, one line each (see [`crate::endhosts`]):
    /// they fill MAC tables and ARP caches; absent from labs without them.
    #[serde(default, skip_serializing_if = "EndHostTable::is_empty")]
    pub endhosts: EndHostTable,
    /// Every device, network and leaf (`[[device]]` tables).
    #[serde(default, rename = "device")]
    pub devices: Vec<DeviceSpec>,
    /// Every physical link (`[[link]]` tables).
    #[serde(default, rename = "link")]
    pub links: Vec<LinkSpec>,
}

/// What kind of thing a device is. Network devices speak a CLI; leaf kinds
/// (phones, access points, cameras, printers) only show up as CDP/LLDP
/// neighbours and never listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    #[default]
    Switch,
    Router,
    Firewall,
    Host,
    Phone,
    AccessPoint,
    Camera,
    Printer,
}

impl DeviceKind {
    /// Leaf kinds have no CLI: they exist only as neighbours.
    pub fn is_leaf(self) -> bool {
        matches!(
            self,
            DeviceKind::Phone | DeviceKind::AccessPoint | DeviceKind::Camera | DeviceKind::Printer
        )
    }
}

/// Which transports the simulated device serves (the topology file's
/// `transports` key). Not to be confused with device-session's
/// `Transports`, which is what a client is willing to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ServedTransports {
    Ssh,
    Telnet,
    #[default]
    Both,
    /// Nothing listens (leaf devices, or a device that is simply down).
    None,
}

impl ServedTransports {
    pub fn ssh(self) -> bool {
        matches!(self, ServedTransports::Ssh | ServedTransports::Both)
    }
    pub fn telnet(self) -> bool {
        matches!(self, ServedTransports::Telnet | ServedTransports::Both)
    }
}

/// Misbehaviours real devices show and real tools trip on. One per device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Rejects the credentials the topology declares (as if the password changed).
    AuthFail,
    /// Accepts TCP, then never sends the SSH identification line or a telnet prompt.
    NoBanner,
    /// Authenticates, then never sends a prompt.
    NoPrompt,
    /// Long outputs stop half-way and the device goes silent (connection stays up).
    StopMidOutput,
    /// Output trickles out in small chunks with delays.
    SlowOutput,
    /// The TCP connection is dropped in the middle of a long command's output.
    DropMidCommand,
    /// `show` commands answer with garbage bytes (then a normal prompt).
    GarbageOutput,
    /// SSH refused (nothing listens), telnet works.
    TelnetOnly,
    /// Nothing listens at all.
    RefuseAll,
    /// The login banner contains `#` and `>` characters and prompt-like lines.
    BannerWithPromptChars,
    /// Every `show` command except `show version` (which login and platform
    /// detection need) answers with output that never ends and never
    /// prompts, e.g. the neighbour commands a walk runs next.
    EndlessOutput,
    /// SSH offers only legacy algorithms (diffie-hellman-group1/14-sha1,
    /// an `ssh-rsa` host key, aes-cbc, hmac-sha1), like old IOS images.
    LegacySshOnly,
    /// The SSH host key is ECDSA (nistp256) instead of the lab's Ed25519
    /// key: a known host presenting a key of another algorithm.
    EcdsaHostKey,
}

impl Fault {
    /// The faults the campus generator spreads over access switches (one
    /// each). Faults for targeted tests only (`endless_output`, `legacy_ssh_only`, `ecdsa_host_key`) are
    /// not in it: a generated walk would spend its time on them.
    pub const ALL: [Fault; 10] = [
        Fault::AuthFail,
        Fault::NoBanner,
        Fault::NoPrompt,
        Fault::StopMidOutput,
        Fault::SlowOutput,
        Fault::DropMidCommand,
        Fault::GarbageOutput,
        Fault::TelnetOnly,
        Fault::RefuseAll,
        Fault::BannerWithPromptChars,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Fault::AuthFail => "auth_fail",
            Fault::NoBanner => "no_banner",
            Fault::NoPrompt => "no_prompt",
            Fault::StopMidOutput => "stop_mid_output",
            Fault::SlowOutput => "slow_output",
            Fault::DropMidCommand => "drop_mid_command",
            Fault::GarbageOutput => "garbage_output",
            Fault::TelnetOnly => "telnet_only",
            Fault::RefuseAll => "refuse_all",
            Fault::BannerWithPromptChars => "banner_with_prompt_chars",
            Fault::EndlessOutput => "endless_output",
            Fault::LegacySshOnly => "legacy_ssh_only",
            Fault::EcdsaHostKey => "ecdsa_host_key",
        }
    }
}

/// How a device is configured, where real devices differ from the default
/// and real tools lose data silently. Unlike a [`Fault`], a device may have
/// several, and each is a normal, working configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quirk {
    /// LLDP is off (`no lldp run`): the device neither advertises LLDP nor
    /// lists LLDP neighbours; IOS answers `% LLDP is not enabled`, NX-OS
    /// (no `feature lldp`) does not know the command.
    LldpDisabled,
    /// CDP is off (`no cdp run`): not advertised, `% CDP is not enabled`.
    CdpDisabled,
    /// Linux: `lldpcli` lives in `/usr/sbin`, which the login shell's PATH
    /// does not include (Debian's default for non-root users): a bare
    /// `lldpcli` is "command not found".
    LldpcliOutsidePath,
    /// Linux: lldpd is not installed, so `lldpcli` is not found anywhere
    /// and the host advertises no LLDP.
    NoLldpd,
}

impl Quirk {
    /// Whether a device with this quirk still advertises `p` on its links.
    pub fn silences(self, p: Protocol) -> bool {
        matches!(
            (self, p),
            (Quirk::LldpDisabled | Quirk::NoLldpd, Protocol::Lldp)
                | (Quirk::CdpDisabled, Protocol::Cdp)
        )
    }
}

/// A stack (or VSS) member of a switch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StackMember {
    /// Member number, as `show switch` lists it.
    pub switch: u32,
    /// `active`, `standby` or `member`.
    pub role: String,
    /// Hardware model of this member.
    pub model: String,
    /// Serial of this member: stacks report one per member.
    pub serial: String,
    /// Member MAC (dotted Cisco form) for `show switch`.
    pub mac: String,
    /// Stack priority, as `show switch` prints it.
    #[serde(default = "default_priority")]
    pub priority: u32,
}

fn default_priority() -> u32 {
    1
}

/// A VLAN and the access ports in it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VlanSpec {
    /// VLAN number.
    pub id: u16,
    /// VLAN name, as `show vlan` prints it.
    pub name: String,
    /// Access ports in the VLAN (long interface names); may be empty.
    #[serde(default)]
    pub ports: Vec<String>,
}

/// An interface that is not a link end (SVIs, loopbacks, unused ports).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InterfaceSpec {
    /// Interface name (long form).
    pub name: String,
    /// Its address, if any (`show ip interface brief`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<Ipv4Addr>,
    /// Its description, if configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One simulated device.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DeviceSpec {
    /// The device's name: its prompt, its CDP/LLDP name, the key links use.
    pub hostname: String,
    /// The CLI the device speaks. Leaf devices still name one for their
    /// CDP/LLDP text but never serve it.
    pub platform: Platform,
    /// Network device or leaf; leaves never listen.
    #[serde(default)]
    pub kind: DeviceKind,
    /// Network role for layout and the generator: core, distribution, access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The loopback address the device listens and is advertised on.
    pub mgmt_ip: Ipv4Addr,
    /// Chassis serial (member 1's for stacks): `show version`, inventory.
    pub serial: String,
    /// Hardware model: `show version`, inventory, CDP platform.
    pub model: String,
    /// Software version; on Linux the os-release pretty name.
    pub version: String,
    /// The platform string a neighbour's CDP shows, e.g. `cisco WS-C3850-48P`
    /// or `Cisco IP Phone 8845`. Derived from model when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdp_platform: Option<String>,
    /// Login name the device accepts.
    #[serde(default = "default_user")]
    pub username: String,
    /// Password the device accepts (simulated devices only).
    #[serde(default = "default_user")]
    pub password: String,
    /// With an enable secret the device logs in at `host>` and needs `enable`;
    /// without one it logs in privileged (`host#`), like `privilege 15` users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_secret: Option<String>,
    /// SSH, telnet, both or none.
    #[serde(default)]
    pub transports: ServedTransports,
    /// The one misbehaviour this device shows, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    /// Configuration differences that change what the device answers
    /// (LLDP off, lldpcli outside PATH...): the walk must warn, not go quiet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quirks: Vec<Quirk>,
    /// Stack members (`[[device.stack]]`); empty for a standalone device.
    #[serde(default, rename = "stack", skip_serializing_if = "Vec::is_empty")]
    pub stack: Vec<StackMember>,
    /// VLANs and their access ports (`[[device.vlan]]`).
    #[serde(default, rename = "vlan", skip_serializing_if = "Vec::is_empty")]
    pub vlans: Vec<VlanSpec>,
    /// Interfaces that are not link ends (`[[device.interface]]`).
    #[serde(default, rename = "interface", skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<InterfaceSpec>,
    /// How slow this device answers (`[device.delays]`): round trip,
    /// handshake, per-command time, jitter. Overrides the lab's `[delays]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delays: Option<Delays>,
}

fn default_user() -> String {
    "admin".to_string()
}

/// CDP, LLDP, or both, advertised on a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    Cdp,
    Lldp,
}

/// A physical link between two device interfaces.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// Hostname of one end.
    pub a: String,
    /// That end's interface (long form, as the device names it).
    pub a_interface: String,
    /// Hostname of the other end.
    pub b: String,
    /// The other end's interface.
    pub b_interface: String,
    /// What the link advertises (default: CDP and LLDP); quirks of the
    /// ends may silence some.
    #[serde(default = "default_protocols")]
    pub protocols: BTreeSet<Protocol>,
}

fn default_protocols() -> BTreeSet<Protocol> {
    [Protocol::Cdp, Protocol::Lldp].into_iter().collect()
}

/// Why a topology file was rejected. Names the device/link so the user can fix it.
#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    #[error("cannot read topology file {path}: {source}")]
    Io {
        /// The file that could not be read.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    #[error("topology file is not valid TOML for a netsim topology: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("duplicate hostname {0:?}: every device needs its own")]
    DuplicateHostname(String),
    #[error("devices {0:?} and {1:?} share management IP {2}")]
    DuplicateIp(String, String, Ipv4Addr),
    #[error(
        "management IP {ip} of {hostname:?} is not a loopback address (127.0.0.0/8); netsim only serves loopback"
    )]
    NotLoopback { hostname: String, ip: Ipv4Addr },
    #[error("link {index} names unknown device {name:?}")]
    UnknownDevice { index: usize, name: String },
    #[error(
        "interface {interface} of {device:?} is used by more than one link (links {first} and {second})"
    )]
    InterfaceReused {
        /// The device whose interface is used twice.
        device: String,
        /// The interface used twice.
        interface: String,
        /// Index of the first link using it.
        first: usize,
        /// Index of the second link using it.
        second: usize,
    },
    #[error("link {0} connects a device to itself")]
    SelfLink(usize),
    #[error("link {0} advertises no protocol; give it cdp and/or lldp")]
    NoProtocol(usize),
    #[error("delays of {device}: {reason}")]
    BadDelays {
        /// The device whose delays are wrong (`[delays]` for the lab's).
        device: String,
        /// What is wrong and how to write it.
        reason: String,
    },
    #[error("{0}; fix or remove the line in the topology's `endhosts` table")]
    EndHost(#[from] crate::endhosts::EndHostLineError),
}

impl Topology {
    pub fn from_toml_str(s: &str) -> Result<Self, TopologyError> {
        let topo: Topology = toml::from_str(s)?;
        topo.validate()?;
        Ok(topo)
    }

    pub fn load(path: impl AsRef<Path>) -> Result<Self, TopologyError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| TopologyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml_str(&text)
    }

    pub fn to_toml_string(&self) -> String {
        toml::to_string(self).expect("topology serialises to TOML")
    }

    /// Checks what serde cannot: references between devices and links.
    pub fn validate(&self) -> Result<(), TopologyError> {
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut ips: HashMap<Ipv4Addr, &str> = HashMap::new();
        for (i, d) in self.devices.iter().enumerate() {
            if names.insert(&d.hostname, i).is_some() {
                return Err(TopologyError::DuplicateHostname(d.hostname.clone()));
            }
            if !d.mgmt_ip.is_loopback() {
                return Err(TopologyError::NotLoopback {
                    hostname: d.hostname.clone(),
                    ip: d.mgmt_ip,
                });
            }
            if let Some(other) = ips.insert(d.mgmt_ip, &d.hostname) {
                return Err(TopologyError::DuplicateIp(
                    other.to_string(),
                    d.hostname.clone(),
                    d.mgmt_ip,
                ));
            }
        }
        self.validate_delays()?;
        let mut used: HashMap<(&str, &str), usize> = HashMap::new();
        for (i, l) in self.links.iter().enumerate() {
            for name in [&l.a, &l.b] {
                if !names.contains_key(name.as_str()) {
                    return Err(TopologyError::UnknownDevice {
                        index: i,
                        name: name.clone(),
                    });
                }
            }
            if l.a == l.b {
                return Err(TopologyError::SelfLink(i));
            }
            if l.protocols.is_empty() {
                return Err(TopologyError::NoProtocol(i));
            }
            for (dev, intf) in [(&l.a, &l.a_interface), (&l.b, &l.b_interface)] {
                if let Some(first) = used.insert((dev.as_str(), intf.as_str()), i) {
                    return Err(TopologyError::InterfaceReused {
                        device: dev.clone(),
                        interface: intf.clone(),
                        first,
                        second: i,
                    });
                }
            }
        }
        self.validate_endhosts(&names)
    }

    /// Every end-host line parses and names devices the topology has.
    fn validate_endhosts(&self, names: &HashMap<&str, usize>) -> Result<(), TopologyError> {
        for host in self.endhosts.hosts() {
            let (line, host) = host?;
            let named = std::iter::once(host.at.switch)
                .chain(host.gateways.iter().copied())
                .chain(host.also.iter().map(|p| p.switch));
            for name in named {
                if !names.contains_key(name) {
                    return Err(crate::endhosts::EndHostLineError {
                        line,
                        reason: format!("names unknown device {name:?}"),
                    }
                    .into());
                }
            }
        }
        Ok(())
    }

    pub fn device(&self, hostname: &str) -> Option<&DeviceSpec> {
        self.devices.iter().find(|d| d.hostname == hostname)
    }

    /// Every `[delays]` table can be served (spans run low to high).
    fn validate_delays(&self) -> Result<(), TopologyError> {
        let lab = self.delays.iter().map(|d| ("[delays]", d));
        let devices = self
            .devices
            .iter()
            .filter_map(|d| d.delays.as_ref().map(|x| (d.hostname.as_str(), x)));
        for (device, delays) in lab.chain(devices) {
            delays.check().map_err(|reason| TopologyError::BadDelays {
                device: device.to_string(),
                reason,
            })?;
        }
        Ok(())
    }
}

/// A link as seen from one of its ends.
#[derive(Debug, Clone, Copy)]
pub struct LinkEnd<'a> {
    /// This end's interface.
    pub local_interface: &'a str,
    /// The device this end belongs to: its quirks decide, with the remote's,
    /// which protocols the link really carries.
    pub local: &'a DeviceSpec,
    /// The device at the other end: what neighbour tables print.
    pub remote: &'a DeviceSpec,
    /// The other end's interface.
    pub remote_interface: &'a str,
    /// What the link is configured to advertise; see [`LinkEnd::advertises`].
    pub protocols: &'a BTreeSet<Protocol>,
}

impl LinkEnd<'_> {
    /// Whether neighbours learn each other over `p` on this link: the link
    /// carries it and neither end has it switched off.
    pub fn advertises(&self, p: Protocol) -> bool {
        self.protocols.contains(&p) && !silenced(self.local, p) && !silenced(self.remote, p)
    }
}

/// Whether `d`'s configuration switches protocol `p` off.
pub fn silenced(d: &DeviceSpec, p: Protocol) -> bool {
    d.quirks.iter().any(|q| q.silences(p))
}

impl LinkSpec {
    /// The protocols over which ends `a` and `b` of this link see each
    /// other (empty when quirks silence all of them: the link is then
    /// invisible to any walk).
    pub fn effective_protocols(&self, a: &DeviceSpec, b: &DeviceSpec) -> BTreeSet<Protocol> {
        self.protocols
            .iter()
            .copied()
            .filter(|&p| !silenced(a, p) && !silenced(b, p))
            .collect()
    }
}

/// Per-device view of the topology, built once so every command a device
/// answers is a cheap lookup rather than a scan of all links.
#[derive(Debug)]
pub struct TopologyIndex {
    /// The topology itself, owned by the index.
    pub topology: Topology,
    /// Device index by hostname.
    by_name: HashMap<String, usize>,
    /// device index -> (link index, this device is side a)
    ends: Vec<Vec<(usize, bool)>>,
    /// The end hosts' MAC rows and cached hosts per device, built from the
    /// topology's `endhosts` text (which is dropped: a served lab keeps
    /// only these compact tables).
    endhosts: EndHostTables,
}

impl TopologyIndex {
    pub fn new(mut topology: Topology) -> Self {
        let table = std::mem::take(&mut topology.endhosts);
        let by_name: HashMap<String, usize> = topology
            .devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.hostname.clone(), i))
            .collect();
        let mut ends = vec![Vec::new(); topology.devices.len()];
        for (li, l) in topology.links.iter().enumerate() {
            if let Some(&a) = by_name.get(&l.a) {
                ends[a].push((li, true));
            }
            if let Some(&b) = by_name.get(&l.b) {
                ends[b].push((li, false));
            }
        }
        let mut idx = TopologyIndex {
            topology,
            by_name,
            ends,
            endhosts: EndHostTables::default(),
        };
        idx.endhosts = EndHostTables::build(&idx, &table);
        idx
    }

    /// The end hosts' tables (empty for a lab without end hosts).
    pub fn endhosts(&self) -> &EndHostTables {
        &self.endhosts
    }

    pub fn index_of(&self, hostname: &str) -> Option<usize> {
        self.by_name.get(hostname).copied()
    }

    pub fn device(&self, idx: usize) -> &DeviceSpec {
        &self.topology.devices[idx]
    }

    /// The links of device `idx`, each from that device's side.
    pub fn link_ends(&self, idx: usize) -> impl Iterator<Item = LinkEnd<'_>> + '_ {
        let local = &self.topology.devices[idx];
        self.ends[idx].iter().map(move |&(li, is_a)| {
            let l = &self.topology.links[li];
            let (local_interface, remote, remote_interface) = if is_a {
                (&l.a_interface, &l.b, &l.b_interface)
            } else {
                (&l.b_interface, &l.a, &l.a_interface)
            };
            LinkEnd {
                local_interface,
                local,
                remote: &self.topology.devices[self.by_name[remote]],
                remote_interface,
                protocols: &l.protocols,
            }
        })
    }

    pub fn domain(&self) -> Option<&str> {
        self.topology.domain.as_deref()
    }

    /// How slow device `idx` is: its own delays, else the lab's; `None`
    /// (or all zero) answers at loopback speed.
    pub fn delays(&self, idx: usize) -> Option<&Delays> {
        self.device(idx)
            .delays
            .as_ref()
            .or(self.topology.delays.as_ref())
            .filter(|d| !d.is_zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
domain = "lab.example"

[[device]]
hostname = "core1"
platform = "cisco_nxos"
mgmt_ip = "127.1.0.1"
serial = "SAL1819S6LU"
model = "C9396PX"
version = "9.3(9)"

[[device]]
hostname = "acc1"
platform = "cisco_ios"
mgmt_ip = "127.1.0.2"
serial = "FOC1234X0AB"
model = "WS-C2960X-48FPD-L"
version = "15.2(7)E4"
enable_secret = "s3cret"
fault = "slow_output"

[[device.vlan]]
id = 10
name = "USERS"
ports = ["Gi1/0/1"]

[[link]]
a = "core1"
a_interface = "Ethernet1/1"
b = "acc1"
b_interface = "GigabitEthernet1/0/49"
"#;

    #[test]
    fn parses_and_indexes_links_from_both_sides() {
        let t = Topology::from_toml_str(SMALL).unwrap();
        assert_eq!(t.devices.len(), 2);
        assert_eq!(t.devices[1].fault, Some(Fault::SlowOutput));
        assert_eq!(t.devices[0].username, "admin");
        assert_eq!(t.links[0].protocols.len(), 2);
        let idx = TopologyIndex::new(t);
        let core = idx.index_of("core1").unwrap();
        let acc = idx.index_of("acc1").unwrap();
        let from_core: Vec<_> = idx.link_ends(core).collect();
        let from_acc: Vec<_> = idx.link_ends(acc).collect();
        assert_eq!(from_core.len(), 1);
        assert_eq!(from_core[0].remote.hostname, "acc1");
        assert_eq!(from_core[0].local_interface, "Ethernet1/1");
        assert_eq!(from_acc[0].remote.hostname, "core1");
        assert_eq!(from_acc[0].remote_interface, "Ethernet1/1");
    }

    #[test]
    fn round_trips_through_toml() {
        let t = Topology::from_toml_str(SMALL).unwrap();
        let again = Topology::from_toml_str(&t.to_toml_string()).unwrap();
        assert_eq!(t, again);
    }

    #[test]
    fn delays_are_the_devices_own_else_the_labs_and_old_files_have_none() {
        let old = TopologyIndex::new(Topology::from_toml_str(SMALL).unwrap());
        assert_eq!((old.delays(0), old.delays(1)), (None, None));
        let lab = SMALL.replace(
            "domain = \"lab.example\"",
            "domain = \"lab.example\"\n[delays]\nrtt_ms = 20\n",
        );
        let own = lab.replace(
            "[[device.vlan]]",
            "[device.delays]\ncommand_ms = [50, 400]\n\n[[device.vlan]]",
        );
        let t = Topology::from_toml_str(&own).unwrap();
        assert_eq!(Topology::from_toml_str(&t.to_toml_string()).unwrap(), t);
        let idx = TopologyIndex::new(t);
        assert_eq!(idx.delays(0).map(|d| d.rtt_ms), Some(20));
        let acc = idx.delays(1).unwrap();
        assert_eq!((acc.rtt_ms, acc.command_ms), (0, [50, 400]));
        let backwards = own.replace("[50, 400]", "[400, 50]");
        let err = Topology::from_toml_str(&backwards).unwrap_err().to_string();
        assert!(err.contains("acc1") && err.contains("[400, 50]"), "{err}");
    }

    #[test]
    fn rejects_bad_references_with_names() {
        let bad = SMALL.replace("b = \"acc1\"", "b = \"nope\"");
        let err = Topology::from_toml_str(&bad).unwrap_err().to_string();
        assert!(err.contains("nope"), "{err}");

        let dup = SMALL.replace("127.1.0.2", "127.1.0.1");
        let err = Topology::from_toml_str(&dup).unwrap_err().to_string();
        assert!(err.contains("127.1.0.1") && err.contains("acc1"), "{err}");

        let public = SMALL.replace("127.1.0.2", "10.0.0.2");
        let err = Topology::from_toml_str(&public).unwrap_err().to_string();
        assert!(err.contains("loopback"), "{err}");

        let unknown_key = SMALL.replace("fault = ", "faults = ");
        assert!(Topology::from_toml_str(&unknown_key).is_err());
    }
}
