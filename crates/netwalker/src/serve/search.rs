//! Search: which devices a query names, by hostname, alias, address,
//! serial, model, an interface's name or address, or an interface's
//! description (substring, case ignored). One hit per device, the first
//! field that matched (an interface's name or address before any
//! description); a query that is exactly one device's name, address or
//! serial opens that device.

use super::catalogue::Catalogue;
use crate::model::{Device, DeviceId, Interface};
use serde::Serialize;
use std::collections::BTreeMap;

/// The most hits one search lists; the total is still counted.
pub(super) const MAX_HITS: usize = 500;

/// The field a hit matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub(super) enum Matched {
    Hostname,
    Alias,
    Ip,
    Serial,
    Model,
    Interface,
    /// An interface's description; the hit names the interface.
    InterfaceDescription,
}

impl Matched {
    /// The word shown beside a hit.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Matched::Hostname => "hostname",
            Matched::Alias => "alias",
            Matched::Ip => "ip",
            Matched::Serial => "serial",
            Matched::Model => "model",
            Matched::Interface => "interface",
            Matched::InterfaceDescription => "interface description",
        }
    }
}

/// One device a search found.
pub(super) struct Hit<'a> {
    /// The device.
    pub device: &'a Device,
    /// Which of its fields matched.
    pub matched: Matched,
    /// That field's value (the interface's name for an interface match,
    /// its description for a description match).
    pub value: String,
    /// The interface that matched, for interface and description matches.
    pub interface: Option<String>,
    /// The value is the whole query, not only contains it.
    pub exact: bool,
}

/// What a search page does with its hits.
pub(super) enum Outcome<'a> {
    /// Open this device's page.
    Open(&'a Device),
    /// List the hits (none: say nothing was found).
    List(Vec<Hit<'a>>),
}

/// Every device `q` matches, in the catalogue's order. `ports` are the
/// interfaces whose name, address or description contains `q` (read by
/// the store, by device then name).
pub(super) fn search<'a>(
    cat: &'a Catalogue,
    ports: &[(DeviceId, Interface)],
    q: &str,
) -> Vec<Hit<'a>> {
    let folded = q.trim().to_lowercase();
    if folded.is_empty() {
        return Vec::new();
    }
    let port_of = port_matches(ports, q.trim());
    cat.devices
        .iter()
        .filter_map(|d| {
            let (matched, value, interface) = match device_match(d, &folded) {
                Some((m, v)) => (m, v, None),
                None => port_of.get(&d.id).cloned()?,
            };
            let exact = interface.is_none() && value.to_lowercase() == folded;
            Some(Hit {
                device: d,
                matched,
                value,
                interface,
                exact,
            })
        })
        .collect()
}

/// Each device's best interface match: the first whose name or address
/// contains `q`, else the first whose description does (compared as the
/// store does, ASCII case ignored).
fn port_matches(
    ports: &[(DeviceId, Interface)],
    q: &str,
) -> BTreeMap<DeviceId, (Matched, String, Option<String>)> {
    let needle = q.to_ascii_lowercase();
    let has = |s: &str| s.to_ascii_lowercase().contains(&needle);
    let mut out: BTreeMap<DeviceId, (Matched, String, Option<String>)> = BTreeMap::new();
    for (id, i) in ports {
        let by_name = has(&i.name) || i.ip.as_deref().is_some_and(has);
        let hit = if by_name {
            (Matched::Interface, i.name.clone(), Some(i.name.clone()))
        } else if let Some(text) = i.description.as_deref().filter(|t| has(t)) {
            let m = Matched::InterfaceDescription;
            (m, text.to_string(), Some(i.name.clone()))
        } else {
            continue;
        };
        let better = |old: &(Matched, String, Option<String>)| {
            old.0 == Matched::InterfaceDescription && hit.0 == Matched::Interface
        };
        if out.get(id).is_none_or(better) {
            out.insert(*id, hit);
        }
    }
    out
}

/// The first of a device's own fields containing `folded`.
fn device_match(d: &Device, folded: &str) -> Option<(Matched, String)> {
    let has = |s: &str| s.to_lowercase().contains(folded);
    let ips = d.mgmt_ip.iter().chain(&d.ips).map(|ip| ip.to_string());
    let mut fields = std::iter::once((Matched::Hostname, d.hostname.clone()))
        .chain(d.aliases.iter().map(|a| (Matched::Alias, a.clone())))
        .chain(ips.map(|ip| (Matched::Ip, ip)))
        .chain(d.serial.clone().map(|s| (Matched::Serial, s)))
        .chain(d.model.clone().map(|m| (Matched::Model, m)));
    fields.find(|(_, v)| has(v))
}

/// Open the device when exactly one hit is the whole query (a name, an
/// address, a serial) or when there is only one hit; else list them.
pub(super) fn outcome(hits: Vec<Hit<'_>>) -> Outcome<'_> {
    let mut exact = hits.iter().filter(|h| h.exact);
    if let (Some(one), None) = (exact.next(), exact.next()) {
        return Outcome::Open(one.device);
    }
    if hits.len() == 1 {
        return Outcome::Open(hits[0].device);
    }
    Outcome::List(hits)
}
