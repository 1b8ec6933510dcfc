//! What a walked device's MAC address table, ARP/IPv6 neighbour caches and
//! switchport state say: the raw material of end-host tracking ("which
//! switch port is this MAC on?"). Collected with `discover` unless
//! `--no-endhosts`; stored as sightings with first/last seen.

pub use device_parsers::MacAddr;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// A MAC address a switch learnt on one of its ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacSighting {
    /// The learnt address: the key a search starts from.
    pub mac: MacAddr,
    /// The port it was learnt on, long form (`GigabitEthernet1/0/5`,
    /// `Port-channel1`): an edge port if the host is there, an uplink if
    /// it is behind another switch.
    pub port: String,
    /// The VLAN it was learnt in; `None` when the device printed none.
    pub vlan: Option<u16>,
}

/// An IP address and the MAC that answers for it (ARP or IPv6 ND).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpMac {
    /// The address: what a search by IP starts from.
    pub ip: IpAddr,
    /// The MAC answering for it, which joins it to the MAC sightings.
    pub mac: MacAddr,
    /// The L3 interface it was cached on (`Vlan100`), long form, if printed.
    pub interface: Option<String>,
}

/// One walked device's end-host tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndHostTables {
    /// True when at least one end-host command was answered: a device
    /// walked with `--no-endhosts` (or that refused them all) says nothing,
    /// which is not "no hosts", so its stored sightings are left alone.
    pub collected: bool,
    /// Dynamic (and static or secure) unicast entries on real ports; the
    /// switch's own and CPU/flood entries are left out.
    pub macs: Vec<MacSighting>,
    /// Resolved ARP and IPv6 neighbour entries.
    pub ip_macs: Vec<IpMac>,
    /// Ports that trunk (long form): MACs learnt there are behind another
    /// switch, not on the port.
    pub trunks: Vec<String>,
    /// Ports bundled into a port-channel: MACs are learnt on the
    /// port-channel while CDP/LLDP sees the neighbour on the member, so
    /// this is what makes a port-channel to a switch an uplink.
    pub bundles: Vec<BundleMember>,
}

/// A port and the port-channel it is bundled into, both long form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleMember {
    /// The member (`GigabitEthernet1/0/49`): where CDP/LLDP sees the neighbour.
    pub port: String,
    /// Its port-channel (`Port-channel1`): where the MACs are learnt.
    pub port_channel: String,
}

/// A stored MAC sighting: one (MAC, switch, port, VLAN) and when walks saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacSeen {
    /// The MAC.
    pub mac: MacAddr,
    /// The switch that learnt it.
    pub device: crate::model::DeviceId,
    /// The port it was learnt on, long form.
    pub port: String,
    /// Its VLAN, `None` when the switch printed none.
    pub vlan: Option<u16>,
    /// Whether the port trunked when last seen: a sighting there is an
    /// uplink's, not the host's own port.
    pub trunk: bool,
    /// The first walk that saw it here.
    pub first_seen: crate::model::UnixTime,
    /// The last walk that saw it here: "where was it last week".
    pub last_seen: crate::model::UnixTime,
}

/// A stored MAC-to-IP pairing from some ARP/ND cache, and when walks saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpSeen {
    /// The MAC.
    pub mac: MacAddr,
    /// An address it answered for.
    pub ip: IpAddr,
    /// The first walk that saw the pair.
    pub first_seen: crate::model::UnixTime,
    /// The last walk that saw it.
    pub last_seen: crate::model::UnixTime,
}

/// Whether an end host's port is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub enum EndHostStatus {
    /// Learnt on exactly one edge port: `switch` and `port` say where.
    Located,
    /// Learnt on several edge ports: `candidates` lists them, `reason` says why.
    Ambiguous,
    /// Learnt on no edge port (only on uplinks, or only in an ARP/ND cache).
    Unknown,
}

/// An end host in the `inventory.json` contract. Field names are the
/// contract; do not rename. Optional values serialise as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct InventoryEndHost {
    /// `aa:bb:cc:dd:ee:ff`.
    #[cfg_attr(feature = "serve", schema(value_type = String))]
    pub mac: MacAddr,
    /// Addresses it answered for in any ARP/ND cache, most recent first.
    #[serde(default)]
    #[cfg_attr(feature = "serve", schema(value_type = Vec<String>))]
    pub ips: Vec<IpAddr>,
    /// The IEEE registration of its OUI.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Located, ambiguous or unknown.
    pub status: EndHostStatus,
    /// Hostname of the switch it is on (located only).
    #[serde(default)]
    pub switch: Option<String>,
    /// The edge port, long form (located only).
    #[serde(default)]
    pub port: Option<String>,
    /// Its VLAN there (located only; the first when learnt in several).
    #[serde(default)]
    pub vlan: Option<u16>,
    /// Why it is not located, in words (ambiguous and unknown).
    #[serde(default)]
    pub reason: Option<String>,
    /// The first walk that saw it anywhere (MAC table or cache), Unix seconds.
    #[serde(default)]
    pub first_seen: Option<crate::model::UnixTime>,
    /// The last walk that saw it anywhere, Unix seconds.
    #[serde(default)]
    pub last_seen: Option<crate::model::UnixTime>,
    /// Every edge port it is learnt on when ambiguous; `[]` otherwise.
    #[serde(default)]
    pub candidates: Vec<InventoryCandidate>,
}

/// One edge port of an ambiguous [`InventoryEndHost`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct InventoryCandidate {
    /// Hostname of the switch.
    pub switch: String,
    /// The port, long form.
    pub port: String,
    /// The VLANs it was learnt in there.
    #[serde(default)]
    pub vlans: Vec<u16>,
    /// A switch on that port that was not walked: the host is behind it.
    #[serde(default)]
    pub behind: Option<String>,
    /// The first walk that saw it there, Unix seconds.
    pub first_seen: crate::model::UnixTime,
    /// The last walk that saw it there, Unix seconds.
    pub last_seen: crate::model::UnixTime,
}
