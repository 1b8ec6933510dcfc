//! The devices one request sees: every device of the store, in the order
//! every output lists them (case-folded hostname, then id), with its site
//! when a site pattern is set, read in one snapshot.

use crate::model::{Device, DeviceId, DeviceStatus};
use crate::site::{SiteMap, SitePattern};
use crate::store::{StoreError, StoreReader};
use std::collections::HashMap;

/// Every device and its site, as one request's reads see them.
pub(super) struct Catalogue {
    /// Every device, sorted by case-folded hostname then id.
    pub devices: Vec<Device>,
    /// Sites by device, when the server has a site pattern.
    sites: Option<SiteMap>,
    /// Position in `devices` by id: links and parents name devices by id.
    by_id: HashMap<DeviceId, usize>,
}

impl Catalogue {
    /// Reads every device (one snapshot) and assigns sites with `pattern`.
    pub(super) fn load(
        store: &StoreReader,
        pattern: Option<&SitePattern>,
    ) -> Result<Catalogue, StoreError> {
        let mut devices = store.devices()?;
        devices.sort_by(|a, b| {
            (a.hostname.to_lowercase(), a.id).cmp(&(b.hostname.to_lowercase(), b.id))
        });
        Ok(Catalogue::new(devices, pattern))
    }

    /// A catalogue of `devices`, already in display order.
    pub(super) fn new(devices: Vec<Device>, pattern: Option<&SitePattern>) -> Catalogue {
        let sites = pattern.map(|p| p.assign(&devices));
        let by_id = devices.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
        Catalogue {
            devices,
            sites,
            by_id,
        }
    }

    /// Whether sites are assigned (the site column and filter show).
    pub(super) fn has_sites(&self) -> bool {
        self.sites.is_some()
    }

    /// The site of a device, when sites are assigned.
    pub(super) fn site(&self, id: DeviceId) -> Option<&str> {
        self.sites.as_ref().and_then(|s| s.site(id))
    }

    /// Every site name, sorted (empty without a site pattern).
    pub(super) fn site_names(&self) -> Vec<String> {
        self.sites.as_ref().map(SiteMap::sites).unwrap_or_default()
    }

    /// A device by id.
    pub(super) fn get(&self, id: DeviceId) -> Option<&Device> {
        self.by_id.get(&id).map(|&i| &self.devices[i])
    }

    /// The hostname of a device by id (`#id` if the store lacks it).
    pub(super) fn name(&self, id: DeviceId) -> String {
        self.get(id)
            .map_or_else(|| id.to_string(), |d| d.hostname.clone())
    }

    /// The device a page named `hostname` shows: the exact name first, else
    /// the name ignoring case; among several, a device that is not a
    /// duplicate record, then the lowest id.
    pub(super) fn find(&self, hostname: &str) -> Option<&Device> {
        let pick = |same: &dyn Fn(&Device) -> bool| {
            self.devices
                .iter()
                .filter(|d| same(d))
                .min_by_key(|d| (d.status == DeviceStatus::Duplicate, d.id))
        };
        let folded = hostname.to_lowercase();
        pick(&|d| d.hostname == hostname).or_else(|| pick(&|d| d.hostname.to_lowercase() == folded))
    }
}
