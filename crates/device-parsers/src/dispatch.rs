//! One entry point for the CLI (`netwalker parse`) and the command executor:
//! (platform, command as typed, text) -> records.

use crate::cdp::{CdpNeighbor, parse_cdp_neighbors_detail};
use crate::interfaces::{
    InterfaceStatus, IpInterface, parse_interfaces_status, parse_ip_interface_brief,
};
use crate::inventory::{InventoryItem, parse_inventory};
use crate::lldp::{LldpNeighbor, parse_lldp_neighbors_detail, parse_lldpd_json, parse_lldpd_text};
use crate::module::{ModuleInfo, parse_show_module};
use crate::panos::{PanosHaState, PanosSystemInfo, parse_panos_ha_state, parse_panos_system_info};
use crate::platform::Platform;
use crate::stack::{StackMember, parse_show_switch};
use crate::summary::{NeighborSummary, parse_cdp_neighbors, parse_lldp_neighbors};
use crate::version::{ShowVersion, parse_show_version};
use crate::vlan::{Vlan, parse_show_vlan};
use serde::Serialize;
use std::fmt;

/// Records from one command. Serialises as `{"kind": "...", "records": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "records", rename_all = "snake_case")]
pub enum Parsed {
    Version(ShowVersion),
    PanosSystemInfo(PanosSystemInfo),
    PanosHaState(PanosHaState),
    CdpNeighbors(Vec<CdpNeighbor>),
    LldpNeighbors(Vec<LldpNeighbor>),
    NeighborSummary(Vec<NeighborSummary>),
    Inventory(Vec<InventoryItem>),
    StackMembers(Vec<StackMember>),
    Modules(Vec<ModuleInfo>),
    Vlans(Vec<Vlan>),
    InterfacesStatus(Vec<InterfaceStatus>),
    IpInterfaces(Vec<IpInterface>),
}

impl Parsed {
    /// Number of records (1 for single-record commands).
    pub fn len(&self) -> usize {
        match self {
            Parsed::Version(_) | Parsed::PanosSystemInfo(_) | Parsed::PanosHaState(_) => 1,
            Parsed::CdpNeighbors(v) => v.len(),
            Parsed::LldpNeighbors(v) => v.len(),
            Parsed::NeighborSummary(v) => v.len(),
            Parsed::Inventory(v) => v.len(),
            Parsed::StackMembers(v) => v.len(),
            Parsed::Modules(v) => v.len(),
            Parsed::Vlans(v) => v.len(),
            Parsed::InterfacesStatus(v) => v.len(),
            Parsed::IpInterfaces(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The (platform, command) pair has no parser.
    #[error("no parser for {platform} command {command:?}; supported: {}", list_supported(.supported))]
    Unsupported {
        platform: Platform,
        command: String,
        supported: Vec<(Platform, &'static str)>,
    },
}

fn list_supported(s: &[(Platform, &'static str)]) -> String {
    s.iter()
        .map(|(p, c)| format!("{p}: {c}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Cmd {
    Version,
    SystemInfo,
    HaState,
    CdpDetail,
    LldpDetail,
    CdpSummary,
    LldpSummary,
    LldpdText,
    LldpdJson,
    Inventory,
    Switch,
    Module,
    Vlan,
    IntStatus,
    IpIntBrief,
}

const CISCO: &[(&str, Cmd)] = &[
    ("show version", Cmd::Version),
    ("show cdp neighbors detail", Cmd::CdpDetail),
    ("show lldp neighbors detail", Cmd::LldpDetail),
    ("show cdp neighbors", Cmd::CdpSummary),
    ("show lldp neighbors", Cmd::LldpSummary),
    ("show inventory", Cmd::Inventory),
    ("show module", Cmd::Module),
    ("show vlan brief", Cmd::Vlan),
    ("show vlan", Cmd::Vlan),
    ("show interfaces status", Cmd::IntStatus),
    ("show interface status", Cmd::IntStatus),
    ("show ip interface brief", Cmd::IpIntBrief),
];
const IOS_ONLY: &[(&str, Cmd)] = &[
    ("show switch detail", Cmd::Switch),
    ("show switch", Cmd::Switch),
];
const PANOS: &[(&str, Cmd)] = &[
    ("show system info", Cmd::SystemInfo),
    ("show high-availability state", Cmd::HaState),
];
const LINUX: &[(&str, Cmd)] = &[
    ("lldpcli -f json show neighbors details", Cmd::LldpdJson),
    ("lldpcli show neighbors details", Cmd::LldpdText),
    ("lldpctl -f json", Cmd::LldpdJson),
    ("lldpctl", Cmd::LldpdText),
];

fn table(p: Platform) -> Vec<(&'static str, Cmd)> {
    match p {
        Platform::CiscoIos | Platform::CiscoXe => CISCO.iter().chain(IOS_ONLY).copied().collect(),
        Platform::CiscoNxos => CISCO.to_vec(),
        Platform::PaloaltoPanos => PANOS.to_vec(),
        Platform::Linux => LINUX.to_vec(),
    }
}

/// Every (platform, command) pair [`parse`] accepts, in canonical spelling.
pub fn supported() -> Vec<(Platform, &'static str)> {
    Platform::ALL
        .iter()
        .flat_map(|&p| table(p).into_iter().map(move |(c, _)| (p, c)))
        .collect()
}

/// Lower-cases, collapses whitespace and drops an output pipe (`| no-more`).
fn normalize_command(cmd: &str) -> Vec<String> {
    let cmd = cmd.split('|').next().unwrap_or("");
    cmd.split_whitespace()
        .map(|w| w.to_ascii_lowercase())
        .collect()
}

/// Each typed word must be a prefix of the canonical word, as on the CLI
/// ("sh cdp nei det"); words starting with `-` must match exactly.
fn matches(typed: &[String], canonical: &str) -> bool {
    let canon: Vec<&str> = canonical.split_whitespace().collect();
    typed.len() == canon.len()
        && typed.iter().zip(&canon).all(|(t, c)| {
            if c.starts_with('-') || t.starts_with('-') {
                t == c
            } else {
                !t.is_empty() && c.starts_with(t.as_str())
            }
        })
}

fn resolve(platform: Platform, command: &str) -> Option<Cmd> {
    let typed = normalize_command(command);
    // "show int status" must not be mistaken for something else: the first
    // canonical match in table order wins; tables list longer forms first.
    table(platform)
        .into_iter()
        .find(|(c, _)| matches(&typed, c))
        .map(|(_, k)| k)
}

/// Parses `text`, the output of `command` on a `platform` device.
/// Abbreviations and extra whitespace are accepted (`sh cdp nei det`).
pub fn parse(platform: Platform, command: &str, text: &str) -> Result<Parsed, ParseError> {
    let Some(cmd) = resolve(platform, command) else {
        return Err(ParseError::Unsupported {
            platform,
            command: command.trim().to_string(),
            supported: supported(),
        });
    };
    Ok(match cmd {
        Cmd::Version => Parsed::Version(parse_show_version(text)),
        Cmd::SystemInfo => Parsed::PanosSystemInfo(parse_panos_system_info(text)),
        Cmd::HaState => Parsed::PanosHaState(parse_panos_ha_state(text)),
        Cmd::CdpDetail => Parsed::CdpNeighbors(parse_cdp_neighbors_detail(text)),
        Cmd::LldpDetail => Parsed::LldpNeighbors(parse_lldp_neighbors_detail(text)),
        Cmd::CdpSummary => Parsed::NeighborSummary(parse_cdp_neighbors(text)),
        Cmd::LldpSummary => Parsed::NeighborSummary(parse_lldp_neighbors(text)),
        Cmd::LldpdText => Parsed::LldpNeighbors(parse_lldpd_text(text)),
        Cmd::LldpdJson => Parsed::LldpNeighbors(parse_lldpd_json(text)),
        Cmd::Inventory => Parsed::Inventory(parse_inventory(text)),
        Cmd::Switch => Parsed::StackMembers(parse_show_switch(text)),
        Cmd::Module => Parsed::Modules(parse_show_module(text)),
        Cmd::Vlan => Parsed::Vlans(parse_show_vlan(text)),
        Cmd::IntStatus => Parsed::InterfacesStatus(parse_interfaces_status(text)),
        Cmd::IpIntBrief => Parsed::IpInterfaces(parse_ip_interface_brief(text)),
    })
}

impl fmt::Display for Parsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_string_pretty(self) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_resolve() {
        let p = Platform::CiscoIos;
        assert_eq!(resolve(p, "sh cdp nei det"), Some(Cmd::CdpDetail));
        assert_eq!(
            resolve(p, "  show   cdp neighbors   detail "),
            Some(Cmd::CdpDetail)
        );
        assert_eq!(resolve(p, "sh ver"), Some(Cmd::Version));
        assert_eq!(resolve(p, "sh int status"), Some(Cmd::IntStatus));
        assert_eq!(resolve(p, "sh ip int br"), Some(Cmd::IpIntBrief));
        assert_eq!(resolve(p, "sh vlan br"), Some(Cmd::Vlan));
        assert_eq!(resolve(p, "sh mod"), Some(Cmd::Module));
        assert_eq!(resolve(p, "sh cdp nei"), Some(Cmd::CdpSummary));
        assert_eq!(resolve(p, "show lldp neighbors"), Some(Cmd::LldpSummary));
        assert_eq!(
            resolve(p, "show switch detail | no-more"),
            Some(Cmd::Switch)
        );
        assert_eq!(resolve(Platform::CiscoNxos, "show switch"), None);
        assert_eq!(
            resolve(Platform::Linux, "lldpcli -f json show neighbors details"),
            Some(Cmd::LldpdJson)
        );
        assert_eq!(
            resolve(Platform::Linux, "lldpcli show nei det"),
            Some(Cmd::LldpdText)
        );
        assert_eq!(
            resolve(Platform::PaloaltoPanos, "show high-availability state"),
            Some(Cmd::HaState)
        );
        assert_eq!(resolve(p, "show running-config"), None);
        assert_eq!(resolve(p, ""), None);
    }

    #[test]
    fn unsupported_lists_pairs() {
        let err = parse(Platform::PaloaltoPanos, "show cdp neighbors detail", "").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("paloalto_panos"), "{msg}");
        assert!(
            msg.contains("cisco_nxos: show cdp neighbors detail"),
            "{msg}"
        );
        assert!(
            msg.contains("linux: lldpcli -f json show neighbors details"),
            "{msg}"
        );
        let ParseError::Unsupported { supported, .. } = err;
        assert_eq!(supported, super::supported());
    }

    #[test]
    fn parsed_serialises_with_kind() {
        let p = parse(Platform::CiscoIos, "sh ver", "router1 uptime is 1 minute\n").unwrap();
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["kind"], "version");
        assert_eq!(json["records"]["hostname"], "router1");
        assert_eq!(p.len(), 1);
    }
}
