//! Pure functions from raw CLI text to typed records.
//!
//! Every parser here is total: it takes any `&str` (truncated, garbage, another
//! platform's output) and returns records, possibly empty, never a panic. The
//! walker treats "nothing parsed" as data, not as a crash.
//!
//! Use [`parse`] when the command is a string from a user or a command plan;
//! call the `parse_*` functions directly when the caller already knows.

pub mod cdp;
pub mod dispatch;
pub mod interfaces;
pub mod inventory;
pub mod lldp;
pub mod module;
pub mod normalize;
pub mod panos;
pub mod platform;
pub mod stack;
pub mod summary;
mod text;
pub mod version;
pub mod vlan;

pub use cdp::{CdpNeighbor, parse_cdp_neighbors_detail};
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
pub use platform::Platform;
pub use stack::{StackMember, parse_show_switch};
pub use summary::{NeighborSummary, parse_cdp_neighbors, parse_lldp_neighbors};
pub use text::uptime_seconds;
pub use version::{ShowVersion, detect_platform, parse_show_version};
pub use vlan::{Vlan, parse_show_vlan};
