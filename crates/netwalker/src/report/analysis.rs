//! Reports that answer a question about the whole inventory rather than
//! list it: which models and versions run where, which VLANs are used how
//! widely, which neighbours were never walked, and which devices carry
//! more than one identity. Each is a pure function of a [`Snapshot`]
//! returning a [`Table`], so every output (a page, CSV, xlsx, JSON) shows
//! the same rows.

use crate::model::{DeviceNames, DeviceStatus};
use crate::snapshot::Snapshot;
use crate::table::{Cell, Table};
use std::collections::{BTreeMap, BTreeSet};

/// Walked devices counted by platform, model and software version (what
/// an upgrade plan starts from). Only walked devices: a neighbour table's
/// model and version are hearsay.
pub fn models_table(snap: &Snapshot) -> Table {
    let mut t = Table::new(
        "Models and Versions",
        &["Platform", "Model", "Software Version", "Devices"],
    );
    let mut counts: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    for d in snap
        .devices
        .iter()
        .filter(|d| d.status == DeviceStatus::Walked)
    {
        let key = (
            d.platform
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            d.model.clone().unwrap_or_default(),
            d.version.clone().unwrap_or_default(),
        );
        *counts.entry(key).or_default() += 1;
    }
    for ((platform, model, version), n) in counts {
        t.rows.push(vec![
            blank_empty(platform),
            blank_empty(model),
            blank_empty(version),
            Cell::Int(n),
        ]);
    }
    t
}

/// Every VLAN id, with the names it goes by, how many devices carry it
/// and how many ports are in it: a name used for two ids, or an id named
/// differently per switch, shows here.
pub fn vlan_usage_table(snap: &Snapshot) -> Table {
    let mut t = Table::new(
        "VLAN Usage",
        &["VLAN", "Names", "Devices", "Ports", "Port-channels"],
    );
    #[derive(Default)]
    struct Usage {
        names: BTreeSet<String>,
        devices: i64,
        ports: i64,
        channels: i64,
    }
    let mut by_id: BTreeMap<u16, Usage> = BTreeMap::new();
    for vlans in snap.vlans.values() {
        for v in vlans {
            let u = by_id.entry(v.id).or_default();
            u.names.insert(v.name.clone());
            u.devices += 1;
            u.ports += v.ports.len() as i64;
            u.channels += v.port_channels.len() as i64;
        }
    }
    for (id, u) in by_id {
        t.rows.push(vec![
            Cell::int(id),
            Cell::text(u.names.into_iter().collect::<Vec<_>>().join(", ")),
            Cell::Int(u.devices),
            Cell::Int(u.ports),
            Cell::Int(u.channels),
        ]);
    }
    t
}

/// Devices seen in a neighbour table but never walked (filtered, skipped,
/// beyond the depth, or only ever a neighbour), with who saw them and why
/// they were not walked: where discovery stopped.
pub fn unwalked_table(snap: &Snapshot) -> Table {
    let mut t = Table::new(
        "Unwalked Neighbours",
        &[
            "Device",
            "IP",
            "Platform",
            "Capabilities",
            "Status",
            "Reason",
            "Seen From",
            "Via",
        ],
    );
    let names = DeviceNames::of(&snap.devices);
    for d in snap.devices.iter().filter(|d| {
        matches!(
            d.status,
            DeviceStatus::NeighborOnly | DeviceStatus::Filtered | DeviceStatus::Skipped
        )
    }) {
        t.rows.push(vec![
            Cell::text(&d.hostname),
            Cell::opt(d.mgmt_ip),
            Cell::opt(d.platform_text.as_ref()),
            Cell::text(d.capabilities.join(", ")),
            Cell::text(d.status.as_str()),
            Cell::opt(d.reason.as_ref()),
            Cell::opt(d.parent.map(|p| names.name(p))),
            Cell::opt(d.via.map(|v| v.as_str())),
        ]);
    }
    t
}

/// Devices known by more than one name or address (merged duplicates,
/// several management addresses), and records marked duplicate: where two
/// sources disagreed about who a device is.
pub fn identities_table(snap: &Snapshot) -> Table {
    let mut t = Table::new(
        "Identities",
        &["Device", "Serial", "Status", "Other Names", "Addresses"],
    );
    for d in snap
        .devices
        .iter()
        .filter(|d| !d.aliases.is_empty() || d.ips.len() > 1 || d.status == DeviceStatus::Duplicate)
    {
        t.rows.push(vec![
            Cell::text(&d.hostname),
            Cell::opt(d.serial.as_ref()),
            Cell::text(d.status.as_str()),
            Cell::text(d.aliases.iter().cloned().collect::<Vec<_>>().join(", ")),
            Cell::text(
                d.ips
                    .iter()
                    .map(|ip| ip.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ]);
    }
    t
}

fn blank_empty(s: String) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s)
    }
}
