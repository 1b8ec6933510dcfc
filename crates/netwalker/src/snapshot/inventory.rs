//! The `inventory.json` contract, built from a [`Snapshot`]: devices
//! sorted by hostname (then id), links by endpoint names, parents and
//! endpoints by hostname, so the file reads the same whatever ids a walk
//! allocated; end hosts as the snapshot located them.

use super::Snapshot;
use crate::model::{
    Device, DeviceId, DeviceNames, Inventory, InventoryDevice, InventoryLink, Link, StackMember,
    Vlan,
};
use crate::store::{StoreError, StoreReader};
use std::collections::BTreeMap;

impl Snapshot {
    /// The `inventory.json` contract of this snapshot.
    pub fn inventory(&self) -> Inventory {
        let names = DeviceNames::of(&self.devices);
        let name_of = |id: DeviceId| names.name(id);
        Inventory {
            devices: inventory_devices(&self.devices, &self.stacks, &self.vlans, &name_of),
            links: inventory_links(&self.links, &name_of),
            endhosts: self
                .endhosts
                .iter()
                .map(|h| h.to_inventory(&name_of))
                .collect(),
        }
    }
}

impl StoreReader {
    /// The `inventory.json` contract of the store as it is now (one read
    /// transaction).
    pub fn export_inventory(&self) -> Result<Inventory, StoreError> {
        Ok(Snapshot::read(self)?.inventory())
    }
}

/// The devices of the contract, with their tables, sorted by case-folded
/// hostname, then id.
fn inventory_devices(
    devices: &[Device],
    stacks: &BTreeMap<DeviceId, Vec<StackMember>>,
    vlans: &BTreeMap<DeviceId, Vec<Vlan>>,
    name_of: &impl Fn(DeviceId) -> String,
) -> Vec<InventoryDevice> {
    let mut out: Vec<(String, DeviceId, InventoryDevice)> = devices
        .iter()
        .map(|d| {
            let inv = inventory_device(
                d.clone(),
                stacks.get(&d.id).cloned().unwrap_or_default(),
                vlans.get(&d.id).cloned().unwrap_or_default(),
                name_of,
            );
            (d.hostname.to_lowercase(), d.id, inv)
        })
        .collect();
    out.sort_by(|x, y| (&x.0, x.1).cmp(&(&y.0, y.1)));
    out.into_iter().map(|(_, _, d)| d).collect()
}

/// One device of the contract, with its stack members and VLANs; its
/// parent named by `name_of`. Also what `netwalker serve`'s API returns,
/// so its field names are the file's.
pub(crate) fn inventory_device(
    d: Device,
    stack_members: Vec<StackMember>,
    vlans: Vec<Vlan>,
    name_of: &impl Fn(DeviceId) -> String,
) -> InventoryDevice {
    InventoryDevice {
        hostname: d.hostname,
        serial: d.serial,
        platform: d.platform,
        model: d.model,
        version: d.version,
        mgmt_ip: d.mgmt_ip,
        ips: d.ips.into_iter().collect(),
        status: d.status,
        reason: d.reason,
        depth: d.depth,
        parent: d.parent.map(name_of),
        via: d.via,
        stack_members,
        vlans,
        warnings: d.warnings,
        legacy_crypto: d.legacy_crypto,
    }
}

/// The links of the contract by endpoint name: each oriented and the list
/// sorted by case-folded name (like devices).
pub(crate) fn inventory_links(
    links: &[Link],
    name_of: &impl Fn(DeviceId) -> String,
) -> Vec<InventoryLink> {
    let key = |name: &str, iface: &str| (name.to_lowercase(), iface.to_string());
    let mut out: Vec<InventoryLink> = links
        .iter()
        .cloned()
        .map(|l| {
            let (a, b) = (name_of(l.a), name_of(l.b));
            if key(&a, &l.a_interface) <= key(&b, &l.b_interface) {
                InventoryLink {
                    a,
                    a_interface: l.a_interface,
                    b,
                    b_interface: l.b_interface,
                    protocols: l.protocols,
                }
            } else {
                InventoryLink {
                    a: b,
                    a_interface: l.b_interface,
                    b: a,
                    b_interface: l.a_interface,
                    protocols: l.protocols,
                }
            }
        })
        .collect();
    out.sort_by_cached_key(|l| (key(&l.a, &l.a_interface), key(&l.b, &l.b_interface)));
    out
}
