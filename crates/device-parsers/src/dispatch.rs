//! One entry point for the CLI (`netwalker parse`) and the command executor:
//! (platform, command as typed, text) -> records.

use crate::arp::{
    IpNeighbor, parse_ios_arp, parse_ios_ipv6_neighbors, parse_ip_neigh_json, parse_nxos_arp,
    parse_nxos_ipv6_neighbors, parse_panos_arp,
};
use crate::cdp::{CdpNeighbor, parse_cdp_neighbors_detail};
use crate::description::{InterfaceDescription, parse_interfaces_description};
use crate::interfaces::{
    InterfaceStatus, IpInterface, parse_interfaces_status, parse_ip_interface_brief,
};
use crate::inventory::{InventoryItem, parse_inventory};
use crate::lldp::{LldpNeighbor, parse_lldp_neighbors_detail, parse_lldpd_json, parse_lldpd_text};
use crate::mac_table::{MacEntry, parse_mac_address_table};
use crate::module::{ModuleInfo, parse_show_module};
use crate::panos::{PanosHaState, PanosSystemInfo, parse_panos_ha_state, parse_panos_system_info};
use crate::port_channel::{PortChannel, parse_port_channel_summary};
use crate::stack::{StackMember, parse_show_switch};
use crate::summary::{NeighborSummary, parse_cdp_neighbors, parse_lldp_neighbors};
use crate::switchport::{Switchport, parse_interfaces_switchport};
use crate::version::{ShowVersion, parse_show_version};
use crate::vlan::{Vlan, parse_show_vlan};
use device_platform::Platform;
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
    /// `show interfaces description` / `show interface description`.
    InterfaceDescriptions(Vec<InterfaceDescription>),
    MacTable(Vec<MacEntry>),
    IpNeighbors(Vec<IpNeighbor>),
    Switchports(Vec<Switchport>),
    /// `show etherchannel summary` / `show port-channel summary`.
    PortChannels(Vec<PortChannel>),
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
            Parsed::InterfaceDescriptions(v) => v.len(),
            Parsed::MacTable(v) => v.len(),
            Parsed::IpNeighbors(v) => v.len(),
            Parsed::Switchports(v) => v.len(),
            Parsed::PortChannels(v) => v.len(),
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
    IntDescription,
    MacTable,
    IosArp,
    IosNd,
    NxosArp,
    PanosArp,
    LinuxNeigh,
    Switchport,
    NxosNd,
    PortChannels,
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
    ("show interfaces description", Cmd::IntDescription),
    ("show interface description", Cmd::IntDescription),
    ("show ip interface brief", Cmd::IpIntBrief),
    ("show mac address-table dynamic", Cmd::MacTable),
    ("show mac address-table", Cmd::MacTable),
];
const IOS_ONLY: &[(&str, Cmd)] = &[
    ("show switch detail", Cmd::Switch),
    ("show switch", Cmd::Switch),
    ("show mac-address-table", Cmd::MacTable),
    ("show ip arp", Cmd::IosArp),
    ("show arp", Cmd::IosArp),
    ("show ipv6 neighbors", Cmd::IosNd),
    ("show interfaces switchport", Cmd::Switchport),
    ("show etherchannel summary", Cmd::PortChannels),
];
const NXOS_ONLY: &[(&str, Cmd)] = &[
    ("show ip arp detail vrf all", Cmd::NxosArp),
    ("show ip arp detail", Cmd::NxosArp),
    ("show ip arp vrf all", Cmd::NxosArp),
    ("show ip arp", Cmd::NxosArp),
    // NX-OS prints the IOS keys (`Name:`, `Operational Mode:`, `Access
    // Mode VLAN:`), indented: the one parser reads both.
    ("show interface switchport", Cmd::Switchport),
    ("show ipv6 neighbor vrf all", Cmd::NxosNd),
    ("show ipv6 neighbor", Cmd::NxosNd),
    ("show port-channel summary", Cmd::PortChannels),
];
const PANOS: &[(&str, Cmd)] = &[
    ("show system info", Cmd::SystemInfo),
    ("show high-availability state", Cmd::HaState),
    ("show arp all", Cmd::PanosArp),
];
const LINUX: &[(&str, Cmd)] = &[
    ("lldpcli -f json show neighbors details", Cmd::LldpdJson),
    ("lldpcli show neighbors details", Cmd::LldpdText),
    ("lldpctl -f json", Cmd::LldpdJson),
    ("lldpctl", Cmd::LldpdText),
    ("ip -j neighbor show", Cmd::LinuxNeigh),
    ("ip -j neighbor", Cmd::LinuxNeigh),
    ("ip -json neighbor show", Cmd::LinuxNeigh),
    ("ip -json neighbor", Cmd::LinuxNeigh),
];

fn table(p: Platform) -> Vec<(&'static str, Cmd)> {
    match p {
        Platform::CiscoIos | Platform::CiscoXe => CISCO.iter().chain(IOS_ONLY).copied().collect(),
        Platform::CiscoNxos => CISCO.iter().chain(NXOS_ONLY).copied().collect(),
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
        Cmd::IntDescription => Parsed::InterfaceDescriptions(parse_interfaces_description(text)),
        Cmd::MacTable => Parsed::MacTable(parse_mac_address_table(text)),
        Cmd::IosArp => Parsed::IpNeighbors(parse_ios_arp(text)),
        Cmd::IosNd => Parsed::IpNeighbors(parse_ios_ipv6_neighbors(text)),
        Cmd::NxosArp => Parsed::IpNeighbors(parse_nxos_arp(text)),
        Cmd::PanosArp => Parsed::IpNeighbors(parse_panos_arp(text)),
        Cmd::LinuxNeigh => Parsed::IpNeighbors(parse_ip_neigh_json(text)),
        Cmd::Switchport => Parsed::Switchports(parse_interfaces_switchport(text)),
        Cmd::NxosNd => Parsed::IpNeighbors(parse_nxos_ipv6_neighbors(text)),
        Cmd::PortChannels => Parsed::PortChannels(parse_port_channel_summary(text)),
    })
}

impl Parsed {
    /// Plain-text table for people (`netwalker parse --format table`): one
    /// row per record, one column per field that any record fills; a
    /// single-record command prints `field  value` lines. Lists are joined
    /// with `, `; nested values are shown as compact JSON.
    pub fn to_table(&self) -> String {
        use serde_json::Value;
        let Ok(json) = serde_json::to_string(self) else {
            return String::new();
        };
        let Ok(v) = serde_json::from_str::<Value>(&json) else {
            return String::new();
        };
        let records = v.get("records").cloned().unwrap_or(Value::Null);
        // serde_json's Value sorts keys; the struct's field order (which puts
        // names and ports first) is read back from the serialised text.
        let order = serde_json::from_str::<FieldOrder>(&json)
            .map(|f| f.0)
            .unwrap_or_default();
        let rank = |k: &str| order.iter().position(|o| o == k).unwrap_or(usize::MAX);
        let cell = |v: &Value| -> String {
            match v {
                Value::Null => String::new(),
                Value::String(s) => s.replace('\n', " / "),
                Value::Array(a) => a
                    .iter()
                    .map(|x| match x {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            }
        };
        let mut out = String::new();
        match records {
            Value::Object(m) => {
                let mut fields: Vec<(&String, &Value)> =
                    m.iter().filter(|(_, v)| !cell(v).is_empty()).collect();
                let w = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
                fields.sort_by_key(|(k, _)| rank(k));
                for (k, val) in fields {
                    let c = cell(val);
                    if !c.is_empty() {
                        out.push_str(&format!("{k:<w$}  {c}\n"));
                    }
                }
            }
            Value::Array(rows) => {
                // Columns in field order, keeping only those with a value.
                let mut cols: Vec<String> = Vec::new();
                for r in &rows {
                    if let Value::Object(m) = r {
                        for (k, val) in m {
                            if !cols.contains(k) && !cell(val).is_empty() {
                                cols.push(k.clone());
                            }
                        }
                    }
                }
                cols.sort_by_key(|c| rank(c));
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        cols.iter()
                            .map(|c| r.get(c).map(cell).unwrap_or_default())
                            .collect()
                    })
                    .collect();
                let widths: Vec<usize> = cols
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        table
                            .iter()
                            .map(|row| row[i].chars().count())
                            .chain([c.len()])
                            .max()
                            .unwrap_or(0)
                    })
                    .collect();
                let line = |cells: &[String]| -> String {
                    let mut l = cells
                        .iter()
                        .zip(&widths)
                        .map(|(c, w)| format!("{c:<w$}"))
                        .collect::<Vec<_>>()
                        .join("  ");
                    l.truncate(l.trim_end().len());
                    l.push('\n');
                    l
                };
                out.push_str(&line(&cols));
                out.push_str(&line(
                    &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
                ));
                for row in &table {
                    out.push_str(&line(row));
                }
            }
            _ => {}
        }
        out
    }
}

/// Field names of the record(s) inside `{"kind": .., "records": ..}`, in
/// the order they were serialised.
struct FieldOrder(Vec<String>);

impl<'de> serde::Deserialize<'de> for FieldOrder {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};

        /// Keys of one map (or of every map in a list), appended in order.
        struct Keys<'a>(&'a mut Vec<String>);
        impl<'de> serde::de::DeserializeSeed<'de> for Keys<'_> {
            type Value = ();
            fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.deserialize_any(self)
            }
        }
        impl<'de> Visitor<'de> for Keys<'_> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("records")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
                while let Some(k) = m.next_key::<String>()? {
                    if !self.0.contains(&k) {
                        self.0.push(k);
                    }
                    m.next_value::<IgnoredAny>()?;
                }
                Ok(())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
                while s.next_element_seed(Keys(&mut *self.0))?.is_some() {}
                Ok(())
            }
        }

        struct Outer;
        impl<'de> Visitor<'de> for Outer {
            type Value = FieldOrder;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a parsed result")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<FieldOrder, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    if k == "records" {
                        m.next_value_seed(Keys(&mut keys))?;
                    } else {
                        m.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(FieldOrder(keys))
            }
        }
        d.deserialize_map(Outer)
    }
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
    fn description_commands_resolve_on_cisco_only() {
        for p in [Platform::CiscoIos, Platform::CiscoXe, Platform::CiscoNxos] {
            assert_eq!(resolve(p, "sh int desc"), Some(Cmd::IntDescription), "{p}");
            assert_eq!(
                resolve(p, "show interfaces description"),
                Some(Cmd::IntDescription)
            );
            assert_eq!(
                resolve(p, "show interface description"),
                Some(Cmd::IntDescription)
            );
        }
        assert_eq!(
            resolve(Platform::PaloaltoPanos, "show interface description"),
            None
        );
        let text = "Interface  Status  Protocol Description\nGi0/1  up  up  to core1\n";
        let json =
            serde_json::to_value(parse(Platform::CiscoIos, "sh int desc", text).unwrap()).unwrap();
        assert_eq!(json["kind"], "interface_descriptions");
        assert_eq!(json["records"][0]["interface"], "GigabitEthernet0/1");
        assert_eq!(json["records"][0]["description"], "to core1");
    }

    #[test]
    fn endhost_commands_resolve() {
        let (ios, nxos) = (Platform::CiscoIos, Platform::CiscoNxos);
        assert_eq!(resolve(ios, "sh mac add"), Some(Cmd::MacTable));
        assert_eq!(resolve(ios, "sh mac-address-table"), Some(Cmd::MacTable));
        assert_eq!(resolve(nxos, "show mac address-table"), Some(Cmd::MacTable));
        assert_eq!(resolve(nxos, "show mac-address-table"), None);
        assert_eq!(resolve(ios, "sh ip arp"), Some(Cmd::IosArp));
        assert_eq!(resolve(ios, "sh arp"), Some(Cmd::IosArp));
        assert_eq!(resolve(ios, "sh ipv6 nei"), Some(Cmd::IosNd));
        assert_eq!(resolve(ios, "sh int switchport"), Some(Cmd::Switchport));
        assert_eq!(resolve(nxos, "sh ip arp"), Some(Cmd::NxosArp));
        assert_eq!(resolve(nxos, "sh ip arp det vrf all"), Some(Cmd::NxosArp));
        assert_eq!(resolve(nxos, "show interfaces switchport"), None);
        assert_eq!(
            resolve(Platform::PaloaltoPanos, "show arp all"),
            Some(Cmd::PanosArp)
        );
        assert_eq!(
            resolve(Platform::Linux, "ip -j neigh"),
            Some(Cmd::LinuxNeigh)
        );
        assert_eq!(
            resolve(Platform::Linux, "ip -json neigh show"),
            Some(Cmd::LinuxNeigh)
        );
        let p = parse(
            Platform::Linux,
            "ip -j neigh",
            r#"[{"dst":"10.0.0.1","dev":"eth0","lladdr":"00:11:22:33:44:55","state":["REACHABLE"]}]"#,
        )
        .unwrap();
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["kind"], "ip_neighbors");
        assert_eq!(json["records"][0]["mac"], "00:11:22:33:44:55");
        assert_eq!(json["records"][0]["family"], "ipv4");
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
    fn table_rendering() {
        let text = "Port      Name               Status       Vlan       Duplex  Speed Type
Gi1/0/1                      notconnect   1            auto   auto 10/100/1000BaseTX
Gi1/0/2   AccessPoint        connected    8          a-full a-1000 10/100/1000BaseTX
";
        let t = parse(Platform::CiscoIos, "sh int status", text)
            .unwrap()
            .to_table();
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 4, "{t}");
        assert!(
            lines[0].starts_with("port") && lines[0].contains("media_type"),
            "{t}"
        );
        assert!(
            !lines[0].contains("fc_mode"),
            "empty columns are dropped: {t}"
        );
        assert!(lines[3].starts_with("Gi1/0/2  AccessPoint"), "{t}");
        let v = parse(Platform::CiscoIos, "sh ver", "r1 uptime is 2 minutes\n")
            .unwrap()
            .to_table();
        assert!(
            v.contains("hostname") && v.contains("r1") && v.contains("uptime_seconds  120"),
            "{v}"
        );
        assert!(!v.contains("serial"), "{v}");
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
