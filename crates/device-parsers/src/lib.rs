//! Pure functions from raw CLI text to typed records.
//!
//! Every parser here is total: it takes any `&str` (truncated, garbage, another
//! platform's output) and returns records, possibly empty, never a panic. The
//! walker treats "nothing parsed" as data, not as a crash.
//!
//! Use [`parse`] when the command is a string from a user or a command plan
//! (abbreviations such as `sh cdp nei det` are accepted; [`supported`] lists
//! every platform/command pair, and the error for an unknown pair lists them
//! too); call the `parse_*` functions directly when the caller already knows.
//!
//! ```
//! use device_parsers::{parse, Parsed, Platform};
//!
//! let out = "Device ID: sw2.example.com\n\
//!            Entry address(es):\n  IP address: 10.0.0.2\n\
//!            Platform: cisco WS-C2960X-48FPD-L,  Capabilities: Switch IGMP\n\
//!            Interface: GigabitEthernet1/0/1,  Port ID (outgoing port): GigabitEthernet0/1\n";
//! let Parsed::CdpNeighbors(n) = parse(Platform::CiscoIos, "sh cdp nei det", out).unwrap() else {
//!     unreachable!()
//! };
//! assert_eq!(n[0].name, "sw2");
//! assert_eq!(n[0].mgmt_ip(), Some("10.0.0.2"));
//!
//! // JSON for the CLI: {"kind": "cdp_neighbors", "records": [...]}
//! let json = serde_json::to_value(parse(Platform::CiscoIos, "show cdp neighbors detail", out).unwrap()).unwrap();
//! assert_eq!(json["kind"], "cdp_neighbors");
//!
//! let err = parse(Platform::Linux, "show version", "").unwrap_err();
//! assert!(err.to_string().contains("linux: lldpcli show neighbors details"));
//! ```
//!
//! Modules: [`version`] (show version, platform detection), [`panos`],
//! [`cdp`], [`lldp`] (Cisco and lldpd), [`summary`] (one-line neighbour
//! tables), [`inventory`], [`stack`] (show switch), [`module`], [`vlan`],
//! [`interfaces`] (status and ip brief), [`description`] (interface
//! descriptions), [`normalize`] (names, interfaces,
//! MACs, platform strings, capabilities), [`dispatch`]; for end-host
//! tracking [`mac_table`] (MAC address tables), [`arp`] (ARP and IPv6
//! neighbour caches) and [`switchport`] (access/trunk state).

pub mod cdp;
pub mod description;
pub mod dispatch;
pub mod interfaces;
pub mod inventory;
pub mod lldp;
pub mod module;
pub mod normalize;
pub mod panos;
pub mod stack;
pub mod summary;
mod text;
pub mod version;
pub mod vlan;

// End-host tracking: where a MAC or an IP address lives.
pub mod arp;
pub mod mac_table;
pub mod port_channel;
pub mod switchport;

pub use cdp::{CdpNeighbor, parse_cdp_neighbors_detail};
pub use description::{InterfaceDescription, parse_interfaces_description};
pub use device_platform::{Platform, UnknownPlatform, detect_platform};
pub use dispatch::{ParseError, Parsed, parse, supported};
pub use interfaces::{
    InterfaceStatus, IpInterface, parse_interfaces_status, parse_ip_interface_brief,
};
pub use inventory::{InventoryItem, parse_inventory};
pub use lldp::{LldpNeighbor, parse_lldp_neighbors_detail, parse_lldpd_json, parse_lldpd_text};
pub use module::{ModuleInfo, SubModule, parse_show_module};
pub use normalize::{
    Capability, MacAddr, PlatformInfo, interface_long, interface_short, normalize_hostname,
    normalize_mac, normalize_platform, parse_capabilities, parse_mac, same_interface,
};
pub use panos::{
    PanosHaMember, PanosHaState, PanosSystemInfo, parse_panos_ha_state, parse_panos_system_info,
};
pub use stack::{StackMember, parse_show_switch};
pub use summary::{NeighborSummary, parse_cdp_neighbors, parse_lldp_neighbors};
pub use text::uptime_seconds;
pub use version::{ShowVersion, parse_show_version};
pub use vlan::{Vlan, parse_show_vlan};

// End-host tracking.
pub use arp::{
    AddressFamily, IpNeighbor, parse_ios_arp, parse_ios_ipv6_neighbors, parse_ip_neigh_json,
    parse_nxos_arp, parse_nxos_ipv6_neighbors, parse_panos_arp,
};
pub use mac_table::{MacEntry, MacKind, parse_mac_address_table};
pub use port_channel::{PortChannel, parse_port_channel_summary};
pub use switchport::{Switchport, parse_interfaces_switchport};
