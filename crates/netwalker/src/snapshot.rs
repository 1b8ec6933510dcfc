//! The inventory read from the store in one read transaction: what the
//! reports, the diagrams and `inventory.json` (`inventory`) are built from.

mod inventory;

#[cfg(feature = "serve")]
pub(crate) use inventory::{inventory_device, inventory_links};

use crate::endhosts::{EndHost, end_hosts};
use crate::model::{Device, DeviceId, Interface, Link, Run, StackMember, Vlan};
use crate::store::{StoreError, StoreReader};
use std::collections::BTreeMap;

/// Everything the inventory tables and diagrams need, read from the store once.
/// (`Default`: the empty inventory.)
#[derive(Default)]
pub struct Snapshot {
    /// Every device, sorted by hostname (case-insensitive) then id, so every
    /// output lists them in the same order.
    pub devices: Vec<Device>,
    /// Every link, one per port pair: the Connections sheet and the diagram edges.
    pub links: Vec<Link>,
    /// Stack members by device: the Stack Members sheet and each device's stack role.
    pub stacks: BTreeMap<DeviceId, Vec<StackMember>>,
    /// VLANs by device: the VLANs sheet.
    pub vlans: BTreeMap<DeviceId, Vec<Vlan>>,
    /// Interfaces by device: which VLAN ports are connected.
    pub interfaces: BTreeMap<DeviceId, Vec<Interface>>,
    /// Every run recorded, oldest first: the Summary's last-run facts.
    pub runs: Vec<Run>,
    /// Every end host the latest walks saw, by MAC: the End Hosts sheets.
    pub endhosts: Vec<EndHost>,
}

impl Snapshot {
    /// Reads the whole inventory in one read transaction.
    pub fn read(store: &StoreReader) -> Result<Snapshot, StoreError> {
        // One read transaction: a walk committing meanwhile cannot make the
        // links name devices the device list lacks.
        let store = &store.snapshot()?;
        let mut devices = store.devices()?;
        devices.sort_by(|a, b| {
            (a.hostname.to_lowercase(), a.id).cmp(&(b.hostname.to_lowercase(), b.id))
        });
        let links = store.links()?;
        let endhosts = end_hosts(&devices, &links, &store.endhost_rows()?);
        Ok(Snapshot {
            devices,
            links,
            endhosts,
            stacks: store.all_stack_members()?,
            vlans: store.all_vlans()?,
            interfaces: store.all_interfaces()?,
            runs: store.runs()?,
        })
    }
}
