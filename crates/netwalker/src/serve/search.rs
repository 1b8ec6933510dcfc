//! Search: which devices a query names, by hostname, alias, address,
//! serial, model, or an interface's name or address (substring, case
//! ignored). One hit per device, the first field that matched; a query
//! that is exactly one device's name, address or serial opens that device.

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
        }
    }
}

/// One device a search found.
pub(super) struct Hit<'a> {
    /// The device.
    pub device: &'a Device,
    /// Which of its fields matched.
    pub matched: Matched,
    /// That field's value (the interface's name for an interface match).
    pub value: String,
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
/// interfaces whose name or address contains `q` (read by the store).
pub(super) fn search<'a>(
    cat: &'a Catalogue,
    ports: &[(DeviceId, Interface)],
    q: &str,
) -> Vec<Hit<'a>> {
    let folded = q.trim().to_lowercase();
    if folded.is_empty() {
        return Vec::new();
    }
    let mut port_of: BTreeMap<DeviceId, &Interface> = BTreeMap::new();
    for (id, i) in ports {
        port_of.entry(*id).or_insert(i);
    }
    cat.devices
        .iter()
        .filter_map(|d| {
            let (matched, value) = device_match(d, &folded).or_else(|| {
                port_of
                    .get(&d.id)
                    .map(|i| (Matched::Interface, i.name.clone()))
            })?;
            let exact = matched != Matched::Interface && value.to_lowercase() == folded;
            Some(Hit {
                device: d,
                matched,
                value,
                exact,
            })
        })
        .collect()
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
