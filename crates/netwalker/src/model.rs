//! netwalker's own typed model of what a walk learns.
//!
//! These types are the vocabulary shared by the engine (which fills them from
//! parsed CLI output), the store (which persists them) and the reports (which
//! read them back). They are deliberately independent of the parsers' record
//! types: parsers describe what one command printed, the model describes what
//! we believe about a device after merging many commands and many sightings.
//!
//! [`Inventory`] is the exported `inventory.json` contract (also produced by
//! `netsim --truth`), so its field names are part of the public interface and
//! must not change casually.

mod endhosts;

pub use endhosts::{
    BundleMember, EndHostStatus, EndHostTables, InventoryCandidate, InventoryEndHost, IpMac,
    IpSeen, MacAddr, MacSeen, MacSighting,
};

use device_parsers::Platform;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// Seconds since the Unix epoch (UTC).
///
/// Plain integers keep the store portable (SQLite has no time type) and avoid
/// pulling a date library into the data layer; reports format them.
pub type UnixTime = i64;

/// The current time as [`UnixTime`].
pub fn now_unix() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Stable identifier of a device in one inventory.
///
/// Allocated by [`crate::identity::IdentityIndex`] and used as the store's
/// primary key, so that a device keeps its id across runs once the index is
/// rebuilt from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceId(pub i64);

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Identifier of one `discover` run in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub i64);

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "run {}", self.0)
    }
}

/// Where a device stands in the inventory.
///
/// Every neighbour we hear about gets a status, including the ones we chose not
/// to (or could not) walk: an inventory that silently drops leaves is the bug
/// this tool exists to avoid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub enum DeviceStatus {
    /// Logged in and read.
    Walked,
    /// A connection was attempted and failed; `error_class`/`reason` say why.
    Failed,
    /// A filter rule excluded it before any connection.
    Filtered,
    /// Not attempted for a walk-level reason (depth limit, failure threshold).
    Skipped,
    /// Heard about from a neighbour table, not (yet) walked.
    NeighborOnly,
    /// Turned out to be another known device (kept as an alias record).
    Duplicate,
}

impl DeviceStatus {
    pub const ALL: [DeviceStatus; 6] = [
        DeviceStatus::Walked,
        DeviceStatus::Failed,
        DeviceStatus::Filtered,
        DeviceStatus::Skipped,
        DeviceStatus::NeighborOnly,
        DeviceStatus::Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStatus::Walked => "walked",
            DeviceStatus::Failed => "failed",
            DeviceStatus::Filtered => "filtered",
            DeviceStatus::Skipped => "skipped",
            DeviceStatus::NeighborOnly => "neighbor_only",
            DeviceStatus::Duplicate => "duplicate",
        }
    }

    /// True when a connection was attempted: such a record came from the device
    /// itself and must not be overwritten by what a neighbour says about it.
    pub fn is_attempted(self) -> bool {
        matches!(self, DeviceStatus::Walked | DeviceStatus::Failed)
    }
}

impl fmt::Display for DeviceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a name that is not a [`DeviceStatus`], [`Via`], [`ConnectionMethod`]
/// or [`LinkProtocol`]; says which names are valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}; expected one of: {expected}")]
pub struct UnknownName {
    /// What was being named (a status, a protocol...), for the message.
    pub kind: &'static str,
    /// The text that matched no name, as given.
    pub value: String,
    /// The names that would have been accepted.
    pub expected: &'static str,
}

impl FromStr for DeviceStatus {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeviceStatus::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownName {
                kind: "device status",
                value: s.to_string(),
                expected: "walked, failed, filtered, skipped, neighbor_only, duplicate",
            })
    }
}

/// How we learned about a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub enum Via {
    Seed,
    Cdp,
    Lldp,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Seed => "seed",
            Via::Cdp => "cdp",
            Via::Lldp => "lldp",
        }
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Via {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "seed" => Ok(Via::Seed),
            "cdp" => Ok(Via::Cdp),
            "lldp" => Ok(Via::Lldp),
            _ => Err(UnknownName {
                kind: "discovery source",
                value: s.to_string(),
                expected: "seed, cdp, lldp",
            }),
        }
    }
}

/// Transport a walked device was read over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionMethod {
    Ssh,
    Telnet,
}

impl ConnectionMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionMethod::Ssh => "ssh",
            ConnectionMethod::Telnet => "telnet",
        }
    }
}

impl fmt::Display for ConnectionMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ConnectionMethod {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ssh" => Ok(ConnectionMethod::Ssh),
            "telnet" => Ok(ConnectionMethod::Telnet),
            _ => Err(UnknownName {
                kind: "connection method",
                value: s.to_string(),
                expected: "ssh, telnet",
            }),
        }
    }
}

/// Discovery protocol that reported a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub enum LinkProtocol {
    Cdp,
    Lldp,
}

impl LinkProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkProtocol::Cdp => "cdp",
            LinkProtocol::Lldp => "lldp",
        }
    }
}

impl FromStr for LinkProtocol {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cdp" => Ok(LinkProtocol::Cdp),
            "lldp" => Ok(LinkProtocol::Lldp),
            _ => Err(UnknownName {
                kind: "link protocol",
                value: s.to_string(),
                expected: "cdp, lldp",
            }),
        }
    }
}

/// Everything we believe about one device.
///
/// The same struct describes a walked device and a neighbour placeholder; the
/// `status` says which, and optional fields stay `None` until someone saw them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    /// Stable across runs: the store's key, and what links and parents refer to.
    pub id: DeviceId,
    /// Display name: the hostname without domain or `(SERIAL)` suffix, case kept.
    pub hostname: String,
    /// The name exactly as first reported (prompt, CDP device-id, LLDP system name).
    pub hostname_raw: Option<String>,
    /// Chassis serial (member 1's for a stack): the strongest identity key.
    pub serial: Option<String>,
    /// The CLI family detected at login, which chose the command plan.
    pub platform: Option<Platform>,
    /// Hardware model, as `show version` (or the neighbour table) says.
    pub model: Option<String>,
    /// Software version, for inventory reports.
    pub version: Option<String>,
    /// As the device printed it; kept as text, not parsed.
    pub uptime: Option<String>,
    /// The address we connect to (or would).
    pub mgmt_ip: Option<IpAddr>,
    /// Every address the device has been seen with; identity uses all of them.
    pub ips: BTreeSet<IpAddr>,
    /// Other names the device was reported under (merged duplicates).
    pub aliases: BTreeSet<String>,
    /// What this run (or the last run that reached it) made of it.
    pub status: DeviceStatus,
    /// Human explanation of the status, e.g. `filtered: platform matched "Polycom"`.
    pub reason: Option<String>,
    /// Machine-readable failure class (e.g. `auth`, `timeout`, `refused`).
    pub error_class: Option<String>,
    /// Hops from the nearest seed (seeds are depth 0).
    pub depth: u32,
    /// The device whose neighbour table led us here.
    pub parent: Option<DeviceId>,
    /// How it was found (seed, CDP, LLDP): explains its depth and parent.
    pub via: Option<Via>,
    /// How it was logged in to (SSH, telnet): telnet is worth knowing about.
    pub method: Option<ConnectionMethod>,
    /// Capability words as reported (`Router`, `Switch`, `Phone`, ...).
    pub capabilities: Vec<String>,
    /// Neighbour-reported platform text (e.g. `cisco WS-C3850-48P`, `Polycom`),
    /// kept because filters and reports need it before the device is walked.
    pub platform_text: Option<String>,
    /// When any run first recorded it.
    pub first_seen: UnixTime,
    /// When a run last saw it, walked or in a neighbour table.
    pub last_seen: UnixTime,
    /// Consecutive failed walk attempts, across runs (reset by a success).
    pub failure_count: u32,
    /// Planned commands the device could not answer (`% LLDP is not
    /// enabled`, `lldpcli: command not found`...): what the walk may have
    /// missed on this device, so "walked" never hides a silent gap.
    pub warnings: Vec<String>,
    /// The SSH connection needed the legacy algorithms (SHA-1 key
    /// exchange, CBC ciphers...): weak crypto its owner should know about.
    pub legacy_crypto: bool,
}

/// Hostnames by device id, for outputs that name the devices a row
/// refers to (links, parents, end hosts' switches).
pub struct DeviceNames<'a>(std::collections::HashMap<DeviceId, &'a str>);

impl<'a> DeviceNames<'a> {
    /// The names of `devices`.
    pub fn of(devices: &'a [Device]) -> DeviceNames<'a> {
        DeviceNames(
            devices
                .iter()
                .map(|d| (d.id, d.hostname.as_str()))
                .collect(),
        )
    }

    /// A device's hostname, else its id (a row naming a device the list
    /// lacks).
    pub fn name(&self, id: DeviceId) -> String {
        self.0
            .get(&id)
            .map_or_else(|| id.to_string(), |n| n.to_string())
    }
}

impl Device {
    /// A fresh record with only the identity filled in; the caller sets the rest.
    pub fn new(id: DeviceId, hostname: impl Into<String>, status: DeviceStatus) -> Device {
        let now = now_unix();
        Device {
            id,
            hostname: hostname.into(),
            hostname_raw: None,
            serial: None,
            platform: None,
            model: None,
            version: None,
            uptime: None,
            mgmt_ip: None,
            ips: BTreeSet::new(),
            aliases: BTreeSet::new(),
            status,
            reason: None,
            error_class: None,
            depth: 0,
            parent: None,
            via: None,
            method: None,
            capabilities: Vec::new(),
            platform_text: None,
            first_seen: now,
            last_seen: now,
            failure_count: 0,
            warnings: Vec::new(),
            legacy_crypto: false,
        }
    }
}

/// One physical link between two device ports.
///
/// The store keeps one row per link whatever side reported it; see
/// [`Link::canonical`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The device that reported the link.
    pub a: DeviceId,
    /// Its port, in the long form (`GigabitEthernet1/0/1`).
    pub a_interface: String,
    /// The neighbour at the other end.
    pub b: DeviceId,
    /// The neighbour's port, as the neighbour table named it (long form).
    pub b_interface: String,
    /// Every protocol that reported this cable: one link, whichever saw it.
    pub protocols: BTreeSet<LinkProtocol>,
}

impl Link {
    pub fn new(
        a: DeviceId,
        a_interface: impl Into<String>,
        b: DeviceId,
        b_interface: impl Into<String>,
        protocol: LinkProtocol,
    ) -> Link {
        Link {
            a,
            a_interface: a_interface.into(),
            b,
            b_interface: b_interface.into(),
            protocols: BTreeSet::from([protocol]),
        }
    }

    /// The same link with interface names normalised and endpoints ordered, so
    /// that A's CDP view (`A Gi1/0/1 -> B Te1/1`) and B's LLDP view
    /// (`B TenGigabitEthernet1/1 -> A GigabitEthernet1/0/1`) produce one key.
    pub fn canonical(&self) -> Link {
        let a = (self.a, normalize_interface(&self.a_interface));
        let b = (self.b, normalize_interface(&self.b_interface));
        let (first, second) = if a <= b { (a, b) } else { (b, a) };
        Link {
            a: first.0,
            a_interface: first.1,
            b: second.0,
            b_interface: second.1,
            protocols: self.protocols.clone(),
        }
    }
}

/// Expands Cisco's abbreviated interface names to their full form.
///
/// CDP reports full names (`GigabitEthernet1/0/1`), LLDP often the short ones
/// (`Gi1/0/1`), and both sides of one link must compare equal. Names we don't
/// recognise, and full names, are returned as written (Linux `eth0`, `mgmt0`,
/// PAN-OS `ethernet1/1`, MAC-address port ids). `show cdp neighbors` brief output writes
/// `Gig 1/0/1` with a space; that is accepted too.
pub fn normalize_interface(name: &str) -> String {
    // Abbreviations only: a full name (`GigabitEthernet`, PAN-OS `ethernet`)
    // is already what both sides report and is left exactly as written.
    const ABBREVIATIONS: &[(&str, &str)] = &[
        ("hu", "HundredGigE"),
        ("fo", "FortyGigabitEthernet"),
        ("twe", "TwentyFiveGigE"),
        ("te", "TenGigabitEthernet"),
        ("fi", "FiveGigabitEthernet"),
        ("tw", "TwoGigabitEthernet"),
        ("gig", "GigabitEthernet"),
        ("gi", "GigabitEthernet"),
        ("fa", "FastEthernet"),
        ("po", "Port-channel"),
        ("eth", "Ethernet"),
        ("et", "Ethernet"),
    ];
    let name = name.trim();
    let split = name
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(name.len());
    let (prefix, rest) = name.split_at(split);
    let prefix = prefix.trim_end();
    if rest.is_empty() || prefix.is_empty() || prefix.contains(char::is_whitespace) {
        return name.to_string();
    }
    let lower = prefix.to_ascii_lowercase();
    // Linux `eth0`/`ens3` style names: lower-case short prefix, no slash in the
    // port part. Cisco short names always have a slash (`Gi1/0/1`, `Eth1/1`)
    // except port-channels (`Po10`).
    let cisco_like = rest.contains('/') || lower == "po";
    if !cisco_like {
        return name.to_string();
    }
    if let Some((_, full)) = ABBREVIATIONS.iter().find(|(abbr, _)| lower == *abbr) {
        return format!("{full}{rest}");
    }
    // A full name written with a space (`GigabitEthernet 1/0/1`) loses it.
    if ABBREVIATIONS
        .iter()
        .any(|(_, full)| full.eq_ignore_ascii_case(prefix))
    {
        return format!("{prefix}{rest}");
    }
    name.to_string()
}

/// One member of a switch stack or VSS pair. Members belong to their stack's
/// [`Device`]; they are never devices of their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct StackMember {
    /// Member number within the stack (`show switch`).
    pub switch: u32,
    /// Active, standby or member.
    pub role: Option<String>,
    /// Election priority, when shown.
    pub priority: Option<u32>,
    /// The member's own hardware model.
    pub model: Option<String>,
    /// The member's serial: a key that identifies the whole stack.
    pub serial: Option<String>,
    /// The member's MAC address, as shown.
    pub mac: Option<String>,
    /// Hardware revision, when shown.
    pub hw_version: Option<String>,
    /// Software version the member runs.
    pub version: Option<String>,
    /// Ready, provisioned, removed...: a member that is not ready is worth a look.
    pub state: Option<String>,
}

impl StackMember {
    pub fn new(switch: u32) -> StackMember {
        StackMember {
            switch,
            role: None,
            priority: None,
            model: None,
            serial: None,
            mac: None,
            hw_version: None,
            version: None,
            state: None,
        }
    }
}

/// A VLAN as configured on one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Vlan {
    /// The VLAN number.
    pub id: u16,
    /// Its configured name.
    pub name: String,
    /// Access/trunk member ports, excluding port-channels.
    #[serde(default)]
    pub ports: Vec<String>,
    /// Defaulted on input: netsim's truth files list no port-channels.
    #[serde(default)]
    pub port_channels: Vec<String>,
}

/// One interface of a walked device (from `show interfaces status` / `show ip
/// interface brief` / `show interfaces description` and friends, merged by
/// the engine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct Interface {
    /// Long form (`GigabitEthernet1/0/1`), the key links and VLANs use.
    pub name: String,
    /// connected, notconnect, disabled...: as the device says.
    pub status: Option<String>,
    /// Access VLAN, or `trunk`/`routed`, as the device says.
    pub vlan: Option<String>,
    /// As shown, including the `a-` auto prefix.
    pub duplex: Option<String>,
    /// As shown, including the `a-` auto prefix.
    pub speed: Option<String>,
    /// The port type text (`10/100/1000BaseTX`, SFP...).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The interface's IP address, from `show ip interface brief`.
    pub ip: Option<String>,
    /// Its configured description, whole (`show interfaces description`):
    /// people name ports by what they connect, and search by it. Device
    /// text: escaped wherever shown. `null` when none is configured or the
    /// device was not asked; defaulted on input (older files lack it).
    #[serde(default)]
    pub description: Option<String>,
}

impl Interface {
    pub fn new(name: impl Into<String>) -> Interface {
        Interface {
            name: name.into(),
            status: None,
            vlan: None,
            duplex: None,
            speed: None,
            kind: None,
            ip: None,
            description: None,
        }
    }
}

/// Device counts by status, for run summaries and `--json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct StatusCounts {
    /// Devices logged in to and read.
    pub walked: u64,
    /// Devices tried and not read (unreachable, refused, auth, timeout...).
    pub failed: u64,
    /// Devices a filter kept from being tried.
    pub filtered: u64,
    /// Devices beyond --max-depth or over the failure threshold.
    pub skipped: u64,
    /// Devices known only from neighbour tables (no address, or not reached).
    pub neighbor_only: u64,
    /// Records proved to be another device and merged into it.
    pub duplicate: u64,
}

impl StatusCounts {
    pub fn add(&mut self, status: DeviceStatus, n: u64) {
        *self.get_mut(status) += n;
    }

    /// Takes `n` back from `status` (a device whose status changed).
    pub fn remove(&mut self, status: DeviceStatus, n: u64) {
        let c = self.get_mut(status);
        *c = c.saturating_sub(n);
    }

    pub fn get(&self, status: DeviceStatus) -> u64 {
        match status {
            DeviceStatus::Walked => self.walked,
            DeviceStatus::Failed => self.failed,
            DeviceStatus::Filtered => self.filtered,
            DeviceStatus::Skipped => self.skipped,
            DeviceStatus::NeighborOnly => self.neighbor_only,
            DeviceStatus::Duplicate => self.duplicate,
        }
    }

    fn get_mut(&mut self, status: DeviceStatus) -> &mut u64 {
        match status {
            DeviceStatus::Walked => &mut self.walked,
            DeviceStatus::Failed => &mut self.failed,
            DeviceStatus::Filtered => &mut self.filtered,
            DeviceStatus::Skipped => &mut self.skipped,
            DeviceStatus::NeighborOnly => &mut self.neighbor_only,
            DeviceStatus::Duplicate => &mut self.duplicate,
        }
    }

    pub fn total(&self) -> u64 {
        DeviceStatus::ALL.iter().map(|s| self.get(*s)).sum()
    }
}

/// One `discover` run as recorded in the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// The store's key for the run.
    pub id: RunId,
    /// When it began.
    pub started: UnixTime,
    /// `None` while running, and forever if the process died: that is how an
    /// interrupted run is recognised for `--resume`.
    pub finished: Option<UnixTime>,
    /// The effective options, as JSON, so a report can say how it was produced.
    pub options: serde_json::Value,
    /// Device counts by status, recorded when the run finished.
    pub counts: Option<StatusCounts>,
}

/// Everything one device task produced, committed by the store in one
/// transaction so that a crash never leaves a half-written device.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceResult {
    /// The device itself, usually `Walked` or `Failed`.
    pub device: Device,
    /// Replaces the stored set when `device.status` is `Walked`; ignored
    /// otherwise, so a failed rewalk does not erase what an earlier walk learned.
    pub interfaces: Vec<Interface>,
    /// Same replacement rule as `interfaces`.
    pub stack_members: Vec<StackMember>,
    /// Same replacement rule as `interfaces`.
    pub vlans: Vec<Vlan>,
    /// Placeholders for every neighbour reported (and any the engine decided
    /// to filter/skip). Inserted if new; an existing walked/failed record is
    /// only enriched (IPs, aliases), never downgraded.
    pub neighbors: Vec<Device>,
    /// Links seen from this device; endpoints must be this device or one of
    /// `neighbors` (or already stored).
    pub links: Vec<Link>,
    /// Its MAC table, ARP/ND caches and trunk ports (end-host tracking);
    /// `collected` false when not asked.
    pub endhosts: EndHostTables,
}

impl DeviceResult {
    /// A result with no tables, e.g. for a failed connection.
    pub fn bare(device: Device) -> DeviceResult {
        DeviceResult {
            device,
            interfaces: Vec::new(),
            stack_members: Vec::new(),
            vlans: Vec::new(),
            neighbors: Vec::new(),
            links: Vec::new(),
            endhosts: EndHostTables::default(),
        }
    }
}

/// The `inventory.json` contract: what `netwalker discover --out DIR` writes and
/// what `netsim --truth` prints for the same network.
///
/// Optional values serialise as `null` (never omitted) so consumers can rely on
/// every key being present; on input missing keys default, so a truth file
/// that leaves a field out still parses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    /// Every device, sorted by hostname.
    pub devices: Vec<InventoryDevice>,
    /// Every physical link once, sorted.
    pub links: Vec<InventoryLink>,
    /// Every end host the latest walks saw (MAC tables, ARP/ND caches),
    /// by MAC; `[]` when none were collected.
    #[serde(default)]
    pub endhosts: Vec<InventoryEndHost>,
}

/// A device in [`Inventory`]. Field names are the contract; do not rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct InventoryDevice {
    /// Display name (no domain): the device's identity in this file.
    pub hostname: String,
    /// Chassis serial (member 1's for a stack).
    #[serde(default)]
    pub serial: Option<String>,
    /// The CLI family detected at login.
    #[serde(default)]
    #[cfg_attr(feature = "serve", schema(value_type = Option<String>))]
    pub platform: Option<Platform>,
    /// Hardware model.
    #[serde(default)]
    pub model: Option<String>,
    /// Software version.
    #[serde(default)]
    pub version: Option<String>,
    /// The address it was (or would be) logged in to at.
    #[serde(default)]
    #[cfg_attr(feature = "serve", schema(value_type = Option<String>))]
    pub mgmt_ip: Option<IpAddr>,
    /// Every address it is known by.
    #[serde(default)]
    #[cfg_attr(feature = "serve", schema(value_type = Vec<String>))]
    pub ips: Vec<IpAddr>,
    /// walked, failed, filtered, skipped, neighbor_only or duplicate.
    pub status: DeviceStatus,
    /// Why it is not walked, in words a user can act on.
    #[serde(default)]
    pub reason: Option<String>,
    /// Hops from the nearest seed.
    #[serde(default)]
    pub depth: u32,
    /// Hostname of the device that led us here.
    #[serde(default)]
    pub parent: Option<String>,
    /// How it was found: seed, cdp or lldp.
    #[serde(default)]
    pub via: Option<Via>,
    /// Stack members, in member order (empty when not a stack).
    #[serde(default)]
    pub stack_members: Vec<StackMember>,
    /// VLANs configured on it.
    #[serde(default)]
    pub vlans: Vec<Vlan>,
    /// Planned commands the device could not answer; always present, `[]`
    /// when none (see [`Device::warnings`]).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The SSH connection needed legacy algorithms (see [`Device::legacy_crypto`]).
    #[serde(default)]
    pub legacy_crypto: bool,
}

/// A link in [`Inventory`], endpoints by hostname, in canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct InventoryLink {
    /// Hostname of one end.
    pub a: String,
    /// That end's port, long form.
    pub a_interface: String,
    /// Hostname of the other end.
    pub b: String,
    /// The other end's port, long form.
    pub b_interface: String,
    /// Protocols that reported the link (cdp, lldp).
    pub protocols: BTreeSet<LinkProtocol>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_normalise_across_protocols() {
        assert_eq!(normalize_interface("Gi1/0/1"), "GigabitEthernet1/0/1");
        assert_eq!(
            normalize_interface("GigabitEthernet1/0/1"),
            "GigabitEthernet1/0/1"
        );
        assert_eq!(normalize_interface("Port-channel10"), "Port-channel10");
        assert_eq!(normalize_interface("Te1/1/1"), "TenGigabitEthernet1/1/1");
        assert_eq!(normalize_interface("Twe1/0/1"), "TwentyFiveGigE1/0/1");
        assert_eq!(normalize_interface("Tw1/0/1"), "TwoGigabitEthernet1/0/1");
        assert_eq!(normalize_interface("Eth1/49"), "Ethernet1/49");
        assert_eq!(normalize_interface("Ethernet1/49"), "Ethernet1/49");
        assert_eq!(normalize_interface("Po10"), "Port-channel10");
        assert_eq!(normalize_interface("Hu1/0/49"), "HundredGigE1/0/49");
        assert_eq!(normalize_interface(" Fa0/1 "), "FastEthernet0/1");
        // Not Cisco: left alone.
        assert_eq!(normalize_interface("eth0"), "eth0");
        assert_eq!(normalize_interface("ens3"), "ens3");
        assert_eq!(
            normalize_interface("ethernet1/1"),
            "ethernet1/1",
            "PAN-OS kept"
        );
        assert_eq!(normalize_interface("mgmt0"), "mgmt0");
        assert_eq!(normalize_interface("0011.2233.4455"), "0011.2233.4455");
        assert_eq!(normalize_interface(""), "");
        assert_eq!(normalize_interface("Gi"), "Gi");
        assert_eq!(normalize_interface("Gig 1/0/3"), "GigabitEthernet1/0/3");
        assert_eq!(normalize_interface("Port 1/0/3"), "Port 1/0/3");
        assert_eq!(
            normalize_interface("GigabitEthernet 1/0/3"),
            "GigabitEthernet1/0/3"
        );
    }

    #[test]
    fn canonical_link_is_side_independent() {
        let a = DeviceId(1);
        let b = DeviceId(2);
        let from_a = Link::new(a, "Gi1/0/1", b, "TenGigabitEthernet1/1", LinkProtocol::Cdp);
        let from_b = Link::new(b, "Te1/1", a, "GigabitEthernet1/0/1", LinkProtocol::Lldp);
        let ca = from_a.canonical();
        let cb = from_b.canonical();
        assert_eq!(
            (&ca.a, &ca.a_interface, &ca.b, &ca.b_interface),
            (&cb.a, &cb.a_interface, &cb.b, &cb.b_interface)
        );
        assert_eq!(ca.a, a);
        assert_eq!(ca.a_interface, "GigabitEthernet1/0/1");
        assert_eq!(cb.protocols, BTreeSet::from([LinkProtocol::Lldp]));
    }

    #[test]
    fn canonical_orders_same_device_loops_by_interface() {
        let a = DeviceId(7);
        let l = Link::new(a, "Gi1/0/2", a, "Gi1/0/1", LinkProtocol::Cdp).canonical();
        assert_eq!(l.a_interface, "GigabitEthernet1/0/1");
        assert_eq!(l.b_interface, "GigabitEthernet1/0/2");
    }

    #[test]
    fn names_round_trip() {
        for s in DeviceStatus::ALL {
            assert_eq!(s.as_str().parse::<DeviceStatus>().unwrap(), s);
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for v in [Via::Seed, Via::Cdp, Via::Lldp] {
            assert_eq!(v.as_str().parse::<Via>().unwrap(), v);
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{v}\""));
        }
        let err = "walking".parse::<DeviceStatus>().unwrap_err().to_string();
        assert!(
            err.contains("walking") && err.contains("neighbor_only"),
            "{err}"
        );
    }

    #[test]
    fn status_counts_add_up() {
        let mut c = StatusCounts::default();
        c.add(DeviceStatus::Walked, 3);
        c.add(DeviceStatus::NeighborOnly, 2);
        c.add(DeviceStatus::Walked, 1);
        assert_eq!(c.walked, 4);
        assert_eq!(c.get(DeviceStatus::NeighborOnly), 2);
        assert_eq!(c.total(), 6);
    }

    #[test]
    fn inventory_json_has_exact_contract_keys() {
        let inv = Inventory {
            devices: vec![InventoryDevice {
                hostname: "core1".into(),
                serial: Some("FOC1".into()),
                platform: Some(Platform::CiscoXe),
                model: None,
                version: None,
                mgmt_ip: Some("10.0.0.1".parse().unwrap()),
                ips: vec!["10.0.0.1".parse().unwrap()],
                status: DeviceStatus::Walked,
                reason: None,
                depth: 0,
                parent: None,
                via: Some(Via::Seed),
                stack_members: vec![],
                vlans: vec![],
                warnings: vec![],
                legacy_crypto: false,
            }],
            links: vec![InventoryLink {
                a: "core1".into(),
                a_interface: "GigabitEthernet1/0/1".into(),
                b: "acc1".into(),
                b_interface: "GigabitEthernet0/1".into(),
                protocols: BTreeSet::from([LinkProtocol::Lldp, LinkProtocol::Cdp]),
            }],
            endhosts: vec![InventoryEndHost {
                mac: MacAddr([0, 0x14, 0x22, 0, 0, 1]),
                ips: vec!["10.0.0.10".parse().unwrap()],
                vendor: Some("Dell Inc.".into()),
                status: EndHostStatus::Ambiguous,
                switch: None,
                port: None,
                vlan: None,
                reason: Some("learnt on 2 edge ports".into()),
                first_seen: Some(10),
                last_seen: Some(20),
                candidates: vec![InventoryCandidate {
                    switch: "acc1".into(),
                    port: "GigabitEthernet1/0/5".into(),
                    vlans: vec![100],
                    behind: None,
                    first_seen: 10,
                    last_seen: 20,
                }],
            }],
        };
        let v = serde_json::to_value(&inv).unwrap();
        let dev = v["devices"][0].as_object().unwrap();
        let mut keys: Vec<&str> = dev.keys().map(|k| k.as_str()).collect();
        keys.sort();
        let mut want = vec![
            "hostname",
            "serial",
            "platform",
            "model",
            "version",
            "mgmt_ip",
            "ips",
            "status",
            "reason",
            "depth",
            "parent",
            "via",
            "stack_members",
            "vlans",
            "warnings",
            "legacy_crypto",
        ];
        want.sort();
        assert_eq!(keys, want);
        assert_eq!(dev["platform"], "cisco_xe");
        assert_eq!(dev["mgmt_ip"], "10.0.0.1");
        assert!(dev["model"].is_null());
        assert_eq!(dev["warnings"], serde_json::json!([]));
        assert_eq!(dev["legacy_crypto"], false);
        let link = v["links"][0].as_object().unwrap();
        let mut lkeys: Vec<&str> = link.keys().map(|k| k.as_str()).collect();
        lkeys.sort();
        assert_eq!(lkeys, ["a", "a_interface", "b", "b_interface", "protocols"]);
        assert_eq!(link["protocols"], serde_json::json!(["cdp", "lldp"]));
        let host = v["endhosts"][0].as_object().unwrap();
        let mut hkeys: Vec<&str> = host.keys().map(|k| k.as_str()).collect();
        hkeys.sort();
        assert_eq!(
            hkeys,
            [
                "candidates",
                "first_seen",
                "ips",
                "last_seen",
                "mac",
                "port",
                "reason",
                "status",
                "switch",
                "vendor",
                "vlan"
            ]
        );
        assert_eq!(host["mac"], "00:14:22:00:00:01");
        assert_eq!(host["status"], "ambiguous");
        assert!(host["switch"].is_null());
        let back: Inventory = serde_json::from_value(v).unwrap();
        assert_eq!(back, inv);
    }

    #[test]
    fn netsim_truth_parts_parse_as_model_types() {
        // Shapes as netsim's generate::truth writes them.
        let vlan: Vlan =
            serde_json::from_str(r#"{"id":10,"name":"users","ports":["Gi1/0/1"]}"#).unwrap();
        assert!(vlan.port_channels.is_empty());
        let m: StackMember = serde_json::from_str(
            r#"{"switch":2,"role":"standby","model":"C9300-48P","serial":"FOC2","mac":"00aa.bb00.0002","priority":14}"#,
        )
        .unwrap();
        assert_eq!((m.switch, m.priority, m.version), (2, Some(14), None));
        let l: InventoryLink = serde_json::from_str(
            r#"{"a":"core1","a_interface":"Ethernet1/1","b":"acc1","b_interface":"GigabitEthernet1/0/49","protocols":["cdp","lldp"]}"#,
        )
        .unwrap();
        assert_eq!(l.protocols.len(), 2);
    }

    #[test]
    fn inventory_parses_sparse_truth_files() {
        let text = r#"{"devices":[{"hostname":"a","status":"neighbor_only"}],"links":[]}"#;
        let inv: Inventory = serde_json::from_str(text).unwrap();
        assert_eq!(inv.devices[0].status, DeviceStatus::NeighborOnly);
        assert!(inv.devices[0].ips.is_empty());
    }
}
