//! The end-host sheets: End Hosts (one row per MAC: where, what it
//! answered for, its vendor, or why it cannot be placed) and End Host
//! Ports (how many hosts each edge port has), both from the snapshot's
//! located hosts.

use super::inventory::Scope;
use crate::endhosts::EndHost;
use crate::locate::{Candidate, Location};
use crate::model::{DeviceId, DeviceNames};
use crate::snapshot::Snapshot;
use crate::stamp::format_time;
use crate::table::{Cell, Table};
use std::collections::BTreeMap;

/// End Hosts and End Host Ports for the devices in `scope`: a host is in
/// a site's sheets when its port (or one of its candidates) is on a
/// switch of that site; hosts no switch places are in the whole
/// network's only.
pub fn endhost_tables(snap: &Snapshot, scope: &Scope<'_>) -> [Table; 2] {
    let names = DeviceNames::of(&snap.devices);
    let name = |id: DeviceId| names.name(id);
    let mut hosts = Table::new(
        "End Hosts",
        &[
            "MAC",
            "Vendor",
            "IPs",
            "Status",
            "Switch",
            "Port",
            "VLAN",
            "Detail",
            "First Seen",
            "Last Seen",
        ],
    );
    let mut ports: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for h in snap.endhosts.iter().filter(|h| in_scope(h, scope)) {
        let (status, at, detail) = match &h.location {
            Location::Port(c) => {
                ports.entry((name(c.device), c.port.clone())).or_default().0 += 1;
                let behind = c.behind.map(|b| format!("behind {}, not walked", name(b)));
                ("located", Some(c), behind)
            }
            Location::Ambiguous { candidates, reason } => {
                for c in candidates {
                    ports.entry((name(c.device), c.port.clone())).or_default().1 += 1;
                }
                let list: Vec<String> = candidates.iter().map(|c| candidate(c, &name)).collect();
                (
                    "ambiguous",
                    None,
                    Some(format!("{reason}: {}", list.join("; "))),
                )
            }
            Location::Unknown { reason } => ("unknown", None, Some(reason.clone())),
        };
        let ips: Vec<String> = h.ips.iter().map(|p| p.ip.to_string()).collect();
        hosts.rows.push(vec![
            Cell::text(h.mac.to_string()),
            Cell::opt(h.vendor),
            Cell::text(ips.join(", ")),
            Cell::text(status),
            Cell::opt(at.map(|c| name(c.device))),
            Cell::opt(at.map(|c| &c.port)),
            Cell::opt(at.and_then(|c| c.vlans.first())),
            Cell::opt(detail),
            Cell::text(format_time(h.first_seen)),
            Cell::text(format_time(h.last_seen)),
        ]);
    }
    let mut counts = Table::new(
        "End Host Ports",
        &["Switch", "Port", "Hosts", "Ambiguous Hosts"],
    );
    for ((switch, port), (located, ambiguous)) in ports {
        counts.rows.push(vec![
            Cell::text(switch),
            Cell::text(port),
            Cell::int(located),
            Cell::int(ambiguous),
        ]);
    }
    [hosts, counts]
}

/// Whether `h` belongs in the sheets of `scope`.
fn in_scope(h: &EndHost, scope: &Scope<'_>) -> bool {
    if scope.site.is_none() {
        return true;
    }
    match &h.location {
        Location::Port(c) => scope.contains(c.device),
        Location::Ambiguous { candidates, .. } => {
            candidates.iter().any(|c| scope.contains(c.device))
        }
        Location::Unknown { .. } => false,
    }
}

/// `acc1 GigabitEthernet1/0/7 (VLAN 10)`.
fn candidate(c: &Candidate, name: &impl Fn(DeviceId) -> String) -> String {
    let vlans: Vec<String> = c.vlans.iter().map(u16::to_string).collect();
    match vlans.is_empty() {
        true => format!("{} {}", name(c.device), c.port),
        false => format!("{} {} (VLAN {})", name(c.device), c.port, vlans.join(",")),
    }
}
