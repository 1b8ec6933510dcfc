//! End hosts in the browser: a search that is a MAC or an address finds
//! the hosts it names (as `netwalker find` does), and a switch's page lists
//! the hosts located on its ports.

use crate::endhosts::end_hosts;
use crate::find::{self, FoundHost, Query};
use crate::locate::Location;
use crate::model::{DeviceId, DeviceNames, EndHostStatus, InventoryEndHost};
use crate::stamp::format_time;
use crate::store::{StoreError, StoreReader};

/// One end host as a table row.
pub(super) struct HostRow {
    /// `aa:bb:cc:dd:ee:ff`.
    pub mac: String,
    /// Its OUI's registered owner, or empty.
    pub vendor: String,
    /// located, ambiguous or unknown.
    pub status: &'static str,
    /// The switch it is on (links to its page), or empty.
    pub switch: String,
    /// The port, or (ambiguous / unknown) why not one.
    pub port: String,
    /// Its VLAN, or empty.
    pub vlan: String,
    /// The addresses it answered for.
    pub ips: String,
    /// When a walk last saw it.
    pub last_seen: String,
}

impl HostRow {
    /// The row of an inventory record.
    pub(super) fn of(h: &InventoryEndHost) -> HostRow {
        let ips: Vec<String> = h.ips.iter().map(|i| i.to_string()).collect();
        let (status, port) = match h.status {
            EndHostStatus::Located => ("located", h.port.clone().unwrap_or_default()),
            EndHostStatus::Ambiguous => {
                let at: Vec<String> = h
                    .candidates
                    .iter()
                    .map(|c| format!("{} {}", c.switch, c.port))
                    .collect();
                ("ambiguous", at.join("; "))
            }
            EndHostStatus::Unknown => ("unknown", h.reason.clone().unwrap_or_default()),
        };
        HostRow {
            mac: h.mac.to_string(),
            vendor: h.vendor.clone().unwrap_or_default(),
            status,
            switch: h.switch.clone().unwrap_or_default(),
            port,
            vlan: h.vlan.map(|v| v.to_string()).unwrap_or_default(),
            ips: ips.join(", "),
            last_seen: h.last_seen.map(format_time).unwrap_or_default(),
        }
    }
}

/// The hosts a query names when it is a MAC (any notation) or an address;
/// nothing for other text.
pub(super) fn hosts_for_query(r: &StoreReader, q: &str) -> Result<Vec<FoundHost>, StoreError> {
    match Query::parse(q) {
        Query::Mac(m) => find::find(r, &[m], &[]),
        Query::Ip(ip) => find::find(r, &[], &[ip]),
        Query::Name(_) => Ok(Vec::new()),
    }
}

/// The hosts located on `device`'s ports, and the ambiguous ones it is a
/// candidate for, by port then MAC.
pub(super) fn hosts_on(r: &StoreReader, device: DeviceId) -> Result<Vec<HostRow>, StoreError> {
    let rows = r.endhost_rows()?;
    if !rows.sightings.iter().any(|s| s.device == device) {
        return Ok(Vec::new());
    }
    let devices = r.devices()?;
    let names = DeviceNames::of(&devices);
    let name_of = |id: DeviceId| names.name(id);
    let mut here: Vec<(String, HostRow)> = end_hosts(&devices, &r.links()?, &rows)
        .iter()
        .filter_map(|h| {
            let port = match &h.location {
                Location::Port(c) if c.device == device => c.port.clone(),
                Location::Ambiguous { candidates, .. } => {
                    candidates.iter().find(|c| c.device == device)?.port.clone()
                }
                _ => return None,
            };
            Some((port, HostRow::of(&h.to_inventory(&name_of))))
        })
        .collect();
    here.sort_by(|a, b| (&a.0, &a.1.mac).cmp(&(&b.0, &b.1.mac)));
    Ok(here.into_iter().map(|(_, row)| row).collect())
}
