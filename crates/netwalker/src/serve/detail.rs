//! One device's page: its record, tables and links, read in one snapshot.

use super::catalogue::Catalogue;
use crate::model::{Device, Interface, InventoryLink, StackMember, Vlan};
use crate::store::{StoreError, StoreReader};

/// Everything a device page (and the API's device) shows.
pub(super) struct Detail {
    /// The device record.
    pub device: Device,
    /// Its site, with a site pattern.
    pub site: Option<String>,
    /// Hostname of the device whose neighbour table led to it.
    pub parent: Option<String>,
    /// Its interfaces, by name.
    pub interfaces: Vec<Interface>,
    /// Its stack members, by switch number.
    pub stack_members: Vec<StackMember>,
    /// Its VLANs, by id.
    pub vlans: Vec<Vlan>,
    /// Its links, each with this device as `a` (its own port first), by
    /// its port then the neighbour's name.
    pub links: Vec<InventoryLink>,
}

impl Detail {
    /// Reads the tables of `device` (a device of `cat`) from `store`; the
    /// caller holds the snapshot `cat` was read in.
    pub(super) fn read(
        store: &StoreReader,
        cat: &Catalogue,
        device: &Device,
    ) -> Result<Detail, StoreError> {
        let id = device.id;
        let mut links: Vec<InventoryLink> = store
            .links_of(id)?
            .into_iter()
            .filter_map(|l| {
                let (mine, theirs, other) = if l.a == id {
                    (l.a_interface, l.b_interface, l.b)
                } else if l.b == id {
                    (l.b_interface, l.a_interface, l.a)
                } else {
                    return None;
                };
                Some(InventoryLink {
                    a: device.hostname.clone(),
                    a_interface: mine,
                    b: cat.name(other),
                    b_interface: theirs,
                    protocols: l.protocols,
                })
            })
            .collect();
        links.sort_by(|x, y| {
            (&x.a_interface, x.b.to_lowercase()).cmp(&(&y.a_interface, y.b.to_lowercase()))
        });
        Ok(Detail {
            site: cat.site(id).map(str::to_string),
            parent: device.parent.map(|p| cat.name(p)),
            interfaces: store.interfaces(id)?,
            stack_members: store.stack_members(id)?,
            vlans: store.vlans(id)?,
            links,
            device: device.clone(),
        })
    }
}
